/** What the bundle tests (unit and e2e) build: a find-links folder of wheels made here, a project shaped like a real one, a stand-in installer. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tmp } from './helpers';

export const PY = '/usr/bin/python3';

export const MAKE_WHEEL = String.raw`
import base64, hashlib, os, sys, zipfile
dest, name, version = sys.argv[1], sys.argv[2], sys.argv[3]
requires = ''.join('Requires-Dist: %s\n' % r for r in sys.argv[4:])
dist = name.replace('-', '_')
files = {dist.lower() + '/__init__.py': b'', '%s-%s.dist-info/METADATA' % (dist, version): ('Metadata-Version: 2.1\nName: %s\nVersion: %s\n%s' % (name, version, requires)).encode(), '%s-%s.dist-info/WHEEL' % (dist, version): b'Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n'}
record = ''.join('%s,sha256=%s,%d\n' % (n, base64.urlsafe_b64encode(hashlib.sha256(c).digest()).rstrip(b'=').decode(), len(c)) for n, c in files.items())
files['%s-%s.dist-info/RECORD' % (dist, version)] = (record + '%s-%s.dist-info/RECORD,,\n' % (dist, version)).encode()
with zipfile.ZipFile(os.path.join(dest, '%s-%s-py3-none-any.whl' % (dist, version)), 'w') as z:
    for n, c in files.items():
        z.writestr(n, c)
`;

export const MAKE_SDIST = String.raw`
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

/**
 * A find-links folder: the wheels pip fetches for the bundle (made here, no network). Django's
 * and asgiref's declare what PyPI's 3.2.25 and 3.8.1 wheels require (typing_extensions only
 * below Python 3.11: pip on a 3.11 team machine skips it for a 3.10 server), so pip fetches them
 * too, as it would for a team.
 */
export function findLinks(dirs: string[], extra: [string, string][] = []): string {
  const d = tmp('bundle-wheels-');
  dirs.push(d);
  const wheels: string[][] = [['Django', '3.2.25', 'asgiref<4,>=3.3.2', 'pytz', 'sqlparse>=0.2.2'], ['asgiref', '3.8.1', 'typing_extensions>=4; python_version < "3.11"'], ['typing_extensions', '4.12.2'], ['pytz', '2024.2'], ['sqlparse', '0.5.1'], ['whitenoise', '6.0.0'], ['python-dotenv', '0.21.0'], ['setuptools', '66.1.1'], ...extra];
  for (const w of wheels) execFileSync(PY, ['-c', MAKE_WHEEL, d, ...w]);
  execFileSync(PY, ['-c', MAKE_SDIST, d, 'wfastcgi', '3.0.0']);
  return d;
}

/** A project shaped like a real one: env-driven settings, a local database and uploads, a .env, a .gitignore, a Linux-only requirement. */
export function project(dirs: string[], requirements = 'Django>=3.2,<4\nwhitenoise>=5\npython-dotenv>=0.19  # imported as dotenv\npsycopg2-binary>=2.9; sys_platform == "linux"\n'): string {
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

export function installer(dirs: string[], version = '3.10.11'): string {
  const d = tmp('bundle-installer-');
  dirs.push(d);
  const f = path.join(d, `python-${version}-amd64.exe`);
  // SIMULATED: a stand-in installer the simulated server takes as signed by the PSF (real ones are 28 MB).
  writeFileSync(f, 'SIMULATED-AUTHENTICODE Valid; CN=Python Software Foundation, O=Python Software Foundation, L=Beaverton, S=Oregon, C=US\r\n');
  return f;
}

