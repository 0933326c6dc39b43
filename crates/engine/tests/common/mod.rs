//! Helpers the round-trip tests share: a VM on a fresh store, running Lua that must
//! succeed, and committed save points.
#![allow(dead_code)] // each test file uses its own subset

use moonkeep_engine::{MemoryStore, RestoreReport, SavePoint, Store, Vm};
use proptest::prelude::ProptestConfig;

pub const SECRET: [u8; 32] = [7; 32];

pub fn fresh() -> (Vm, MemoryStore) {
    let vm = Vm::new().unwrap();
    let report = vm.restore(Vec::new(), SECRET).unwrap();
    assert!(report.problems.is_empty());
    (vm, MemoryStore::new())
}

pub fn run(vm: &Vm, source: &str) {
    let run = vm.eval(source, "test.lua");
    if let Err(e) = &run.result {
        panic!("{}\n{}\n{}", e.message, e.traceback.clone().unwrap_or_default(), run.output);
    }
}

/// Computes a save point, commits it and tells the VM.
pub fn save(vm: &Vm, store: &mut MemoryStore) -> SavePoint {
    let point = vm.save_point();
    store.commit(&point.changes).unwrap();
    vm.committed(&point);
    point
}

/// A new VM restored from `store`, as a reload or a new process gets it.
pub fn reopen(store: &MemoryStore) -> (Vm, RestoreReport) {
    let vm = Vm::new().unwrap();
    let report = vm.restore(store.load().unwrap(), [9; 32]).unwrap();
    (vm, report)
}

/// A property test's settings: `cases` unless `PROPTEST_CASES` says otherwise (for a
/// longer hunt), and failures reported rather than written next to the sources.
pub fn proptest_config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(cases);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}
