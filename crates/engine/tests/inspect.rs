//! The Memory tree the inspector and `moonkeep inspect` show: the cut tree, the
//! inspector's rows (expansion, links, filter), and deleting an entry.

use std::collections::BTreeSet;

use moonkeep_engine::{DeleteError, Limits, MemoryStore, Node, Place, Row, Shown, Size, Store, Upvalue, Vm};

fn vm(source: &str) -> Vm {
    let vm = Vm::new().unwrap();
    let run = vm.eval(source, "main.lua");
    assert!(run.result.is_ok(), "{:?}", run.result);
    vm
}

fn tree(source: &str, limits: Limits) -> Node {
    vm(source).memory_tree(limits)
}

fn child<'a>(node: &'a Node, key: &str) -> &'a Node {
    node.children.iter().find(|c| c.key == key).unwrap_or_else(|| panic!("no {key} in {:?}", node.children))
}

fn expanded(paths: &[&str]) -> BTreeSet<String> {
    paths.iter().map(|p| p.to_string()).collect()
}

fn row<'a>(rows: &'a [Row], path: &str) -> &'a Row {
    rows.iter().find(|r| r.path == path).unwrap_or_else(|| panic!("no {path} in {:#?}", paths(rows)))
}

fn paths(rows: &[Row]) -> Vec<&str> {
    rows.iter().map(|r| r.path.as_str()).collect()
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
    assert_eq!(child(&root, "s").value, Shown::String { text: "\"hi\"".into(), bytes: 2 });
    assert_eq!(child(&root, "a").value, Shown::Table { entries: 1, has_metatable: false, preview: "{1}".into() });
    assert_eq!(child(&root, "b").value, Shown::Link { type_name: "table", to: "Memory.a".into() });
    assert_eq!(child(&root, "self").value, Shown::Link { type_name: "table", to: "Memory".into() });
    assert_eq!(child(&root, "[\"a b\"]").path, "Memory[\"a b\"]");
    assert_eq!(child(&root, "[\"a b\"]").value, Shown::Std { type_name: "function", name: "print".into() });
    match &child(&root, "add").value {
        Shown::Function { params, vararg, defined, upvalues } => {
            assert_eq!(params, &["x", "y"]);
            assert!(*vararg);
            assert_eq!(defined, "main.lua:6");
            assert_eq!(upvalues, &[Upvalue { name: "count".into(), value: "0".into() }]);
        }
        other => panic!("{other:?}"),
    }
    let count = child(child(&root, "add"), "count");
    assert_eq!((count.place, count.path.as_str()), (Place::Upvalue, "Memory.add (upvalue 'count')"));
}

#[test]
fn upvalues_show_their_values() {
    let root = tree(
        "local name, cache, n = 'moon', { hits = 1 }, 2.5\n\
         local function helper(a) return a end\n\
         Memory.f = function() return name, cache, n, helper, print end",
        Limits::default(),
    );
    let Shown::Function { upvalues, .. } = &child(&root, "f").value else { panic!() };
    let shown: Vec<(&str, &str)> = upvalues.iter().map(|u| (u.name.as_str(), u.value.as_str())).collect();
    assert_eq!(
        shown,
        [("name", "\"moon\""), ("cache", "{hits = 1}"), ("n", "2.5"), ("helper", "function(a)"), ("_ENV", "_G")]
    );
    // A table held only by an upvalue has its place there.
    let cache = child(child(&root, "f"), "cache");
    assert_eq!(cache.path, "Memory.f (upvalue 'cache')");
    assert_eq!(child(cache, "hits").path, "Memory.f (upvalue 'cache').hits");
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
    assert_eq!(child(&s, "long").value, Shown::String { text: "\"yyyyy\"…".into(), bytes: 1000 });
    assert_eq!(child(&s, "long").value.size(), Some(Size::Bytes(1000)));
}

