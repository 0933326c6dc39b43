//! The Memory inspector's state: which rows are expanded, the filter, the rows the
//! engine gave for them, the active row, and the last deletion (for Undo). The rows
//! are refreshed after every finished run, after the restore, and after each change
//! made here; the view draws only those in sight (window.rs).

pub mod window;

use std::collections::BTreeSet;

use leptos::prelude::*;
use moonkeep_engine::{Deleted, Row, Shown, Vm};

use crate::history::History;
use crate::persistence::Persistence;
use crate::run::Runner;

/// What the inspector tells the user about the last deletion.
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    /// Deleted this path; Undo puts it back.
    Deleted(String),
    Failed(String),
}

#[derive(Clone, Copy)]
pub struct Inspector {
    pub rows: RwSignal<Vec<Row>>,
    /// Counts refreshes: drawn rows are keyed by it, so a refresh redraws them.
    pub version: RwSignal<u64>,
    pub expanded: RwSignal<BTreeSet<String>>,
    pub filter: RwSignal<String>,
    /// The row the keyboard acts on (an index into `rows`).
    pub active: RwSignal<Option<usize>>,
    pub notice: RwSignal<Option<Notice>>,
    deleted: StoredValue<Option<Deleted>, LocalStorage>,
    /// A path to make active at the next refresh (a link's target).
    pending: StoredValue<Option<String>>,
    vm: StoredValue<Vm, LocalStorage>,
    runner: Runner,
    persistence: Persistence,
    /// Shows a past version instead of Memory, read-only, while one is viewed.
    history: History,
}

impl Inspector {
    pub fn new(
        vm: StoredValue<Vm, LocalStorage>,
        runner: Runner,
        persistence: Persistence,
        history: History,
    ) -> Inspector {
        let inspector = Inspector {
            rows: RwSignal::new(Vec::new()),
            version: RwSignal::new(0),
            expanded: RwSignal::new(BTreeSet::from(["Memory".to_owned()])),
            filter: RwSignal::new(String::new()),
            active: RwSignal::new(None),
            notice: RwSignal::new(None),
            deleted: StoredValue::new_local(None),
            pending: StoredValue::new(None),
            vm,
            runner,
            persistence,
            history,
        };
        Effect::new(move |_| {
            runner.runs();
            history.viewing();
            if persistence.restored() {
                inspector.refresh();
            }
        });
        inspector
    }

    /// Asks the engine for the rows again. A run under way is left alone: its end
    /// refreshes.
    pub fn refresh(self) {
        if !self.persistence.restored_now() || self.runner.running_now() {
            return;
        }
        crate::mark("moonkeep:inspector-refresh");
        let rows = self.expanded.with_untracked(|expanded| {
            self.filter.with_untracked(|filter| {
                self.history
                    .rows(expanded, filter)
                    .unwrap_or_else(|| self.vm.with_value(|vm| vm.memory_rows(expanded, filter)))
            })
        });
        crate::mark("moonkeep:inspector-rows");
        let previous = self.active.get_untracked();
        let active_path = previous.and_then(|i| self.rows.with_untracked(|r| r.get(i).map(|r| r.path.clone())));
        let wanted = self.pending.try_update_value(Option::take).flatten().or(active_path);
        let active = match wanted.and_then(|path| rows.iter().position(|r| r.path == path)) {
            Some(i) => Some(i),
            // The active row went away (deleted): stay where it was.
            None => previous.map(|i| i.min(rows.len().saturating_sub(1))),
        };
        self.rows.set(rows);
        self.version.update(|v| *v += 1);
        self.active.set(active);
        // After the DOM update that the signals above schedule, before the next paint.
        request_animation_frame(|| crate::mark("moonkeep:inspector-rendered"));
    }

    pub fn set_filter(self, text: String) {
        self.filter.set(text);
        self.active.set(None);
        self.refresh();
    }

    /// Expands a collapsed row, collapses an expanded one.
    pub fn toggle(self, index: usize) {
        let Some((path, expandable, expanded)) = self.with_row(index, |r| (r.path.clone(), r.expandable, r.expanded))
        else {
            return;
        };
        if !expandable || self.filtering() {
            return;
        }
        self.expanded.update(|set| {
            if expanded {
                set.remove(&path);
            } else {
                set.insert(path.clone());
            }
        });
        self.pending.set_value(Some(path));
        self.refresh();
    }

    /// Follows a link row to its target: expands what leads there, clears the filter
    /// and makes the target active.
    pub fn jump(self, index: usize) {
        let link = self.with_row(index, |r| match &r.value {
            Shown::Link { to, .. } => Some((r.reveal.clone(), to.clone())),
            _ => None,
        });
        if let Some((reveal, to)) = link.flatten() {
            self.show(reveal, to);
        }
    }

