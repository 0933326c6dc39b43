//! Nothing that was saved is lost, whatever a careless or hostile user does with the
//! command line: exports aimed at the database, closed pipes and full disks, Ctrl+C
//! during a save, endless imports, a REPL holding the file.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs moonkeep to its end, or kills it after 30 s: a hang fails the test, not the suite.
fn moonkeep(db: &Path, args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_moonkeep"))
        .arg("--db")
        .arg(db)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("moonkeep runs");
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("moonkeep {args:?} hung");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn assert_no_panic(o: &Output) {
    let err = stderr(o);
    assert!(!err.contains("panicked") && o.status.code().is_some(), "{:?}: {err}", o.status);
}

#[test]
fn export_never_writes_over_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("e.redb");
    let link = dir.path().join("link.redb");
    let other = dir.path().join("other.redb");
    moonkeep(&db, &["eval", "Memory.kept = 'yes'"]);
    moonkeep(&other, &["eval", "Memory.other = true"]);
    std::os::unix::fs::symlink(&db, &link).unwrap();
    let before = std::fs::read(&db).unwrap();
    for target in [&db, &link, &other] {
        let o = moonkeep(&db, &["export", target.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "export onto {}: {}", target.display(), stderr(&o));
        assert!(stderr(&o).contains("not a snapshot") && stderr(&o).contains("another file name"), "{}", stderr(&o));
    }
    assert!(std::fs::read(&db).unwrap() == before, "the database's bytes changed");
    assert_eq!(stdout(&moonkeep(&db, &["eval", "Memory.kept"])), "yes\n");
    assert_eq!(stdout(&moonkeep(&other, &["eval", "Memory.other"])), "true\n");
}

#[test]
fn a_failed_export_leaves_no_half_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("e.redb");
    // 400 KB that LZ4 cannot shrink much.
    moonkeep(
        &db,
        &["eval", "local t = {} for i = 1, 50000 do t[i] = string.format('%08x', i * 2654435761 % 2^32) end Memory.s = table.concat(t)"],
    );
    let file = dir.path().join("old.snapshot");
    assert!(moonkeep(&db, &["export", file.to_str().unwrap()]).status.success());
    let old = std::fs::read(&file).unwrap();
    // An export cut short (files limited to 64 KB, as by a full disk) keeps the old file whole.
    let cut = format!(
        "trap '' XFSZ; ulimit -f 64; exec '{}' --db '{}' export '{}'",
        env!("CARGO_BIN_EXE_moonkeep"),
        db.display(),
        file.display()
    );
    let o = Command::new("sh").args(["-c", &cut]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains(&format!("cannot write {}", file.display())), "{}", stderr(&o));
    assert!(std::fs::read(&file).unwrap() == old, "a failed export changed the old snapshot");
    let names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(names.iter().all(|n| !n.starts_with(".moonkeep-export")), "temporary files left: {names:?}");
}

#[test]
fn a_closed_pipe_does_not_lose_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.redb");
    let mut child = Command::new(env!("CARGO_BIN_EXE_moonkeep"))
        .arg("--db")
        .arg(&db)
        .args(["eval", "Memory.x = 1; for i = 1, 100000 do print(i) end"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Like `| head -1`: read one line, then close the pipe.
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    assert_eq!(first, "1\n");
    let o = child.wait_with_output().unwrap();
    assert_no_panic(&o);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("cannot write the output") && stderr(&o).contains("Memory was saved"),
        "{}",
        stderr(&o)
    );
    assert_eq!(stdout(&moonkeep(&db, &["eval", "Memory.x"])), "1\n");
}

#[test]
fn a_full_disk_for_stdout_does_not_lose_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.redb");
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_moonkeep"))
        .arg("--db")
        .arg(&db)
        .args(["eval", "Memory.x = 1; print('hello')"])
        .stdout(full)
        .output()
        .unwrap();
    assert_no_panic(&o);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("cannot write the output"), "{}", stderr(&o));
    assert_eq!(stdout(&moonkeep(&db, &["eval", "Memory.x"])), "1\n");
}

