//! What the editor learns from the live VM: completion, hover, signature help, and
//! syntax diagnostics, all without running Lua code.

use std::time::Duration;

use moonkeep_engine::{check, Completions, ItemKind, Step, Vm};

fn vm(source: &str) -> Vm {
    let vm = Vm::new().unwrap();
    let run = vm.eval(source, "main.lua");
    assert!(run.result.is_ok(), "{:?}", run.result);
    vm
}

fn labels(c: &Completions) -> Vec<&str> {
    c.items.iter().map(|i| i.label.as_str()).collect()
}

fn value(vm: &Vm, expression: &str) -> String {
    vm.eval(&format!("return {expression}"), "check").result.unwrap().join("\t")
}

#[test]
fn fields_of_live_tables_with_types_and_previews() {
    let vm = vm("Memory.player = {hp = 1, inv = {}, name = 'x', [3] = true, ['a b'] = 0}");
    let text = "print(Memory.player.";
    let c = vm.complete(text);
    assert_eq!(c.from, text.len());
    assert_eq!(labels(&c), ["hp", "inv", "name"], "only keys that can follow a dot");
    let shown: Vec<(&str, &str)> = c.items.iter().map(|i| (i.type_name, i.detail.as_str())).collect();
    assert_eq!(shown, [("integer", "1"), ("table", "{}"), ("string", "\"x\"")]);
    assert!(c.items.iter().all(|i| i.kind == ItemKind::Field));

    let text = "x = Memory.player.n";
    let c = vm.complete(text);
    assert_eq!((c.from, labels(&c)), (text.len() - 1, vec!["name"]));
}

#[test]
fn indexed_paths_and_globals_lead_to_fields() {
    let vm = vm("Memory.jobs = {{n = 1}, ['x y'] = {done = false}}; config = {debug = true}");
    assert_eq!(labels(&vm.complete("Memory.jobs[1].")), ["n"]);
    assert_eq!(labels(&vm.complete("Memory['jobs'][\"x y\"].")), ["done"]);
    assert_eq!(labels(&vm.complete("config.")), ["debug"]);
    assert!(vm.complete("Memory.nothing.").items.is_empty());
    assert!(vm.complete("Memory.jobs[1].n.").items.is_empty(), "a number has no fields");
}

#[test]
fn words_are_keywords_locals_and_globals() {
    let vm = vm("printer = 1");
    let c = vm.complete("local alpha = 1\nfunction f(beta)\n  local gamma\nend\npr");
    assert_eq!(labels(&c), ["print", "printer"]);
    assert_eq!(c.items[0].kind, ItemKind::Global);
    assert_eq!(c.items[0].detail, "print", "standard values by name");
    assert_eq!(c.items[1].detail, "1");

    let c = vm.complete("local alpha = 1\nfunction f(beta)\n  local gamma\n  ");
    for (label, kind) in [("alpha", ItemKind::Local), ("beta", ItemKind::Local), ("gamma", ItemKind::Local)] {
        assert!(c.items.iter().any(|i| i.label == label && i.kind == kind), "{label} in {:?}", labels(&c));
    }
    let c = vm.complete("local alpha = 1\nfunction f(beta)\nend\n");
    assert!(!labels(&c).contains(&"beta"), "a parameter is out of scope after its function");
    assert!(labels(&vm.complete("fu")).contains(&"function"));
    assert!(vm.complete("local pr").items.is_empty(), "a new name is not completed");
}

#[test]
fn nothing_in_comments_strings_numbers_or_unknown_values() {
    let vm = vm("Memory.a = {b = 1}");
    for text in ["-- Memory.a.", "x = 'Memory.a.", "--[[ Memory.a.", "x = 3.", "f().", "local Memory = {}\nMemory.a."] {
        assert!(vm.complete(text).items.is_empty(), "{text}");
    }
    assert_eq!(labels(&vm.complete("-- note\nMemory.a.")), ["b"]);
}

