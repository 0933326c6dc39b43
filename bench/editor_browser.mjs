// The editor's assistance in headless Chromium: how long the page's answer to a
// completion takes on a Memory of 100,000 entries, and a syntax check of a 2,000-line
// script, read from the measures editor/assist.js records around each question.
// Usage: node bench/editor_browser.mjs [RUNS]   (needs dist/, see scripts/bench.sh)
import { chromium } from '@playwright/test';
import { join } from 'node:path';
import { CHROMIUM, median, serve, openPage } from './harness.mjs';

const runs = Number(process.argv[2] ?? 5);
const port = Number(process.env.MOONKEEP_BENCH_PORT ?? 8091);
const root = join(import.meta.dirname, '..');
const ms = (x) => x.toFixed(2).padStart(7);

/** Durations of the measures named `name` that started after `since`. */
function measures(page, name, since) {
  return page.evaluate(([name, since]) =>
    performance.getEntriesByName(name).filter((e) => e.startTime >= since).map((e) => e.duration), [name, since]);
}

const script = Array.from({ length: 2000 }, (_, i) =>
  i % 2 ? `function f${i}(a, b) return a + b * ${i} end` : `print("line ${i}", Memory.total)`).join('\n');

const server = await serve(join(root, 'dist'), port);
const browser = await chromium.launch(CHROMIUM);
try {
  const page = await openPage(browser, port);
  const editor = page.getByTestId('editor');
  const output = page.getByTestId('console-output');
  await editor.fill("for i = 1, 100000 do Memory['key' .. i] = i end");
  await page.getByTestId('run').click();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=console-output]').dataset.runs) > 0, null, { timeout: 120_000 });
  if ((await output.textContent()).includes('error')) throw new Error(await output.textContent());

  const complete = [];
  const check = [];
  for (let i = 0; i < runs; i++) {
    let since = await page.evaluate(() => performance.now());
    await editor.fill('');
    await editor.pressSequentially('print(Memory.');
    await page.locator('.cm-tooltip-autocomplete', { hasText: 'key' }).waitFor();
    complete.push(Math.max(...(await measures(page, 'moonkeep:complete', since))));

    since = await page.evaluate(() => performance.now());
    await editor.fill(`${script}\nlocal x = = ${i}`);
    await page.locator('.cm-lintRange-error', { hasText: `= = ${i}` }).waitFor();
    check.push(Math.max(...(await measures(page, 'moonkeep:check', since))));
  }
  console.log(`\nEditor assistance in Chromium, median of ${runs} (ms):`);
  console.log(`  completion after "Memory." (100,000 entries)   ${ms(median(complete))}   (slowest question per run)`);
  console.log(`  syntax check of 2,000 lines (${(script.length / 1024).toFixed(0)} KB)             ${ms(median(check))}`);
} finally {
  await browser.close();
  server.kill();
}
