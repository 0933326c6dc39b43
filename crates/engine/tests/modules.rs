//! `require` between scripts (`Vm::set_workspace`): found, cached in `package.loaded`
//! as Lua caches, loaded anew when its source changed or it is gone, errors naming the
//! module's chunk, Lua's "not found" message, circular requires as in stock Lua.

mod common;

use moonkeep_engine::{Module, Scripts, Vm, Workspace};

fn vm_with(scripts: &[(&str, &str)]) -> Vm {
    let vm = Vm::new().expect("a fresh vm");
    vm.set_workspace(Scripts::new(scripts.iter().copied()));
    vm
}

fn transcript(vm: &Vm, source: &str) -> String {
    vm.eval(source, "main.lua").transcript()
}

const GREETER: &str = "local name, extra = ...\nloads = (loads or 0) + 1\nreturn { hello = function() return 'hello from ' .. name .. ' (' .. extra .. ')' end }\n";

#[test]
fn require_finds_a_script_by_name_and_passes_name_and_extra_to_its_loader() {
    let vm = vm_with(&[("main", "return 1"), ("greeter", GREETER)]);
    // require's second value is the extra value, as for stock file modules.
    assert_eq!(
        transcript(&vm, "local g, extra = require('greeter') return g.hello(), extra"),
        "=> hello from greeter (greeter)\tgreeter\n"
    );
}

#[test]
fn a_script_named_with_lua_after_it_is_found_too_and_the_exact_name_wins() {
    let vm =
        vm_with(&[("util.lua", "return 'util.lua'"), ("other.lua", "return 'other.lua'"), ("other", "return 'other'")]);
    assert_eq!(transcript(&vm, "return (require 'util'), (require 'other')"), "=> util.lua\tother\n");
}

#[test]
fn a_module_is_loaded_once_and_cached_across_runs_while_its_source_stays() {
    let vm = vm_with(&[("greeter", GREETER)]);
    assert_eq!(transcript(&vm, "g = require 'greeter'; return rawequal(g, require 'greeter'), loads"), "=> true\t1\n");
    vm.set_workspace(Scripts::new([("greeter", GREETER), ("main", "-- edited")]));
    assert_eq!(transcript(&vm, "return rawequal(g, require 'greeter'), loads"), "=> true\t1\n");
    assert_eq!(transcript(&vm, "return package.loaded.greeter == g"), "=> true\n");
}

#[test]
fn a_changed_module_is_loaded_anew_by_the_next_run_that_requires_it() {
    let vm = vm_with(&[("config", "return { size = 1 }")]);
    assert_eq!(transcript(&vm, "old = require 'config'; return old.size"), "=> 1\n");
    vm.set_workspace(Scripts::new([("config", "return { size = 2 }")]));
    assert_eq!(transcript(&vm, "return require('config').size, old.size"), "=> 2\t1\n");
    assert_eq!(transcript(&vm, "return rawequal(require 'config', package.loaded.config)"), "=> true\n");
}

#[test]
fn a_removed_module_is_dropped_from_package_loaded() {
    let vm = vm_with(&[("gone", "return 'here'")]);
    assert_eq!(transcript(&vm, "return (require 'gone')"), "=> here\n");
    vm.set_workspace(Scripts::new([("main", "")]));
    assert_eq!(transcript(&vm, "return package.loaded.gone"), "=> nil\n");
    let error = vm.eval("return require 'gone'", "main.lua").result.unwrap_err();
    assert!(error.message.starts_with("main.lua:1: module 'gone' not found:"), "{}", error.message);
}

#[test]
fn modules_from_preload_or_set_by_hand_are_left_alone() {
    let vm = vm_with(&[]);
    assert_eq!(
        transcript(&vm, "package.preload.p = function() return 'p' end; package.loaded.q = 'q'; return (require 'p')"),
        "=> p\n"
    );
    vm.set_workspace(Scripts::new([("p", "return 'script p'")]));
    assert_eq!(transcript(&vm, "return (require 'p'), (require 'q')"), "=> p\tq\n");
}

