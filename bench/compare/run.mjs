// `make bench-compare`: Moonkeep's VM (bench/vm, built into target/bench-compare/vm, and
// the playground page around it, built in dist/), wasmoon and fengari in one headless
// Chromium, and stock lua5.4 natively, all evaluating the same chunk
// (bench/compare/repeat.lua around a bench/workloads file). Cross-checks every checksum,
// then writes a Markdown report and prints it; exits 1 if an engine failed or disagreed.
// Usage: node bench/compare/run.mjs OUT.md
// Environment: CALLS, RUNS, FENGARI_CALLS, FENGARI_RUNS, ROUNDS, WORKLOADS (names,
// comma-separated), MOONKEEP_BENCH_PORT.
import { chromium } from '@playwright/test';
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { CHROMIUM, median, serve } from '../harness.mjs';
import { harnessed, moonkeep, nativeLua, workloads } from './engines.mjs';
import { COLD, bundleSizes, machine, report } from './report.mjs';

const out = resolve(process.argv[2] ?? 'bench/RESULTS.md');
const calls = Number(process.env.CALLS ?? 3);
const runs = Number(process.env.RUNS ?? 5);
// fengari is 10-50x slower than the others: less of it keeps the whole under minutes.
const fengariCalls = Number(process.env.FENGARI_CALLS ?? 1);
const fengariRuns = Number(process.env.FENGARI_RUNS ?? 3);
const rounds = Number(process.env.ROUNDS ?? 1);
const port = Number(process.env.MOONKEEP_BENCH_PORT ?? 8093);
const root = join(import.meta.dirname, '../..');
const here = import.meta.dirname;
const modules = join(here, 'node_modules');
const base = `http://127.0.0.1:${port}`;

const EMPTY = 'return "empty"';

// One folder served on one port: the built page at /, the other engines under /engines/.
function stageSite() {
  const site = join(root, 'target/bench-compare/site');
  rmSync(site, { recursive: true, force: true });
  cpSync(join(root, 'dist'), site, { recursive: true });
  const engines = join(site, 'engines');
  mkdirSync(join(engines, 'wasmoon'), { recursive: true });
  mkdirSync(join(engines, 'fengari'), { recursive: true });
  for (const f of ['index.js', 'glue.wasm']) cpSync(join(modules, 'wasmoon/dist', f), join(engines, 'wasmoon', f));
  cpSync(join(modules, 'fengari-web/dist/fengari-web.js'), join(engines, 'fengari/fengari-web.js'));
  const vm = join(root, 'target/bench-compare/vm');
  if (!existsSync(vm)) throw new Error(`${vm} is missing: scripts/bench-compare.sh builds it (bench/vm)`);
  cpSync(vm, join(engines, 'moonkeep-vm'), { recursive: true });
  for (const f of ['wasmoon.html', 'fengari.html', 'moonkeep-vm.html']) cpSync(join(here, f), join(engines, f));
  return site;
}

const site = stageSite();
const server = await serve(site, port);
let browser;
try {
  browser = await chromium.launch(CHROMIUM);
  const lua54 = nativeLua();
  // Moonkeep twice: its VM alone (bench/vm) in a harness page as bare as wasmoon's and
  // fengari's, which the ratios compare; and the playground itself, driven by clicks on
  // Run, which shows what the IDE around the VM adds.
  const engines = [
    { ...harnessed('Moonkeep', `${base}/engines/moonkeep-vm.html`), calls, runs },
    { ...moonkeep(base), name: 'Moonkeep page', calls, runs },
    { ...harnessed('wasmoon', `${base}/engines/wasmoon.html`), calls, runs },
    { ...harnessed('fengari', `${base}/engines/fengari.html`), calls: fengariCalls, runs: fengariRuns },
    { ...lua54, calls, runs },
  ];
  const info = machine(browser.version(), lua54.version());

  // Rounds go outermost, so a busy spell on the shared machine hits one round of a
  // workload, not all of them; each figure is the best round's median.
  const samples = new Map(); // "workload\tengine" -> [{ ms, checksum } | { error }]
  const sample = (w, e, value) => {
    const key = `${w}\t${e}`;
    samples.set(key, [...(samples.get(key) ?? []), value]);
  };
  for (let round = 1; round <= rounds; round++) {
    for (const w of workloads(process.env.WORKLOADS?.split(','))) {
      // Engines take turns on each workload, so a busy moment on the machine is shared.
      for (const e of engines) {
        process.stderr.write(`round ${round}: ${w.name} on ${e.name}... `);
        try {
          // The first evaluation of each chunk is untimed: V8 runs wasm as baseline code
          // at first and cannot switch a running function to optimized code, and one
          // call of Lua's interpreter loop runs a whole chunk. What an empty chunk costs
          // the host (Moonkeep: the page's work around a run) is taken off.
          const [empty, work] = await e.measure(browser, [EMPTY, w.chunk(e.calls)], 1 + e.runs);
          const ms = (median(work.cpuMs.slice(1)) - median(empty.cpuMs.slice(1))) / e.calls;
          sample(w.name, e.name, { ms, checksum: work.result, overhead: median(empty.cpuMs.slice(1)) });
          process.stderr.write(`${ms.toFixed(2)} ms a call\n`);
        } catch (err) {
          sample(w.name, e.name, { error: String(err.message ?? err).split('\n')[0] });
          process.stderr.write(`failed: ${err.message}\n`);
        }
      }
    }
    for (const e of engines) {
      const starts = [];
      for (let i = 0; i < runs; i++) starts.push(await e.coldStart(browser));
      const parts = Object.fromEntries(Object.keys(starts[0].parts).map((k) => [k, median(starts.map((c) => c.parts[k]))]));
      sample(COLD, e.name, { ms: median(starts.map((c) => c.ms)), parts });
      process.stderr.write(`round ${round}: cold start on ${e.name}: ${median(starts.map((c) => c.ms))} ms\n`);
    }
  }
  const results = [...samples].map(([key, values]) => {
    const [workload, engine] = key.split('\t');
    const failed = values.find((v) => v.error);
    if (failed) return { workload, engine, error: failed.error };
    const checksums = [...new Set(values.map((v) => v.checksum))];
    const best = values.reduce((a, b) => (b.ms < a.ms ? b : a));
    // A checksum that changes between rounds is a mismatch too.
    return { ...best, workload, engine, checksum: checksums.join(' / ') };
  });

  const sizes = bundleSizes(root, site);
  info.loadEnd = loadavg()[0].toFixed(2);
  const { markdown, failures } = report({ info, engines, results, sizes, rounds });
  writeFileSync(out, markdown);
  console.log(markdown);
  if (failures.length) {
    console.error(`\nFAILED: ${failures.join('; ')}`);
    process.exitCode = 1;
  }
} finally {
  await browser?.close();
  server.kill();
}
