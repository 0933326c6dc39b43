// How save points and restores scale with Memory in headless Chromium, as
// crates/engine/examples/scale_bench.rs measures them natively: for each size N,
// Memory.big holds N small tables {i, tostring(i)}, built by one run in a fresh
// browser context (an empty IndexedDB). Printed: the first save (save point + commit,
// as the status bar tells them), a one-key save (`Memory.k = i`, median of 20), and
// the restore of a reload (the status bar's time, from reading the store to Run
// enabled). A size is skipped when the one before it took more than a minute.
// Usage: node bench/scale_browser.mjs [SIZES...]   (needs dist/, see scripts/bench.sh)
import { chromium } from '@playwright/test';
import { join } from 'node:path';
import { CHROMIUM, median, serve, openPage, runAndSave } from './harness.mjs';

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const port = Number(process.env.MOONKEEP_BENCH_PORT ?? 8091);
const root = join(import.meta.dirname, '..');
const PATIENCE_MS = 60_000;

async function measure(browser, n) {
  const context = await browser.newContext();
  try {
    const page = await openPage(context, port);
    page.setDefaultTimeout(600_000);
    await page.getByTestId('editor').fill(`Memory.big = {} for i = 1, ${n} do Memory.big[i] = {i, tostring(i)} end`);
    const first = await runAndSave(page);
    const oneKey = [];
    for (let i = 0; i < 20; i++) {
      await page.getByTestId('editor').fill(`Memory.k = ${i}`);
      oneKey.push(await runAndSave(page));
    }
    await page.reload();
    await page.waitForFunction(() => document.querySelector('[data-testid=save-status]')?.dataset.state === 'saved',
      null, { timeout: 600_000 });
    const status = await page.getByTestId('save-status').textContent();
    const restore = Number(status.match(/in ([\d.]+) ms/)?.[1] ?? NaN);
    return { first, oneKey: median(oneKey), restore };
  } finally {
    await context.close();
  }
}

const server = await serve(join(root, 'dist'), port);
const browser = await chromium.launch(CHROMIUM);
try {
  console.log('scale in Chromium: Memory.big = N tables {i, tostring(i)}; ms');
  console.log('targets at 1,000,000: one-key save < 10 ms, restore < 5,000 ms');
  console.log('        N  first save  one-key save  restore');
  let tooSlow = false;
  for (const n of sizes.length ? sizes : [10_000, 100_000, 1_000_000]) {
    if (tooSlow) {
      console.log(`${String(n).padStart(9)}  skipped: the size before it took more than ${PATIENCE_MS / 1000} s`);
      continue;
    }
    const start = Date.now();
    const { first, oneKey, restore } = await measure(browser, n);
    const cell = (x, w) => x.toFixed(1).padStart(w);
    console.log(`${String(n).padStart(9)}  ${cell(first, 10)}  ${cell(oneKey, 12)}  ${cell(restore, 7)}`);
    tooSlow = Date.now() - start > PATIENCE_MS;
  }
} finally {
  await browser.close();
  server.kill();
}
