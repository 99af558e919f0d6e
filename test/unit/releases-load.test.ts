/**
 * Releases under load (issue: the next version): 8 clients loop over "/", the database page and a
 * static file while the update runs (a code change, a new migration, a changed requirement) and
 * while it goes back. Not one response may fail or be a 5xx, each must come from the old or the
 * new release, and the stylesheet a page names must be served, from that page's own release.
 * The same load on a naive update (the new files copied over the live folder) fails requests:
 * the simulator ends the wfastcgi process when a .py file changes, as wfastcgi's watcher does.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/main/engine/engine';
import { readRegistry } from '../../src/main/engine/release/registry';
import type { SimulatedHost } from '../../src/main/hosts/simulated/sim-host';
import { localLibraryConfig } from './helpers';
import { AdminWriter, addAdmin, booksTitled, cleanUp, editSource, migration, page, serverWithLibrary, version2, type Write } from './release-helpers';

afterAll(cleanUp);

const V1 = 'The library has';
const V2 = 'Our library holds';
const CSS_V2 = '/* release 2 */\n';

interface Seen {
  path: string;
  status: number;
  release?: 1 | 2;
  problem?: string;
}

/** 8 clients loop over the home page (a redirect), the catalogue with its stylesheet, and a static file, until `work` ends; the writers add books through the admin meanwhile. */
async function underLoad<T>(h: SimulatedHost, css1: string, work: () => Promise<T>, writers: AdminWriter[] = []): Promise<{ result: T; seen: Seen[] }> {
  let stop = false;
  const seen: Seen[] = [];
  const cssRelease = (body: string): 1 | 2 | undefined => (body.startsWith(CSS_V2) ? 2 : body === css1 ? 1 : undefined);
  const client = async () => {
    while (!stop) {
      const home = await page(h, '/');
      seen.push({ path: '/', status: home.status, ...(home.status === 302 ? {} : { problem: `HTTP ${home.status}: ${/<h4>([^<]+)<\/h4>/.exec(home.body)?.[1] ?? home.body.slice(0, 300)}` }) });
      const cat = await page(h, '/catalog/');
      const release = cat.body.includes(V2) ? 2 : cat.body.includes(V1) ? 1 : undefined;
      seen.push({ path: '/catalog/', status: cat.status, ...(release ? { release } : {}), ...(cat.status === 200 && release ? {} : { problem: `HTTP ${cat.status}: ${/<h4>([^<]+)<\/h4>/.exec(cat.body)?.[1] ?? cat.body.slice(0, 300)}` }) });
      // the page's own stylesheet (whitenoise's hashed name), asked right after it, as a browser does
      const href = /href="([^"]+styles[^"]*\.css)"/.exec(cat.body)?.[1];
      if (href) {
        const css = await page(h, href);
        const cr = cssRelease(css.body);
        seen.push({ path: href, status: css.status, ...(cr ? { release: cr } : {}), ...(css.status === 200 && cr === release ? {} : { problem: `the page of release ${release ?? '?'} names ${href}: HTTP ${css.status}, release ${cr ?? '?'}` }) });
      }
      const plain = await page(h, '/static/catalog/styles.css');
      const pr = cssRelease(plain.body);
      seen.push({ path: 'styles.css', status: plain.status, ...(pr ? { release: pr } : {}), ...(plain.status === 200 && pr ? {} : { problem: `HTTP ${plain.status}` }) });
    }
  };
  const writer = async (w: AdminWriter) => {
    for (let n = w.writes.length; !stop; n++) await w.addBook(n);
  };
  const clients = [...Array.from({ length: 8 }, client), ...writers.map(writer)];
  try {
    return { result: await work(), seen };
  } finally {
    stop = true;
    await Promise.all(clients);
  }
}

/** Two people signed in to the admin. */
async function signedIn(h: SimulatedHost): Promise<AdminWriter[]> {
  const login = addAdmin(h);
  const ws = [new AdminWriter(h, 'alice', login), new AdminWriter(h, 'bob', login)];
  for (const w of ws) await w.signIn();
  return ws;
}

const outcomes = (ws: AdminWriter[], since = 0) => {
  const all: Write[] = ws.flatMap((w) => w.writes).filter((w) => w.at >= since);
  return { all, written: all.filter((w) => w.outcome === 'written'), refused: all.filter((w) => w.outcome === 'refused'), failed: all.filter((w) => w.outcome === 'failed') };
};

/** Every write a 302 confirmed is in the database, and none other of the writers'. */
function allKept(h: SimulatedHost, ws: AdminWriter[]): void {
  for (const w of ws) expect(booksTitled(h, `${(w.writes[0]?.title ?? '').split('-')[0] ?? ''}-`).sort()).toEqual(w.writes.filter((x) => x.outcome === 'written').map((x) => x.title).sort());
}

