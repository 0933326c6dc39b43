//! Runs every conformance case in tests/cases (see its README): the transcript of a
//! fresh Vm must equal NAME.out, and oracle cases must print the same under stock Lua
//! 5.4.9 (tests/oracle). `BLESS=1 cargo test --test cases` writes missing .out files
//! for review.

mod oracle;

use std::fs;
use std::path::{Path, PathBuf};

use moonkeep_engine::Vm;

const ORACLE_MARK: &str = "-- oracle: lua5.4";

fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut cases: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("tests/cases exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "lua"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 15, "expected the conformance cases in {}", dir.display());
    cases
}

fn expected(case: &Path) -> Option<String> {
    fs::read_to_string(case.with_extension("out")).ok()
}

#[test]
fn every_case_matches_its_transcript() {
    let mut failures = Vec::new();
    for case in cases() {
        let source = fs::read_to_string(&case).unwrap();
        let vm = Vm::new().expect("vm");
        let got = vm.eval(&source, "main.lua").transcript();
        match expected(&case) {
            Some(want) if want == got => {}
            Some(want) => failures.push(format!("{}:\n--- want\n{want}--- got\n{got}", case.display())),
            None if std::env::var_os("BLESS").is_some() => fs::write(case.with_extension("out"), &got).unwrap(),
            None => failures.push(format!("{}: no .out file (BLESS=1 writes one)", case.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn oracle_cases_print_what_stock_lua_prints() {
    let mut checked = 0;
    for case in cases() {
        let source = fs::read_to_string(&case).unwrap();
        if !source.starts_with(ORACLE_MARK) {
            continue;
        }
        let run = oracle::run("main.lua", source.as_bytes());
        assert!(run.status.success(), "{}: stock lua failed: {}", case.display(), String::from_utf8_lossy(&run.stderr));
        let want = expected(&case).unwrap_or_default();
        assert_eq!(shown(&run.stdout), want, "{} differs from stock Lua", case.display());
        checked += 1;
    }
    assert!(checked >= 8, "only {checked} oracle cases");
}

/// Output as a transcript shows it: bytes that are not UTF-8 as `\xFF`.
fn shown(bytes: &[u8]) -> String {
    bytes
        .utf8_chunks()
        .map(|chunk| {
            let invalid: String = chunk.invalid().iter().map(|b| format!("\\x{b:02X}")).collect();
            format!("{}{invalid}", chunk.valid())
        })
        .collect()
}
