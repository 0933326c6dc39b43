// Snapshots move Memory between the browser and the moonkeep command line.
import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, saved } from './playground';

const root = join(import.meta.dirname, '..');
const cli = join(root, 'target', 'debug', 'moonkeep');

test.beforeAll(() => {
  if (!existsSync(cli)) execFileSync('cargo', ['build', '-q', '-p', 'moonkeep-cli'], { cwd: root, stdio: 'inherit' });
});

const moonkeep = (db: string, ...args: string[]) => execFileSync(cli, ['--db', db, ...args], { encoding: 'utf8' });



let dir: string;
test.beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'moonkeep-snap-'))));
test.afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('a snapshot exported in the browser runs in the command line', async ({ page }) => {
  await page.goto('/');
  await run(page, 'local n = 10 Memory.next = function() n = n + 1 return n end Memory.list = { "a", { "b" } }');
  await saved(page);
  const download = page.waitForEvent('download');
  await page.getByTestId('export').click();
  const file = join(dir, 'memory.moonkeep');
  await (await download).saveAs(file);
  expect(readFileSync(file).subarray(0, 17).toString()).toBe('MOONKEEP-SNAPSHOT');
  const db = join(dir, 'cli.redb');
  expect(() => moonkeep(db, 'import', file)).toThrow(/not written by this store/);
  moonkeep(db, 'import', file, '--trust');
  expect(moonkeep(db, 'eval', 'Memory.next(), Memory.list[2][1]')).toBe('11\tb\n');
});

test('a snapshot from the command line imports in the browser after the trust prompt', async ({ page }) => {
  const db = join(dir, 'cli.redb');
  const file = join(dir, 'from-cli.moonkeep');
  moonkeep(db, 'eval', 'local c = 0 Memory.count = function() c = c + 1 return c end Memory.name = "cli"');
  moonkeep(db, 'export', file);
  await page.goto('/');
  await saved(page);
  const prompts: string[] = [];
  page.on('dialog', (d) => {
    prompts.push(d.message());
    d.accept();
  });
  await page.getByTestId('import').setInputFiles(file);
  await page.waitForEvent('load');
  await saved(page);
  expect(prompts).toHaveLength(1);
  expect(prompts[0]).toContain('written by another Moonkeep');
  expect(await run(page, 'return Memory.name, Memory.count(), Memory.count()')).toBe('=> cli\t1\t2\n');
});

test('declining the trust prompt leaves Memory as it was', async ({ page }) => {
  const db = join(dir, 'cli.redb');
  const file = join(dir, 'from-cli.moonkeep');
  moonkeep(db, 'eval', 'Memory.f = function() return "foreign" end');
  moonkeep(db, 'export', file);
  await page.goto('/');
  await run(page, 'Memory.mine = true');
  await saved(page);
  page.on('dialog', (d) => d.dismiss());
  await page.getByTestId('import').setInputFiles(file);
  await expect(page.getByTestId('snapshot-message')).toContainText('import cancelled; Memory is unchanged');
  await page.reload();
  await saved(page);
  expect(await run(page, 'return Memory.mine, Memory.f')).toBe('=> true\tnil\n');
});

test('a file that is not a snapshot is refused by name', async ({ page }) => {
  await page.goto('/');
  await saved(page);
  await page.getByTestId('import').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
  await expect(page.getByTestId('snapshot-message')).toContainText('notes.txt: this is not a Moonkeep snapshot');
});