#[test]
fn rows_show_what_is_expanded() {
    let vm = vm("Memory.list = { 10, 20, { deep = true } }\n\
                 Memory.name = 'moon'\n\
                 Memory.pt = setmetatable({ x = 1 }, { __index = { y = 2 } })");
    let collapsed = vm.memory_rows(&BTreeSet::new(), "");
    assert_eq!(paths(&collapsed), ["Memory"]);
    assert!(collapsed[0].expandable && !collapsed[0].expanded);
    assert_eq!(collapsed[0].value.size(), Some(Size::Entries(3)));

    let rows = vm.memory_rows(&expanded(&["Memory", "Memory.list"]), "");
    assert_eq!(
        paths(&rows),
        ["Memory", "Memory.list", "Memory.list[1]", "Memory.list[2]", "Memory.list[3]", "Memory.name", "Memory.pt"]
    );
    assert_eq!(rows.iter().map(|r| r.depth).collect::<Vec<_>>(), [0, 1, 2, 2, 2, 1, 1]);
    let list = row(&rows, "Memory.list");
    assert!(list.expandable && list.expanded);
    assert_eq!(list.key, "list");
    assert_eq!(list.value.preview(), "{10, 20, {…}}");
    assert_eq!(list.value.size(), Some(Size::Entries(3)));
    let name = row(&rows, "Memory.name");
    assert_eq!(
        (name.value.type_name(), name.value.preview().as_str(), name.value.size()),
        ("string", "\"moon\"", Some(Size::Bytes(4)))
    );
    assert!(!name.expandable);
    let third = row(&rows, "Memory.list[3]");
    assert!(third.expandable && !third.expanded);

    // A metatable is a child of its table, before the entries.
    let rows = vm.memory_rows(&expanded(&["Memory", "Memory.pt", "getmetatable(Memory.pt)"]), "");
    let below: Vec<&str> = paths(&rows).into_iter().skip_while(|p| *p != "Memory.pt").collect();
    assert_eq!(below, ["Memory.pt", "getmetatable(Memory.pt)", "getmetatable(Memory.pt).__index", "Memory.pt.x"]);
    assert_eq!(row(&rows, "getmetatable(Memory.pt)").place, Place::Metatable);
    assert!(row(&rows, "getmetatable(Memory.pt)").entry.is_none());
}

#[test]
fn shared_references_and_cycles_are_links_to_their_first_path() {
    let vm = vm("local node = { name = 'n' }\n\
                 node.self = node\n\
                 Memory.z = { inner = node }\n\
                 Memory.a = { b = { c = node } }\n\
                 Memory.loop = Memory");
    // Breadth first: Memory.z.inner is nearer than Memory.a.b.c, whatever is expanded.
    for open in [&["Memory", "Memory.a", "Memory.a.b"][..], &["Memory", "Memory.a", "Memory.a.b", "Memory.z"]] {
        let rows = vm.memory_rows(&expanded(open), "");
        let c = row(&rows, "Memory.a.b.c");
        assert_eq!(c.value, Shown::Link { type_name: "table", to: "Memory.z.inner".into() });
        assert_eq!(c.reveal, ["Memory", "Memory.z"]);
        assert!(!c.expandable);
        assert_eq!(row(&rows, "Memory.loop").value, Shown::Link { type_name: "table", to: "Memory".into() });
        assert!(row(&rows, "Memory.loop").reveal.is_empty());
    }
    let rows = vm.memory_rows(&expanded(&["Memory", "Memory.z", "Memory.z.inner"]), "");
    let inner = row(&rows, "Memory.z.inner");
    assert!(inner.expandable && inner.expanded);
    assert_eq!(
        row(&rows, "Memory.z.inner.self").value,
        Shown::Link { type_name: "table", to: "Memory.z.inner".into() }
    );
    assert_eq!(row(&rows, "Memory.z.inner.self").reveal, ["Memory", "Memory.z"]);
}

#[test]
fn function_rows_have_params_place_and_upvalue_values() {
    let vm = vm("local hits, seen = 0, { 'a' }\nMemory.hit = function(page, ...)\n  hits = hits + 1 seen[#seen + 1] = page\nend\nMemory.seen = seen");
    let rows = vm.memory_rows(&expanded(&["Memory", "Memory.hit"]), "");
    let hit = row(&rows, "Memory.hit");
    assert_eq!(
        hit.value,
        Shown::Function {
            params: vec!["page".into()],
            vararg: true,
            defined: "main.lua:2".into(),
            upvalues: vec![
                Upvalue { name: "hits".into(), value: "0".into() },
                Upvalue { name: "seen".into(), value: "{\"a\"}".into() }
            ],
        }
    );
    assert_eq!(hit.value.preview(), "function(page, ...)");
    assert!(hit.expandable && hit.expanded);
    let hits = row(&rows, "Memory.hit (upvalue 'hits')");
    assert_eq!((hits.place, hits.depth, hits.key.as_str()), (Place::Upvalue, 2, "hits"));
    assert!(hits.entry.is_none(), "an upvalue is not a table entry");
    // The table is nearer as Memory.seen than through the function's upvalue.
    assert_eq!(
        row(&rows, "Memory.hit (upvalue 'seen')").value,
        Shown::Link { type_name: "table", to: "Memory.seen".into() }
    );
}

