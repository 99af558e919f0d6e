/**
 * Convergence: what an earlier run of this deployment created and the configuration no longer
 * wants (the FastCGI entry of a previous venvDir, the old venv, the /static virtual directory of
 * a previous staticUrl, a previous pool and its grants) is removed, from the journal only: an
 * object the journal does not list is never touched. Folders that may hold data (a previous
 * application folder, log, database or media folder) are not deleted here: they stay in the
 * journal, the plan names them, and uninstall removes them.
 */
import type { Action } from '../../../shared/plan';
import { APPCMD, ICACLS } from '../commands';
import { objectKey, readJournal, type JournalEntry } from '../ownership';
import { projectView, requiredGrants } from '../project';
import { done, needed, type StepContext, type Step } from '../step';
import { derive } from '../../../shared/config';
import type { ReleaseRecord } from '../../../shared/release';
import { isInside } from '../../../shared/winpath';
import { releaseConfig } from '../release/layout';
import { liveRelease, previousRelease, readRegistry, type ReleaseRegistry } from '../release/registry';
import { beforeSwitch } from '../release/pending';
import { httpsBindingInfo, sslKey } from '../https/commands';
import { redirectObjects } from './http-redirect';
import { authSettings } from './windows-auth';

/** Steps whose folders can be made again from the configuration (no data of the application in them). */
const REGENERABLE_FOLDER_STEPS = new Set(['venv', 'collectstatic']);

/** The journal keys of every object the current configuration wants. */
export async function wantedObjects(ctx: StepContext): Promise<Set<string>> {
  const { config, d } = ctx;
  const view = await projectView(ctx);
  const keys = [
    objectKey.site(config.siteName),
    objectKey.pool(d.appPool),
    d.server === 'httpplatform' ? objectKey.httpPlatform(config.siteName) : objectKey.fastCgi(d),
    objectKey.handler(config.siteName),
    objectKey.folder(config.appDir),
    objectKey.folder(config.venvDir),
    objectKey.folder(view.staticRoot),
  ];
  for (const urlPath of [view.staticVdirPath, view.media?.vdirPath]) {
    if (!urlPath) continue;
    keys.push(objectKey.vdir(`${config.siteName}${urlPath}`), objectKey.handlersAt(`${config.siteName}${urlPath}`));
  }
  for (const g of requiredGrants(config, d, view)) keys.push(objectKey.folder(g.path), objectKey.grant(g.path, d.appPool));
  // HTTPS and sign-in: what their steps journal while the configuration asks for them.
  if (config.https) keys.push(`sslcert:${sslKey(config)}`, `binding:${config.siteName.toLowerCase()}|https/${httpsBindingInfo(config).toLowerCase()}`);
  if (config.https?.redirectHttp) keys.push(...redirectObjects(config, d));
  if (config.authentication === 'windows') keys.push(...authSettings(config).map((s) => s.object));
  for (const r of keptReleases(ctx, await readRegistry(ctx.host, config.siteName))) {
    const rc = releaseConfig(ctx.release?.base ?? config, r, config.layout?.shared ?? config.appDir);
    const rd = derive(rc);
    keys.push(objectKey.folder(r.dir), objectKey.folder(r.venvDir), objectKey.fastCgi(rd), objectKey.grant(r.dir, d.appPool), objectKey.grant(r.venvDir, d.appPool));
    if (rc.staticRoot) keys.push(objectKey.folder(rc.staticRoot), objectKey.grant(rc.staticRoot, d.appPool));
  }
  return new Set(keys);
}

/** The releases kept (keepReleases newest, and always the live, the previous and this run's). */
export function keptReleases(ctx: StepContext, reg: ReleaseRegistry | undefined): ReleaseRecord[] {
  if (!ctx.release || !reg) return [];
  const always = new Set([liveRelease(reg)?.number, previousRelease(reg)?.number, ctx.release.target.number]);
  const newest = [...reg.releases].sort((a, b) => b.number - a.number).slice(0, ctx.config.keepReleases).map((r) => r.number);
  return reg.releases.filter((r) => always.has(r.number) || newest.includes(r.number));
}

