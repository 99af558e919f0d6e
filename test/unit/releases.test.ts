/**
 * Releases (issue: the next version): the Local Library deployed, then given new versions on the
 * same server with the same configuration. Each release goes side by side into
 * C:\apps\library\releases\<n>, is verified on a staging site, and is switched to; the SQLite
 * database and the uploads live in C:\apps\library\shared and survive every update, going back
 * and uninstall. Rows are written through the real SQLite file between releases.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { plan, run, uninstall } from '../../src/main/engine/engine';
import { readRegistry } from '../../src/main/engine/release/registry';
import { SimulatedHost } from '../../src/main/hosts/simulated/sim-host';
import { APPCMD, LOCAL_LIBRARY, localLibraryConfig, tmp } from './helpers';

const hosts: SimulatedHost[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(hosts.map((h) => h.dispose()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

export function serverWithLibrary(): SimulatedHost {
  const dir = tmp('releases-');
  dirs.push(dir);
  const h = new SimulatedHost(dir);
  hosts.push(h);
  const drop = h.server.toReal('C:\\drop\\locallibrary');
  mkdirSync(path.dirname(drop), { recursive: true });
  cpSync(LOCAL_LIBRARY, drop, { recursive: true });
  return h;
}

/** Changes a file of the handed-over source (C:\drop\locallibrary). */
export function editSource(h: SimulatedHost, rel: string, f: (text: string) => string): void {
  const p = path.join(h.server.toReal('C:\\drop\\locallibrary'), rel);
  writeFileSync(p, f(existsSync(p) ? readFileSync(p, 'utf8') : ''));
}

/** The team's next version: a template text changed, a page added, a migration, and a new requirement. */
export function version2(h: SimulatedHost): void {
  editSource(h, 'catalog/templates/catalog/index.html', (t) => t.replace('The library has', 'Our library holds'));
  editSource(h, 'catalog/views.py', (t) => `${t}\n\ndef about(request):\n    from django.http import HttpResponse\n    return HttpResponse('About the library, release 2')\n`);
  editSource(h, 'catalog/urls.py', (t) => t.replace("urlpatterns = [path('', views.index, name='index')]", "urlpatterns = [path('', views.index, name='index'), path('about/', views.about, name='about')]"));
  editSource(h, 'catalog/models.py', (t) => t.replace("    cover = models.FileField(upload_to='covers/', blank=True)", "    cover = models.FileField(upload_to='covers/', blank=True)\n    summary = models.TextField(blank=True, default='')"));
  editSource(h, 'catalog/migrations/0002_book_summary.py', () => "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    dependencies = [('catalog', '0001_initial')]\n    operations = [migrations.AddField(model_name='book', name='summary', field=models.TextField(blank=True, default=''))]\n");
  editSource(h, 'requirements.txt', (t) => `${t}waitress>=1.4\n`);
}

/** Rows written by the application between releases (through the real SQLite file). */
export function addBook(h: SimulatedHost, title: string): void {
  const db = h.server.toReal('C:\\apps\\library\\shared\\db.sqlite3');
  const py = [
    'import sqlite3, sys',
    'c = sqlite3.connect(sys.argv[1])',
    'cols = [r[1] for r in c.execute("pragma table_info(catalog_book)")]',
    'row = {"title": sys.argv[2], "author": "A. Author", "cover": "covers/x.txt", "summary": ""}',
    'names = [k for k in row if k in cols]',
    'c.execute("insert into catalog_book(%s) values (%s)" % (",".join(names), ",".join("?" * len(names))), [row[k] for k in names])',
    'c.commit()',
  ].join('\n');
  execFileSync('/usr/bin/python3', ['-c', py, db, title]);
}

const page = (h: SimulatedHost, p: string) => h.http(`http://localhost:8081${p}`, { headers: { host: 'library.example.com:8081' } });

async function sitePaths(h: SimulatedHost): Promise<string> {
  return (await h.exec(APPCMD, ['list', 'site', 'library', '/config', '/xml'])).stdout;
}

