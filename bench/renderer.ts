/**
 * The wizard's figures for `npm run bench`: the renderer bundle (raw and gzip) and how many log
 * lines per second the log view takes while no frame exceeds 50 ms, measured in Debian's Chromium
 * (playwright-core) on the built renderer served by the e2e harness, with 20,000 lines already in
 * the log. Skipped, and said so, when there is no Chromium or no build.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Page } from 'playwright-core';
import { CHROMIUM } from '../playwright.config';
import { bridgeScript, startHarness } from '../test/e2e/harness';

const RENDERER = path.resolve('out/renderer');

export function bundleSizes(): { raw: number; gzip: number; files: number } | undefined {
  const dir = path.join(RENDERER, 'assets');
  if (!existsSync(dir)) return undefined;
  let raw = 0;
  let gzip = 0;
  const files = readdirSync(dir).filter((f) => /\.(js|css)$/.test(f));
  for (const f of files) {
    const b = readFileSync(path.join(dir, f));
    raw += b.length;
    gzip += gzipSync(b, { level: 9 }).length;
  }
  return { raw, gzip, files: files.length };
}

/** Waits until the log view says it holds `want` lines (polled from here: the page's CSP forbids eval). */
async function shown(page: Page, want: number): Promise<void> {
  const until = Date.now() + 120_000;
  while (Date.now() < until) {
    if (((await page.getByTestId('log').getAttribute('aria-label')) ?? '').includes(`${want} lines`)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the log view never showed ${want} lines`);
}

const entry = (i: number) => ({ kind: 'log' as const, entry: { level: 'info' as const, message: `line ${i}: collectstatic copied static/admin/css/base.css (benchmark)`, timestamp: new Date().toISOString(), source: 'process' as const, stepId: 'collectstatic' } });

/** Feeds the log at each rate for 2 s (after 20,000 lines) and records the longest frame. */
export async function logThroughput(rates = [500, 2_000, 5_000, 20_000]): Promise<{ rate: number; delivered: number; maxFrameMs: number }[] | string> {
  if (!existsSync(CHROMIUM)) return `skipped: no Chromium at ${CHROMIUM}`;
  if (!existsSync(path.join(RENDERER, 'index.html'))) return 'skipped: no renderer build (npm run build)';
  const h = await startHarness();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.addInitScript(bridgeScript());
    await page.goto(h.url);
    await page.getByTestId('host-badge').waitFor();
    let n = 0;
    for (let i = 0; i < 20_000; i++) h.emit(entry(n++));
    await shown(page, n + 1);
    const out: { rate: number; delivered: number; maxFrameMs: number }[] = [];
    for (const rate of rates) {
      // (a string: tsx's helpers do not exist in the page)
      await page.evaluate(`(() => {
        window.__frames = [];
        window.__stop = false;
        let last = performance.now();
        const tick = (t) => {
          window.__frames.push(t - last);
          last = t;
          if (!window.__stop) requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      })()`);
      const start = Date.now();
      const before = n;
      while (Date.now() - start < 2_000) {
        const due = Math.floor(((Date.now() - start) / 1000) * rate) - (n - before);
        for (let i = 0; i < due; i++) h.emit(entry(n++));
        await new Promise((r) => setTimeout(r, 10));
      }
      await shown(page, n + 1);
      const frames = await page.evaluate<number[]>(`(() => { window.__stop = true; return window.__frames.slice(1); })()`);
      out.push({ rate, delivered: n - before, maxFrameMs: Math.max(0, ...frames) });
    }
    return out;
  } finally {
    await browser.close();
    await h.close();
  }
}
