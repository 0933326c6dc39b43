//! `moonkeep repl` on a real terminal (a pseudo-terminal driven by python3's `pty`):
//! Up recalls the previous entry instead of typing `^[[A`, an unfinished chunk goes on
//! to the next line, Ctrl+C clears the line, Ctrl+D ends, and the history survives a
//! restart.

use std::process::Command;

/// Drives the REPL: `step(send, text)` types `send` and waits until `text` is printed
/// after it. Answers the line editor's cursor-position queries as a
/// terminal would.
const DRIVER: &str = r#"
import os, pty, select, subprocess, sys, time
exe, db, cwd = sys.argv[1:4]
env = dict(os.environ, TERM="xterm")

def start():
    master, slave = pty.openpty()
    p = subprocess.Popen([exe, "--db", db, "repl"], stdin=slave, stdout=slave, stderr=slave,
                         cwd=cwd, env=env, close_fds=True, start_new_session=True)
    os.close(slave)
    return p, master

seen = ""
def wait(master, text, since=0):
    global seen
    deadline = time.time() + 30
    while text not in seen[since:]:
        if time.time() > deadline:
            sys.exit("waited for %r; the terminal showed %r" % (text, seen))
        if select.select([master], [], [], 0.2)[0]:
            try:
                chunk = os.read(master, 4096).decode("utf-8", "replace")
            except OSError:
                sys.exit("the repl ended; the terminal showed %r" % seen)
            if "\x1b[6n" in chunk:
                os.write(master, b"\x1b[1;1R")
            seen += chunk

def step(master, send, text):
    since = len(seen)
    time.sleep(0.2)
    os.write(master, send.encode())
    wait(master, text, since)

def end(p, master, what):
    global seen
    # Ctrl+D once the next prompt is up, then go on answering the terminal until the
    # repl has ended: a line editor asking where the cursor is waits for the answer.
    wait(master, "> ", seen.rindex("\n") if "\n" in seen else 0)
    os.write(master, b"\x04")
    deadline = time.time() + 30
    while p.poll() is None:
        if time.time() > deadline:
            sys.exit("%s: the repl did not end; the terminal showed %r" % (what, seen))
        try:
            if select.select([master], [], [], 0.2)[0]:
                chunk = os.read(master, 4096).decode("utf-8", "replace")
                if "\x1b[6n" in chunk:
                    os.write(master, b"\x1b[1;1R")
                seen += chunk
        except OSError:
            break
    if p.wait(timeout=30) != 0:
        sys.exit("%s: the repl exited with %d; the terminal showed %r" % (what, p.returncode, seen))

p, m = start()
wait(m, "> ")
step(m, 'return "first" .. 1\r', "first1")
step(m, "\x1b[A\r", "first1")
if "^[[A" in seen:
    sys.exit("Up was typed as ^[[A: %r" % seen)
step(m, "function Memory.twice(n)\r", "twice")
step(m, "return n * 2 end\r", "> ")
step(m, 'return "t" .. Memory.twice(21)\r', "t42")
step(m, "this is not lua\x03", "> ")
step(m, 'return "kept" .. 7\r', "kept7")
end(p, m, "Ctrl+D")

seen = ""
p, m = start()
wait(m, "> ")
step(m, "\x1b[A\r", "kept7")
step(m, "\x1b[A\x1b[A\r", "t42")
end(p, m, "the second repl")
print("ok")
"#;

#[test]
fn the_repl_edits_lines_and_keeps_its_history_across_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.redb");
    let o = Command::new("python3")
        .args(["-c", DRIVER])
        .arg(env!("CARGO_BIN_EXE_moonkeep"))
        .arg(&db)
        .arg(dir.path())
        .output()
        .expect("python3 runs");
    assert!(o.status.success(), "{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "ok\n");
    let history = std::fs::read_to_string(dir.path().join("m.redb.history")).unwrap();
    assert!(history.contains("return \"kept\" .. 7"), "{history}");
    assert!(!history.contains("this is not lua"), "{history}");
}
