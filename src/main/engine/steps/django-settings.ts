/**
 * The project's settings, as Django reads them (the probe): the managed block adds only what IIS
 * needs and the project lacks (STATIC_ROOT when there is none, STATIC_URL when overridden, the
 * host names ALLOWED_HOSTS would reject). When nothing is missing the file stays byte-identical.
 */
import type { Action, DjangoSettingsEdit } from '../../../shared/plan';
import { redact } from '../../../shared/problem';
import { projectView } from '../project';
import { BLOCK_BEGIN, hasAnySettingsBlock, hasSettingsBlock } from '../settings-edit';
import { blocked, done, needed, psq, type Step } from '../step';
import { recycleIfRunning } from './recycle';
import { settingsLoadProblem } from '../settings-problem';

/** The lines of a traceback that matter: the last frames, the project's own files first. */
export function tracebackTail(tb: string, appHint: string): string {
  const lines = tb.trim().split(/\r?\n/);
  const frames = lines.map((l, i) => ({ l, i })).filter((x) => /^\s*File "/.test(x.l));
  const own = frames.filter((x) => x.l.toLowerCase().includes(appHint.toLowerCase()));
  const pick = (own.at(-1) ?? frames.at(-1))?.i ?? Math.max(0, lines.length - 6);
  const tail = lines.slice(Math.max(0, lines.length - 4));
  const head = lines.slice(pick, pick + 2);
  return [...new Set([...head, ...tail])].join('\n');
}

/** What the managed block sets, named as the settings file names it. */
export function editSummary(e: DjangoSettingsEdit): string {
  return [
    e.staticRootParts || e.staticRootAbsolute !== undefined ? 'STATIC_ROOT' : '',
    e.staticUrl ? 'STATIC_URL' : '',
    e.allowedHosts?.length ? `ALLOWED_HOSTS += ${e.allowedHosts.join(', ')}` : '',
    e.databaseName ? `DATABASES['default']['NAME'] = ${e.databaseName} (shared by every release)` : '',
    e.mediaRoot ? `MEDIA_ROOT = ${e.mediaRoot} (shared)` : '',
    e.csrfTrustedOrigins?.length ? `CSRF_TRUSTED_ORIGINS += ${e.csrfTrustedOrigins.join(', ')}` : '',
    e.remoteUserMiddleware ? 'MIDDLEWARE += RemoteUserMiddleware (Windows sign-in)' : '',
    e.remoteUserBackend ? 'AUTHENTICATION_BACKENDS: RemoteUserBackend first (Windows sign-in)' : '',
  ].filter((x) => x).join(', ');
}

export const djangoSettings: Step = {
  id: 'django-settings',
  title: 'Complete the Django settings for IIS',
  section: 'django',
  dependsOn: ['django-project', 'packages'],
  async check(ctx) {
    const { config, d, host } = ctx;
    const view = await projectView(ctx);
    if (view.probeError) {
      const settings = await host.readFile(d.settingsFile).catch(() => undefined);
      return blocked(
        `the settings ${d.settingsModule} do not load: ${view.probeError.error}`,
        settingsLoadProblem({ settingsModule: d.settingsModule, file: d.settingsFile, error: view.probeError.error, output: redact(tracebackTail(view.probeError.traceback, config.appDir)), ...(settings !== undefined ? { settings } : {}), ...(config.secretKey ? { secretEnv: config.secretKey.env } : {}), ...(config.requirementsFile ? { requirementsFile: config.requirementsFile } : {}) }),
      );
    }
    if (!view.facts) {
      // A fresh server: the project is not there yet. What the block adds is decided from the
      // project's own settings when this step runs; the guide's sample lacks STATIC_ROOT.
      const edit = view.edit ?? { settingsDepth: 1 };
      return needed('the project is not in place yet: the block will add only what its settings lack', [
        { kind: 'editFile', description: `Add what IIS needs and the settings lack (STATIC_ROOT, host names) to ${d.settingsFile}`, path: d.settingsFile, transform: 'django-settings', values: edit },
      ]);
    }
    const text = await host.readFile(d.settingsFile);
    const actions: Action[] = [];
    if (view.edit && !hasSettingsBlock(text, view.edit))
      actions.push({ kind: 'editFile', description: `Set ${editSummary(view.edit)} in ${d.settingsFile}`, path: d.settingsFile, transform: 'django-settings', values: view.edit });
    if (!view.edit && hasAnySettingsBlock(text)) actions.push({ kind: 'editFile', description: `Remove the managed block from ${d.settingsFile}: the project now has what IIS needs`, path: d.settingsFile, transform: 'remove-django-settings' });
    // waitress keeps the settings it imported at start; wfastcgi restarts by itself on a .py change.
    if (actions.length && d.server === 'httpplatform') actions.push(...(await recycleIfRunning(ctx, 'so waitress starts again with the new settings')));
    if (actions.length === 0) return done(view.edit ? `${d.settingsFile} has the managed block: ${editSummary(view.edit)}` : `the project's settings already have what IIS needs; ${d.settingsFile} is left as it is`);
    return needed(view.edit ? 'the settings lack what IIS needs' : 'the managed block is no longer needed', actions);
  },
  psCheck: ({ d }) => `(Get-Content -Raw ${psq(d.settingsFile)} -ErrorAction SilentlyContinue) -match ${psq(BLOCK_BEGIN.replace(/[()]/g, '.'))}`,
};