#[test]
fn import_refuses_what_is_not_a_snapshot_without_reading_it_all() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("i.redb");
    moonkeep(&db, &["eval", "Memory.kept = 1"]);
    let start = Instant::now();
    let o = moonkeep(&db, &["import", "/dev/zero"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("/dev/zero: this is not a Moonkeep snapshot"), "{}", stderr(&o));
    // A file over the limit is refused by its size (sparse: it takes no disk).
    let huge = dir.path().join("huge.snapshot");
    let f = std::fs::File::create(&huge).unwrap();
    f.set_len((1 << 30) + 1).unwrap();
    let o = moonkeep(&db, &["import", huge.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("larger than 1 GiB"), "{}", stderr(&o));
    assert!(start.elapsed() < Duration::from_secs(20), "took {:?}", start.elapsed());
    assert_eq!(stdout(&moonkeep(&db, &["eval", "Memory.kept"])), "1\n");
}

#[test]
fn ctrl_c_during_the_save_saves_first() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.redb");
    let mut child = Command::new(env!("CARGO_BIN_EXE_moonkeep"))
        .arg("--db")
        .arg(&db)
        .args(["eval", "Memory.saved = 'all of it'"])
        .env("MOONKEEP_TEST_SLOW_SAVE_MS", "1500")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    assert_eq!(line, "moonkeep: test: saving slowly\n");
    let kill = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let status = child.wait().unwrap();
    let mut rest = String::new();
    err.read_to_string(&mut rest).unwrap();
    assert_eq!(status.code(), Some(130), "{rest}");
    assert!(rest.contains("saving Memory before stopping") && rest.contains("stopped by Ctrl+C after"), "{rest}");
    assert_eq!(stdout(&moonkeep(&db, &["eval", "Memory.saved"])), "all of it\n");
}

#[test]
fn readers_read_beside_a_repl_holding_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("r.redb");
    let mut repl = Command::new(env!("CARGO_BIN_EXE_moonkeep"))
        .arg("--db")
        .arg(&db)
        .arg("repl")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut input = repl.stdin.take().unwrap();
    let mut output = BufReader::new(repl.stdout.take().unwrap());
    input.write_all(b"Memory.n = 41 + 1\nMemory.n\n").unwrap();
    input.flush().unwrap();
    let mut line = String::new();
    output.read_line(&mut line).unwrap();
    assert_eq!(line, "42\n", "the repl saved its entry");

    let start = Instant::now();
    let inspect = moonkeep(&db, &["inspect"]);
    let file = dir.path().join("r.snapshot");
    let export = moonkeep(&db, &["export", file.to_str().unwrap()]);
    let took = start.elapsed();
    assert!(inspect.status.success(), "{}", stderr(&inspect));
    assert!(stdout(&inspect).contains("n = 42 (integer)"), "{}", stdout(&inspect));
    assert!(export.status.success(), "{}", stderr(&export));
    // Each used to wait 5 s for the repl's lock, then fail.
    assert!(took < Duration::from_secs(9), "the readers took {took:?}");

    // The repl still writes after the readers left.
    input.write_all(b"Memory.n = 7\n").unwrap();
    drop(input);
    assert!(repl.wait().unwrap().success());
    assert_eq!(stdout(&moonkeep(&db, &["eval", "Memory.n"])), "7\n");
}

/// Offset of `needle` in the database file (a stored string is in the file as it is
/// when its record is not compressed).
fn find(file: &[u8], needle: &[u8]) -> usize {
    file.windows(needle.len()).position(|w| w == needle).expect("the bytes are in the file")
}

