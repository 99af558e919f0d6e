/** IIS with CGI: DISM feature state; enable with /All /NoRestart in one transaction; W3SVC running. */
import { APPCMD, CBS_REBOOT_PENDING, DISM, REG, SC, appcmd, dism } from '../commands';
import { parseDismState, parseGlobalModules, parseScState } from '../parsers';
import { blocked, done, exec, needed, query, type Step } from '../step';
import type { Action } from '../../../shared/plan';

/** Global modules that IIS-WebServer (static files) and IIS-CGI (CGI, FastCGI) register when enabled. */
const FEATURE_MODULES = ['StaticFileModule', 'CgiModule', 'FastCgiModule'];

export const iis: Step = {
  id: 'iis',
  title: 'Enable IIS with CGI',
  section: 'iis',
  dependsOn: ['preflight'],
  async check(ctx) {
    // The cheap faithful source first: what enabling the features installs and registers (appcmd,
    // and the CGI and static file modules in IIS's global modules), with W3SVC running. DISM, which
    // takes seconds per question, is asked only when that is not all there.
    // A servicing operation waiting for a restart (CBS's RebootPending key) sends it to DISM, which says which.
    const rebootPending = (await query(ctx, REG, ['query', CBS_REBOOT_PENDING]))?.exitCode === 0;
    if (!rebootPending && (await ctx.host.exists(APPCMD))) {
      const gm = await query(ctx, APPCMD, appcmd.listGlobalModules());
      const names = new Set(gm?.exitCode === 0 ? parseGlobalModules(gm.stdout).map((m) => m.toLowerCase()) : []);
      if (FEATURE_MODULES.every((m) => names.has(m.toLowerCase())) && parseScState((await query(ctx, SC, ['query', 'W3SVC']))?.stdout ?? '') === 'RUNNING')
        return done('IIS and its CGI feature are enabled (their modules are registered with IIS); W3SVC is running');
    }
    const states: [string, string | undefined][] = [];
    for (const f of ['IIS-WebServer', 'IIS-CGI']) states.push([f, parseDismState((await query(ctx, DISM, dism.featureInfo(f)))?.stdout ?? '')]);
    // A pending change is finished by a restart, not by enabling again.
    const pending = states.filter(([, st]) => /Pending$/i.test(st ?? ''));
    if (pending.length)
      return blocked(`${pending.map(([f, st]) => `${f} is "${st}"`).join(', ')}: Windows must restart`, {
        what: `Windows must restart to finish enabling IIS (DISM reports ${pending.map(([f, st]) => `${f}: ${st}`).join(', ')}).`,
        why: 'DISM enabled the features but Windows finishes installing them only at the next restart; until then IIS is not usable.',
        fix: 'Restart Windows, then run again: the steps already done are skipped.',
        command: [DISM, ...dism.featureInfo(pending[0]?.[0] ?? 'IIS-WebServer')],
      });
    const actions: Action[] = [];
    const missing = states.filter(([, st]) => st !== 'Enabled').map(([f]) => f);
    const removed = states.filter(([, st]) => /Payload Removed/i.test(st ?? '')).map(([f]) => f);
    if (missing.length) actions.push(exec('Enable IIS with the CGI role service (DISM, one transaction)', DISM, dism.enableIis(), { restartExitCodes: [3010] }));
    const w3 = parseScState((await query(ctx, SC, ['query', 'W3SVC']))?.stdout ?? '');
    if (w3 !== 'RUNNING' && missing.length === 0) actions.push(exec('Start the World Wide Web Publishing Service', SC, ['start', 'W3SVC']));
    if (actions.length === 0) return done('IIS and its CGI feature are enabled; W3SVC is running');
    const removedNote = removed.length ? ` (${removed.join(' and ')}: "Disabled with Payload Removed", its files were deleted from this server: DISM fetches them from Windows Update, or needs the installation media)` : '';
    return needed(missing.length ? `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not enabled${removedNote}` : 'W3SVC is not running', actions);
  },
  psCheck: () =>
    `((& dism.exe /English /Online /Get-FeatureInfo /FeatureName:IIS-CGI) -match '^State : Enabled') -and ((Get-Service W3SVC -ErrorAction SilentlyContinue).Status -eq 'Running')`,
  explain(action, r) {
    if (r.exitCode === 740) return { what: 'DISM needs elevation (error 740).', why: 'The tool is not running as an administrator.', fix: 'Start it again with "Run as administrator".', command: [action.file, ...action.args], exitCode: r.exitCode };
    if (r.exitCode === 0x800f081f || r.exitCode === 0x800f081f - 2 ** 32)
      return {
        what: 'DISM could not find the files of the features (error 0x800f081f).',
        why: 'The features were removed from this server ("Disabled with Payload Removed") and Windows Update cannot be reached to download them.',
        fix: 'Mount the Windows Server installation media (say as D:) and run: dism /Online /Enable-Feature /FeatureName:IIS-WebServerRole /FeatureName:IIS-WebServer /FeatureName:IIS-CGI /All /Source:D:\\sources\\sxs /LimitAccess, then run again.',
        command: [action.file, ...action.args],
        exitCode: r.exitCode,
      };
    if (r.exitCode === 50) return { what: 'DISM refused: a parent feature is disabled (error 50).', why: 'The command was run without /All.', fix: 'Run the command with /All.', command: [action.file, ...action.args], exitCode: r.exitCode };
    return undefined;
  },
};
