//! How save points and restores scale with the size of Memory.
//! Usage: cargo run --release -p moonkeep-engine --example scale_bench [SIZES...]
//!
//! For each size N (10,000, 100,000 and 1,000,000 by default), `Memory.big` holds N
//! small tables `{i, tostring(i)}`, built by one chunk. Printed: the first save point
//! with its commit into a MemoryStore, a one-key save point (`Memory.k = i`, median of
//! 20), a restore into a new Vm followed by one eval, the save point after it (one key
//! changed since the restore; committed into an empty store, which is how the
//! save point's own cost shows), the Lua heap, and the peak RSS
//! of building and saving, then of the restore alone (from the store's records; the
//! peak is reset before it where Linux allows). Each size runs in a process of its
//! own, so its peaks are its own; a size is skipped when the one before it took more
//! than a minute. Nothing asserts on timings: the targets are printed beside
//! the figures.

use std::process::Command;
use std::time::{Duration, Instant};

use moonkeep_engine::{MemoryStore, Store, Vm};

const SECRET: [u8; 32] = [42; 32];
const SIZES: [usize; 3] = [10_000, 100_000, 1_000_000];
const ONE_KEY_SAVES: usize = 20;
/// A size whose run took longer than this makes the next one too slow to wait for.
const PATIENCE: Duration = Duration::from_secs(60);

fn run(vm: &Vm, source: &str) {
    if let Err(e) = vm.eval(source, "bench.lua").result {
        panic!("{}", e.message);
    }
}

/// A save point committed to `store`; its time.
fn save(vm: &Vm, store: &mut MemoryStore) -> Duration {
    let start = Instant::now();
    let point = vm.save_point();
    store.commit(&point.changes).expect("commit");
    vm.committed(&point);
    let elapsed = start.elapsed();
    assert!(point.problems.is_empty(), "{:?}", point.problems);
    elapsed
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Starts counting the peak resident set again from what is resident now.
fn reset_peak_rss() {
    // Linux: writing 5 to clear_refs resets VmHWM; elsewhere the peak stays the process's.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The process's peak resident set (VmHWM), in MB; 0 where /proc is missing.
fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

/// One size, in this process: prints its row.
fn measure(n: usize) {
    let vm = Vm::new().expect("vm");
    vm.restore(Vec::new(), SECRET).expect("restore");
    let start = Instant::now();
    run(&vm, &format!("Memory.big = {{}} for i = 1, {n} do Memory.big[i] = {{i, tostring(i)}} end"));
    let build = start.elapsed();
    let heap_mb = vm.used_memory() as f64 / 1e6;
    let mut store = MemoryStore::new();
    let first = save(&vm, &mut store);
    let mut one_key: Vec<f64> = (0..ONE_KEY_SAVES)
        .map(|i| {
            run(&vm, &format!("Memory.k = {i}"));
            ms(save(&vm, &mut store))
        })
        .collect();
    one_key.sort_by(f64::total_cmp);
    let save_peak = peak_rss_mb();
    drop(vm);
    let records = store.load().expect("load");
    drop(store);
    reset_peak_rss();
    let start = Instant::now();
    let vm = Vm::new().expect("vm");
    let report = vm.restore(records, SECRET).expect("restore");
    run(&vm, "Memory.k = -1");
    let restore = start.elapsed();
    // The first save point after a reload: one key changed since the restore.
    let after_restore = save(&vm, &mut MemoryStore::new());
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(report.objects, n + 2);
    println!(
        "{n:>9}  {:>9.0}  {:>10.0}  {:>12.3}  {:>12.0}  {:>13.3}  {heap_mb:>8.0}  {save_peak:>9.0}  {:>12.0}",
        ms(build),
        ms(first),
        one_key[ONE_KEY_SAVES / 2],
        ms(restore),
        ms(after_restore),
        peak_rss_mb()
    );
}

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("--one") {
        let n = args.nth(1).and_then(|n| n.parse().ok()).expect("--one N");
        measure(n);
        return;
    }
    let sizes: Vec<usize> = args.filter_map(|n| n.parse().ok()).collect();
    let sizes = if sizes.is_empty() { SIZES.to_vec() } else { sizes };
    println!("scale_bench: Memory.big = N tables {{i, tostring(i)}}; times in ms, memory in MB");
    println!(
        "targets at 1,000,000: first save < 3,000 ms, one-key save < 1 ms, restore < 2,000 ms, restore peak <= 3x heap"
    );
    println!(
        "        N      build  first save  one-key save  restore+eval  save after it  Lua heap  save peak  restore peak"
    );
    let exe = std::env::current_exe().expect("own path");
    let mut too_slow = false;
    for n in sizes {
        if too_slow {
            println!("{n:>9}  skipped: the size before it took more than {} s", PATIENCE.as_secs());
            continue;
        }
        let start = Instant::now();
        let status = Command::new(&exe).arg("--one").arg(n.to_string()).status().expect("run a size");
        assert!(status.success(), "size {n} failed");
        too_slow = start.elapsed() > PATIENCE;
    }
}
