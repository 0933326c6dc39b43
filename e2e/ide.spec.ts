// The IDE around the VM: the CodeMirror editor, scripts as tabs, the examples, themes,
// resizable panes, narrow screens and keyboard-only use.
import { test, expect, type Page } from '@playwright/test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { editorText, ran, run, saved } from './playground';

const demoDir = join(import.meta.dirname, '..', 'demo');
const demoFiles = readdirSync(demoDir).filter((f) => f.endsWith('.lua')).sort();

const editor = (page: Page) => page.getByTestId('editor');
const tabs = (page: Page) => page.getByTestId('script-tab');
const activeTab = (page: Page) => page.locator('[data-testid=script-tab] button[aria-current=true]');
const output = (page: Page) => page.getByTestId('console-output');

/** Fails the test on any console error or uncaught exception. */
function noConsoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  return errors;
}

async function open(page: Page) {
  await page.goto('/');
  await saved(page);
}

test.describe('the editor', () => {
  test('fill and Ctrl+Enter run the whole buffer; typing highlights Lua', async ({ page }) => {
    const errors = noConsoleErrors(page);
    await open(page);
    await editor(page).fill('local function twice(x)\n  return x * 2\nend\nprint("twice", twice(21))');
    const text = await ran(page, () => editor(page).press('Control+Enter'));
    expect(text).toBe('twice\t42\n');
    // Lua highlighting and line numbers come from CodeMirror, bundled with the page.
    await expect(page.locator('.cm-lineNumbers .cm-gutterElement', { hasText: /^4$/ })).toBeVisible();
    const keyword = page.locator('.cm-line span', { hasText: /^local$/ }).first();
    const plain = await editor(page).evaluate((el) => getComputedStyle(el).color);
    expect(await keyword.evaluate((el) => getComputedStyle(el).color)).not.toBe(plain);
    expect(errors).toEqual([]);
  });

  test('Shift+Enter runs the selection, or the current line without one', async ({ page }) => {
    await open(page);
    await editor(page).fill('return 1\nreturn 2\nreturn 3, 4');
    await editor(page).press('Control+Home');
    await editor(page).press('ArrowDown');
    await editor(page).press('Shift+End');
    expect(await ran(page, () => editor(page).press('Shift+Enter'))).toBe('=> 2\n');
    await editor(page).press('Control+End');
    expect(await ran(page, () => editor(page).press('Shift+Enter'))).toBe('=> 3\t4\n');
    // Running never edits the buffer (no newline inserted by Shift+Enter).
    expect(await editorText(page)).toBe('return 1\nreturn 2\nreturn 3, 4');
  });

  test('brackets are matched', async ({ page }) => {
    await open(page);
    await editor(page).fill('print((1 + 2) * 3)');
    await editor(page).press('End');
    await expect(page.locator('.cm-matchingBracket')).toHaveCount(2);
  });

  test('a failing line is marked with the message until the next edit', async ({ page }) => {
    await open(page);
    const text = await run(page, 'local x = 1\nprint(x)\nlocal y = nil + x\nprint(y)');
    expect(text).toBe('1\nerror: main.lua:3: attempt to perform arithmetic on a nil value\n');
    const marked = page.locator('.cm-line.cm-error-line');
    await expect(marked).toHaveCount(1);
    await expect(marked).toContainText('local y = nil + x');
    await expect(marked.locator('.cm-error-message')).toHaveText('attempt to perform arithmetic on a nil value');
    await expect(page.locator('.cm-error-message')).toHaveText('attempt to perform arithmetic on a nil value');
    await expect(page.locator('.cm-error-message')).toBeVisible();

    await editor(page).press('End');
    await page.keyboard.insertText(' ');
    await expect(page.locator('.cm-error-line')).toHaveCount(0);
    await expect(page.locator('.cm-error-message')).toHaveCount(0);

    // A syntax error is marked too; a good run clears the mark.
    await run(page, 'print(1)\nx = = 2');
    await expect(page.locator('.cm-error-line')).toContainText('x = = 2');
    await run(page, 'return 1');
    await expect(page.locator('.cm-error-line')).toHaveCount(0);
  });

  test('text replaced right after an error on the last line replaces it all', async ({ page }) => {
    // Selecting everything through the DOM (as fill does) must reach past the mark.
    await open(page);
    for (let i = 0; i < 6; i++) {
      expect(await run(page, 'print(1)\nx = = 2')).toContain("unexpected symbol near '='");
      expect(await run(page, `return ${i}`)).toBe(`=> ${i}\n`);
    }
  });

  test('an error in a selection is marked where the selection sits', async ({ page }) => {
    await open(page);
    await editor(page).fill('print("a")\nprint("b")\nerror("boom")');
    await editor(page).press('Control+End');
    const text = await ran(page, () => editor(page).press('Shift+Enter'));
    expect(text).toBe('error: main.lua:1: boom\n');
    await expect(page.locator('.cm-error-line')).toContainText('error("boom")');
    await expect(page.locator('.cm-error-message')).toHaveText('boom');
  });

  test('errors raised in another chunk mark no line', async ({ page }) => {
    await open(page);
    const text = await run(page, 'local f = load("error(\'elsewhere\')", "=other.lua")\nf()');
    expect(text).toBe('error: other.lua:1: elsewhere\n');
    await expect(page.getByTestId('traceback')).toBeAttached();
    await expect(page.locator('.cm-error-line')).toHaveCount(0);
  });
});

