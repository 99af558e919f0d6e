/** FastCGI application (server level) with DJANGO_SETTINGS_MODULE, PYTHONPATH, WSGI_HANDLER, WSGI_LOG. */
import { APPCMD, appcmd, fastCgiEnvironment, fastCgiIdentity } from '../commands';
import { parseFastCgiApps } from '../parsers';
import { objectKey } from '../ownership';
import { appcmdMessage, done, exec, needed, psq, query, type Step } from '../step';
import type { Action } from '../../../shared/plan';

export const fastcgi: Step = {
  id: 'fastcgi',
  title: 'Register the FastCGI application',
  section: 'fastcgi',
  dependsOn: ['iis', 'packages'],
  async check(ctx) {
    const { config, d, host } = ctx;
    const id = fastCgiIdentity(d);
    const env = fastCgiEnvironment(config, d);
    const add: Action[] = [
      exec(`Add the FastCGI application ${id.scriptProcessor}`, APPCMD, appcmd.addFastCgi(config, d), {
        creates: { object: objectKey.fastCgi(d), undo: [exec('Remove the FastCGI application', APPCMD, appcmd.removeFastCgi(d))] },
      }),
      ...env.map(([k, v]) => exec(`Set ${k} for the FastCGI application`, APPCMD, appcmd.addFastCgiEnv(d, k, v))),
    ];
    if (!(await host.exists(APPCMD))) return needed('IIS is not installed yet', add);
    const r = await query(ctx, APPCMD, appcmd.listFastCgi());
    if (!r || r.exitCode !== 0) return needed(`cannot read the FastCGI settings: ${r ? appcmdMessage(r) : 'appcmd missing'}`, add);
    const app = parseFastCgiApps(r.stdout).find((a) => a.fullPath === id.fullPath && a.arguments === id.arguments);
    if (!app) return needed('the FastCGI application is not registered', add);
    const actions: Action[] = [];
    const wantAttrs: [string, number][] = [
      ['maxInstances', config.fastCgi.maxInstances],
      ['activityTimeout', config.fastCgi.activityTimeout],
      ['requestTimeout', config.fastCgi.requestTimeout],
    ];
    const defaults: Record<string, number> = { maxInstances: 0, activityTimeout: 70, requestTimeout: 90 };
    for (const [k, v] of wantAttrs) if (Number(app.attrs[k] ?? defaults[k]) !== v) actions.push(exec(`Set ${k} to ${v}`, APPCMD, appcmd.setFastCgiAttr(d, k, v)));
    for (const [k, v] of env) {
      if (app.env[k] === undefined) actions.push(exec(`Set ${k} for the FastCGI application`, APPCMD, appcmd.addFastCgiEnv(d, k, v)));
      else if (app.env[k] !== v) actions.push(exec(`Change ${k} to ${v}`, APPCMD, appcmd.setFastCgiEnv(d, k, v)));
    }
    if (actions.length === 0) return done(`registered: ${id.scriptProcessor} with ${env.map(([k]) => k).join(', ')}`);
    return needed('the FastCGI application differs from the configuration', actions);
  },
  psCheck: ({ d }) => `(& $appcmd list config -section:system.webServer/fastCgi /xml) -match [regex]::Escape(${psq(`fullPath="${fastCgiIdentity(d).fullPath.replace(/"/g, '&quot;')}" arguments="${fastCgiIdentity(d).arguments.replace(/"/g, '&quot;')}"`)})`,
};
