// The editor knows the running program: completion from live values, hover, and the
// parameters of the call being typed (editor/assist.js asking the engine's Vm).
import { expect, test, type Page } from '@playwright/test';
import { editorText, run } from './playground';

const editor = (page: Page) => page.getByTestId('editor');
const options = (page: Page) => page.locator('.cm-tooltip-autocomplete li');

/** Empties the editor and types `text` key by key, as a person does. */
async function type(page: Page, text: string) {
  await editor(page).fill('');
  await editor(page).pressSequentially(text);
}

/** Moves the mouse over the first character of `needle` in the editor's text. */
async function hoverOver(page: Page, needle: string) {
  const point = await editor(page).evaluate((content, needle) => {
    const walker = document.createTreeWalker(content, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const at = (node.textContent ?? '').indexOf(needle);
      if (at < 0) continue;
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + 1);
      const rect = range.getBoundingClientRect();
      return { x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 };
    }
    throw new Error(`${needle} is not in the editor`);
  }, needle);
  await page.mouse.move(point.x, point.y);
}

test.beforeEach(async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('run')).toBeEnabled();
});

test('completion offers the live keys of Memory with their types and values', async ({ page }) => {
  await run(page, 'Memory.player = {hp = 1, inv = {}, name = "x"}');
  await type(page, 'print(Memory.player.');
  await expect(options(page)).toHaveCount(3);
  const shown = await options(page).evaluateAll((items) =>
    items.map((li) => [li.querySelector('.cm-completionLabel')?.textContent, li.querySelector('.cm-completionDetail')?.textContent]),
  );
  expect(shown).toEqual([
    ['hp', 'integer 1'],
    ['inv', 'table {}'],
    ['name', 'string "x"'],
  ]);
  await editor(page).press('n');
  await expect(options(page)).toHaveCount(1);
  await editor(page).press('Enter');
  expect(await editorText(page)).toBe('print(Memory.player.name');
});

test('completion offers string methods after a colon, and globals', async ({ page }) => {
  await type(page, '("x"):');
  await expect(options(page).filter({ hasText: 'upper' })).toHaveCount(1);
  await expect(options(page).filter({ hasText: 'format' })).toHaveCount(1);
  await type(page, 'local total = 1\npri');
  await expect(options(page).first()).toContainText('print');
  await type(page, 'local total = 1\nto');
  await expect(options(page).filter({ hasText: 'total' })).toHaveCount(1);
});

test('hover shows a live value, and where a function was defined', async ({ page }) => {
  await run(page, 'Memory.player = {hp = 7}\nfunction Memory.greet(name)\n  return "hi " .. name\nend');
  await editor(page).fill('print(Memory.player.hp, Memory.greet)');
  await hoverOver(page, 'hp');
  const hover = page.getByTestId('hover');
  await expect(hover).toContainText('Memory.player.hp integer 7');
  await page.mouse.move(0, 0);
  await expect(hover).toHaveCount(0);
  await hoverOver(page, 'greet');
  await expect(hover).toContainText('Memory.greet function(name)');
  await expect(hover).toContainText('defined at main.lua:2');
});

test('inside a call of a live function, its parameters are shown', async ({ page }) => {
  await run(page, 'function Memory.move(dx, dy) end');
  await type(page, 'Memory.move(1, ');
  const signature = page.getByTestId('signature');
  await expect(signature).toHaveText('Memory.move(dx, dy)');
  await expect(signature.locator('.cm-signature-active')).toHaveText('dy');
  await editor(page).press('2');
  await editor(page).press(')');
  await expect(signature).toHaveCount(0);
});
