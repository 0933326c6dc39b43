// The built artefact and the page's failure path.
import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const dist = join(import.meta.dirname, '..', 'dist');

test('the module imports nothing but wasm-bindgen glue', () => {
  const wasmFile = readdirSync(dist).find((f) => f.endsWith('_bg.wasm'));
  expect(wasmFile, 'dist/ holds the built module').toBeTruthy();
  const glue = './' + wasmFile!.replace(/-[0-9a-f]+_bg\.wasm$/, '_bg.js');
  const module = new WebAssembly.Module(readFileSync(join(dist, wasmFile!)));
  const imports = WebAssembly.Module.imports(module);
  expect(imports.length).toBeGreaterThan(0);
  const foreign = imports.filter((i) => i.module !== glue).map((i) => `${i.module}.${i.name}`);
  expect(foreign).toEqual([]);
});

test('a trap in the module shows the crash banner with a reload button', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('run')).toBeVisible();
  await expect(page.locator('#crash')).toBeHidden();
  // A real trap, without test-only code in the page: the module's own allocator asked
  // for an impossible alignment aborts (initSync hands back the running instance's
  // exports). A Rust panic ends the same way, after its hook wrote the message.
  await page.evaluate(() => {
    setTimeout(() => (window as any).wasmBindings.initSync().__wbindgen_malloc(8, 3));
  });
  await expect(page.locator('#crash')).toBeVisible();
  await expect(page.locator('#crash-detail')).toContainText('unreachable');
  await page.getByRole('button', { name: 'Reload', exact: true }).click();
  await expect(page.locator('#crash')).toBeHidden();
  await expect(page.getByTestId('run')).toBeVisible();
});

test('without secure random numbers the page says so instead of using a predictable key', async ({ page }) => {
  await page.addInitScript(() => {
    crypto.getRandomValues = () => {
      throw new DOMException('no entropy here', 'QuotaExceededError');
    };
  });
  await page.goto('/');
  await expect(page.locator('.fatal')).toContainText('no secure random numbers');
  await expect(page.getByTestId('run')).toHaveCount(0);
});

test('the page loads without console errors', async ({ page }) => {
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto('/');
  await expect(page.getByTestId('run')).toBeVisible();
  await page.getByTestId('run').click();
  await expect(page.getByTestId('console-output')).toContainText('fib(20) =\t6765');
  expect(errors).toEqual([]);
});

test('the whole page stays within 700 KB gzip, the editor bundle included', () => {
  // format/ is the formatter, fetched on the first Format only (format.spec.ts).
  const files = readdirSync(dist, { recursive: true }).map(String)
    .filter((f) => statSync(join(dist, f)).isFile() && !f.startsWith('format/'));
  expect(files.some((f) => /^snippets\/.*\/editor\/dist\/editor\.js$/.test(f))).toBe(true);
  const gzip = files.reduce((sum, f) => sum + gzipSync(readFileSync(join(dist, f)), { level: 9 }).length, 0);
  expect(gzip).toBeLessThanOrEqual(700 * 1024);
  // wasm-bindgen's glue, minified by scripts/minify-glue.mjs (unminified: ~2,000 lines).
  const glue = files.filter((f) => /^moonkeep-web-[0-9a-f]+\.js$/.test(f));
  expect(glue).toHaveLength(1);
  expect(readFileSync(join(dist, glue[0]), 'utf8').split('\n').length).toBeLessThan(50);
});

test('the page loads nothing from another origin', async ({ page, baseURL }) => {
  const foreign: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(baseURL!) && !r.url().startsWith('data:')) foreign.push(r.url());
  });
  await page.goto('/');
  await expect(page.getByTestId('save-status')).toHaveAttribute('data-state', 'saved');
  await expect(page.getByTestId('editor')).toBeVisible();
  expect(foreign).toEqual([]);
});

test('the editor bundle is rewritten only when its bytes change', () => {
  const root = join(import.meta.dirname, '..');
  const bundle = join(root, 'editor', 'dist', 'editor.js');
  execFileSync('node', ['editor/build.mjs'], { cwd: root });
  const before = statSync(bundle).mtimeMs;
  const again = execFileSync('node', ['editor/build.mjs'], { cwd: root, encoding: 'utf8' });
  expect(again).toContain('unchanged');
  expect(statSync(bundle).mtimeMs).toBe(before);
  expect(readFileSync(bundle, 'utf8')).toMatch(/@codemirror\/view@[\d.]+ \(MIT\)/);
});

test('once ready, the page warms the interpreter in a VM of its own', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('save-status')).toHaveAttribute('data-state', 'saved');
  await page.waitForFunction(() => performance.getEntriesByName('moonkeep:warmed').length === 1);
  // The warm-up's locals and results never reach the user's VM.
  await page.getByTestId('editor').fill('return f == nil and t == nil and parts == nil and next(Memory) == nil');
  await page.getByTestId('run').click();
  await expect(page.getByTestId('console-output')).toHaveText('=> true\n');
});
