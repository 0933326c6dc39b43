//! Runs every conformance case in tests/cases (see its README): the transcript of a
//! fresh Vm must equal NAME.out, and oracle cases must print the same under lua5.4.
//! `BLESS=1 cargo test --test cases` writes missing .out files for review.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

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
    let dir = std::env::temp_dir().join(format!("moonkeep-oracle-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let mut checked = 0;
    for case in cases() {
        let source = fs::read_to_string(&case).unwrap();
        if !source.starts_with(ORACLE_MARK) {
            continue;
        }
        let script = dir.join("main.lua");
        fs::write(&script, &source).unwrap();
        let run = Command::new("lua5.4")
            .arg("main.lua")
            .current_dir(&dir)
            .output()
            .expect("lua5.4 runs (scripts/setup.sh installs it)");
        assert!(run.status.success(), "{}: lua5.4 failed: {}", case.display(), String::from_utf8_lossy(&run.stderr));
        let want = expected(&case).unwrap_or_default();
        assert_eq!(String::from_utf8_lossy(&run.stdout), want, "{} differs from stock Lua", case.display());
        checked += 1;
    }
    fs::remove_dir_all(&dir).ok();
    assert!(checked >= 8, "only {checked} oracle cases");
}