test.describe('scripts', () => {
  test('create, rename, switch and close with undo, all kept across a reload', async ({ page }) => {
    await open(page);
    await expect(tabs(page)).toHaveCount(1);
    await expect(activeTab(page)).toHaveText('main');
    await editor(page).fill('return "first"');

    await page.getByTestId('new-script').click();
    await expect(tabs(page)).toHaveCount(2);
    await expect(activeTab(page)).toHaveText('untitled');
    await expect.poll(() => editorText(page)).toBe('');
    await editor(page).fill('return "second"');

    // Rename by double-click: Enter keeps the new name, Escape the old one.
    await activeTab(page).dblclick();
    await page.getByLabel('Script name').fill('helpers');
    await page.getByLabel('Script name').press('Enter');
    await expect(activeTab(page)).toHaveText('helpers');
    await page.getByRole('button', { name: 'Rename helpers' }).click();
    await page.getByLabel('Script name').fill('nope');
    await page.getByLabel('Script name').press('Escape');
    await expect(activeTab(page)).toHaveText('helpers');
    await expect(activeTab(page)).toBeFocused();

    // Switching shows each script's own text and runs it.
    await tabs(page).getByRole('button', { name: 'main', exact: true }).click();
    await expect.poll(() => editorText(page)).toBe('return "first"');
    expect(await ran(page, () => page.getByTestId('run').click())).toBe('=> first\n');
    await tabs(page).getByRole('button', { name: 'helpers', exact: true }).click();
    await expect.poll(() => editorText(page)).toBe('return "second"');

    await page.reload();
    await saved(page);
    await expect(tabs(page)).toHaveText([/main/, /helpers/]);
    await expect(activeTab(page)).toHaveText('helpers');
    await expect.poll(() => editorText(page)).toBe('return "second"');

    // Close, undo, close for good.
    await page.getByRole('button', { name: 'Close helpers' }).click();
    await expect(tabs(page)).toHaveCount(1);
    await expect(activeTab(page)).toHaveText('main');
    await expect(page.getByRole('status').filter({ hasText: 'Closed “helpers”' })).toBeVisible();
    await expect(page.getByTestId('undo-close')).toBeFocused();
    await page.getByTestId('undo-close').click();
    await expect(tabs(page)).toHaveCount(2);
    await expect(activeTab(page)).toHaveText('helpers');
    await expect.poll(() => editorText(page)).toBe('return "second"');
    await page.getByRole('button', { name: 'Close helpers' }).click();
    await page.reload();
    await saved(page);
    await expect(tabs(page)).toHaveCount(1);
    await expect.poll(() => editorText(page)).toBe('return "first"');
  });

  test('undo brings back the closed script’s edit history', async ({ page }) => {
    await open(page);
    await page.getByTestId('new-script').click();
    await editor(page).fill('return 1');
    await page.getByRole('button', { name: 'Close untitled' }).click();
    await page.getByTestId('undo-close').click();
    await editor(page).press('Control+z');
    await expect.poll(() => editorText(page)).toBe('');
  });

  test('closing the last script leaves an empty one', async ({ page }) => {
    await open(page);
    await page.getByRole('button', { name: 'Close main' }).click();
    await expect(tabs(page)).toHaveCount(1);
    await expect(activeTab(page)).toHaveText('untitled');
    await expect.poll(() => editorText(page)).toBe('');
  });

  test('the text of the editor before tabs becomes the first script', async ({ page }) => {
    await page.goto('/');
    await page.evaluate(() => {
      localStorage.clear();
      localStorage.setItem('moonkeep.editor', JSON.stringify('-- written before tabs\nreturn 7'));
    });
    await page.reload();
    await saved(page);
    await expect(tabs(page)).toHaveCount(1);
    await expect.poll(() => editorText(page)).toBe('-- written before tabs\nreturn 7');
    expect(await page.evaluate(() => localStorage.getItem('moonkeep.editor'))).toBeNull();
    expect(await ran(page, () => page.getByTestId('run').click())).toBe('=> 7\n');
  });
});

