/** collectstatic: copies every app's static files into STATIC_ROOT (checked with --dry-run). */
import { isInside } from '../../../shared/winpath';
import { managePy } from '../commands';
import { objectKey } from '../ownership';
import { parseCollectstatic } from '../parsers';
import { done, exec, firstLine, needed, psq, query, type Step } from '../step';

export const collectstatic: Step = {
  id: 'collectstatic',
  title: 'Collect static files',
  section: 'static',
  dependsOn: ['django-project'],
  async check(ctx) {
    const { config, d, host } = ctx;
    const action = exec(`Collect static files into ${d.staticRoot}`, d.venvPython, [managePy(config), 'collectstatic', '--noinput'], {
      cwd: config.appDir,
      ...(isInside(d.staticRoot, config.appDir) ? {} : { creates: { object: objectKey.folder(d.staticRoot), undo: [{ kind: 'remove', description: `Remove the static files folder ${d.staticRoot}`, path: d.staticRoot }] } }),
    });
    if (!(await host.exists(d.venvPython)) || !(await host.exists(managePy(config)))) return needed('the project is not in place yet', [action]);
    const r = await query(ctx, d.venvPython, [managePy(config), 'collectstatic', '--noinput', '--dry-run'], { cwd: config.appDir });
    if (!r || r.exitCode !== 0) {
      const err = (r?.stderr ?? '').trim().split(/\r?\n/).at(-1) ?? '';
      return needed(`collectstatic --dry-run failed: ${err || firstLine(r?.stdout ?? '')}`, [action]);
    }
    const counts = parseCollectstatic(r.stdout);
    if (counts && counts.copied === 0 && (await host.exists(d.staticRoot))) return done(`${counts.unmodified} static files are up to date in ${d.staticRoot}`);
    return needed(counts ? `${counts.copied} static files to copy` : 'static files are not collected', [action]);
  },
  psCheck: ({ d }) => `(Test-Path ${psq(d.staticRoot)}) -and ((Get-ChildItem -Recurse -File ${psq(d.staticRoot)} -ErrorAction SilentlyContinue | Measure-Object).Count -gt 0)`,
  explain(action, r) {
    const text = r.stdout + r.stderr;
    if (/ImproperlyConfigured.*STATIC_ROOT/i.test(text))
      return { what: 'collectstatic: STATIC_ROOT is not set.', why: 'Django needs STATIC_ROOT to know where to collect files.', fix: 'Check the managed block at the end of settings.py; run again.', command: [action.file, ...action.args], exitCode: r.exitCode };
    return undefined;
  },
};