const objectLabel = (e: JournalEntry): string => {
  const [kind, ...rest] = e.object.split(':');
  const name = rest.join(':');
  switch (kind) {
    case 'pool':
      return `the application pool "${name}"`;
    case 'fastcgi':
      return `the FastCGI application ${name}`;
    case 'vdir':
      return `the virtual directory ${name}`;
    case 'httpplatform':
      return `the httpPlatform settings of "${name}"`;
    case 'handlers':
      return `the handler settings at ${name}`;
    case 'grant':
      return `the grant ${name.replace('|', ' to ')}`;
    case 'folder':
      return `the folder ${name}`;
    default:
      return e.object;
  }
};

export const leftovers: Step = {
  id: 'leftovers',
  title: 'Remove what an earlier configuration left',
  section: 'site',
  dependsOn: ['site', 'app-pool', 'fastcgi', 'httpplatform', 'handler', 'static-vdir', 'media-vdir', 'permissions', 'collectstatic', 'https-binding', 'http-redirect', 'windows-auth'],
  async check(ctx) {
    const { config, host } = ctx;
    const later = await beforeSwitch(ctx);
    if (later) return done(later);
    const journal = await readJournal(host, config.siteName);
    if (journal.entries.length === 0) return done('nothing from an earlier run');
    const wanted = await wantedObjects(ctx);
    // Settings edits (file:) and parent folders (parent:) stay until uninstall: they are undone last.
    // An imported certificate stays in the store until uninstall (another site may have come to use it).
    const orphans = journal.entries.filter((e) => !e.object.startsWith('file:') && !e.object.startsWith('parent:') && !e.object.startsWith('cert:') && !wanted.has(e.object));
    // A release's folder holds code only (its data is in the shared folder): it can be made again.
    const releasesDir = config.layout ? `${config.layout.root}\\releases` : undefined;
    const kept = orphans.filter((e) => e.object.startsWith('folder:') && !e.adopted && !REGENERABLE_FOLDER_STEPS.has(e.stepId) && !(releasesDir && isInside(e.object.slice('folder:'.length), releasesDir)));
    const removable = orphans.filter((e) => !kept.includes(e));
    const keptNote = kept.length ? `; kept ${kept.map((e) => e.object.slice('folder:'.length)).join(', ')} (may hold data: uninstall removes it, or delete it yourself)` : '';
    const history = ctx.release ? await readRegistry(host, config.siteName) : undefined;
    const keptNumbers = new Set(keptReleases(ctx, history).map((r) => r.number));
    const dropped = (history?.releases ?? []).filter((r) => !keptNumbers.has(r.number) && !r.legacy);
    if (removable.length === 0 && dropped.length === 0) return done(`nothing the configuration no longer wants${keptNote}`);
    const actions: Action[] = dropped.map((r) => ({ kind: 'release', description: `Release ${r.number} (${r.label}) leaves the kept releases (keepReleases ${config.keepReleases})`, op: { op: 'forget', number: r.number } }));
    for (const e of [...removable].reverse()) {
      for (const a of e.undo) {
        if (a.kind === 'exec' && a.file === APPCMD) actions.push({ ...a, okExitCodes: [...new Set([...(a.okExitCodes ?? [0]), 1168, 4312])] });
        else if (a.kind === 'exec' && a.file === ICACLS) {
          if (await host.exists(a.args[0] ?? '')) actions.push(a);
        } else if (a.kind === 'remove') {
          if (await host.exists(a.path)) actions.push(a);
        } else if (a.kind !== 'writeFile') actions.push(a);
      }
      actions.push({ kind: 'forget', description: `${objectLabel(e)} is no longer this deployment's`, object: e.object });
    }
    return needed(`the configuration no longer wants ${[...dropped.map((r) => `release ${r.number}`), ...removable.map(objectLabel)].join(', ')}${keptNote}`, actions);
  },
  // The exported script deploys a fresh server: there is no earlier run to converge from.
  psCheck: () => '$true',
};
