// Runaway protection in the page: long runs compute in slices, so the page keeps
// answering, Stop interrupts, a time limit stops what runs too long, and Memory and
// globals keep what the run did. Long runs also save Memory while they go.
import { test, expect, type Page } from '@playwright/test';
import { run, saved } from './playground';

async function start(page: Page, source: string) {
  await page.getByTestId('editor').fill(source);
  await page.getByTestId('run').click();
  await expect(page.getByTestId('console-output')).toHaveAttribute('data-running', 'true');
}

async function finished(page: Page, runsBefore: number): Promise<string> {
  const output = page.getByTestId('console-output');
  await expect(output).toHaveAttribute('data-runs', String(runsBefore + 1), { timeout: 30_000 });
  return (await output.textContent()) ?? '';
}

async function runs(page: Page): Promise<number> {
  return Number(await page.getByTestId('console-output').getAttribute('data-runs'));
}

test.beforeEach(async ({ page }) => {
  await page.goto('/');
  await saved(page);
});

test('an endless loop leaves the page responsive and Stop ends it, state intact', async ({ page }) => {
  expect(await run(page, 'kept = "yes" Memory.n = 0 return "set"')).toContain('=> set');
  const before = await runs(page);
  await start(page, 'while true do\n  Memory.n = Memory.n + 1\nend');
  // The page still answers while Lua computes.
  for (let i = 0; i < 3; i++) {
    const answered = await page.evaluate(() => new Promise<number>((r) => setTimeout(() => r(42), 50)));
    expect(answered).toBe(42);
  }
  await expect(page.getByTestId('run')).toBeDisabled();
  await page.getByTestId('stop').click();
  const text = await finished(page, before);
  expect(text).toContain('error: main.lua:2: interrupted');
  await expect(page.getByTestId('stop')).toBeDisabled();
  expect(await run(page, 'return kept, Memory.n > 0')).toContain('=> yes\ttrue');
});

test('the time limit stops a runaway run with a clear error', async ({ page }) => {
  await page.getByTestId('time-budget').fill('1');
  await page.getByTestId('time-budget').dispatchEvent('change');
  const before = await runs(page);
  await start(page, 'local function f() return f() end\nf()');
  const text = await finished(page, before);
  expect(text).toContain('error: main.lua:1: run stopped: it used up its time budget of 1 s');
  // The choice is kept across reloads.
  await page.reload();
  await saved(page);
  await expect(page.getByTestId('time-budget')).toHaveValue('1');
});

test('pcall cannot keep a stopped run alive', async ({ page }) => {
  const before = await runs(page);
  await start(page, 'while true do pcall(function() while true do end end) end');
  await page.getByTestId('stop').click();
  expect(await finished(page, before)).toContain('interrupted');
});

test('a print flood shows progress, stays capped and stops', async ({ page }) => {
  const before = await runs(page);
  await start(page, 'local i = 0\nwhile true do i = i + 1 print("line", i) end');
  await expect(page.getByTestId('console-output')).toContainText('line\t1\n', { timeout: 10_000 });
  await page.getByTestId('stop').click();
  const text = await finished(page, before);
  expect(text).toContain('[output cut: ');
  expect(text).toContain('interrupted');
  expect(text.length).toBeLessThan(1.1 * 1024 * 1024);
});

test('memory bombs and deep recursion are Lua errors, not crashes', async ({ page }) => {
  expect(await run(page, "local s = string.rep('x', 1e10)")).toContain('error: ');
  expect(await run(page, 'local function f() return 1 + f() end f()')).toContain('stack overflow');
  expect(await run(page, 'return 6 * 7')).toContain('=> 42');
  await expect(page.locator('#crash')).toBeHidden();
});

/** A digest of every record in the page's IndexedDB store. */
function storedRecords(page: Page): Promise<string> {
  return page.evaluate(
    () =>
      new Promise<string>((resolve, reject) => {
        const open = indexedDB.open('moonkeep');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const all = open.result.transaction('records').objectStore('records').getAll();
          all.onsuccess = () => {
            let h = 0;
            for (const v of all.result as Uint8Array[]) for (const b of v) h = (Math.imul(h, 31) + b) | 0;
            open.result.close();
            resolve(`${all.result.length}:${h}`);
          };
        };
      }),
  );
}

test('a long run saves Memory while it goes', async ({ page }) => {
  const before = await runs(page);
  await start(page, 'Memory.progress = 0\nwhile true do Memory.progress = Memory.progress + 1 end');
  await page.waitForTimeout(300);
  const early = await storedRecords(page);
  await page.waitForTimeout(2500);
  const later = await storedRecords(page);
  await expect(page.getByTestId('console-output')).toHaveAttribute('data-running', 'true');
  expect(later).not.toBe(early);
  await page.getByTestId('stop').click();
  await finished(page, before);
});

test('between slices a silent run leaves the console as it is', async ({ page }) => {
  const before = await runs(page);
  // Counts what the console does while the run goes on: tasks that change its current
  // entry (a MutationObserver reports once per task) and scrolls to its end.
  await page.evaluate(() => {
    const output = document.querySelector('[data-testid=console-output]')!;
    const running = () => output.getAttribute('data-running') === 'true';
    const w = window as unknown as { changes: number; scrolls: number };
    w.changes = 0;
    w.scrolls = 0;
    new MutationObserver(() => {
      if (running()) w.changes += 1;
    }).observe(output, { childList: true, characterData: true, subtree: true });
    const scrollIntoView = Element.prototype.scrollIntoView;
    Element.prototype.scrollIntoView = function (this: Element, ...args: [boolean?]) {
      if (running()) w.scrolls += 1;
      return scrollIntoView.apply(this, args);
    };
  });
  // About ten slices, with output only at the start.
  await start(page, 'print("started")\nlocal t = os.clock() while os.clock() - t < 0.4 do end\nreturn "done"');
  const text = await finished(page, before);
  expect(text).toContain('started\n=> done');
  const { changes, scrolls } = await page.evaluate(() => {
    const w = window as unknown as { changes: number; scrolls: number };
    return { changes: w.changes, scrolls: w.scrolls };
  });
  // The first pause shows "started" and scrolls to it; the pauses after it, nothing.
  expect(changes).toBeLessThanOrEqual(2);
  expect(scrolls).toBeLessThanOrEqual(2);
});
