//! The moonkeep command line, as processes: shared Memory across runs, exit codes,
//! snapshots, the REPL, and a kill in the middle of a commit.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn moonkeep(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_moonkeep")).arg("--db").arg(db).args(args).output().expect("moonkeep runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn db(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

#[test]
fn two_processes_see_the_same_memory() {
    let dir = tempfile::tempdir().unwrap();
    let db = db(&dir, "x.redb");
    for _ in 0..2 {
        let o = moonkeep(&db, &["eval", "Memory.n = (Memory.n or 0) + 1"]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let o = moonkeep(&db, &["eval", "print(Memory.n)"]);
    assert_eq!(stdout(&o), "2\n");
}

#[test]
fn closures_keep_counting_across_processes() {
    let dir = tempfile::tempdir().unwrap();
    let db = db(&dir, "c.redb");
    moonkeep(&db, &["eval", "local n = 0 Memory.next = function() n = n + 1 return n end"]);
    assert_eq!(stdout(&moonkeep(&db, &["eval", "Memory.next()"])), "1\n");
    assert_eq!(stdout(&moonkeep(&db, &["eval", "Memory.next()"])), "2\n");
}

#[test]
fn run_prints_output_and_a_lua_error_exits_1_after_saving() {
    let dir = tempfile::tempdir().unwrap();
    let db = db(&dir, "r.redb");
    let script = dir.path().join("job.lua");
    std::fs::write(&script, "print('working')\nMemory.before = true\nerror('boom')\n").unwrap();
    let o = moonkeep(&db, &["run", script.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), "working\n");
    assert!(stderr(&o).contains("job.lua:3: boom\nstack traceback:\n"), "{}", stderr(&o));
    assert_eq!(stdout(&moonkeep(&db, &["eval", "Memory.before"])), "true\n");
    let missing = moonkeep(&db, &["run", "/no/such/file.lua"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("cannot read /no/such/file.lua"));
}

#[test]
fn unsavable_values_are_named_and_the_rest_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let db = db(&dir, "u.redb");
    let o = moonkeep(&db, &["eval", "Memory.jobs = { 1, 2, coroutine.create(print) } Memory.ok = 1"]);
    assert!(o.status.success());
    assert!(stderr(&o).contains("Memory.jobs[3]: a coroutine can't be saved"), "{}", stderr(&o));
    assert_eq!(stdout(&moonkeep(&db, &["eval", "Memory.ok, #Memory.jobs"])), "1\t2\n");
}

#[test]
fn inspect_shows_the_tree() {
    let dir = tempfile::tempdir().unwrap();
    let db = db(&dir, "i.redb");
    moonkeep(
        &db,
        &[
            "eval",
            "local hits, seen = 0, { 'x' } Memory.hit = function(page, ...) hits = hits + 1 seen[1] = page end \
                   Memory.cfg = { theme = 'dark' } Memory.same = Memory.cfg",
        ],
    );
    let o = moonkeep(&db, &["inspect"]);
    assert_eq!(
        stdout(&o),
        "Memory (table, 3 entries)\n\
         ├─ cfg (table, 1 entry)\n\
         │  └─ theme = \"dark\" (string, 4 bytes)\n\
         ├─ hit = function(page, ...) [eval:1, upvalues: hits = 0, seen = {\"x\"}]\n\
         │  └─ upvalue seen (table, 1 entry)\n\
         │     └─ [1] = \"x\" (string, 1 byte)\n\
         └─ same -> Memory.cfg (same table)\n"
    );
}

#[test]
fn snapshots_move_memory_and_foreign_functions_need_trust() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, file) = (db(&dir, "a.redb"), db(&dir, "b.redb"), dir.path().join("memory.snapshot"));
    moonkeep(&a, &["eval", "local n = 10 Memory.f = function() n = n + 1 return n end Memory.t = { 'x' }"]);
    assert!(moonkeep(&a, &["export", file.to_str().unwrap()]).status.success());
    let refused = moonkeep(&b, &["import", file.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("not written by this store") && stderr(&refused).contains("--trust"));
    assert!(moonkeep(&b, &["import", file.to_str().unwrap(), "--trust"]).status.success());
    assert_eq!(stdout(&moonkeep(&b, &["eval", "Memory.f(), Memory.t[1]"])), "11\tx\n");
    // Back into the store that made it: no trust needed.
    assert!(moonkeep(&a, &["import", file.to_str().unwrap()]).status.success());
}

#[test]
fn the_repl_continues_incomplete_input_and_saves_each_entry() {
    let dir = tempfile::tempdir().unwrap();
    let db = db(&dir, "p.redb");
    let mut child = Command::new(env!("CARGO_BIN_EXE_moonkeep"))
        .arg("--db")
        .arg(&db)
        .arg("repl")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(
            b"Memory.x = 6\nfunction Memory.f(a)\n  return a * Memory.x\nend\nMemory.f(7)\nerror('oops')\n1 + 1\n",
        )
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(stdout(&o), "42\n2\n");
    assert!(stderr(&o).starts_with("stdin:1: oops"), "{}", stderr(&o));
    assert_eq!(stdout(&moonkeep(&db, &["eval", "Memory.f(2)"])), "12\n");
}

/// A process killed while it commits leaves the previous save point or the new one.
#[test]
fn a_kill_during_a_commit_leaves_a_whole_save_point() {
    let dir = tempfile::tempdir().unwrap();
    let db = db(&dir, "k.redb");
    // Each run rewrites 200 tables of 200 entries stamped with a new generation.
    let write = "local g = (Memory.gen or 0) + 1 \
                 for i = 1, 200 do local t = {} for j = 1, 200 do t[j] = g * 1000 + j end Memory[i] = t end \
                 Memory.gen = g";
    let check = "local g = Memory.gen or 0 \
                 for i = 1, 200 do local t = Memory[i] if g == 0 then assert(t == nil) else \
                 for j = 1, 200 do assert(t[j] == g * 1000 + j, 'mixed generations at ' .. i) end end end \
                 print(g)";
    assert!(moonkeep(&db, &["eval", write]).status.success());
    let mut last = 1;
    for round in 0..6 {
        let start = Instant::now();
        let mut child = Command::new(env!("CARGO_BIN_EXE_moonkeep"))
            .arg("--db")
            .arg(&db)
            .args(["eval", write])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Kill at a different moment each round, some before, some during the commit.
        std::thread::sleep(Duration::from_millis(20 + round * 25));
        let _ = child.kill();
        child.wait().unwrap();
        let o = moonkeep(&db, &["eval", check]);
        assert!(o.status.success(), "after a kill at {:?}: {}", start.elapsed(), stderr(&o));
        let g: u64 = stdout(&o).trim().parse().unwrap();
        assert!(g >= last, "generation went back from {last} to {g}");
        last = g;
    }
}

#[test]
fn a_time_limit_stops_a_runaway_run_and_what_it_did_is_saved() {
    let dir = tempfile::tempdir().unwrap();
    let db = db(&dir, "t.redb");
    let o = moonkeep(&db, &["--time-limit", "0.3", "eval", "Memory.n = 0\nwhile true do Memory.n = Memory.n + 1 end"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).starts_with("eval:2: run stopped: it used up its time budget of 300 ms"), "{}", stderr(&o));
    assert_eq!(stdout(&moonkeep(&db, &["eval", "Memory.n > 0"])), "true\n");
    let bad = moonkeep(&db, &["--time-limit", "soon", "eval", "1"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("'soon' is not a positive number of seconds"), "{}", stderr(&bad));
}

#[test]
fn ctrl_c_stops_the_run_not_the_process() {
    let dir = tempfile::tempdir().unwrap();
    let db = db(&dir, "i.redb");
    let child = Command::new(env!("CARGO_BIN_EXE_moonkeep"))
        .arg("--db")
        .arg(&db)
        .args(["eval", "Memory.n = 0\nwhile true do Memory.n = Memory.n + 1 end"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Let it get into the loop, then interrupt it as a terminal's Ctrl+C would.
    std::thread::sleep(Duration::from_millis(700));
    let kill = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).starts_with("eval:2: interrupted"), "{}", stderr(&o));
    assert_eq!(stdout(&moonkeep(&db, &["eval", "Memory.n > 0"])), "true\n");
}
