// Driving the playground page from tests: run a chunk, wait for Memory to be saved.
import { expect, type Page } from '@playwright/test';

/** Types `source` into the editor, runs it, and returns the run's transcript. */
export async function run(page: Page, source: string): Promise<string> {
  const output = page.getByTestId('console-output');
  await page.getByTestId('editor').fill(source);
  const before = Number(await output.getAttribute('data-runs'));
  await page.getByTestId('run').click();
  await expect(output).toHaveAttribute('data-runs', String(before + 1), { timeout: 30_000 });
  return (await output.textContent()) ?? '';
}

/** Waits until the status bar says Memory is saved (or restored). */
export async function saved(page: Page) {
  await expect(page.getByTestId('save-status')).toHaveAttribute('data-state', 'saved', { timeout: 15_000 });
}
