//! One command's session: a store, a VM restored from it, and save points.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use moonkeep_engine::snapshot;
use moonkeep_engine::{ErrorKind, Evaluation, LuaError, Store, Vm, SECRET_LEN};
use moonkeep_store_redb::RedbStore;

pub struct Session {
    pub vm: Vm,
    store: RedbStore,
}

impl Session {
    pub fn open(db: &Path, time_limit: Option<Duration>) -> Result<Session, String> {
        let store = RedbStore::open(db).map_err(|e| e.0)?;
        let records = store.load().map_err(|e| e.0)?;
        let vm = Vm::new().map_err(|e| format!("cannot start Lua: {e}"))?;
        vm.set_time_budget(time_limit);
        interrupt_on_ctrl_c(&vm);
        let report = vm.restore(records, fresh_secret()?).map_err(|e| format!("cannot restore Memory: {e}"))?;
        for problem in &report.problems {
            eprintln!("moonkeep: not restored: {problem}");
        }
        Ok(Session { vm, store })
    }

    /// Runs a chunk, prints what it printed (and, for `show_values`, its values), saves.
    /// Ok(false) means the Lua code failed; Memory is saved either way.
    pub fn run(&mut self, source: &str, chunk: &str, show_values: bool) -> Result<bool, String> {
        let evaluation = self.eval(source, chunk);
        let ok = print_evaluation(&evaluation, show_values);
        self.save()?;
        Ok(ok)
    }

    /// Runs a script file as `lua FILE` does (see `Vm::eval_file`), prints what it
    /// printed, saves. Ok(false) means the Lua code failed; Memory is saved either way.
    pub fn run_file(&mut self, source: &[u8], name: &str) -> Result<bool, String> {
        RUNNING.store(true, Ordering::SeqCst);
        let evaluation = self.vm.eval_file(source, name);
        RUNNING.store(false, Ordering::SeqCst);
        let ok = print_evaluation(&evaluation, false);
        self.save()?;
        Ok(ok)
    }

    pub fn repl(&mut self) -> Result<bool, String> {
        let stdin = std::io::stdin();
        let mut lines = stdin.lock().lines();
        let interactive = stdin.is_terminal();
        let mut pending = String::new();
        loop {
            if interactive {
                print!("{}", if pending.is_empty() { "> " } else { ">> " });
                std::io::stdout().flush().ok();
            }
            let Some(line) = lines.next() else { break };
            let line = line.map_err(|e| format!("cannot read input: {e}"))?;
            pending.push_str(&line);
            pending.push('\n');
            let evaluation = self.eval(&pending, "stdin");
            if matches!(&evaluation.result, Err(LuaError { kind: ErrorKind::Syntax { incomplete: true }, .. })) {
                continue;
            }
            pending.clear();
            print_evaluation(&evaluation, true);
            self.save()?;
        }
        if interactive {
            println!();
        }
        Ok(true)
    }

    pub fn export(&self, file: &Path) -> Result<(), String> {
        let records = self.store.load().map_err(|e| e.0)?;
        std::fs::write(file, snapshot::export(&records)).map_err(|e| format!("cannot write {}: {e}", file.display()))
    }

    pub fn import(db: &Path, file: &Path, trust: bool) -> Result<(), String> {
        let bytes = std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let mut store = RedbStore::open(db).map_err(|e| e.0)?;
        let current = store.load().map_err(|e| e.0)?;
        let changes = snapshot::import(&bytes, &current, fresh_secret()?, trust).map_err(|e| match e {
            snapshot::SnapshotError::Untrusted(_) => format!("{}: {e} (then pass --trust)", file.display()),
            e => format!("{}: {e}", file.display()),
        })?;
        store.commit(&changes).map_err(|e| e.0)
    }

    /// Evaluates with Ctrl+C stopping the run rather than the process.
    fn eval(&self, source: &str, chunk: &str) -> Evaluation {
        RUNNING.store(true, Ordering::SeqCst);
        let evaluation = self.vm.eval(source, chunk);
        RUNNING.store(false, Ordering::SeqCst);
        evaluation
    }

    fn save(&mut self) -> Result<(), String> {
        let point = self.vm.save_point();
        for problem in &point.problems {
            eprintln!("moonkeep: not saved: {problem}");
        }
        self.store.commit(&point.changes).map_err(|e| format!("Memory was not saved: {}", e.0))?;
        self.vm.committed(&point);
        Ok(())
    }
}

fn print_evaluation(evaluation: &Evaluation, show_values: bool) -> bool {
    // Lua strings are bytes: written as they are.
    std::io::stdout().write_all(&evaluation.raw_output).ok();
    match &evaluation.result {
        Ok(values) => {
            if show_values && !values.is_empty() {
                println!("{}", values.join("\t"));
            }
            true
        }
        Err(e) => {
            std::io::stdout().flush().ok();
            eprintln!("{}", e.message);
            if let Some(traceback) = &e.traceback {
                eprintln!("stack traceback:\n{traceback}");
            }
            false
        }
    }
}

fn fresh_secret() -> Result<[u8; SECRET_LEN], String> {
    let mut secret = [0; SECRET_LEN];
    getrandom::fill(&mut secret).map_err(|e| format!("cannot get random bytes for the store's key: {e}"))?;
    Ok(secret)
}

/// Whether Lua is running: Ctrl+C then interrupts the run (which is saved as far as it
/// got) instead of ending the process.
static RUNNING: AtomicBool = AtomicBool::new(false);

fn interrupt_on_ctrl_c(vm: &Vm) {
    let flag: Arc<AtomicBool> = vm.interrupt_flag();
    // Fails only if a handler is already set; one session per process, so never.
    let _ = ctrlc::set_handler(move || {
        if RUNNING.load(Ordering::SeqCst) {
            flag.store(true, Ordering::SeqCst);
        } else {
            std::process::exit(130);
        }
    });
}
