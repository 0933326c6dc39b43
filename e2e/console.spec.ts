// The REPL console: the prompt runs input (continuing unfinished input), keeps a
// history that survives reloads, unfolds returned tables and functions, shows errors
// with their traceback, and lists earlier runs until cleared.
import { test, expect, type Page } from '@playwright/test';
import { saved } from './playground';

async function enter(page: Page, line: string): Promise<string> {
  const output = page.getByTestId('console-output');
  const before = Number(await output.getAttribute('data-runs'));
  await page.getByTestId('console-input').fill(line);
  await page.getByTestId('console-input').press('Enter');
  await expect(output).toHaveAttribute('data-runs', String(before + 1));
  return (await output.textContent()) ?? '';
}

test.beforeEach(async ({ page }) => {
  await page.goto('/');
  await saved(page);
});

test('the prompt evaluates expressions and statements', async ({ page }) => {
  expect(await enter(page, '1 + 1')).toBe('=> 2\n');
  expect(await enter(page, 'x = 20')).toBe('');
  expect(await enter(page, 'x * 2 + 2')).toBe('=> 42\n');
  await expect(page.getByTestId('console-input')).toHaveValue('');
});

test('unfinished input continues on the next line', async ({ page }) => {
  const input = page.getByTestId('console-input');
  await input.fill('function double(a)');
  await input.press('Enter');
  await expect(page.locator('.prompt-sign')).toHaveText('>>');
  expect(await enter(page, 'return a * 2 end')).toBe('');
  await expect(page.locator('.prompt-sign')).toHaveText('>');
  expect(await enter(page, 'double(21)')).toBe('=> 42\n');
});

test('history walks with the arrow keys and survives a reload', async ({ page }) => {
  await enter(page, 'a = 1');
  await enter(page, 'a + 1');
  const input = page.getByTestId('console-input');
  await input.press('ArrowUp');
  await expect(input).toHaveValue('a + 1');
  await input.press('ArrowUp');
  await expect(input).toHaveValue('a = 1');
  await input.press('ArrowDown');
  await expect(input).toHaveValue('a + 1');
  await input.press('ArrowDown');
  await expect(input).toHaveValue('');
  await page.reload();
  await saved(page);
  await page.getByTestId('console-input').press('ArrowUp');
  await expect(page.getByTestId('console-input')).toHaveValue('a + 1');
});

test('returned tables and functions unfold', async ({ page }) => {
  const text = await enter(page, 'return {list = {10, 20}, f = function(x, y) return x end}');
  expect(text.startsWith('=> {')).toBe(true);
  const output = page.getByTestId('console-output');
  await output.getByRole('button', { name: 'show (1)' }).click();
  await expect(output).toContainText('table, 2 entries');
  await output.getByRole('button', { name: 'show (1).f' }).click();
  await expect(output).toContainText('function(x, y) · defined at console:1');
  await output.getByRole('button', { name: 'show (1).list' }).click();
  await expect(output.locator('.tree .key', { hasText: '[2]' })).toBeVisible();
});

test('errors are marked and unfold a traceback', async ({ page }) => {
  const text = await enter(page, 'local function f() error("boom") end f()');
  expect(text).toBe('error: console:1: boom\n');
  await expect(page.locator('.entry.current')).toHaveClass(/failed/);
  await page.locator('.entry.current summary').click();
  await expect(page.getByTestId('traceback')).toContainText("in function 'error'");
});

test('earlier runs stay listed until the console is cleared', async ({ page }) => {
  await enter(page, 'print("first")');
  await enter(page, 'print("second")');
  const log = page.getByTestId('console-log');
  await expect(log.getByTestId('console-entry')).toHaveText(['first\n']);
  await expect(log.locator('.entry-label').first()).toHaveText('> print("first")');
  await page.getByTestId('console-clear').click();
  await expect(log.getByTestId('console-entry')).toHaveCount(0);
  await expect(page.getByTestId('console-output')).toHaveText('');
});

test('editor runs appear in the console too', async ({ page }) => {
  await page.getByTestId('editor').fill('print("from the editor")');
  await page.getByTestId('run').click();
  await expect(page.getByTestId('console-output')).toHaveText('from the editor\n');
  await expect(page.locator('.entry.current .entry-label')).toHaveText('main.lua');
});

test('a line entered while a large Memory is restored runs once the restore ends', async ({ page }) => {
  test.setTimeout(120_000);
  const input = page.getByTestId('console-input');
  await input.fill('Memory.big = {} for i = 1, 100000 do Memory.big[i] = {i, tostring(i)} end');
  await input.press('Enter');
  await expect(page.getByTestId('console-output')).toHaveAttribute('data-runs', '1', { timeout: 60_000 });
  await expect(page.getByTestId('save-status')).toHaveAttribute('data-state', 'saved', { timeout: 60_000 });
  await page.reload();
  const status = page.getByTestId('save-status');
  await expect(status).toHaveAttribute('data-state', 'restoring');
  await input.fill('return #Memory.big');
  await input.press('Enter');
  // Entered while Memory is still being restored: the line waits, shown, then runs.
  await expect(page.getByTestId('console-queued')).toContainText('return #Memory.big');
  await expect(status).toHaveAttribute('data-state', 'restoring');
  await expect(page.getByTestId('console-output')).toHaveText('=> 100000\n', { timeout: 60_000 });
  await expect(page.getByTestId('console-queued')).toHaveCount(0);
  await expect(input).toHaveValue('');
});
