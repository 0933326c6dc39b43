// The Format command: StyLua, fetched on the first Format only, formats the open script
// as one undoable change, and leaves the text alone with a message when it cannot.
import { test, expect, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { editorText } from './playground';

const messy = [
  'local   t={1,2,  3}',
  "function greet( name ) return 'hi '..name end",
  "for i=1,#t do if t[i]>1 then print( greet('x') ) end end",
  'local limit <const> =5',
  '',
].join('\n');

const formatted = [
  'local t = { 1, 2, 3 }',
  'function greet(name)',
  '  return "hi " .. name',
  'end',
  'for i = 1, #t do',
  '  if t[i] > 1 then',
  '    print(greet("x"))',
  '  end',
  'end',
  'local limit <const> = 5',
  '',
].join('\n');

/** The page, ready to run, with the URLs of the formatter's files it has requested. */
/** Holds StyLua's wasm back until the returned function is called. */
async function holdFormatter(page: Page): Promise<() => void> {
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/format/stylua.wasm', async (route) => {
    await held;
    await route.continue();
  });
  return () => release();
}

async function open(page: Page): Promise<string[]> {
  const formatter: string[] = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname.startsWith('/format/')) formatter.push(new URL(r.url()).pathname);
  });
  await page.goto('/');
  await expect(page.getByTestId('run')).toBeEnabled();
  return formatter;
}

test('Format on a messy script: StyLua fetched on first use, one undoable change', async ({ page }) => {
  const formatter = await open(page);
  await page.getByTestId('editor').fill(messy);
  // Not even once the page is idle (it then warms the interpreter up).
  await page.waitForFunction(() => performance.getEntriesByName('moonkeep:warmed').length === 1);
  expect(formatter, 'nothing of the formatter before the first Format').toEqual([]);

  await page.getByTestId('format').click();
  await expect.poll(() => editorText(page)).toBe(formatted);
  expect(formatter.sort()).toEqual(['/format/stylua.js', '/format/stylua.wasm']);
  await expect(page.getByTestId('format-message')).toHaveText('');
  await expect(page.getByTestId('format')).toHaveAttribute('aria-busy', 'false');

  // The formatted script is what runs.
  await page.getByTestId('run').click();
  await expect(page.getByTestId('console-output')).toContainText('hi x');

  await page.getByTestId('editor').focus();
  await page.keyboard.press('Control+z');
  expect(await editorText(page)).toBe(messy);
  await page.keyboard.press('Control+y');
  expect(await editorText(page)).toBe(formatted);
});

test('Shift+Alt+F formats and keeps the cursor before the same code', async ({ page }) => {
  await open(page);
  const editor = page.getByTestId('editor');
  await editor.fill('local   x=1\nprint(  x )');
  await page.keyboard.press('Control+Home');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Shift+Alt+F');
  await expect.poll(() => editorText(page)).toBe('local x = 1\nprint(x)\n');
  await page.keyboard.type('--');
  expect(await editorText(page)).toBe('local x = 1\n--print(x)\n');
});

test('a script StyLua cannot parse is left as it is, with a message naming it and the line', async ({ page }) => {
  await open(page);
  const broken = 'print("fine")\n\nlocal function f()\n  return 1 +\nend\n';
  await page.getByTestId('editor').fill(broken);
  await page.getByTestId('format').click();
  await expect(page.getByTestId('format-message')).toHaveText(
    'Cannot format main, line 4: unexpected token `+`, expected expression after binary operator. The script is unchanged.',
  );
  expect(await editorText(page)).toBe(broken);

  // The message is about the text as it was: an edit ends it. Fixed, the script formats.
  await page.getByTestId('editor').fill('print(  1 )');
  await expect(page.getByTestId('format-message')).toHaveText('');
  await page.getByTestId('format').click();
  await expect.poll(() => editorText(page)).toBe('print(1)\n');
});

test('while StyLua loads the button is busy; a failed load loses nothing and Format tries again', async ({ page }) => {
  await open(page);
  await page.getByTestId('editor').fill('print(  1 )');

  await page.route('**/format/stylua.js', (route) => route.abort('internetdisconnected'));
  await page.getByTestId('format').click();
  await expect(page.getByTestId('format-message')).toContainText('The formatter could not be loaded');
  await expect(page.getByTestId('format-message')).toContainText('nothing was changed');
  expect(await editorText(page)).toBe('print(  1 )');
  await page.unroute('**/format/stylua.js');

  const release = await holdFormatter(page);
  await page.getByTestId('format').click();
  await expect(page.getByTestId('format')).toHaveAttribute('aria-busy', 'true');
  const ellipsis = () => page.getByTestId('format').evaluate((b) => getComputedStyle(b, '::after').content);
  expect(await ellipsis()).toBe('"…"'); // "Format…"
  release();
  await expect.poll(() => editorText(page)).toBe('print(1)\n');
  await expect(page.getByTestId('format')).toHaveAttribute('aria-busy', 'false');
  expect(await ellipsis()).toBe('none');
  await expect(page.getByTestId('format-message')).toHaveText('');
});

test('what is typed while StyLua loads is kept: the script is left as typed, with a message', async ({ page }) => {
  await open(page);
  const editor = page.getByTestId('editor');
  await editor.fill('print(  1 )');
  const release = await holdFormatter(page);
  await page.getByTestId('format').click();
  await expect(page.getByTestId('format')).toHaveAttribute('aria-busy', 'true');
  await editor.press('End');
  await page.keyboard.type(' -- mine');
  release();
  await expect(page.getByTestId('format-message')).toHaveText(
    'main changed while the formatter loaded, so it was left as it is: press Format again.',
  );
  expect(await editorText(page)).toBe('print(  1 ) -- mine');
});

test('StyLua is shipped without its custom sections (its names: 55 KB gzip of the download)', () => {
  const module = new WebAssembly.Module(readFileSync(join(import.meta.dirname, '..', 'dist', 'format', 'stylua.wasm')));
  expect(WebAssembly.Module.exports(module).map((e) => e.name)).toContain('formatCode');
  expect(WebAssembly.Module.customSections(module, 'name')).toHaveLength(0);
});
