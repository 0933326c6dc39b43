//! How fast the Memory inspector's rows are computed natively.
//! Usage: cargo run --release -p moonkeep-engine --example inspect_bench [REPETITIONS]
//!
//! Memory of 100,000 entries (`for i = 1, 100000 do Memory[i] = i end`): every row
//! (Memory expanded), the collapsed tree, a filter, and deleting one entry; then
//! 1,000 tables of 100 entries with 1,000 closures; then `Memory.big` holding
//! 100,000 and 1,000,000 small tables `{i, tostring(i)}` (what `make bench`'s scale
//! figures use): rows with only `Memory` expanded (what a run costs when the user has
//! not opened `big`), with `Memory.big` expanded (a row per table), a filter (which
//! searches everything), and `moonkeep inspect`'s tree. Figures are medians; nothing
//! here asserts on timings.

use std::collections::BTreeSet;

use moonkeep_engine::{Limits, Vm};

#[path = "common/median.rs"]
mod median;
use median::time;

fn vm(source: &str) -> Vm {
    let vm = Vm::new().expect("vm");
    let run = vm.eval(source, "bench.lua");
    assert!(run.result.is_ok(), "{:?}", run.result);
    vm
}

fn main() {
    let reps: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(7).max(1);
    let open = |paths: &[&str]| paths.iter().map(|p| p.to_string()).collect::<BTreeSet<String>>();

    println!("Memory inspector rows, native, median of {reps}:");
    let big = vm("for i = 1, 100000 do Memory[i] = i end");
    let (ms, rows) = time(reps, || big.memory_rows(&open(&["Memory"]), ""));
    println!("  100,000 entries, Memory expanded: {ms:8.2} ms for {} rows", rows.len());
    let (ms, rows) = time(reps, || big.memory_rows(&BTreeSet::new(), ""));
    println!("  100,000 entries, Memory collapsed: {ms:7.2} ms for {} row", rows.len());
    let (ms, rows) = time(reps, || big.memory_rows(&BTreeSet::new(), "9999"));
    println!("  100,000 entries, filter \"9999\":   {ms:8.2} ms for {} rows", rows.len());
    let (ms, ()) = time(reps, || {
        let rows = big.memory_rows(&open(&["Memory"]), "");
        let deleted = big.delete_row(&rows[50_000]).expect("deleted");
        big.undo_delete(deleted).expect("put back");
    });
    println!("  100,000 entries, rows + delete + undo: {ms:5.2} ms");

    let nested = vm("Memory.items = {}\n\
                     for i = 1, 1000 do\n\
                       local t = {}\n\
                       for j = 1, 100 do t[j] = (j % 3 == 0) and ('s' .. j) or j * 0.5 end\n\
                       local hits = 0\n\
                       t.count = function(x) hits = hits + x return hits, t end\n\
                       Memory.items[i] = t\n\
                     end");
    let (ms, rows) = time(reps, || nested.memory_rows(&open(&["Memory", "Memory.items"]), ""));
    println!(
        "  1,000 tables x 100 entries + 1,000 closures, Memory.items expanded: {ms:.2} ms for {} rows",
        rows.len()
    );
    let (ms, rows) = time(reps, || nested.memory_rows(&BTreeSet::new(), "count"));
    println!("  the same, filter \"count\": {ms:.2} ms for {} rows", rows.len());

    scale(100_000, "100,000", reps);
    scale(1_000_000, "1,000,000", reps.min(3));
}

/// Rows of a Memory of `n` small tables under `Memory.big`.
fn scale(n: usize, name: &str, reps: usize) {
    let open = |paths: &[&str]| paths.iter().map(|p| p.to_string()).collect::<BTreeSet<String>>();
    let vm = vm(&format!("Memory.big = {{}} for i = 1, {n} do Memory.big[i] = {{i, tostring(i)}} end Memory.k = 1"));
    let label = format!("{name} tables in Memory.big,");
    let (ms, rows) = time(reps, || vm.memory_rows(&open(&["Memory"]), ""));
    println!("  {label:28} Memory expanded:      {ms:9.2} ms for {} rows", rows.len());
    let (ms, rows) = time(reps, || vm.memory_rows(&open(&["Memory", "Memory.big"]), ""));
    println!("  {label:28} Memory.big expanded:  {ms:9.2} ms for {} rows", rows.len());
    let (ms, rows) = time(reps, || vm.memory_rows(&open(&["Memory"]), "99999"));
    println!("  {label:28} filter \"99999\":        {ms:9.2} ms for {} rows", rows.len());
    let (ms, tree) = time(reps, || vm.memory_tree(Limits::default()));
    println!("  {label:28} moonkeep inspect tree: {ms:8.2} ms for {} children of Memory", tree.children.len());
}
