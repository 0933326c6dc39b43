//! Memory's past in the page: the versions the store keeps (FORMAT.md R14-R17),
//! newest first; one of them shown read-only in the inspector, with what it changed;
//! two compared path by path; one made current again (Restore, Undo last run) as a
//! new version, so that a restore can itself be undone. The engine's `history`
//! module does the work; this service reads the store and holds what is shown.

use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use moonkeep_engine::history::{self, Difference};
use moonkeep_engine::{Records, Row, Version, Vm};

use crate::persistence::Persistence;
use crate::run::Runner;

const MB: u64 = 1024 * 1024;

/// Versions listed at first, and about as many more each time older ones are asked for.
pub const PAGE: usize = 100;

/// Every version's number and entry, newest first (`history::versions`).
type Versions = Vec<(u64, Result<Version, String>)>;

/// Which version entries to read: those after a version, about a page of those before
/// one, or all.
enum Which {
    After(u64),
    Below(u64),
    All,
}
use Which::{After, All, Below};

/// About a page of the version entries numbered below `end`, newest last, and whether
/// older ones may be kept. Thinned versions leave gaps in the numbering: the range read
/// doubles until it holds a page or reaches version 1, so that a long history costs a
/// few small reads, never all of it.
async fn older_page(
    store: &moonkeep_store_idb::IdbStore,
    end: u64,
) -> Result<(Vec<(Vec<u8>, Vec<u8>)>, bool), moonkeep_engine::StoreError> {
    let mut span = PAGE as u64;
    let mut records = Vec::new();
    let mut last = end.saturating_sub(1);
    while last >= 1 && records.len() < PAGE {
        let first = last.saturating_sub(span - 1).max(1);
        let mut read = store.load_versions_between(first, last).await?;
        read.append(&mut records);
        records = read;
        last = first - 1;
        span = span.saturating_mul(2);
    }
    Ok((records, last >= 1))
}

/// What an action does with every record: what to tell the user, or why it failed.
type Action = dyn FnOnce(Rc<Records>) -> Result<Option<String>, String>;

/// One version as the History panel lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub number: u64,
    /// What made it (see `Version::title`), or why its entry cannot be read.
    pub title: String,
    /// The whole code of the run that made it (empty for other causes).
    pub source: String,
    /// Milliseconds since the Unix epoch (0 when unknown).
    pub time: u64,
    /// "3 records, 1.2 KB written".
    pub written: String,
}

impl Entry {
    fn of(number: u64, version: &Result<Version, String>) -> Entry {
        match version {
            Ok(v) => Entry {
                number,
                title: v.title(),
                source: v.source.clone(),
                time: v.time,
                written: format!(
                    "{} {}, {} written",
                    v.records,
                    if v.records == 1 { "record" } else { "records" },
                    history::size_text(v.bytes)
                ),
            },
            Err(e) => Entry {
                number,
                title: format!("its entry cannot be read: {e}"),
                source: String::new(),
                time: 0,
                written: String::new(),
            },
        }
    }
}

/// Two versions compared: what changed from `from` to `to`, by path.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub from: u64,
    pub to: u64,
    pub differences: Vec<Difference>,
}

impl Comparison {
    /// "2 added, 1 removed, 3 changed" (or "no difference").
    pub fn summary(&self) -> String {
        let count = |f: fn(&Difference) -> bool| self.differences.iter().filter(|d| f(d)).count();
        let added = count(|d| d.old.is_none());
        let removed = count(|d| d.new.is_none());
        let changed = self.differences.len() - added - removed;
        if self.differences.is_empty() {
            return "no difference".into();
        }
        format!("{added} added, {removed} removed, {changed} changed")
    }
}

