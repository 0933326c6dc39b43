// The proof panel: Save & reload fingerprints Memory, reloads from the UI, and shows
// before and after side by side, key by key, with the save and restore times.
import { test, expect } from '@playwright/test';
import { damageRecords, run, saved } from './playground';

test.beforeEach(async ({ page }) => {
  await page.goto('/');
  await saved(page);
});

test('Save & reload shows every key matching, closures and probes included', async ({ page }) => {
  await run(page, `
    Memory.n, Memory.text, Memory.nested = 7, "hello", { deep = { 1, 2, { 3 } } }
    local shared = { "same" } Memory.a, Memory.b = shared, shared
    Memory.loop = {} Memory.loop.me = Memory.loop
    local count = 100
    Memory.bump = function(by) count = count + by return count end
    Memory.add = function(x, y) return x + y end
    local id, stamp = "id-" .. math.random(1e9), os.time()
    Memory.greet = function() return "hello from " .. id .. " at " .. stamp end`);
  await saved(page);
  await page.getByTestId('probe-args').fill('5, 6');
  const navigated = page.waitForEvent('load');
  await page.getByTestId('save-and-reload').click();
  await navigated;
  const result = page.getByTestId('proof-result');
  await expect(result).toHaveAttribute('data-match', 'true', { timeout: 15_000 });
  await expect(result).toContainText('All 9 keys match after the reload');
  await expect(result).toContainText(/saved in \d+\.\d ms · restored in \d+\.\d ms/);
  await expect(result.locator('tr[data-key="add"]')).toContainText('→ 11');
  await expect(result.locator('tr[data-key="bump"] td').nth(0)).toContainText('→ 105');
  await expect(result.locator('tr[data-key="bump"] td').nth(1)).toContainText('→ 105');
  await expect(result.locator('tr[data-key="greet"]')).toContainText('✓ match');
  await expect(page.getByTestId('probe-args')).toHaveValue('5, 6');
});

test('a key that does not come back is a mismatch', async ({ page }) => {
  await run(page, "Memory.kept = 1 Memory.lost = { 'to be damaged' }");
  await saved(page);
  // Garbage into the stored record of Memory.lost: the live page still has it, the
  // restored one cannot read it back.
  const damaged = await damageRecords(page, 'to be damaged');
  expect(damaged).toBe(1);
  const navigated = page.waitForEvent('load');
  await page.getByTestId('save-and-reload').click();
  await navigated;
  const result = page.getByTestId('proof-result');
  await expect(result).toHaveAttribute('data-match', 'false', { timeout: 15_000 });
  await expect(result).toContainText('1 of 2 keys differ after the reload');
  await expect(result.locator('tr[data-key="lost"]')).toHaveClass(/mismatch/);
  await expect(result.locator('tr[data-key="kept"]')).toContainText('✓ match');
});

test('bad probe arguments are reported and nothing reloads', async ({ page }) => {
  await run(page, 'Memory.f = function(x) return x end');
  await page.getByTestId('probe-args').fill('1,,');
  await page.getByTestId('save-and-reload').click();
  await expect(page.getByTestId('proof-panel').getByRole('alert')).toContainText('probe arguments');
  await expect(page.getByTestId('save-and-reload')).toBeEnabled();
});