test.describe('examples', () => {
  test('every demo is in the menu, opens as a new script and runs without error', async ({ page }) => {
    const errors = noConsoleErrors(page);
    await open(page);
    await page.getByTestId('examples').click();
    const entries = page.getByTestId('example');
    await expect(entries).toHaveCount(demoFiles.length);
    const titles = await entries.allTextContents();
    expect(demoFiles.length).toBeGreaterThanOrEqual(3);
    for (let i = 0; i < demoFiles.length; i++) {
      if (!(await entries.nth(i).isVisible())) await page.getByTestId('examples').click();
      const file = await entries.nth(i).getAttribute('data-file');
      await entries.nth(i).click();
      await expect(entries.nth(i)).toBeHidden(); // the menu closed
      await expect(tabs(page)).toHaveCount(i + 2);
      await expect(activeTab(page)).toHaveText(titles[i]);
      const source = readFileSync(join(demoDir, file!), 'utf8');
      expect(source.split('\n')[0]).toBe(`-- Title: ${titles[i]}`);
      // CodeMirror draws only the lines in view (and a margin): they begin the source.
      await expect.poll(async () => {
        const shown = await editorText(page);
        return shown.length > 0 && source.startsWith(shown);
      }).toBe(true);
      const text = await ran(page, () => page.getByTestId('run').click());
      expect(text, file!).not.toContain('error:');
      await expect(output(page)).not.toHaveClass(/failed/);
    }
    expect(errors).toEqual([]);
  });

  async function openExample(page: Page, file: string) {
    await page.getByTestId('examples').click();
    await page.locator(`[data-testid=example][data-file="${file}"]`).click();
  }

  test('the counter keeps counting after a reload', async ({ page }) => {
    await open(page);
    await openExample(page, 'counter.lua');
    const runIt = () => ran(page, () => page.getByTestId('run').click());
    expect(await runIt()).toBe('This counter has been run 1 time(s).\n');
    expect(await runIt()).toBe('This counter has been run 2 time(s).\n');
    await saved(page);
    await page.reload();
    await saved(page);
    expect(await runIt()).toBe('This counter has been run 3 time(s).\n');
  });

  test('the greeting prints the same text after a reload', async ({ page }) => {
    await open(page);
    await openExample(page, 'greet.lua');
    const first = await ran(page, () => page.getByTestId('run').click());
    expect(first).toMatch(/^Hello, world! I am greeter [0-9a-f]{6}, made on \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\n$/);
    await saved(page);
    await page.reload();
    await saved(page);
    await expect(activeTab(page)).toHaveText('A greeting that remembers');
    expect(await ran(page, () => page.getByTestId('run').click())).toBe(first);
  });

  test('Escape or leaving the menu closes it; Escape returns to its button', async ({ page }) => {
    await open(page);
    await page.getByTestId('examples').focus();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('example').first()).toBeVisible();
    await page.keyboard.press('Tab');
    await expect(page.getByTestId('example').first()).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('example').first()).toBeHidden();
    await expect(page.getByTestId('examples')).toBeFocused();

    // Tabbing past the last entry closes it too.
    await page.keyboard.press('Enter');
    for (let i = 0; i <= demoFiles.length; i++) await page.keyboard.press('Tab');
    await expect(page.getByTestId('example').first()).toBeHidden();
    await expect(page.getByTestId('theme')).toBeFocused();
  });
});

