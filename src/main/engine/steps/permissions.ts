/** Folder permissions for IIS AppPool\<pool>: read/execute on Python, venv, app; modify on logs. */
import { isInside, samePath, winDirname } from '../../../shared/winpath';
import { ICACLS, icacls, requiredGrants } from '../commands';
import { hasExplicitGrant, parseIcacls } from '../parsers';
import { objectKey } from '../ownership';
import { done, exec, needed, psq, query, type Step } from '../step';
import type { Action } from '../../../shared/plan';

export const permissions: Step = {
  id: 'permissions',
  title: 'Grant the pool identity access',
  section: 'site',
  dependsOn: ['app-pool', 'venv', 'django-project', 'python'],
  async check(ctx) {
    const { config, d, host } = ctx;
    const identity = `IIS APPPOOL\\${d.appPool}`;
    const actions: Action[] = [];
    const missing: string[] = [];
    for (const g of requiredGrants(config, d)) {
      const exists = await host.exists(g.path);
      // A folder the pool must write (logs) or read (a STATIC_ROOT outside the app) that does not exist yet: create, then grant.
      if (!exists && (g.right === 'M' || ![config.pythonDir, config.venvDir, config.appDir].some((p) => samePath(p, g.path))))
        actions.push({
          kind: 'mkdir',
          description: `Create ${g.path}`,
          path: g.path,
          ...(isInside(g.path, config.appDir) ? {} : { creates: { object: objectKey.folder(g.path), undo: [{ kind: 'remove', description: `Remove ${g.path}`, path: g.path }] } }),
        });
      const r = exists ? await query(ctx, ICACLS, icacls.show(g.path)) : undefined;
      const ok = r?.exitCode === 0 && hasExplicitGrant(parseIcacls(r.stdout, g.path), identity, g.right);
      if (!ok) {
        missing.push(`${g.right} on ${g.path}`);
        actions.push(
          exec(`Grant ${identity} ${g.right === 'M' ? 'modify' : 'read/execute'} on ${g.path}`, ICACLS, icacls.grant(g.path, d.appPool, g.right), {
            creates: { object: objectKey.grant(g.path, d.appPool), undo: [exec(`Remove ${d.appPool}'s access to ${g.path}`, ICACLS, icacls.remove(g.path, d.appPool))] },
          }),
        );
      }
    }
    if (actions.length === 0) return done(`${identity} can read Python, the venv and the app${d.wsgiLog ? ` and write ${winDirname(d.wsgiLog)}` : ''}`);
    return needed(`${identity} lacks ${missing.join(', ')}`, actions);
  },
  psCheck: ({ config, d }) =>
    requiredGrants(config, d)
      .map((g) => `((& icacls.exe ${psq(g.path)}) -match [regex]::Escape(${psq(`IIS APPPOOL\\${d.appPool}:(OI)(CI)(${g.right})`)}))`)
      .join(' -and '),
};
