// Versions in the page: every save point that changes Memory is a version, which
// names the code that made it, and keeps what it replaced.
import { test, expect } from '@playwright/test';
import { records, run, saved } from './playground';

const hex = (text: string) => Buffer.from(text).toString('hex');

test('every run is a version in IndexedDB, naming its code, and what it replaced is kept', async ({ page }) => {
  await page.goto('/');
  await run(page, "Memory.list = { 'kept in the history' } -- first run");
  await saved(page);
  await run(page, 'Memory.list = nil -- second run');
  await saved(page);
  const all = await records(page);
  const versions = [...all].filter(([k]) => k.startsWith(hex('v')));
  expect(versions.length).toBeGreaterThanOrEqual(2);
  expect(versions.some(([, v]) => v.includes(hex('-- first run')))).toBe(true);
  expect(versions.some(([, v]) => v.includes(hex('-- second run')))).toBe(true);
  // The table the second run dropped is not gone: it moved to the history.
  const history = [...all].filter(([k]) => k.startsWith(hex('h')));
  expect(history.some(([, v]) => v.includes(hex('kept in the history')))).toBe(true);
  expect([...all].some(([k, v]) => k.startsWith(hex('o')) && v.includes(hex('kept in the history')))).toBe(false);
});

test('a restore reads the current Memory alone, however long the history', async ({ page }) => {
  await page.goto('/');
  for (let i = 0; i < 4; i++) {
    await run(page, `Memory.n = ${i}; Memory.t = { i = ${i} }`);
    await saved(page);
  }
  const all = await records(page);
  const live = [...all.keys()].filter((k) => !k.startsWith(hex('h')) && !k.startsWith(hex('v')));
  expect(all.size).toBeGreaterThan(live.length + 4);
  await page.reload();
  await expect(page.getByTestId('save-status')).toContainText(`from ${live.length} records`);
  await expect(page.getByTestId('save-status')).not.toContainText(`from ${all.size} records`);
});

test('a key deleted by mistake comes back with Undo last run, closures and shared tables too', async ({ page }) => {
  await page.goto('/');
  await run(
    page,
    'local shared = { n = 0 }\nMemory.list = { shared, shared }\nMemory.inc = function() shared.n = shared.n + 1 return shared.n end\nMemory.inc()',
  );
  await saved(page);
  await run(page, 'Memory.list = nil -- the slip');
  await saved(page);
  await page.reload();
  await saved(page);
  await expect(page.getByTestId('undo-run')).toBeEnabled();
  await page.getByTestId('undo-run').click();
  await saved(page);
  expect(await run(page, 'return rawequal(Memory.list[1], Memory.list[2]), Memory.inc(), Memory.list[1].n')).toContain(
    '=> true\t2\t2',
  );
  // The undo was saved as a version of its own: it survives a reload.
  await saved(page);
  await page.reload();
  await saved(page);
  expect(await run(page, 'return Memory.list ~= nil')).toContain('=> true');
});

test('Ctrl+Alt+Z undoes the last run, and again the one before', async ({ page }) => {
  await page.goto('/');
  for (const k of [1, 2, 3]) {
    await run(page, `Memory.k = ${k}`);
    await saved(page);
  }
  await page.keyboard.press('Control+Alt+KeyZ');
  await expect(page.getByTestId('history-entry').first()).toContainText('restore of version');
  await saved(page);
  expect(await run(page, 'return Memory.k')).toContain('=> 2');
  // That run changed nothing, so it made no version: undoing again goes one run back.
  await page.keyboard.press('Control+Alt+KeyZ');
  await expect(page.getByTestId('history-entry').first()).toContainText('restore of version');
  await saved(page);
  expect(await run(page, 'return Memory.k')).toContain('=> 1');
});