test.describe('themes', () => {
  const background = (page: Page) => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const dark = (rgb: string) => {
    const [r, g, b] = rgb.match(/\d+/g)!.map(Number);
    return (r + g + b) / 3 < 100;
  };

  test('the page follows the system until a theme is chosen, and keeps the choice', async ({ page }) => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await open(page);
    await expect(page.getByTestId('theme')).toHaveValue('system');
    expect(dark(await background(page))).toBe(true);
    await page.emulateMedia({ colorScheme: 'light' });
    expect(dark(await background(page))).toBe(false);

    await page.getByTestId('theme').selectOption('dark');
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    expect(dark(await background(page))).toBe(true);
    await page.reload();
    await saved(page);
    await expect(page.getByTestId('theme')).toHaveValue('dark');
    expect(dark(await background(page))).toBe(true);

    await page.getByTestId('theme').selectOption('light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.reload();
    expect(dark(await background(page))).toBe(false);
    await page.getByTestId('theme').selectOption('system');
    await page.reload();
    expect(dark(await background(page))).toBe(true);
  });

  test('settings kept under the keys of earlier versions are moved under moonkeep.settings', async ({ page }) => {
    await open(page);
    await page.evaluate(() => {
      localStorage.clear();
      localStorage.setItem('moonkeep.theme', JSON.stringify('dark'));
      localStorage.setItem('moonkeep.time-budget', '7');
      localStorage.setItem('moonkeep.proof-probes', JSON.stringify('3, 4'));
    });
    await page.reload();
    await saved(page);
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    await expect(page.getByTestId('theme')).toHaveValue('dark');
    await expect(page.getByTestId('time-budget')).toHaveValue('7');
    await expect(page.getByTestId('probe-args')).toHaveValue('3, 4');
    const keys = await page.evaluate(() => Object.keys(localStorage).sort());
    expect(keys).not.toContain('moonkeep.theme');
    expect(keys).not.toContain('moonkeep.time-budget');
    expect(keys).not.toContain('moonkeep.proof-probes');
    const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('moonkeep.settings')!));
    expect(stored).toMatchObject({ theme: 'dark', time_budget: 7, probes: '3, 4' });
    await page.reload();
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  });

  test('the dark theme is the same whether the system or the user picked it', async ({ page }) => {
    const colours = () =>
      page.evaluate(() => {
        const style = getComputedStyle(document.documentElement);
        const names = Array.from(document.styleSheets)
          .flatMap((s) => Array.from(s.cssRules))
          .flatMap((r) => (r instanceof CSSMediaRule ? Array.from(r.cssRules) : [r]))
          .flatMap((r) => (r instanceof CSSStyleRule ? Array.from(r.style) : []))
          .filter((n) => n.startsWith('--'));
        return Object.fromEntries([...new Set(names)].map((n) => [n, style.getPropertyValue(n).trim()]));
      });
    await page.emulateMedia({ colorScheme: 'dark' });
    await open(page);
    const bySystem = await colours();
    await page.emulateMedia({ colorScheme: 'light' });
    const light = await colours();
    await page.getByTestId('theme').selectOption('dark');
    const byChoice = await colours();
    expect(Object.keys(bySystem).length).toBeGreaterThan(10);
    expect(byChoice).toEqual(bySystem);
    expect(light).not.toEqual(bySystem);
  });

  test('screenshots of both themes at 1280x800 are not blank and differ', async ({ page }, testInfo) => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await open(page);
    await run(page, 'local x = 1\nprint("hello", x)\nlocal y = nil + x');
    const stats: Record<string, { colours: number; luminance: number }> = {};
    for (const theme of ['light', 'dark']) {
      await page.getByTestId('theme').selectOption(theme);
      const path = testInfo.outputPath(`ide-${theme}-1280x800.png`);
      const png = await page.screenshot({ path });
      stats[theme] = await page.evaluate(async (b64) => {
        const img = new Image();
        img.src = `data:image/png;base64,${b64}`;
        await img.decode();
        const canvas = new OffscreenCanvas(img.width, img.height);
        const ctx = canvas.getContext('2d')!;
        ctx.drawImage(img, 0, 0);
        const { data } = ctx.getImageData(0, 0, img.width, img.height);
        const seen = new Set<number>();
        let sum = 0;
        for (let i = 0; i < data.length; i += 4) {
          seen.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
          sum += (data[i] + data[i + 1] + data[i + 2]) / 3;
        }
        return { colours: seen.size, luminance: sum / (data.length / 4) };
      }, png.toString('base64'));
    }
    expect(stats.light.colours).toBeGreaterThan(50);
    expect(stats.dark.colours).toBeGreaterThan(50);
    expect(stats.light.luminance).toBeGreaterThan(180);
    expect(stats.dark.luminance).toBeLessThan(80);
  });
});

