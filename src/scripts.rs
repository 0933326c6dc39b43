//! The user's scripts: named buffers shown as tabs, one of them open in the editor.
//! Kept in localStorage (src/settings.rs) as one value, so the list, the texts and
//! which one is open are always saved together.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Script {
    pub id: u32,
    pub name: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scripts {
    list: Vec<Script>,
    active: u32,
    next_id: u32,
}

/// A closed script, kept so that closing can be undone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closed {
    pub script: Script,
    index: usize,
}

/// The name a migrated or first script gets.
const FIRST_NAME: &str = "main";
const UNTITLED: &str = "untitled";

impl Scripts {
    /// One script, open.
    pub fn new(name: &str, text: &str) -> Scripts {
        Scripts { list: vec![Script { id: 1, name: name.to_owned(), text: text.to_owned() }], active: 1, next_id: 2 }
    }

    /// What to start from: the stored scripts if any; else the text of the single
    /// editor Moonkeep had before tabs (`legacy`), so nobody loses their work; else
    /// the welcome example.
    pub fn load(stored: Option<Scripts>, legacy: Option<String>, welcome: &str) -> Scripts {
        match stored.and_then(Scripts::checked) {
            Some(scripts) => scripts,
            None => Scripts::new(FIRST_NAME, legacy.as_deref().unwrap_or(welcome)),
        }
    }

    /// `self` if it is consistent (stored data may have been edited by hand).
    fn checked(mut self) -> Option<Scripts> {
        let first = self.list.first()?.id;
        if !self.list.iter().any(|s| s.id == self.active) {
            self.active = first;
        }
        let highest = self.list.iter().map(|s| s.id).max()?;
        self.next_id = self.next_id.max(highest + 1);
        Some(self)
    }

    pub fn list(&self) -> &[Script] {
        &self.list
    }

    pub fn active(&self) -> &Script {
        self.list.iter().find(|s| s.id == self.active).expect("the active script is in the list")
    }

    pub fn active_id(&self) -> u32 {
        self.active
    }

    pub fn get(&self, id: u32) -> Option<&Script> {
        self.list.iter().find(|s| s.id == id)
    }

    /// Opens script `id`; false if there is none.
    pub fn select(&mut self, id: u32) -> bool {
        let exists = self.get(id).is_some();
        if exists {
            self.active = id;
        }
        exists
    }

    /// Adds a script after the others and opens it. `name` is made unique
    /// ("untitled", "untitled 2", ...). Returns its id.
    pub fn create(&mut self, name: Option<&str>, text: &str) -> u32 {
        let name = self.unique_name(name.map(str::trim).filter(|n| !n.is_empty()).unwrap_or(UNTITLED));
        let id = self.next_id;
        self.next_id += 1;
        self.list.push(Script { id, name, text: text.to_owned() });
        self.active = id;
        id
    }

    fn unique_name(&self, base: &str) -> String {
        let taken = |name: &str| self.list.iter().any(|s| s.name == name);
        if !taken(base) {
            return base.to_owned();
        }
        (2..).map(|n| format!("{base} {n}")).find(|name| !taken(name)).expect("some number is free")
    }

