/**
 * "migrate": "maintenance" (#33 item 2): a migration that breaks the live release runs in a window
 * where the site answers 503 (Retry-After, a page) and static files keep serving; the window ends
 * with the switch, and its measured length is in the history. A migration that fails in the window
 * puts the database back and the live release serves again. The Local Library on a simulated
 * server: the 503 is the tool's real WSGI module run by the simulated wfastcgi.
 */
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { plan, run } from '../../src/main/engine/engine';
import { readRegistry } from '../../src/main/engine/release/registry';
import { parseConfig } from '../../src/shared/config';
import type { SimulatedHost } from '../../src/main/hosts/simulated/sim-host';
import { APPCMD, localLibraryConfig, localLibraryInput } from './helpers';
import { addBook, bookColumns, cleanUp, editSource, migration, page, serverWithLibrary } from './release-helpers';

afterAll(cleanUp);

const COVER = "    cover = models.FileField(upload_to='covers/', blank=True)";
const NOT_NULL = ["subtitle = models.CharField(max_length=200, default='')", "        migrations.AddField(model_name='book', name='subtitle', field=models.CharField(max_length=200, default='')),"] as const;

async function deployed() {
  const h = serverWithLibrary();
  const c = localLibraryConfig({ migrate: 'maintenance' });
  const r = await run(c, h);
  expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
  addBook(h, 'Dune');
  return { h, c };
}

interface Answer {
  sent: number;
  at: number;
  path: string;
  status: number;
  retryAfter?: string;
  body: string;
}

/** Two clients ask for the catalogue and a static file until `work` ends. */
async function watched<T>(h: SimulatedHost, work: () => Promise<T>): Promise<{ result: T; seen: Answer[] }> {
  let stop = false;
  const seen: Answer[] = [];
  const client = async () => {
    while (!stop) {
      for (const p of ['/catalog/', '/static/catalog/styles.css']) {
        const sent = Date.now();
        const r = await page(h, p);
        seen.push({ sent, at: Date.now(), path: p, status: r.status, ...(r.headers['retry-after'] ? { retryAfter: String(r.headers['retry-after']) } : {}), body: r.body });
      }
    }
  };
  const clients = [client(), client()];
  try {
    return { result: await work(), seen };
  } finally {
    stop = true;
    await Promise.all(clients);
  }
}

