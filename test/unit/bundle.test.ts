/**
 * The hand-off bundle: built with the real pip (Debian's, /usr/bin/python3) against a local
 * find-links folder of wheels this test makes (pure-Python wheels, a source-only package for the
 * incomplete case), never a network; rehearsed offline on a fresh simulated server; refused when a
 * file is changed, missing or added.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/main/cli/cli';
import { gitignoreMatcher } from '../../src/main/bundle/project-files';
import { tmp } from './helpers';

const dirs: string[] = [];
const PY = '/usr/bin/python3';
let before: string | undefined;
beforeAll(() => {
  before = process.env.DJANGO_IIS_PYTHON;
  process.env.DJANGO_IIS_PYTHON = PY;
});
afterAll(() => {
  if (before === undefined) delete process.env.DJANGO_IIS_PYTHON;
  else process.env.DJANGO_IIS_PYTHON = before;
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const MAKE_WHEEL = String.raw`
import base64, hashlib, os, sys, zipfile
dest, name, version = sys.argv[1], sys.argv[2], sys.argv[3]
dist = name.replace('-', '_')
files = {dist.lower() + '/__init__.py': b'', '%s-%s.dist-info/METADATA' % (dist, version): ('Metadata-Version: 2.1\nName: %s\nVersion: %s\n' % (name, version)).encode(), '%s-%s.dist-info/WHEEL' % (dist, version): b'Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n'}
record = ''.join('%s,sha256=%s,%d\n' % (n, base64.urlsafe_b64encode(hashlib.sha256(c).digest()).rstrip(b'=').decode(), len(c)) for n, c in files.items())
files['%s-%s.dist-info/RECORD' % (dist, version)] = (record + '%s-%s.dist-info/RECORD,,\n' % (dist, version)).encode()
with zipfile.ZipFile(os.path.join(dest, '%s-%s-py3-none-any.whl' % (dist, version)), 'w') as z:
    for n, c in files.items():
        z.writestr(n, c)
`;

const MAKE_SDIST = String.raw`
import io, os, sys, tarfile
dest, name, version = sys.argv[1], sys.argv[2], sys.argv[3]
base = '%s-%s' % (name, version)
setup = ('from setuptools import setup\nsetup(name=%r, version=%r, py_modules=[%r])\n' % (name, version, name.replace('-', '_'))).encode()
pkginfo = ('Metadata-Version: 1.0\nName: %s\nVersion: %s\n' % (name, version)).encode()
with tarfile.open(os.path.join(dest, base + '.tar.gz'), 'w:gz') as t:
    for n, c in [('setup.py', setup), ('PKG-INFO', pkginfo), (name.replace('-', '_') + '.py', b'')]:
        i = tarfile.TarInfo(base + '/' + n)
        i.size = len(c)
        t.addfile(i, io.BytesIO(c))
`;

/** A find-links folder: the wheels pip fetches for the bundle (made here, no network). */
function findLinks(extra: [string, string][] = []): string {
  const d = tmp('bundle-wheels-');
  dirs.push(d);
  for (const [n, v] of [['Django', '3.2.25'], ['whitenoise', '6.0.0'], ['python-dotenv', '0.21.0'], ['setuptools', '66.1.1'], ...extra]) execFileSync(PY, ['-c', MAKE_WHEEL, d, n as string, v as string]);
  execFileSync(PY, ['-c', MAKE_SDIST, d, 'wfastcgi', '3.0.0']);
  return d;
}