#[test]
fn a_damaged_database_loses_only_the_damaged_value_and_is_kept_aside() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("memory.redb");
    let o = moonkeep(&db, &["eval", "Memory.a = 'first-value' Memory.b = { 'second-value' } Memory.c = 'third-value'"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut bytes = std::fs::read(&db).unwrap();
    let at = find(&bytes, b"second-value");
    bytes[at] ^= 0x01;
    std::fs::write(&db, &bytes).unwrap();

    // Reading neither rewrites nor moves the file.
    let mtime = std::fs::metadata(&db).unwrap().modified().unwrap();
    std::thread::sleep(Duration::from_millis(20));
    let inspect = moonkeep(&db, &["inspect"]);
    assert!(inspect.status.success(), "{}", stderr(&inspect));
    assert!(
        stdout(&inspect).contains("first-value") && stdout(&inspect).contains("third-value"),
        "{}",
        stdout(&inspect)
    );
    assert!(std::fs::read(&db).unwrap() == bytes, "inspect changed the file");
    assert_eq!(std::fs::metadata(&db).unwrap().modified().unwrap(), mtime, "inspect touched the file");

    let o = moonkeep(&db, &["eval", "Memory.a, Memory.c"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "first-value\tthird-value\n");
    let err = stderr(&o);
    assert!(err.contains("was damaged") && err.contains("memory.redb.damaged-"), "{err}");
    assert!(err.contains("not restored: Memory.b"), "{err}");
    let kept: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("memory.redb.damaged-"))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(std::fs::read(&kept[0]).unwrap() == bytes, "the kept file is not the damaged file");
    // From then on the rebuilt file opens without a repair.
    let o = moonkeep(&db, &["eval", "Memory.a, Memory.c"]);
    assert_eq!(stdout(&o), "first-value\tthird-value\n");
    assert!(!stderr(&o).contains("was damaged"), "{}", stderr(&o));
}

#[test]
fn an_empty_database_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("empty.redb");
    std::fs::write(&db, b"").unwrap();
    for args in [&["eval", "Memory.x = 1"][..], &["inspect"][..]] {
        let o = moonkeep(&db, args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("is empty (0 bytes)"), "{}", stderr(&o));
    }
    assert_eq!(std::fs::metadata(&db).unwrap().len(), 0);
}

