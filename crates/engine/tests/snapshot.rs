//! Snapshots: export a store's Memory to one file, import it elsewhere.

use moonkeep_engine::snapshot::{export, import, SnapshotError};
use moonkeep_engine::{MemoryStore, Store, Vm};

fn store_with(secret: [u8; 32], source: &str) -> MemoryStore {
    let vm = Vm::new().unwrap();
    vm.restore(Vec::new(), secret).unwrap();
    let run = vm.eval(source, "setup");
    assert!(run.result.is_ok(), "{:?}", run.result);
    let point = vm.save_point();
    let mut store = MemoryStore::new();
    store.commit(&point.changes).unwrap();
    store
}

fn restored(store: &MemoryStore, check: &str) {
    let vm = Vm::new().unwrap();
    let report = vm.restore(store.load().unwrap(), [0; 32]).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let run = vm.eval(check, "check");
    assert!(run.result.is_ok(), "{:?}", run.result);
}

const SETUP: &str = "local n = 40 Memory.count = function() n = n + 1 return n end Memory.data = { 'a', { 'b' } }";
const CHECK: &str = "assert(Memory.count() == 41 and Memory.data[2][1] == 'b')";

#[test]
fn a_snapshot_never_carries_the_store_secret() {
    let secret = [0xA5; 32];
    let file = export(&store_with(secret, SETUP).load().unwrap());
    assert!(!file.windows(32).any(|w| w == secret), "the secret leaked into the snapshot");
}

#[test]
fn importing_into_the_same_store_needs_no_trust() {
    let secret = [3; 32];
    let file = export(&store_with(secret, SETUP).load().unwrap());
    // The same store later, holding something else: its secret signed the snapshot.
    let mut target = store_with(secret, "Memory.other = true");
    let changes = import(&file, &target.load().unwrap(), [9; 32], false).unwrap();
    target.commit(&changes).unwrap();
    restored(&target, CHECK);
    restored(&target, "assert(Memory.other == nil, 'import replaces Memory')");
}

#[test]
fn foreign_bytecode_needs_explicit_trust() {
    let file = export(&store_with([1; 32], SETUP).load().unwrap());
    let elsewhere = store_with([2; 32], "Memory.mine = 1").load().unwrap();
    assert_eq!(import(&file, &elsewhere, [0; 32], false), Err(SnapshotError::Untrusted(1)));
    let mut target = MemoryStore::new();
    let changes = import(&file, &[], [5; 32], true).unwrap();
    target.commit(&changes).unwrap();
    restored(&target, CHECK);
}

#[test]
fn a_snapshot_without_functions_imports_without_trust() {
    let file = export(&store_with([1; 32], "Memory.x = { 1, 2, 3 }").load().unwrap());
    let mut target = MemoryStore::new();
    target.commit(&import(&file, &[], [5; 32], false).unwrap()).unwrap();
    restored(&target, "assert(#Memory.x == 3)");
}

#[test]
fn damaged_or_foreign_files_are_refused_by_name() {
    let file = export(&store_with([1; 32], SETUP).load().unwrap());
    let mut flipped = file.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 1;
    assert!(matches!(import(&flipped, &[], [0; 32], true), Err(SnapshotError::Damaged(_))));
    assert!(matches!(import(&file[..file.len() - 10], &[], [0; 32], true), Err(SnapshotError::Damaged(_))));
    assert_eq!(import(b"PK\x03\x04 a zip file", &[], [0; 32], true), Err(SnapshotError::NotASnapshot));
    let mut newer = file.clone();
    newer[18] = 9;
    assert_eq!(import(&newer, &[], [0; 32], true), Err(SnapshotError::Version(9)));
}
