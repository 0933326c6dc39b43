//! Data written by earlier Moonkeeps must always load. `tests/fixtures/v1/` holds
//! databases and snapshots written by the moonkeep of format version 1 (`make.sh`
//! there says how): a small Memory with every kind of value, a large one, and the
//! small one with a record damaged. Each is opened from a copy (opening may migrate
//! it) and checked with the Lua assertions beside it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v1").join(name)
}

fn moonkeep(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_moonkeep")).arg("--db").arg(db).args(args).output().expect("moonkeep runs")
}

/// A copy of a fixture database in a fresh folder.
fn copy(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    let db = dir.path().join(name);
    std::fs::copy(fixture(name), &db).unwrap();
    db
}

fn check(db: &Path, script: &str, expect: &str) -> String {
    let o = moonkeep(db, &["run", fixture(script).to_str().unwrap()]);
    let (out, err) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr).into_owned());
    assert!(o.status.success(), "{script}: {out}{err}");
    assert_eq!(out, format!("{expect}\n"), "{err}");
    err
}

#[test]
fn v1_databases_open_and_keep_everything() {
    let dir = tempfile::tempdir().unwrap();
    for (db, script, expect) in [
        ("small.redb", "small_check.lua", "small v1 fixture: all kept"),
        ("large.redb", "large_check.lua", "large v1 fixture: all kept"),
    ] {
        let db = copy(&dir, db);
        let err = check(&db, script, expect);
        assert!(err.is_empty(), "{err}");
        // And again after this Moonkeep saved into it.
        check(&db, script, expect);
    }
}

#[test]
fn a_damaged_v1_database_restores_all_but_the_damaged_value_and_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = copy(&dir, "damaged.redb");
    for _ in 0..2 {
        let err = check(&db, "damaged_check.lua", "damaged v1 fixture: the rest kept");
        assert!(err.contains("not restored: Memory.deep[1][1][1][1]: damaged record"), "{err}");
    }
}

#[test]
fn v1_snapshots_import() {
    let dir = tempfile::tempdir().unwrap();
    for (file, script, expect) in [
        ("small.moonkeep", "small_check.lua", "small v1 fixture: all kept"),
        ("large.moonkeep", "large_check.lua", "large v1 fixture: all kept"),
    ] {
        let db = dir.path().join(format!("{file}.redb"));
        // Written by another store: its functions need the user's trust.
        let o = moonkeep(&db, &["import", fixture(file).to_str().unwrap(), "--trust"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        check(&db, script, expect);
    }
}
