// The Memory inspector in headless Chromium with 100,000 entries: time from the end
// of a run to the inspector's rows in the DOM, read from the page's performance
// marks, from a click that expands Memory to its 100,001 rows drawn, and from a
// scroll to the end to the last row drawn. Then, in a fresh context, Memory.big
// holding 100,000 small tables {i, tostring(i)}: a one-key run's end to its rows
// drawn with only Memory expanded, the click expanding Memory.big to its rows drawn,
// and a one-key run's end to the rows drawn with Memory.big expanded.
// Usage: node bench/inspector_browser.mjs [RUNS]   (needs dist/, see scripts/bench.sh)
import { chromium } from '@playwright/test';
import { join } from 'node:path';
import { CHROMIUM, median, serve, openPage, runAndSave } from './harness.mjs';

const runs = Number(process.argv[2] ?? 5);
const port = Number(process.env.MOONKEEP_BENCH_PORT ?? 8091);
const root = join(import.meta.dirname, '..');
const ms = (x) => x.toFixed(1).padStart(7);

/** Marks after `since`: the last of each name (the inspector marks every refresh). */
function marksAfter(page, since) {
  return page.evaluate((since) => {
    const last = (n) => performance.getEntriesByName(n).filter((e) => e.startTime >= since).at(-1)?.startTime;
    return { refresh: last('moonkeep:inspector-refresh'), rows: last('moonkeep:inspector-rows'), drawn: last('moonkeep:inspector-rendered') };
  }, since);
}

async function waitDrawn(page, since) {
  await page.waitForFunction((since) => performance.getEntriesByName('moonkeep:inspector-rendered').some((e) => e.startTime >= since), since, { timeout: 120_000 });
  return marksAfter(page, since);
}

/** From the end of a run of `source` to its rows drawn: total and the engine's part. */
async function runToRows(page, source) {
  await page.getByTestId('editor').fill(source);
  const since = await page.evaluate(() => performance.now());
  await runAndSave(page);
  const end = await page.evaluate((since) => performance.getEntriesByName('moonkeep:run-finished')
    .filter((e) => e.startTime >= since).at(-1).startTime, since);
  const m = await waitDrawn(page, end);
  return { total: m.drawn - end, engine: m.rows - m.refresh };
}

async function bigTables(browser, n) {
  const context = await browser.newContext();
  try {
    const page = await openPage(context, port);
    page.setDefaultTimeout(600_000);
    await runToRows(page, `Memory.big = {} for i = 1, ${n} do Memory.big[i] = {i, tostring(i)} end`);
    const collapsed = [];
    for (let i = 0; i < runs; i++) collapsed.push(await runToRows(page, `Memory.k = ${i}`));
    const clicked = await page.evaluate(() => {
      const t = performance.now();
      document.querySelector('[data-testid=memory-row][data-path="Memory.big"]').click();
      return t;
    });
    const e = await waitDrawn(page, clicked);
    const count = await page.getByTestId('memory-count').textContent();
    if (count !== `${n + 3} rows`) throw new Error(`the inspector shows ${count}`);
    const open = [];
    for (let i = 0; i < runs; i++) open.push(await runToRows(page, `Memory.k = ${i}`));
    const line = (xs) => `${ms(median(xs.map((x) => x.total)))}   (engine rows ${median(xs.map((x) => x.engine)).toFixed(1)})`;
    console.log(`\nMemory inspector, Memory.big = ${n.toLocaleString('en')} tables {i, tostring(i)} in Chromium, median of ${runs} (ms):`);
    console.log(`  one-key run end to rows in the DOM, Memory expanded   ${line(collapsed)}`);
    console.log(`  click expanding Memory.big to drawn                   ${ms(e.drawn - clicked)}   (engine rows ${(e.rows - e.refresh).toFixed(1)})`);
    console.log(`  one-key run end to rows in the DOM, Memory.big open   ${line(open)}`);
  } finally {
    await context.close();
  }
}

const server = await serve(join(root, 'dist'), port);
const browser = await chromium.launch(CHROMIUM);
try {
  const page = await openPage(browser, port);
  const afterRun = [];
  const expand = [];
  const scroll = [];
  for (let i = 0; i < runs; i++) {
    const output = page.getByTestId('console-output');
    const before = Number(await output.getAttribute('data-runs'));
    await page.getByTestId('editor').fill('for i = 1, 100000 do Memory[i] = i end');
    await page.getByTestId('run').click();
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid=console-output]').dataset.runs) > n, before, { timeout: 120_000 });
    const end = await page.evaluate(() => performance.getEntriesByName('moonkeep:run-finished').at(-1).startTime);
    const m = await waitDrawn(page, end);
    const count = await page.getByTestId('memory-count').textContent();
    if (count !== '100001 rows') throw new Error(`the inspector shows ${count}`);
    afterRun.push({ total: m.drawn - end, before: m.refresh - end, engine: m.rows - m.refresh, dom: m.drawn - m.rows });

    // Collapse Memory, then time the click that expands it again.
    const memory = page.locator('[data-testid=memory-row][data-path="Memory"]');
    await memory.click();
    await page.waitForFunction(() => document.querySelector('[data-testid=memory-count]').textContent === '1 row');
    const clicked = await page.evaluate(() => {
      const t = performance.now();
      document.querySelector('[data-testid=memory-row][data-path="Memory"]').click();
      return t;
    });
    const e = await waitDrawn(page, clicked);
    expand.push({ total: e.drawn - clicked, engine: e.rows - e.refresh, dom: e.drawn - e.rows });

    // Scroll from the top to the end: no engine call, only the rows now in view drawn.
    scroll.push(await page.evaluate(() => new Promise((resolve) => {
      const tree = document.querySelector('[data-testid=memory-tree]');
      tree.scrollTop = 0;
      requestAnimationFrame(() => requestAnimationFrame(() => {
        const t = performance.now();
        new MutationObserver((_, observer) => {
          if (document.querySelector('[data-testid=memory-row][data-path="Memory[100000]"]')) {
            observer.disconnect();
            resolve(performance.now() - t);
          }
        }).observe(tree, { childList: true, subtree: true });
        tree.scrollTop = tree.scrollHeight;
      }));
    })));
  }
  const pick = (xs, k) => median(xs.map((x) => x[k]));
  console.log(`\nMemory inspector, Memory[1..100000] in Chromium, median of ${runs} (ms):`);
  console.log(`  run end to rows in the DOM        ${ms(pick(afterRun, 'total'))}   (save point and scheduling ${pick(afterRun, 'before').toFixed(1)}, engine rows ${pick(afterRun, 'engine').toFixed(1)}, drawing ${pick(afterRun, 'dom').toFixed(1)})`);
  console.log(`  click expanding Memory to drawn   ${ms(pick(expand, 'total'))}   (engine rows ${pick(expand, 'engine').toFixed(1)}, drawing ${pick(expand, 'dom').toFixed(1)})`);
  console.log(`  scroll from the top to the end    ${ms(median(scroll))}   (to the last row drawn)`);
  const drawn = await page.getByTestId('memory-row').count();
  console.log(`  rows in the DOM: ${drawn} of 100001`);
  await page.close();
  await bigTables(browser, 100_000);
} finally {
  await browser.close();
  server.kill();
}