test('the History panel lists versions, shows a past one read-only, compares and restores', async ({ page }) => {
  await page.goto('/');
  await run(page, 'Memory.z = 0 -- zero');
  await saved(page);
  await run(page, 'Memory.k = "old" Memory.t = { 1, 2 } -- first');
  await saved(page);
  await run(page, 'Memory.k = "new" Memory.t[3] = 3 Memory.added = true -- second');
  await saved(page);
  const entries = page.getByTestId('history-entry');
  await expect(entries.first()).toContainText('-- second');
  await expect(entries.first()).toHaveClass(/current/);
  const versions = await entries.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-version'))));
  expect(versions).toEqual([...versions].sort((a, b) => b - a));
  const [second, first, zero] = versions;

  // A past version in the inspector: labelled, read-only, its own values.
  await page.locator(`[data-testid="history-entry"][data-version="${first}"] button`).click();
  await expect(page.getByTestId('past-version')).toContainText(`Version ${first}`);
  await expect(page.locator(`[data-version="${first}"]`)).toHaveClass('selected');
  await expect(page.locator(`[data-version="${first}"] button`)).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('memory-tree')).toContainText('"old"');
  await expect(page.getByTestId('memory-tree')).not.toContainText('added');
  await expect(page.getByTestId('memory-delete')).toHaveCount(0);
  // What that version changed from the one before it is shown with it.
  await expect(page.getByTestId('history-comparison')).toContainText(`From version ${zero} to ${first}: 4 added`);

  // Compared with the current version, path by path.
  await page.getByTestId('history-diff-with').fill(String(second));
  await page.getByTestId('history-diff').click();
  const comparison = page.getByTestId('history-comparison');
  await expect(comparison).toContainText(`From version ${first} to ${second}: 2 added, 0 removed, 2 changed`);
  await expect(comparison).toContainText('Memory.k');
  await expect(comparison).toContainText('"old" → "new"');
  await expect(comparison).toContainText('Memory.added');

  // Restore makes a new version equal to the chosen one; the current Memory is shown again.
  await page.getByTestId('history-restore').click();
  await expect(page.getByTestId('past-version')).toHaveCount(0);
  await expect(entries.first()).toContainText(`restore of version ${first}`);
  await saved(page);
  expect(await run(page, 'return Memory.k, #Memory.t, Memory.added')).toContain('=> old\t2\tnil');
  // The version before the restore is still there to go back to.
  await page.locator(`[data-testid="history-entry"][data-version="${second}"] button`).click();
  // The choice moved: the list marks the new one alone.
  await expect(page.locator(`[data-version="${second}"]`)).toHaveClass('selected');
  await expect(page.locator('.history-list .selected')).toHaveCount(1);
  await expect(page.locator(`[data-version="${first}"] button`)).toHaveAttribute('aria-pressed', 'false');
  await page.getByTestId('history-restore').click();
  await saved(page);
  expect(await run(page, 'return Memory.k, #Memory.t, Memory.added')).toContain('=> new\t3\ttrue');
});

test('the History panel works from the keyboard', async ({ page }) => {
  await page.goto('/');
  await run(page, 'Memory.v = 1');
  await saved(page);
  await run(page, 'Memory.v = 2');
  await saved(page);
  const older = page.getByTestId('history-entry').nth(1).locator('button');
  await older.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('past-version')).toBeVisible();
  await page.getByTestId('history-restore').focus();
  await page.keyboard.press('Enter');
  await saved(page);
  expect(await run(page, 'return Memory.v')).toContain('=> 1');
});