#[test]
fn methods_of_strings_and_of_tables_through_index_tables() {
    let vm = vm("local Base = {}; Base.__index = Base\n\
         function Base:hello() end\n\
         local Class = setmetatable({}, Base); Class.__index = Class\n\
         function Class:move(dx, dy) end\n\
         Memory.obj = setmetatable({x = 1}, Class)\n\
         Memory.name = 'moon'");
    let c = vm.complete("(\"x\"):");
    for method in ["upper", "format", "rep", "sub"] {
        assert!(labels(&c).contains(&method), "{method} in {:?}", labels(&c));
    }
    assert!(c.items.iter().all(|i| i.kind == ItemKind::Method && i.type_name == "function"));
    assert_eq!(labels(&vm.complete("Memory.name:up")), ["upper"]);

    let c = vm.complete("Memory.obj:");
    assert_eq!(labels(&c), ["hello", "move"], "functions only, along the __index chain");
    assert_eq!(c.items[1].detail, "function(self, dx, dy)");
    assert_eq!(labels(&vm.complete("Memory.obj.")), ["__index", "hello", "move", "x"]);
}

#[test]
fn huge_tables_are_read_within_bounds() {
    let vm = vm("local big = {}; for i = 1, 100000 do big['k' .. i] = i end; Memory.big = big");
    let c = vm.complete("Memory.big.");
    assert!(!c.items.is_empty() && c.items.len() <= 200, "{}", c.items.len());
    // The typed name is looked up directly, wherever it sits in the table.
    for key in ["k1", "k50000", "k100000"] {
        let c = vm.complete(&format!("Memory.big.{key}"));
        assert!(labels(&c).contains(&key), "{key}");
    }
    let hover = vm.hover("Memory.big", 8).unwrap();
    assert_eq!(hover.size.as_deref(), Some("more than 1000 entries"));
}

#[test]
fn no_lua_code_runs_no_metamethod_and_no_finalizer() {
    // The collector steps at every allocation (incremental, pause 0), so anything the
    // reads allocated would let the pending finalizers run.
    let vm = vm("calls, armed = 0, false\n\
         collectgarbage('incremental', 0)\n\
         local meta = {__index = function() calls = calls + 1 end, __pairs = function() calls = calls + 100 end,\n\
                       __len = function() calls = calls + 1000 end, __call = function() calls = calls + 1 end}\n\
         Memory.p = setmetatable({f = function(a) end}, meta)\n\
         for i = 1, 2000 do setmetatable({}, {__gc = function() if armed then calls = calls + 10000 end end}) end");
    // Finalizers count only while this run is paused in a loop that allocates nothing.
    let mut run =
        vm.start("armed = true; local t = os.clock(); while os.clock() - t < 0.1 do end; armed = false", "main.lua");
    assert!(matches!(vm.resume(&mut run, Some(Duration::from_millis(5))), Step::Paused));
    for _ in 0..50 {
        vm.complete("Memory.p.");
        vm.complete("Memory.p.missing.");
        vm.complete("Memory.p:");
        vm.complete("Memory.p.missing:");
        vm.hover("Memory.p.missing", 10);
        vm.hover("Memory.p", 8);
        vm.signature("Memory.p.missing(", 17);
        vm.signature("Memory.p(", 9);
    }
    let Step::Finished(done) = vm.resume(&mut run, None) else { panic!("the run ends") };
    assert!(done.result.is_ok(), "{:?}", done.result);
    assert_eq!(value(&vm, "calls"), "0");
    assert_eq!(value(&vm, "collectgarbage('isrunning')"), "true", "the collector runs again");
    let stopped = self::vm("collectgarbage('stop')");
    stopped.complete("Memory.");
    assert_eq!(value(&stopped, "collectgarbage('isrunning')"), "false", "a stopped collector stays stopped");
}

#[test]
fn a_paused_run_can_be_read() {
    let vm = Vm::new().unwrap();
    let mut run = vm.start("Memory.count = 0; while true do Memory.count = Memory.count + 1 end", "main.lua");
    assert!(matches!(vm.resume(&mut run, Some(Duration::from_millis(5))), Step::Paused));
    let c = vm.complete("Memory.");
    assert_eq!(labels(&c), ["count"]);
    assert_eq!(c.items[0].type_name, "integer");
    assert!(matches!(vm.resume(&mut run, Some(Duration::from_millis(5))), Step::Paused));
    vm.interrupt_flag().store(true, std::sync::atomic::Ordering::SeqCst);
    let Step::Finished(done) = vm.resume(&mut run, None) else { panic!("interrupted") };
    assert!(done.result.is_err());
}

