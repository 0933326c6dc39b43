// Versions in the page: every save point that changes Memory is a version, which
// names the code that made it, and keeps what it replaced.
import { test, expect } from '@playwright/test';
import { records, run, saved } from './playground';

const hex = (text: string) => Buffer.from(text).toString('hex');

test('every run is a version in IndexedDB, naming its code, and what it replaced is kept', async ({ page }) => {
  await page.goto('/');
  await run(page, "Memory.list = { 'kept in the history' } -- first run");
  await saved(page);
  await run(page, 'Memory.list = nil -- second run');
  await saved(page);
  const all = await records(page);
  const versions = [...all].filter(([k]) => k.startsWith(hex('v')));
  expect(versions.length).toBeGreaterThanOrEqual(2);
  expect(versions.some(([, v]) => v.includes(hex('-- first run')))).toBe(true);
  expect(versions.some(([, v]) => v.includes(hex('-- second run')))).toBe(true);
  // The table the second run dropped is not gone: it moved to the history.
  const history = [...all].filter(([k]) => k.startsWith(hex('h')));
  expect(history.some(([, v]) => v.includes(hex('kept in the history')))).toBe(true);
  expect([...all].some(([k, v]) => k.startsWith(hex('o')) && v.includes(hex('kept in the history')))).toBe(false);
});

test('a restore reads the current Memory alone, however long the history', async ({ page }) => {
  await page.goto('/');
  for (let i = 0; i < 4; i++) {
    await run(page, `Memory.n = ${i}; Memory.t = { i = ${i} }`);
    await saved(page);
  }
  const all = await records(page);
  const live = [...all.keys()].filter((k) => !k.startsWith(hex('h')) && !k.startsWith(hex('v')));
  expect(all.size).toBeGreaterThan(live.length + 4);
  await page.reload();
  await expect(page.getByTestId('save-status')).toContainText(`from ${live.length} records`);
  await expect(page.getByTestId('save-status')).not.toContainText(`from ${all.size} records`);
});
