/** collectstatic into the project's STATIC_ROOT, with the application's environment (checked with --dry-run). */
import { isInside } from '../../../shared/winpath';
import { managePy } from '../commands';
import { objectKey } from '../ownership';
import { parseCollectstatic } from '../parsers';
import { manageEnv, missingManifest, projectView } from '../project';
import { done, exec, firstLine, needed, psq, type Step } from '../step';
import { recycleIfRunning } from './recycle';

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
    const recycle = manifest ? await recycleIfRunning(ctx, 'so the site reads the new manifest') : [];
    const collect = [action, ...recycle];
    const r = await host.exec(d.venvPython, [managePy(config), 'collectstatic', '--noinput', '--dry-run'], { cwd: config.appDir, env, ...(ctx.signal ? { signal: ctx.signal } : {}) });
    if (r.exitCode !== 0) {
      const err = r.stderr.trim().split(/\r?\n/).at(-1) ?? '';
      return needed(`collectstatic --dry-run failed: ${err || firstLine(r.stdout)}`, collect);
    }
    const counts = parseCollectstatic(r.stdout);
    const manifestFile = await missingManifest(host, view);
    if (manifestFile) return needed(`${view.facts.staticfilesStorage ?? 'the manifest storage'} has no manifest (${manifestFile} is missing)`, collect);
    if (counts && counts.copied === 0 && (await host.exists(view.staticRoot))) return done(`${counts.unmodified} static files are up to date in ${view.staticRoot}`);
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
