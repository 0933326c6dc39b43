// Two or more builds of Moonkeep's VM alone side by side, with wasmoon as the yardstick:
// for a change to the interpreter, whose effect (a few percent) is smaller than how much
// one run of `make bench-compare` moves on a shared machine.
//
//   scripts/build-bench-vm.sh /tmp/before     # on the old code
//   scripts/build-bench-vm.sh /tmp/after      # on the new code
//   node bench/compare/ab.mjs /tmp/before /tmp/after
//
// Each build is named after its folder. The builds and wasmoon take turns in every round
// (the order rotates), each in a fresh browser context, measured as run.mjs measures
// them: one untimed evaluation, then timed ones, CPU time of the page's main thread.
// Prints each one's median over the rounds, its best round and every round.
// Environment: ROUNDS (7), RUNS (7), CALLS (3), WORKLOADS (fib,heapsort), MOONKEEP_AB_PORT.
import { chromium } from '@playwright/test';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { CHROMIUM, median, serve } from '../harness.mjs';
import { harnessed, workloads } from './engines.mjs';

const builds = process.argv.slice(2).map((d) => resolve(d));
if (builds.length < 2) {
  console.error('usage: node bench/compare/ab.mjs BUILD_DIR BUILD_DIR... (each made by scripts/build-bench-vm.sh)');
  process.exit(2);
}
const rounds = Number(process.env.ROUNDS ?? 7);
const runs = Number(process.env.RUNS ?? 7);
const calls = Number(process.env.CALLS ?? 3);
const chosen = workloads((process.env.WORKLOADS ?? 'fib,heapsort').split(','));
const names = chosen.map((w) => w.name);
const port = Number(process.env.MOONKEEP_AB_PORT ?? 8097);
const here = import.meta.dirname;
const root = join(here, '../..');

// One folder per engine, each with its harness page as index.html.
const site = join(root, 'target/bench-compare/ab');
rmSync(site, { recursive: true, force: true });
const engines = builds.map((dir) => {
  const name = basename(dir);
  mkdirSync(join(site, name), { recursive: true });
  cpSync(dir, join(site, name, 'moonkeep-vm'), { recursive: true });
  cpSync(join(here, 'moonkeep-vm.html'), join(site, name, 'index.html'));
  return name;
});
if (new Set(engines).size !== engines.length) throw new Error('two builds have the same folder name');
mkdirSync(join(site, 'wasmoon', 'wasmoon'), { recursive: true });
for (const f of ['index.js', 'glue.wasm']) cpSync(join(here, 'node_modules/wasmoon/dist', f), join(site, 'wasmoon', 'wasmoon', f));
cpSync(join(here, 'wasmoon.html'), join(site, 'wasmoon', 'index.html'));
engines.push('wasmoon');

const chunks = chosen.map((w) => w.chunk(calls));

const server = await serve(site, port);
const browser = await chromium.launch(CHROMIUM);
const figures = new Map(); // "workload engine" -> ms a call, one per round
try {
  for (let round = 0; round < rounds; round++) {
    for (const name of engines.map((_, i) => engines[(i + round) % engines.length])) {
      const measured = await harnessed(name, `http://127.0.0.1:${port}/${name}/index.html`).measure(browser, chunks, 1 + runs);
      measured.forEach(({ result, cpuMs }, i) => {
        const ms = median(cpuMs.slice(1)) / calls;
        const key = `${names[i]}\t${name}`;
        figures.set(key, [...(figures.get(key) ?? []), ms]);
        process.stderr.write(`round ${round + 1}: ${names[i]} on ${name}: ${ms.toFixed(2)} ms a call (${result})\n`);
      });
    }
  }
} finally {
  await browser.close();
  server.kill();
}
for (const w of names) {
  for (const name of engines) {
    const xs = figures.get(`${w}\t${name}`);
    const all = xs.map((x) => x.toFixed(1)).join(' ');
    console.log(`${w.padEnd(16)} ${name.padEnd(12)} median ${median(xs).toFixed(2)} ms, best ${Math.min(...xs).toFixed(2)} ms  [${all}]`);
  }
}
