// What every browser benchmark (bench/*.mjs, bench/compare/*.mjs) needs: the browser,
// the static server its pages come from, the median its figures are taken as, and a
// page's run timed to its save.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** `chromium.launch` options: Debian's Chromium, headless, as the e2e tests run it
 * (Playwright cannot download one here). Each script launches it with the Playwright of
 * its own package (bench/compare has its own), so pages and matchers come from one copy. */
export const CHROMIUM = {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
};

/** Serves `dir` on loopback `port` with e2e/serve.mjs; resolves with the server process
 * once it answers. Fails if it exits first (another server on the port would answer in
 * its place) or does not answer within 10 s. */
export async function serve(dir, port) {
  const server = spawn('node', [join(import.meta.dirname, '../e2e/serve.mjs'), dir, String(port)], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    if (server.exitCode !== null) throw new Error(`the static server exited: is port ${port} in use?`);
    try {
      await fetch(`http://127.0.0.1:${port}/`);
      return server;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  server.kill();
  throw new Error(`the static server did not start on port ${port}`);
}

/** The middle value (the lower of the two middle ones for an even count). */
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

/** A new page of `browser` at the server on `port`, once Memory is restored and saved. */
export async function openPage(browser, port) {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.waitForFunction(() => document.querySelector('[data-testid=save-status]')?.dataset.state === 'saved');
  return page;
}

/** Runs what the editor holds and waits for its save; the save point's and the
 * commit's ms as the status bar tells them. */
export function runAndSave(page) {
  return page.evaluate(async () => {
    const output = document.querySelector('[data-testid=console-output]');
    const status = document.querySelector('[data-testid=save-status]');
    const runs = Number(output.dataset.runs);
    document.querySelector('[data-testid=run]').click();
    while (Number(output.dataset.runs) === runs || status.dataset.state !== 'saved') {
      await new Promise((r) => setTimeout(r, 2));
    }
    const m = status.textContent.match(/save point ([\d.]+) ms, commit ([\d.]+) ms/);
    return m ? Number(m[1]) + Number(m[2]) : NaN;
  });
}
