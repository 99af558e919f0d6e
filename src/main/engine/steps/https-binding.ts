/**
 * The site's https binding (appcmd; sslFlags 1 = SNI with a host name) and the certificate bound to
 * it in HTTP.sys (netsh http add sslcert: hostnameport=host:443 with SNI, else ipport=0.0.0.0:443),
 * windows-iis.md §13. A binding HTTP.sys has for another certificate is replaced only when this
 * tool made it (its application id); one another program owns is a conflict, named.
 */
import { APPCMD, appcmd } from '../commands';
import { HTTPS_BINDING_FLAGS, NETSH, TOOL_APP_ID, appcmdHttps, httpsBindingInfo, netsh, parseSslShow, sslKey } from '../https/commands';
import { parseSite, parseSiteList } from '../parsers';
import { blocked, done, exec, needed, psq, query, type Step, type StepContext } from '../step';
import type { Problem } from '../../../shared/problem';
import type { Action } from '../../../shared/plan';
import { chosenThumbprint } from './certificate';

/**
 * What keeps this site's HTTPS binding from being made, found from reads alone (so a run is refused
 * before its first change, engine.ts): another IIS site with the same https binding, or an HTTP.sys
 * certificate binding for the same address that another program (or IIS Manager) made for another certificate.
 */
export async function httpsBindingConflict(ctx: StepContext, thumb: string | undefined): Promise<{ reason: string; problem: Problem } | undefined> {
  const { config } = ctx;
  if (!config.https) return undefined;
  const info = httpsBindingInfo(config);
  const key = sslKey(config);
  // Another site with the same https binding: IIS would start only one of them.
  const all = (await ctx.host.exists(APPCMD)) ? await query(ctx, APPCMD, appcmd.listSites()) : undefined;
  const other = (all?.exitCode === 0 ? parseSiteList(all.stdout) : []).find((s) => s.name.toLowerCase() !== config.siteName.toLowerCase() && s.bindings.toLowerCase().split(',').includes(`https/${info}`.toLowerCase()));
  if (other)
    return { reason: `the site "${other.name}" already has https/${info}`, problem: { what: `The IIS site "${other.name}" already has the binding https/${info}.`, why: 'IIS serves one site per protocol, address, port and host name; the two sites would share one certificate binding in HTTP.sys.', fix: `Give this site another hostName (SNI) or https.port, or remove the binding from "${other.name}" (appcmd set site "${other.name}" /-bindings.[protocol='https',bindingInformation='${info}']).` } };
  const shown = await query(ctx, NETSH, netsh.show(key));
  const current = shown?.exitCode === 0 ? parseSslShow(shown.stdout).find((b) => b.key.toLowerCase() === key.toLowerCase()) : undefined;
  if (current && thumb && current.certHash !== thumb && current.appId !== TOOL_APP_ID.toLowerCase())
    return {
      reason: `HTTP.sys binds ${key.replace(/^\w+=/, '')} to another certificate (${current.certHash}) for another program`,
      problem: {
        what: `HTTP.sys already binds ${key.replace(/^\w+=/, '')} to the certificate ${current.certHash}, for the application ${current.appId}.`,
        why: 'That binding was made by another program or by hand (IIS Manager uses {4dc3e181-e14b-4a21-b022-59fc669b0914}); replacing it would change what another site serves.',
        fix: `If the binding is this site's and may be replaced: netsh http delete sslcert ${key}, then run again; otherwise give this site another hostName or https.port.`,
      },
    };
  return undefined;
}

export const httpsBinding: Step = {
  id: 'https-binding',
  title: 'Bind HTTPS with the certificate',
  section: 'https',
  dependsOn: ['certificate', 'site'],
  async check(ctx) {
    const { config } = ctx;
    if (!config.https) return done('HTTPS is not configured');
    const thumb = await chosenThumbprint(ctx);
    const info = httpsBindingInfo(config);
    const key = sslKey(config);
    const bindAction = (t: string) => exec(`Bind the certificate ${t} to ${key.replace(/^\w+=/, '')} in HTTP.sys`, NETSH, netsh.add(key, t), { creates: { object: `sslcert:${key}`, undo: [exec(`Remove the HTTP.sys certificate binding ${key.replace(/^\w+=/, '')}`, NETSH, netsh.delete(key))] } });
    const addBinding = exec(`Add the binding https/${info}${config.hostName ? ' (SNI)' : ''} to "${config.siteName}"`, APPCMD, appcmdHttps.addBinding(config), {
      creates: { object: `binding:${config.siteName.toLowerCase()}|https/${info.toLowerCase()}`, undo: [exec(`Remove the binding https/${info} from "${config.siteName}"`, APPCMD, appcmdHttps.removeBinding(config, info), { okExitCodes: [0, 1168, 4312] })] },
    });
    const conflict = await httpsBindingConflict(ctx, thumb);
    if (conflict) return blocked(conflict.reason, conflict.problem);
    if (!thumb) return needed('the certificate is not known yet (the PFX is imported first)', [addBinding]);
    if (!(await ctx.host.exists(APPCMD))) return needed('IIS is not installed yet', [addBinding, bindAction(thumb)]);
    const actions: Action[] = [];
    const r = await query(ctx, APPCMD, appcmd.listSite(config.siteName));
    const site = r?.exitCode === 0 ? parseSite(r.stdout) : undefined;
    const mine = site?.bindings.find((b) => b.protocol === 'https' && b.bindingInformation.toLowerCase() === info.toLowerCase());
    if (!mine) actions.push(addBinding);
    else if ((mine.sslFlags ?? '0') !== HTTPS_BINDING_FLAGS(config))
      actions.push(exec(`Set sslFlags=${HTTPS_BINDING_FLAGS(config)} on https/${info}`, APPCMD, appcmdHttps.replaceBinding(config, info)));
    const shown = await query(ctx, NETSH, netsh.show(key));
    const current = shown?.exitCode === 0 ? parseSslShow(shown.stdout).find((b) => b.key.toLowerCase() === key.toLowerCase()) : undefined;
    if (!current) actions.push(bindAction(thumb));
    else if (current.certHash !== thumb) {
      actions.push(exec(`Remove the binding of the previous certificate ${current.certHash}`, NETSH, netsh.delete(key)), bindAction(thumb));
    }
    if (actions.length === 0) return done(`"${config.siteName}" serves https/${info}${config.hostName ? ' (SNI)' : ''} with the certificate ${thumb}`);
    return needed(`the site's HTTPS binding differs from the configuration`, actions);
  },
  psCheck: ({ config }) => (config.https ? `(& netsh http show sslcert ${sslKey(config)}) -match ${psq('Certificate Hash')}` : '$true'),
  explain(action, r) {
    const out = `${r.stdout}${r.stderr}`;
    if (action.file === NETSH && /Error: 1312/.test(out))
      return { what: 'HTTP.sys refused the certificate (netsh error 1312).', why: 'The certificate is not in LocalMachine\\My or its private key is missing or unreadable.', fix: 'Import the certificate with its private key (from the PFX) into the computer\'s Personal store, then run again.', command: [action.file, ...action.args], exitCode: r.exitCode };
    if (action.file === NETSH && /Error: 183/.test(out))
      return { what: 'HTTP.sys already has a certificate binding for this address (netsh error 183).', why: 'Another binding was added between the check and the change.', fix: 'Run again: the check reads the binding and replaces it when it is this tool\'s.', command: [action.file, ...action.args], exitCode: r.exitCode };
    return undefined;
  },
};
