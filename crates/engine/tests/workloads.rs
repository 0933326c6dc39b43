//! The benchmark workloads (bench/workloads/*.lua) give the same checksum in Moonkeep's
//! Vm as in Debian's stock lua5.4, at the small size each declares on a line
//! `-- test size: N`, so a broken workload or a divergence between the engines shows
//! up in `cargo test` without running `make bench-compare`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use moonkeep_engine::Vm;

const SIZE_MARK: &str = "-- test size: ";

fn workloads() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/workloads");
    let mut found: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "lua"))
        .collect();
    found.sort();
    assert!(found.len() >= 8, "expected the benchmark workloads in {}", dir.display());
    found
}

/// A chunk that prints the workload's checksum at its test size.
fn checksum_chunk(path: &Path) -> String {
    let source = fs::read_to_string(path).unwrap();
    let size: u32 = source
        .lines()
        .find_map(|l| l.strip_prefix(SIZE_MARK))
        .unwrap_or_else(|| panic!("{} has no `{SIZE_MARK}N` line", path.display()))
        .trim()
        .parse()
        .unwrap_or_else(|e| panic!("{}: test size: {e}", path.display()));
    format!("print((function()\n{source}\nend)()({size}))")
}

fn stock_lua(chunk: &str, path: &Path) -> String {
    let run = Command::new("lua5.4").args(["-e", chunk]).output().expect("lua5.4 runs (scripts/setup.sh installs it)");
    assert!(run.status.success(), "{}: lua5.4 failed: {}", path.display(), String::from_utf8_lossy(&run.stderr));
    String::from_utf8(run.stdout).unwrap()
}

#[test]
fn every_workload_checksum_matches_stock_lua() {
    let mut failures = Vec::new();
    for path in workloads() {
        let chunk = checksum_chunk(&path);
        let want = stock_lua(&chunk, &path);
        let run = Vm::new().expect("vm").eval(&chunk, "workload.lua");
        match run.result {
            Err(e) => failures.push(format!("{}: {e}", path.display())),
            Ok(_) if run.output != want => {
                failures.push(format!("{}: Moonkeep {:?}, lua5.4 {want:?}", path.display(), run.output))
            }
            Ok(_) => {}
        }
        // A checksum above 2^31 would wrap in fengari, whose integers are 32-bit.
        let value: i64 =
            want.trim().parse().unwrap_or_else(|_| panic!("{}: checksum {want:?} is not an integer", path.display()));
        assert!((0..1 << 31).contains(&value), "{}: checksum {value} does not fit in 31 bits", path.display());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