/// The history, provided once by the app (context).
#[derive(Clone, Copy)]
pub struct History {
    persistence: Persistence,
    runner: Runner,
    entries: RwSignal<Vec<Entry>>,
    /// Whether the store may keep versions older than the oldest listed.
    older: RwSignal<bool>,
    /// The version shown in the inspector instead of the current Memory (read-only).
    viewing: RwSignal<Option<u64>>,
    /// The VM holding the version being viewed.
    past: StoredValue<Option<Vm>, LocalStorage>,
    comparison: RwSignal<Option<Comparison>>,
    /// Bytes the history takes (its `h` and `v` records) and may take, once measured.
    bytes: RwSignal<Option<u64>>,
    budget: RwSignal<Option<u64>>,
    /// When it was last measured (ms on the page's clock).
    measured: StoredValue<f64>,
    /// What the last action could not do, or a restore's problems.
    notice: RwSignal<Option<String>>,
    busy: RwSignal<bool>,
}

impl History {
    pub fn new(persistence: Persistence, runner: Runner) -> History {
        let history = History {
            persistence,
            runner,
            entries: RwSignal::new(Vec::new()),
            older: RwSignal::new(false),
            viewing: RwSignal::new(None),
            past: StoredValue::new_local(None),
            comparison: RwSignal::new(None),
            bytes: RwSignal::new(None),
            budget: RwSignal::new(None),
            measured: StoredValue::new(f64::NEG_INFINITY),
            notice: RwSignal::new(None),
            busy: RwSignal::new(false),
        };
        // A new version (a run, a restore, another tab's): list it.
        Effect::new(move |_| {
            if persistence.version() > 0 {
                history.list_new();
            }
        });
        history
    }

    /// Calls `f` with the versions, newest first (tracked).
    pub fn entries_with<T>(self, f: impl FnOnce(&[Entry]) -> T) -> T {
        self.entries.with(|entries| f(entries))
    }

    /// "14 versions, 1.2 MB of 50.0 MB" (sizes once measured).
    pub fn size_text(self) -> String {
        let count = self.entries.with(Vec::len);
        let versions = if count == 1 { "version" } else { "versions" };
        match (self.bytes.get(), self.budget.get()) {
            (Some(bytes), Some(budget)) => {
                format!("{count} {versions}, {} of {}", history::size_text(bytes), history::size_text(budget))
            }
            _ => format!("{count} {versions}"),
        }
    }

    /// The history's budget in whole MB, once read.
    pub fn budget_mb(self) -> Option<u64> {
        self.budget.get().map(|b| b.div_ceil(MB))
    }

    /// Sets how much the history may take (in MB), then keeps it within that.
    pub fn set_budget_mb(self, mb: u64) {
        let Some(store) = self.persistence.store() else { return };
        if mb == 0 || !self.may_restore() {
            self.notice.set(Some("The history's budget is set in the tab that saves, and is at least 1 MB.".into()));
            return;
        }
        let change = history::set_retention(history::Retention { budget: mb.saturating_mul(MB) });
        spawn_local(async move {
            match store.commit(&[change]).await {
                Ok(()) => self.keep_within_budget(true),
                Err(e) => self.notice.set(Some(e.0)),
            }
        });
    }

    /// The chosen version's code and the comparison shown, as markup.
    pub fn details_markup(self, number: u64) -> String {
        let source = self.entries.with(|e| e.iter().find(|e| e.number == number).map(|e| e.source.clone()));
        self.comparison.with(|comparison| details_markup(source.as_deref().unwrap_or(""), comparison.as_ref()))
    }

    /// The version Memory stands at.
    pub fn current(self) -> u64 {
        self.persistence.version()
    }

    pub fn viewing(self) -> Option<u64> {
        self.viewing.get()
    }

    /// `viewing`, without subscribing to it.
    pub fn viewing_now(self) -> Option<u64> {
        self.viewing.get_untracked()
    }

    pub fn notice(self) -> Option<String> {
        self.notice.get()
    }

    /// Whether an action may start: Memory restored, no run, no action under way.
    pub fn ready(self) -> bool {
        self.runner.ready() && !self.busy.get()
    }

