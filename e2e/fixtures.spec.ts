// Data written by earlier Moonkeeps must always load: the IndexedDB records and
// localStorage that the page of format version 1 wrote (e2e/fixtures/v1/, made by
// make.mjs there) are put back into a fresh profile, the page opens them, and the
// same Lua checks as the command line's fixtures pass.
import { test, expect, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, saved } from './playground';

const here = import.meta.dirname;
const check = (name: string) => readFileSync(join(here, '..', 'crates/cli/tests/fixtures/v1', name), 'utf8');

type Fixture = { database: string; version: number; store: string; records: [string, string][]; localStorage: Record<string, string> };

/** Writes a fixture into this origin's IndexedDB and localStorage from a page that is
 * not the app (a 404 on the same origin), so nothing opens the database first. */
async function install(page: Page, name: string) {
  const fixture: Fixture = JSON.parse(readFileSync(join(here, 'fixtures/v1', `${name}.json`), 'utf8'));
  await page.goto('/fixture-loader');
  await page.evaluate(
    (f) =>
      new Promise<void>((resolve, reject) => {
        for (const [k, v] of Object.entries(f.localStorage)) localStorage.setItem(k, v);
        const bytes = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const open = indexedDB.open(f.database, f.version);
        open.onupgradeneeded = () => open.result.createObjectStore(f.store);
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const tx = open.result.transaction(f.store, 'readwrite');
          for (const [k, v] of f.records) tx.objectStore(f.store).put(bytes(v), bytes(k));
          tx.oncomplete = () => {
            open.result.close();
            resolve();
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
    fixture,
  );
}

for (const [name, script, expected] of [
  ['small', 'small_check.lua', 'small v1 fixture: all kept'],
  ['large', 'large_check.lua', 'large v1 fixture: all kept'],
]) {
  test(`the page opens the ${name} v1 fixture and keeps everything, across a save and a reload`, async ({ page }) => {
    await install(page, name);
    await page.goto('/');
    await saved(page);
    await expect(page.getByTestId('restore-problems')).toHaveCount(0);
    expect(await run(page, check(script))).toBe(`${expected}\n`);
    await saved(page);
    await page.reload();
    await saved(page);
    expect(await run(page, check(script))).toBe(`${expected}\n`);
  });
}

test('the page opens the damaged v1 fixture: all but the damaged value, which it keeps and reports', async ({ page }) => {
  await install(page, 'damaged');
  for (let session = 0; session < 2; session++) {
    await page.goto('/');
    await saved(page);
    await expect(page.getByTestId('restore-problems')).toContainText('Memory.deep[1][1][1][1]: damaged record');
    expect(await run(page, check('damaged_check.lua'))).toBe('damaged v1 fixture: the rest kept\n');
    await saved(page);
  }
});
