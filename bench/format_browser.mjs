// The formatter in headless Chromium: what the first Format downloads (format/: StyLua's
// glue and WebAssembly, raw and gzip -9), the first Format after a cold load of one line
// (mostly fetching, compiling and instantiating StyLua) and of the demos with their
// indentation stripped (each in a do ... end block: about 290 lines), and a second Format
// of those. Times are from the click to the page's `moonkeep:formatted` mark.
// Usage: node bench/format_browser.mjs [RUNS]   (needs dist/, see scripts/bench.sh)
import { chromium } from '@playwright/test';
import { readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { CHROMIUM, median, serve, openPage } from './harness.mjs';

const runs = Number(process.argv[2] ?? 5);
const port = Number(process.env.MOONKEEP_BENCH_PORT ?? 8091);
const root = join(import.meta.dirname, '..');
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const demos = join(root, 'demo');
const messy = readdirSync(demos).filter((f) => f.endsWith('.lua')).sort()
  .map((f) => `do\n${readFileSync(join(demos, f), 'utf8').replace(/^[ \t]+/gm, '')}\nend\n`).join('');

/** Clicks Format from inside the page; resolves with the ms until it is done. */
function format(page) {
  return page.evaluate(() => new Promise((resolve) => {
    const t0 = performance.now();
    new PerformanceObserver((list, observer) => {
      const done = list.getEntriesByName('moonkeep:formatted').find((e) => e.startTime >= t0);
      if (done) { observer.disconnect(); resolve(done.startTime - t0); }
    }).observe({ type: 'mark' });
    document.querySelector('[data-testid=format]').click();
  }));
}

console.log('\nThe formatter (dist/format/, fetched on the first Format), bytes raw and gzip -9:');
let raw = 0;
let gzip = 0;
for (const file of ['stylua.js', 'stylua.wasm']) {
  const bytes = readFileSync(join(root, 'dist', 'format', file));
  const packed = gzipSync(bytes, { level: 9 }).length;
  raw += bytes.length;
  gzip += packed;
  console.log(`  ${file.padEnd(28)} ${kb(bytes.length).padStart(10)} ${kb(packed).padStart(10)}`);
}
console.log(`  ${'total'.padEnd(28)} ${kb(raw).padStart(10)} ${kb(gzip).padStart(10)}`);

const server = await serve(join(root, 'dist'), port);
const browser = await chromium.launch(CHROMIUM);
try {
  const oneLine = [];
  const first = [];
  const second = [];
  for (let i = 0; i < runs; i++) {
    for (const [source, times] of [['print(  1 )', oneLine], [messy, first]]) {
      const context = await browser.newContext();
      const page = await openPage(context, port);
      await page.getByTestId('editor').fill(source);
      times.push(await format(page));
      if (source === messy) {
        await page.getByTestId('editor').fill(messy);
        second.push(await format(page));
      }
      await context.close();
    }
  }
  const lines = messy.split('\n').length - 1;
  console.log(`\nFormat in headless Chromium, median of ${runs} cold loads each (ms, click to formatted):`);
  const row = (label, times) => console.log(`  ${label.padEnd(66)} ${median(times).toFixed(1)}`);
  row('first Format of one line (fetch, compile and instantiate StyLua)', oneLine);
  row(`first Format of ${lines} messy lines`, first);
  row('second Format of the same', second);
} finally {
  await browser.close();
  server.kill();
}
