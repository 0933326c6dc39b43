// Tabs that follow each other, in headless Chromium: how long a follower tab takes to
// show a one-key change another tab made, with the persistence benchmark's Memory
// (bench/memory_browser.lua: 100 tables x 100 values + 1,000 functions). Times come
// from the two pages' performance marks on one clock (timeOrigin + startTime): the
// owner's run finished and its commit announced, the follower's Memory caught up,
// and the follower's inspector drawn.
// Usage: node bench/follow_browser.mjs [RUNS]   (needs dist/, see scripts/bench.sh)
import { chromium } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM, median, serve } from './harness.mjs';

const runs = Number(process.argv[2] ?? 5);
const port = Number(process.env.MOONKEEP_BENCH_PORT ?? 8091);
const root = join(import.meta.dirname, '..');

const state = (page, word) =>
  page.waitForFunction((w) => document.querySelector('[data-testid=save-status]')?.dataset.state === w, word, { timeout: 120_000 });

async function runInPage(page, source) {
  const before = Number(await page.getByTestId('console-output').getAttribute('data-runs'));
  await page.getByTestId('editor').fill(source);
  await page.getByTestId('run').click();
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid=console-output]').dataset.runs) > n, before, { timeout: 300_000 });
}

/** Epoch ms of the last mark `name` (one clock for both pages), or NaN. */
const lastMark = (page, name) => page.evaluate((n) => {
  const entry = performance.getEntriesByName(n).at(-1);
  return entry ? performance.timeOrigin + entry.startTime : NaN;
}, name);
const marks = (page, name) => page.evaluate((n) => performance.getEntriesByName(n).length, name);

const server = await serve(join(root, 'dist'), port);
const browser = await chromium.launch(CHROMIUM);
try {
  const context = await browser.newContext();
  const owner = await context.newPage();
  await owner.goto(`http://127.0.0.1:${port}/`);
  await state(owner, 'saved');
  await runInPage(owner, readFileSync(join(root, 'bench/memory_browser.lua'), 'utf8'));
  await owner.waitForFunction(() => /records/.test(document.querySelector('[data-testid=save-status]').textContent), null, { timeout: 60_000 });
  const follower = await context.newPage();
  await follower.goto(`http://127.0.0.1:${port}/`);
  await state(follower, 'following');

  const restored = [];
  const shown = [];
  const fromRun = [];
  for (let i = 0; i < runs; i++) {
    const caughtUp = await marks(follower, 'moonkeep:caught-up');
    await runInPage(owner, `Memory.items[50][7] = ${i + 1}`);
    await follower.waitForFunction((n) => performance.getEntriesByName('moonkeep:caught-up').length > n, caughtUp, { timeout: 60_000 });
    await follower.waitForFunction(() => {
      const up = performance.getEntriesByName('moonkeep:caught-up').at(-1).startTime;
      return performance.getEntriesByName('moonkeep:inspector-rendered').some((e) => e.startTime >= up);
    }, null, { timeout: 60_000 });
    const announced = await lastMark(owner, 'moonkeep:announced');
    const up = await lastMark(follower, 'moonkeep:caught-up');
    const drawn = await lastMark(follower, 'moonkeep:inspector-rendered');
    restored.push(up - announced);
    shown.push(drawn - announced);
    fromRun.push(drawn - (await lastMark(owner, 'moonkeep:run-finished')));
  }
  const text = await follower.getByTestId('save-status').textContent();
  if (!text.includes('Following')) throw new Error(`the follower says ${JSON.stringify(text)}`);
  const f = (xs) => `${median(xs).toFixed(1)} ms (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})`;
  console.log(`\nA follower tab shows another tab's one-key change (100 tables x 100 values + 1,000 functions), median of ${runs}:`);
  console.log(`  owner's commit announced -> follower's Memory caught up: ${f(restored)}`);
  console.log(`  owner's commit announced -> follower's inspector drawn:  ${f(shown)}   target < 100 ms`);
  console.log(`  owner's run finished -> follower's inspector drawn:     ${f(fromRun)} (the owner's save point and commit included)`);
} finally {
  await browser.close();
  server.kill();
}
