//! Bytecode a host keeps from loading.
//!
//! Lua does not verify bytecode, so loading a damaged prototype that the user chose to
//! trust (`moonkeep import --trust`) can crash the process. A host that notes, durably,
//! each first load of such a prototype before it happens can tell after a crash which
//! load it was, and quarantine that prototype at every later restore: its closures are
//! reported by path and not loaded, and its record stays in the store untouched.

use std::collections::HashSet;

/// Which prototypes (by id, docs/FORMAT.md) a restore must not load, and which it
/// loads only after telling the host.
#[derive(Default)]
pub struct Quarantine {
    /// Not loaded: each closure using one is reported and left out.
    pub quarantined: HashSet<u64>,
    /// Loaded only after `before_load` was called with the id (once per prototype).
    pub on_trial: HashSet<u64>,
    pub before_load: Option<Box<dyn FnMut(u64)>>,
}

impl Quarantine {
    /// Whether a prototype may be loaded now; the reason when it may not.
    pub(crate) fn admit(&mut self, id: u64) -> Result<(), String> {
        if self.quarantined.contains(&id) {
            return Err("its bytecode is quarantined: Moonkeep stopped while loading it before (it came \
                        from a trusted import), so it is no longer loaded; its record is kept as it is"
                .into());
        }
        if self.on_trial.remove(&id) {
            if let Some(before_load) = &mut self.before_load {
                before_load(id);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use super::Quarantine;
    use crate::{MemoryStore, Store, Vm};

    /// A store holding `Memory.f` and `Memory.g` (two prototypes) and `Memory.n`.
    fn store() -> (MemoryStore, Vec<u64>) {
        let vm = Vm::new().unwrap();
        vm.restore(Vec::new(), [3; 32]).unwrap();
        vm.eval("Memory.f = function() return 'f' end Memory.g = function() return 'g' end Memory.n = 5", "t")
            .result
            .unwrap();
        let mut store = MemoryStore::new();
        store.commit(&vm.save_point().changes).unwrap();
        let protos = store
            .load()
            .unwrap()
            .into_iter()
            .filter(|(k, _)| k.len() == 9 && k[0] == b'p')
            .map(|(k, _)| u64::from_be_bytes(k[1..].try_into().unwrap()))
            .collect();
        (store, protos)
    }

    #[test]
    fn a_quarantined_prototype_is_not_loaded_reported_and_kept() {
        let (mut store, protos) = store();
        assert_eq!(protos.len(), 2);
        let vm = Vm::new().unwrap();
        vm.set_quarantine(Quarantine { quarantined: [protos[0]].into(), ..Quarantine::default() });
        let report = vm.restore(store.load().unwrap(), [0; 32]).unwrap();
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        assert!(report.problems[0].reason.contains("quarantined"), "{}", report.problems[0]);
        assert!(["Memory.f", "Memory.g"].contains(&report.problems[0].path.as_str()));
        assert_eq!(vm.eval("Memory.n", "t").result.unwrap(), vec!["5"]);
        // The next save point leaves the prototype's record where it is.
        let point = vm.save_point();
        let key = [&[b'p'][..], &protos[0].to_be_bytes()].concat();
        assert!(!point.changes.iter().any(|c| matches!(c, crate::Change::Delete { key: k } if *k == key)));
        store.commit(&point.changes).unwrap();
        assert!(store.load().unwrap().iter().any(|(k, _)| *k == key));
    }

    #[test]
    fn prototypes_on_trial_are_announced_once_before_they_load() {
        let (store, protos) = store();
        let announced = Rc::new(RefCell::new(Vec::new()));
        let vm = Vm::new().unwrap();
        let log = announced.clone();
        vm.set_quarantine(Quarantine {
            on_trial: protos.iter().copied().collect(),
            before_load: Some(Box::new(move |id| log.borrow_mut().push(id))),
            ..Quarantine::default()
        });
        let report = vm.restore(store.load().unwrap(), [0; 32]).unwrap();
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        let mut announced = announced.borrow().clone();
        announced.sort_unstable();
        let mut expected = protos.clone();
        expected.sort_unstable();
        assert_eq!(announced, expected);
        assert_eq!(vm.eval("Memory.f() .. Memory.g()", "t").result.unwrap(), vec!["fg"]);
    }
}
