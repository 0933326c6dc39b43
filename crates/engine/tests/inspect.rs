//! The Memory tree the inspector and `moonkeep inspect` show.

use moonkeep_engine::{Limits, Node, Shown, Vm};

fn tree(source: &str, limits: Limits) -> Node {
    let vm = Vm::new().unwrap();
    assert!(vm.eval(source, "main.lua").result.is_ok());
    vm.memory_tree(limits)
}

fn child<'a>(node: &'a Node, key: &str) -> &'a Node {
    node.children.iter().find(|c| c.key == key).unwrap_or_else(|| panic!("no {key} in {:?}", node.children))
}

#[test]
fn values_functions_links_and_paths() {
    let root = tree(
        "local shared = { 1 }\n\
         Memory.a, Memory.b = shared, shared\n\
         Memory.self = Memory\n\
         Memory.n, Memory.f, Memory.s, Memory[3] = 42, 0.1 + 0.2, 'hi', true\n\
         local count = 0\n\
         Memory.add = function(x, y, ...) count = count + x return count end\n\
         Memory['a b'] = print",
        Limits::default(),
    );
    assert_eq!(root.path, "Memory");
    assert_eq!(root.children.first().unwrap().key, "[3]", "numbers first");
    assert_eq!(child(&root, "n").value, Shown::Scalar { type_name: "integer", text: "42".into() });
    assert_eq!(child(&root, "f").value, Shown::Scalar { type_name: "float", text: "0.3".into() });
    assert_eq!(child(&root, "s").value, Shown::Scalar { type_name: "string", text: "\"hi\"".into() });
    assert_eq!(child(&root, "a").value, Shown::Table { entries: 1, has_metatable: false });
    assert_eq!(child(&root, "b").value, Shown::Link { to: "Memory.a".into() });
    assert_eq!(child(&root, "self").value, Shown::Link { to: "Memory".into() });
    assert_eq!(child(&root, "[\"a b\"]").path, "Memory[\"a b\"]");
    match &child(&root, "add").value {
        Shown::Function { params, vararg, defined, upvalues } => {
            assert_eq!(params, &["x", "y"]);
            assert!(*vararg);
            assert_eq!(defined, "main.lua:6");
            assert_eq!(upvalues, &["count"]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn limits_cut_large_and_deep_memory() {
    let limits = Limits { depth: 2, entries: 10, string_chars: 5 };
    let root = tree("for i = 1, 100 do Memory[i] = i end Memory.x, Memory.y = 1, 2", limits);
    assert_eq!(root.children.len(), 10);
    assert_eq!(root.hidden, 92);
    let deep = tree("Memory.deep = { { { 'x' } } }", limits);
    let level2 = &child(child(&deep, "deep"), "[1]");
    assert_eq!(level2.children.len(), 0);
    assert_eq!(level2.hidden, 1);
    let s = tree("Memory.long = string.rep('y', 1000)", limits);
    assert_eq!(child(&s, "long").value, Shown::Scalar { type_name: "string", text: "\"yyyyy\"... (1000 bytes)".into() });
}