#[test]
fn a_crash_while_loading_trusted_bytecode_does_not_recur() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, file) = (dir.path().join("a.redb"), dir.path().join("b.redb"), dir.path().join("m.snapshot"));
    moonkeep(&a, &["eval", "Memory.f = function() return 'f' end Memory.g = function() return 'g' end Memory.n = 1"]);
    assert!(moonkeep(&a, &["export", file.to_str().unwrap()]).status.success());
    let o = moonkeep(&b, &["import", file.to_str().unwrap(), "--trust"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let trial = dir.path().join("b.redb.trial");
    assert_eq!(std::fs::read_to_string(&trial).unwrap().matches("on-trial ").count(), 2);

    // The first load of a trusted prototype crashes the process (as damaged bytecode may).
    let crashed = Command::new(env!("CARGO_BIN_EXE_moonkeep"))
        .arg("--db")
        .arg(&b)
        .args(["eval", "Memory.n"])
        .env("MOONKEEP_TEST_CRASH_LOADING", "1")
        .output()
        .unwrap();
    assert_eq!(crashed.status.code(), None, "the test hook did not crash it: {}", stderr(&crashed));
    assert_eq!(std::fs::read_to_string(&trial).unwrap().matches("loading ").count(), 1);

    // Every later command works: the prototype is quarantined, named, and not loaded.
    for args in [
        &["inspect"][..],
        &["inspect"][..],
        &["eval", "Memory.n, (type(Memory.f) == 'function' and Memory.f or Memory.g)()"][..],
        // After that command's save: the stand-in was not saved over the closure.
        &["inspect"][..],
    ] {
        let o = moonkeep(&b, args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("its bytecode is quarantined"), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("not restored: Memory.f") || stderr(&o).contains("not restored: Memory.g"));
    }
    let marks = std::fs::read_to_string(&trial).unwrap();
    assert_eq!(marks.lines().count(), 1, "{marks}");
    assert!(marks.starts_with("quarantined "), "{marks}");
    // The quarantined prototype's record is still in the store, for the user to judge.
    let kept = dir.path().join("kept.snapshot");
    assert!(moonkeep(&b, &["export", kept.to_str().unwrap()]).status.success());
    let id: u64 = marks.trim().strip_prefix("quarantined ").unwrap().parse().unwrap();
    let key = [&[9u8, b'p'][..], &id.to_be_bytes()].concat();
    let snapshot = std::fs::read(&kept).unwrap();
    assert!(snapshot.windows(key.len()).any(|w| w == key), "the prototype's record is gone");
    // An import replaces Memory, and the marks of what it replaced go with it.
    let o = moonkeep(&b, &["import", kept.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!trial.exists(), "{:?}", std::fs::read_to_string(&trial));
}

#[test]
fn readers_read_after_a_writer_was_killed_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.redb");
    let mut repl = Command::new(env!("CARGO_BIN_EXE_moonkeep"))
        .arg("--db")
        .arg(&db)
        .arg("repl")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut input = repl.stdin.take().unwrap();
    input.write_all(b"Memory.n = 5\nMemory.n\n").unwrap();
    input.flush().unwrap();
    let mut line = String::new();
    BufReader::new(repl.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert_eq!(line, "5\n");
    repl.kill().unwrap(); // SIGKILL: the file is left as a dead writer leaves it
    repl.wait().unwrap();

    let before = std::fs::read(&db).unwrap();
    let o = moonkeep(&db, &["inspect"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("n = 5 (integer)"), "{}", stdout(&o));
    assert!(std::fs::read(&db).unwrap() == before, "inspect changed the file");
    assert_eq!(stdout(&moonkeep(&db, &["eval", "Memory.n"])), "5\n");
}

#[test]
fn a_crash_after_loading_trusted_bytecode_does_not_recur() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, file) = (dir.path().join("a.redb"), dir.path().join("b.redb"), dir.path().join("m.snapshot"));
    moonkeep(&a, &["eval", "Memory.f = function() return 'f' end Memory.g = function() return 'g' end Memory.n = 1"]);
    assert!(moonkeep(&a, &["export", file.to_str().unwrap()]).status.success());
    assert!(moonkeep(&b, &["import", file.to_str().unwrap(), "--trust"]).status.success());
    // Both load; the process dies after (as freeing damaged bytecode may kill it).
    let crashed = Command::new(env!("CARGO_BIN_EXE_moonkeep"))
        .arg("--db")
        .arg(&b)
        .args(["eval", "Memory.n"])
        .env("MOONKEEP_TEST_CRASH_AFTER_LOADING", "1")
        .output()
        .unwrap();
    assert_eq!(crashed.status.code(), None, "the test hook did not crash it: {}", stderr(&crashed));
    // Which of the two did it cannot be told: both are quarantined, the rest restored.
    let o = moonkeep(&b, &["eval", "Memory.n, type(Memory.f), type(Memory.g)"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "1\tstring\tstring\n");
    assert!(stderr(&o).contains("after loading"), "{}", stderr(&o));
    assert!(stderr(&o).contains("not restored: Memory.f") && stderr(&o).contains("not restored: Memory.g"));
    let marks = std::fs::read_to_string(dir.path().join("b.redb.trial")).unwrap();
    assert_eq!(marks.matches("quarantined ").count(), 2, "{marks}");
}

#[test]
fn trusted_bytecode_that_passes_its_trial_loads_from_then_on() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, file) = (dir.path().join("a.redb"), dir.path().join("b.redb"), dir.path().join("m.snapshot"));
    moonkeep(&a, &["eval", "local n = 0 Memory.count = function() n = n + 1 return n end"]);
    assert!(moonkeep(&a, &["export", file.to_str().unwrap()]).status.success());
    assert!(moonkeep(&b, &["import", file.to_str().unwrap(), "--trust"]).status.success());
    assert_eq!(stdout(&moonkeep(&b, &["eval", "Memory.count()"])), "1\n");
    assert!(!dir.path().join("b.redb.trial").exists(), "the marks outlived the trial");
    assert_eq!(stdout(&moonkeep(&b, &["eval", "Memory.count()"])), "2\n");
}
