// Lua as stock Lua 5.4.9 in the browser, beyond the transcripts of vm.spec.ts (which runs
// crates/engine/tests/cases, stock_*.lua among them, in the page): the browser's own
// libc (time zones, locales), bytes that are not UTF-8, and VMs dropped with pending
// finalizers, which used to trap the module ("unreachable") and kill every later VM.
import { test, expect, type Page } from '@playwright/test';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './playground';

// scripts/test.sh builds bench/vm (the engine's Vm alone, through wasm-bindgen) here.
const vmDir = join(import.meta.dirname, '..', 'target', 'e2e-vm');

async function openPage(page: Page) {
  page.on('pageerror', (e) => {
    throw e;
  });
  await page.goto('/');
  await expect(page.getByTestId('run')).toBeVisible();
}

test('os.time normalises fields and os.date reads them back in the browser time zone', async ({ browser }) => {
  const context = await browser.newContext({ timezoneId: 'America/New_York' });
  const page = await context.newPage();
  await openPage(page);
  const text = await run(
    page,
    [
      'local t = { year = 2020, month = 14, day = 35, hour = 25, min = 0 }',
      'local n = os.time(t)',
      'return n, t.year, t.month, t.day, t.hour, os.date("%Y-%m-%d %H:%M", n), os.date("!%H", n)',
    ].join('\n'),
  );
  // 2020-14-35 25:00 is 2021-03-08 01:00 in New York (EST, UTC-5): 06:00 UTC.
  const expected = Date.UTC(2021, 2, 8, 6, 0) / 1000;
  expect(text).toBe(`=> ${expected}\t2021\t3\t8\t1\t2021-03-08 01:00\t06\n`);
  await context.close();
});

test('os.setlocale sets only the locales the browser has, as natively', async ({ page }) => {
  await openPage(page);
  expect(await run(page, 'return os.setlocale("xx_YY"), os.setlocale("C"), os.setlocale()')).toBe('=> nil\tC\tC\n');
});

test('bytes that are not UTF-8 show as \\xFF, never replaced', async ({ page }) => {
  await openPage(page);
  expect(await run(page, 'print("a\\xffb", "caf\\xc3\\xa9") io.write("\\x80\\n") return "\\xfe"')).toBe(
    'a\\xFFb\tcafé\n\\x80\n=> \\xFE\n',
  );
});

test('dropping VMs with pending finalizers of every kind traps nothing', async ({ page }) => {
  await openPage(page);
  // The same finalizers as crates/engine/tests/finalizers.rs.
  const rust = readFileSync(join(import.meta.dirname, '..', 'crates', 'engine', 'tests', 'finalizers.rs'), 'utf8');
  const everyKind = rust.split('const EVERY_KIND: &str = r#"')[1].split('"#;')[0];
  expect(everyKind).toContain('__gc');
  expect(existsSync(join(vmDir, 'moonkeep_bench_vm.js')), `${vmDir}: run scripts/build-bench-vm.sh ${vmDir}`).toBe(true);
  await page.route('**/e2e-vm/**', (route) => {
    const file = join(vmDir, new URL(route.request().url()).pathname.replace('/e2e-vm/', ''));
    const type = file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript';
    return route.fulfill({ body: readFileSync(file), contentType: type });
  });
  const answers = await page.evaluate(async (source) => {
    const vm = await import('/e2e-vm/moonkeep_bench_vm.js');
    await vm.default('/e2e-vm/moonkeep_bench_vm_bg.wasm');
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      const one = new vm.BenchVm();
      seen.push(one.eval(source + '\nreturn "ran"'));
      one.free(); // closes the state: every finalizer runs now
    }
    const after = new vm.BenchVm();
    seen.push(after.eval('return 6 * 7'));
    after.free();
    return seen;
  }, everyKind);
  expect(answers).toEqual(['ran', 'ran', 'ran', '42']);
});
