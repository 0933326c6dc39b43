// The Memory inspector: the live tree of Memory after every run, with types, previews
// and sizes, functions with their upvalues, links for shared tables and cycles,
// delete with undo, a filter, the keyboard, and 100,000 entries drawn virtually.
import { test, expect, type Page } from '@playwright/test';
import { run, saved } from './playground';

/** The inspector's row for `path` (as the engine writes paths: Memory.a["b c"]). */
function row(page: Page, path: string) {
  return page.locator(`[data-testid=memory-row][data-path=${JSON.stringify(path)}]`);
}

/** Paths of the rows drawn, top to bottom. */
async function drawnPaths(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('[data-testid=memory-row]')]
      .sort((a, b) => a.offsetTop - b.offsetTop)
      .map((r) => r.dataset.path ?? ''),
  );
}

let errors: string[] = [];

test.beforeEach(async ({ page }) => {
  errors = [];
  page.on('console', (m) => {
    // The browser asks for a favicon the page does not have: not the page's error.
    if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  await saved(page);
});

test.afterEach(() => {
  expect(errors).toEqual([]);
});

test('values of each kind show their type, preview and size after a run', async ({ page }) => {
  await expect(row(page, 'Memory')).toContainText('0 entries');
  await run(page, "Memory.n, Memory.f, Memory.b = 42, 0.5, true\nMemory.s = 'hello'\nMemory.t = { 1, 2, x = 'y' }\nMemory['a b'] = print");
  await expect(row(page, 'Memory')).toContainText('6 entries');
  await expect(row(page, 'Memory.n')).toHaveText(/n\s*integer\s*42/);
  await expect(row(page, 'Memory.f')).toHaveText(/f\s*float\s*0\.5/);
  await expect(row(page, 'Memory.b')).toHaveText(/b\s*boolean\s*true/);
  await expect(row(page, 'Memory.s')).toHaveText(/s\s*string\s*"hello"\s*5 bytes/);
  await expect(row(page, 'Memory.t')).toHaveText(/t\s*table\s*\{1, 2, x = "y"\}\s*3 entries/);
  await expect(row(page, 'Memory["a b"]')).toHaveText(/\["a b"\]\s*function\s*print/);
  await expect(row(page, 'Memory.t')).toHaveAttribute('aria-expanded', 'false');
  // The tree is the engine's order: numbers, then strings.
  expect(await drawnPaths(page)).toEqual(['Memory', 'Memory["a b"]', 'Memory.b', 'Memory.f', 'Memory.n', 'Memory.s', 'Memory.t']);
  // Every run refreshes it.
  await run(page, 'Memory.n = Memory.n + 1');
  await expect(row(page, 'Memory.n')).toContainText('43');
});

test('function rows show parameters, where they were defined, and upvalues with values', async ({ page }) => {
  await run(page, "local count, label = 3, 'hits'\nMemory.add = function(x, y, ...)\n  count = count + x\n  return label, count\nend");
  const add = row(page, 'Memory.add');
  await expect(add).toContainText('function(x, y, ...)');
  await expect(add).toContainText('main.lua:2');
  await expect(add).toContainText('upvalues: count = 3, label = "hits"');
  await add.click();
  await expect(add).toHaveAttribute('aria-expanded', 'true');
  await expect(row(page, "Memory.add (upvalue 'count')")).toHaveText(/count\s*upvalue\s*integer\s*3/);
  await run(page, 'Memory.add(4)');
  await expect(row(page, "Memory.add (upvalue 'count')")).toContainText('7');
  await expect(add).toContainText('upvalues: count = 7');
});

test('a cycle and a shared table are links, and a link reveals its target', async ({ page }) => {
  await run(page, 'Memory.a = { inner = { deep = 1 } }\nMemory.z = { ref = Memory.a.inner }\nMemory.self = Memory');
  await expect(row(page, 'Memory.self')).toContainText('→ Memory');
  await expect(row(page, 'Memory.a.inner')).toHaveCount(0);
  await row(page, 'Memory.z').click();
  const link = row(page, 'Memory.z.ref').getByTestId('memory-link');
  await expect(link).toHaveText('→ Memory.a.inner');
  await link.click();
  const target = row(page, 'Memory.a.inner');
  await expect(target).toBeVisible();
  await expect(target).toHaveAttribute('aria-selected', 'true');
  await expect(row(page, 'Memory.a')).toHaveAttribute('aria-expanded', 'true');
  await expect(page.getByTestId('memory-tree')).toBeFocused();
  // The cycle back to Memory: Enter on the focused link row follows it too.
  await row(page, 'Memory.self').click();
  await page.keyboard.press('Enter');
  await expect(row(page, 'Memory')).toHaveAttribute('aria-selected', 'true');
});

test('following a link scrolls its far-away target into view', async ({ page }) => {
  await run(page, 'Memory[1] = { x = 1 }\nfor i = 2, 500 do Memory[i] = i end\nMemory.zz = Memory[1]');
  const tree = page.getByTestId('memory-tree');
  await tree.evaluate((el) => { el.scrollTop = el.scrollHeight; });
  await expect(row(page, 'Memory[1]')).toHaveCount(0);
  await row(page, 'Memory.zz').getByTestId('memory-link').click();
  await expect(row(page, 'Memory[1]')).toBeInViewport();
  await expect(row(page, 'Memory[1]')).toHaveAttribute('aria-selected', 'true');
});

test('deleting a key removes it from the inspector and from Memory, across a reload; Undo puts one back', async ({ page }) => {
  await run(page, 'Memory.x = { 1, 2 }\nMemory.keep = 2');
  await saved(page);
  await row(page, 'Memory.x').getByTestId('memory-delete').click();
  await expect(row(page, 'Memory.x')).toHaveCount(0);
  await expect(page.getByTestId('memory-notice')).toContainText('Deleted Memory.x');
  await saved(page);
  expect(await run(page, 'return Memory.x == nil, Memory.keep')).toContain('=> true\t2');
  await page.reload();
  await saved(page);
  await expect(row(page, 'Memory.keep')).toBeVisible();
  await expect(row(page, 'Memory.x')).toHaveCount(0);
  expect(await run(page, 'return Memory.x == nil')).toContain('=> true');

  await row(page, 'Memory.keep').getByTestId('memory-delete').click();
  await expect(row(page, 'Memory.keep')).toHaveCount(0);
  await page.getByTestId('memory-undo').click();
  await expect(row(page, 'Memory.keep')).toContainText('2');
  await expect(page.getByTestId('memory-notice')).toHaveCount(0);
  expect(await run(page, 'return Memory.keep')).toContain('=> 2');
});

test('the filter narrows the rows to matches and what leads to them', async ({ page }) => {
  await run(page, "Memory.config = { theme = 'dark', size = 3 }\nMemory.other = 5\nMemory.title = 'Dark Moon'");
  const filter = page.getByTestId('memory-filter');
  await filter.fill('theme');
  await expect.poll(() => drawnPaths(page)).toEqual(['Memory', 'Memory.config', 'Memory.config.theme']);
  await expect(page.getByTestId('memory-count')).toHaveText('1 matching');
  await filter.fill('DARK');
  await expect.poll(() => drawnPaths(page)).toEqual(['Memory', 'Memory.config', 'Memory.config.theme', 'Memory.title']);
  // Enter on a match shows it in the whole tree.
  await page.getByTestId('memory-tree').focus();
  await page.keyboard.press('End');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('Enter');
  await expect(filter).toHaveValue('');
  await expect(row(page, 'Memory.config.theme')).toHaveAttribute('aria-selected', 'true');
  await expect(row(page, 'Memory.other')).toBeVisible();
});

test('the keyboard moves, expands and collapses', async ({ page }) => {
  await run(page, 'Memory.t = { a = 1, b = { c = 2 } }');
  const tree = page.getByTestId('memory-tree');
  await expect(tree).toHaveAttribute('role', 'tree');
  await tree.focus();
  await expect(row(page, 'Memory')).toHaveAttribute('aria-selected', 'true');
  await expect(row(page, 'Memory')).toHaveAttribute('aria-level', '1');
  await page.keyboard.press('ArrowDown');
  await expect(row(page, 'Memory.t')).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowRight');
  await expect(row(page, 'Memory.t')).toHaveAttribute('aria-expanded', 'true');
  await page.keyboard.press('ArrowRight');
  await expect(row(page, 'Memory.t.a')).toHaveAttribute('aria-selected', 'true');
  await expect(row(page, 'Memory.t.a')).toHaveAttribute('aria-level', '3');
  await page.keyboard.press('ArrowLeft');
  await expect(row(page, 'Memory.t')).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowLeft');
  await expect(row(page, 'Memory.t')).toHaveAttribute('aria-expanded', 'false');
  await expect(row(page, 'Memory.t.a')).toHaveCount(0);
  await page.keyboard.press('Enter');
  await expect(row(page, 'Memory.t')).toHaveAttribute('aria-expanded', 'true');
  // Delete on the keyboard, too.
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Delete');
  await expect(row(page, 'Memory.t.a')).toHaveCount(0);
  expect(await run(page, 'return Memory.t.a')).toContain('=> nil');
});

test('100,000 entries draw only the rows in view, and scrolling reaches the last', async ({ page }) => {
  await run(page, 'for i = 1, 100000 do Memory[i] = i end');
  await expect(row(page, 'Memory')).toContainText('100000 entries');
  await expect(row(page, 'Memory[1]')).toBeVisible();
  await expect(page.getByTestId('memory-count')).toHaveText('100001 rows');
  const drawn = await page.getByTestId('memory-row').count();
  expect(drawn).toBeGreaterThan(5);
  expect(drawn).toBeLessThan(200);
  const tree = page.getByTestId('memory-tree');
  await tree.evaluate((el) => { el.scrollTop = el.scrollHeight; });
  const last = row(page, 'Memory[100000]');
  await expect(last).toBeVisible();
  await expect(last).toHaveText(/\[100000\]\s*integer\s*100000/);
  expect(await page.getByTestId('memory-row').count()).toBeLessThan(200);
  await tree.evaluate((el) => { el.scrollTop = el.scrollHeight / 2; });
  await expect(row(page, 'Memory[50000]')).toBeVisible();
  // The keyboard pages through them too.
  await tree.focus();
  await page.keyboard.press('End');
  await expect(last).toHaveAttribute('aria-selected', 'true');
});
