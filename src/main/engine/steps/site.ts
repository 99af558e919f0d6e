/** The IIS web site: binding on the port, physical path = appDir, in its own pool, started. */
import { samePath } from '../../../shared/winpath';
import { APPCMD, appcmd, bindingInfo } from '../commands';
import { httpsBindingInfo } from '../https/commands';
import { parseSite } from '../parsers';
import { objectKey, owns, readJournal } from '../ownership';
import { redirectSiteName } from './http-redirect';
import { beforeSwitch } from '../release/pending';
import { done, exec, needed, psq, query, type Step } from '../step';
import type { Action } from '../../../shared/plan';

export const site: Step = {
  id: 'site',
  title: 'Create the web site',
  section: 'site',
  dependsOn: ['app-pool', 'django-project', 'release-switch'],
  async check(ctx) {
    const { config, d, host } = ctx;
    const later = await beforeSwitch(ctx);
    if (later) return done(later);
    // With redirectHttp the plain http binding belongs to the redirect site (http-redirect.ts): this site serves HTTPS only.
    const wantHttp = !config.https?.redirectHttp;
    const addArgs = wantHttp ? appcmd.addSite(config) : ['add', 'site', `/name:${config.siteName}`, `/bindings:https/${httpsBindingInfo(config)}`, `/physicalPath:${config.appDir}`];
    const create = [
      exec(`Add the site "${config.siteName}" on ${wantHttp ? `port ${config.port}` : `https/${httpsBindingInfo(config)}`}`, APPCMD, addArgs, {
        creates: { object: objectKey.site(config.siteName), undo: [exec(`Delete the site "${config.siteName}"`, APPCMD, appcmd.deleteSite(config.siteName))] },
      }),
      exec(`Put the site in the pool "${d.appPool}"`, APPCMD, appcmd.setAppPool(config, d)),
    ];
    if (!(await host.exists(APPCMD))) return needed('IIS is not installed yet', create);
    const r = await query(ctx, APPCMD, appcmd.listSite(config.siteName));
    const info = r?.exitCode === 0 ? parseSite(r.stdout) : undefined;
    if (!info) return needed(`the site "${config.siteName}" does not exist`, create);
    const actions: Action[] = [];
    // redirectHttp turned off: the redirect site this deployment made gives the plain http binding back first.
    const redirect = wantHttp ? owns(await readJournal(host, config.siteName), objectKey.site(redirectSiteName(config))) : undefined;
    if (redirect) actions.push(...redirect.undo, { kind: 'forget', description: `the redirect site "${redirectSiteName(config)}" is gone`, object: redirect.object });
    // The site is this deployment's: its http bindings converge to exactly the configured one
    // (https bindings an administrator added are left alone).
    const want = bindingInfo(config).toLowerCase();
    if (wantHttp && !info.bindings.some((b) => b.protocol === 'http' && b.bindingInformation.toLowerCase() === want))
      actions.push(exec(`Add the binding http/${bindingInfo(config)}`, APPCMD, appcmd.addBinding(config)));
    for (const b of info.bindings.filter((x) => x.protocol === 'http' && (!wantHttp || x.bindingInformation.toLowerCase() !== want)))
      actions.push(exec(`Remove the old binding http/${b.bindingInformation}`, APPCMD, appcmd.removeBinding(config, b.bindingInformation)));
    const rootApp = info.apps.find((a) => a.path === '/');
    const rootVdir = rootApp?.vdirs.find((v) => v.path === '/');
    if (!rootVdir || !samePath(rootVdir.physicalPath, config.appDir)) actions.push(exec(`Point the site at ${config.appDir}`, APPCMD, appcmd.setRootPath(config)));
    if ((rootApp?.applicationPool ?? '').toLowerCase() !== d.appPool.toLowerCase()) actions.push(exec(`Put the site in the pool "${d.appPool}"`, APPCMD, appcmd.setAppPool(config, d)));
    if (info.state.toLowerCase() !== 'started') actions.push(exec(`Start the site "${config.siteName}"`, APPCMD, appcmd.startSite(config.siteName)));
    if (actions.length === 0) return done(`"${config.siteName}" serves ${config.appDir} on ${wantHttp ? `http/${bindingInfo(config)}` : `https/${httpsBindingInfo(config)} (plain http redirects)`} in pool "${d.appPool}"`);
    return needed(`the site "${config.siteName}" differs from the configuration`, actions);
  },
  psCheck: ({ config }) => `((& $appcmd list site ${psq(config.siteName)}) -match ${psq(`:${config.https?.redirectHttp ? config.https.port : config.port}:`)}) -and $LASTEXITCODE -eq 0`,
  explain(action, r) {
    if (r.exitCode === 32 || /0x80070020/i.test(r.stdout + r.stderr))
      return { what: 'The site could not start: its port is in use by a program other than IIS.', why: 'Another program listens on the same port (appcmd exit 32, HRESULT 0x80070020).', fix: 'Choose another port, or stop that program ("netstat -ano" shows its PID).', command: [action.file, ...action.args], exitCode: r.exitCode };
    if (r.exitCode === 183 || /0x800700B7|already exists/i.test(r.stdout + r.stderr))
      return {
        what: 'The site could not start: another started IIS site has the same binding.',
        why: 'IIS refuses to start two sites with the same protocol, IP address, port and host name (appcmd exit 183, HRESULT 0x800700B7).',
        fix: 'Set hostName so the bindings differ, choose another port, or stop the other site ("appcmd list site" shows which one has the binding).',
        command: [action.file, ...action.args],
        exitCode: r.exitCode,
      };
    return undefined;
  },
};
