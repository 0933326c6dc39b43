// The demos across a real page reload: run, reload (Memory restored from IndexedDB),
// run again, and check what each demo claims survives.
import { test, expect, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, saved } from './playground';

const demo = (name: string) => readFileSync(join(import.meta.dirname, '..', 'demo', name), 'utf8');

/** Runs the demo, reloads the page, runs it again; returns both transcripts. */
async function acrossReload(page: Page, name: string): Promise<[string, string]> {
  await page.goto('/');
  await saved(page);
  const before = await run(page, demo(name));
  await saved(page);
  await page.reload();
  await saved(page);
  const after = await run(page, demo(name));
  return [before, after];
}

test('the counter factory keeps every count', async ({ page }) => {
  const [before, after] = await acrossReload(page, 'counter_factory.lua');
  expect(before).toBe('counter 1\t1\ncounter 2\t10\ncounter 1\t2\n');
  expect(after).toBe('counter 1\t3\ncounter 2\t20\ncounter 1\t4\n');
});

test('the state machine resumes in its state', async ({ page }) => {
  const [before, after] = await acrossReload(page, 'state_machine.lua');
  expect(before).toBe('the light is now green (1 changes so far)\n');
  expect(after).toBe('the light is now amber (2 changes so far)\n');
});

test('the cyclic graph keeps its shape', async ({ page }) => {
  const [, after] = await acrossReload(page, 'graph.lua');
  expect(after).toBe('walk: a -> b -> c -> a\ncycle closes: true\nself loop: true\nsame node under two names: true\n');
});

test('two closures still share one upvalue', async ({ page }) => {
  const [before, after] = await acrossReload(page, 'shared_upvalue.lua');
  expect([before, after]).toEqual(['balance: 25\n', 'balance: 50\n']);
});

test('the stress test comes back intact, with save and restore times shown', async ({ page }) => {
  const [before, after] = await acrossReload(page, 'stress.lua');
  expect(before).toContain('built 5000 values');
  expect(after).toMatch(/^5000 values, [\d.]+ MB of strings\nintact: true\n$/);
  await expect(page.getByTestId('save-status')).toContainText(/ms/);
});

test('the adventure remembers where you are and what you carry', async ({ page }) => {
  await page.goto('/');
  await saved(page);
  expect(await run(page, demo('adventure.lua'))).toContain('You are in a dusty hall. You see: lamp.');
  expect(await run(page, "take('lamp')")).toBe('=> Taken: lamp.\n');
  expect(await run(page, "go('north')")).toContain('=> You are in a library');
  await saved(page);
  await page.reload();
  await saved(page);
  const back = await run(page, demo('adventure.lua'));
  expect(back).toContain('You are in a library full of whispering books. You see: key.');
  expect(back).toContain('You carry: lamp (1 moves).');
});

test('the self-test passes every scenario after a reload', async ({ page }) => {
  const [before, after] = await acrossReload(page, 'selftest.lua');
  expect(before).toBe('12 scenarios set up in Memory. Reload the page, then run this again.\n');
  expect(after).toContain('12 of 12 scenarios passed');
  expect(after).not.toContain('FAIL');
  expect(after.match(/^PASS /gm)?.length).toBe(12);
});
