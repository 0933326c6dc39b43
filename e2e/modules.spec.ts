// require between scripts: a tab requires another by its name, the module is cached
// while its text stays, loaded anew after an edit, and its errors name its chunk.
import { test, expect, type Page } from '@playwright/test';
import { editorText, ran, saved } from './playground';

const editor = (page: Page) => page.getByTestId('editor');
const tabs = (page: Page) => page.getByTestId('script-tab');
const activeTab = (page: Page) => page.locator('[data-testid=script-tab] button[aria-current=true]');

async function show(page: Page, name: string, text?: string) {
  await tabs(page).getByRole('button', { name, exact: true }).click();
  await expect(activeTab(page)).toHaveText(name);
  if (text !== undefined) await editor(page).fill(text);
}

const runMain = async (page: Page) => {
  await show(page, 'main');
  return ran(page, () => page.getByTestId('run').click());
};

test('require loads another tab, keeps it while unchanged, reloads it after an edit', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto('/');
  await saved(page);
  await editor(page).fill('local util = require "util"\nreturn util.greet("moon"), loads');

  await page.getByTestId('new-script').click();
  await activeTab(page).dblclick();
  await page.getByLabel('Script name').fill('util');
  await page.getByLabel('Script name').press('Enter');
  await expect(activeTab(page)).toHaveText('util');
  await editor(page).fill(
    'loads = (loads or 0) + 1\nlocal M = {}\nfunction M.greet(name) return "hello " .. name end\nreturn M',
  );

  expect(await runMain(page)).toBe('=> hello moon\t1\n');
  // Cached in package.loaded, as Lua does: not loaded again while its text stays.
  expect(await runMain(page)).toBe('=> hello moon\t1\n');

  await show(page, 'util');
  await expect.poll(() => editorText(page)).toContain('hello');
  await editor(page).fill('loads = (loads or 0) + 1\nreturn { greet = function(name) return "hi " .. name end }');
  expect(await runMain(page)).toBe('=> hi moon\t2\n');

  // An error inside the module names the module's chunk and line.
  await show(page, 'util', 'local M = {}\n\nerror("util is broken")\nreturn M');
  const failed = await runMain(page);
  expect(failed).toContain('util.lua:3: util is broken');

  // A module found nowhere: Lua's message, listing where require looked.
  await editor(page).fill('return pcall(require, "nowhere")');
  expect(await ran(page, () => page.getByTestId('run').click())).toBe(
    "=> false\tmodule 'nowhere' not found:\n\tno field package.preload['nowhere']\n\tno script 'nowhere' or 'nowhere.lua' among the tabs\n",
  );
  expect(errors).toEqual([]);
});