#[test]
fn hover_shows_values_and_where_functions_were_defined() {
    let vm = vm("Memory.player = {hp = 1, name = 'moon'}\n\
         function Memory.greet(name, greeting)\n  return greeting .. name\nend");
    let text = "print(Memory.player.hp + 1)";
    let hp = text.find("hp").unwrap();
    let h = vm.hover(text, hp + 1).unwrap();
    assert_eq!((h.from, h.to, h.path.as_str()), (hp, hp + 2, "Memory.player.hp"));
    assert_eq!((h.type_name, h.preview.as_str(), h.size), ("integer", "1", None));

    let h = vm.hover(text, text.find("player").unwrap()).unwrap();
    assert_eq!((h.path.as_str(), h.type_name), ("Memory.player", "table"));
    assert_eq!((h.preview.as_str(), h.size.as_deref()), ("{hp = 1, name = \"moon\"}", Some("2 entries")));

    let h = vm.hover("Memory.greet('x')", 8).unwrap();
    assert_eq!(h.preview, "function(name, greeting)");
    assert_eq!(h.defined.as_deref(), Some("main.lua:2"));
    assert_eq!(vm.hover("Memory.player.name", 15).unwrap().size.as_deref(), Some("4 bytes"));
    assert_eq!(vm.hover("local Memory = 1; print(Memory)", 26), None, "a local's value is not known");
    assert_eq!(vm.hover("Memory.missing", 9), None);

    let vm = self::vm("local C = {}; C.__index = C; function C:move(dx) end; Memory.obj = setmetatable({}, C)");
    let h = vm.hover("Memory.obj:move(1)", 12).unwrap();
    assert_eq!((h.path.as_str(), h.preview.as_str()), ("Memory.obj:move", "function(self, dx)"));
}

#[test]
fn signature_of_the_call_under_the_cursor() {
    let vm = vm("function Memory.add(a, b, ...) end\n\
         local C = {}; C.__index = C; function C:move(dx, dy) end\n\
         Memory.obj = setmetatable({}, C)");
    let text = "x = Memory.add(1, {2, 3}, ";
    let s = vm.signature(text, text.len()).unwrap();
    assert_eq!((s.name.as_str(), s.params.join(","), s.vararg, s.active), ("Memory.add", "a,b".into(), true, 2));
    let s = vm.signature("Memory.add(f(1, 2)", 18).unwrap();
    assert_eq!((s.name.as_str(), s.active), ("Memory.add", 0), "after a closed inner call");
    assert_eq!(vm.signature("Memory.add(f(1, 2)", 16), None, "inside f's call, and f is not known");
    let s = vm.signature("Memory.obj:move(1, ", 19).unwrap();
    assert_eq!((s.name.as_str(), s.params.join(","), s.active), ("Memory.obj:move", "dx,dy".into(), 1));
    assert_eq!(vm.signature("print(", 6), None, "a C function has no parameter names");
    assert_eq!(vm.signature("Memory.add(1) ", 14), None, "the call is closed");
}

#[test]
fn check_reports_syntax_errors_where_lua_finds_them() {
    assert_eq!(check("Memory.x = 1\nreturn Memory.x", "main.lua"), None);
    assert_eq!(check("1 + 2", "main.lua"), None, "an expression alone runs as one");
    let d = check("local x = 1\nx = = 2", "main.lua").unwrap();
    assert_eq!(d.line, 2);
    assert_eq!(d.message, "main.lua:2: unexpected symbol near '='");
    let d = check("function f()\n  return 1\n", "notes.lua").unwrap();
    assert_eq!(
        (d.line, d.message.as_str()),
        (3, "notes.lua:3: 'end' expected (to close 'function' at line 1) near <eof>")
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// Any text, any offset (inside a character or past the end): answers or nothing,
    /// never a panic.
    #[test]
    fn no_text_makes_the_assistant_panic(text in "[a-zA-Z0-9_ .:,=(){}\\[\\]\"'\\\\\n-]{0,24}|.{0,12}") {
        thread_local! {
            static VM: Vm = vm("Memory.p = setmetatable({x = {y = 1}}, {__index = {m = function(a) end}})");
        }
        VM.with(|vm| {
            vm.complete(&text);
            for offset in 0..=text.len() + 1 {
                vm.hover(&text, offset);
                vm.signature(&text, offset);
            }
        });
        check(&text, "main.lua");
    }
}
