// Memory survives a reload and a browser restart, saved without a save button.
import { test, expect, chromium, type Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumArgs, PORT } from './playwright.config';
import { damageRecords, editorText, run, saved, wholeHistory } from './playground';



const SETUP = `
Memory.int, Memory.float, Memory.nan, Memory.nzero = math.maxinteger, 0.1 + 0.2, 0/0, -0.0
Memory.text = "binary \\0\\255 " .. string.rep("x", 100000)
local shared = { name = "shared" }
Memory.a, Memory.b = shared, shared
Memory.cycle = {} Memory.cycle.self = Memory.cycle
local Point = { __index = { len = function(p) return math.sqrt(p.x * p.x + p.y * p.y) end } }
Memory.p = setmetatable({ x = 3, y = 4 }, Point)
local count = 0
Memory.inc = function() count = count + 1 return count end
Memory.get = function() return count end
Memory.inc() Memory.inc()
local id, stamp = "id-" .. math.random(1e9), os.time()
Memory.greet = function() return "hello from " .. id .. " at " .. stamp end
Memory.expected = Memory.greet()
Memory.p2 = print
return "ready"`;

const CHECK = `
assert(Memory.int == math.maxinteger and math.type(Memory.int) == "integer")
assert(Memory.float == 0.1 + 0.2 and Memory.nan ~= Memory.nan and 1 / Memory.nzero < 0)
assert(#Memory.text == 100010 and Memory.text:sub(1, 9) == "binary \\0\\255")
assert(rawequal(Memory.a, Memory.b) and rawequal(Memory.cycle.self, Memory.cycle))
assert(Memory.p:len() == 5)
Memory.inc()
assert(Memory.get() == 3, "shared upvalue: " .. Memory.get())
assert(Memory.greet() == Memory.expected)
assert(rawequal(Memory.p2, print))
return "all kept"`;

test('Memory survives a reload', async ({ page }) => {
  await page.goto('/');
  await saved(page);
  expect(await run(page, SETUP)).toBe('=> ready\n');
  await saved(page);
  await page.reload();
  await saved(page);
  await expect(page.getByTestId('save-status')).toContainText('restored');
  expect(await run(page, CHECK)).toBe('=> all kept\n');
});

test('Memory survives a browser restart', async () => {
  const profile = mkdtempSync(join(tmpdir(), 'moonkeep-profile-'));
  const open = () =>
    chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args: chromiumArgs });
  try {
    let context = await open();
    let page = await context.newPage();
    await page.goto(`http://127.0.0.1:${PORT}/`);
    expect(await run(page, SETUP)).toBe('=> ready\n');
    await saved(page);
    await context.close();

    context = await open();
    page = await context.newPage();
    await page.goto(`http://127.0.0.1:${PORT}/`);
    await saved(page);
    expect(await run(page, CHECK)).toBe('=> all kept\n');
    await context.close();
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
});

test('records are stored as binary, not as arrays of numbers', async ({ page }) => {
  await page.goto('/');
  await run(page, 'Memory.x = string.rep("a", 1000)');
  await saved(page);
  const kinds = await page.evaluate(
    () =>
      new Promise<string[]>((resolve, reject) => {
        const open = indexedDB.open('moonkeep');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const tx = open.result.transaction('records');
          const all = tx.objectStore('records').getAll();
          all.onsuccess = () => resolve(all.result.map((v: unknown) => Object.prototype.toString.call(v)));
        };
      }),
  );
  expect(kinds.length).toBeGreaterThan(1);
  expect(new Set(kinds)).toEqual(new Set(['[object Uint8Array]']));
});

test('without IndexedDB the playground still runs and says it is not saving', async ({ page }) => {
  await page.addInitScript(() => {
    Object.defineProperty(window, 'indexedDB', { get: () => undefined });
  });
  await page.goto('/');
  await expect(page.getByTestId('save-status')).toHaveAttribute('data-state', 'not-saving');
  await expect(page.getByTestId('save-status')).toContainText('Not saving');
  expect(await run(page, 'Memory.x = 1 return Memory.x')).toBe('=> 1\n');
});

test('the status bar shows storage used and the quota', async ({ page }) => {
  await page.goto('/');
  await run(page, 'Memory.x = 1');
  await saved(page);
  await expect(page.getByTestId('storage')).toContainText(/\d+(\.\d)? [KMGT]?B of \d+(\.\d)? [KMGT]?B used/);
});

