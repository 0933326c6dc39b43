// The Markdown that `make bench-compare` writes: timings, checksums, bundle sizes and
// the machine they were measured on.
import { readFileSync, readdirSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const fmt = (ms) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));
const ratio = (a, b) => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}x` : '—');

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
    lua: luaVersion,
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

/** What a page must load for each engine (Moonkeep's includes its whole UI). */
export function bundleSizes(root, site) {
  const dist = join(root, 'dist');
  const page = readdirSync(dist).filter((f) => /\.(wasm|js|css|html)$/.test(f));
  return [
    { engine: 'Moonkeep', what: 'the whole page: wasm, JS glue, CSS, HTML', ...files(dist, page) },
    { engine: 'Moonkeep', what: 'its wasm alone (Lua VM, engine and UI)', ...files(dist, page.filter((f) => f.endsWith('.wasm'))) },
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

export function report({ info, engines, results, sizes, runs, fengariRuns, rounds, fengariRounds }) {
  const cell = (w, e) => results.find((r) => r.workload === w && r.engine === e);
  const names = [...new Set(results.map((r) => r.workload))].filter((n) => n !== 'cold start');
  const rows = workloadRows(names, engines, cell);
  const failures = [];
  const lines = [];
  const push = (...l) => lines.push(...l);

  push('# Moonkeep against wasmoon, fengari and native Lua', '',
    `Measured ${info.date} ${info.time} UTC by \`make bench-compare\` on ${info.cpu}, ${info.cores} cores, ${info.os}`
    + `; Chromium ${info.chromium}, headless; Node ${info.node}.`
    + ` Load average ${info.load} at the start, ${info.loadEnd} at the end; lua5.4 got ${(100 * info.cpuShare).toFixed(0)}% of a core`
    + ' while it ran (below 100% the machine was busy: that inflates the browser figures, which are wall time,'
    + ' and not lua5.4\'s, which are CPU time).',
    `Engines: Moonkeep (Lua 5.4.9, this build), wasmoon ${info.wasmoon} (Lua 5.4, emscripten),`
    + ` fengari-web ${info.fengari} (Lua 5.3 in JavaScript), ${info.lua} (Debian, native).`, '',
    'Milliseconds, lower is better. Ratios below 1 mean Moonkeep is faster.', '',
    '| workload | Moonkeep | wasmoon | fengari | lua5.4 native | Moonkeep / wasmoon | Moonkeep / native | checksum |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
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
  const cold = (e) => cell('cold start', e)?.ms;
  push(`| cold start | ${engines.map((e) => fmt(cold(e.name))).join(' | ')} | ${ratio(cold('Moonkeep'), cold('wasmoon'))} | — | |`);

  const ok = rows.filter((r) => !r.mismatched.length && r.row.Moonkeep?.ms && r.row.wasmoon?.ms && r.row['lua5.4']?.ms);
  const faster = ok.filter((r) => r.row.Moonkeep.ms < r.row.wasmoon.ms).length;
  const near = ok.filter((r) => r.row.Moonkeep.ms <= 1.5 * r.row['lua5.4'].ms).length;
  push('', `Moonkeep is faster than wasmoon on ${faster} of ${names.length} workloads`
    + ` and within 1.5x of native lua5.4 on ${near} of ${names.length}.`);

  push('', '| bundle | what the browser loads | raw | gzip -9 |', '| --- | --- | ---: | ---: |',
    ...sizes.map((s) => `| ${s.engine} | ${s.what} | ${kb(s.raw)} | ${kb(s.gzip)} |`));

  push('', 'How it is measured:', '',
    `- Every engine runs the same text: \`bench/driver.lua\` around one \`bench/workloads/*.lua\`,`
    + ' in a fresh VM (a fresh browser context for the browser engines). The driver calls the workload once'
    + ` untimed, then ${runs} timed times (fengari ${fengariRuns}), and returns the median. Each VM runs the`
    + ' driver\'s chunk twice (Moonkeep: two clicks on Run) and the second is reported: V8 first runs wasm as'
    + ' baseline code and cannot switch a running function to optimized code, and one call of Lua\'s'
    + ' interpreter loop runs a whole chunk, so a first chunk after a page load runs at baseline speed.'
    + ` All of this is done in ${rounds} rounds (fengari ${fengariRounds}), spread over the command's run, and`
    + ' the table shows the best round\'s median: on a shared machine the other rounds measure its neighbours.',
    '- Each run is timed inside Lua with `os.clock`, around the call only (compiling is not counted):'
    + ' `performance.now()` in Moonkeep and fengari, and in wasmoon too, whose own `os.clock` (emscripten\'s'
    + ' `clock()`) moves in 1 ms steps; CPU time in lua5.4.',
    '- Checksums are each workload\'s result; every engine\'s must equal lua5.4\'s, or the row says MISMATCH'
    + ' and the command fails.',
    '- Cold start, browser engines: a fresh browser context (empty cache) from navigation start to a VM that'
    + ' has run `return 1`. For Moonkeep that is the page\'s load to Run enabled (Memory restored from an'
    + ' empty IndexedDB) plus the click on Run to `=> 1` shown; for wasmoon, its script, `new LuaFactory()`'
    + ' and `createEngine()`; for fengari, its script, a new state and `luaL_openlibs`. lua5.4: process start'
    + ' to exit of `lua5.4 -e "return 1"`. On the way, in ms since navigation start (medians): '
    + engines.filter((e) => Object.keys(cell('cold start', e.name)?.parts ?? {}).length)
      .map((e) => `${e.name}: ${Object.entries(cell('cold start', e.name).parts).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}`)
      .join('; ') + '.',
    '- The machine is shared: figures move by up to about ±30% between runs of the command.');
  return { markdown: `${lines.join('\n')}\n`, failures };
}