describe('releases of the Local Library', () => {
  it('three releases in a row: each side by side, verified on staging, switched; rows and uploads survive updates, going back and uninstall', async () => {
    const h = serverWithLibrary();
    const c = localLibraryConfig({ keepReleases: 2 });
    const r1 = await run(c, h);
    expect(r1.outcome, JSON.stringify(r1.problems)).toBe('succeeded');
    expect(await sitePaths(h)).toContain('physicalPath="C:\\apps\\library\\releases\\1"');
    addBook(h, 'Dune');
    const upload = h.server.toReal('C:\\apps\\library\\shared\\media\\covers\\x.txt');
    writeFileSync(upload, 'an uploaded cover');
    expect((await page(h, '/catalog/')).body).toContain('The library has <strong>1</strong> books.');

    // Unchanged source: nothing to do.
    const same = await plan(c, h);
    expect(same.release?.mode).toBe('current');
    expect(same.steps.filter((s) => s.status !== 'done').map((s) => s.id)).toEqual([]);

    // Release 2: the plan says what it changes before anything happens.
    version2(h);
    const p2 = await plan(c, h);
    expect(p2.release).toMatchObject({ mode: 'update', target: { number: 2 }, live: { number: 1 }, packages: 'installed', newMigrations: ['catalog.0002_book_summary'] });
    expect(p2.release?.files).toMatchObject({ added: 1, changed: 5, removed: 0 });
    expect(p2.release?.requirements?.added).toEqual(['waitress>=1.4']);
    expect(p2.release?.notes[0]).toMatch(/release 2 \(.+\) will replace release 1/);
    const r2 = await run(c, h);
    expect(r2.outcome, JSON.stringify(r2.problems)).toBe('succeeded');
    expect(await sitePaths(h)).toContain('physicalPath="C:\\apps\\library\\releases\\2"');
    expect(await sitePaths(h)).toContain('path="/static" physicalPath="C:\\apps\\library\\releases\\2\\staticfiles"');
    const home2 = await page(h, '/catalog/');
    expect(home2.body).toContain('Our library holds <strong>1</strong> books.');
    expect((await page(h, '/catalog/about/')).body).toContain('release 2');
    expect((await page(h, '/media/covers/x.txt')).body).toBe('an uploaded cover');
    expect(h.server.appHostText()).not.toContain('library.staging');
    // The database was backed up with SQLite's backup API before the migration.
    expect(existsSync(h.server.toReal('C:\\apps\\library\\shared\\backups\\db.sqlite3.before-release-2'))).toBe(true);
    let reg = await readRegistry(h, 'library');
    expect(reg?.releases.map((x) => [x.number, x.state, x.verified])).toEqual([[1, 'previous', true], [2, 'live', true]]);
    expect(reg?.releases[1]?.venvDir).toBe('C:\\virtualenvs\\library-2');
    addBook(h, 'Emma');

    // Release 3: code only: the venv of release 2, nothing installed.
    editSource(h, 'catalog/templates/catalog/index.html', (t) => t.replace('Our library holds', 'This library holds'));
    const p3 = await plan(c, h);
    expect(p3.release).toMatchObject({ mode: 'update', target: { number: 3 }, packages: 'reused', files: { changed: 1, added: 0, removed: 0 } });
    expect(p3.steps.find((s) => s.id === 'packages')?.status).toBe('done');
    const r3 = await run(c, h);
    expect(r3.outcome, JSON.stringify(r3.problems)).toBe('succeeded');
    expect((await page(h, '/catalog/')).body).toContain('This library holds <strong>2</strong> books.');
    reg = await readRegistry(h, 'library');
    expect(reg?.releases.find((x) => x.number === 3)?.venvDir).toBe('C:\\virtualenvs\\library-2');
    // keepReleases 2: release 1 (neither live nor previous) is removed, with its FastCGI application.
    expect(existsSync(h.server.toReal('C:\\apps\\library\\releases\\1'))).toBe(false);
    expect(existsSync(h.server.toReal('C:\\apps\\library\\releases\\2'))).toBe(true);
    expect(h.server.appHostText()).not.toContain('django_iis_release=1 ');
    expect(h.server.appHostText()).toContain('django_iis_release=2 ');

    // Going back to release 2: one call, verified.
    const back = await plan(c, h, undefined, { kind: 'back' });
    expect(back.release).toMatchObject({ mode: 'go-back', target: { number: 2 }, live: { number: 3 } });
    const rb = await run(c, h, { target: { kind: 'back' } });
    expect(rb.outcome, JSON.stringify(rb.problems)).toBe('succeeded');
    expect((await page(h, '/catalog/')).body).toContain('Our library holds <strong>2</strong> books.');
    reg = await readRegistry(h, 'library');
    expect(reg?.releases.filter((x) => x.state === 'live').map((x) => x.number)).toEqual([2]);

    // Uninstall keeps the data and says where it is.
    const u = await uninstall(h, c.siteName);
    expect(u.problems).toEqual([]);
    expect(existsSync(h.server.toReal('C:\\apps\\library\\releases\\2'))).toBe(false);
    expect(existsSync(h.server.toReal('C:\\apps\\library\\shared\\db.sqlite3'))).toBe(true);
    expect(readFileSync(upload, 'utf8')).toBe('an uploaded cover');
    expect(u.kept.join('\n')).toContain('C:\\apps\\library\\shared');
    const rows = execFileSync('/usr/bin/python3', ['-c', 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from catalog_book").fetchone()[0])', h.server.toReal('C:\\apps\\library\\shared\\db.sqlite3')]).toString().trim();
    expect(rows).toBe('2');
  }, 600_000);
});
