/** collectstatic into the project's STATIC_ROOT, with the application's environment (checked with --dry-run). */
import { isInside, samePath } from '../../../shared/winpath';
import { managePy } from '../commands';
import { objectKey } from '../ownership';
import { parseCollectstatic } from '../parsers';
import { manageEnv, missingManifest, projectView } from '../project';
import { done, exec, firstLine, needed, psq, type Step, type StepContext } from '../step';
import { recycleIfRunning } from './recycle';
import { codeFingerprint, digest, recall, remember, treeEntries } from '../check-cache';

/** What collectstatic depends on: the code and packages, every file of the project outside STATIC_ROOT, and STATIC_ROOT's files. */
async function staticFingerprint(ctx: StepContext, env: Record<string, string>, staticRoot: string, mediaRoot: string | undefined): Promise<string> {
  const { config, host } = ctx;
  const skipDir = (name: string, p: string) => !/^(__pycache__|\.git|node_modules)$/i.test(name) && !samePath(p, staticRoot) && !(mediaRoot && samePath(p, mediaRoot));
  const project = await treeEntries(host, config.appDir, (n) => !/\.(pyc|log|sqlite3?|db)$/i.test(n), skipDir);
  const collected = await treeEntries(host, staticRoot, () => true, () => true);
  return digest(await codeFingerprint(ctx, env), project, collected);
}

export const collectstatic: Step = {
  id: 'collectstatic',
  title: 'Collect static files',
  section: 'static',
  dependsOn: ['django-settings'],
  async check(ctx) {
    const { config, d, host } = ctx;
    const view = await projectView(ctx);
    if (view.facts && !view.facts.staticfilesInstalled) return done('django.contrib.staticfiles is not installed: there are no static files to collect');
    const env = await manageEnv(ctx, view.wsgiHandler);
    const action = exec(`Collect static files into ${view.staticRoot}`, d.venvPython, [managePy(config), 'collectstatic', '--noinput'], {
      cwd: config.appDir,
      env,
      ...(isInside(view.staticRoot, config.appDir) ? {} : { creates: { object: objectKey.folder(view.staticRoot), undo: [{ kind: 'remove', description: `Remove the static files folder ${view.staticRoot}`, path: view.staticRoot }] } }),
    });
    if (!view.facts) return needed('the project is not in place yet', [action]);
    // A manifest storage reads staticfiles.json once per process: after collecting, the running
    // worker processes must start again (a pool recycle) or they keep serving the old manifest.
    const manifest = /Manifest/.test(view.facts.staticfilesStorage ?? '');
    // A release that is not live yet starts processes of its own (its own FastCGI application): the live pool is left alone.
    const notLive = ctx.release !== undefined && ctx.release.target.state !== 'live';
    const recycle = manifest && !notLive ? await recycleIfRunning(ctx, 'so the site reads the new manifest') : [];
    const collect = [action, ...recycle];
    const manifestFile = await missingManifest(host, view);
    // Found up to date before, and nothing collectstatic reads or writes has changed since (the code,
    // the packages, every other file of the project, the files in STATIC_ROOT): not asked again.
    const fp = view.facts.staticDirsOutsideApp === 0 && !manifestFile ? await staticFingerprint(ctx, env, view.staticRoot, view.media?.root) : undefined;
    const known = fp ? await recall<number>(ctx, 'collectstatic', fp) : undefined;
    if (known !== undefined && (await host.exists(view.staticRoot))) return done(`${known} static files are up to date in ${view.staticRoot} (nothing changed since collectstatic --dry-run said so)`);
    const r = await host.exec(d.venvPython, [managePy(config), 'collectstatic', '--noinput', '--dry-run'], { cwd: config.appDir, env, ...(ctx.signal ? { signal: ctx.signal } : {}) });
    if (r.exitCode !== 0) {
      const err = r.stderr.trim().split(/\r?\n/).at(-1) ?? '';
      return needed(`collectstatic --dry-run failed: ${err || firstLine(r.stdout)}`, collect);
    }
    const counts = parseCollectstatic(r.stdout);
    if (manifestFile) return needed(`${view.facts.staticfilesStorage ?? 'the manifest storage'} has no manifest (${manifestFile} is missing)`, collect);
    if (counts && counts.copied === 0 && (await host.exists(view.staticRoot))) {
      if (fp) await remember(ctx, 'collectstatic', fp, counts.unmodified);
      return done(`${counts.unmodified} static files are up to date in ${view.staticRoot}`);
    }
    return needed(counts ? `${counts.copied} static files to copy into ${view.staticRoot}` : 'static files are not collected', collect);
  },
  psCheck: ({ d }) => `(Test-Path ${psq(d.staticRoot)}) -and ((Get-ChildItem -Recurse -File ${psq(d.staticRoot)} -ErrorAction SilentlyContinue | Measure-Object).Count -gt 0)`,
  explain(action, r) {
    const text = r.stdout + r.stderr;
    if (/ImproperlyConfigured.*STATIC_ROOT/i.test(text))
      return { what: 'collectstatic: STATIC_ROOT is not set.', why: 'Django needs STATIC_ROOT to know where to collect files.', fix: 'Check the managed block at the end of settings.py; run again.', command: [action.file, ...action.args], exitCode: r.exitCode };
    return undefined;
  },
};
