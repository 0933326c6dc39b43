//! How fast Memory is saved and restored, and how much its functions cost in the store.
//! Usage: cargo run --release -p moonkeep-engine --example memory_bench [REPETITIONS]
//!
//! Memory is 100 tables of 100 values each (Memory.items[1..100]: integers, floats,
//! strings of 1 to ~200 bytes, booleans, and small nested tables), plus 1,000
//! functions in Memory.fns: 800 plain functions of four body shapes with distinct
//! constants (800 distinct prototypes) and 200 closures from 10 factories (upvalues
//! holding numbers, strings, tables and other functions). Figures are medians.
//! Nothing here asserts on timings: the targets are printed next to the figures.

use std::time::{Duration, Instant};

use moonkeep_engine::{MemoryStore, SavePoint, Store, Vm};

const SECRET: [u8; 32] = [42; 32];

/// The benchmark Memory, shared with the other memory benchmark.
const BUILD: &str = include_str!("bench_memory.lua");

/// Raw `string.dump` bytes of Memory.fns: total, distinct prototypes, their total.
const DUMPS: &str = r#"
local total, distinct, distinct_total, seen = 0, 0, 0, {}
for i = 1, #Memory.fns do
  local d = string.dump(Memory.fns[i]):sub(1, -9) -- stock bytecode, without the seal's tag
  total = total + #d
  if not seen[d] then seen[d] = true distinct = distinct + 1 distinct_total = distinct_total + #d end
end
return total, distinct, distinct_total
"#;

fn run(vm: &Vm, source: &str) -> Vec<String> {
    match vm.eval(source, "bench.lua").result {
        Ok(values) => values,
        Err(e) => panic!("{}", e.message),
    }
}

fn built_vm() -> Vm {
    let vm = Vm::new().expect("vm");
    let report = vm.restore(Vec::new(), SECRET).expect("restore");
    assert!(report.problems.is_empty());
    run(&vm, BUILD);
    vm
}