describe('"migrate": "maintenance"', () => {
  it('is refused with the reason in the httpplatform mode', () => {
    const p = parseConfig({ ...localLibraryInput(), migrate: 'maintenance', server: 'httpplatform' });
    expect(p.ok).toBe(false);
    expect(p.ok ? [] : p.problems.map((x) => x.message)).toContain('"migrate": "maintenance" needs "server": "wfastcgi" (the 503 window is a FastCGI application of the tool\'s own); with "httpplatform" use "manual" and run the migrations in a window of your own.');
  });

  it('a NOT NULL column: 503 with Retry-After only inside the window, static files served throughout, the window measured; then release 2 writes', async () => {
    const { h, c } = await deployed();
    migration(h, '0002_book_subtitle', (t) => t.replace(COVER, `${COVER}\n    ${NOT_NULL[0]}`), NOT_NULL[1]);
    editSource(h, 'catalog/templates/catalog/index.html', (t) => t.replace('The library has', 'Our library holds'));
    const p = await plan(c, h);
    const step = p.steps.find((s) => s.id === 'migrate');
    expect(step?.status, JSON.stringify(step?.problem)).toBe('needed');
    expect(step?.reason).toContain('"migrate": "maintenance", so the site will answer 503 from just before they run until release 2 serves');
    const { result, seen } = await watched(h, () => run(c, h));
    expect(result.outcome, JSON.stringify(result.problems)).toBe('succeeded');
    const reg = await readRegistry(h, 'library');
    const w = reg?.releases.find((x) => x.number === 2)?.maintenance;
    expect(w).toMatchObject({ retryAfter: 30, outcome: 'switched' });
    expect(w?.seconds).toBeGreaterThan(0);
    const since = Date.parse(w?.since ?? '');
    const until = Date.parse(w?.until ?? '');
    const down = seen.filter((s) => s.status === 503);
    expect(down.length, 'the clients met the window').toBeGreaterThan(0);
    for (const s of down) {
      expect(s.path).toBe('/catalog/');
      expect(s.retryAfter).toBe('30');
      expect(s.body).toContain('library is being updated (release 2)');
      // inside the window: answered after it opened, asked before it ended (the clock of one machine)
      expect(s.at).toBeGreaterThanOrEqual(since);
      expect(s.sent).toBeLessThanOrEqual(until);
    }
    // everything else answered: the old release before, the new one after, static files throughout
    expect(seen.filter((s) => s.status !== 200 && s.status !== 503)).toEqual([]);
    expect(seen.filter((s) => s.path !== '/catalog/').every((s) => s.status === 200)).toBe(true);
    const cat = seen.filter((s) => s.path === '/catalog/' && s.status === 200);
    expect(cat.filter((s) => s.at < since).every((s) => s.body.includes('The library has'))).toBe(true);
    expect(cat.filter((s) => s.sent > until).every((s) => s.body.includes('Our library holds'))).toBe(true);
    // the window's application is gone after the switch (leftovers), and release 2 writes
    expect((await h.exec(APPCMD, ['list', 'config', '-section:system.webServer/fastCgi', '/xml'])).stdout).not.toContain('django_iis_maintenance');
    expect(await h.exists('C:\\apps\\library\\releases\\maintenance')).toBe(false);
    expect(bookColumns(h)).toContain('subtitle');
    addBook(h, 'Emma');
    expect((await page(h, '/catalog/')).body).toContain('Our library holds <strong>2</strong> books.');
    // a second run has nothing to do
    expect((await plan(c, h)).steps.filter((s) => s.status === 'needed').map((s) => s.id)).toEqual([]);
    // the command line's history says the window's measured length
    await h.dispose();
    const cfg = path.join(h.server.root, '..', `${path.basename(h.server.root)}-deploy.json`);
    writeFileSync(cfg, JSON.stringify(localLibraryInput({ migrate: 'maintenance' })));
    const out: string[] = [];
    const { main } = await import('../../src/main/cli/cli');
    expect(await main(['releases', '--config', cfg, '--simulate', h.server.root], { out: (x) => out.push(x), err: (x) => out.push(x) })).toBe(0);
    rmSync(cfg);
    expect(out.join('\n')).toMatch(/\* {3}2 .* live; maintenance window \d+\.\d s \(503, Retry-After 30\), ended by the switch/);
  }, 600_000);

  it("the project's own static 503.html is the page; a migration that fails in the window puts the database back and release 1 serves again", async () => {
    const { h, c } = await deployed();
    editSource(h, 'templates/503.html', () => '<html><body><h1>The Local Library is closed for a moment</h1></body></html>\n');
    // 0002 commits the column; 0003 fails: without the restore the column would stay
    migration(h, '0002_book_subtitle', (t) => t.replace(COVER, `${COVER}\n    ${NOT_NULL[0]}`), NOT_NULL[1]);
    migration(h, '0003_broken', (t) => t, "        migrations.RunSQL('insert into no_such_table values (1)'),", '0002_book_subtitle');
    const { result, seen } = await watched(h, () => run(c, h));
    expect(result.outcome).toBe('failed');
    expect(result.problems.migrate?.what).toContain('Switched back by itself');
    const down = seen.filter((s) => s.status === 503);
    expect(down.length, 'the clients met the window').toBeGreaterThan(0);
    for (const s of down) expect(s.body).toContain('The Local Library is closed for a moment');
    expect(`${result.problems.migrate?.why ?? ''}${result.problems.migrate?.output ?? ''}`).toContain('no such table: no_such_table');
    const reg = await readRegistry(h, 'library');
    const r2 = reg?.releases.find((x) => x.number === 2);
    expect(r2).toMatchObject({ state: 'failed', maintenance: { outcome: 'back' } });
    expect(r2?.failure).toContain('the database was put back from C:\\apps\\library\\shared\\backups\\db.sqlite3.before-release-2');
    // the schema and the rows as before the window; release 1 serves and writes
    expect(bookColumns(h)).not.toContain('subtitle');
    addBook(h, 'Emma');
    const after = await page(h, '/catalog/');
    expect(after.status).toBe(200);
    expect(after.body).toContain('The library has <strong>2</strong> books.');
  }, 600_000);
});
