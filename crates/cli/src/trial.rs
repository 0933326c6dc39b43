//! Prototypes from a trusted import are on trial until a VM has loaded, collected and
//! closed them once.
//!
//! Lua does not verify bytecode, so a damaged chunk that the user trusted can crash the
//! process: while it loads, when the collector walks it, or when it is freed (glibc
//! then reports heap corruption), and would again at every later command. So before
//! the real restore, prototypes on trial are restored in a VM of their own, which runs
//! a full collection and is closed; the marks on disk say how far that got. Before
//! each first load the prototype's mark becomes `loading` (and the one before it
//! `loaded`); once the trial VM is closed, the marks go. At the next start, a mark
//! still `loading` names the prototype whose load crashed: it alone is quarantined;
//! `loaded` marks without one mean the crash came later (collection or close), which
//! cannot be pinned on one prototype: all of them are quarantined. A quarantined
//! prototype's closures are reported by path and not loaded, its record kept as it is.
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
    Loaded,
    Quarantined,
}

impl Mark {
    fn word(self) -> &'static str {
        match self {
            Mark::OnTrial => "on-trial",
            Mark::Loading => "loading",
            Mark::Loaded => "loaded",
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
                let mark = [Mark::OnTrial, Mark::Loading, Mark::Loaded, Mark::Quarantined]
                    .into_iter()
                    .find(|m| m.word() == word)?;
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

    /// Whether any prototype is still on trial.
    pub fn pending(&self) -> bool {
        self.marks.values().any(|m| *m == Mark::OnTrial)
    }

    /// The engine's quarantine for the restore ahead. What a process that died during a
    /// trial left is judged first (see the module's comment) and said on stderr; a
    /// prototype on trial is marked `loading` on disk just before it loads.
    /// Marks that cannot be written are reported, not fatal: the restore goes on.
    pub fn quarantine(trials: &Rc<RefCell<Trials>>) -> Quarantine {
        let mut t = trials.borrow_mut();
        if t.judge_a_crash() {
            t.write_or_report();
        }
        let with = |mark| t.marks.iter().filter(|(_, m)| **m == mark).map(|(id, _)| *id).collect();
        let shared = Rc::clone(trials);
        Quarantine {
            quarantined: with(Mark::Quarantined),
            on_trial: with(Mark::OnTrial),
            before_load: Some(Box::new(move |id| {
                let mut t = shared.borrow_mut();
                for mark in t.marks.values_mut().filter(|m| **m == Mark::Loading) {
                    *mark = Mark::Loaded;
                }
                t.marks.insert(id, Mark::Loading);
                t.write_or_report();
                crash_for_tests("MOONKEEP_TEST_CRASH_LOADING");
            })),
        }
    }

    /// Quarantines what a trial that crashed points at; true if it found one.
    fn judge_a_crash(&mut self) -> bool {
        let ids = |marks: &BTreeMap<u64, Mark>, mark| {
            marks.iter().filter(|(_, m)| **m == mark).map(|(id, _)| *id).collect::<Vec<_>>()
        };
        let (loading, loaded) = (ids(&self.marks, Mark::Loading), ids(&self.marks, Mark::Loaded));
        let (guilty, retried, when) = if !loading.is_empty() {
            (loading, loaded, "while loading")
        } else {
            (loaded, Vec::new(), "after loading (collecting or freeing)")
        };
        if guilty.is_empty() {
            return false;
        }
        for id in &retried {
            self.marks.insert(*id, Mark::OnTrial);
        }
        let list: Vec<String> = guilty.iter().map(u64::to_string).collect();
        for id in guilty {
            self.marks.insert(id, Mark::Quarantined);
        }
        eprintln!(
            "moonkeep: Moonkeep stopped {when} function prototype(s) {} from a trusted import; they are \
             quarantined: not loaded again, their records kept",
            list.join(", ")
        );
        true
    }

    /// After the trial VM's restore: every load is over, so a crash from here on is
    /// not one load's.
    pub fn all_loaded(&mut self) {
        let mut changed = false;
        for mark in self.marks.values_mut().filter(|m| **m == Mark::Loading) {
            *mark = Mark::Loaded;
            changed = true;
        }
        if changed {
            self.write_or_report();
        }
    }

    /// After a trial VM was closed without a crash: its prototypes passed.
    pub fn passed(&mut self) {
        crash_for_tests("MOONKEEP_TEST_CRASH_AFTER_LOADING");
        let before = self.marks.len();
        self.marks.retain(|_, m| !matches!(m, Mark::Loading | Mark::Loaded));
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
/// prototype on trial is marked `loading`, and `MOONKEEP_TEST_CRASH_AFTER_LOADING` when
/// the trial VM is closed, as damaged bytecode would crash it.
fn crash_for_tests(variable: &str) {
    #[cfg(debug_assertions)]
    if std::env::var_os(variable).is_some() {
        std::process::abort();
    }
    #[cfg(not(debug_assertions))]
    let _ = variable;
}
