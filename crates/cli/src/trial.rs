//! Prototypes from a trusted import are on trial until they have loaded once.
//!
//! Lua does not verify bytecode, so a damaged chunk that the user trusted can crash the
//! process while it loads, and would again at every later command. Before the first
//! load of each prototype on trial, its mark becomes `loading` on disk; once the
//! restore is over, the marks go. A mark still `loading` at the next start means the
//! process died in that load: the prototype is quarantined (the engine reports its
//! closures by path, does not load them, and keeps the record as it is).
//!
//! The marks live in a file beside the database, `PATH.trial` (docs/FORMAT.md), not in
//! it: they must reach the disk in the middle of a restore, from `inspect` and `export`
//! too, which never write the database.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use moonkeep_engine::Quarantine;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    OnTrial,
    Loading,
    Quarantined,
}

impl Mark {
    fn word(self) -> &'static str {
        match self {
            Mark::OnTrial => "on-trial",
            Mark::Loading => "loading",
            Mark::Quarantined => "quarantined",
        }
    }
}

/// The marks of one database's prototypes, by id.
pub struct Trials {
    path: PathBuf,
    marks: BTreeMap<u64, Mark>,
}

impl Trials {
    /// The marks beside `db` (none if there is no file; lines not understood are ignored).
    pub fn read(db: &Path) -> Trials {
        let path = PathBuf::from(format!("{}.trial", db.display()));
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let marks = text
            .lines()
            .filter_map(|line| {
                let (word, id) = line.split_once(' ')?;
                let mark = [Mark::OnTrial, Mark::Loading, Mark::Quarantined].into_iter().find(|m| m.word() == word)?;
                Some((id.parse().ok()?, mark))
            })
            .collect();
        Trials { path, marks }
    }

    /// Before an import is committed: each prototype of a trusted import is on trial
    /// (ids are the snapshot's, so this replaces any earlier mark of the same id).
    pub fn start(db: &Path, trusted: &[u64]) -> Result<(), String> {
        let mut trials = Trials::read(db);
        trials.marks.extend(trusted.iter().map(|id| (*id, Mark::OnTrial)));
        trials.write()
    }

    /// Once an import is committed: the marks of any other prototype go with the
    /// Memory it replaced.
    pub fn keep_only(db: &Path, trusted: &[u64]) {
        let mut trials = Trials::read(db);
        trials.marks.retain(|id, _| trusted.contains(id));
        trials.write_or_report();
    }

    /// The engine's quarantine for the restore ahead: a prototype whose load was under
    /// way when the last process died is quarantined from now on (said on stderr once);
    /// one on trial is marked `loading` on disk just before it loads.
    /// Marks that cannot be written are reported, not fatal: the restore goes on.
    pub fn quarantine(trials: &Rc<RefCell<Trials>>) -> Quarantine {
        let mut t = trials.borrow_mut();
        let interrupted: Vec<u64> = t.marks.iter().filter(|(_, m)| **m == Mark::Loading).map(|(id, _)| *id).collect();
        for id in &interrupted {
            t.marks.insert(*id, Mark::Quarantined);
            eprintln!(
                "moonkeep: Moonkeep stopped while loading the function prototype {id} (from a trusted import); \
                 it is quarantined: not loaded again, its record kept"
            );
        }
        if !interrupted.is_empty() {
            t.write_or_report();
        }
        let with = |mark| t.marks.iter().filter(|(_, m)| **m == mark).map(|(id, _)| *id).collect();
        let shared = Rc::clone(trials);
        Quarantine {
            quarantined: with(Mark::Quarantined),
            on_trial: with(Mark::OnTrial),
            before_load: Some(Box::new(move |id| {
                let mut t = shared.borrow_mut();
                t.marks.insert(id, Mark::Loading);
                t.write_or_report();
                crash_while_loading_for_tests();
            })),
        }
    }

    /// After a restore that did not crash: the prototypes it loaded passed their trial.
    pub fn passed(&mut self) {
        let before = self.marks.len();
        self.marks.retain(|_, m| *m != Mark::Loading);
        if self.marks.len() < before {
            self.write_or_report();
        }
    }

    fn write_or_report(&self) {
        if let Err(e) = self.write() {
            eprintln!("moonkeep: {e}");
        }
    }

    /// Writes the marks durably (a temporary file renamed into place), or removes the
    /// file when there are none.
    fn write(&self) -> Result<(), String> {
        let cannot = |e: std::io::Error| format!("cannot write {}: {e}", self.path.display());
        if self.marks.is_empty() {
            return match std::fs::remove_file(&self.path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(cannot(e)),
                _ => Ok(()),
            };
        }
        let text: String = self.marks.iter().map(|(id, mark)| format!("{} {id}\n", mark.word())).collect();
        let dir = self.path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let mut temp = tempfile::Builder::new().prefix(".moonkeep-trial-").tempfile_in(dir).map_err(cannot)?;
        temp.write_all(text.as_bytes()).and_then(|()| temp.as_file().sync_all()).map_err(cannot)?;
        temp.persist(&self.path).map_err(|e| cannot(e.error))?;
        Ok(())
    }
}

/// Test builds only: `MOONKEEP_TEST_CRASH_LOADING` aborts the process just after a
/// prototype on trial is marked `loading`, as damaged bytecode would crash it.
fn crash_while_loading_for_tests() {
    #[cfg(debug_assertions)]
    if std::env::var_os("MOONKEEP_TEST_CRASH_LOADING").is_some() {
        std::process::abort();
    }
}