    /// Whether a version may be made current here: Memory is kept (a tab that follows
    /// another takes Memory over first).
    pub fn may_restore(self) -> bool {
        self.persistence.restored()
            && !matches!(self.persistence.state(), crate::persistence::SaveState::NoStorage { .. })
    }

    /// Lists the newest versions again (reads only their entries, about a page of them).
    fn refresh(self) {
        let newest = self.persistence.version_now();
        self.with_versions(
            Below(newest.saturating_add(1)),
            Box::new(move |versions, older| {
                self.entries.set(versions.iter().map(|(n, v)| Entry::of(*n, v)).collect());
                self.older.set(older);
                crate::mark("moonkeep:history-listed");
            }),
        );
    }

    /// Whether versions older than those listed may be kept (tracked).
    pub fn has_older(self) -> bool {
        self.older.get()
    }

    /// Lists about a page more of the versions, older than those listed.
    pub fn show_older(self) {
        let Some(oldest) = self.entries.with_untracked(|e| e.last().map(|e| e.number)) else { return };
        self.with_versions(
            Below(oldest),
            Box::new(move |versions, older| {
                self.entries.update(|entries| entries.extend(versions.iter().map(|(n, v)| Entry::of(*n, v))));
                self.older.set(older);
            }),
        );
    }

    /// Lists the versions made since the newest listed (reads only their entries), or
    /// all again if the store's numbering went back; measures the history at most
    /// every few seconds (that reads all of it).
    fn list_new(self) {
        crate::mark("moonkeep:history-list");
        let newest = self.entries.with_untracked(|e| e.first().map(|e| e.number));
        let which = match newest {
            Some(newest) if newest < self.persistence.version_now() => After(newest),
            // Nothing listed yet, or the store's numbering went back.
            _ => Below(self.persistence.version_now().saturating_add(1)),
        };
        let all = matches!(which, Below(_));
        self.with_versions(
            which,
            Box::new(move |versions, older| {
                let listed = versions.iter().map(|(n, v)| Entry::of(*n, v));
                if all {
                    self.entries.set(listed.collect());
                    self.older.set(older);
                } else {
                    self.entries.update(|entries| drop(entries.splice(0..0, listed)));
                }
                crate::mark("moonkeep:history-listed");
                // After the list, not beside it: measuring reads the whole history,
                // and the browser answers reads in turn.
                self.keep_within_budget(false);
            }),
        );
    }

    /// Measures the history (at most every few seconds, unless `now`) and, in the tab
    /// that saves, thins it once it outgrows its budget (FORMAT.md R19), then deletes
    /// what no kept version needs a slice at a time, between which runs go on.
    fn keep_within_budget(self, now: bool) {
        const MEASURE_EVERY_MS: f64 = 10_000.0;
        const COLLECT_SLICE: usize = 256;
        let Some(store) = self.persistence.store() else { return };
        if !now && crate::now_ms() - self.measured.get_value() < MEASURE_EVERY_MS {
            return;
        }
        self.measured.set_value(crate::now_ms());
        spawn_local(async move {
            let Ok(records) = store.load_history().await else { return };
            let retention = history::retention(&records);
            self.bytes.set(Some(history::usage(&records).bytes));
            self.budget.set(Some(retention.budget));
            let thinned = retention.thin(&records, js_sys::Date::now() as u64);
            if thinned.is_empty() || !self.persistence.saves() || store.commit(&thinned).await.is_err() {
                return;
            }
            let Ok(records) = store.load_history().await else { return };
            let mut collection = history::Collection::find(&records);
            while !collection.is_done() && self.persistence.saves() {
                if store.commit(&collection.step(COLLECT_SLICE)).await.is_err() {
                    break;
                }
                crate::event_loop::next_task().await;
            }
            self.refresh();
            self.keep_within_budget(true);
        });
    }