test('a damaged record of an old version is reported when that version is viewed, and the current one is whole', async ({
  page,
}) => {
  await page.goto('/');
  await run(page, 'Memory.old = { "an old marker" } Memory.keep = 1');
  await saved(page);
  await run(page, 'Memory.old = nil Memory.keep = 2');
  await saved(page);
  // The old table now lives only in the history: damage it there.
  const damaged = await page.evaluate(
    () =>
      new Promise<number>((resolve, reject) => {
        const marker = Array.from(new TextEncoder().encode('an old marker'));
        const open = indexedDB.open('moonkeep');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const tx = open.result.transaction('records', 'readwrite');
          const store = tx.objectStore('records');
          let count = 0;
          const cursor = store.openCursor();
          cursor.onsuccess = () => {
            const c = cursor.result;
            if (!c) return;
            const key = new Uint8Array(c.key as ArrayBuffer);
            const value = new Uint8Array(c.value);
            const text = Array.from(value);
            const at = text.findIndex((_, i) => marker.every((b, j) => text[i + j] === b));
            if (key[0] === 0x68 && at >= 0) {
              value[at] ^= 0xff;
              store.put(value.buffer, c.key);
              count++;
            }
            c.continue();
          };
          tx.oncomplete = () => resolve(count);
        };
      }),
  );
  expect(damaged).toBe(1);
  await page.reload();
  await saved(page);
  expect(await run(page, 'return Memory.keep, Memory.old')).toContain('=> 2\tnil');
  await page.getByTestId('history-entry').nth(1).locator('button').click();
  await expect(page.getByTestId('history')).toContainText('Memory.old');
  await expect(page.getByTestId('past-version')).toBeVisible();
});

test('a history over its budget is thinned, oldest first, and what no version needs is deleted', async ({ page }) => {
  await page.goto('/');
  // Six versions of a 200 KB string that does not compress: about 1.2 MB of history.
  for (let i = 0; i < 7; i++) {
    await run(page, `local t = {} for i = 1, 200000 do t[i] = string.char(math.random(33, 126)) end Memory.big = table.concat(t) Memory.n = ${i}`);
    await saved(page);
  }
  const before = await records(page);
  const versionsBefore = [...before.keys()].filter((k) => k.startsWith(hex('v'))).length;
  await page.getByTestId('history-size').click();
  await expect(page.getByTestId('history-size')).toContainText(/of 50\.0 MB/);
  await page.getByTestId('history-budget').fill('1');
  await page.getByTestId('history-budget').press('Enter');
  await expect(page.getByTestId('history-size')).toContainText(/KB of 1\.0 MB/, { timeout: 15_000 });
  await expect(page.getByTestId('history-usage')).toContainText(/History: \d+ versions, [\d.]+ KB of 1\.0 MB/);
  const after = await records(page);
  const versionsAfter = [...after.keys()].filter((k) => k.startsWith(hex('v')));
  expect(versionsAfter.length).toBeLessThan(versionsBefore);
  const historyBytes = [...after].filter(([k]) => k.startsWith(hex('h')) || k.startsWith(hex('v'))).reduce((n, [k, v]) => n + (k.length + v.length) / 2, 0);
  expect(historyBytes).toBeLessThanOrEqual(1024 * 1024);
  // The newest versions stay, and Memory is whole.
  await expect(page.getByTestId('history-entry').first()).toHaveClass(/current/);
  expect(await run(page, 'return #Memory.big, Memory.n')).toContain('=> 200000\t6');
  // The budget is the store's: it survives a reload.
  await page.reload();
  await saved(page);
  await page.getByTestId('history-size').click();
  await expect(page.getByTestId('history-size')).toContainText(/of 1\.0 MB/);
});

test('a long history lists its newest hundred versions first, and older ones on demand', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto('/');
  await saved(page);
  const input = page.getByTestId('console-input');
  const output = page.getByTestId('console-output');
  for (let i = 1; i <= 105; i++) {
    await input.fill(`Memory.n = ${i}`);
    await input.press('Enter');
    await expect(output).toHaveAttribute('data-runs', String(i));
    await saved(page);
  }
  await page.reload();
  await saved(page);
  const entries = page.getByTestId('history-entry');
  await expect(entries).toHaveCount(100);
  const newest = Number(await entries.first().getAttribute('data-version'));
  expect(newest).toBeGreaterThanOrEqual(105);
  await expect(entries.last()).toHaveAttribute('data-version', String(newest - 99));
  await page.getByTestId('history-older').click();
  await expect(entries).toHaveCount(newest);
  await expect(entries.last()).toHaveAttribute('data-version', '1');
  await expect(page.getByTestId('history-older')).toHaveCount(0);
  // A new version is listed on top of the older ones already shown.
  await input.fill('Memory.n = 0');
  await input.press('Enter');
  await saved(page);
  await expect(entries).toHaveCount(newest + 1);
  await expect(entries.first()).toHaveAttribute('data-version', String(newest + 1));
});

