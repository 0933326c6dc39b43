//! One command's session: a store, a VM restored from it, and save points.

use std::cell::RefCell;
use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use moonkeep_engine::snapshot::{self, SnapshotError};
use moonkeep_engine::{Cause, Change, Evaluation, Store, Vm, SECRET_LEN};
use moonkeep_store_redb::RedbStore;

use crate::history;
use crate::repl::{Entry, LineEditor};
use crate::trial::Trials;

/// The largest snapshot `import` reads: far above any Memory a VM holds (its memory
/// limit is lower), and a stream without an end cannot exhaust the machine.
const SNAPSHOT_LIMIT: u64 = 1 << 30;

pub struct Session {
    pub vm: Rc<Vm>,
    store: RedbStore,
}

/// Whether a session may change the database.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Runs Lua and saves: the one writer of the file.
    Write,
    /// Reads the last committed state, beside a writer if there is one.
    Read,
}

impl Session {
    pub fn open(db: &Path, time_limit: Option<Duration>, access: Access) -> Result<Session, String> {
        let mut store = match access {
            Access::Write => RedbStore::open(db),
            Access::Read => RedbStore::open_read_only(db),
        }
        .map_err(|e| e.0)?;
        if let Some(recovery) = store.recovery() {
            eprintln!("moonkeep: {recovery}");
        }
        let records = match access {
            Access::Write => history::prepare(&mut store)?,
            Access::Read => history::read(&store)?,
        };
        let vm = Vm::new().map_err(|e| format!("cannot start Lua: {e}"))?;
        vm.set_time_budget(time_limit);
        interrupt_on_ctrl_c(&vm);
        let trials = Rc::new(RefCell::new(Trials::read(db)));
        let secret = fresh_secret()?;
        if trials.borrow().pending() {
            try_trusted_bytecode(&trials, &records, secret)?;
        }
        vm.set_quarantine(Trials::quarantine(&trials));
        let report = vm.restore(records, secret).map_err(|e| format!("cannot restore Memory: {e}"))?;
        for problem in &report.problems {
            eprintln!("moonkeep: not restored: {problem}");
        }
        Ok(Session { vm: Rc::new(vm), store })
    }

    /// Runs a chunk, prints what it printed (and, for `show_values`, its values), saves.
    /// Ok(false) means the Lua code failed; Memory is saved either way, also when the
    /// output cannot be written (a closed pipe, a full disk): that is reported after.
    pub fn run(&mut self, source: &str, chunk: &str, show_values: bool) -> Result<bool, String> {
        let evaluation = self.eval(source, chunk);
        let printed = print_evaluation(&evaluation, show_values);
        self.save(chunk, source)?;
        printed.map_err(output_failed)
    }

    /// Runs a script file as `lua FILE` does (see `Vm::eval_file`), prints what it
    /// printed, saves. Ok(false) means the Lua code failed; Memory is saved either way.
    pub fn run_file(&mut self, source: &[u8], name: &str) -> Result<bool, String> {
        PHASE.store(RUNNING, Ordering::SeqCst);
        let evaluation = self.vm.eval_file(source, name);
        PHASE.store(UNSAVED, Ordering::SeqCst);
        let printed = print_evaluation(&evaluation, false);
        self.save(name, &String::from_utf8_lossy(source))?;
        printed.map_err(output_failed)
    }

    /// An interactive prompt: on a terminal, a line editor (repl.rs) with its history
    /// in `history`; otherwise lines as they come, an unfinished chunk continued by
    /// the next line, no prompt.
    pub fn repl(&mut self, history: PathBuf) -> Result<bool, String> {
        if std::io::stdin().is_terminal() {
            return self.edited_repl(history);
        }
        let mut pending = String::new();
        for line in std::io::stdin().lock().lines() {
            let line = line.map_err(|e| format!("cannot read input: {e}"))?;
            pending.push_str(&line);
            pending.push('\n');
            if self.vm.is_incomplete(&pending) {
                continue;
            }
            self.entry(&std::mem::take(&mut pending))?;
            if stop_requested() {
                break;
            }
        }
        Ok(true)
    }

    fn edited_repl(&mut self, history: PathBuf) -> Result<bool, String> {
        let mut editor = LineEditor::new(Rc::clone(&self.vm), history)?;
        while let Entry::Chunk(chunk) = editor.read()? {
            self.entry(&chunk)?;
            if stop_requested() {
                break;
            }
        }
        Ok(true)
    }

    /// Runs one REPL entry, prints its output and values, saves.
    fn entry(&mut self, source: &str) -> Result<(), String> {
        let evaluation = self.eval(source, "stdin");
        let printed = print_evaluation(&evaluation, true);
        self.save("stdin", source)?;
        printed.map(|_| ()).map_err(output_failed)
    }