    /// Reads the version entries `which` names and does `then` with them, newest first,
    /// and whether the store may keep older ones than those read.
    fn with_versions(self, which: Which, then: Box<dyn FnOnce(Versions, bool)>) {
        let Some(store) = self.persistence.store() else { return };
        spawn_local(async move {
            let read = match which {
                After(newest) => {
                    store.load_versions_between(newest.saturating_add(1), u64::MAX).await.map(|r| (r, true))
                }
                Below(end) => older_page(&store, end).await,
                All => store.load_versions().await.map(|r| (r, false)),
            };
            match read {
                Ok((records, older)) => then(history::versions(&records), older),
                Err(e) => self.notice.set(Some(e.0)),
            }
        });
    }

    /// Shows version `number` in the inspector, read-only, and what it changed.
    pub fn view(self, number: u64) {
        self.act(Box::new(move |records| {
            let at = history::records_at(&records, number).map_err(|e| e.to_string())?;
            let vm = Vm::new().map_err(|e| e.message)?;
            let report = vm.restore(at, [0; moonkeep_engine::SECRET_LEN]).map_err(|e| e.message)?;
            self.past.set_value(Some(vm));
            self.viewing.set(Some(number));
            if let Some(parent) = parent_of(&records, number) {
                let differences = history::diff(&records, parent, number).map_err(|e| e.to_string())?;
                self.comparison.set(Some(Comparison { from: parent, to: number, differences }));
            } else {
                self.comparison.set(None);
            }
            let problems: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
            Ok((!problems.is_empty()).then(|| format!("Version {number}: {}", problems.join("; "))))
        }));
    }

    /// Back to the current Memory in the inspector.
    pub fn view_current(self) {
        self.viewing.set(None);
        self.past.set_value(None);
        self.comparison.set(None);
    }

    /// The inspector's rows of the version being viewed, if one is.
    pub fn rows(self, expanded: &std::collections::BTreeSet<String>, filter: &str) -> Option<Vec<Row>> {
        self.viewing.get_untracked()?;
        self.past.with_value(|vm| vm.as_ref().map(|vm| vm.memory_rows(expanded, filter)))
    }

    /// Compares version `from` with version `to`.
    pub fn compare(self, from: u64, to: u64) {
        self.act(Box::new(move |records| {
            let differences = history::diff(&records, from, to).map_err(not_compared)?;
            self.comparison.set(Some(Comparison { from, to, differences }));
            Ok(None)
        }));
    }

    /// Makes version `number` current again, as a new version (taking Memory over
    /// first in a tab that follows another).
    pub fn restore(self, number: u64) {
        spawn_local(async move {
            self.persistence.own().await;
            self.restore_owned(number);
        });
    }

    fn restore_owned(self, number: u64) {
        self.act(Box::new(move |records| {
            let changes = history::restore(&records, number, js_sys::Date::now() as u64).map_err(|e| e.to_string())?;
            self.persistence.made_by("history", &format!("-- version {number} restored"));
            self.view_current();
            spawn_local(async move {
                if let Err(e) = self.persistence.replace(changes).await {
                    self.notice.set(Some(format!("Version {number} was not restored: {e}")));
                }
            });
            Ok(None)
        }));
    }

    /// Restores the version the last run started from.
    pub fn undo_last_run(self) {
        if !self.ready() || !self.may_restore() {
            return;
        }
        let current = self.persistence.version_now();
        self.with_versions(
            All,
            Box::new(move |versions, _| match history::before_last_run(&versions, current) {
                Some(number) => self.restore(number),
                None => self.notice.set(Some("There is no run to undo.".into())),
            }),
        );
    }

    /// Does `action` with every record (`IdbStore::records`: read once, then kept in
    /// step with this tab's commits, and read again when another tab made a version);
    /// what it says, or why it failed, becomes the notice.
    fn act(self, action: Box<Action>) {
        let Some(store) = self.persistence.store() else { return };
        if !self.ready() {
            return;
        }
        self.busy.set(true);
        self.notice.set(None);
        let version = self.persistence.version_now();
        spawn_local(async move {
            let records = store.records(version).await.map_err(|e| e.0);
            let outcome = records.and_then(|records| {
                self.bytes.set(Some(history::usage(&records).bytes));
                action(records)
            });
            self.notice.set(outcome.unwrap_or_else(Some));
            self.busy.set(false);
            crate::mark("moonkeep:history-done");
        });
    }
}

