/**
 * Folder permissions for IIS AppPool\<pool>: read/execute on Python, the venv and the app; modify
 * on the log folder, the SQLite database's folder (SQLite writes its journal beside the file) and
 * MEDIA_ROOT. A folder that does not exist yet is created first, then granted.
 */
import { isInside, samePath, winDirname } from '../../../shared/winpath';
import type { Action } from '../../../shared/plan';
import { ICACLS, icacls } from '../commands';
import { objectKey } from '../ownership';
import { hasExplicitGrant, parseIcacls } from '../parsers';
import { projectView, requiredGrants } from '../project';
import { done, exec, needed, psq, query, type Step } from '../step';
import { recycleIfRunning } from './recycle';

export const permissions: Step = {
  id: 'permissions',
  title: 'Grant the pool identity access',
  section: 'site',
  dependsOn: ['app-pool', 'venv', 'django-settings', 'python', 'migrate'],
  async check(ctx) {
    const { config, d, host } = ctx;
    const view = await projectView(ctx);
    const identity = `IIS APPPOOL\\${d.appPool}`;
    const actions: Action[] = [];
    const missing: string[] = [];
    for (const g of requiredGrants(config, d, view)) {
      const exists = await host.exists(g.path);
      if (!exists && ![d.pythonDir, config.venvDir, config.appDir].some((p) => samePath(p, g.path)))
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
    // A waitress that started without its log (the folder was not writable) gets it only when it starts again.
    if (d.stdoutLog && missing.some((m) => m.endsWith(` on ${winDirname(d.stdoutLog)}`))) actions.push(...(await recycleIfRunning(ctx, "so waitress starts again and writes its log")));
    if (actions.length === 0) return done(`${identity} can read Python, the venv and the app${d.wsgiLog || d.stdoutLog ? ` and write ${winDirname(d.wsgiLog || d.stdoutLog)}` : ''}${view.sqliteFile ? `, ${winDirname(view.sqliteFile)}` : ''}${view.media ? `, ${view.media.root}` : ''}`);
    return needed(`${identity} lacks ${missing.join(', ')}`, actions);
  },
  psCheck: ({ config, d }) =>
    requiredGrants(config, d, { staticRoot: d.staticRoot })
      .map((g) => `((& icacls.exe ${psq(g.path)}) -match [regex]::Escape(${psq(`IIS APPPOOL\\${d.appPool}:(OI)(CI)(${g.right})`)}))`)
      .join(' -and '),
};
