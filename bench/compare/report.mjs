// The Markdown that `make bench-compare` writes: timings, checksums, bundle sizes and
// the machine they were measured on.
import { readFileSync, readdirSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { median } from '../harness.mjs';
import { pageFiles } from '../page.mjs';

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const fmt = (ms) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));
const ratio = (a, b) => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}x` : '—');

/** The cold-start row's name among the workloads'. */
export const COLD = 'cold start';

function packageVersion(dir) {
  return JSON.parse(readFileSync(join(import.meta.dirname, 'node_modules', dir, 'package.json'), 'utf8')).version;
}

export function machine(chromiumVersion, luaVersion) {
  const osName = /^PRETTY_NAME="?([^"\n]*)/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'unknown';
  const now = new Date();
  return {
    date: now.toISOString().slice(0, 10),
    time: now.toISOString().slice(11, 16),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    os: `${osName}, Linux ${release()}`,
    load: loadavg()[0].toFixed(2),
    chromium: chromiumVersion,
    node: process.version,
    lua: luaVersion.split(/\s+/).slice(0, 2).join(' '), // "Lua 5.4.4", without the copyright
    wasmoon: packageVersion('wasmoon'),
    fengari: packageVersion('fengari-web'),
  };
}

function files(dir, names) {
  return names.map((f) => {
    const bytes = readFileSync(join(dir, f));
    return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  }).reduce((a, b) => ({ raw: a.raw + b.raw, gzip: a.gzip + b.gzip }), { raw: 0, gzip: 0 });
}

/** What a page must load for each engine (Moonkeep's page includes its whole UI). */
export function bundleSizes(root, site) {
  const dist = join(root, 'dist');
  const page = pageFiles(dist);
  const vm = join(site, 'engines/moonkeep-vm');
  return [
    { engine: 'Moonkeep', what: 'the whole page: wasm, JS glue, editor (CodeMirror), CSS, HTML', ...files(dist, page) },
    { engine: 'Moonkeep', what: 'its wasm alone (Lua VM, engine and UI)', ...files(dist, page.filter((f) => f.endsWith('.wasm'))) },
    { engine: 'Moonkeep', what: 'the VM alone: wasm + JS glue (bench/vm)', ...files(vm, readdirSync(vm).filter((f) => /\.(wasm|js)$/.test(f))) },
    { engine: 'wasmoon', what: 'index.js + glue.wasm', ...files(join(site, 'engines/wasmoon'), ['index.js', 'glue.wasm']) },
    { engine: 'fengari', what: 'fengari-web.js', ...files(join(site, 'engines/fengari'), ['fengari-web.js']) },
  ];
}

function workloadRows(names, engines, cell) {
  return names.map((name) => {
    const row = Object.fromEntries(engines.map((e) => [e.name, cell(name, e.name)]));
    const reference = row['lua5.4'];
    const mismatched = engines.filter((e) => row[e.name]?.checksum !== undefined
      && reference?.checksum !== undefined && row[e.name].checksum !== reference.checksum);
    return { name, row, mismatched };
  });
}

export function report({ info, engines, results, sizes, rounds }) {
  const cell = (w, e) => results.find((r) => r.workload === w && r.engine === e);
  const names = [...new Set(results.map((r) => r.workload))].filter((n) => n !== COLD);
  const rows = workloadRows(names, engines, cell);
  const failures = [];
  const lines = [];
  const push = (...l) => lines.push(...l);

  push('# Moonkeep against wasmoon, fengari and native Lua', '',
    `Measured ${info.date} ${info.time} UTC by \`make bench-compare\` on ${info.cpu}, ${info.cores} cores, ${info.os}`
    + `; Chromium ${info.chromium}, headless; Node ${info.node}; load average ${info.load} at the start,`
    + ` ${info.loadEnd} at the end.`,
    `Engines: Moonkeep (Lua 5.4.9, this build), wasmoon ${info.wasmoon} (Lua 5.4, emscripten),`
    + ` fengari-web ${info.fengari} (Lua 5.3 in JavaScript), ${info.lua} (Debian, native).`, '',
    'Milliseconds of CPU time per call of the workload (cold start: wall time), lower is better.'
    + ' "Moonkeep" is its VM alone, in a harness page like the other engines\'; the ratios compare it.'
    + ' "Moonkeep page" is the same VM in the playground, run by clicks on Run. Ratios below 1 mean Moonkeep is faster.', '',
    `| workload | ${engines.map((e) => (e.name === 'lua5.4' ? 'lua5.4 native' : e.name)).join(' | ')} | Moonkeep / wasmoon | Moonkeep / native | checksum |`,
    `| --- | ${engines.map(() => '---:').join(' | ')} | ---: | ---: | --- |`);
  for (const { name, row, mismatched } of rows) {
    const time = (e) => {
      const r = row[e];
      if (!r || r.error) {
        failures.push(`${name} on ${e}: ${r?.error ?? 'not run'}`);
        return `**error**`;
      }
      return mismatched.some((m) => m.name === e) ? `**${fmt(r.ms)} ✗**` : fmt(r.ms);
    };
    let checksum = row['lua5.4']?.checksum ?? '—';
    if (mismatched.length) {
      checksum = `**MISMATCH**: ${engines.map((e) => `${e.name} ${row[e.name]?.checksum ?? '—'}`).join(', ')}`;
      failures.push(`${name}: checksums differ (${checksum})`);
    }
    push(`| ${name} | ${engines.map((e) => time(e.name)).join(' | ')} | ${ratio(row.Moonkeep?.ms, row.wasmoon?.ms)} | ${ratio(row.Moonkeep?.ms, row['lua5.4']?.ms)} | ${checksum} |`);
  }
  const overhead = (e) => median(results.filter((r) => r.engine === e && r.overhead !== undefined).map((r) => r.overhead));
  const cold = (e) => cell(COLD, e)?.ms;
  push(`| ${COLD} | ${engines.map((e) => fmt(cold(e.name))).join(' | ')} | ${ratio(cold('Moonkeep'), cold('wasmoon'))} | — | |`);
  // The steps on the way to each cold start, once per measured start.
  const steps = engines.map((e) => [e.name, cell(COLD, e.name)])
    .filter(([, c]) => Object.keys(c?.parts ?? {}).length)
    .map(([name, c]) => `${name}: ${Object.entries(c.parts).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}`);

  const ok = rows.filter((r) => !r.mismatched.length && r.row.Moonkeep?.ms && r.row.wasmoon?.ms && r.row['lua5.4']?.ms);
  const faster = ok.filter((r) => r.row.Moonkeep.ms < r.row.wasmoon.ms).length;
  const near = ok.filter((r) => r.row.Moonkeep.ms <= 1.5 * r.row['lua5.4'].ms).length;
  push('', `Moonkeep is faster than wasmoon on ${faster} of ${names.length} workloads`
    + ` and within 1.5x of native lua5.4 on ${near} of ${names.length}.`);

  push('', '| bundle | what the browser loads | raw | gzip -9 |', '| --- | --- | ---: | ---: |',
    ...sizes.map((s) => `| ${s.engine} | ${s.what} | ${kb(s.raw)} | ${kb(s.gzip)} |`));

  push('', 'How it is measured:', '',
    '- Every engine evaluates the same chunk, `bench/compare/repeat.lua` around one `bench/workloads/*.lua`:'
    + ' the workload called a few times in a row (calls below), in one fresh VM per workload and engine (a'
    + ' fresh browser context for the browser engines): one untimed evaluation, then timed ones; the figure is'
    + ' the median timed evaluation divided by its calls. The untimed evaluation matters: V8 first runs wasm as baseline'
    + ' code and cannot switch a running function to optimized code, and one call of Lua\'s interpreter loop'
    + ' runs a whole chunk, so a first chunk after a page load runs at baseline speed (fib: 47 ms, then 16 ms).',
    `- Calls and timed evaluations: ${engines.map((e) => `${e.name} ${e.calls} and ${e.runs}`).join(', ')}`
    + (rounds > 1 ? `; all of it ${rounds} times, and the best round's median is shown.` : '.'),
    '- Each evaluation is timed on CPU time, not wall time, because the machine is shared: Chromium\'s'
    + ' `ThreadTime` of the page\'s main thread (Performance domain, thread ticks) for the browser engines,'
    + ' `os.clock` around `load` and the call for lua5.4. Before the workload, the same VM evaluates an empty'
    + ' chunk the same way, and its median is taken off: the host\'s cost of an evaluation (Moonkeep'
    + ` ${fmt(overhead('Moonkeep'))} ms, the page's work around a run ${fmt(overhead('Moonkeep page'))} ms;`
    + ` wasmoon ${fmt(overhead('wasmoon'))} ms, fengari ${fmt(overhead('fengari'))} ms). Each evaluation starts`
    + ' in a task of its own, as a click would (Moonkeep page: a click on Run; the others: a timer). Work V8'
    + ' does on other threads (optimizing wasm, part of JavaScript\'s garbage collection) is not counted.',
    '- "Moonkeep page" costs more than "Moonkeep" on the longer workloads because the playground runs a chunk'
    + ' in 40 ms slices and lets the browser draw a frame between them (the console shows output as it comes,'
    + ' Stop answers): the first frame of a run redraws the page in its running state, a few ms of style,'
    + ' layout and paint, which the empty chunk (one slice) does not pay.',
    '- pcall_error is dominated by how V8 reports exceptions, not by Lua: with DevTools attached (Playwright is)'
    + ' V8 captures a stack trace for every exception thrown in a task, a Lua error included, in all three'
    + ' browser engines. Without DevTools the same evaluation takes a fraction of the time (see the README).',
    '- Checksums are each workload\'s result; every engine\'s must equal lua5.4\'s, or the row says MISMATCH'
    + ' and the command fails.',
    '- Cold start, browser engines: a fresh browser context (empty cache) from navigation start to a VM that'
    + ' has run `return 1`; Moonkeep: `bench/compare/moonkeep-vm.html` imports `bench/vm` (Moonkeep\'s engine'
    + ' `Vm` and nothing else, through wasm-bindgen, built and wasm-opt\'ed as the page is), fetches and'
    + ' instantiates its wasm, makes a `Vm` (a Lua state with the playground library, whose Lua prelude runs)'
    + ' and evaluates `return 1` with the page\'s REPL semantics; Moonkeep page: the playground itself (an IDE:'
    + ' CodeMirror editor, UI, its VM) loaded until Run is enabled (Memory restored from an empty IndexedDB)'
    + ' and the editor shows its script, plus the click on Run to `=> 1` shown (the page is watched from'
    + ' inside, so Playwright injects nothing into it while it starts); wasmoon: its script, `new LuaFactory()`'
    + ' and `createEngine()` (which fetches and instantiates glue.wasm); fengari: its script, a new state and'
    + ' `luaL_openlibs`. lua5.4: process start to exit of `lua5.4 -e "return 1"`. On the way, in ms since'
    + ' navigation start (medians): ' + steps.join('; ') + '.',
    '- The machine is shared: CPU times move by a few percent between runs of the command, cold starts (wall'
    + ' time) by much more.');
  return { markdown: `${lines.join('\n')}\n`, failures };
}