/** A project shaped like a real one: env-driven settings, a local database and uploads, a .env, a .gitignore, a Linux-only requirement. */
function project(requirements = 'Django>=3.2,<4\nwhitenoise>=5\npython-dotenv>=0.19  # imported as dotenv\npsycopg2-binary>=2.9; sys_platform == "linux"\n'): string {
  const d = tmp('bundle-project-');
  dirs.push(d);
  execFileSync(PY, ['-m', 'django', 'startproject', 'shop', d]);
  const settings = path.join(d, 'shop', 'settings.py');
  writeFileSync(settings, readFileSync(settings, 'utf8').replace(/^SECRET_KEY = .*$/m, "SECRET_KEY = os.environ.get('SHOP_SECRET_KEY', 'dev-only')").replace('from pathlib import Path', 'import os\nfrom pathlib import Path'));
  writeFileSync(path.join(d, 'requirements.txt'), requirements);
  writeFileSync(path.join(d, 'db.sqlite3'), 'SQLite format 3\0 local rows');
  mkdirSync(path.join(d, 'media', 'covers'), { recursive: true });
  writeFileSync(path.join(d, 'media', 'covers', 'a.jpg'), 'jpg');
  writeFileSync(path.join(d, '.env'), 'SHOP_SECRET_KEY=team-secret-value-never-bundled\n');
  writeFileSync(path.join(d, '.gitignore'), '*.log\nlocal_settings.py\n/build/\n');
  writeFileSync(path.join(d, 'debug.log'), 'x');
  writeFileSync(path.join(d, 'shop', 'local_settings.py'), 'DEBUG = True\n');
  mkdirSync(path.join(d, '.git'), { recursive: true });
  writeFileSync(path.join(d, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  writeFileSync(path.join(d, 'VERSION'), '1.4.2\n');
  return d;
}

function installer(version = '3.10.11'): string {
  const d = tmp('bundle-installer-');
  dirs.push(d);
  const f = path.join(d, `python-${version}-amd64.exe`);
  // SIMULATED: a stand-in installer the simulated server takes as signed by the PSF (real ones are 28 MB).
  writeFileSync(f, 'SIMULATED-AUTHENTICODE Valid; CN=Python Software Foundation, O=Python Software Foundation, L=Beaverton, S=Oregon, C=US\r\n');
  return f;
}

async function cli(args: string[]): Promise<{ code: number; text: string }> {
  const out: string[] = [];
  const code = await main(args, { out: (s) => out.push(s), err: (s) => out.push(s) });
  return { code, text: out.join('\n') };
}

const zipNames = (zip: string) => JSON.parse(execFileSync(PY, ['-c', 'import json, sys, zipfile; print(json.dumps(zipfile.ZipFile(sys.argv[1]).namelist()))', zip], { encoding: 'utf8' })) as string[];

describe('bundle', () => {
  it('builds one folder with the real pip; .env, the database and media never travel; deploy.json has no path of the team\'s machine; rehearsed offline it deploys and verifies', async () => {
    const proj = project();
    const out = path.join(tmp('bundle-out-'), 'shop-1.4.2');
    dirs.push(path.dirname(out));
    const b = await cli(['bundle', '--project', proj, '--out', out, '--find-links', findLinks(), '--no-index', '--python-installer', installer()]);
    expect(b.code, b.text).toBe(0);
    expect(b.text).toContain('Bundling');
    const names = zipNames(path.join(out, 'project.zip'));
    expect(names).toContain('manage.py');
    expect(names).toContain('shop/settings.py');
    for (const never of ['.env', 'db.sqlite3', 'media/covers/a.jpg', 'debug.log', 'shop/local_settings.py', '.git/HEAD']) expect(names).not.toContain(never);
    const report = readFileSync(path.join(out, 'bundle-report.txt'), 'utf8');
    expect(report).toContain('.env: an environment file: never bundled');
    expect(report).toContain('db.sqlite3: a local database');
    expect(report).toContain('media/: the media folder');
    expect(report).toContain('shop/local_settings.py: ignored by the project\'s .gitignore');
    expect(report).toContain('psycopg2-binary>=2.9: its marker is false on Windows');
    expect(report).toContain("settingsModule shop.settings (from the project's manage.py)");
    expect(report).not.toContain('C:\\drop');
    expect(readdirSync(path.join(out, 'wheels')).sort()).toEqual(['Django-3.2.25-py3-none-any.whl', 'python_dotenv-0.21.0-py3-none-any.whl', 'setuptools-66.1.1-py3-none-any.whl', 'wfastcgi-3.0.0.tar.gz', 'whitenoise-6.0.0-py3-none-any.whl']);
    const deployText = readFileSync(path.join(out, 'deploy.json'), 'utf8');
    const deploy = JSON.parse(deployText) as Record<string, unknown>;
    expect(deploy).toMatchObject({ djangoProject: { zip: 'project.zip' }, requirementsFile: 'requirements.txt', wheelhouse: 'wheels', pythonInstaller: 'python-3.10.11-amd64.exe', pythonVersion: '3.10.11', release: '1.4.2' });
    expect(deployText).not.toContain(proj);
    expect(deployText).not.toMatch(/"\/|C:\\\\drop/);
    for (const f of readdirSync(out)) expect(readFileSync(path.join(out, f === 'wheels' ? 'SHA256SUMS' : f)).toString('latin1')).not.toContain('team-secret-value-never-bundled');
    expect(readFileSync(path.join(out, 'SHA256SUMS'), 'utf8').split('\n').filter((l) => l).length).toBeGreaterThanOrEqual(10);
    expect(readFileSync(path.join(out, 'README.html'), 'utf8')).toContain('release 1.4.2');

    const keep = tmp('bundle-rehearsal-');
    dirs.push(keep);
    const r = await cli(['rehearse', '--bundle', out, '--keep', keep]);
    expect(r.code, r.text).toBe(0);
    expect(r.text).toContain('(checksums checked)');
    expect(r.text).toContain('Second run: succeeded, 0 change(s)');
    const commands = readFileSync(path.join(keep, '.sim', 'commands.jsonl'), 'utf8');
    expect(commands).toContain('--no-index');
    expect(commands).toContain('C:\\\\bundles\\\\shop-1.4.2\\\\wheels');
    expect(commands).toContain('C:\\\\bundles\\\\shop-1.4.2\\\\python-3.10.11-amd64.exe');
    expect(r.text).not.toMatch(/download https:/);
  });

  it('a requirement with no wheel for win_amd64 is named, and the bundle is marked incomplete; the server refuses it', async () => {
    const links = findLinks();
    execFileSync(PY, ['-c', MAKE_SDIST, links, 'cext', '1.0']);
    const proj = project('Django>=3.2,<4\ncext==1.0\n');
    const out = path.join(tmp('bundle-out-'), 'b');
    dirs.push(path.dirname(out));
    const b = await cli(['bundle', '--project', proj, '--out', out, '--find-links', links, '--no-index', '--python-installer', installer()]);
    expect(b.code).toBe(1);
    expect(b.text).toMatch(/INCOMPLETE[\s\S]*- cext==1\.0: ERROR: .*cext/);
    expect(existsSync(path.join(out, 'INCOMPLETE.txt'))).toBe(true);
    const keep = tmp('bundle-rehearsal-');
    dirs.push(keep);
    const r = await cli(['rehearse', '--bundle', out, '--keep', keep]);
    expect(r.code).toBe(2);
    expect(r.text).toContain('is incomplete: cext==1.0');
    expect(existsSync(path.join(keep, '.sim', 'commands.jsonl'))).toBe(false);
  });

  it('a tampered, a missing and an added file are each refused with exit 2 before anything runs', async () => {
    const out = path.join(tmp('bundle-out-'), 'c');
    dirs.push(path.dirname(out));
    expect((await cli(['bundle', '--project', project(), '--out', out, '--find-links', findLinks(), '--no-index', '--python-installer', installer()])).code).toBe(0);
    const attempt = async () => {
      const keep = tmp('bundle-rehearsal-');
      dirs.push(keep);
      const r = await cli(['rehearse', '--bundle', out, '--keep', keep]);
      return { ...r, ran: existsSync(path.join(keep, '.sim', 'commands.jsonl')) };
    };
    appendFileSync(path.join(out, 'requirements.txt'), 'evil==1.0\n');
    let r = await attempt();
    expect([r.code, r.ran]).toEqual([2, false]);
    expect(r.text).toContain('requirements.txt in the bundle is not the file the team made');
    rmSync(path.join(out, 'python-3.10.11-amd64.exe'));
    r = await attempt();
    expect(r.text).toContain('The bundle lacks python-3.10.11-amd64.exe.');
    writeFileSync(path.join(out, 'wheels', 'extra-1.0-py3-none-any.whl'), 'x');
    r = await attempt();
    expect(r.text).toContain('wheels/extra-1.0-py3-none-any.whl is in the bundle but not in SHA256SUMS.');
    expect(r.code).toBe(2);
  });

  it('refuses an --out that is not empty, and a project without manage.py', async () => {
    const full = tmp('bundle-full-');
    dirs.push(full);
    writeFileSync(path.join(full, 'x'), '');
    expect((await cli(['bundle', '--project', project(), '--out', full])).text).toContain('is not empty');
    expect((await cli(['bundle', '--project', full, '--out', path.join(full, 'o')])).text).toContain('no manage.py');
  });

  it('.gitignore lines as git reads the common forms', () => {
    const m = gitignoreMatcher('*.log\n/build/\ndocs/*.tmp\n**/secret.txt\n!keep.log\n');
    expect(m?.('debug.log', false)).toBe(true);
    expect(m?.('a/b/debug.log', false)).toBe(true);
    expect(m?.('build', true)).toBe(true);
    expect(m?.('src/build', true)).toBe(false);
    expect(m?.('build', false)).toBe(false);
    expect(m?.('docs/x.tmp', false)).toBe(true);
    expect(m?.('x/secret.txt', false)).toBe(true);
    expect(m?.('app.py', false)).toBe(false);
  });
});
