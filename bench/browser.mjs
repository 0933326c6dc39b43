// Browser side of `make bench`: cold loads of the built page and the workloads of
// bench/workloads run through the page in headless Chromium; prints the figures next
// to the native ones. Usage: node bench/browser.mjs NATIVE_TSV LUA54_TSV RUNS
import { chromium } from '@playwright/test';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { CHROMIUM, median, serve, openPage } from './harness.mjs';
import { clickRunAndTime, pageFiles, untilRunEnabled } from './page.mjs';

const [nativeFile, luaFile, runsArg] = process.argv.slice(2);
const runs = Number(runsArg ?? 5);
const port = 8091;
const root = join(import.meta.dirname, '..');

const readTsv = (file) => Object.fromEntries(readFileSync(file, 'utf8').trim().split('\n')
  .filter(Boolean).map((l) => l.split('\t')).map(([n, ms, r]) => [n, { ms: Number(ms), result: r }]));
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

function sizes() {
  const dist = join(root, 'dist');
  const rows = pageFiles(dist).map((f) => {
    const bytes = readFileSync(join(dist, f));
    const file = f.replace(/-[0-9a-f]{16}/g, '').replace(/^snippets\/[^/]+\//, 'snippets/');
    return { file, raw: statSync(join(dist, f)).size, gzip: gzipSync(bytes, { level: 9 }).length };
  });
  rows.push({ file: 'total', raw: rows.reduce((s, r) => s + r.raw, 0), gzip: rows.reduce((s, r) => s + r.gzip, 0) });
  return rows;
}

async function runInPage(page, source) {
  const output = page.getByTestId('console-output');
  const before = Number(await output.getAttribute('data-runs'));
  await page.getByTestId('editor').fill(source);
  await page.getByTestId('run').click();
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid=console-output]').dataset.runs) > n, before, { timeout: 300_000 });
  return output.textContent();
}