    /// Shows a row found by the filter in the whole tree.
    pub fn reveal(self, index: usize) {
        let Some(path) = self.with_row(index, |r| r.path.clone()) else { return };
        // The rows leading to a row are the nearest ones above it, one level up each.
        let ancestors = self.rows.with_untracked(|rows| {
            let mut depth = rows[index].depth;
            let mut paths = Vec::new();
            for row in rows[..index].iter().rev() {
                if row.depth < depth {
                    depth = row.depth;
                    paths.push(row.path.clone());
                }
            }
            paths
        });
        self.show(ancestors, path);
    }

    fn show(self, expand: Vec<String>, path: String) {
        self.expanded.update(|set| set.extend(expand));
        self.filter.set(String::new());
        self.pending.set_value(Some(path));
        self.refresh();
    }

    /// Deletes the entry a row stands for and saves; Undo puts it back.
    pub fn delete(self, index: usize) {
        if self.runner.running_now() || self.read_only() {
            return;
        }
        // A tab that follows another takes Memory over (up to date) first, then
        // deletes the same path if it is still there.
        if !self.persistence.saves() {
            let Some(path) = self.with_row(index, |r| r.path.clone()) else { return };
            leptos::task::spawn_local(async move {
                self.persistence.own().await;
                self.refresh();
                if let Some(index) = self.rows.with_untracked(|rows| rows.iter().position(|r| r.path == path)) {
                    if self.persistence.saves() {
                        self.delete(index);
                    }
                }
            });
            return;
        }
        let Some(result) = self.with_row(index, |row| self.vm.with_value(|vm| vm.delete_row(row))) else { return };
        match result {
            Ok(deleted) => {
                self.persistence.made_by("inspector", &format!("{} = nil -- deleted in the inspector", deleted.path()));
                self.notice.set(Some(Notice::Deleted(deleted.path().to_owned())));
                self.deleted.set_value(Some(deleted));
                self.active.set(Some(index));
            }
            Err(e) => self.notice.set(Some(Notice::Failed(e.to_string()))),
        }
        self.refresh();
        self.persistence.save();
    }

    pub fn undo(self) {
        let Some(deleted) = self.deleted.try_update_value(Option::take).flatten() else { return };
        let path = deleted.path().to_owned();
        match self.vm.with_value(|vm| vm.undo_delete(deleted)) {
            Ok(()) => {
                self.persistence.made_by("inspector", &format!("-- {path} put back in the inspector (undo)"));
                self.notice.set(None);
                self.pending.set_value(Some(path));
            }
            Err(e) => self.notice.set(Some(Notice::Failed(e.to_string()))),
        }
        self.refresh();
        self.persistence.save();
    }

    /// Whether the rows are a past version's (nothing can be deleted), not tracked:
    /// a change of version redraws every row.
    pub fn read_only(self) -> bool {
        self.history.viewing_now().is_some()
    }

    /// Makes row `index` the one the keyboard acts on.
    pub fn select(self, index: usize) {
        self.active.set(Some(index));
    }

    /// Acts on a key pressed in the tree; false if the key is not the tree's.
    pub fn key(self, key: &str) -> bool {
        let count = self.rows.with_untracked(Vec::len);
        if count == 0 {
            return false;
        }
        let at = self.active.get_untracked().unwrap_or(0).min(count - 1);
        let (expandable, expanded, depth, link) = self
            .with_row(at, |r| (r.expandable, r.expanded, r.depth, matches!(r.value, Shown::Link { .. })))
            .unwrap_or_default();
        match key {
            "ArrowDown" => self.active.set(Some((at + 1).min(count - 1))),
            "ArrowUp" => self.active.set(Some(at.saturating_sub(1))),
            "Home" => self.active.set(Some(0)),
            "End" => self.active.set(Some(count - 1)),
            "PageDown" => self.active.set(Some((at + 10).min(count - 1))),
            "PageUp" => self.active.set(Some(at.saturating_sub(10))),
            "ArrowRight" if expandable && !expanded => self.toggle(at),
            "ArrowRight" if expanded => self.active.set(Some((at + 1).min(count - 1))),
            "ArrowLeft" if expanded && !self.filtering() => self.toggle(at),
            "ArrowLeft" => {
                let parent = self.rows.with_untracked(|rows| rows[..at].iter().rposition(|r| r.depth < depth));
                self.active.set(parent.or(Some(at)));
            }
            "Enter" if link => self.jump(at),
            "Enter" if self.filtering() => self.reveal(at),
            "Enter" => self.toggle(at),
            "Delete" => self.delete(at),
            "ArrowRight" => {}
            _ => return false,
        }
        true
    }

    /// Whether a run is under way (nothing may be deleted meanwhile).
    pub fn busy(self) -> bool {
        self.runner.running()
    }

    pub fn filtering(self) -> bool {
        self.filter.with_untracked(|f| !f.trim().is_empty())
    }

    fn with_row<T>(self, index: usize, f: impl FnOnce(&Row) -> T) -> Option<T> {
        self.rows.with_untracked(|rows| rows.get(index).map(f))
    }
}
