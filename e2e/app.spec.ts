// The built artefact and the page's failure path.
import { test, expect } from '@playwright/test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

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

test('a Rust panic shows the crash banner with a reload button', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('run')).toBeVisible();
  await expect(page.locator('#crash')).toBeHidden();
  await page.evaluate(() => {
    try {
      (window as any).wasmBindings.crash_for_test();
    } catch {
      // the trap that follows a panic: the banner is what the user sees
    }
  });
  await expect(page.locator('#crash')).toBeVisible();
  await expect(page.locator('#crash-detail')).toContainText('crash_for_test was called');
  await page.getByRole('button', { name: 'Reload' }).click();
  await expect(page.locator('#crash')).toBeHidden();
  await expect(page.getByTestId('run')).toBeVisible();
});

test('an uncaught trap also shows the banner', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('run')).toBeVisible();
  await page.evaluate(() => {
    setTimeout(() => {
      throw new WebAssembly.RuntimeError('unreachable');
    });
  });
  await expect(page.locator('#crash')).toBeVisible();
  await expect(page.locator('#crash-detail')).toContainText('unreachable');
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
