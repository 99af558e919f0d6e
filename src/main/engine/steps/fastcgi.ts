/**
 * FastCGI application (server level) with the guide's four variables (DJANGO_SETTINGS_MODULE,
 * PYTHONPATH, WSGI_HANDLER = the project's WSGI_APPLICATION, WSGI_LOG), the configured
 * environment and the generated SECRET_KEY; converged on every run (added, changed, removed).
 */
import type { Action } from '../../../shared/plan';
import { APPCMD, appcmd, fastCgiIdentity } from '../commands';
import { objectKey, owns, readJournal } from '../ownership';
import { findFastCgiApp, parseFastCgiApps } from '../parsers';
import { applicationEnvironment, projectView, secretKey } from '../project';
import { appcmdMessage, done, exec, needed, psq, query, type Step } from '../step';

export const fastcgi: Step = {
  id: 'fastcgi',
  title: 'Register the FastCGI application',
  section: 'fastcgi',
  dependsOn: ['iis', 'packages', 'django-settings'],
  async check(ctx) {
    const { config, d, host } = ctx;
    // In httpplatform mode an entry an earlier run made is removed by the leftovers step (journal only).
    if (d.server !== 'wfastcgi') return done('not used: HttpPlatformHandler runs waitress (server "httpplatform")');
    const id = fastCgiIdentity(d);
    const view = await projectView(ctx);
    const secret = await secretKey(ctx);
    const env = applicationEnvironment(config, d, view.wsgiHandler, secret);
    const describe = (k: string, v: string) => (secret && k === secret.name ? 'the generated secret key' : v);
    const add: Action[] = [
      exec(`Add the FastCGI application ${id.scriptProcessor}`, APPCMD, appcmd.addFastCgi(config, d), {
        creates: { object: objectKey.fastCgi(d), undo: [exec('Remove the FastCGI application', APPCMD, appcmd.removeFastCgi(d))] },
      }),
      ...env.map(([k, v]) => exec(`Set ${k} for the FastCGI application${secret && k === secret.name ? ' (the generated secret key)' : ''}`, APPCMD, appcmd.addFastCgiEnv(d, k, v))),
    ];
    if (!(await host.exists(APPCMD))) return needed('IIS is not installed yet', add);
    const r = await query(ctx, APPCMD, appcmd.listFastCgi());
    if (!r || r.exitCode !== 0) return needed(`cannot read the FastCGI settings: ${r ? appcmdMessage(r) : 'appcmd missing'}`, add);
    const app = findFastCgiApp(parseFastCgiApps(r.stdout), id);
    if (!app) return needed('the FastCGI application is not registered', add);
    const actions: Action[] = [];
    const wantAttrs: [string, number][] = [
      ['maxInstances', config.fastCgi.maxInstances],
      ['activityTimeout', config.fastCgi.activityTimeout],
      ['requestTimeout', config.fastCgi.requestTimeout],
    ];
    const defaults: Record<string, number> = { maxInstances: 0, activityTimeout: 70, requestTimeout: 90 };
    for (const [k, v] of wantAttrs) if (Number(app.attrs[k] ?? defaults[k]) !== v) actions.push(exec(`Set ${k} to ${v}`, APPCMD, appcmd.setFastCgiAttr(d, k, v)));
    const have = (k: string) => Object.keys(app.env).find((n) => n.toUpperCase() === k.toUpperCase());
    for (const [k, v] of env) {
      const name = have(k);
      if (name === undefined) actions.push(exec(`Set ${k} for the FastCGI application${secret && k === secret.name ? ' (the generated secret key)' : ''}`, APPCMD, appcmd.addFastCgiEnv(d, k, v)));
      else if (app.env[name] !== v) actions.push(exec(`Change ${k} to ${describe(k, v)}`, APPCMD, appcmd.setFastCgiEnv(d, name, v)));
    }
    // Variables the configuration no longer sets are removed, on an application this tool created
    // (on an adopted one, only what the deployment itself added is removed, by uninstall).
    const adopted = owns(await readJournal(host, config.siteName), objectKey.fastCgi(d))?.adopted === true;
    if (!adopted) {
      const wanted = new Set(env.map(([k]) => k.toUpperCase()));
      for (const name of Object.keys(app.env)) if (!wanted.has(name.toUpperCase())) actions.push(exec(`Remove ${name} from the FastCGI application (no longer in the configuration)`, APPCMD, appcmd.removeFastCgiEnv(d, name)));
    }
    if (actions.length === 0) return done(`registered: ${id.scriptProcessor} with ${env.map(([k]) => k).join(', ')}`);
    return needed('the FastCGI application differs from the configuration', actions);
  },
  psCheck: ({ d }) =>
    d.server !== 'wfastcgi' ? '$true' : `(& $appcmd list config -section:system.webServer/fastCgi /xml) -match [regex]::Escape(${psq(`fullPath="${fastCgiIdentity(d).fullPath.replace(/"/g, '&quot;')}" arguments="${fastCgiIdentity(d).arguments.replace(/"/g, '&quot;')}"`)})`,
};