    /// Writes Memory's records to `file`, through a temporary file renamed into place,
    /// so that a failed export never leaves half a file; never over the database.
    pub fn export(&self, file: &Path) -> Result<(), String> {
        let records = self.store.load().map_err(|e| e.0)?;
        write_snapshot(self.store.path(), file, &snapshot::export(&records))
    }

    pub fn import(db: &Path, file: &Path, trust: bool) -> Result<(), String> {
        let bytes = read_snapshot(file)?;
        let mut store = RedbStore::open(db).map_err(|e| e.0)?;
        if let Some(recovery) = store.recovery() {
            eprintln!("moonkeep: {recovery}");
        }
        let current = history::prepare(&mut store)?;
        let changes =
            snapshot::import_at(&bytes, &current, fresh_secret()?, trust, history::now()).map_err(|e| match e {
                SnapshotError::Untrusted(_) => format!("{}: {e} (then pass --trust)", file.display()),
                e => format!("{}: {e}", file.display()),
            })?;
        // Trusted bytecode is on trial until a VM has loaded, collected and closed it (trial.rs).
        let trusted: Vec<u64> = changes
            .iter()
            .filter_map(|change| match change {
                Change::Put { key, .. } if trust && key.len() == 9 && key[0] == b'p' => {
                    Some(u64::from_be_bytes(key[1..].try_into().expect("9-byte key")))
                }
                _ => None,
            })
            .collect();
        Trials::start(db, &trusted)?;
        store.commit(&changes).map_err(|e| e.0)?;
        Trials::keep_only(db, &trusted);
        Ok(())
    }

    /// Evaluates with Ctrl+C stopping the run rather than the process. From its end
    /// until the save, a Ctrl+C waits for the save (see `interrupt_on_ctrl_c`).
    fn eval(&self, source: &str, chunk: &str) -> Evaluation {
        PHASE.store(RUNNING, Ordering::SeqCst);
        let evaluation = self.vm.eval(source, chunk);
        PHASE.store(UNSAVED, Ordering::SeqCst);
        evaluation
    }

    /// A save point, a new version if it changed anything, made by `source`.
    fn save(&mut self, chunk: &str, source: &str) -> Result<(), String> {
        let mut point = self.vm.save_point();
        point.describe(history::now(), Cause::Run, chunk, source);
        for problem in &point.problems {
            eprintln!("moonkeep: not saved: {problem}");
        }
        slow_save_for_tests();
        let committed = self.store.commit(&point.changes).map_err(|e| format!("Memory was not saved: {}", e.0));
        if PHASE.swap(IDLE, Ordering::SeqCst) == STOP_AFTER_SAVE {
            STOP.store(true, Ordering::SeqCst);
        }
        committed?;
        self.vm.committed(&point);
        Ok(())
    }
}

/// Restores Memory in a VM of its own, collects and closes it, with the prototypes on
/// trial marked on disk as it goes (see trial.rs): a crash there is not repeated.
fn try_trusted_bytecode(
    trials: &Rc<RefCell<Trials>>,
    records: &[(Vec<u8>, Vec<u8>)],
    secret: [u8; SECRET_LEN],
) -> Result<(), String> {
    let trial = Vm::new().map_err(|e| format!("cannot start Lua: {e}"))?;
    trial.set_quarantine(Trials::quarantine(trials));
    trial.restore(records.to_vec(), secret).map_err(|e| format!("cannot restore Memory: {e}"))?;
    trials.borrow_mut().all_loaded();
    let _ = trial.eval("collectgarbage()", "trial").result;
    drop(trial);
    trials.borrow_mut().passed();
    Ok(())
}

/// Prints a run's output, then its values or its error. An error writing to stdout is
/// returned (never a panic), so that the caller saves before reporting it.
fn print_evaluation(evaluation: &Evaluation, show_values: bool) -> std::io::Result<bool> {
    let mut out = std::io::stdout().lock();
    // Lua strings are bytes: written as they are.
    out.write_all(&evaluation.raw_output)?;
    match &evaluation.result {
        Ok(values) => {
            if show_values && !values.is_empty() {
                writeln!(out, "{}", values.join("\t"))?;
            }
            out.flush()?;
            Ok(true)
        }
        Err(e) => {
            out.flush()?;
            eprintln!("{}", e.message);
            if let Some(traceback) = &e.traceback {
                eprintln!("stack traceback:\n{traceback}");
            }
            Ok(false)
        }
    }
}

fn output_failed(e: std::io::Error) -> String {
    format!("cannot write the output: {e} (Memory was saved)")
}

/// Writes a snapshot to `file` through a temporary file renamed into place, so that a
/// failed export never leaves half a file; never over the database `db`.
pub fn write_snapshot(db: &Path, file: &Path, bytes: &[u8]) -> Result<(), String> {
    refuse_overwriting_a_database(db, file)?;
    let target = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
    let dir = target.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let cannot = |e: std::io::Error| format!("cannot write {}: {e}", file.display());
    let mut temp = tempfile::Builder::new().prefix(".moonkeep-export-").tempfile_in(dir).map_err(cannot)?;
    temp.write_all(bytes).and_then(|()| temp.as_file().sync_all()).map_err(cannot)?;
    temp.persist(&target).map_err(|e| cannot(e.error))?;
    Ok(())
}