test.describe('layout', () => {
  const width = (page: Page, testId: string) => page.getByTestId(testId).evaluate((el) => el.getBoundingClientRect().width);
  const consoleHeight = (page: Page) => page.locator('#console').evaluate((el) => el.getBoundingClientRect().height);

  test('at 1280x800 every region is on screen side by side', async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await open(page);
    const box = async (selector: string) => (await page.locator(selector).boundingBox())!;
    const [toolbar, edit, console_, inspector, status] = await Promise.all(
      ['.toolbar', '.code-editor', '#console', '[data-testid=memory-inspector]', '.status-bar'].map(box),
    );
    expect(toolbar.y).toBe(0);
    expect(toolbar.height).toBeLessThan(60); // one line of controls
    expect(edit.y).toBeGreaterThanOrEqual(toolbar.y + toolbar.height);
    expect(console_.y).toBeGreaterThan(edit.y + edit.height - 1);
    expect(inspector.x).toBeGreaterThan(edit.x + edit.width);
    expect(status.y + status.height).toBeLessThanOrEqual(800);
    expect(edit.height).toBeGreaterThan(250);
    await expect(page.getByRole('heading', { name: 'Memory' })).toBeVisible();
    expect(await page.evaluate(() => document.documentElement.scrollHeight)).toBeLessThanOrEqual(800);
  });

  test('panes resize by dragging and by keyboard, and keep their sizes', async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await open(page);
    const before = await width(page, 'memory-inspector');
    const handle = page.getByRole('separator', { name: 'Resize the Memory inspector' });
    const grip = (await handle.boundingBox())!;
    await page.mouse.move(grip.x + grip.width / 2, grip.y + grip.height / 2);
    await page.mouse.down();
    await page.mouse.move(grip.x - 200, grip.y + grip.height / 2, { steps: 5 });
    await page.mouse.up();
    const dragged = await width(page, 'memory-inspector');
    expect(dragged).toBeGreaterThan(before + 150);
    expect(dragged).toBeLessThan(before + 250);

    const consoleHandle = page.getByRole('separator', { name: 'Resize the console' });
    const tall = await consoleHeight(page);
    const value = Number(await consoleHandle.getAttribute('aria-valuenow'));
    await consoleHandle.focus();
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Shift+ArrowUp');
    await expect(consoleHandle).toHaveAttribute('aria-valuenow', String(value + 12));
    const taller = await consoleHeight(page);
    expect(taller).toBeGreaterThan(tall + 40);

    await page.reload();
    await saved(page);
    expect(Math.abs((await width(page, 'memory-inspector')) - dragged)).toBeLessThan(1.5);
    expect(Math.abs((await consoleHeight(page)) - taller)).toBeLessThan(1.5);
  });

  test('on a narrow screen the panes stack and everything still works', async ({ page }) => {
    const errors = noConsoleErrors(page);
    await page.setViewportSize({ width: 400, height: 800 });
    await open(page);
    const boxes = await Promise.all(
      ['.code-editor', '#console', '[data-testid=memory-inspector]'].map(async (s) => (await page.locator(s).boundingBox())!),
    );
    for (const b of boxes) {
      expect(b.x).toBeGreaterThanOrEqual(0);
      expect(b.x + b.width).toBeLessThanOrEqual(400);
      expect(b.width).toBeGreaterThan(300);
    }
    expect(boxes[1].y).toBeGreaterThanOrEqual(boxes[0].y + boxes[0].height);
    expect(boxes[2].y).toBeGreaterThanOrEqual(boxes[1].y + boxes[1].height);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(400);
    await expect(page.locator('[role=separator]')).toHaveCount(2);
    for (const separator of await page.locator('[role=separator]').all()) await expect(separator).toBeHidden();
    await expect(page.getByTestId('run')).toBeInViewport();
    expect(await run(page, 'return "narrow"')).toBe('=> narrow\n');
    await page.getByTestId('new-script').click();
    await expect(tabs(page)).toHaveCount(2);
    expect(errors).toEqual([]);
  });
});

