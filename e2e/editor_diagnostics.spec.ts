// Syntax errors are marked as you type, by Lua's own parser, and nothing runs.
import { expect, test, type Page } from '@playwright/test';

const editor = (page: Page) => page.getByTestId('editor');

test('a syntax error is marked while typing, without running anything', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('run')).toBeEnabled();
  const output = page.getByTestId('console-output');
  const runs = await output.getAttribute('data-runs');
  const transcript = await output.textContent();
  await editor(page).fill('');
  await editor(page).pressSequentially('Memory.ran = true\nlocal x = = 1');
  const mark = page.locator('.cm-lintRange-error');
  await expect(mark).toHaveCount(1);
  await expect(mark).toHaveText('local x = = 1');
  await mark.hover();
  await expect(page.locator('.cm-tooltip-lint')).toHaveText("main.lua:2: unexpected symbol near '='");
  expect(await output.getAttribute('data-runs')).toBe(runs);
  expect(await output.textContent()).toBe(transcript);

  await editor(page).press('End');
  await editor(page).press('Shift+Home');
  await editor(page).pressSequentially('local x = 1');
  await expect(mark).toHaveCount(0);
  expect(await output.getAttribute('data-runs')).toBe(runs);
});