#[test]
fn errors_inside_a_module_name_its_chunk_and_line() {
    let vm = vm_with(&[("broken", "local t = {}\n\nerror('broken on purpose')\n")]);
    let error = vm.eval("require 'broken'", "main.lua").result.unwrap_err();
    assert_eq!(error.message, "broken.lua:3: broken on purpose");
    let traceback = error.traceback.expect("a traceback");
    assert!(traceback.contains("broken.lua:3: in main chunk"), "{traceback}");
    assert!(traceback.contains("main.lua:1: in main chunk"), "{traceback}");
}

#[test]
fn a_syntax_error_in_a_module_is_worded_as_stock_require_words_it() {
    let vm = vm_with(&[("typo", "local x = = 1")]);
    let error = vm.eval("return pcall(require, 'typo')", "main.lua");
    assert_eq!(
        error.transcript(),
        "=> false\terror loading module 'typo' from script 'typo':\n\ttypo.lua:1: unexpected symbol near '='\n"
    );
}

#[test]
fn a_missing_module_lists_where_require_looked() {
    let vm = vm_with(&[("main", "")]);
    assert_eq!(
        transcript(&vm, "return pcall(require, 'nowhere')"),
        "=> false\tmodule 'nowhere' not found:\n\tno field package.preload['nowhere']\n\tno script 'nowhere' or 'nowhere.lua' among the tabs\n"
    );
}

#[test]
fn circular_requires_overflow_the_c_stack_as_in_stock_lua_and_the_vm_goes_on() {
    let vm = vm_with(&[("a", "require 'b'\nreturn {}"), ("b", "require 'a'\nreturn {}")]);
    let error = vm.eval("require 'a'", "main.lua").result.unwrap_err();
    assert!(error.message.contains("C stack overflow"), "{}", error.message);
    assert_eq!(transcript(&vm, "return 1 + 1"), "=> 2\n");
    // The usual way out works: a module that puts itself in package.loaded first.
    vm.set_workspace(Scripts::new([
        ("a", "local M = {}\npackage.loaded.a = M\nM.b = require 'b'\nreturn M"),
        ("b", "return { a = require 'a' }"),
    ]));
    assert_eq!(transcript(&vm, "local a = require 'a'; return rawequal(a.b.a, a)"), "=> true\n");
}

/// A workspace of files: dots in the name are directories, as stock Lua's `?.lua`.
struct Files(Vec<Module>);

impl Workspace for Files {
    fn modules(&mut self) -> Vec<Module> {
        self.0.clone()
    }
    fn searched(&self) -> String {
        "no file 'dir/?.lua'".to_owned()
    }
    fn dots_as_slashes(&self) -> bool {
        true
    }
}

#[test]
fn another_workspace_words_its_own_places_and_chunks() {
    let vm = Vm::new().unwrap();
    let module = Module {
        name: "lib.text".into(),
        chunk: "dir/lib/text.lua".into(),
        place: "file 'dir/lib/text.lua'".into(),
        extra: "dir/lib/text.lua".into(),
        source: b"return { where = debug.getinfo(1, 'S').source, extra = select(2, ...) }".to_vec(),
    };
    vm.set_workspace(Files(vec![module]));
    assert_eq!(
        transcript(&vm, "local t = require 'lib.text'; return t.where, t.extra"),
        "=> @dir/lib/text.lua\tdir/lib/text.lua\n"
    );
    assert_eq!(
        transcript(&vm, "return select(2, pcall(require, 'lib.other'))"),
        "=> module 'lib.other' not found:\n\tno field package.preload['lib.other']\n\tno file 'dir/lib/other.lua'\n"
    );
}

#[test]
fn a_module_table_kept_in_memory_is_saved_like_any_table() {
    let (vm, mut store) = common::fresh();
    vm.set_workspace(Scripts::new([(
        "counter",
        "local M = { n = 0 }\nfunction M.bump() M.n = M.n + 1 return M.n end\nreturn M",
    )]));
    assert_eq!(transcript(&vm, "Memory.counter = require 'counter'; return Memory.counter.bump()"), "=> 1\n");
    common::save(&vm, &mut store);
    let (fresh, report) = common::reopen(&store);
    assert!(report.problems.is_empty());
    assert_eq!(transcript(&fresh, "return Memory.counter.bump(), package.loaded.counter"), "=> 2\tnil\n");
}