#[test]
fn the_filter_keeps_matches_and_the_rows_leading_to_them() {
    let vm = vm("Memory.config = { theme = 'dark', size = 12, nested = { deeper = { themed = true } } }\n\
                 Memory.other = { x = 1 }\n\
                 Memory.title = 'Dark Moon'\n\
                 Memory.zlink = Memory.config");
    let rows = vm.memory_rows(&BTreeSet::new(), "THEME");
    assert_eq!(
        paths(&rows),
        [
            "Memory",
            "Memory.config",
            "Memory.config.nested",
            "Memory.config.nested.deeper",
            "Memory.config.nested.deeper.themed",
            "Memory.config.theme"
        ]
    );
    assert!(row(&rows, "Memory.config").expanded && !row(&rows, "Memory.config").matched);
    assert!(row(&rows, "Memory.config.theme").matched);
    // Values match too; links are not followed (Memory.zlink is the same table).
    let rows = vm.memory_rows(&BTreeSet::new(), "dark");
    assert_eq!(paths(&rows), ["Memory", "Memory.config", "Memory.config.theme", "Memory.title"]);
    assert_eq!(paths(&vm.memory_rows(&BTreeSet::new(), "nothing like it")), ["Memory"]);
    // A blank filter is no filter.
    assert_eq!(paths(&vm.memory_rows(&expanded(&["Memory"]), "  ")).len(), 5);
}

#[test]
fn the_filter_ignores_the_case_of_ascii_letters_only() {
    let vm = vm("Memory.cafe = 'CAFÉ au lait'\nMemory['été'] = 1\nMemory.other = 2");
    let found = |filter| -> Vec<String> {
        paths(&vm.memory_rows(&BTreeSet::new(), filter)).into_iter().map(String::from).collect()
    };
    assert_eq!(found("café"), ["Memory"], "É and é are different characters to the filter");
    assert_eq!(found("cAFÉ AU"), ["Memory", "Memory.cafe"]);
    assert_eq!(found("ÉTÉ"), ["Memory"]);
    assert_eq!(found("été"), ["Memory", "Memory[\"été\"]"]);
}

#[test]
fn delete_removes_exactly_the_entry_and_a_save_point_records_it() {
    let vm = vm("Memory[0.1] = 'float key'\n\
                 Memory[0.1 + 0.2] = 'not 0.3'\n\
                 Memory[0.3] = 'is 0.3'\n\
                 Memory.t = { ['a.b'] = 1, [true] = 2 }\n\
                 local k = {}\n\
                 Memory.objects = { [k] = 'by table', other = 3 }");
    let mut store = MemoryStore::default();
    let point = vm.save_point();
    store.commit(&point.changes).unwrap();
    vm.committed(&point);

    let all = expanded(&["Memory", "Memory.t", "Memory.objects"]);
    let rows = vm.memory_rows(&all, "");
    // 0.1 + 0.2 and 0.3 both read [0.3]: the rows still tell them apart.
    let float_rows: Vec<&Row> = rows.iter().filter(|r| r.key == "[0.3]").collect();
    assert_eq!(float_rows.len(), 2);
    let not_03 = float_rows.iter().find(|r| r.value.preview() == "\"not 0.3\"").unwrap();
    vm.delete_row(not_03).unwrap();
    let table_key = rows.iter().find(|r| r.path.starts_with("Memory.objects[table: ")).unwrap();
    vm.delete_row(table_key).unwrap();
    let dotted = row(&rows, "Memory.t[\"a.b\"]");
    vm.delete_row(dotted).unwrap();
    let check = "local n = 0 for _ in pairs(Memory.objects) do n = n + 1 end \
                 return Memory[0.1 + 0.2], Memory[0.3], Memory[0.1], Memory.t['a.b'], Memory.t[true], n";
    assert_eq!(vm.eval(check, "check").result.unwrap(), ["nil", "is 0.3", "float key", "nil", "2", "1"]);

    // Deleting again: the entry is gone.
    assert_eq!(vm.delete_row(dotted).err(), Some(DeleteError::Gone("Memory.t[\"a.b\"]".into())));

    // The save point writes the deletion; a new VM restored from the store agrees.
    let point = vm.save_point();
    assert!(!point.is_empty());
    store.commit(&point.changes).unwrap();
    let restored = Vm::new().unwrap();
    restored.restore(store.load().unwrap(), [7; 32]).unwrap();
    assert_eq!(restored.eval(check, "check").result.unwrap(), ["nil", "is 0.3", "float key", "nil", "2", "1"]);
}

