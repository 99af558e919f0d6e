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
import type { SimulatedHost } from '../../src/main/hosts/simulated/sim-host';
import { localLibraryConfig } from './helpers';
import { cleanUp, editSource, page, serverWithLibrary, version2 } from './release-helpers';

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

/** 8 clients loop over the home page (a redirect), the catalogue with its stylesheet, and a static file, until `work` ends. */
async function underLoad<T>(h: SimulatedHost, css1: string, work: () => Promise<T>): Promise<{ result: T; seen: Seen[] }> {
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
  const clients = Array.from({ length: 8 }, client);
  try {
    return { result: await work(), seen };
  } finally {
    stop = true;
    await Promise.all(clients);
  }
}

describe('releases under load', () => {
  it('an update (code, migration, requirement) and going back: 0 failed requests, every response from one release', async () => {
    const h = serverWithLibrary();
    const c = localLibraryConfig();
    expect((await run(c, h)).outcome).toBe('succeeded');
    const css1 = (await page(h, '/static/catalog/styles.css')).body;
    version2(h);
    editSource(h, 'catalog/static/catalog/styles.css', (t) => `${CSS_V2}${t}`);
    const up = await underLoad(h, css1, () => run(c, h));
    expect(up.result.outcome, JSON.stringify(up.result.problems)).toBe('succeeded');
    const failed = up.seen.filter((s) => s.problem);
    expect(failed.slice(0, 5), `${failed.length} of ${up.seen.length} failed`).toEqual([]);
    expect(up.seen.length).toBeGreaterThan(100);
    // the switch happened under load: both releases answered
    expect(new Set(up.seen.filter((s) => s.path === '/catalog/').map((s) => s.release))).toEqual(new Set([1, 2]));
    const back = await underLoad(h, css1, () => run(c, h, { target: { kind: 'back' } }));
    expect(back.result.outcome, JSON.stringify(back.result.problems)).toBe('succeeded');
    expect(back.seen.filter((s) => s.problem).slice(0, 5)).toEqual([]);
    expect(new Set(back.seen.filter((s) => s.path === '/catalog/').map((s) => s.release))).toEqual(new Set([1, 2]));
    expect((await page(h, '/catalog/')).body).toContain(V1);
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
