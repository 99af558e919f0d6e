/**
 * SIMULATED: the one place where the rehearsal bends real Python. A project's settings on the
 * server hold Windows paths (STATIC_ROOT = 'C:\\static', MEDIA_ROOT, a SQLite NAME) that mean
 * nothing to the Linux interpreter standing in for Windows Python. This sitecustomize, put first
 * on the real interpreter's path by the simulator only, maps such values in Django's settings to
 * the simulated server's folder (DIR/C/static) after the settings module loads, resolving names
 * case-insensitively as NTFS does. The settings file itself is not changed.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SimulatedServer } from './server';

const SITECUSTOMIZE = String.raw`# SIMULATED (Django IIS Setup rehearsal): maps Windows paths in Django settings to the
# simulated server's folder. Not part of any deployment; see src/main/hosts/simulated/sim-pyhooks.ts.
import os, re, sys

_root = os.environ.get('DJANGO_IIS_SIM_ROOT')
_win = re.compile(r'^([A-Za-z]):[\\/](.*)$', re.S)


_originals = {}


def _map(v):
    if not isinstance(v, str):
        return v
    m = _win.match(v)
    if not m:
        return v
    orig = v
    cur = os.path.join(_root, m.group(1).upper())
    for part in [p for p in re.split(r'[\\/]', m.group(2)) if p and p != '.']:
        if part == '..':
            if cur != os.path.join(_root, m.group(1).upper()):
                cur = os.path.dirname(cur)
            continue
        try:
            hit = next((e for e in os.listdir(cur) if e.lower() == part.lower()), part)
        except OSError:
            hit = part
        cur = os.path.join(cur, hit)
    _originals[cur] = orig
    return cur


def _report_originals():
    # The probe prints settings paths; Windows' Python would print what the settings wrote. The
    # simulator (server.ts mapOutput) reads these lines, puts the written values back, drops them.
    if os.environ.get('DJANGO_IIS_SETUP_PROBE') == '1':
        for real, orig in _originals.items():
            print('DJANGO_IIS_SIM_ORIGINAL %s\t%s' % (real, orig))


def _patch(module):
    orig = module.Settings.__init__

    def __init__(self, settings_module):
        orig(self, settings_module)
        for k in ('STATIC_ROOT', 'MEDIA_ROOT'):
            if hasattr(self, k):
                setattr(self, k, _map(getattr(self, k)))
        if isinstance(getattr(self, 'STATICFILES_DIRS', None), (list, tuple)):
            self.STATICFILES_DIRS = [(_map(x[0]), _map(x[1])) if isinstance(x, tuple) else _map(x) for x in self.STATICFILES_DIRS]
        for db in (getattr(self, 'DATABASES', None) or {}).values():
            if isinstance(db, dict) and 'NAME' in db:
                db['NAME'] = _map(db['NAME'])

    module.Settings.__init__ = __init__


class _Finder:
    def find_spec(self, name, path=None, target=None):
        if name != 'django.conf':
            return None
        from importlib.machinery import PathFinder
        spec = PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        orig_exec = spec.loader.exec_module

        def exec_module(module):
            orig_exec(module)
            _patch(module)

        spec.loader.exec_module = exec_module
        return spec


def _die_with_parent():
    # SIMULATED model of Windows' job object (JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE): a process the
    # engine started ends when the engine dies, instead of running on alone (kill -9 of a rehearsal).
    import threading, time
    # The process that started this one (the engine) as it said so: reading getppid() here could
    # already see the reaper if the engine died first. Taken out, so this process's own children watch it.
    parent = int(os.environ.pop('DJANGO_IIS_SIM_PARENT_PID', '') or os.getppid())
    if os.getppid() != parent:
        os._exit(137)

    def watch():
        while True:
            time.sleep(0.2)
            if os.getppid() != parent:
                os._exit(137)

    threading.Thread(target=watch, daemon=True).start()


if _root:
    if os.environ.get('DJANGO_IIS_SIM_DIE_WITH_PARENT') == '1':
        _die_with_parent()
    import atexit
    atexit.register(_report_originals)
    sys.meta_path.insert(0, _Finder())
`;

/** Environment for the real interpreter: the hook first on PYTHONPATH, then what the caller gives. */
export function simPythonEnv(s: SimulatedServer, pythonPath?: string): Record<string, string> {
  const dir = path.join(s.root, '.sim', 'pyhooks');
  const file = path.join(dir, 'sitecustomize.py');
  // Written once and atomically: Pythons start in parallel (steps run side by side), and one that
  // read a file being rewritten would run without the hook (a truncated sitecustomize is empty),
  // opening C:\apps\...\db.sqlite3 as a relative Linux name and reporting success.
  let current: string | undefined;
  try {
    current = readFileSync(file, 'utf8');
  } catch {
    current = undefined;
  }
  if (current !== SITECUSTOMIZE) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    writeFileSync(tmp, SITECUSTOMIZE);
    renameSync(tmp, file);
  }
  return { DJANGO_IIS_SIM_ROOT: s.root, DJANGO_IIS_SIM_DIE_WITH_PARENT: '1', DJANGO_IIS_SIM_PARENT_PID: String(process.pid), PYTHONPATH: [dir, ...(pythonPath ? [pythonPath] : [])].join(path.delimiter) };
}
