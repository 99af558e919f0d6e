/**
 * The project's own web.config files (the application folder, STATIC_ROOT, MEDIA_ROOT): a
 * <handlers> section there is refused by IIS (the section is locked at server level, 500.19 for
 * every request under it), so the plan explains it and takes the section out of the file; the
 * edit is journaled (undo and rollback put the file back). What the entries did is what this
 * tool sets up in applicationHost.config: the Django handler at the site, only the static file
 * handler at the static and media folders. Entries of other kinds are named in the plan.
 */
import type { Action } from '../../../shared/plan';
import { isInside, winJoin } from '../../../shared/winpath';
import type { Host } from '../host';

/** The web.config files under a folder, as path parts (not entering .git, __pycache__, node_modules or links). */
async function webConfigsUnder(host: Host, root: string, limit = 20_000): Promise<string[][]> {
  const out: string[][] = [];
  let visited = 0;
  const walk = async (rel: string[]): Promise<void> => {
    const names = await host.readDir(winJoin(root, ...rel)).catch(() => [] as string[]);
    for (const name of names) {
      if (++visited > limit) return;
      if (name.toLowerCase() === 'web.config') {
        out.push([...rel, name]);
        continue;
      }
      if (/^(\.git|__pycache__|node_modules|\.venv)$/i.test(name)) continue;
      const st = await host.stat(winJoin(root, ...rel, name));
      if (st?.dir) await walk([...rel, name]);
    }
  };
  await walk([]);
  return out;
}
import { projectView } from '../project';
import { blocked, done, needed, psq, type Step } from '../step';
import { describeHandlerEntry, hasHttpPlatformSection, webConfigHandlers, type WebConfigHandlerEntry } from '../web-config';

function fate(e: WebConfigHandlerEntry, where: 'app' | 'static'): string {
  if (e.kind === 'add' && /FastCgiModule/i.test(e.modules ?? '')) return 'replaced by this tool\'s Django handler mapping';
  if (where === 'static' && (e.kind === 'clear' || e.kind === 'remove' || /StaticFileModule/i.test(e.modules ?? ''))) return 'what this tool sets up there (only the static file handler)';
  return 'not carried over: if the site needs it, add it in IIS Manager > Handler Mappings';
}

export const webConfig: Step = {
  id: 'web-config',
  title: 'Take the handlers out of the project\'s web.config',
  section: 'site',
  dependsOn: ['django-project', 'collectstatic'],
  async check(ctx) {
    const { config, host } = ctx;
    const view = await projectView(ctx);
    const folders: [string, 'app' | 'static'][] = [[config.appDir, 'app']];
    if (!isInside(view.staticRoot, config.appDir) || view.staticVdirPath) folders.push([view.staticRoot, 'static']);
    if (view.media) folders.push([view.media.root, 'static']);
    const actions: Action[] = [];
    const found: string[] = [];
    // Every web.config of the project, in any subfolder (IIS reads each for the URLs below it): in
    // the application folder, or, before the project is copied, in the folder it will come from.
    const src = config.djangoProject;
    const before = 'folder' in src && !(await host.exists(config.appDir));
    const files: [string, string, 'app' | 'static'][] = [];
    for (const [folder, where] of folders) {
      if (where === 'app') {
        const root = before && 'folder' in src ? src.folder : folder;
        for (const rel of await webConfigsUnder(host, root)) files.push([winJoin(folder, ...rel), winJoin(root, ...rel), isInside(winJoin(folder, ...rel), view.staticRoot) ? 'static' : 'app']);
      } else files.push([`${folder}\\web.config`, `${folder}\\web.config`, where]);
    }
    const seen = new Set<string>();
    for (const [file, source, where] of files) {
      if (seen.has(file.toLowerCase())) continue;
      seen.add(file.toLowerCase());
      if (!(await host.exists(source))) continue;
      let handlers;
      const text = await host.readFile(source);
      // With HttpPlatformHandler, a project's own <httpPlatform> (Azure App Service templates have one)
      // overrides what this tool sets for the site at its location in applicationHost.config.
      if (ctx.d.server === 'httpplatform' && hasHttpPlatformSection(text))
        return blocked(`${source} sets <httpPlatform>`, {
          what: `${source} (part of the project) has its own <httpPlatform> section.`,
          why: 'A web.config is read after applicationHost.config, so its processPath and arguments would replace the ones this tool sets for waitress: the site would start whatever that section names, or nothing.',
          fix: `Remove the <httpPlatform> section from ${source} in the project (this tool sets it for the site), or use "server": "wfastcgi", then run again.`,
        });
      try {
        handlers = webConfigHandlers(text);
      } catch (e) {
        return blocked(`${source} cannot be read`, {
          what: `${source} (part of the project) is not a valid configuration file: ${e instanceof Error ? e.message : String(e)}.`,
          why: 'IIS reads every web.config under the site; a broken one makes each request under its folder fail with HTTP 500.19.',
          fix: `Fix the file (or delete it if the project does not need it) in the project, then run again.`,
        });
      }
      if (!handlers) continue;
      const list = handlers.entries.length ? handlers.entries.map((e) => `${describeHandlerEntry(e)} (${fate(e, where)})`).join('; ') : 'an empty <handlers> section';
      found.push(`${file}: ${list}`);
      actions.push({
        kind: 'editFile',
        description: `Take the <handlers> section out of ${file} (IIS locks it: HTTP 500.19); the rest of the file stays as it is`,
        path: file,
        transform: 'web-config-without-handlers',
      });
    }
    if (actions.length === 0) return done(folders.length ? 'no web.config of the project sets handlers (IIS locks that section at server level)' : 'nothing to check');
    return needed(
      `the project's web.config sets handlers, which IIS refuses (the section is locked at server level, so every request would fail with HTTP 500.19; none of these entries ever took effect here): ${found.join(' | ')}`,
      actions,
    );
  },
  // The exported script deploys the guide's layout; it takes <handlers> out the same way.
  psCheck: ({ config }) => `-not ((Test-Path ${psq(`${config.appDir}\\web.config`)}) -and (Select-String -Quiet -Pattern '<handlers' -Path ${psq(`${config.appDir}\\web.config`)}))`,
};
