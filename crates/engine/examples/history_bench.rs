//! The history's costs with 1,000 versions of the benchmark Memory (memory_bench's:
//! 100 tables x 100 values + 1,000 functions), each made by a one-key change.
//! Usage: cargo run --release -p moonkeep-engine --example history_bench [VERSIONS]
//!
//! Prints medians; nothing asserts on timings: the targets are printed beside
//! the figures.

use std::time::{Duration, Instant};

use moonkeep_engine::history;
use moonkeep_engine::{Cause, MemoryStore, Store, Vm};

const SECRET: [u8; 32] = [42; 32];

/// The benchmark Memory, shared with the other memory benchmark.
const BUILD: &str = include_str!("bench_memory.lua");

fn run(vm: &Vm, source: &str) {
    if let Err(e) = vm.eval(source, "bench.lua").result {
        panic!("{}", e.message);
    }
}

/// A one-key version: (save point + commit time, bytes the store grew by).
fn one_key(vm: &Vm, store: &mut MemoryStore, i: usize) -> (Duration, usize) {
    let source = format!("Memory.items[{}].key8 = 'changed {i}'", i % 100 + 1);
    run(vm, &source);
    let before = store.bytes();
    let start = Instant::now();
    let mut point = vm.save_point();
    point.describe(i as u64, Cause::Run, "bench.lua", &source);
    store.commit(&point.changes).expect("commit");
    vm.committed(&point);
    (start.elapsed(), store.bytes() - before)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Median time of `f` over `reps` calls.
fn timed<T>(reps: usize, mut f: impl FnMut() -> T) -> f64 {
    median(
        (0..reps)
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(f());
                ms(start.elapsed())
            })
            .collect(),
    )
}

fn main() {
    let versions: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(1000).max(20);
    let vm = Vm::new().expect("vm");
    vm.restore(Vec::new(), SECRET).expect("restore");
    run(&vm, BUILD);
    let mut store = MemoryStore::new();
    let point = vm.save_point();
    store.commit(&point.changes).expect("commit");
    vm.committed(&point);
    let live_bytes = store.bytes();

    let mut first = Vec::new();
    let mut last = Vec::new();
    let mut grown = Vec::new();
    for i in 0..versions {
        let (took, bytes) = one_key(&vm, &mut store, i);
        if i < 20 {
            first.push(ms(took));
        }
        if i >= versions - 20 {
            last.push(ms(took));
        }
        grown.push(bytes as f64);
    }
    let records = store.load().expect("load");
    let newest = history::newest(&records);
    let old = newest / 10;

    let list = timed(7, || history::versions(&records));
    let restore_current = timed(5, || Vm::new().unwrap().restore(records.clone(), [0; 32]).unwrap());
    // The same records without the history's: what a store reading only live keys gives.
    let live: Vec<_> = records.iter().filter(|(k, _)| !matches!(k[0], b'h' | b'v')).cloned().collect();
    let restore_live = timed(5, || Vm::new().unwrap().restore(live.clone(), [0; 32]).unwrap());
    let restore_old = timed(5, || {
        let at = history::records_at(&records, old).unwrap();
        Vm::new().unwrap().restore(at, [0; 32]).unwrap()
    });
    let restore_as_new_version = timed(5, || history::restore(&records, old, 0).unwrap());
    let diff = timed(5, || history::diff(&records, old, newest).unwrap());
    let differences = history::diff(&records, old, newest).unwrap().len();
    let usage = history::usage(&records);

    println!("history_bench: {versions} one-key versions of memory_bench's Memory (medians)");
    let rows = [
        (
            "one-key save, first 20 versions (save point + commit)",
            format!("{:.2} ms", median(first)),
            "no slower than without history (1.7 ms)",
        ),
        ("one-key save, last 20 versions", format!("{:.2} ms", median(last)), "the same as the first"),
        ("storage added per one-key version", format!("{:.0} B", median(grown)), ""),
        ("live records / history", format!("{live_bytes} B / {} B in {} versions", usage.bytes, usage.versions), ""),
        ("listing the history (entries decoded)", format!("{list:.2} ms"), "< 20 ms"),
        ("restoring the current version (new Vm + restore)", format!("{restore_current:.2} ms"), "as without history"),
        ("  the same given only the live records", format!("{restore_live:.2} ms"), ""),
        (
            &*format!("restoring version {old} in a new Vm"),
            format!("{restore_old:.2} ms"),
            "as fast as a normal restore",
        ),
        (&*format!("changes making version {old} current again"), format!("{restore_as_new_version:.2} ms"), ""),
        (&*format!("diff of versions {old} and {newest} ({differences} paths)"), format!("{diff:.2} ms"), "< 50 ms"),
    ];
    for (what, value, target) in rows {
        let target = if target.is_empty() { String::new() } else { format!("target {target}") };
        println!("{what:<58}  {value:<36}  {target}");
    }
}
