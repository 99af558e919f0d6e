/**
 * The site's system.webServer/httpPlatform section (server "httpplatform"): HttpPlatformHandler
 * starts the venv's Python running waitress on the port it chooses (HTTP_PLATFORM_PORT) and
 * forwards every request to it. Written to applicationHost.config for the site (like the handler),
 * converged on every run: attributes and the application's environment (added, changed, removed).
 */
import type { Action } from '../../../shared/plan';
import { APPCMD, appcmd, waitressArguments } from '../commands';
import { objectKey } from '../ownership';
import { parseHttpPlatform } from '../parsers';
import { applicationEnvironment, projectView, secretKey } from '../project';
import { appcmdMessage, done, exec, needed, psq, query, type Step, type StepContext } from '../step';

/** IIS's defaults for the attributes the tool sets (httpplatform_schema.xml, windows-iis.md §9). */
const DEFAULTS: Record<string, string> = { processPath: '', arguments: '', stdoutLogEnabled: 'false', stdoutLogFile: '.\\httpplatform-stdout', startupTimeLimit: '120', startupRetryCount: '10' };

export async function wantedHttpPlatform(ctx: StepContext): Promise<{ attrs: [string, string][]; env: [string, string][]; secretName?: string }> {
  const { config, d } = ctx;
  const view = await projectView(ctx);
  const secret = await secretKey(ctx);
  return {
    attrs: [
      ['processPath', d.venvPython],
      ['arguments', waitressArguments(view.wsgiHandler, Boolean(ctx.config.https))],
      ['stdoutLogEnabled', 'true'],
      ['stdoutLogFile', d.stdoutLog],
      ['startupTimeLimit', String(config.httpPlatform.startupTimeLimit)],
      ['startupRetryCount', String(config.httpPlatform.startupRetryCount)],
    ],
    env: applicationEnvironment(config, d, view.wsgiHandler, secret),
    ...(secret ? { secretName: secret.name } : {}),
  };
}

export const httpPlatform: Step = {
  id: 'httpplatform',
  title: 'Configure HttpPlatformHandler to run waitress',
  section: 'fastcgi',
  dependsOn: ['httpplatform-module', 'packages', 'django-settings', 'site'],
  async check(ctx) {
    const { config, host } = ctx;
    if (config.server !== 'httpplatform') return done('not used: IIS runs Django through FastCGI (server "wfastcgi")');
    const site = config.siteName;
    const want = await wantedHttpPlatform(ctx);
    const label = (k: string) => (k === want.secretName ? ' (the generated secret key)' : '');
    const set = exec(`Run ${want.attrs[0]?.[1] ?? ''} ${want.attrs[1]?.[1] ?? ''} for "${site}", log to ${ctx.d.stdoutLog}_*.log`, APPCMD, appcmd.setHttpPlatform(site, want.attrs), {
      creates: { object: objectKey.httpPlatform(site), undo: [exec(`Remove the httpPlatform settings of "${site}"`, APPCMD, appcmd.clearHttpPlatform(site))] },
    });
    const all: Action[] = [set, ...want.env.map(([k, v]) => exec(`Set ${k} for waitress${label(k)}`, APPCMD, appcmd.addHttpPlatformEnv(site, k, v)))];
    if (!(await host.exists(APPCMD))) return needed('IIS is not installed yet', all);
    const r = await query(ctx, APPCMD, appcmd.listHttpPlatform(site));
    if (!r || r.exitCode !== 0) return needed(`the site's httpPlatform settings cannot be read yet${r ? `: ${appcmdMessage(r)}` : ''}`, all);
    const have = parseHttpPlatform(r.stdout) ?? { attrs: {}, env: {} };
    const actions: Action[] = [];
    const differs = want.attrs.filter(([k, v]) => (have.attrs[k] ?? DEFAULTS[k] ?? '') !== v);
    if (differs.length) actions.push({ ...set, description: `Set ${differs.map(([k, v]) => `${k}=${v}`).join(', ')}` });
    const name = (k: string) => Object.keys(have.env).find((n) => n.toUpperCase() === k.toUpperCase());
    for (const [k, v] of want.env) {
      const n = name(k);
      if (n === undefined) actions.push(exec(`Set ${k} for waitress${label(k)}`, APPCMD, appcmd.addHttpPlatformEnv(site, k, v)));
      else if (have.env[n] !== v) actions.push(exec(`Change ${k}${label(k) || ` to ${v}`}`, APPCMD, appcmd.setHttpPlatformEnv(site, n, v)));
    }
    const wanted = new Set(want.env.map(([k]) => k.toUpperCase()));
    for (const n of Object.keys(have.env)) if (!wanted.has(n.toUpperCase())) actions.push(exec(`Remove ${n} from waitress's environment (no longer in the configuration)`, APPCMD, appcmd.removeHttpPlatformEnv(site, n)));
    if (actions.length === 0) return done(`waitress: ${want.attrs[1]?.[1] ?? ''} with ${want.env.map(([k]) => k).join(', ')}`);
    return needed(differs.length && Object.keys(have.attrs).length === 0 ? 'the site has no httpPlatform settings' : 'the httpPlatform settings differ from the configuration', actions);
  },
  psCheck: ({ config, d }) => d.server !== 'httpplatform' ? '$true' : `(& $appcmd list config ${psq(config.siteName)} -section:system.webServer/httpPlatform /xml) -match [regex]::Escape(${psq(`processPath="${d.venvPython}"`)})`,
};
