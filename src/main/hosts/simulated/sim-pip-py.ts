/**
 * SIMULATED pip's resolver, run by the machine's real Python with the library pip itself uses
 * (packaging: PEP 508 requirements and markers, PEP 440 specifiers) and importlib.metadata for
 * what is installed. Reads requirement files as pip does (-r/-c includes, continuations,
 * comments, options); evaluates markers for the Windows server; checks extras' requirements.
 */
export const SIM_PIP_PY = String.raw`
import json, os, re, sys
import importlib.metadata as md
from packaging.requirements import Requirement, InvalidRequirement
from packaging.markers import default_environment
from packaging.utils import canonicalize_name

args = json.loads(sys.argv[1])
env = default_environment()
env.update(args['env'])
dists = {}
for d in md.distributions():
    n = d.metadata.get('Name')
    if n:
        dists.setdefault(canonicalize_name(n), d)
results, unsupported, errors = [], [], []
explicit = set()

def add(line, origin):
    try:
        r = Requirement(line)
    except InvalidRequirement as e:
        errors.append('Invalid requirement: %r (from %s): %s' % (line, origin, e))
        return
    applies = r.marker is None or r.marker.evaluate(env)
    name = canonicalize_name(r.name)
    d = dists.get(name)
    version = d.version if d else None
    missing_extras = []
    if d and applies:
        for extra in sorted(r.extras):
            for dep in (d.requires or []):
                try:
                    dr = Requirement(dep)
                except InvalidRequirement:
                    continue
                if dr.marker is not None and 'extra' in str(dr.marker) and dr.marker.evaluate(dict(env, extra=extra)):
                    if canonicalize_name(dr.name) not in dists:
                        missing_extras.append('%s (for %s[%s])' % (dr.name, r.name, extra))
    satisfied = bool(version) and r.specifier.contains(version, prereleases=True)
    pick = None
    # A venv of another Python than the machine's takes the store's version first (pip's newest that
    # fits that Python); the machine's Python answers only what the store has no version for.
    have = args.get('installed', {}).get(name)
    kept = bool(have) and r.specifier.contains(have, prereleases=True)
    if applies and not kept and (args.get('prefer_store') or not satisfied):
        pick = store_pick(name, r.specifier)
    substitute = None
    if applies and not kept and not pick and not satisfied and args.get('lenient'):
        # --sim-lenient-packages: the nearest version there is (same major.minor, then major, then any).
        near = nearest(name, r.specifier, version)
        if near and near['from'] == 'store':
            pick = near['pick']
        if near:
            substitute = {'run': near['version'], 'from': near['from'], 'tier': near['tier']}
    results.append({'name': name, 'display': r.name, 'line': line, 'specifier': str(r.specifier), 'marker': str(r.marker) if r.marker else None,
                    'applies': bool(applies), 'version': version,
                    'satisfied': satisfied, 'kept': kept, 'missingExtras': missing_extras, 'store': pick, 'origin': origin, 'substitute': substitute,
                    'machine': machine_files(d) if d and not pick else None})
    if pick:
        # What the chosen distribution requires, as pip would install it (markers for the Windows server).
        for dep in pick.pop('requires'):
            try:
                dr = Requirement(dep)
            except InvalidRequirement:
                continue
            if dr.marker is not None and not dr.marker.evaluate(dict(env, extra='')):
                continue
            if canonicalize_name(dr.name) in explicit or any(x['name'] == canonicalize_name(dr.name) for x in results):
                continue
            add(str(dr), 'a requirement of %s %s' % (r.name, pick['version']))

from packaging.specifiers import SpecifierSet
from packaging.version import Version

# What PyPI's wheel of a distribution requires where Debian's metadata of it says nothing (its Depends hold them instead).
UPSTREAM_REQUIRES = {
    ('django', '3.2'): ['asgiref<4,>=3.3.2', 'pytz', 'sqlparse>=0.2.2'],
}

def machine_files(d):
    # Where the machine's distribution lives and its top-level modules (a venv of another Python links exactly these).
    files = [str(f) for f in (d.files or [])]
    top = set()
    for f in files:
        first = f.replace('\\', '/').split('/')[0]
        if first in ('..', '') or first.endswith(('.dist-info', '.egg-info', '.pth')) or first == '__pycache__':
            continue
        top.add(first)
    try:
        tl = d.read_text('top_level.txt')
    except Exception:
        tl = None
    for t in (tl or '').split():
        top.add(t)
    base = str(d.locate_file(''))
    names = sorted(t for t in top if os.path.exists(os.path.join(base, t)) or os.path.exists(os.path.join(base, t + '.py')))
    names = [t if os.path.exists(os.path.join(base, t)) else t + '.py' for t in names]
    return {'base': base, 'top': names, 'compiled': any(f.endswith(('.so', '.pyd')) for f in files)}

def store_versions(name):
    # The store's versions of a distribution that fit the server's Python (Requires-Python), each with what it requires.
    here = Version(env['python_full_version'])
    out = []
    for d in args.get('store', []):
        if canonicalize_name(d['name']) != name:
            continue
        found = list(md.distributions(path=[d['site']]))
        meta = next((x for x in found if canonicalize_name(x.metadata.get('Name') or '') == name), None)
        rp = (meta.metadata.get('Requires-Python') if meta else None) or ''
        if rp and not SpecifierSet(rp).contains(here, prereleases=True):
            continue
        requires = list((meta.requires if meta else None) or [])
        if not any('extra' not in q for q in requires):
            # Debian dropped the upstream requirements from some metadata (Django 3.2's requires.txt): PyPI's wheel has them.
            requires += UPSTREAM_REQUIRES.get((name, '.'.join(d['version'].split('.')[:2])), [])
        out.append({'version': d['version'], 'site': d['site'], 'debian': d['debian'], 'requires': requires})
    return out

def store_pick(name, spec):
    fits = [d for d in store_versions(name) if spec.contains(d['version'], prereleases=True)]
    return max(fits, key=lambda d: Version(d['version'])) if fits else None

def target_of(spec):
    # The version a specifier aims at: its ==, ~=, >= or <= version (== 5.1.* reads as 5.1), else any it names.
    best = None
    for sp in spec:
        v = sp.version.replace('.*', '')
        try:
            parsed = Version(v)
        except Exception:
            continue
        if sp.operator in ('==', '===', '~='):
            return parsed
        if best is None or sp.operator in ('>=', '<='):
            best = parsed
    return best

def nearest(name, spec, machine_version):
    # Every version the rehearsal has of it (the store's that fit the server's Python, the machine's), nearest to the pin first.
    have = [{'version': d['version'], 'from': 'store', 'pick': d} for d in store_versions(name)]
    if machine_version:
        have.append({'version': machine_version, 'from': 'machine', 'pick': None})
    if not have:
        return None
    t = target_of(spec)
    def key(h):
        v = Version(h['version'])
        if t is None:
            return (2, 0, -v.release[0] if v.release else 0)
        a = list(v.release) + [0, 0, 0]
        b = list(t.release) + [0, 0, 0]
        tier = 0 if a[:2] == b[:2] else 1 if a[0] == b[0] else 2
        distance = abs((a[0] - b[0]) * 1000000 + (a[1] - b[1]) * 1000 + (a[2] - b[2]))
        return (tier, distance, -a[0] * 1000000 - a[1] * 1000 - a[2])
    best = sorted(have, key=key)[0]
    tier = key(best)[0]
    best['tier'] = ['the same major.minor', 'the same major version', 'another major version'][tier] if t is not None else 'the newest there is'
    return best

def read(path, seen, depth=0):
    if not re.match(r'^[A-Za-z]:[\\/]', path) and not os.path.isabs(path):
        path = os.path.join(os.getcwd(), path)
    m = re.match(r'^([A-Za-z]):[\\/](.*)$', path)
    if m:
        path = os.path.join(args['root'], m.group(1).upper(), *[p for p in re.split(r'[\\/]', m.group(2)) if p])
    real = os.path.realpath(path)
    # SIMULATED: the server is the folder; a file of the machine running the rehearsal is never read.
    if not real.startswith(os.path.realpath(args['root']) + os.sep):
        errors.append("Could not open requirements file: [Errno 2] No such file or directory: '%s'" % args['winpaths'].get(path, path))
        return
    if real in seen or depth > 10:
        return
    seen.add(real)
    try:
        text = open(path, encoding='utf-8-sig').read()
    except OSError as e:
        errors.append("Could not open requirements file: [Errno 2] No such file or directory: '%s'" % args['winpaths'].get(path, path))
        return
    text = re.sub(r'\\\r?\n', ' ', text)
    for raw in text.splitlines():
        line = re.sub(r'(^|\s)#.*$', '', raw).strip()
        if not line:
            continue
        m = re.match(r'^(-r|--requirement|-c|--constraint)(?:\s+|=)(.+)$', line)
        if m:
            if m.group(1) in ('-c', '--constraint'):
                continue
            inc = m.group(2).strip()
            if not os.path.isabs(inc) and not re.match(r'^[A-Za-z]:[\\/]', inc):
                inc = os.path.join(os.path.dirname(path), inc.replace('\\', '/'))
            read(args['mapping'].get(inc, inc), seen, depth + 1)
            continue
        if line.startswith('-e') or line.startswith('--editable') or re.match(r'^(git\+|https?:|file:)', line):
            unsupported.append(line)
            continue
        if line.startswith('-'):
            continue
        pending.append((' '.join(t for t in re.sub(r'(?<!\S)--hash[=\s]\S+', '', line).split()), args['winpaths'].get(path, path)))

# Every line first, then resolved together as pip does: a package a line names is that line's, not a dependency's.
pending = []
seen = set()
for f in args['files']:
    read(f, seen)
for spec in args['specs']:
    pending.append((spec, 'the command line'))
for line, origin in pending:
    try:
        explicit.add(canonicalize_name(Requirement(line).name))
    except InvalidRequirement:
        pass
for line, origin in pending:
    add(line, origin)
print(json.dumps({'results': results, 'unsupported': unsupported, 'errors': errors}))
`;
