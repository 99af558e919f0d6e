/**
 * Releases that go wrong (issue: the next version): a release that fails on the staging site
 * never takes traffic; a release that fails after the switch goes back by itself; an update
 * killed half-way leaves the live release serving and runs again; "migrate": "manual" stops a
 * release with migrations before the switch.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { plan, run } from '../../src/main/engine/engine';
import { readRegistry } from '../../src/main/engine/release/registry';
import type { DeploymentConfig } from '../../src/shared/config';
import { localLibraryConfig } from './helpers';
import { cleanUp, editSource, page, serverWithLibrary, sitePaths, version2 } from './release-helpers';
import type { SimulatedHost } from '../../src/main/hosts/simulated/sim-host';

afterAll(cleanUp);

async function deployed(extra: Record<string, unknown> = {}): Promise<{ h: SimulatedHost; c: DeploymentConfig }> {
  const h = serverWithLibrary();
  const c = localLibraryConfig(extra);
  const r = await run(c, h);
  expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
  return { h, c };
}

const liveNumber = async (h: SimulatedHost) => (await readRegistry(h, 'library'))?.releases.find((r) => r.state === 'live')?.number;

describe('releases that fail', () => {
  it('a release that fails on the staging site never takes traffic; the fixed one does', async () => {
    const { h, c } = await deployed();
    // A template error shows only when the page renders (migrate's checks pass).
    editSource(h, 'catalog/templates/catalog/index.html', (t) => t.replace('<ul>', "<a href=\"{% url 'no-such-page' %}\">x</a><ul>"));
    const r = await run(c, h);
    expect(r.outcome).toBe('failed');
    expect(r.states['release-staging'], JSON.stringify(r.problems)).toBe('failed');
    expect(r.problems['release-staging']?.what).toMatch(/staging site: \d+ of \d+ checks failed/);
    expect(r.states['release-switch']).toBe('skipped');
    expect(await sitePaths(h)).toContain('physicalPath="C:\\apps\\library\\releases\\1"');
    expect((await page(h, '/catalog/')).body).toContain('The library has');
    expect(h.server.appHostText()).not.toContain('library.staging');
    const reg = await readRegistry(h, 'library');
    expect(reg?.releases.find((x) => x.number === 2)).toMatchObject({ state: 'failed' });
    expect(await liveNumber(h)).toBe(1);
    editSource(h, 'catalog/templates/catalog/index.html', (t) => t.replace("<a href=\"{% url 'no-such-page' %}\">x</a>", '').replace('The library has', 'The library now has'));
    const fixed = await run(c, h);
    expect(fixed.outcome, JSON.stringify(fixed.problems)).toBe('succeeded');
    expect(await liveNumber(h)).toBe(3);
  }, 600_000);

  it('a release that fails after the switch (only the production port breaks it) is switched back at once and says so', async () => {
    const { h, c } = await deployed();
    editSource(h, 'catalog/views.py', (t) => t.replace('def index(request):', "def index(request):\n    if request.META.get('SERVER_PORT') == '8081':\n        raise RuntimeError('only production breaks')"));
    const r = await run(c, h);
    expect(r.outcome).toBe('failed');
    expect(r.states['release-staging']).toBe('done');
    expect(r.states['release-switch']).toBe('failed');
    expect(r.problems['release-switch']?.what).toContain('switched back by itself');
    expect(await sitePaths(h)).toContain('physicalPath="C:\\apps\\library\\releases\\1"');
    expect(h.server.appHostText()).toMatch(/scriptProcessor="[^"]*django_iis_release=1 /);
    expect((await page(h, '/catalog/')).status).toBe(200);
    expect(await liveNumber(h)).toBe(1);
    expect((await readRegistry(h, 'library'))?.releases.find((x) => x.number === 2)?.failure).toMatch(/after the switch/);
  }, 600_000);

  it('an update killed half-way leaves the live release serving; the next apply takes it up again', async () => {
    const { h, c } = await deployed();
    version2(h);
    const ac = new AbortController();
    const killed = await run(c, h, { signal: ac.signal, onEvent: (e) => e.type === 'step-state' && e.stepId === 'collectstatic' && e.state === 'running' && ac.abort() });
    expect(killed.outcome).toBe('cancelled');
    expect((await page(h, '/catalog/')).body).toContain('The library has');
    const again = await plan(c, h);
    expect(again.release).toMatchObject({ mode: 'update', target: { number: 2 } });
    const r = await run(c, h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    expect((await page(h, '/catalog/')).body).toContain('Our library holds');
  }, 600_000);

  it('"migrate": "manual": a release with migrations stops before the switch and says what to run', async () => {
    const { h, c } = await deployed({ migrate: 'manual' });
    version2(h);
    const r = await run(c, h);
    expect(r.outcome).toBe('failed');
    expect(r.problems.migrate?.what).toContain('catalog.0002_book_summary');
    expect(r.problems.migrate?.fix).toContain('migrate');
    expect(await liveNumber(h)).toBe(1);
    expect((await page(h, '/catalog/')).body).toContain('The library has');
  }, 600_000);

  it('a moved appDir is a new release in the new folder; the data stays in the shared folder it had, and the plan says where', async () => {
    const { h, c } = await deployed();
    const { addBook } = await import('./release-helpers');
    addBook(h, 'Dune');
    const moved = { ...c, appDir: 'C:\\sites\\library' };
    const p = await plan(moved, h);
    expect(p.release).toMatchObject({ mode: 'update', target: { number: 2, dir: 'C:\\sites\\library\\releases\\2' }, shared: 'C:\\apps\\library\\shared' });
    const r = await run(moved, h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    expect(await sitePaths(h)).toContain('physicalPath="C:\\sites\\library\\releases\\2"');
    expect((await page(h, '/catalog/')).body).toContain('The library has <strong>1</strong> books.');
    expect((await run(moved, h)).mutatingCommands).toBe(0);
  }, 600_000);
});
