import { defineConfig } from '@playwright/test';

// Browser tests run against the release build in dist/ (make test builds it first),
// in Debian's Chromium: Playwright cannot download its own browser here.
// MOONKEEP_E2E_PORT lets two checkouts run their suites side by side.
export const PORT = Number(process.env.MOONKEEP_E2E_PORT ?? 8090);
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  timeout: 60_000,
  workers: 1,
  retries: 0,
  reporter: [['list'], ['json', { outputFile: '../target/e2e-results.json' }]],
  outputDir: '../test-results',
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    headless: true,
    launchOptions: { executablePath: '/usr/bin/chromium', args: chromiumArgs },
  },
  webServer: {
    command: `node e2e/serve.mjs dist ${PORT}`,
    cwd: '..',
    url: `http://127.0.0.1:${PORT}/index.html`,
    reuseExistingServer: false,
    timeout: 20_000,
  },
});
