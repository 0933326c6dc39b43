//! Finalizers (`__gc`) of every kind. Their output during a run is that run's; when a VM
//! is dropped they run as its state closes, and nothing they do makes the host panic
//! (print used to be a Rust callback, which mlua refuses once the state is closing: the
//! process aborted natively and the module trapped in the browser). e2e/conformance.spec.ts
//! does the same in Chromium.

use std::time::Duration;

use moonkeep_engine::{Step, Vm};

/// One finalizer per library function a finalizer might call, plus some that fail,
/// yield, make new finalizers or hold on to Memory.
const EVERY_KIND: &str = r#"
local kinds = {
  function() print("print", 1, nil, {}) end,
  function() io.write("io.write ", 2, "\n") end,
  function() io.stdout:write("io.stdout:write\n"):flush() end,
  function() io.stderr:write("io.stderr:write\n") end,
  function() io.stdout:setvbuf("full") io.write("buffered") end,
  function() print(os.clock(), os.time(), os.date(), os.getenv("HOME")) end,
  function() print(load("return 1")(), load(function() return nil end)) end,
  function() print(string.dump(function() end) ~= nil, pcall(string.dump, print)) end,
  function() print(coroutine.wrap(function() coroutine.yield(1) end)()) end,
  function() print(pcall(coroutine.yield)) end,
  function() print(debug.traceback("in a finalizer")) end,
  function() print(pcall(require, "nothing")) end,
  function() print(pcall(io.open, "x")) end,
  function() collectgarbage() end,
  function() setmetatable({}, { __gc = function() print("born in a finalizer") end }) end,
  function() error("a finalizer that fails") end,
  function() error({}) end,
  function() local t = {} for i = 1, 1000 do t[i] = tostring(i) end end,
  function() Memory.touched = true end,
}
for _, f in ipairs(kinds) do setmetatable({}, { __gc = f }) end
-- The standard streams are finalized last, after their FILEs are closed.
getmetatable(io.stdout).__gc = function(f) print("a stream", io.type(f)) io.write("written") f:write("too") end
Memory.kept = setmetatable({}, { __gc = function() print("Memory's own") end })
"#;

#[test]
fn dropping_a_vm_with_pending_finalizers_of_every_kind_never_panics() {
    for _ in 0..3 {
        let vm = Vm::new().unwrap();
        assert_eq!(vm.eval(EVERY_KIND, "main.lua").result, Ok(Vec::new()));
        drop(vm);
    }
    let vm = Vm::new().unwrap();
    assert_eq!(vm.eval("return 1 + 1", "main.lua").transcript(), "=> 2\n");
}

#[test]
fn dropping_a_vm_in_the_middle_of_a_run_never_panics() {
    let vm = Vm::new().unwrap();
    let mut run = vm.start(&format!("{EVERY_KIND}\nwhile true do local _ = {{}} end"), "main.lua");
    assert!(matches!(vm.resume(&mut run, Some(Duration::from_millis(20))), Step::Paused));
    drop(run);
    drop(vm);
    // A VM made next (perhaps where the last one was) knows its coroutines from its run.
    for _ in 0..20 {
        let vm = Vm::new().unwrap();
        let coroutines = "local n = 0 for i = 1, 50 do n = n + coroutine.wrap(function() return coroutine.yield(i) end)() end return n";
        assert_eq!(vm.eval(coroutines, "main.lua").transcript(), "=> 1275\n");
    }
}

#[test]
fn what_a_finalizer_prints_during_a_run_is_that_runs_output() {
    let vm = Vm::new().unwrap();
    let source = r#"
        setmetatable({}, { __gc = function() print("collected") io.write("and written\n") end })
        collectgarbage()
        print("after")
    "#;
    assert_eq!(vm.eval(source, "main.lua").output, "collected\nand written\nafter\n");
    let later = r#"
        Memory.x = setmetatable({}, { __gc = function() print("collected in the next run") end })
    "#;
    assert_eq!(vm.eval(later, "main.lua").output, "");
    assert_eq!(vm.eval("Memory.x = nil collectgarbage()", "main.lua").output, "collected in the next run\n");
}