const server = await serve(join(root, 'dist'), port);
const browser = await chromium.launch(CHROMIUM);
try {
  console.log('\nBuilt page (dist/), bytes raw and gzip -9:');
  for (const r of sizes()) console.log(`  ${r.file.padEnd(28)} ${kb(r.raw).padStart(10)} ${kb(r.gzip).padStart(10)}`);

  const loads = [];
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    await untilRunEnabled(page);
    await page.getByTestId('editor').fill('return 1 + 1');
    const { ms, text, marks } = await clickRunAndTime(page);
    if (text !== '=> 2\n') throw new Error(`first chunk gave ${JSON.stringify(text)}`);
    loads.push({ ...marks, firstChunk: ms });
    await context.close();
  }
  console.log(`\nCold load in headless Chromium, median of ${runs} fresh contexts (ms since navigation start):`);
  console.log(`  wasm fetched, compiled, instantiated (main starts)  ${median(loads.map((l) => l.start)).toFixed(1)}`);
  console.log(`  Lua VM created and page mounted                     ${median(loads.map((l) => l.interactive)).toFixed(1)}`);
  console.log(`  code editor (CodeMirror) mounted                    ${median(loads.map((l) => l.editor)).toFixed(1)}`);
  console.log(`  Memory restored (empty store), Run enabled          ${median(loads.map((l) => l.restored)).toFixed(1)}`);
  console.log(`  interactive: editor mounted and Run enabled         ${median(loads.map((l) => Math.max(l.editor, l.restored))).toFixed(1)}`);
  console.log(`  first chunk run and shown (after interactive)       ${median(loads.map((l) => l.firstChunk)).toFixed(2)}`);

  const native = readTsv(nativeFile);
  const lua54 = luaFile ? readTsv(luaFile) : {};
  const driver = readFileSync(join(root, 'bench/driver.lua'), 'utf8');
  const page = await openPage(browser, port);
  console.log(`\nWorkloads, median of ${runs} runs after a warm-up (ms):`);
  console.log(`  ${'workload'.padEnd(16)} ${'Chromium'.padStart(10)} ${'native'.padStart(10)} ${'ratio'.padStart(7)} ${'lua5.4'.padStart(10)}  result`);
  let mismatch = false;
  for (const file of readdirSync(join(root, 'bench/workloads')).filter((f) => f.endsWith('.lua')).sort()) {
    const name = file.replace(/\.lua$/, '');
    const workload = readFileSync(join(root, 'bench/workloads', file), 'utf8');
    const text = await runInPage(page, driver.replace('@WORKLOAD@', workload).replace('@RUNS@', String(runs)));
    const m = /^=> ([\d.]+)\t(.*)\n$/.exec(text);
    if (!m) throw new Error(`${name}: unexpected transcript ${JSON.stringify(text)}`);
    const web = Number(m[1]);
    const nat = native[name];
    const ref = lua54[name];
    if (nat && nat.result !== m[2]) mismatch = true;
    console.log(`  ${name.padEnd(16)} ${web.toFixed(2).padStart(10)} ${(nat?.ms ?? NaN).toFixed(2).padStart(10)} ${(web / nat?.ms).toFixed(2).padStart(6)}x ${(ref?.ms ?? NaN).toFixed(2).padStart(10)}  ${m[2]}`);
  }
  if (mismatch) throw new Error('a workload gave different results in Chromium and natively');

  // Memory persistence in the page: save points into IndexedDB and a cold reload.
  const memoryPage = await browser.newPage();
  await memoryPage.goto(`http://127.0.0.1:${port}/`);
  const status = memoryPage.getByTestId('save-status');
  const waitSaved = () => memoryPage.waitForFunction(() => document.querySelector('[data-testid=save-status]').dataset.state === 'saved', null, { timeout: 60_000 });
  await waitSaved();
  await runInPage(memoryPage, readFileSync(join(root, 'bench/memory_browser.lua'), 'utf8'));
  await memoryPage.waitForFunction(() => /records/.test(document.querySelector('[data-testid=save-status]').textContent), null, { timeout: 60_000 });
  const parse = (text) => {
    const m = /(\d+) records, (\d+) bytes: save point ([\d.]+) ms, commit ([\d.]+) ms/.exec(text);
    if (!m) throw new Error(`unexpected status ${JSON.stringify(text)}`);
    return { records: Number(m[1]), bytes: Number(m[2]), walk: Number(m[3]), commit: Number(m[4]) };
  };
  const full = parse(await status.textContent());
  const oneKey = [];
  for (let i = 0; i < runs; i++) {
    await runInPage(memoryPage, `Memory.items[50][7] = ${i + 1}`);
    await memoryPage.waitForFunction((n) => new RegExp(`^Saved · \\d+ records`).test(document.querySelector('[data-testid=save-status]').textContent) && document.querySelector('[data-testid=console-output]').dataset.runs == n, i + 2, { timeout: 60_000 });
    oneKey.push(parse(await status.textContent()));
  }
  const reloads = [];
  for (let i = 0; i < runs; i++) {
    await memoryPage.reload();
    await waitSaved();
    reloads.push(await memoryPage.evaluate(() => ({
      restored: performance.getEntriesByName('moonkeep:restored')[0]?.startTime ?? NaN,
      text: document.querySelector('[data-testid=save-status]').textContent,
    })));
  }
  const restoreMs = reloads.map((l) => Number(/in ([\d.]+) ms/.exec(l.text)?.[1]));
  console.log(`\nMemory in IndexedDB (100 tables x 100 values + 1,000 functions), median of ${runs}:`);
  console.log(`  full save: save point ${full.walk.toFixed(1)} ms + commit ${full.commit.toFixed(1)} ms, ${full.records} records, ${full.bytes} bytes`);
  console.log(`  one-key save: save point ${median(oneKey.map((o) => o.walk)).toFixed(1)} ms + commit ${median(oneKey.map((o) => o.commit)).toFixed(1)} ms = ${median(oneKey.map((o) => o.walk + o.commit)).toFixed(1)} ms (${median(oneKey.map((o) => o.records))} record(s))   target < 20 ms`);
  console.log(`  reload to interactive with Memory restored: ${median(reloads.map((l) => l.restored)).toFixed(0)} ms (restore itself ${median(restoreMs).toFixed(1)} ms)   target < 500 ms`);

  // Runaway protection: how long Stop takes to end an endless loop, and what the
  // watchdog's slicing costs a long run.
  const stopPage = await browser.newPage();
  await stopPage.goto(`http://127.0.0.1:${port}/`);
  await stopPage.waitForFunction(() => document.querySelector('[data-testid=save-status]')?.dataset.state === 'saved');
  const stops = [];
  for (let i = 0; i < runs; i++) {
    await stopPage.getByTestId('editor').fill('local n = 0\nwhile true do n = n + 1 end');
    await stopPage.getByTestId('run').click();
    await stopPage.waitForFunction(() => document.querySelector('[data-testid=console-output]').dataset.running === 'true');
    await stopPage.waitForTimeout(300);
    stops.push(await stopPage.evaluate(async () => {
      const output = document.querySelector('[data-testid=console-output]');
      const done = new Promise((resolve) => new MutationObserver((_, o) => {
        if (output.dataset.running === 'false') { o.disconnect(); resolve(); }
      }).observe(output, { attributes: true }));
      const t0 = performance.now();
      document.querySelector('[data-testid=stop]').click();
      await done;
      return performance.now() - t0;
    }));
  }
  console.log(`\nStop: click to the run ended, median of ${runs}: ${median(stops).toFixed(1)} ms (max ${Math.max(...stops).toFixed(1)})   target < 200 ms`);
} finally {
  await browser.close();
  server.kill();
}
