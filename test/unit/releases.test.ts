/**
 * Releases (issue: the next version): the Local Library deployed, then given new versions on the
 * same server with the same configuration. Each release goes side by side into
 * C:\apps\library\releases\<n>, is verified on a staging site, and is switched to; the SQLite
 * database and the uploads live in C:\apps\library\shared and survive every update, going back
 * and uninstall. Rows are written through the real SQLite file between releases.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { plan, run, uninstall } from '../../src/main/engine/engine';
import { readRegistry } from '../../src/main/engine/release/registry';
import { localLibraryConfig } from './helpers';
import { addBook, cleanUp, editSource, page, serverWithLibrary, sitePaths, version2 } from './release-helpers';

afterAll(cleanUp);

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

describe('releases from the command line', () => {
  it('plan says what the release changes; releases lists the history; go-back puts the previous one live; uninstall asks naming the data it keeps or deletes', async () => {
    const { main } = await import('../../src/main/cli/cli');
    const { mkdtempSync } = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const h = serverWithLibrary();
    const dir = h.server.root;
    await h.dispose();
    const errs: string[] = [];
    const cfgDir = mkdtempSync(path.join(os.tmpdir(), 'releases-cfg-'));
    const cfg = path.join(cfgDir, 'deploy.json');
    writeFileSync(cfg, JSON.stringify({ ...(await import('./helpers')).localLibraryInput(), release: '1.0' }));
    const cli = async (args: string[], answer?: boolean) => {
      const out: string[] = [];
      const err: string[] = [];
      const asked: string[] = [];
      const code = await main([...args, '--config', cfg, '--simulate', dir], { out: (s) => out.push(s), err: (s) => err.push(s), ...(answer === undefined ? {} : { confirm: async (q: string) => (asked.push(q), answer) }) });
      return { code, out: out.join('\n'), err: err.join('\n'), asked: asked.join('\n') };
    };
    expect((await cli(['apply', '--yes'])).code).toBe(0);
    const { SimulatedHost } = await import('../../src/main/hosts/simulated/sim-host');
    const h2 = new SimulatedHost(dir);
    version2(h2);
    await h2.dispose();
    writeFileSync(cfg, JSON.stringify({ ...(await import('./helpers')).localLibraryInput(), release: '1.1' }));
    const p = await cli(['plan']);
    expect(p.out).toContain('release 2 (1.1,');
    expect(p.out).toContain('will replace release 1 (1.0)');
    expect(p.out).toContain('migrations that will run: catalog.0002_book_summary');
    expect(p.out).toContain('requirements: + waitress>=1.4');
    expect(p.out).toMatch(/files: 1 added, 5 changed, 0 removed \(/);
    expect((await cli(['apply', '--yes'])).code).toBe(0);
    const list = await cli(['releases']);
    expect(list.out).toMatch(/\*\s+2 {2}1\.1/);
    expect(list.out).toMatch(/ {4}1 {2}1\.0 .* previous/);
    const back = await cli(['go-back'], true);
    expect(back.code, back.err).toBe(0);
    expect(back.asked).toContain('Put release 1 (1.0) live again?');
    expect(back.out).toContain('release 2 applied migrations catalog.0002_book_summary');
    expect(back.out).toContain('go-back --restore-backup puts it back');
    expect((await cli(['releases', '--json'])).out).toContain('"state": "live"');
    // a siteName with no deployment: exit 2, naming the ones there are
    const other = path.join(cfgDir, 'other.json');
    writeFileSync(other, JSON.stringify({ siteName: 'nosuch' }));
    const none = await main(['uninstall', '--yes', '--config', other, '--simulate', dir], { out: () => undefined, err: (e) => void errs.push(e) });
    expect(none).toBe(2);
    expect(errs.join('\n')).toContain('There is no deployment "nosuch" on this server: nothing was removed. Deployed here by this tool: "library"');
    const keep = await cli(['uninstall'], false);
    expect(keep.asked).toContain("The application's data is kept: C:\\apps\\library\\shared");
    const del = await cli(['uninstall', '--delete-data'], false);
    expect(del.asked).toContain("DELETE THE APPLICATION'S DATA:\n  - C:\\apps\\library\\shared");
    expect(del.asked).toMatch(/shared \(.*backups.*db\.sqlite3.*logs.*media/);
    expect((await cli(['go-back', '--delete-data'])).code).toBe(2);
    // --delete-data --yes deletes what the prompt listed (database, media, backups, logs) and says so, from the disk
    const gone = await cli(['uninstall', '--delete-data', '--yes']);
    expect(gone.code, gone.err).toBe(0);
    expect(gone.out).toContain("Deleted the application's data: C:\\apps\\library\\shared.");
    expect(existsSync(path.join(dir, 'C', 'apps', 'library'))).toBe(false);
    (await import('node:fs')).rmSync(cfgDir, { recursive: true, force: true });
  }, 600_000);
});

describe('the PowerShell export of a project from a folder', () => {
  it('deploys release 1 and says plainly that it does not do the next release; its checks are of release 1', async () => {
    const { exportPowerShell } = await import('../../src/main/export/powershell');
    const script = await exportPowerShell(localLibraryConfig());
    expect(script).toContain('# Releases: this script deploys release 1 into C:\\apps\\library\\releases\\1');
    expect(script).toContain('would be deployed IN PLACE');
    expect(script).toContain("(Test-Path 'C:\\apps\\library\\releases\\1\\manage.py')");
    expect(script).not.toContain("(Test-Path 'C:\\apps\\library\\manage.py')");
  }, 120_000);
});

describe('a zip as GitHub downloads it', () => {
  it('one top folder holding manage.py is used from that folder; the next zip is compared by its content', async () => {
    const h = serverWithLibrary();
    const drop = h.server.toReal('C:\\drop');
    // GitHub's "Download ZIP": every file inside locallibrary-main/
    execFileSync('/usr/bin/python3', ['-c', `import shutil; shutil.make_archive('${drop}/locallibrary-main', 'zip', '${drop}', 'locallibrary')`]);
    execFileSync('/usr/bin/python3', ['-c', `import zipfile,sys\nsrc=zipfile.ZipFile(sys.argv[1]); dst=zipfile.ZipFile(sys.argv[2],'w')\nfor m in src.infolist():\n    dst.writestr(m.filename.replace('locallibrary/','locallibrary-main/',1), src.read(m))\ndst.close()`, `${drop}/locallibrary-main.zip`, `${drop}/gh.zip`]);
    // A zip is not read for its dependencies: the plan says so, and the requirements file handed over beside it is used.
    const bare = await plan(localLibraryConfig({ djangoProject: { zip: 'C:\\drop\\gh.zip' }, settingsModule: 'locallibrary.settings', requirementsFile: undefined }), h);
    expect(bare.project.notes.join('\n')).toContain('the zip C:\\drop\\gh.zip is not read for its dependencies');
    const c = localLibraryConfig({ djangoProject: { zip: 'C:\\drop\\gh.zip' }, settingsModule: 'locallibrary.settings' });
    const p = await plan(c, h);
    const copy = p.steps.find((s) => s.id === 'django-project');
    expect(copy?.actions.map((a) => a.description).join('\n')).toContain('from the top folder "locallibrary-main/" of C:\\drop\\gh.zip');
    const r = await run(c, h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    expect(existsSync(h.server.toReal('C:\\apps\\library\\releases\\1\\manage.py'))).toBe(true);
    expect((await plan(c, h)).release?.mode).toBe('current');
  }, 600_000);
});