test('a damaged record is reported by path and the rest restores', async ({ page }) => {
  await page.goto('/');
  await run(page, "Memory.good = { 1, 2, 3 } Memory.bad = { 'to be damaged' } Memory.n = 7");
  await saved(page);
  // Garbage into the record that holds the string, straight through IndexedDB.
  const damaged = await damageRecords(page, 'to be damaged');
  expect(damaged).toBe(1);
  await page.reload();
  await saved(page);
  await expect(page.getByTestId('save-status')).toContainText('1 not restored');
  await expect(page.getByTestId('restore-problems')).toContainText('Memory.bad: damaged record');
  expect(await run(page, 'return Memory.n, #Memory.good, type(Memory.bad)')).toBe('=> 7\t3\tstring\n');
});

// The browser refuses writes past the quota with QuotaExceededError. Chromium's quota
// override does not bite headless here, so the refusal is simulated at its source:
// IDBObjectStore.put throws while window.__quotaFull is set.
async function simulateQuota(page: Page) {
  await page.addInitScript(() => {
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (...args: Parameters<typeof put>) {
      if ((window as any).__quotaFull) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return put.apply(this, args);
    };
  });
}
const setQuotaFull = (page: Page, full: boolean) => page.evaluate((f) => ((window as any).__quotaFull = f), full);

test('a full quota fails the save clearly and keeps the last save', async ({ page }) => {
  await simulateQuota(page);
  await page.goto('/');
  await run(page, 'Memory.small = "kept"');
  await saved(page);
  await setQuotaFull(page, true);
  await run(page, 'Memory.big = string.rep("x", 100000) Memory.small = "changed"');
  await expect(page.getByTestId('save-status')).toHaveAttribute('data-state', 'failed');
  await expect(page.getByTestId('save-status')).toContainText('storage quota is full');
  await page.reload();
  await saved(page);
  expect(await run(page, 'return Memory.small, Memory.big')).toBe('=> kept\tnil\n');
});

test('a save owed when the page is hidden is made then', async ({ page }) => {
  await simulateQuota(page);
  await page.goto('/');
  await run(page, 'Memory.v = 1');
  await saved(page);
  await setQuotaFull(page, true);
  await run(page, 'Memory.v = 2');
  await expect(page.getByTestId('save-status')).toHaveAttribute('data-state', 'failed');
  await setQuotaFull(page, false);
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
  });
  await saved(page);
  await page.reload();
  await saved(page);
  expect(await run(page, 'return Memory.v')).toBe('=> 2\n');
});

test('two tabs: one saves, the other follows it live, and a run there takes Memory over', async ({ context }) => {
  const first = await context.newPage();
  await first.goto('/');
  await saved(first);
  await run(first, 'Memory.from = "first"');
  await saved(first);

  const second = await context.newPage();
  await second.goto('/');
  const status1 = first.getByTestId('save-status');
  const status2 = second.getByTestId('save-status');
  await expect(status2).toHaveAttribute('data-state', 'following');
  await expect(status2).toContainText('Following another tab');
  await expect(second.locator('[data-testid=memory-row][data-path="Memory.from"]')).toContainText('first');

  // The first tab still saves, and the second shows each of its runs without a reload.
  await run(first, 'Memory.count = 1');
  await saved(first);
  await expect(second.locator('[data-testid=memory-row][data-path="Memory.count"]')).toContainText('1');
  await expect(status2).toHaveAttribute('data-state', 'following');

  // A run in the second tab starts from the first tab's Memory and takes it over.
  expect(await run(second, 'Memory.from = "second" return Memory.count')).toBe('=> 1\n');
  await saved(second);
  await expect(status1).toHaveAttribute('data-state', 'following');
  await expect(first.locator('[data-testid=memory-row][data-path="Memory.from"]')).toContainText('second');
  expect(await run(first, 'Memory.from = "first again" return Memory.from, Memory.count')).toBe('=> first again\t1\n');
  await saved(first);
  await expect(status2).toHaveAttribute('data-state', 'following');
  await expect(second.locator('[data-testid=memory-row][data-path="Memory.from"]')).toContainText('first again');

  const third = await context.newPage();
  await second.close();
  await third.goto('/');
  await expect(third.getByTestId('save-status')).toHaveAttribute('data-state', 'following');
  expect(await run(third, 'return Memory.from')).toBe('=> first again\n');
});

test('the editor keeps its text across reloads', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('editor')).toContainText('Welcome to Moonkeep');
  await page.getByTestId('editor').fill('-- my work in progress\nreturn 42');
  await page.reload();
  await expect.poll(() => editorText(page)).toBe('-- my work in progress\nreturn 42');
});

