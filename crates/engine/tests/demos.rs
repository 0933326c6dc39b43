//! The demos in demo/ as a user meets them: run, Memory saved, a fresh VM restored
//! from the store (what a reload does), run again. Every demo runs cleanly both
//! times; the ones that make a claim about what survives are checked for it.

use std::path::PathBuf;

use moonkeep_engine::{MemoryStore, Store, Vm};

fn demo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../demo")
}

fn source(name: &str) -> String {
    std::fs::read_to_string(demo_dir().join(name)).unwrap_or_else(|e| panic!("demo/{name}: {e}"))
}

/// A page session: a VM restored from the store, saving after each run.
struct Session {
    vm: Vm,
}

impl Session {
    fn open(store: &MemoryStore) -> Session {
        let vm = Vm::new().unwrap();
        vm.restore(store.load().unwrap(), [5; 32]).unwrap();
        Session { vm }
    }

    fn run(&self, store: &mut MemoryStore, code: &str) -> String {
        let evaluation = self.vm.eval(code, "main.lua");
        if let Err(e) = &evaluation.result {
            panic!("{}\n{}", e.message, evaluation.output);
        }
        let point = self.vm.save_point();
        assert!(point.problems.is_empty(), "{:?}", point.problems);
        store.commit(&point.changes).unwrap();
        self.vm.committed(&point);
        evaluation.transcript()
    }
}

/// Output of running the demo, then running it again after a "reload".
fn before_and_after(name: &str) -> (String, String) {
    let code = source(name);
    let mut store = MemoryStore::new();
    let before = Session::open(&store).run(&mut store, &code);
    let after = Session::open(&store).run(&mut store, &code);
    (before, after)
}

#[test]
fn every_demo_runs_before_and_after_a_reload() {
    let mut names: Vec<String> = std::fs::read_dir(demo_dir())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".lua"))
        .collect();
    names.sort();
    assert!(names.len() >= 8, "{names:?}");
    for name in names {
        assert!(source(&name).starts_with("-- Title: "), "demo/{name} starts with its title");
        before_and_after(&name);
    }
}

#[test]
fn the_counter_factory_keeps_every_count() {
    let (before, after) = before_and_after("counter_factory.lua");
    assert_eq!(before, "counter 1\t1\ncounter 2\t10\ncounter 1\t2\n");
    assert_eq!(after, "counter 1\t3\ncounter 2\t20\ncounter 1\t4\n");
}

#[test]
fn the_state_machine_resumes_in_its_state() {
    let (before, after) = before_and_after("state_machine.lua");
    assert_eq!(before, "the light is now green (1 changes so far)\n");
    assert_eq!(after, "the light is now amber (2 changes so far)\n");
}

#[test]
fn the_graph_keeps_its_cycles_and_shared_nodes() {
    let (_, after) = before_and_after("graph.lua");
    assert_eq!(after, "walk: a -> b -> c -> a\ncycle closes: true\nself loop: true\nsame node under two names: true\n");
}

#[test]
fn two_closures_still_share_their_variable() {
    let (before, after) = before_and_after("shared_upvalue.lua");
    assert_eq!(before, "balance: 25\n");
    assert_eq!(after, "balance: 50\n");
}

#[test]
fn the_stress_test_comes_back_intact() {
    let (before, after) = before_and_after("stress.lua");
    assert!(before.starts_with("built 5000 values"), "{before}");
    assert!(after.starts_with("5000 values, "), "{after}");
    assert!(after.ends_with("intact: true\n"), "{after}");
}

#[test]
fn the_adventure_remembers_where_you_are_and_what_you_carry() {
    let code = source("adventure.lua");
    let mut store = MemoryStore::new();
    let first = Session::open(&store);
    assert!(first.run(&mut store, &code).starts_with("You are in a dusty hall. You see: lamp."));
    assert_eq!(first.run(&mut store, "take('lamp')"), "=> Taken: lamp.\n");
    assert!(first.run(&mut store, "go('north')").starts_with("=> You are in a library"));
    drop(first);
    let again = Session::open(&store);
    let shown = again.run(&mut store, &code);
    assert!(shown.starts_with("You are in a library full of whispering books. You see: key."), "{shown}");
    assert!(shown.ends_with("You carry: lamp (1 moves).\n"), "{shown}");
    assert_eq!(again.run(&mut store, "go('west')"), "=> You can't go west from here.\n");
}

#[test]
fn the_self_test_passes_every_scenario_after_a_reload() {
    let code = source("selftest.lua");
    let mut store = MemoryStore::new();
    let first = Session::open(&store);
    assert_eq!(first.run(&mut store, &code), "12 scenarios set up in Memory. Reload the page, then run this again.\n");
    assert!(first.run(&mut store, &code).starts_with("Reload the page first"));
    drop(first);
    let after = Session::open(&store).run(&mut store, &code);
    assert!(after.ends_with("12 of 12 scenarios passed\n"), "{after}");
    assert!(!after.contains("FAIL"), "{after}");
    // It cleans up, so it can be run again from the start.
    assert!(Session::open(&store).run(&mut store, &code).starts_with("12 scenarios set up"));
}
