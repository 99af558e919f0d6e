/**
 * The hand-off bundle: built with the real pip (Debian's, /usr/bin/python3) against a local
 * find-links folder of wheels this test makes (pure-Python wheels, a source-only package for the
 * incomplete case), never a network; rehearsed offline on a fresh simulated server; refused when a
 * file is changed, missing or added.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/main/cli/cli';
import { gitignoreMatcher } from '../../src/main/bundle/project-files';
import { tmp } from './helpers';
import { interpreterFor } from '../../src/main/hosts/simulated/interpreters';
import { MAKE_SDIST, PY, findLinks as makeFindLinks, installer as makeInstaller, project as makeProject } from './bundle-helpers';

const dirs: string[] = [];
let before: string | undefined;
beforeAll(() => {
  before = process.env.DJANGO_IIS_PYTHON;
  process.env.DJANGO_IIS_PYTHON = PY;
});
const findLinks = (extra: [string, string][] = []) => makeFindLinks(dirs, extra);
const project = (requirements?: string) => makeProject(dirs, requirements);
const installer = (version?: string) => makeInstaller(dirs, version);
afterAll(() => {
  if (before === undefined) delete process.env.DJANGO_IIS_PYTHON;
  else process.env.DJANGO_IIS_PYTHON = before;
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

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
    // Django's requirements too, and typing_extensions, which pip on this 3.11 machine skipped (asgiref needs it below 3.11).
    expect(readdirSync(path.join(out, 'wheels')).sort()).toEqual(['Django-3.2.25-py3-none-any.whl', 'asgiref-3.8.1-py3-none-any.whl', 'python_dotenv-0.21.0-py3-none-any.whl', 'pytz-2024.2-py3-none-any.whl', 'setuptools-66.1.1-py3-none-any.whl', 'sqlparse-0.5.1-py3-none-any.whl', 'typing_extensions-4.12.2-py3-none-any.whl', 'wfastcgi-3.0.0.tar.gz', 'whitenoise-6.0.0-py3-none-any.whl']);
    expect(report).toContain('pip on this machine skipped typing_extensions>=4 (for asgiref, python_version < "3.11"), fetched too');
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
    const proj = project('Django>=3.2,<4\ncext==1.0\ngit+https://example.invalid/team/lib.git#egg=lib\n');
    const out = path.join(tmp('bundle-out-'), 'b');
    dirs.push(path.dirname(out));
    const b = await cli(['bundle', '--project', proj, '--out', out, '--find-links', links, '--no-index', '--python-installer', installer()]);
    expect(b.code).toBe(1);
    expect(b.text).toMatch(/INCOMPLETE[\s\S]*- cext==1\.0: ERROR: .*cext/);
    expect(b.text).toContain('- git+https://example.invalid/team/lib.git#egg=lib: not a requirement pip download can fetch as a wheel');
    expect(existsSync(path.join(out, 'INCOMPLETE.txt'))).toBe(true);
    const keep = tmp('bundle-rehearsal-');
    dirs.push(keep);
    const r = await cli(['rehearse', '--bundle', out, '--keep', keep]);
    expect(r.code).toBe(2);
    expect(r.text).toContain('is incomplete: git+https://example.invalid/team/lib.git#egg=lib: not a requirement');
    // pip's own lines, both of them (the version it looked for, then what it did not find).
    expect(r.text).toContain('cext==1.0: ERROR: Could not find a version that satisfies the requirement cext==1.0 (from versions: none) ERROR: No matching distribution found for cext==1.0');
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
    // Beside the wizard: found, its label and contents said, its configuration used.
    const { loadDeployFile } = await import('../../src/main/service/deploy-file');
    const sim = tmp('bundle-gui-sim-');
    dirs.push(sim);
    const found = loadDeployFile(out, sim);
    expect(found.bundle?.problems).toEqual([]);
    expect(found.config?.from).toBe(`the bundle ${out} (release 1.4.2)`);
    expect(found.config?.config.wheelhouse).toBe('C:\\bundles\\c\\wheels');
    appendFileSync(path.join(out, 'requirements.txt'), 'evil==1.0\n');
    // Changed: the wizard says it is refused and does not use it.
    const refused = loadDeployFile(out, sim);
    expect(refused.config).toBeUndefined();
    expect(refused.bundle?.problems.join('\n')).toContain('requirements.txt in the bundle is not the file the team made');
    let r = await attempt();
    expect([r.code, r.ran]).toEqual([2, false]);
    expect(r.text).toContain('requirements.txt in the bundle is not the file the team made');
    rmSync(path.join(out, 'python-3.10.11-amd64.exe'));
    r = await attempt();
    expect(r.text).toContain('The bundle lacks python-3.10.11-amd64.exe.');
    const wheel = path.join(out, 'wheels', 'whitenoise-6.0.0-py3-none-any.whl');
    const kept = readFileSync(wheel);
    rmSync(wheel);
    r = await attempt();
    expect(r.text).toContain('The bundle lacks wheels/whitenoise-6.0.0-py3-none-any.whl.');
    writeFileSync(wheel, kept);
    writeFileSync(path.join(out, 'wheels', 'extra-1.0-py3-none-any.whl'), 'x');
    r = await attempt();
    expect(r.text).toContain('wheels/extra-1.0-py3-none-any.whl is in the bundle but not in SHA256SUMS.');
    expect(r.code).toBe(2);
    // A deploy.json (checksummed anew) that names a file outside the bundle is refused too.
    const { checkBundle, writeChecksums } = await import('../../src/main/bundle/bundle-dir');
    rmSync(path.join(out, 'wheels', 'extra-1.0-py3-none-any.whl'));
    const deploy = JSON.parse(readFileSync(path.join(out, 'deploy.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(path.join(out, 'deploy.json'), JSON.stringify({ ...deploy, pythonInstaller: '..\\..\\python-3.10.11-amd64.exe' }));
    writeChecksums(out);
    expect(checkBundle(out).map((p) => p.what)).toEqual(['deploy.json names pythonInstaller "..\\..\\python-3.10.11-amd64.exe", outside the bundle.']);
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

  it('requirements with --hash keep pip\'s hash-checking mode: the bundle\'s requirements.txt keeps the hashes, and a wrong one stops the bundle', async () => {
    const links = findLinks();
    const sha = (f: string) => createHash('sha256').update(readFileSync(path.join(links, f))).digest('hex');
    // As pip-compile --generate-hashes writes them: every distribution, with its hash (typing_extensions: compiled for Python 3.10).
    const pinned = (n: string, v: string, f: string) => `${n}==${v} \\\n    --hash=sha256:${sha(f)}\n`;
    const deps = pinned('asgiref', '3.8.1', 'asgiref-3.8.1-py3-none-any.whl') + pinned('pytz', '2024.2', 'pytz-2024.2-py3-none-any.whl') + pinned('sqlparse', '0.5.1', 'sqlparse-0.5.1-py3-none-any.whl');
    const typing = pinned('typing-extensions', '4.12.2', 'typing_extensions-4.12.2-py3-none-any.whl');
    const reqs = `Django==3.2.25 --hash=sha256:${sha('Django-3.2.25-py3-none-any.whl')}\n${pinned('whitenoise', '6.0.0', 'whitenoise-6.0.0-py3-none-any.whl')}${deps}${typing}`;
    const out = path.join(tmp('bundle-out-'), 'h');
    dirs.push(path.dirname(out));
    const b = await cli(['bundle', '--project', project(reqs), '--out', out, '--find-links', links, '--no-index', '--python-installer', installer()]);
    expect(b.code, b.text).toBe(0);
    expect(readFileSync(path.join(out, 'requirements.txt'), 'utf8')).toContain(`whitenoise==6.0.0 --hash=sha256:${sha('whitenoise-6.0.0-py3-none-any.whl')}`);
    const bad = path.join(tmp('bundle-out-'), 'h2');
    dirs.push(path.dirname(bad));
    const b2 = await cli(['bundle', '--project', project(reqs.replace(/sha256:[0-9a-f]{4}/, 'sha256:0000')), '--out', bad, '--find-links', links, '--no-index', '--python-installer', installer()]);
    expect(b2.code).toBe(1);
    expect(b2.text).toMatch(/INCOMPLETE[\s\S]*Django==3\.2\.25: ERROR: .*(HASHES|hash)/i);
    // Compiled on a 3.11 machine, the lock has no typing_extensions: the 3.10 server needs it (asgiref's marker), and pip's
    // hash-checking mode would refuse it there, so the bundle says so instead of adding an unhashed line.
    const lacking = path.join(tmp('bundle-out-'), 'h3');
    dirs.push(path.dirname(lacking));
    const b3 = await cli(['bundle', '--project', project(reqs.replace(typing, '')), '--out', lacking, '--find-links', links, '--no-index', '--python-installer', installer()]);
    expect(b3.code, b3.text).toBe(1);
    expect(b3.text).toContain('- typing_extensions>=4: required by asgiref on the server (Windows, Python 3.10: python_version < "3.11"), which pip on this machine skipped; in pip\'s hash-checking mode it must be in the requirements with its --hash');
  });

  it('a second bundle of the same project is the next release: staged, switched, the first one kept to go back to', async () => {
    const links = findLinks();
    const proj = project();
    const root = tmp('bundle-two-');
    dirs.push(root);
    const cfg = path.join(root, 'deploy.json');
    writeFileSync(cfg, JSON.stringify({ siteName: 'shop', port: 8095, appDir: 'C:\\apps\\shop', venvDir: 'C:\\venvs\\shop', secretKey: { env: 'SHOP_SECRET_KEY' } }));
    const make = async (name: string) => {
      const b = await cli(['bundle', '--project', proj, '--config', cfg, '--out', path.join(root, name), '--find-links', links, '--no-index', '--python-installer', installer()]);
      expect(b.code, b.text).toBe(0);
      return path.join(root, name);
    };
    const one = await make('shop-1.4.2');
    const server = path.join(root, 'server');
    const first = await cli(['rehearse', '--bundle', one, '--keep', server]);
    expect(first.code, first.text).toBe(0);
    writeFileSync(path.join(proj, 'VERSION'), '1.4.3\n');
    appendFileSync(path.join(proj, 'shop', 'urls.py'), '\n# 1.4.3\n');
    const two = await make('shop-1.4.3');
    const applied = await cli(['apply', '--simulate', server, '--bundle', two, '--yes']);
    expect(applied.code, applied.text).toBe(0);
    const list = await cli(['releases', '--simulate', server, '--bundle', two, '--json']);
    const releases = (JSON.parse(list.text) as { releases: { number: number; label: string; state: string }[] }).releases;
    expect(releases.map((x) => [x.number, x.label, x.state])).toEqual([[1, '1.4.2', 'previous'], [2, '1.4.3', 'live']]);
  });

  it('the waitress mode: the wheels hold waitress (no wfastcgi), the MSI from --msi goes in, and it rehearses offline', async () => {
    const links = findLinks([['waitress', '2.1.2']]);
    const root = tmp('bundle-waitress-');
    dirs.push(root);
    const cfg = path.join(root, 'deploy.json');
    writeFileSync(cfg, JSON.stringify({ server: 'httpplatform' }));
    const msi = path.join(root, 'httpPlatformHandler_amd64.msi');
    // SIMULATED: a stand-in MSI the simulated server takes as signed by Microsoft.
    writeFileSync(msi, 'SIMULATED-AUTHENTICODE Valid; CN=Microsoft Corporation, O=Microsoft Corporation, L=Redmond, S=Washington, C=US\r\n');
    const out = path.join(root, 'b');
    const b = await cli(['bundle', '--project', project('Django>=3.2,<4\n'), '--config', cfg, '--out', out, '--find-links', links, '--no-index', '--python-installer', installer(), '--msi', msi]);
    expect(b.code, b.text).toBe(0);
    expect(readdirSync(path.join(out, 'wheels')).sort()).toEqual(['Django-3.2.25-py3-none-any.whl', 'asgiref-3.8.1-py3-none-any.whl', 'pytz-2024.2-py3-none-any.whl', 'sqlparse-0.5.1-py3-none-any.whl', 'typing_extensions-4.12.2-py3-none-any.whl', 'waitress-2.1.2-py3-none-any.whl']);
    expect(JSON.parse(readFileSync(path.join(out, 'deploy.json'), 'utf8'))).toMatchObject({ server: 'httpplatform', httpPlatform: { installer: 'httpPlatformHandler_amd64.msi' } });
    const r = await cli(['rehearse', '--bundle', out, '--keep', path.join(root, 'server')]);
    expect(r.code, r.text).toBe(0);
  });
});

describe('bundle on a team machine whose Python has pip only (a python.org 3.12+ venv: no setuptools, no wheel)', () => {
  const teamVenv = (): string => {
    const base = interpreterFor('3.12.0');
    if (!base || !base.version.startsWith('3.12.')) throw new Error('This machine has no Python 3.12 (pyenv) to make a pip-only venv of.');
    const v = tmp('bundle-team-venv-');
    dirs.push(v);
    execFileSync(base.path, ['-m', 'venv', v]);
    // What ensurepip put there: pip, and nothing to build a source archive with.
    expect(() => execFileSync(path.join(v, 'bin', 'python'), ['-c', 'import setuptools'], { stdio: 'ignore' })).toThrow();
    return path.join(v, 'bin', 'python');
  };

  it('builds wfastcgi\'s source archive in isolation with the setuptools and wheel of the sources given; without them, the report has pip\'s real error lines', async () => {
    const py = teamVenv();
    // The team's Python, with no pip configuration of this machine's (its find-links) in the way.
    const saved = { DJANGO_IIS_PYTHON: process.env.DJANGO_IIS_PYTHON, PIP_CONFIG_FILE: process.env.PIP_CONFIG_FILE, PIP_FIND_LINKS: process.env.PIP_FIND_LINKS };
    process.env.DJANGO_IIS_PYTHON = py;
    process.env.PIP_CONFIG_FILE = '/dev/null';
    delete process.env.PIP_FIND_LINKS;
    try {
      const links = findLinks();
      rmSync(path.join(links, 'setuptools-66.1.1-py3-none-any.whl'));
      // Debian's real setuptools and wheel wheels (python3-setuptools-whl, python3-wheel-whl), as a team's wheelhouse would hold them.
      for (const w of readdirSync('/usr/share/python-wheels').filter((f) => /^(setuptools|wheel)-/.test(f))) copyFileSync(path.join('/usr/share/python-wheels', w), path.join(links, w));
      const out = path.join(tmp('bundle-out-'), 'pip-only');
      dirs.push(path.dirname(out));
      const b = await cli(['bundle', '--project', project('Django>=3.2,<4\n'), '--out', out, '--find-links', links, '--no-index', '--python-installer', installer()]);
      expect(b.code, b.text).toBe(0);
      expect(readdirSync(path.join(out, 'wheels'))).toContain('wfastcgi-3.0.0.tar.gz');
      // The same without setuptools in the sources: pip cannot build, and the report says why in pip's words.
      const bare = findLinks();
      rmSync(path.join(bare, 'setuptools-66.1.1-py3-none-any.whl'));
      const out2 = path.join(tmp('bundle-out-'), 'no-tools');
      dirs.push(path.dirname(out2));
      const b2 = await cli(['bundle', '--project', project('Django>=3.2,<4\n'), '--out', out2, '--find-links', bare, '--no-index', '--python-installer', installer()]);
      expect(b2.code).not.toBe(0);
      const report = readFileSync(path.join(out2, 'bundle-report.txt'), 'utf8');
      expect(report).toMatch(/wfastcgi \(source archive\)[^\n]*\n?[\s\S]*No matching distribution found for setuptools/);
      expect(report).not.toMatch(/wfastcgi \(source archive\): hint: See above for details\./);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});