test.describe('keyboard and labels', () => {
  test('keyboard only: Tab to Run, into the editor and out again, tabs, examples', async ({ page }) => {
    await open(page);
    // From the top of the page, Run is a few Tab presses away.
    let presses = 0;
    while (!(await page.getByTestId('run').evaluate((el) => el === document.activeElement)) && presses < 5) {
      await page.keyboard.press('Tab');
      presses++;
    }
    await expect(page.getByTestId('run')).toBeFocused();
    const outline = await page.getByTestId('run').evaluate((el) => getComputedStyle(el).outlineStyle);
    expect(outline).not.toBe('none');
    expect(await ran(page, () => page.keyboard.press('Enter'))).toContain('fib(20) =\t6765');

    // Into the editor through the tabs: type, run, then Escape + Tab moves on.
    await page.getByTestId('new-script').focus();
    await page.keyboard.press('Tab');
    await expect(editor(page)).toBeFocused();
    await page.keyboard.press('Control+a');
    await page.keyboard.insertText('return "typed"');
    expect(await ran(page, () => page.keyboard.press('Control+Enter'))).toBe('=> typed\n');
    await page.keyboard.press('Tab');
    await expect(editor(page)).toBeFocused(); // Tab indents inside the editor
    await page.keyboard.press('Escape');
    await page.keyboard.press('Tab');
    await expect(page.getByRole('separator', { name: 'Resize the console' })).toBeFocused();

    // A tab: F2 renames it, Delete closes it.
    await activeTab(page).focus();
    await page.keyboard.press('F2');
    await expect(page.getByLabel('Script name')).toBeFocused();
    await page.keyboard.insertText('typed');
    await page.keyboard.press('Enter');
    await expect(activeTab(page)).toHaveText('typed');
    await expect(activeTab(page)).toBeFocused();
    await page.keyboard.press('Delete');
    await expect(activeTab(page)).toHaveText('untitled');
    await expect(page.getByTestId('undo-close')).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(tabs(page)).toHaveText([/typed/, /untitled/]);
    await expect(activeTab(page)).toHaveText('typed');

    // An example: open the menu, move to its first entry, open it.
    const first = readFileSync(join(demoDir, demoFiles[0]), 'utf8').split('\n')[0].replace('-- Title: ', '');
    await page.getByTestId('examples').focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await expect(activeTab(page)).toHaveText(first);
  });

  test('every control has a name', async ({ page }) => {
    await open(page);
    await page.getByTestId('examples').click();
    await run(page, 'error("x")');
    const unnamed = await page.evaluate(() => {
      const nameOf = (el: Element) => {
        const labelled = el.getAttribute('aria-labelledby');
        const byId = labelled ? labelled.split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join(' ') : '';
        const labels = 'labels' in el ? Array.from((el as HTMLInputElement).labels ?? [], (l) => l.textContent).join(' ') : '';
        return [el.getAttribute('aria-label'), byId, labels, el.textContent].join('').trim();
      };
      return Array.from(
        document.querySelectorAll('button, select, input, summary, [role=separator], [contenteditable], section'),
      )
        .filter((el) => !el.closest('[hidden]') && !nameOf(el))
        .map((el) => el.outerHTML.slice(0, 120));
    });
    expect(unnamed).toEqual([]);
  });
});
