// The history in headless Chromium with VERSIONS one-key versions (1,000 by default) of
// the benchmark Memory (bench/memory_browser.lua: 100 tables x 100 values + 1,000
// functions): a one-key save point early and late in the history, the bytes a one-key
// version adds, listing the history, showing an old version (a restore into a VM of
// its own, beside the page's own restore at load; again after a new version) and
// comparing two versions. Times
// come from the page's status bar and performance marks.
// Usage: node bench/history_browser.mjs [VERSIONS]   (needs dist/, see scripts/bench.sh)
import { chromium } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM, median, serve, openPage, runAndSave } from './harness.mjs';

const versions = Number(process.argv[2] ?? 1000);
const port = Number(process.env.MOONKEEP_BENCH_PORT ?? 8091);
const root = join(import.meta.dirname, '..');
const build = readFileSync(join(root, 'bench/memory_browser.lua'), 'utf8');
const ms = (x) => `${x.toFixed(1)} ms`;

/** Does `action` and resolves with the ms until the page's mark `name` follows it. */
async function until(page, name, action) {
  const t0 = await page.evaluate(() => performance.now());
  await action();
  await page.waitForFunction(([n, t]) => performance.getEntriesByName(n).some((e) => e.startTime >= t), [name, t0], { timeout: 300_000 });
  return page.evaluate(([n, t]) => performance.getEntriesByName(n).find((e) => e.startTime >= t).startTime - t, [name, t0]);
}

const server = await serve(join(root, 'dist'), port);
const browser = await chromium.launch(CHROMIUM);
try {
  const page = await openPage(browser, port);
  await page.getByTestId('editor').fill(build);
  await page.getByTestId('run').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=save-status]')?.dataset.state === 'saved');

  const oneKey = (i) => `Memory.items[${(i % 100) + 1}].key8 = 'changed ${i}'`;
  const early = [];
  const late = [];
  for (let i = 0; i < versions; i++) {
    await page.getByTestId('editor').fill(oneKey(i));
    const saveMs = await runAndSave(page);
    if (i < 20) early.push(saveMs);
    if (i >= versions - 20) late.push(saveMs);
  }
  const bytes = await page.evaluate(() => new Promise((resolve) => {
    const open = indexedDB.open('moonkeep');
    open.onsuccess = () => {
      let history = 0;
      let count = 0;
      const cursor = open.result.transaction('records').objectStore('records').openCursor();
      cursor.onsuccess = () => {
        const c = cursor.result;
        if (!c) return resolve({ history, count });
        const k = new Uint8Array(c.key);
        if (k[0] === 0x68 || k[0] === 0x76) history += k.length + c.value.byteLength;
        if (k[0] === 0x76) count++;
        c.continue();
      };
    };
  }));

  const lastListing = () => page.evaluate(() => {
    const last = (n) => performance.getEntriesByName(n).at(-1).startTime;
    return last('moonkeep:history-listed') - last('moonkeep:history-list');
  });
  const listedNew = await lastListing();
  // An old version shown, from the click (made in the page: the driver's own delay is
  // not the page's) until the inspector has drawn it. The first view reads every record;
  // later ones, also after a new version, use the store's copy of them.
  const view = (n) => page.evaluate((n) => new Promise((resolve) => {
    const t0 = performance.now();
    document.querySelector(`[data-testid="history-entry"][data-version="${n}"] button`).click();
    const drawn = () => {
      const done = performance.getEntriesByName('moonkeep:history-done').find((e) => e.startTime >= t0);
      const rows = done && performance.getEntriesByName('moonkeep:inspector-rendered').find((e) => e.startTime >= done.startTime);
      if (rows) resolve(rows.startTime - t0);
      else setTimeout(drawn, 1);
    };
    drawn();
  }), n);
  // The list draws the newest 100: show the oldest too.
  const older = page.getByRole('button', { name: 'Show older versions' });
  while (await older.count()) await older.click();
  const views = [];
  for (const n of [2, 3, 4, 5, 6]) views.push(await view(n));
  const diffs = [];
  for (let i = 0; i < 5; i++) {
    diffs.push(await until(page, 'moonkeep:history-done', () => page.getByTestId('history-diff').click()));
  }
  await page.getByTestId('editor').fill(oneKey(versions));
  await runAndSave(page);
  const afterNew = [];
  for (const n of [7, 8, 9]) afterNew.push(await view(n));
  await page.reload();
  await page.waitForFunction(() => document.querySelector('[data-testid=save-status]')?.dataset.state === 'saved');
  const restored = await page.getByTestId('save-status').textContent();
  await page.waitForFunction(() => performance.getEntriesByName('moonkeep:history-listed').length > 0);
  const listedAll = await lastListing();

  console.log(`history in Chromium: ${bytes.count} versions of the benchmark Memory (one key changed in each)`);
  console.log(`  one-key save point + commit, first 20 versions: median ${ms(median(early))}`);
  console.log(`  one-key save point + commit, last 20 versions:  median ${ms(median(late))}   (target: not slower)`);
  console.log(`  history records: ${(bytes.history / 1024).toFixed(1)} KB, ${Math.round(bytes.history / bytes.count)} bytes per version`);
  console.log(`  listing the history after a reload (the newest 100 entries read and listed): ${ms(listedAll)}   (target < 20 ms)`);
  console.log(`  listing a new version (the entries after the newest listed): ${ms(listedNew)}`);
  console.log(`  showing an old version until drawn, first (reads every record): ${ms(views[0])}; then median ${ms(median(views.slice(1)))}; after a new version, median ${ms(median(afterNew))}`);
  console.log(`  the page's own restore at load: ${restored.match(/in [\d.]+ ms/)?.[0] ?? restored}`);
  console.log(`  comparing two versions (version 6 with the current one): median ${ms(median(diffs))}`);
} finally {
  await browser.close();
  server.kill();
}
