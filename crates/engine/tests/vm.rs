//! The Vm's own contract: REPL semantics, errors with location and traceback, output
//! per run, and a VM that keeps going after anything a script does.

use moonkeep_engine::{ErrorKind, Location, Vm, OUTPUT_LIMIT};

fn vm() -> Vm {
    Vm::new().expect("a fresh vm")
}

#[test]
fn runtime_errors_name_chunk_line_and_traceback() {
    let vm = vm();
    let src = "local function inner()\n  error('boom')\nend\nlocal function outer() inner() end\nouter()";
    let err = vm.eval(src, "main.lua").result.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Runtime);
    assert_eq!(err.message, "main.lua:2: boom");
    assert_eq!(err.location, Some(Location { chunk: "main.lua".into(), line: 2 }));
    // As stock `lua` shows it: the main chunk is called from C.
    assert_eq!(
        err.traceback.expect("a traceback"),
        "\t[C]: in function 'error'\n\tmain.lua:2: in upvalue 'inner'\n\tmain.lua:4: in local 'outer'\n\tmain.lua:5: in main chunk\n\t[C]: in ?"
    );
}

#[test]
fn syntax_errors_say_whether_more_input_would_help() {
    let vm = vm();
    let err = vm.eval("function f(\n", "repl").result.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Syntax { incomplete: true });
    let err = vm.eval("x = = 1", "repl").result.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Syntax { incomplete: false });
    assert_eq!(err.location, Some(Location { chunk: "repl".into(), line: 1 }));
}

#[test]
fn state_survives_errors_between_evaluations() {
    let vm = vm();
    assert!(vm.eval("counter = 41", "a").result.is_ok());
    assert!(vm.eval("error('in between')", "b").result.is_err());
    assert!(vm.eval("local function f() return f() + 1 end f()", "c").result.is_err());
    assert_eq!(vm.eval("counter + 1", "d").result.unwrap(), vec!["42"]);
}

#[test]
fn output_belongs_to_its_own_run() {
    let vm = vm();
    let first = vm.eval("print('one') error('stop')", "a");
    assert_eq!(first.output, "one\n");
    assert!(first.result.is_err());
    let second = vm.eval("io.write('two') local quiet = 1", "b");
    assert_eq!(second.output, "two");
    assert_eq!(second.result.unwrap(), Vec::<String>::new());
}

#[test]
fn a_print_flood_is_cut_at_the_limit() {
    let vm = vm();
    let run = vm.eval("for i = 1, 200000 do print(string.rep('x', 99)) end return 'finished'", "flood");
    assert_eq!(run.result.unwrap(), vec!["finished"]);
    assert!(run.output.len() < OUTPUT_LIMIT + 100);
    assert!(run.output.ends_with(&format!("[output cut: {} more bytes not shown]\n", 200000 * 100 - OUTPUT_LIMIT)));
}

#[test]
fn values_render_even_when_globals_are_replaced() {
    let vm = vm();
    vm.eval("tostring = nil print = function() end string = nil", "vandal");
    let run = vm.eval("return 1.0, {a = {1}}, 2^63", "after");
    assert_eq!(run.result.unwrap(), vec!["1.0", "{a = {1}}", "9.2233720368548e+18"]);
}

#[test]
fn tostring_errors_in_returned_values_are_shown_not_raised() {
    let vm = vm();
    let run = vm.eval("return setmetatable({}, {__tostring = function() error('nope') end})", "t");
    let shown = run.result.unwrap();
    assert!(shown[0].starts_with("<table whose __tostring failed: "), "{shown:?}");
}

#[test]
fn big_tables_are_shown_bounded() {
    let vm = vm();
    let run = vm.eval("local t = {} for i = 1, 10000 do t[i] = i end t.x = 1 return t", "big");
    let shown = &run.result.unwrap()[0];
    assert!(shown.contains("... 9901 more"), "{}", &shown[shown.len() - 40..]);
    let deep = vm.eval("return {{{{{{{}}}}}}}", "deep").result.unwrap();
    assert_eq!(deep, vec!["{{{{{...}}}}}"]);
}

#[test]
fn binary_source_is_never_run_directly() {
    let vm = vm();
    let err = vm.eval("\x1bLua\x54\x00garbage", "bin").result.unwrap_err();
    assert!(matches!(err.kind, ErrorKind::Syntax { .. }), "{err:?}");
}

#[test]
fn a_vm_reports_its_memory() {
    let vm = vm();
    assert!(vm.used_memory() < 1_000_000);
    vm.eval("big = string.rep('x', 1000000)", "m");
    assert!(vm.used_memory() >= 1_000_000);
}

#[test]
fn returned_values_come_with_trees_to_unfold() {
    use moonkeep_engine::Shown;
    let vm = vm();
    let run = vm.eval("return {a = {1, 2}}, function(x, y) return x end, 'text'", "main.lua");
    assert_eq!(run.values.len(), 3);
    let table = &run.values[0];
    assert_eq!(table.path, "(1)");
    assert!(matches!(table.value, Shown::Table { entries: 1, has_metatable: false, .. }), "{:?}", table.value);
    assert_eq!(table.children[0].path, "(1).a");
    assert_eq!(table.children[0].children.len(), 2);
    match &run.values[1].value {
        Shown::Function { params, defined, .. } => {
            assert_eq!(params, &["x", "y"]);
            assert_eq!(defined, "main.lua:1");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(run.values[2].value, Shown::String { text: "\"text\"".into(), bytes: 4 });
    assert!(vm.eval("error('x')", "main.lua").values.is_empty());
}

#[test]
fn a_repl_can_ask_whether_input_is_unfinished() {
    let vm = vm();
    assert!(vm.is_incomplete("function f(x)"));
    assert!(vm.is_incomplete("t = {1, 2,"));
    assert!(vm.is_incomplete("s = [[long"));
    assert!(!vm.is_incomplete("function f(x) end"));
    assert!(!vm.is_incomplete("x = = 1"));
    assert!(!vm.is_incomplete("1 + 1"));
}

/// The bytecode seal remembers nothing per dump: 30,000 dumps of distinct functions
/// (about 4 MB of bytecode) leave the VM's memory where it was once collected. (A
/// table of every dumped string kept each distinct one for the life of the VM.)
#[test]
fn dumped_bytecode_is_not_kept_alive_by_the_seal() {
    let vm = vm();
    let grew = vm
        .eval(
            r#"collectgarbage() collectgarbage()
            local before = collectgarbage("count")
            local bytes = 0
            for i = 1, 30000 do
              local f = load("local a, b = ... return a + b + " .. i .. ", 'constant " .. i .. "'")
              local d = string.dump(f, i % 2 == 0)
              bytes = bytes + #d
              assert(load(d, "=f", "b")(1, 2) == 3 + i)
            end
            collectgarbage() collectgarbage()
            assert(bytes > 3000000, bytes)
            return collectgarbage("count") - before"#,
            "dumps",
        )
        .result
        .unwrap();
    let kib: f64 = grew[0].parse().unwrap();
    assert!(kib < 256.0, "memory grew by {kib} KiB after 30,000 dumps");
}
