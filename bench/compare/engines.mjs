// The engines `make bench-compare` runs, each behind the same two calls: a cold start
// (from nothing to a VM that has run `return 1`) and `measure(browser, chunks, times)`,
// which evaluates each chunk `times` times, one chunk after the other, in one fresh VM
// and returns for each what it returned and the CPU time of each evaluation, in ms: the
// main thread's for the browser engines (Chromium's ThreadTime), the process's for
// lua5.4 (os.clock). CPU time, not wall time, because the machine is shared: a
// neighbour's work then costs us no time.
import { expect } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { clickRunAndTime, untilRunEnabled } from '../page.mjs';

const round = (t) => Math.round(t * 100) / 100;

/** The workloads of bench/workloads (those named in `only`, or all), in name order, each
 * with `chunk(calls)`: bench/compare/repeat.lua around it, which every engine evaluates. */
export function workloads(only) {
  const template = readFileSync(join(import.meta.dirname, 'repeat.lua'), 'utf8');
  const dir = join(import.meta.dirname, '../workloads');
  const names = readdirSync(dir).filter((f) => f.endsWith('.lua')).map((f) => f.replace(/\.lua$/, ''));
  const unknown = (only ?? []).filter((n) => !names.includes(n));
  if (unknown.length) throw new Error(`no such workload in bench/workloads: ${unknown.join(', ')}`);
  return names.filter((n) => !only || only.includes(n)).sort().map((name) => {
    const text = readFileSync(join(dir, `${name}.lua`), 'utf8');
    return {
      name,
      // Functions as replacements: "$&" in a workload must stay literal.
      chunk: (n) => template.replaceAll('@WORKLOAD@', () => text).replaceAll('@CALLS@', () => String(n)),
    };
  });
}

/** Reads the main thread's CPU time of `page`, in ms. */
async function threadTime(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
  return async () => 1000 * (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'ThreadTime').value;
}

/** Moonkeep's VM, driven through the built page exactly as a person would use it. */
export function moonkeep(base) {
  async function open(context) {
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await untilRunEnabled(page);
    await expect(page.getByTestId('run')).toBeEnabled({ timeout: 60_000 });
    return page;
  }
  return {
    name: 'Moonkeep',
    // Cold load to Run enabled (the page's own mark), then the click on Run to the
    // result shown; typing `return 1` into the editor is not counted.
    async coldStart(browser) {
      const context = await browser.newContext();
      try {
        const page = await open(context);
        await page.getByTestId('editor').fill('return 1');
        const { ms, text, marks } = await clickRunAndTime(page);
        // Ready once Memory is restored and the editor shows its script.
        const r = {
          ms: Math.max(marks.restored, marks.editor) + ms,
          value: text,
          parts: { 'wasm instantiated': marks.start, 'VM and page built': marks.interactive, 'editor shown': marks.editor, 'Run enabled (Memory restored)': marks.restored },
        };
        if (!Number.isFinite(r.ms)) throw new Error('the page has no moonkeep:restored mark');
        if (r.value !== '=> 1\n') throw new Error(`return 1 showed ${JSON.stringify(r.value)}`);
        return { ms: round(r.ms), parts: r.parts };
      } finally {
        await context.close();
      }
    },
    // Each chunk is typed once; each evaluation is a click on Run, from a task of its own
    // as a person's click would be: inside Playwright's evaluate, V8 would record every
    // Lua error as an exception to report, and Playwright's own click costs the page ~4 ms.
    async measure(browser, chunks, times) {
      const context = await browser.newContext();
      try {
        const page = await open(context);
        const cpu = await threadTime(page);
        const output = page.getByTestId('console-output');
        const measured = [];
        for (const chunk of chunks) {
          await page.getByTestId('editor').fill(chunk);
          const cpuMs = [];
          let result;
          for (let i = 0; i < times; i++) {
            const before = Number(await output.getAttribute('data-runs'));
            const t0 = await cpu();
            await page.evaluate(() => { setTimeout(() => document.querySelector('[data-testid=run]').click()); });
            await page.waitForFunction(
              (n) => Number(document.querySelector('[data-testid=console-output]').dataset.runs) > n,
              before, { timeout: 600_000 });
            cpuMs.push((await cpu()) - t0);
            const text = await output.textContent();
            const m = /^=> (.*)\n$/s.exec(text);
            if (!m) throw new Error(text.trim());
            result = m[1];
          }
          measured.push({ result, cpuMs });
        }
        return measured;
      } finally {
        await context.close();
      }
    },
  };
}

/** wasmoon, fengari or Moonkeep's VM alone (bench/vm), through a harness page in bench/compare/. */
export function harnessed(name, url) {
  return {
    name,
    // Navigation start to `return 1` run: script and wasm fetched, compiled, VM made.
    // A harness may report more steps on the way (`parts`, ms since navigation start).
    async coldStart(browser) {
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        await page.goto(url);
        const r = await page.evaluate(() => window.coldStart);
        if (r.value !== '1') throw new Error(`${name}: return 1 gave ${r.value}`);
        return { ms: round(r.ms), parts: { 'script run': r.scriptRun, ...r.parts } };
      } finally {
        await context.close();
      }
    },
    async measure(browser, chunks, times) {
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        await page.goto(url);
        await page.evaluate(() => window.coldStart);
        await page.evaluate(() => window.newVm());
        const cpu = await threadTime(page);
        const measured = [];
        for (const chunk of chunks) {
          const cpuMs = [];
          let result;
          for (let i = 0; i < times; i++) {
            const t0 = await cpu();
            result = await page.evaluate((c) => window.evalLua(c), chunk);
            cpuMs.push((await cpu()) - t0);
          }
          measured.push({ result, cpuMs });
        }
        return measured;
      } finally {
        await context.close();
      }
    },
  };
}

/** Debian's stock lua5.4 as a process. */
export function nativeLua() {
  const lua = (args, input) => {
    const r = spawnSync('lua5.4', args, { input, encoding: 'utf8', maxBuffer: 1 << 20 });
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(r.stderr.trim());
    return r.stdout;
  };
  return {
    name: 'lua5.4',
    version: () => lua(['-v']).trim(),
    // Process start to exit.
    async coldStart() {
      const t0 = performance.now();
      lua(['-e', 'return 1']);
      return { ms: round(performance.now() - t0), parts: {} };
    },
    // The chunks arrive on standard input, NUL-separated; each evaluation loads one and calls it.
    async measure(_browser, chunks, times) {
      const host = `local results = {}
for source in (io.read("a") .. "\\0"):gmatch("([^\\0]*)\\0") do
  local result, cpu = nil, {}
  for i = 1, ${times} do
    local t0 = os.clock()
    result = assert(load(source, "=chunk"))()
    cpu[i] = string.format("%.4f", (os.clock() - t0) * 1000)
  end
  results[#results + 1] = result .. "\\t" .. table.concat(cpu, " ")
end
print(table.concat(results, "\\n"))`;
      return lua(['-e', host], chunks.join('\0')).trim().split('\n').map((line) => {
        const [result, cpu] = line.split('\t');
        return { result, cpuMs: cpu.split(' ').map(Number) };
      });
    },
  };
}