test('versions viewed read the store once: its copy follows new versions and a thinned history', async ({ page }) => {
  // Counts reads of every record (IdbStore::load: a range from the least key, unbounded).
  await page.addInitScript(() => {
    const getAll = IDBObjectStore.prototype.getAll;
    (window as unknown as { wholeReads: number }).wholeReads = 0;
    IDBObjectStore.prototype.getAll = function (query?: IDBValidKey | IDBKeyRange | null, count?: number) {
      if (query instanceof IDBKeyRange && query.upper === undefined) {
        (window as unknown as { wholeReads: number }).wholeReads++;
      }
      return getAll.call(this, query, count);
    };
  });
  const wholeReads = () => page.evaluate(() => (window as unknown as { wholeReads: number }).wholeReads);
  await page.goto('/');
  // Six versions of a 200 KB string that does not compress: about 1.2 MB of history.
  for (let i = 0; i < 7; i++) {
    await run(page, `local t = {} for i = 1, 200000 do t[i] = string.char(math.random(33, 126)) end Memory.big = table.concat(t) Memory.tag = "tag-${i}" -- v${i}`);
    await saved(page);
  }
  const entry = (i: number) => page.getByTestId('history-entry').filter({ hasText: `-- v${i}` }).locator('button');
  const tree = page.getByTestId('memory-tree');
  const before = await wholeReads();
  await entry(4).click();
  await expect(tree).toContainText('"tag-4"');
  expect(await wholeReads()).toBe(before + 1);

  // A new version: the next view reads nothing again, and shows the version asked for.
  await page.getByTestId('past-version').getByRole('button').click();
  await run(page, 'Memory.tag = "tag-7" -- v7');
  await saved(page);
  await entry(5).click();
  await expect(tree).toContainText('"tag-5"');
  await expect(page.getByTestId('history-comparison')).toContainText('"tag-4" → "tag-5"');
  expect(await wholeReads()).toBe(before + 1);

  // Thinned to 1 MB: the oldest versions go; a kept one still shows its own Memory, and
  // the size shown is the thinned history's.
  await page.getByTestId('history-size').click();
  await page.getByTestId('history-budget').fill('1');
  await page.getByTestId('history-budget').press('Enter');
  await expect(page.getByTestId('history-size')).toContainText(/KB of 1\.0 MB/, { timeout: 15_000 });
  await expect(entry(1)).toHaveCount(0);
  await entry(6).click();
  await expect(tree).toContainText('"tag-6"');
  await expect(page.getByTestId('history-comparison')).toContainText('"tag-5" → "tag-6"');
  await expect(page.getByTestId('history-size')).toContainText(/KB of 1\.0 MB/);
});

test("a tab that follows another shows the versions the other made since its store's copy was read", async ({
  page: a,
  context,
}) => {
  await a.goto('/');
  await run(a, 'Memory.tag = "one" -- one');
  await saved(a);
  await run(a, 'Memory.tag = "two" -- two');
  await saved(a);
  const b = await context.newPage();
  await b.goto('/');
  await expect(b.getByTestId('save-status')).toHaveAttribute('data-state', 'following');
  const entry = (text: string) => b.getByTestId('history-entry').filter({ hasText: text }).locator('button');
  await entry('-- one').click();
  await expect(b.getByTestId('memory-tree')).toContainText('"one"');
  // Two more versions by the tab that saves: the follower's copy is older than them.
  await run(a, 'Memory.tag = "three" -- three');
  await saved(a);
  await run(a, 'Memory.tag = "four" -- four');
  await saved(a);
  await expect(b.getByTestId('history-entry').first()).toContainText('-- four');
  await entry('-- three').click();
  await expect(b.getByTestId('memory-tree')).toContainText('"three"');
  await expect(b.getByTestId('history-comparison')).toContainText('"two" → "three"');
});