describe('releases under load', () => {
  it('an additive update (code, nullable column, requirement) and going back under readers and admin writers: 0 failed requests, 0 lost writes, every response from one release', async () => {
    const h = serverWithLibrary();
    const c = localLibraryConfig();
    expect((await run(c, h)).outcome).toBe('succeeded');
    const css1 = (await page(h, '/static/catalog/styles.css')).body;
    const writers = await signedIn(h);
    version2(h);
    editSource(h, 'catalog/static/catalog/styles.css', (t) => `${CSS_V2}${t}`);
    const up = await underLoad(h, css1, () => run(c, h), writers);
    expect(up.result.outcome, JSON.stringify(up.result.problems)).toBe('succeeded');
    const failed = up.seen.filter((s) => s.problem);
    expect(failed.slice(0, 5), `${failed.length} of ${up.seen.length} failed`).toEqual([]);
    expect(up.seen.length).toBeGreaterThan(100);
    // the switch happened under load: both releases answered
    expect(new Set(up.seen.filter((s) => s.path === '/catalog/').map((s) => s.release))).toEqual(new Set([1, 2]));
    const w1 = outcomes(writers);
    expect(w1.failed.slice(0, 3), `${w1.failed.length} of ${w1.all.length} writes failed`).toEqual([]);
    expect(w1.refused).toEqual([]);
    expect(w1.written.length).toBeGreaterThan(10);
    const back = await underLoad(h, css1, () => run(c, h, { target: { kind: 'back' } }), writers);
    expect(back.result.outcome, JSON.stringify(back.result.problems)).toBe('succeeded');
    expect(back.seen.filter((s) => s.problem).slice(0, 5)).toEqual([]);
    expect(new Set(back.seen.filter((s) => s.path === '/catalog/').map((s) => s.release))).toEqual(new Set([1, 2]));
    expect((await page(h, '/catalog/')).body).toContain(V1);
    const w2 = outcomes(writers);
    expect(w2.failed.slice(0, 3), `${w2.failed.length} of ${w2.all.length} writes failed`).toEqual([]);
    allKept(h, writers);
  }, 600_000);

  it('a NOT NULL column under writers: with "maintenance" the writes are refused with 503 only inside the window and none is lost; going back to release 1 then loses every write (the failure the verdict names)', async () => {
    const h = serverWithLibrary();
    const c = localLibraryConfig({ migrate: 'maintenance' });
    expect((await run(c, h)).outcome).toBe('succeeded');
    const css1 = (await page(h, '/static/catalog/styles.css')).body;
    const writers = await signedIn(h);
    const cover = "    cover = models.FileField(upload_to='covers/', blank=True)";
    migration(h, '0002_book_subtitle', (t) => t.replace(cover, `${cover}\n    subtitle = models.CharField(max_length=200, default='')`), "        migrations.AddField(model_name='book', name='subtitle', field=models.CharField(max_length=200, default='')),");
    const up = await underLoad(h, css1, () => run(c, h), writers);
    expect(up.result.outcome, JSON.stringify(up.result.problems)).toBe('succeeded');
    const win = (await readRegistry(h, 'library'))?.releases.find((r) => r.number === 2)?.maintenance;
    const [since, until] = [Date.parse(win?.since ?? ''), Date.parse(win?.until ?? '')];
    const w1 = outcomes(writers);
    expect(w1.failed.slice(0, 3), `${w1.failed.length} of ${w1.all.length} writes failed`).toEqual([]);
    expect(w1.refused.length, 'writes met the window').toBeGreaterThan(0);
    // refused only inside the window: answered after it opened, asked before it ended (an answer in flight at the switch comes just after)
    for (const r of w1.refused) expect([r.at >= since, r.sent <= until, r.detail]).toEqual([true, true, `Retry-After: ${win?.retryAfter ?? ''}`]);
    expect(w1.written.filter((w) => w.sent > until).length, 'release 2 takes writes after the window').toBeGreaterThan(0);
    allKept(h, writers);
    // readers: Django's pages answered 503 in the window, static files throughout
    expect(up.seen.filter((s) => s.problem && !(['/', '/catalog/'].includes(s.path) && s.status === 503)).slice(0, 3)).toEqual([]);
    expect(up.seen.filter((s) => s.status === 503).length).toBeGreaterThan(0);
    // going back to release 1 on the new schema: the tool said it breaks its writes, and it does
    const t = Date.now();
    // the plain go-back is refused, naming the choices; --keep-migrations is the one that loses writes
    await expect(run(c, h, { target: { kind: 'back' } })).rejects.toThrow(/--reverse-migrations[\s\S]*--keep-migrations/);
    const back = await underLoad(h, css1, () => run(c, h, { target: { kind: 'back', keepMigrations: true } }), writers);
    expect(back.result.outcome).toBe('succeeded');
    expect(outcomes(writers, t).failed.length, 'writes lost while going back').toBeGreaterThan(0);
    const after = await (writers[0] as AdminWriter).addBook(10_000);
    expect([after.outcome, after.status]).toEqual(['failed', 500]);
    // DEBUG is off: Django's plain 500 page; the row is not there (release 1's insert lacks the NOT NULL column)
    expect(after.detail).toBe('Server Error (500)');
    expect(booksTitled(h, 'alice-10000')).toEqual([]);
  }, 600_000);

  it('the naive update, new files copied over the live folder, fails requests in flight (wfastcgi restarts on a .py change)', async () => {
    const h = serverWithLibrary();
    const c = localLibraryConfig();
    expect((await run(c, h)).outcome).toBe('succeeded');
    const css1 = (await page(h, '/static/catalog/styles.css')).body;
    const live = 'C:\\apps\\library\\releases\\1';
    const copyOver = async () => {
      // what a person does with Explorer: the changed files, one after the other, into the live folder
      for (let i = 0; i < 10; i++) {
        await new Promise((r) => setTimeout(r, 150));
        await h.writeFile(`${live}\\catalog\\views.py`, `${await h.readFile(`${live}\\catalog\\views.py`)}\n# edit ${i}\n`);
      }
    };
    const naive = await underLoad(h, css1, copyOver);
    const failed = naive.seen.filter((s) => s.problem);
    expect(failed.length, `${failed.length} of ${naive.seen.length} requests failed`).toBeGreaterThan(0);
    expect(failed.some((f) => /FastCGI process exited/.test(f.problem ?? ''))).toBe(true);
  }, 600_000);
});
