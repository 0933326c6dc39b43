// The engine's conformance cases (crates/engine/tests/cases), run in headless Chromium
// through the page itself: each case typed into the editor, run with the Run button,
// and the transcript compared with the same NAME.out the native tests use.
import { test, expect } from '@playwright/test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './playground';

const casesDir = join(import.meta.dirname, '..', 'crates', 'engine', 'tests', 'cases');
const cases = readdirSync(casesDir).filter((f) => f.endsWith('.lua')).sort();


test.describe('Lua in the browser behaves as natively', () => {
  test.beforeEach(async ({ page }) => {
    page.on('pageerror', (e) => {
      throw e;
    });
    await page.goto('/');
    await expect(page.getByTestId('run')).toBeVisible();
  });

  test('there are enough cases to mean something', () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
  });

  for (const name of cases) {
    test(`case ${name}`, async ({ page }) => {
      const source = readFileSync(join(casesDir, name), 'utf8');
      const expected = readFileSync(join(casesDir, name.replace(/\.lua$/, '.out')), 'utf8');
      expect(await run(page, source)).toBe(expected);
      await expect(page.locator('#crash')).toBeHidden();
    });
  }

  test('a runtime error shows its traceback and the page keeps working', async ({ page }) => {
    const text = await run(page, "local function f()\n  error('deep')\nend\nf()");
    expect(text).toBe('error: main.lua:2: deep\n');
    await page.getByText('stack traceback').click();
    await expect(page.getByTestId('traceback')).toContainText('main.lua:4: in main chunk');
    expect(await run(page, 'return 6 * 7')).toBe('=> 42\n');
  });

  test('globals persist between runs of one session', async ({ page }) => {
    await run(page, 'counter = 1');
    await run(page, 'counter = counter + 1');
    expect(await run(page, 'counter')).toBe('=> 2\n');
  });

  test('os.date shows local time in the browser time zone', async ({ browser }) => {
    const context = await browser.newContext({ timezoneId: 'Asia/Kolkata' });
    const page = await context.newPage();
    await page.goto('/');
    const text = await run(page, 'return os.date("%H:%M", 0), os.time({year = 1970, month = 1, day = 1, hour = 5, min = 30})');
    expect(text).toBe('=> 05:30\t0\n');
    await context.close();
  });

  test('Ctrl+Enter runs the editor', async ({ page }) => {
    await page.getByTestId('editor').fill('return "from the keyboard"');
    await page.getByTestId('editor').press('Control+Enter');
    await expect(page.getByTestId('console-output')).toHaveText('=> from the keyboard\n');
  });
});

test.describe('hostile programs end in Lua errors, never a dead page', () => {
  const programs: [string, RegExp][] = [
    ['return ' + '('.repeat(100_000), /^error: .*(overflow|too many)/],
    ["return ('x'):rep(1e10)", /error: main\.lua:1: .*too large/],
    ['local t = setmetatable({}, {__index = function(t, k) return t[k] end}) return t.x', /stack overflow/],
    ['local function f() return f() + 1 end return f()', /stack overflow/],
    ["return load(string.rep('\\27', 10))", /=> nil\tbinary chunk refused/],
    ['coroutine.wrap(function() coroutine.yield() end)() coroutine.yield()', /error: .*outside a coroutine/],
  ];
  for (const [source, expected] of programs) {
    test(source.slice(0, 60), async ({ page }) => {
      await page.goto('/');
      await expect(page.getByTestId('run')).toBeVisible();
      expect(await run(page, source)).toMatch(expected);
      expect(await run(page, 'return 1 + 1')).toBe('=> 2\n');
      await expect(page.locator('#crash')).toBeHidden();
    });
  }
});