    /// Renames script `id`. Names are trimmed; an empty name is refused.
    pub fn rename(&mut self, id: u32, name: &str) -> Result<(), &'static str> {
        let name = name.trim();
        if name.is_empty() {
            return Err("a script needs a name");
        }
        let script = self.list.iter_mut().find(|s| s.id == id).ok_or("no such script")?;
        script.name = name.to_owned();
        Ok(())
    }

    pub fn set_text(&mut self, id: u32, text: &str) {
        if let Some(script) = self.list.iter_mut().find(|s| s.id == id) {
            if script.text != text {
                script.text = text.to_owned();
            }
        }
    }

    /// Closes script `id`. The neighbour that took its place is opened (the one after
    /// it, else the one before); closing the last script leaves an empty one.
    pub fn close(&mut self, id: u32) -> Option<Closed> {
        let index = self.list.iter().position(|s| s.id == id)?;
        let script = self.list.remove(index);
        if self.list.is_empty() {
            self.create(None, "");
        } else if self.active == id {
            self.active = self.list[index.min(self.list.len() - 1)].id;
        }
        Some(Closed { script, index })
    }

    /// Puts a closed script back where it was and opens it.
    pub fn reopen(&mut self, closed: Closed) {
        let Closed { mut script, index } = closed;
        if self.list.iter().any(|s| s.id == script.id) {
            script.id = self.next_id; // cannot happen through the UI; stay consistent anyway
        }
        self.next_id = self.next_id.max(script.id + 1);
        self.active = script.id;
        self.list.insert(index.min(self.list.len()), script);
    }

    /// The scripts as modules for `require "name"` (see [`moonkeep_engine::Scripts`]):
    /// the VM is given them before each run, so a changed tab is loaded anew.
    pub fn modules(&self) -> moonkeep_engine::Scripts {
        moonkeep_engine::Scripts::new(self.list.iter().map(|s| (s.name.as_str(), s.text.as_str())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(s: &Scripts) -> Vec<&str> {
        s.list().iter().map(|s| s.name.as_str()).collect()
    }

    #[test]
    fn a_first_visit_opens_the_welcome_example() {
        let s = Scripts::load(None, None, "-- welcome");
        assert_eq!(names(&s), ["main"]);
        assert_eq!(s.active().text, "-- welcome");
    }

    #[test]
    fn the_old_single_editor_text_becomes_the_first_script() {
        let s = Scripts::load(None, Some("print('my work')".into()), "-- welcome");
        assert_eq!(names(&s), ["main"]);
        assert_eq!(s.active().text, "print('my work')");
    }

    #[test]
    fn stored_scripts_win_over_the_old_text() {
        let mut stored = Scripts::new("main", "a");
        stored.create(Some("second"), "b");
        let s = Scripts::load(Some(stored.clone()), Some("old".into()), "-- welcome");
        assert_eq!(s, stored);
    }

    #[test]
    fn damaged_stored_scripts_are_repaired_or_replaced() {
        let empty = Scripts { list: vec![], active: 1, next_id: 1 };
        assert_eq!(names(&Scripts::load(Some(empty), None, "w")), ["main"]);
        let bad =
            Scripts { list: vec![Script { id: 5, name: "x".into(), text: String::new() }], active: 9, next_id: 2 };
        let mut s = Scripts::load(Some(bad), None, "w");
        assert_eq!(s.active_id(), 5);
        assert_eq!(s.create(None, ""), 6, "new ids never reuse old ones");
    }

    #[test]
    fn creating_opens_the_new_script_under_a_unique_name() {
        let mut s = Scripts::new("main", "");
        let a = s.create(None, "");
        let b = s.create(Some("  "), "x");
        assert_eq!(names(&s), ["main", "untitled", "untitled 2"]);
        assert_ne!(a, b);
        assert_eq!(s.active_id(), b);
        assert_eq!(s.active().text, "x");
        s.create(Some("main"), "");
        assert_eq!(names(&s)[3], "main 2");
    }

    #[test]
    fn renaming_trims_and_refuses_empty_names() {
        let mut s = Scripts::new("main", "");
        let id = s.active_id();
        assert_eq!(s.rename(id, "  tools "), Ok(()));
        assert_eq!(s.active().name, "tools");
        assert!(s.rename(id, "   ").is_err());
        assert!(s.rename(99, "x").is_err());
        assert_eq!(s.active().name, "tools");
    }

    #[test]
    fn closing_opens_a_neighbour_and_undo_puts_it_back() {
        let mut s = Scripts::new("a", "1");
        let b = s.create(Some("b"), "2");
        let c = s.create(Some("c"), "3");
        s.select(b);
        let closed = s.close(b).unwrap();
        assert_eq!(names(&s), ["a", "c"]);
        assert_eq!(s.active_id(), c, "the one after it");
        s.reopen(closed);
        assert_eq!(names(&s), ["a", "b", "c"]);
        assert_eq!(s.active_id(), b);
        assert_eq!(s.active().text, "2");
        s.close(c).unwrap();
        assert_eq!(s.active().name, "b", "the one before the last");
    }

    #[test]
    fn closing_a_script_that_is_not_open_keeps_the_open_one() {
        let mut s = Scripts::new("a", "");
        let b = s.create(Some("b"), "");
        let a = s.list()[0].id;
        s.close(a).unwrap();
        assert_eq!(s.active_id(), b);
        assert!(s.close(a).is_none());
    }

    #[test]
    fn closing_the_last_script_leaves_an_empty_one() {
        let mut s = Scripts::new("main", "text");
        let id = s.active_id();
        let closed = s.close(id).unwrap();
        assert_eq!(names(&s), ["untitled"]);
        assert_eq!(s.active().text, "");
        s.reopen(closed);
        assert_eq!(names(&s), ["main", "untitled"]);
        assert_eq!(s.active().text, "text");
    }

    #[test]
    fn texts_are_kept_per_script() {
        let mut s = Scripts::new("a", "");
        let a = s.active_id();
        let b = s.create(Some("b"), "");
        s.set_text(a, "for a");
        s.set_text(b, "for b");
        assert!(s.select(a));
        assert_eq!(s.active().text, "for a");
        assert!(!s.select(42));
        assert_eq!(s.get(b).unwrap().text, "for b");
    }

    #[test]
    fn scripts_round_trip_through_json() {
        let mut s = Scripts::new("main", "print('é')\n");
        s.create(Some("two"), "return 2");
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<Scripts>(&json).unwrap(), s);
    }

    #[test]
    fn every_tab_is_a_module_the_vm_can_require() {
        let mut scripts = Scripts::new("main", "return require('util').twice(21)");
        let util = scripts.create(Some("util"), "return { twice = function(n) return 2 * n end }");
        let vm = moonkeep_engine::Vm::new().unwrap();
        vm.set_workspace(scripts.modules());
        assert_eq!(vm.eval(&scripts.list()[0].text, "main.lua").transcript(), "=> 42\n");
        scripts.set_text(util, "return { twice = function(n) return 'twice ' .. n end }");
        vm.set_workspace(scripts.modules());
        assert_eq!(vm.eval(&scripts.list()[0].text, "main.lua").transcript(), "=> twice 21\n");
    }
}