test('a tab closed or killed in the middle of a save leaves a whole save point and history', async ({ context }) => {
  // Each run stamps 200 tables of 100 entries with the next generation.
  const write = `local g = (Memory.gen or 0) + 1
    for i = 1, 200 do local t = {} for j = 1, 100 do t[j] = g * 1000 + j end Memory[i] = t end
    Memory.gen = g`;
  const check = `local g = Memory.gen or 0
    for i = 1, 200 do local t = Memory[i]
      if g == 0 then assert(t == nil) else
        for j = 1, 100 do assert(t[j] == g * 1000 + j, "mixed generations in Memory[" .. i .. "]") end
      end
    end
    return g`;
  let last = 0;
  for (let round = 0; round < 6; round++) {
    const page = await context.newPage();
    await page.goto('/');
    // The tab killed before may hold the lock a moment longer: this one then follows,
    // and its first run takes Memory over.
    await expect(page.getByTestId('save-status')).toHaveAttribute('data-state', /^(saved|following)$/, {
      timeout: 15_000,
    });
    const text = await run(page, check);
    const g = Number(/^=> (\d+)/.exec(text)?.[1]);
    expect(g).toBeGreaterThanOrEqual(last);
    last = g;
    await page.getByTestId('editor').fill(write);
    await page.getByTestId('run').click();
    // Close, then kill the renderer, while the commit is in flight (earlier and later
    // each round).
    await page.waitForTimeout((round % 3) * 15);
    if (round >= 3) {
      const crashed = page.waitForEvent('crash');
      (await context.newCDPSession(page)).send('Page.crash').catch(() => {});
      await crashed;
    }
    await page.close();
  }
  const page = await context.newPage();
  await page.goto('/');
  await saved(page);
  // The history is whole: every version up to the newest complete one, which is current.
  const current = await wholeHistory(page);
  expect(current).toBeGreaterThan(0);
  expect(await run(page, check)).toMatch(/^=> \d+\n$/);
});

test('a run that ends while the last save is still being committed is saved after it, not refused', async ({ page }) => {
  await page.goto('/');
  await saved(page);
  // A commit of tens of thousands of records takes IndexedDB a while.
  expect(await run(page, 'Memory.big = {} for i = 1, 60000 do Memory.big[i] = { i, tostring(i) } end return #Memory.big'))
    .toContain('60000');
  const status = page.getByTestId('save-status');
  // The overlap this test is about: the next run ends before that commit lands.
  await expect(status).toHaveAttribute('data-state', 'saving');
  expect(await run(page, 'Memory.after = "kept" return Memory.after')).toContain('kept');
  await expect(status).toHaveAttribute('data-state', 'saved', { timeout: 60_000 });
  await expect(status).not.toContainText('not kept');
  await page.reload();
  await saved(page);
  expect(await run(page, 'return Memory.after .. ":" .. #Memory.big')).toContain('kept:60000');
});

test('a large Memory shows progress while it loads, then how long the restore took', async ({ page }) => {
  await page.goto('/');
  await saved(page);
  await run(page, 'for i = 1, 60000 do Memory[i] = { i, tostring(i) } end return #Memory');
  await saved(page);
  // Watch from the very start of the next load: the bar may be on screen briefly.
  await page.addInitScript(() => {
    const seen = { shown: 0, maxValue: 0, max: 0 };
    (window as unknown as { restoreSeen: typeof seen }).restoreSeen = seen;
    new MutationObserver(() => {
      const bar = document.querySelector('[data-testid=restore-progress]') as HTMLProgressElement | null;
      if (bar) {
        seen.shown++;
        seen.maxValue = Math.max(seen.maxValue, bar.value);
        seen.max = bar.max;
      }
    }).observe(document, { subtree: true, childList: true, attributes: true });
  });
  await page.reload();
  await saved(page);
  const seen = await page.evaluate(() => (window as unknown as { restoreSeen: { shown: number; maxValue: number; max: number } }).restoreSeen);
  expect(seen.shown).toBeGreaterThan(1);
  expect(seen.maxValue).toBeGreaterThan(0);
  expect(seen.maxValue).toBeLessThan(seen.max);
  await expect(page.getByTestId('restore-progress')).toHaveCount(0);
  await expect(page.getByTestId('save-status')).toContainText(/restored \d+ objects from \d+ records in \d+\.\d ms/);
  expect(await run(page, 'return #Memory, Memory[60000][2]')).toBe('=> 60000\t60000\n');
});