/// A save point committed to `store`, timed: (point, encode time, commit time).
fn save(vm: &Vm, store: &mut MemoryStore) -> (SavePoint, Duration, Duration) {
    let start = Instant::now();
    let point = vm.save_point();
    let encoded = start.elapsed();
    store.commit(&point.changes).expect("commit");
    vm.committed(&point);
    let total = start.elapsed();
    assert!(point.problems.is_empty(), "{:?}", point.problems);
    (point, encoded, total - encoded)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// Bytes of a record as stored, and as it would be without LZ4 (docs/FORMAT.md R4:
/// flags bit 0 means the body starts with its uncompressed length, u32 LE).
fn uncompressed_len(record: &[u8]) -> usize {
    if record.len() >= 7 && record[2] & 1 == 1 {
        let size = u32::from_le_bytes(record[3..7].try_into().unwrap()) as usize;
        3 + size + 4
    } else {
        record.len()
    }
}

struct Row {
    what: String,
    value: String,
    target: &'static str,
    met: Option<bool>,
}

fn row(what: impl Into<String>, value: impl Into<String>) -> Row {
    Row { what: what.into(), value: value.into(), target: "", met: None }
}

fn target(what: impl Into<String>, value: f64, unit: &str, target: &'static str, limit: f64) -> Row {
    Row { what: what.into(), value: format!("{value:.2} {unit}"), target, met: Some(value < limit) }
}

fn main() {
    let reps: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(7).max(1);

    // Full save: a fresh VM each repetition, first save point into an empty store.
    let (mut full_encode, mut full_commit, mut full_total) = (Vec::new(), Vec::new(), Vec::new());
    let mut last = None;
    for _ in 0..reps {
        let vm = built_vm();
        let mut store = MemoryStore::new();
        let (point, encode, commit) = save(&vm, &mut store);
        full_encode.push(ms(encode));
        full_commit.push(ms(commit));
        full_total.push(ms(encode + commit));
        last = Some((vm, store, point));
    }
    let (vm, mut store, full) = last.expect("one repetition");

    // One-key save: change one value, save point + commit.
    let (mut one_total, mut one_records, mut one_bytes) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..reps.max(3) * 3 {
        run(&vm, &format!("Memory.items[50].key8 = 'changed {i}'"));
        let (point, encode, commit) = save(&vm, &mut store);
        one_total.push(ms(encode + commit));
        one_records.push(point.changes.len() as f64);
        one_bytes.push(point.bytes_written as f64);
    }

    // Raw bytecode sizes, computed in Lua.
    let dumps = run(&vm, DUMPS);
    let raw_total: f64 = dumps[0].parse().unwrap();
    let distinct: usize = dumps[1].parse().unwrap();
    let distinct_raw_total: f64 = dumps[2].parse().unwrap();
    drop(vm);

    // Full restore: new Vm + restore from the store's records.
    let records = store.load().expect("load");
    let record_bytes: usize = records.iter().map(|(_, v)| v.len()).sum();
    let uncompressed_bytes: usize = records.iter().map(|(_, v)| uncompressed_len(v)).sum();
    let (mut restore_total, mut restore_only, mut new_vm) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..reps {
        let records = records.clone();
        let start = Instant::now();
        let vm = Vm::new().expect("vm");
        let created = start.elapsed();
        let report = vm.restore(records, [0; 32]).expect("restore");
        let total = start.elapsed();
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        assert_eq!(report.objects, full.objects);
        restore_total.push(ms(total));
        restore_only.push(ms(total - created));
        new_vm.push(ms(created));
        let check = run(&vm, "return Memory.fns[810](), Memory.fns[4](10), #Memory.items, Memory.items[50].key8");
        assert_eq!(check[0], "11");
    }

    // Functions in the store: prototypes ('p') and function records ('o', kind 2: every
    // Lua function is a closure, with or without upvalues).
    let (mut proto_bytes, mut protos, mut closure_bytes, mut closures) = (0usize, 0usize, 0usize, 0usize);
    for (key, value) in &records {
        match (key.first(), value.get(1)) {
            (Some(b'p'), _) => {
                proto_bytes += value.len();
                protos += 1;
            }
            (Some(b'o'), Some(2)) => {
                closure_bytes += value.len();
                closures += 1;
            }
            _ => {}
        }
    }
    let functions = 1000.0;
    let stored_per_function = (proto_bytes + closure_bytes) as f64 / functions;
    let raw_per_function = raw_total / functions;
    let overhead = stored_per_function - raw_per_function;
    // Per prototype: 'p' records against the distinct dumps (identical ones are stored once).
    let proto_overhead = (proto_bytes as f64 - distinct_raw_total) / protos as f64;
    let closure_mean = closure_bytes as f64 / closures as f64;

    let full_ms = median(full_total.clone());
    let encode_ms = median(full_encode.clone());
    let restore_ms = median(restore_total.clone());
    let restore_only_ms = median(restore_only.clone());
    let mb = |bytes: f64, millis: f64| bytes / 1e6 / (millis / 1e3);

    let rows = vec![
        row("objects saved (tables + functions)", full.objects.to_string()),
        row("store", format!("{} records, {} bytes of records", records.len(), record_bytes)),
        row("full save (save point + commit)", format!("{full_ms:.2} ms")),
        row("  of which save point (walk + encode)", format!("{encode_ms:.2} ms")),
        row("  of which MemoryStore commit", format!("{:.2} ms", median(full_commit))),
        row("  records / bytes written", format!("{} / {}", full.changes.len(), full.bytes_written)),
        target("one-key save (save point + commit)", median(one_total), "ms", "< 2 ms", 2.0),
        row("  records / bytes written", format!("{} / {}", median(one_records), median(one_bytes))),
        target("full restore (new Vm + restore)", restore_ms, "ms", "< 100 ms", 100.0),
        row("  of which Vm::new", format!("{:.2} ms", median(new_vm))),
        row("  of which restore", format!("{restore_only_ms:.2} ms")),
        row(
            "functions: raw string.dump, mean",
            format!("{raw_per_function:.1} B ({raw_total} B; {distinct} distinct prototypes)"),
        ),
        row(
            "functions: stored 'p' + function 'o', mean",
            format!("{stored_per_function:.1} B ({protos} 'p' {proto_bytes} B + {closures} 'o' {closure_bytes} B)"),
        ),
        target("  overhead per function (stored - raw)", overhead, "B", "< 16 B", 16.0),
        row(
            "  'p' record - raw dump, per prototype",
            format!("{proto_overhead:.1} B (8 B tag + 7 B header/CRC - LZ4 gain)"),
        ),
        row("  'o' record of a function, mean", format!("{closure_mean:.1} B")),
        target("  overhead of a function with its own proto", proto_overhead + closure_mean, "B", "< 16 B", 16.0),
        row(
            "proto compression (raw distinct dumps / stored 'p')",
            format!("{:.2} : 1", distinct_raw_total / proto_bytes as f64),
        ),
        row(
            "store compression (uncompressed / stored)",
            format!(
                "{:.2} : 1 ({uncompressed_bytes} -> {record_bytes} B)",
                uncompressed_bytes as f64 / record_bytes as f64
            ),
        ),
        row("encode throughput (full save point)", format!("{:.1} MB/s", mb(full.bytes_written as f64, encode_ms))),
        row(
            "decode throughput (restore, excl. Vm::new)",
            format!("{:.1} MB/s", mb(record_bytes as f64, restore_only_ms)),
        ),
    ];

    println!(
        "memory_bench: Memory = 100 tables x 100 values (Memory.items[1..100]) + 1,000 functions \
         (Memory.fns: 800 plain, 200 closures from 10 factories)"
    );
    println!("medians of {reps} repetitions (one-key save: {})", reps.max(3) * 3);
    let w0 = rows.iter().map(|r| r.what.len()).max().unwrap_or(0);
    let w1 = rows.iter().map(|r| r.value.len()).max().unwrap_or(0).min(64);
    for r in &rows {
        let verdict = match r.met {
            Some(true) => "  ok",
            Some(false) => "  MISSED",
            None => "",
        };
        let target = if r.target.is_empty() { String::new() } else { format!("target {}", r.target) };
        println!("{:<w0$}  {:<w1$}  {target}{verdict}", r.what, r.value);
    }
}