/// Refuses to write a snapshot where it would destroy a database: over the open one
/// (by any path to it) or over any other redb file.
fn refuse_overwriting_a_database(db: &Path, file: &Path) -> Result<(), String> {
    let same = match (std::fs::canonicalize(db), std::fs::canonicalize(file)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    let mut head = [0; 4];
    let is_redb = std::fs::File::open(file).and_then(|mut f| f.read_exact(&mut head)).is_ok() && &head == b"redb";
    if same || is_redb {
        return Err(format!(
            "{} is {}, not a snapshot: it was left as it was. Choose another file name for the export.",
            file.display(),
            if same { "the database itself" } else { "a Moonkeep database" }
        ));
    }
    Ok(())
}

/// Reads a snapshot file, checking its header before the rest and never more than
/// `SNAPSHOT_LIMIT` bytes, so that a device or an endless pipe is refused, not read.
fn read_snapshot(file: &Path) -> Result<Vec<u8>, String> {
    let cannot = |e: std::io::Error| format!("cannot read {}: {e}", file.display());
    let too_large = || {
        format!(
            "{} is larger than {} GiB, more than any snapshot of Memory: it was not imported.",
            file.display(),
            SNAPSHOT_LIMIT >> 30
        )
    };
    let mut f = std::fs::File::open(file).map_err(cannot)?;
    if f.metadata().is_ok_and(|m| m.is_file() && m.len() > SNAPSHOT_LIMIT) {
        return Err(too_large());
    }
    // "MOONKEEP-SNAPSHOT\n" and the version byte: enough for the engine to tell a
    // snapshot from something else.
    let mut bytes = Vec::new();
    Read::by_ref(&mut f).take(19).read_to_end(&mut bytes).map_err(cannot)?;
    if let Err(e @ (SnapshotError::NotASnapshot | SnapshotError::Version(_))) =
        snapshot::import(&bytes, &[], [0; SECRET_LEN], false)
    {
        return Err(format!("{}: {e}", file.display()));
    }
    f.take(SNAPSHOT_LIMIT + 1 - bytes.len() as u64).read_to_end(&mut bytes).map_err(cannot)?;
    if bytes.len() as u64 > SNAPSHOT_LIMIT {
        return Err(too_large());
    }
    Ok(bytes)
}

fn fresh_secret() -> Result<[u8; SECRET_LEN], String> {
    let mut secret = [0; SECRET_LEN];
    getrandom::fill(&mut secret).map_err(|e| format!("cannot get random bytes for the store's key: {e}"))?;
    Ok(secret)
}

/// What the process is doing, for Ctrl+C: a run is interrupted (and saved as far as
/// it got); Memory that is not saved yet is saved first; otherwise the process ends.
static PHASE: AtomicU8 = AtomicU8::new(IDLE);
const IDLE: u8 = 0;
const RUNNING: u8 = 1;
/// A run has ended and its save point is not committed yet.
const UNSAVED: u8 = 2;
/// A Ctrl+C came while `UNSAVED`: stop once the save is committed.
const STOP_AFTER_SAVE: u8 = 3;
/// Set once a save asked for by `STOP_AFTER_SAVE` is done.
static STOP: AtomicBool = AtomicBool::new(false);

/// Whether a Ctrl+C asked the process to stop once Memory was saved (it was).
pub fn stop_requested() -> bool {
    STOP.load(Ordering::SeqCst)
}

fn interrupt_on_ctrl_c(vm: &Vm) {
    let flag: Arc<AtomicBool> = vm.interrupt_flag();
    // Fails only if a handler is already set; one session per process, so never.
    let _ = ctrlc::set_handler(move || match PHASE.load(Ordering::SeqCst) {
        RUNNING => flag.store(true, Ordering::SeqCst),
        UNSAVED if PHASE.compare_exchange(UNSAVED, STOP_AFTER_SAVE, Ordering::SeqCst, Ordering::SeqCst).is_ok() => {
            eprintln!("moonkeep: saving Memory before stopping (Ctrl+C again stops at once, without saving)");
        }
        // Nothing unsaved, or a second Ctrl+C during the save.
        _ => std::process::exit(130),
    });
}

/// Test builds only: `MOONKEEP_TEST_SLOW_SAVE_MS` makes every save wait that long
/// before its commit (announced on stderr), so that a test can send Ctrl+C into it.
fn slow_save_for_tests() {
    #[cfg(debug_assertions)]
    if let Some(ms) = std::env::var("MOONKEEP_TEST_SLOW_SAVE_MS").ok().and_then(|v| v.parse().ok()) {
        eprintln!("moonkeep: test: saving slowly");
        std::thread::sleep(Duration::from_millis(ms));
    }
}
