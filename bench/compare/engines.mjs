// The engines `make bench-compare` runs, each behind the same two calls: a cold start
// (from nothing to a VM that has run `return 1`) and `run(browser, chunks)`, which runs
// the chunks one after the other in one fresh VM and returns what the last returns, as
// text. Running a warm-up chunk first matters in the browser: V8 compiles wasm with a
// baseline compiler first and cannot swap optimized code into a running function, and
// one call of Lua's interpreter loop runs a whole chunk.
import { expect } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

const ms = (t) => Math.round(t * 100) / 100;

/** Types `chunk` into the editor, runs it and returns the values shown. */
async function runInPage(page, chunk) {
  const output = page.getByTestId('console-output');
  const before = Number(await output.getAttribute('data-runs'));
  await page.getByTestId('editor').fill(chunk);
  await page.getByTestId('run').click();
  await page.waitForFunction(
    (n) => Number(document.querySelector('[data-testid=console-output]').dataset.runs) > n,
    before, { timeout: 600_000 });
  const text = await output.textContent();
  const m = /^=> (.*)\n$/s.exec(text);
  if (!m) throw new Error(text.trim());
  return m[1];
}

/** Moonkeep's VM, driven through the built page exactly as a person would use it. */
export function moonkeep(base) {
  async function open(context) {
    const page = await context.newPage();
    await page.goto(`${base}/`);
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
        const r = await page.evaluate(async () => {
          const output = document.querySelector('[data-testid=console-output]');
          const shown = new Promise((resolve) =>
            new MutationObserver((_, observer) => { observer.disconnect(); resolve(); })
              .observe(output, { attributes: true, attributeFilter: ['data-runs'] }));
          const t0 = performance.now();
          document.querySelector('[data-testid=run]').click();
          await shown;
          const at = (mark) => performance.getEntriesByName(mark)[0]?.startTime;
          const enabled = at('moonkeep:restored');
          return {
            ms: enabled + performance.now() - t0,
            value: output.textContent,
            parts: { 'wasm instantiated': at('moonkeep:start'), 'VM and page ready': at('moonkeep:interactive'), 'Run enabled (Memory restored)': enabled },
          };
        });
        if (!Number.isFinite(r.ms)) throw new Error('the page has no moonkeep:restored mark');
        if (r.value !== '=> 1\n') throw new Error(`return 1 showed ${JSON.stringify(r.value)}`);
        return { ms: ms(r.ms), parts: r.parts };
      } finally {
        await context.close();
      }
    },
    async run(browser, chunks) {
      const context = await browser.newContext();
      try {
        const page = await open(context);
        let last;
        for (const chunk of chunks) last = await runInPage(page, chunk);
        return last;
      } finally {
        await context.close();
      }
    },
  };
}

/** wasmoon or fengari, through their harness page in bench/compare/. */
export function harnessed(name, url) {
  return {
    name,
    // Navigation start to `return 1` run: script and wasm fetched, compiled, VM made.
    async coldStart(browser) {
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        await page.goto(url);
        const r = await page.evaluate(() => window.coldStart);
        if (r.value !== '1') throw new Error(`${name}: return 1 gave ${r.value}`);
        return { ms: ms(r.ms), parts: { 'script run': r.scriptRun } };
      } finally {
        await context.close();
      }
    },
    async run(browser, chunks) {
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        await page.goto(url);
        await page.evaluate(() => window.coldStart);
        // The driver returns two values; these hosts keep the first, so join them.
        const joined = chunks.map((c) => `return table.concat({ (function()\n${c}\nend)() }, "\\t")`);
        return await page.evaluate((cs) => window.runLua(cs), joined);
      } finally {
        await context.close();
      }
    },
  };
}

/** Debian's stock lua5.4 as a process. Its os.clock is CPU time, not wall time: each run
 * also records the share of a core the process got, which tells how busy the machine was. */
export function nativeLua() {
  const lua = (args, input) => {
    const r = spawnSync('lua5.4', args, { input, encoding: 'utf8', maxBuffer: 1 << 20 });
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(r.stderr.trim());
    return r.stdout;
  };
  const cpuShare = [];
  return {
    name: 'lua5.4',
    cpuShare,
    version: () => lua(['-v']).trim(),
    // Process start to exit.
    async coldStart() {
      const t0 = performance.now();
      lua(['-e', 'return 1']);
      return { ms: ms(performance.now() - t0), parts: {} };
    },
    async run(_browser, chunks) {
      const t0 = performance.now();
      const calls = chunks.map((c) => `;(function()\n${c}\nend)()`);
      calls[calls.length - 1] = `print(${calls[calls.length - 1].slice(1)})`;
      const [result, cpu] = lua(['-'], `${calls.join('\n')}\nprint(os.clock())`).trim().split('\n');
      cpuShare.push(Number(cpu) * 1000 / (performance.now() - t0));
      return result;
    },
  };
}
