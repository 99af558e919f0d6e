/**
 * Migrations the live release survives (#33): before a release's migrations run while the live
 * release still serves, the tool asks the release's real Django (its venv, the live database) what
 * each unapplied operation does to the older code, and runs them only when every one is additive.
 * The Local Library on a simulated server; the columns are read back from the real SQLite file.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { plan, run, uninstall } from '../../src/main/engine/engine';
import { readRegistry } from '../../src/main/engine/release/registry';
import { localLibraryConfig } from './helpers';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { addBook, bookColumns, cleanUp, migration, page, serverWithLibrary, version2 } from './release-helpers';

afterAll(cleanUp);

const COVER = "    cover = models.FileField(upload_to='covers/', blank=True)";
const withField = (line: string) => (t: string) => t.replace(COVER, `${COVER}\n    ${line}`);

async function deployed(extra: Record<string, unknown> = {}) {
  const h = serverWithLibrary();
  const c = localLibraryConfig(extra);
  const r = await run(c, h);
  expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
  addBook(h, 'Dune');
  return { h, c };
}

const states = async (h: Awaited<ReturnType<typeof deployed>>['h']) => (await readRegistry(h, 'library'))?.releases.map((r) => [r.number, r.state]);

describe('each new migration is classified by Django before any runs', () => {
  it("a NOT NULL column with only a Python default breaks the live release's writes: the plan says so, apply refuses before anything changes, release 1 keeps serving and writing", async () => {
    const { h, c } = await deployed();
    migration(h, '0002_book_subtitle', withField("subtitle = models.CharField(max_length=200, default='')"), "        migrations.AddField(model_name='book', name='subtitle', field=models.CharField(max_length=200, default='')),");
    // The plan: the live release's Django read the source's migrations against the live database.
    const p = await plan(c, h);
    expect(p.release?.newMigrations).toEqual(['catalog.0002_book_subtitle']);
    expect(p.release?.migrations?.map((v) => [v.migration, v.verdict])).toEqual([['catalog.0002_book_subtitle', 'writes']]);
    const step = p.steps.find((s) => s.id === 'migrate');
    expect(step?.status).toBe('blocked');
    const m = step?.problem;
    expect(m?.what).toContain("catalog.0002_book_subtitle: breaks the older release's writes (AddField book.subtitle: NOT NULL without a database default (default= is Python-side only); the older release does not set it, so its inserts fail)");
    expect(m?.why).toContain('Nothing was changed: release 1 keeps serving');
    // Django 3.2 to 4.2 have no db_default: the advice is null=True now, NOT NULL later
    expect(m?.fix).toMatch(/Make the migration additive \(expand now, contract later\): make the new field null=True in this release \(Django \d+\.\d+\.\d+ has no db_default/);
    expect(m?.fix).toContain('"migrate": "manual"');
    const { formatRelease } = await import('../../src/main/cli/format');
    expect(formatRelease(p.release as NonNullable<typeof p.release>).join('\n')).toContain("what Django says each does to release 1 (the live one, serving while they run):\n      catalog.0002_book_subtitle: breaks the older release's writes");
    // reading the source wrote nothing into it (no __pycache__)
    expect(existsSync(h.server.toReal('C:\\drop\\locallibrary\\catalog\\migrations\\__pycache__'))).toBe(false);
    // apply: refused before the release is staged
    await expect(run(c, h)).rejects.toThrow(/Nothing was changed[\s\S]*would break release 1/);
    expect(bookColumns(h)).not.toContain('subtitle');
    expect(await states(h)).toEqual([[1, 'live']]);
    addBook(h, 'Emma');
    expect((await page(h, '/catalog/')).body).toContain('The library has <strong>2</strong> books.');
  }, 600_000);

  it('a zip source is read when staged: the update stops at migrate, none run, release 1 keeps serving', async () => {
    const h = serverWithLibrary();
    const zip = () => execFileSync('/usr/bin/python3', ['-c', 'import shutil,sys; shutil.make_archive(sys.argv[1], "zip", sys.argv[2])', h.server.toReal('C:\\drop\\ll'), h.server.toReal('C:\\drop\\locallibrary')]);
    zip();
    const c = localLibraryConfig({ djangoProject: { zip: 'C:\\drop\\ll.zip' }, settingsModule: 'locallibrary.settings' });
    expect((await run(c, h)).outcome).toBe('succeeded');
    migration(h, '0002_book_subtitle', withField("subtitle = models.CharField(max_length=200, default='')"), "        migrations.AddField(model_name='book', name='subtitle', field=models.CharField(max_length=200, default='')),");
    zip();
    expect((await plan(c, h)).release?.notes.join('\n')).toContain('migrations: Django reads them when the release is staged, before any runs');
    const r = await run(c, h);
    expect(r.outcome).toBe('failed');
    expect(r.states.migrate, JSON.stringify(r.problems.migrate)).toBe('failed');
    expect(r.problems.migrate?.what).toContain("catalog.0002_book_subtitle: breaks the older release's writes");
    expect(r.problems.migrate?.why).toContain('None was run; release 1 keeps serving and release 2 stays staged.');
    expect(r.states['release-switch']).toBe('skipped');
    expect(bookColumns(h)).not.toContain('subtitle');
    expect(await states(h)).toEqual([[1, 'live'], [2, 'staged']]);
  }, 600_000);

  it('the same column nullable is additive: it runs, the switch happens, and going back says Django found it additive', async () => {
    const { h, c } = await deployed();
    migration(h, '0002_book_subtitle', withField('subtitle = models.CharField(max_length=200, null=True, blank=True)'), "        migrations.AddField(model_name='book', name='subtitle', field=models.CharField(max_length=200, null=True, blank=True)),");
    const r = await run(c, h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    expect(bookColumns(h)).toContain('subtitle');
    const reg = await readRegistry(h, 'library');
    expect(reg?.releases[1]?.migrationVerdicts).toEqual([{ migration: 'catalog.0002_book_subtitle', verdict: 'additive', reversible: true, operations: [{ verdict: 'additive', reason: 'AddField book.subtitle: nullable' }] }]);
    const back = await plan(c, h, undefined, { kind: 'back' });
    expect(back.release?.notes.join('\n')).toContain('release 2 applied migrations catalog.0002_book_subtitle; release 1 runs with them in place: Django found them additive, so it reads and writes as before');
    addBook(h, 'Emma');
    expect((await page(h, '/catalog/')).body).toContain('<strong>2</strong> books');
    // going back, then forward again: the migration is applied, so none is said to run, and none runs
    expect((await run(c, h, { target: { kind: 'back' } })).outcome).toBe('succeeded');
    const again = await plan(c, h);
    expect(again.release).toMatchObject({ mode: 'update', target: { number: 2 }, live: { number: 1 } });
    expect(again.release?.newMigrations).toEqual([]);
    expect((await run(c, h)).outcome).toBe('succeeded');
  }, 600_000);

  it('a removed column breaks its reads, a data migration is unknown, a new unique constraint breaks writes: each named with its reason, none run', async () => {
    const { h, c } = await deployed();
    migration(
      h,
      '0002_changes',
      (t) => t.replace("    author = models.CharField(max_length=100)\n", '').replace('    title = models.CharField(max_length=200)', '    title = models.CharField(max_length=200, unique=True)'),
      [
        "        migrations.RemoveField(model_name='book', name='author'),",
        "        migrations.AlterField(model_name='book', name='title', field=models.CharField(max_length=200, unique=True)),",
        '        migrations.RunPython(migrations.RunPython.noop),',
      ].join('\n'),
    );
    const p = await plan(c, h);
    const problem = p.steps.find((x) => x.id === 'migrate')?.problem;
    const what = problem?.what ?? '';
    expect(what).toContain("catalog.0002_changes: breaks the older release's reads (RemoveField book.author: the older release still selects the column; AlterField book.title: becomes unique; RunPython: Django cannot tell what it changes)");
    expect(p.release?.migrations?.[0]?.operations.map((o) => o.verdict)).toEqual(['reads', 'writes', 'unknown']);
    expect(problem?.fix).toContain('keep the old column or table in this release');
    await expect(run(c, h)).rejects.toThrow(/would break release 1/);
    expect(bookColumns(h)).toContain('author');
    expect(await states(h)).toEqual([[1, 'live']]);
  }, 600_000);

  it('"migrate": "manual" names what Django says of each, and runs none', async () => {
    const { h, c } = await deployed({ migrate: 'manual' });
    migration(h, '0002_book_subtitle', withField("subtitle = models.CharField(max_length=200, default='')"), "        migrations.AddField(model_name='book', name='subtitle', field=models.CharField(max_length=200, default='')),");
    const r = await run(c, h);
    expect(r.states.migrate, JSON.stringify(r.problems.migrate)).toBe('failed');
    expect(r.problems.migrate?.what).toContain("needs migrations the configuration leaves to the team: catalog.0002_book_subtitle (catalog.0002_book_subtitle: breaks the older release's writes");
    expect(bookColumns(h)).not.toContain('subtitle');
  }, 600_000);
});

describe('go-back --restore-backup says what it loses and keeps the database it replaces', () => {
  it("the backup's own time, the rows written since by table; the current database copied to the backups first", async () => {
    const { h, c } = await deployed();
    version2(h);
    expect((await run(c, h)).outcome).toBe('succeeded');
    addBook(h, 'Emma');
    addBook(h, 'Ulysses');
    const p = await plan(c, h, undefined, { kind: 'back', restoreBackup: true });
    const notes = p.release?.notes.join('\n') ?? '';
    expect(notes).toMatch(/the database backup taken before them is C:\\apps\\library\\shared\\backups\\db\.sqlite3\.before-release-2 \(taken \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\): it WILL be restored/);
    const restore = p.steps.flatMap((s) => s.actions.map((a) => a.description)).find((d) => d.startsWith('Restore the database'));
    expect(restore).toContain('lost are the rows written since it was taken (by count: catalog_book +2;');
    const r = await run(c, h, { target: { kind: 'back', restoreBackup: true } });
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    expect((await page(h, '/catalog/')).body).toContain('The library has <strong>1</strong> books.');
    const kept = readdirSync(h.server.toReal('C:\\apps\\library\\shared\\backups')).filter((f) => f.startsWith('db.sqlite3.before-restore-'));
    expect(kept).toHaveLength(1);
    // the copy holds the three books the restore took out of the live file
    const rows = execFileSync('/usr/bin/python3', ['-c', 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from catalog_book").fetchone()[0])', h.server.toReal(`C:\\apps\\library\\shared\\backups\\${kept[0] ?? ''}`)]).toString().trim();
    expect(rows).toBe('3');
  }, 600_000);
});

describe('what the tool trusts on the server: the live folder and kept data (#33 item 6)', () => {
  it('a live release folder edited by hand is drift: the plan names the files, apply makes a new release from the source; unedited, no drift is seen', async () => {
    const { h, c } = await deployed();
    // deployed and untouched (the settings file holds the tool's block): the plan is all done
    const calm = await plan(c, h);
    expect(calm.release?.mode).toBe('current');
    expect(calm.release?.drift).toBeUndefined();
    // someone copies a new views.py over the live folder and adds a file
    const live = 'C:\\apps\\library\\releases\\1';
    await h.writeFile(`${live}\\catalog\\views.py`, `${await h.readFile(`${live}\\catalog\\views.py`)}\n# hot fix copied over the live folder\n`);
    await h.writeFile(`${live}\\catalog\\hotfix.py`, 'X = 1\n');
    const p = await plan(c, h);
    expect(p.release).toMatchObject({ mode: 'update', target: { number: 2 }, live: { number: 1 }, drift: ['catalog/views.py', 'catalog/hotfix.py (added)'] });
    expect(p.release?.notes.join('\n')).toContain("release 1's folder C:\\apps\\library\\releases\\1 was changed on the server since it was deployed (2 files: catalog/views.py, catalog/hotfix.py (added)): release 2 is made from the source instead of trusting that folder, which is kept as it is");
    const r = await run(c, h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    expect(await states(h)).toEqual([[1, 'previous'], [2, 'live']]);
    expect(await h.readFile('C:\\apps\\library\\releases\\2\\catalog\\views.py')).not.toContain('hot fix');
    expect(await h.exists('C:\\apps\\library\\releases\\2\\catalog\\hotfix.py')).toBe(false);
    expect(await h.readFile(`${live}\\catalog\\views.py`)).toContain('hot fix');
    expect((await plan(c, h)).release?.mode).toBe('current');
  }, 600_000);

  it('a redeploy onto kept data says the database is reused and that the source\'s own is not', async () => {
    const { h, c } = await deployed();
    expect((await uninstall(h, c.siteName)).problems).toEqual([]);
    expect(await h.exists('C:\\apps\\library\\shared\\db.sqlite3')).toBe(true);
    // the kept root counts as this deployment's only while it holds nothing but its shared folder
    await h.writeFile('C:\\apps\\library\\notes.txt', 'someone else\'s file\n');
    expect((await plan(c, h)).conflicts.map((x) => x.what).join('\n')).toContain('The folder C:\\apps\\library (2 items: notes.txt, shared) already exists');
    await h.remove('C:\\apps\\library\\notes.txt');
    const p = await plan(c, h);
    expect(p.conflicts).toEqual([]);
    expect(p.release?.mode).toBe('first');
    expect(p.release?.notes.join('\n')).toMatch(/the shared folder C:\\apps\\library\\shared is there from an earlier deployment \([^)]*db\.sqlite3[^)]*\): its database and media are used as they are/);
    const r = await run(c, h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    // the book written before the uninstall is still served
    expect((await page(h, '/catalog/')).body).toContain('The library has <strong>1</strong> books.');
    const again = await plan(c, h);
    expect(again.steps.find((s) => s.id === 'release-data')?.reason).toContain("the source's own db.sqlite3 is not used (the shared C:\\apps\\library\\shared\\db.sqlite3 is)");
  }, 600_000);
});

describe('going back after migrations that break the older release (#33 item 3)', () => {
  it('a plain go-back is refused with the choices; --reverse-migrations runs Django\'s own reversal in a 503 window after a fresh backup, and release 1 writes again', async () => {
    const { h, c } = await deployed({ migrate: 'maintenance' });
    migration(h, '0002_book_subtitle', withField("subtitle = models.CharField(max_length=200, default='')"), "        migrations.AddField(model_name='book', name='subtitle', field=models.CharField(max_length=200, default='')),");
    expect((await run(c, h)).outcome).toBe('succeeded');
    expect(bookColumns(h)).toContain('subtitle');
    const refused = run(c, h, { target: { kind: 'back' } });
    await expect(refused).rejects.toThrow(/Going back to release 1 with release 2's migrations in place breaks it: catalog\.0002_book_subtitle: breaks the older release's writes/);
    await expect(run(c, h, { target: { kind: 'back' } })).rejects.toThrow(/go-back --reverse-migrations: Django's own migrate reverses them after a fresh backup, in a maintenance window \(drops the values of book\.subtitle\); or go-back --restore-backup: [^;]+; or go-back --keep-migrations/);
    await expect(run(c, h, { target: { kind: 'back', reverseMigrations: true, restoreBackup: true } })).rejects.toThrow(/not --restore-backup and --reverse-migrations/);
    expect(await states(h)).toEqual([[1, 'previous'], [2, 'live']]);
    const p = await plan(c, h, undefined, { kind: 'back', reverseMigrations: true });
    expect(p.release?.notes.join('\n')).toContain("--reverse-migrations: release 2's migrations catalog.0002_book_subtitle are reversed with Django's own migrate <app> <the migration before them>, run by release 2's code in a maintenance window");
    expect(p.release?.notes.join('\n')).toContain('dropped are the values of book.subtitle');
    const r = await run(c, h, { target: { kind: 'back', reverseMigrations: true } });
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    expect(bookColumns(h)).not.toContain('subtitle');
    expect(await states(h)).toEqual([[1, 'live'], [2, 'previous']]);
    const reg = await readRegistry(h, 'library');
    expect(reg?.releases[0]?.maintenance).toMatchObject({ outcome: 'switched' });
    expect(readdirSync(h.server.toReal('C:\\apps\\library\\shared\\backups')).some((f) => f.startsWith('db.sqlite3.before-reverse-'))).toBe(true);
    // release 1 writes again, and Django records the migration as unapplied
    addBook(h, 'Emma');
    expect((await page(h, '/catalog/')).body).toContain('The library has <strong>2</strong> books.');
    const again = await plan(c, h);
    expect(again.release?.newMigrations).toEqual(['catalog.0002_book_subtitle']);
  }, 600_000);

  it('--reverse-migrations is refused when a migration cannot be reversed', async () => {
    const { h, c } = await deployed({ migrate: 'maintenance' });
    migration(h, '0002_fill', (t) => t, '        migrations.RunPython(lambda apps, schema_editor: None),');
    expect((await run(c, h)).outcome).toBe('succeeded');
    await expect(run(c, h, { target: { kind: 'back', reverseMigrations: true } })).rejects.toThrow(/Release 2's migrations cannot all be reversed by Django: catalog\.0002_fill/);
    expect(await states(h)).toEqual([[1, 'previous'], [2, 'live']]);
  }, 600_000);
});