/// The list of versions as markup: one button per version, naming it in
/// `data-version`; `when` writes a time (ms since the Unix epoch).
pub fn list_markup(entries: &[Entry], selected: Option<u64>, current: u64, when: impl Fn(u64) -> String) -> String {
    let mut out = String::new();
    for e in entries {
        let class = entry_class(Some(e.number) == selected, e.number == current);
        let time = if e.time == 0 { String::new() } else { when(e.time) };
        out += &format!(
            "<li data-testid=\"history-entry\" data-version=\"{n}\" class=\"{class}\"><button class=\"history-pick\" \
             aria-pressed=\"{pressed}\"><span class=\"history-head\"><span class=\"history-number\">{n}</span><time>{time}\
             </time><span class=\"history-written\">{written}</span></span><span class=\"history-title\">{title}</span>\
             </button></li>",
            n = e.number,
            pressed = Some(e.number) == selected,
            time = escape(&time),
            written = escape(&e.written),
            title = escape(&e.title),
        );
    }
    out
}

/// The classes of a version in the list: chosen, current, both or neither.
pub fn entry_class(selected: bool, current: bool) -> &'static str {
    match (selected, current) {
        (true, true) => "selected current",
        (true, false) => "selected",
        (false, true) => "current",
        (false, false) => "",
    }
}

/// A chosen version's code (folded) and a comparison, as markup.
pub fn details_markup(source: &str, comparison: Option<&Comparison>) -> String {
    let mut out = String::new();
    if !source.is_empty() {
        out += &format!(
            "<details class=\"history-code\"><summary>Code that made it</summary><pre>{}</pre></details>",
            escape(source)
        );
    }
    let Some(c) = comparison else { return out };
    out += &format!(
        "<div class=\"history-comparison\" data-testid=\"history-comparison\"><p>From version {} to {}: {}</p><ul>",
        c.from,
        c.to,
        c.summary()
    );
    for d in &c.differences {
        let (mark, class, text) = match (&d.old, &d.new) {
            (None, Some(new)) => ("+", "added", new.clone()),
            (Some(old), None) => ("-", "removed", old.clone()),
            (Some(old), Some(new)) => ("~", "changed", format!("{old} → {new}")),
            (None, None) => (" ", "", String::new()),
        };
        out += &format!(
            "<li class=\"{class}\"><span class=\"mark\" aria-label=\"{class}\">{mark}</span><code>{}</code> {}</li>",
            escape(&d.path),
            escape(&text)
        );
    }
    out + "</ul></div>"
}

/// Text made safe to place in markup (element content or a quoted attribute).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A time on the browser's clock ("2026-12-07 17:51:04").
pub fn local_time(ms: u64) -> String {
    let offset = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64)).get_timezone_offset();
    moonkeep_engine::time::date_time(ms, -(offset as i64))
}

/// Why a comparison was not made, in the panel's words: the version to compare with is
/// typed, so it may be one the history does not keep.
fn not_compared(e: history::HistoryError) -> String {
    match e {
        history::HistoryError::NoVersion(n) => {
            format!("There is no version {n} to compare with: the list shows the versions kept.")
        }
        e => e.to_string(),
    }
}

