//! The history from the command line: versions listed newest first, compared,
//! restored (and the restore undone), looked at and exported; stores of format
//! version 1 (the committed fixtures) migrated; the budget shown and set.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn moonkeep(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_moonkeep")).arg("--db").arg(db).args(args).output().expect("moonkeep runs")
}

fn ok(db: &Path, args: &[&str]) -> String {
    let o = moonkeep(db, args);
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v1").join(name)
}

/// The version numbers `moonkeep history` lists, in its order.
fn numbers(db: &Path) -> Vec<u64> {
    ok(db, &["history"]).lines().map(|line| line.split_whitespace().next().unwrap().parse().unwrap()).collect()
}

#[test]
fn a_deleted_key_comes_back_with_its_closures_and_shared_references() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.redb");
    ok(
        &db,
        &[
            "eval",
            "local n = 0 local s = { 's' } Memory.list = { s, s } Memory.inc = function() n = n + 1 return n end",
        ],
    );
    ok(&db, &["eval", "Memory.inc()"]);
    ok(&db, &["eval", "Memory.list = nil Memory.inc = nil"]);
    let listed = ok(&db, &["history"]);
    assert_eq!(numbers(&db), [3, 2, 1], "{listed}");
    assert!(listed.lines().next().unwrap().contains("eval: Memory.list = nil Memory.inc = nil"), "{listed}");
    assert!(listed.lines().next().unwrap().ends_with("(current)"), "{listed}");

    let diff = ok(&db, &["diff", "2", "3"]);
    assert!(diff.contains("- Memory.inc = function "), "{diff}");
    assert!(diff.contains("- Memory.list = table (2 entries)"), "{diff}");

    let o = moonkeep(&db, &["restore", "2"]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("`moonkeep restore 3` undoes it"));
    assert_eq!(ok(&db, &["eval", "Memory.list[1] == Memory.list[2], Memory.inc()"]), "true\t2\n");
    assert_eq!(numbers(&db), [5, 4, 3, 2, 1]);
    // The restore is itself a version: restoring 3 undoes it.
    ok(&db, &["restore", "3"]);
    assert_eq!(ok(&db, &["eval", "Memory.list"]), "nil\n");
}

#[test]
fn a_past_version_can_be_inspected_and_exported_alone() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.redb");
    ok(&db, &["eval", "Memory.x = 'first' Memory.f = function() return Memory.x end"]);
    ok(&db, &["eval", "Memory.x = 'second'"]);
    let tree = ok(&db, &["inspect", "--at", "1"]);
    assert!(tree.starts_with("Memory as of version 1 (a past version: read only)"), "{tree}");
    assert!(tree.contains("\"first\""), "{tree}");
    let file = dir.path().join("one.moonkeep");
    ok(&db, &["export", "--at", "1", file.to_str().unwrap()]);
    // Complete in itself: another store takes it (its functions need trust there).
    let other = dir.path().join("other.redb");
    ok(&other, &["import", file.to_str().unwrap(), "--trust"]);
    assert_eq!(ok(&other, &["eval", "Memory.f()"]), "first\n");
    assert_eq!(numbers(&other), [1]);
    // Into a store with a history, an import is one more version.
    ok(&db, &["import", file.to_str().unwrap()]);
    assert_eq!(ok(&db, &["eval", "Memory.f()"]), "first\n");
    assert!(ok(&db, &["history"]).lines().next().unwrap().contains("import of a snapshot"));
    let o = moonkeep(&db, &["inspect", "--at", "42"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("there is no version 42"));
}

#[test]
fn v1_fixtures_migrate_to_version_1_and_keep_everything() {
    let dir = tempfile::tempdir().unwrap();
    for (name, check, expect) in [
        ("small.redb", "small_check.lua", "small v1 fixture: all kept"),
        ("large.redb", "large_check.lua", "large v1 fixture: all kept"),
        ("damaged.redb", "damaged_check.lua", "damaged v1 fixture: the rest kept"),
    ] {
        let db = dir.path().join(name);
        std::fs::copy(fixture(name), &db).unwrap();
        let listed = ok(&db, &["history"]);
        assert_eq!(listed.lines().count(), 1, "{name}: {listed}");
        assert!(listed.starts_with("1  ") && listed.contains("the Memory of format version 1"), "{listed}");
        assert_eq!(ok(&db, &["run", fixture(check).to_str().unwrap()]), format!("{expect}\n"));
        // The migrated Memory stays reachable as version 1 after later versions.
        ok(&db, &["eval", "Memory.after_migration = true"]);
        let at_one = dir.path().join(format!("{name}.v1.moonkeep"));
        ok(&db, &["export", "--at", "1", at_one.to_str().unwrap()]);
        let copy = dir.path().join(format!("{name}.copy.redb"));
        ok(&copy, &["import", at_one.to_str().unwrap(), "--trust"]);
        assert_eq!(ok(&copy, &["run", fixture(check).to_str().unwrap()]), format!("{expect}\n"));
        assert_eq!(ok(&copy, &["eval", "Memory.after_migration"]), "nil\n");
    }
}

#[test]
fn the_budget_is_shown_and_set_and_thins_the_history() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("r.redb");
    assert!(ok(&db, &["retention"]).starts_with("budget 50.0 MB;"));
    // About 4 KB that do not compress, in each version.
    for i in 0..12 {
        let source = format!(
            "local t = {{}} for j = 1, 4000 do t[j] = string.char(math.random(33, 126)) end \
             Memory.blob = table.concat(t) Memory.i = {i}"
        );
        ok(&db, &["eval", &source]);
    }
    assert_eq!(numbers(&db).len(), 12);
    let shown = ok(&db, &["retention", "--budget", "0.02"]);
    assert!(shown.starts_with("budget 20.5 KB; the history takes "), "{shown}");
    let kept = numbers(&db);
    assert!(kept.len() < 12 && kept[0] == 12, "{kept:?}");
    assert_eq!(ok(&db, &["eval", "Memory.i, #Memory.blob"]), "11\t4000\n");
    let oldest = kept.last().unwrap().to_string();
    ok(&db, &["inspect", "--at", &oldest]);
    let bad = moonkeep(&db, &["retention", "--budget", "lots"]);
    assert_eq!(bad.status.code(), Some(2));
}
