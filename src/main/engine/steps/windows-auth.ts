/**
 * Windows sign-in (windows-iis.md §13): IIS's Windows Authentication role service (DISM, like CGI),
 * then at the site's location in applicationHost.config (both sections are locked at server level)
 * Windows authentication on and anonymous off; the anonymousPaths keep anonymous access. Django
 * gets the account as REMOTE_USER through wfastcgi (the settings step adds RemoteUserMiddleware
 * and RemoteUserBackend when the project lacks them).
 */
import { APPCMD, DISM, appcmd } from '../commands';
import { ANONYMOUS_AUTH_SECTION, WINDOWS_AUTH_SECTION, appcmdAuth, authLocation } from '../https/commands';
import { parseGlobalModules } from '../parsers';
import { done, exec, needed, psq, query, type StepContext, type Step } from '../step';
import type { Action } from '../../../shared/plan';
import type { DeploymentConfig } from '../../../shared/config';

export const WINDOWS_AUTH_FEATURE = 'IIS-WindowsAuthentication';

/** Whether a role service's module is registered with IIS (what enabling it with DISM does). */
export async function moduleRegistered(ctx: StepContext, module: string): Promise<boolean> {
  if (!(await ctx.host.exists(APPCMD))) return false;
  const gm = await query(ctx, APPCMD, appcmd.listGlobalModules());
  return gm?.exitCode === 0 && parseGlobalModules(gm.stdout).some((m) => m.toLowerCase() === module.toLowerCase());
}

export function enableFeature(feature: string, what: string): Action {
  return exec(`Enable IIS's ${what} role service (${feature}, DISM)`, DISM, ['/English', '/Online', '/Enable-Feature', `/FeatureName:${feature}`, '/All', '/NoRestart'], { restartExitCodes: [3010] });
}

/** The opening tag of a section in effect at a location (appcmd list config /xml: its attributes); undefined when appcmd cannot say. */
export async function sectionTag(ctx: StepContext, location: string, section: string): Promise<string | undefined> {
  const r = await query(ctx, APPCMD, appcmdAuth.list(location, section));
  if (!r || r.exitCode !== 0) return undefined;
  return new RegExp(`<${section.replace(/\//g, '-').replace(/\./g, '\\.')}\\b[^>]*>`).exec(r.stdout)?.[0] ?? '';
}

/** The section's enabled attribute in effect at a location. */
async function enabledAt(ctx: StepContext, location: string, section: string): Promise<boolean | undefined> {
  const tag = await sectionTag(ctx, location, section);
  return tag === undefined ? undefined : /\benabled="true"/i.test(tag);
}

/** Every location setting sign-in makes (the site, then each anonymous path). */
export function authSettings(c: DeploymentConfig): { location: string; section: string; enabled: boolean; description: string; object: string }[] {
  const site = authLocation(c);
  const list = [
    { location: site, section: WINDOWS_AUTH_SECTION, enabled: true, description: `Turn on Windows authentication for "${c.siteName}"` },
    { location: site, section: ANONYMOUS_AUTH_SECTION, enabled: false, description: `Turn off anonymous access to "${c.siteName}"` },
    ...c.anonymousPaths.map((p) => ({ location: authLocation(c, p), section: ANONYMOUS_AUTH_SECTION, enabled: true, description: `Keep ${p} open to anonymous requests` })),
  ];
  return list.map((s) => ({ ...s, object: `auth:${s.location.toLowerCase()}#${(s.section.split('/').at(-1) ?? '').toLowerCase()}` }));
}

export const windowsAuth: Step = {
  id: 'windows-auth',
  title: 'Sign in with Windows',
  section: 'https',
  dependsOn: ['site', 'iis'],
  async check(ctx) {
    const { config } = ctx;
    if (config.authentication !== 'windows') return done('anonymous access (no sign-in)');
    const settings = authSettings(config);
    // Each setting is an object of its own in the journal: one the configuration drops is cleared (leftovers), each is cleared by uninstall.
    const set = settings.map((s) => exec(s.description, APPCMD, appcmdAuth.set(s.location, s.section, s.enabled), { creates: { object: s.object, undo: [exec(`Clear ${s.section.split('/').at(-1) ?? ''} at ${s.location}`, APPCMD, appcmdAuth.clear(s.location, s.section), { okExitCodes: [0, 1168, 4312] })] } }));
    const actions: Action[] = [];
    if (!(await moduleRegistered(ctx, 'WindowsAuthenticationModule'))) return needed(`${WINDOWS_AUTH_FEATURE} is not enabled`, [enableFeature(WINDOWS_AUTH_FEATURE, 'Windows Authentication'), ...set]);
    const siteQuery = await query(ctx, APPCMD, appcmd.listSite(config.siteName));
    if (!siteQuery || siteQuery.exitCode !== 0) return needed(`the site "${config.siteName}" does not exist yet`, set);
    // Any difference sets them all: a path's value is inherited from the site until it is set there.
    for (const s of settings) if ((await enabledAt(ctx, s.location, s.section)) !== s.enabled) {
      actions.push(...set);
      break;
    }
    if (actions.length === 0) return done(`"${config.siteName}" signs in with Windows (Negotiate, NTLM); anonymous access is off${config.anonymousPaths.length ? ` except ${config.anonymousPaths.join(', ')}` : ''}`);
    return needed('the site\'s sign-in differs from the configuration', actions);
  },
  psCheck: ({ config }) => (config.authentication === 'windows' ? `(& $appcmd list config ${psq(config.siteName)} ${psq(`-section:${WINDOWS_AUTH_SECTION}`)}) -match 'enabled="true"'` : '$true'),
};
