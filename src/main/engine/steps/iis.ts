/** IIS with CGI: DISM feature state; enable with /All /NoRestart in one transaction; W3SVC running. */
import { DISM, SC, dism } from '../commands';
import { parseDismState, parseScState } from '../parsers';
import { done, exec, needed, query, type Step } from '../step';
import type { Action } from '../../../shared/plan';

export const iis: Step = {
  id: 'iis',
  title: 'Enable IIS with CGI',
  section: 'iis',
  dependsOn: ['preflight'],
  async check(ctx) {
    const web = parseDismState((await query(ctx, DISM, dism.featureInfo('IIS-WebServer')))?.stdout ?? '');
    const cgi = parseDismState((await query(ctx, DISM, dism.featureInfo('IIS-CGI')))?.stdout ?? '');
    const actions: Action[] = [];
    const missing = [web !== 'Enabled' ? 'IIS-WebServer' : '', cgi !== 'Enabled' ? 'IIS-CGI' : ''].filter((x) => x);
    if (missing.length) actions.push(exec('Enable IIS with the CGI role service (DISM, one transaction)', DISM, dism.enableIis(), { restartExitCodes: [3010] }));
    const w3 = parseScState((await query(ctx, SC, ['query', 'W3SVC']))?.stdout ?? '');
    if (w3 !== 'RUNNING' && missing.length === 0) actions.push(exec('Start the World Wide Web Publishing Service', SC, ['start', 'W3SVC']));
    if (actions.length === 0) return done('IIS and its CGI feature are enabled; W3SVC is running');
    return needed(missing.length ? `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not enabled` : 'W3SVC is not running', actions);
  },
  psCheck: () =>
    `((& dism.exe /English /Online /Get-FeatureInfo /FeatureName:IIS-CGI) -match '^State : Enabled') -and ((Get-Service W3SVC -ErrorAction SilentlyContinue).Status -eq 'Running')`,
  explain(action, r) {
    if (r.exitCode === 740) return { what: 'DISM needs elevation (error 740).', why: 'The tool is not running as an administrator.', fix: 'Start it again with "Run as administrator".', command: [action.file, ...action.args], exitCode: r.exitCode };
    if (r.exitCode === 50) return { what: 'DISM refused: a parent feature is disabled (error 50).', why: 'The command was run without /All.', fix: 'Run the command with /All.', command: [action.file, ...action.args], exitCode: r.exitCode };
    return undefined;
  },
};