/// The version `number` was made from, if the history still keeps it.
fn parent_of(records: &Records, number: u64) -> Option<u64> {
    let versions = history::versions(records);
    let parent = versions.iter().find(|(n, _)| *n == number)?.1.as_ref().ok()?.parent;
    versions.iter().any(|(n, _)| *n == parent).then_some(parent)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn difference(old: Option<&str>, new: Option<&str>) -> Difference {
        Difference { path: "Memory.x".into(), old: old.map(Into::into), new: new.map(Into::into) }
    }

    #[test]
    fn a_comparison_counts_what_was_added_removed_and_changed() {
        let differences =
            vec![difference(None, Some("1")), difference(Some("1"), Some("2")), difference(None, Some("{}"))];
        assert_eq!(Comparison { from: 1, to: 2, differences }.summary(), "2 added, 0 removed, 1 changed");
        let removed = vec![difference(Some("1"), None)];
        assert_eq!(Comparison { from: 2, to: 1, differences: removed }.summary(), "0 added, 1 removed, 0 changed");
        assert_eq!(Comparison { from: 1, to: 1, differences: Vec::new() }.summary(), "no difference");
    }

    #[test]
    fn the_list_names_each_version_marks_the_chosen_and_current_and_escapes_code() {
        let entry = |number, title: &str| Entry {
            number,
            title: title.into(),
            source: String::new(),
            time: number * 1000,
            written: "1 record, 10 B written".into(),
        };
        let entries = [entry(3, "main.lua: Memory.s = '<b>' .. \"&\""), entry(2, "main.lua: x"), entry(1, "y")];
        let markup = list_markup(&entries, Some(2), 3, |ms| format!("t{ms}"));
        assert_eq!(markup.matches("data-testid=\"history-entry\"").count(), 3);
        assert!(markup.contains("data-version=\"3\" class=\"current\""), "{markup}");
        assert!(markup
            .contains("data-version=\"2\" class=\"selected\"><button class=\"history-pick\" aria-pressed=\"true\""));
        assert!(markup.contains("main.lua: Memory.s = &#39;&lt;b&gt;&#39; .. &quot;&amp;&quot;"), "{markup}");
        assert!(!markup.contains("<b>"));
        assert!(markup.contains("<time>t2000</time>"));
        assert!(markup.find("data-version=\"3\"") < markup.find("data-version=\"1\""), "newest first");
    }

    #[test]
    fn the_details_show_the_code_and_each_difference_escaped() {
        let comparison = Comparison {
            from: 1,
            to: 2,
            differences: vec![
                Difference { path: "Memory[\"<k>\"]".into(), old: None, new: Some("\"<v>\"".into()) },
                Difference { path: "Memory.n".into(), old: Some("1".into()), new: Some("2".into()) },
            ],
        };
        let markup = details_markup("return '<script>'", Some(&comparison));
        assert!(markup.contains("<pre>return &#39;&lt;script&gt;&#39;</pre>"), "{markup}");
        assert!(markup.contains("From version 1 to 2: 1 added, 0 removed, 1 changed"));
        assert!(markup.contains("<li class=\"added\"><span class=\"mark\" aria-label=\"added\">+</span><code>Memory[&quot;&lt;k&gt;&quot;]</code> &quot;&lt;v&gt;&quot;</li>"), "{markup}");
        assert!(markup.contains("<code>Memory.n</code> 1 → 2"));
        assert_eq!(details_markup("", None), "");
    }

    #[test]
    fn a_version_to_compare_with_that_is_not_kept_is_named_in_the_panels_words() {
        let text = not_compared(history::HistoryError::NoVersion(42));
        assert_eq!(text, "There is no version 42 to compare with: the list shows the versions kept.");
        let damaged = history::HistoryError::DamagedEntry(3, "truncated".into());
        assert_eq!(not_compared(damaged.clone()), damaged.to_string());
    }

    #[test]
    fn an_entry_says_what_made_the_version_and_what_it_wrote() {
        let version =
            Version { chunk: "main.lua".into(), source: "Memory.x = 1".into(), ..Version::of_run(1, 0, 2, 1500) };
        let entry = Entry::of(4, &Ok(version));
        assert_eq!((entry.number, entry.title.as_str()), (4, "main.lua: Memory.x = 1"));
        assert_eq!(entry.written, "2 records, 1.5 KB written");
        let damaged = Entry::of(5, &Err("truncated".into()));
        assert_eq!(damaged.title, "its entry cannot be read: truncated");
    }
}
