//! The proof panel's fingerprint: equal for a Memory and its restored copy, different
//! as soon as any part of a value differs, and with probe results for functions.

use moonkeep_engine::{KeyPrint, MemoryStore, Store, Vm};

fn vm_with(setup: &str) -> Vm {
    let vm = Vm::new().unwrap();
    vm.restore(Vec::new(), [3; 32]).unwrap();
    let run = vm.eval(setup, "setup.lua");
    assert!(run.result.is_ok(), "{:?}", run.result);
    vm
}

fn print_of<'a>(prints: &'a [KeyPrint], key: &str) -> &'a KeyPrint {
    prints.iter().find(|p| p.key == key).unwrap_or_else(|| panic!("no {key} in {prints:?}"))
}

const RICH: &str = r#"
Memory.n, Memory.f, Memory.nz, Memory.nan, Memory.s = 42, 0.1 + 0.2, -0.0, 0/0, "bin\0ary"
local shared = { name = "shared" }
Memory.pair = { shared, shared }
Memory.cycle = {} Memory.cycle.self = Memory.cycle
Memory.point = setmetatable({ x = 3 }, { __index = { y = 4 } })
local count = 10
Memory.inc = function(by) count = count + (by or 1) return count end
Memory.get = function() return count end
Memory.add = function(a, b) return a + b end
Memory.printer = print
Memory.lib = string
Memory.fails = function() error("nope") end
"#;

#[test]
fn a_restored_memory_has_the_same_fingerprint() {
    let vm = vm_with(RICH);
    let point = vm.save_point();
    let mut store = MemoryStore::new();
    store.commit(&point.changes).unwrap();
    let before = vm.fingerprint("2, 3").unwrap();
    drop(vm);
    let restored = Vm::new().unwrap();
    restored.restore(store.load().unwrap(), [4; 32]).unwrap();
    let after = restored.fingerprint("2, 3").unwrap();
    assert_eq!(before, after);
    assert_eq!(before.len(), 14);
    assert_eq!(print_of(&before, "add").probe.as_deref(), Some("5"));
    assert_eq!(print_of(&before, "inc").probe.as_deref(), Some("12"));
    assert_eq!(print_of(&before, "printer").probe.as_deref(), Some("(nothing)"));
    assert!(print_of(&before, "fails").probe.as_deref().unwrap().starts_with("error: setup.lua:13: nope"));
    assert_eq!(print_of(&before, "n").probe, None);
    assert_eq!(print_of(&before, "n").type_name, "integer");
}

#[test]
fn any_difference_in_a_value_changes_its_digest_and_only_its() {
    let base = vm_with(RICH).fingerprint("").unwrap();
    let changes = [
        ("Memory.pair[2] = { name = 'shared' }", "pair"),
        ("Memory.point.x = 3.0", "point"),
        ("getmetatable(Memory.point).__index.y = 5", "point"),
        ("Memory.inc()", "inc"),
        ("Memory.nz = 0.0", "nz"),
        ("Memory.cycle.self = {}", "cycle"),
        ("Memory.add = function(a, b) return a - b end", "add"),
        ("Memory.s = 'bin\\0arY'", "s"),
    ];
    for (change, key) in changes {
        let vm = vm_with(RICH);
        assert!(vm.eval(change, "change.lua").result.is_ok(), "{change}");
        let after = vm.fingerprint("").unwrap();
        for (b, a) in base.iter().zip(&after) {
            if b.key == key || (key == "inc" && b.key == "get") {
                assert_ne!(b.digest, a.digest, "{change} should change {}", b.key);
            } else {
                assert_eq!(b.digest, a.digest, "{change} should not change {}", b.key);
            }
        }
    }
}

#[test]
fn digests_do_not_depend_on_insertion_order_or_addresses() {
    let a = vm_with("Memory.t = {} Memory.t.x = 1 Memory.t.y = {2} Memory.t[1] = 'a'").fingerprint("").unwrap();
    let b = vm_with("Memory.t = {[1] = 'a', y = {2}} Memory.t.x = 1").fingerprint("").unwrap();
    assert_eq!(a, b);
    // Floats by their bits: the same NaN matches itself, -0.0 is not 0.0.
    assert_eq!(vm_with("Memory.x = 0/0").fingerprint("").unwrap(), vm_with("Memory.x = 0/0").fingerprint("").unwrap());
    assert_ne!(vm_with("Memory.x = -0.0").fingerprint("").unwrap(), vm_with("Memory.x = 0.0").fingerprint("").unwrap());
}

#[test]
fn probes_that_never_return_are_stopped() {
    let vm = vm_with("Memory.spin = function() while true do end end");
    let prints = vm.fingerprint("").unwrap();
    let probe = prints[0].probe.as_deref().unwrap();
    assert!(probe.contains("probe stopped: it ran longer than 2 s"), "{probe}");
    assert_eq!(vm.eval("return 1", "after").result.unwrap(), vec!["1"]);
}

#[test]
fn bad_probe_arguments_are_an_error() {
    let vm = vm_with("Memory.f = function(x) return x end");
    let err = vm.fingerprint("1,,").unwrap_err();
    assert!(err.message.contains("probe"), "{}", err.message);
    assert_eq!(vm.fingerprint("{1}").unwrap()[0].probe.as_deref(), Some("{1}"));
}