#[test]
fn delete_reaches_through_upvalues_and_metatables_and_undo_puts_it_back() {
    let vm = vm("local cache = { a = 1, b = 2 }\n\
                 Memory.get = function(k) return cache[k] end\n\
                 Memory.obj = setmetatable({}, { __index = { greet = 'hi' }, __newindex = function() error('no') end })");
    let rows = vm.memory_rows(
        &expanded(&[
            "Memory",
            "Memory.get",
            "Memory.get (upvalue 'cache')",
            "Memory.obj",
            "getmetatable(Memory.obj)",
            "getmetatable(Memory.obj).__index",
        ]),
        "",
    );
    let upvalue = row(&rows, "Memory.get (upvalue 'cache')");
    assert_eq!(vm.delete_row(upvalue).err(), Some(DeleteError::NotAnEntry("Memory.get (upvalue 'cache')".into())));
    let a = row(&rows, "Memory.get (upvalue 'cache').a");
    let deleted = vm.delete_row(a).unwrap();
    assert_eq!(deleted.path(), "Memory.get (upvalue 'cache').a");
    assert_eq!(vm.eval("return Memory.get('a'), Memory.get('b')", "check").result.unwrap(), ["nil", "2"]);
    vm.undo_delete(deleted).unwrap();
    assert_eq!(vm.eval("return Memory.get('a')", "check").result.unwrap(), ["1"]);

    let greet = row(&rows, "getmetatable(Memory.obj).__index.greet");
    let deleted = vm.delete_row(greet).unwrap();
    assert_eq!(vm.eval("return Memory.obj.greet", "check").result.unwrap(), ["nil"]);
    // Undo does not overwrite a value set since.
    vm.eval("getmetatable(Memory.obj).__index.greet = 'hello'", "again");
    assert_eq!(
        vm.undo_delete(deleted).err(),
        Some(DeleteError::Replaced("getmetatable(Memory.obj).__index.greet".into()))
    );
    assert_eq!(vm.eval("return Memory.obj.greet", "check").result.unwrap(), ["hello"]);
}

#[test]
fn a_hundred_thousand_entries_and_a_deep_chain() {
    let big = vm("for i = 1, 100000 do Memory[i] = i end");
    let rows = big.memory_rows(&expanded(&["Memory"]), "");
    assert_eq!(rows.len(), 100_001);
    assert_eq!(rows[0].value.size(), Some(Size::Entries(100_000)));
    assert_eq!(rows[0].value.preview().chars().last(), Some('}'));
    assert!(rows[0].value.preview().ends_with(", …}"));
    let last = rows.last().unwrap();
    assert_eq!(
        (last.key.as_str(), last.path.as_str(), last.value.preview().as_str()),
        ("[100000]", "Memory[100000]", "100000")
    );
    let filtered = big.memory_rows(&BTreeSet::new(), "99999");
    assert_eq!(paths(&filtered), ["Memory", "Memory[99999]"]);

    // Nesting as deep as Memory is big: no recursion to overflow. A filter searches
    // 64 levels deep; deeper rows are found by expanding.
    let chain = |depth: usize| {
        vm(&format!("local t = Memory for i = 1, {depth} do t.next = {{}} t = t.next end t.bottom = 'here'"))
    };
    let rows = chain(60).memory_rows(&BTreeSet::new(), "bottom");
    assert_eq!(rows.len(), 62);
    assert_eq!(rows.last().unwrap().depth, 61);
    assert_eq!(paths(&chain(20_000).memory_rows(&BTreeSet::new(), "bottom")), ["Memory"]);
    let deep = chain(20_000);
    let mut open = expanded(&["Memory"]);
    let mut path = "Memory".to_owned();
    for _ in 0..20_000 {
        path.push_str(".next");
        open.insert(path.clone());
    }
    // Expanding the first 100 levels shows 100 more rows.
    let first: BTreeSet<String> = open.iter().filter(|p| p.len() <= "Memory".len() + 100 * 5).cloned().collect();
    assert_eq!(deep.memory_rows(&first, "").len(), 1 + 100 + 1);
}

#[test]
fn inspecting_runs_none_of_the_scripts_code() {
    let vm = vm("local trap = function() error('the inspector ran a metamethod') end\n\
                 local mt = { __index = trap, __newindex = trap, __pairs = trap, __len = trap, __tostring = trap, __name = 'Trap' }\n\
                 Memory.t = setmetatable({ 1, x = 2 }, mt)\n\
                 setmetatable(Memory, mt)");
    let rows = vm.memory_rows(&expanded(&["Memory", "Memory.t"]), "");
    assert_eq!(
        paths(&rows),
        ["Memory", "getmetatable(Memory)", "Memory.t", "getmetatable(Memory.t)", "Memory.t[1]", "Memory.t.x"]
    );
    assert_eq!(
        row(&rows, "getmetatable(Memory.t)").value,
        Shown::Link { type_name: "table", to: "getmetatable(Memory)".into() }
    );
    vm.delete_row(row(&rows, "Memory.t.x")).unwrap();
    assert_eq!(vm.eval("return rawget(Memory.t, 'x')", "check").result.unwrap(), ["nil"]);
    // Memory that is not a table is one row.
    let scalar = self::vm("Memory = 42");
    let rows = scalar.memory_rows(&expanded(&["Memory"]), "");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].value, Shown::Scalar { type_name: "integer", text: "42".into() });
}
