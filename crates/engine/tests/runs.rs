//! Runs that take long: slices that pause and resume, the time budget, interrupts,
//! and a VM that stays usable (globals and Memory intact) after a run was stopped.

use std::sync::atomic::Ordering;
use std::thread;
use std::time::{Duration, Instant};

use moonkeep_engine::{ErrorKind, Evaluation, Location, Step, Vm};

fn vm() -> Vm {
    Vm::new().expect("a fresh vm")
}

/// Runs to the end in slices of `slice`; returns the evaluation and how many pauses.
fn in_slices(vm: &Vm, source: &str, slice: Duration) -> (Evaluation, usize) {
    let mut run = vm.start(source, "main.lua");
    let mut pauses = 0;
    loop {
        match vm.resume(&mut run, Some(slice)) {
            Step::Paused => pauses += 1,
            Step::Finished(evaluation) => return (evaluation, pauses),
        }
    }
}

fn with_budget(budget_ms: u64) -> Vm {
    let vm = vm();
    vm.set_time_budget(Some(Duration::from_millis(budget_ms)));
    vm
}

#[test]
fn a_long_run_pauses_between_slices_and_finishes_with_its_result() {
    let vm = vm();
    let src = "local n = 0 for i = 1, 3e7 do n = n + i % 7 end return n";
    let (whole, _) = in_slices(&vm, src, Duration::from_secs(3600));
    let (sliced, pauses) = in_slices(&vm, src, Duration::from_millis(2));
    assert_eq!(sliced.result, whole.result);
    assert!(pauses >= 5, "only {pauses} pauses");
}

#[test]
fn every_kind_of_loop_and_plain_recursion_can_pause() {
    let vm = vm();
    let loops = [
        "local i = 0 while i < 5e6 do i = i + 1 end return i",
        "local i = 0 repeat i = i + 1 until i >= 5e6 return i",
        "local i = 0 ::top:: i = i + 1 if i < 5e6 then goto top end return i",
        "local t = {} for i = 1, 2e5 do t[i] = i end local s = 0 for _ = 1, 20 do for _, v in ipairs(t) do s = s + 1 end end return s * 5 // 4",
        "local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end return fib(27) * 0 + 5000000",
        "local function fib(n, ...) if n < 2 then return n end return fib(n - 1, ...) + fib(n - 2, ...) end return fib(27, 1, 2) * 0 + 5000000",
    ];
    for src in loops {
        let (evaluation, pauses) = in_slices(&vm, src, Duration::from_millis(1));
        assert_eq!(evaluation.result, Ok(vec!["5000000".to_owned()]), "{src}");
        assert!(pauses >= 2, "{src}: {pauses} pauses");
    }
}

#[test]
fn output_is_available_at_pauses_and_whole_at_the_end() {
    let vm = vm();
    let src = "for i = 1, 5 do print('line ' .. i) local t = os.clock() while os.clock() - t < 0.01 do end end";
    let mut run = vm.start(src, "main.lua");
    let mut seen = Vec::new();
    let evaluation = loop {
        match vm.resume(&mut run, Some(Duration::from_millis(2))) {
            Step::Paused => seen.push(run.output().to_owned()),
            Step::Finished(evaluation) => break evaluation,
        }
    };
    assert!(seen.iter().any(|s| s.starts_with("line 1\n") && !s.contains("line 5")), "{seen:?}");
    let lines: String = (1..=5).map(|i| format!("line {i}\n")).collect();
    assert_eq!(evaluation.output, lines);
}

#[test]
fn a_runaway_loop_is_stopped_by_the_time_budget_and_the_vm_goes_on() {
    let vm = with_budget(200);
    assert!(vm.eval("kept = 'yes' Memory.n = 0", "setup").result.is_ok());
    let started = Instant::now();
    let err = vm.eval("while true do\n  Memory.n = Memory.n + 1\nend", "main.lua").result.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Stopped);
    assert!(
        err.message.starts_with("main.lua:2: run stopped: it used up its time budget of 200 ms"),
        "{}",
        err.message
    );
    assert_eq!(err.location, Some(Location { chunk: "main.lua".into(), line: 2 }));
    assert!(started.elapsed() < Duration::from_secs(20));
    let after = vm.eval("return kept, Memory.n > 1000", "after").result.unwrap();
    assert_eq!(after, vec!["yes", "true"]);
    assert!(!vm.save_point().changes.is_empty());
}

#[test]
fn pcall_cannot_swallow_the_stop() {
    let vm = with_budget(200);
    let sources = [
        "while true do pcall(function() while true do end end) end",
        "local function spin() while true do end end\nwhile true do\n  local ok, e = pcall(spin)\n  ok, e = xpcall(spin, function(m) return m end)\nend",
        "local t = setmetatable({}, {__close = function() while true do end end})\ndo local x <close> = t end",
    ];
    for src in sources {
        let err = vm.eval(src, "main.lua").result.unwrap_err();
        assert_eq!(err.kind, ErrorKind::Stopped, "{src}: {err:?}");
    }
    assert_eq!(vm.eval("return 1 + 1", "after").result.unwrap(), vec!["2"]);
}

#[test]
fn recursion_without_loops_and_endless_tail_calls_are_stopped() {
    let vm = with_budget(150);
    let fib = "local function fib(n) if n < 2 then return n end return fib(n-1) + fib(n-2) end return fib(60)";
    assert_eq!(vm.eval(fib, "main.lua").result.unwrap_err().kind, ErrorKind::Stopped);
    let tail = "local function f(n) return f(n + 1) end return f(0)";
    assert_eq!(vm.eval(tail, "main.lua").result.unwrap_err().kind, ErrorKind::Stopped);
    let varargs = "local function f(n, ...) if n == 0 then return select('#', ...) end return f(n - 1, ...) + f(n - 1, ...) end return f(60, 1, 2)";
    assert_eq!(vm.eval(varargs, "main.lua").result.unwrap_err().kind, ErrorKind::Stopped);
}

/// Pauses land at function entries too; a vararg function's frame is moved into place
/// by its first instruction, and a pause around it must leave the varargs whole.
#[test]
fn pauses_at_vararg_function_entries_keep_the_varargs() {
    let vm = vm();
    let src = "local function f(n, ...)\n\
               local sum = 0 for i = 1, select('#', ...) do sum = sum + select(i, ...) end\n\
               if sum ~= 465 then error('varargs lost: ' .. sum) end\n\
               if n < 2 then return 1 end\n\
               return f(n - 1, ...) + f(n - 2, ...)\n\
               end\n\
               local args = {} for i = 1, 30 do args[i] = i end\n\
               return f(22, table.unpack(args))";
    let (evaluation, pauses) = in_slices(&vm, src, Duration::from_millis(1));
    assert_eq!(evaluation.result, Ok(vec!["28657".to_owned()]));
    assert!(pauses >= 2, "{pauses} pauses");
}

/// Runs each source in 5 ms slices under a 150 ms budget: each must end Stopped.
fn each_is_stopped_by_the_budget(sources: &[&str]) {
    let vm = with_budget(150);
    for src in sources {
        let (evaluation, _) = in_slices(&vm, src, Duration::from_millis(5));
        assert_eq!(evaluation.result.unwrap_err().kind, ErrorKind::Stopped, "{src}");
    }
}

#[test]
fn loops_inside_callbacks_from_c_are_stopped_too() {
    each_is_stopped_by_the_budget(&[
        "table.sort({3, 2, 1}, function(a, b) while true do end end)",
        "string.gsub('abc', '%w', function(c) while true do end end)",
        "return tostring(setmetatable({}, {__tostring = function() while true do end end}))",
        "local co = coroutine.wrap(function() while true do end end) co()",
    ]);
}

/// A long loop in C calling a short Lua function: each call is an interpreter-loop
/// call of its own, with few ticks, and the countdown they share must still run out.
#[test]
fn short_callbacks_from_a_long_c_loop_are_stopped_too() {
    each_is_stopped_by_the_budget(&[
        "string.gsub(string.rep('a', 20000000), 'a', function(c) end)",
        "local t = {} for i = 1, 1000000 do t[i] = (i * 7919) % 1000003 end table.sort(t, function(a, b) return a < b end)",
    ]);
}

#[test]
fn pauses_never_leak_into_the_scripts_own_coroutines() {
    let vm = vm();
    let src = "local co = coroutine.wrap(function() local n = 0 for i = 1, 2e7 do n = n + 1 end return 'done', n end)\nreturn co()";
    let (evaluation, _) = in_slices(&vm, src, Duration::from_millis(1));
    assert_eq!(evaluation.result.unwrap(), vec!["done", "20000000"]);
}

#[test]
fn the_run_looks_like_the_main_thread_to_the_script() {
    let vm = vm();
    let src = "return coroutine.isyieldable(), select(2, coroutine.running()), pcall(coroutine.yield, 1)";
    let shown = vm.eval(src, "main.lua").result.unwrap();
    assert_eq!(shown, vec!["false", "true", "false", "attempt to yield from outside a coroutine"]);
    let inner =
        "return coroutine.wrap(function() return coroutine.isyieldable(), select(2, coroutine.running()) end)()";
    assert_eq!(vm.eval(inner, "main.lua").result.unwrap(), vec!["true", "false"]);
}

#[test]
fn an_interrupt_from_another_thread_stops_the_run() {
    let vm = vm();
    let flag = vm.interrupt_flag();
    let raiser = thread::spawn(move || {
        thread::sleep(Duration::from_millis(150));
        flag.store(true, Ordering::Relaxed);
    });
    let err = vm.eval("local x = 0\nwhile true do x = x + 1 end", "main.lua").result.unwrap_err();
    raiser.join().unwrap();
    assert_eq!(err.kind, ErrorKind::Stopped);
    assert_eq!(err.message, "main.lua:2: interrupted");
    // The next run starts with the flag lowered.
    assert_eq!(vm.eval("return 'fine'", "after").result.unwrap(), vec!["fine"]);
}

#[test]
fn an_interrupt_during_a_pause_stops_the_run_when_it_resumes() {
    let vm = vm();
    let mut run = vm.start("Memory.ticks = 0\nwhile true do Memory.ticks = Memory.ticks + 1 end", "main.lua");
    assert!(matches!(vm.resume(&mut run, Some(Duration::from_millis(5))), Step::Paused));
    vm.interrupt_flag().store(true, Ordering::Relaxed);
    let Step::Finished(evaluation) = vm.resume(&mut run, Some(Duration::from_millis(5))) else {
        panic!("an interrupted run finishes");
    };
    let err = evaluation.result.unwrap_err();
    assert_eq!((err.kind, err.message.as_str()), (ErrorKind::Stopped, "main.lua:2: interrupted"));
    assert!(err.traceback.is_some_and(|t| t.contains("main.lua:2: in main chunk")));
    assert_eq!(vm.eval("return Memory.ticks > 0", "after").result.unwrap(), vec!["true"]);
}

#[test]
fn the_scripts_own_debug_hook_survives_pauses() {
    let vm = vm();
    let src = "local hits = 0\ndebug.sethook(function() hits = hits + 1 end, '', 1000)\nfor i = 1, 1e7 do end\ndebug.sethook()\nreturn hits >= 9000";
    let (evaluation, pauses) = in_slices(&vm, src, Duration::from_millis(1));
    assert!(pauses >= 2, "{pauses}");
    assert_eq!(evaluation.result.unwrap(), vec!["true"]);
}

#[test]
fn one_run_at_a_time() {
    let vm = vm();
    let mut first = vm.start("for i = 1, 1e8 do end return 'first'", "main.lua");
    assert!(matches!(vm.resume(&mut first, Some(Duration::from_millis(1))), Step::Paused));
    let second = vm.eval("return 'second'", "other");
    assert_eq!(second.result.unwrap_err().kind, ErrorKind::Host);
    let evaluation = loop {
        if let Step::Finished(e) = vm.resume(&mut first, None) {
            break e;
        }
    };
    assert_eq!(evaluation.result.unwrap(), vec!["first"]);
}

/// The Vm is the one record of whether a run is under way (the page draws it from here).
#[test]
fn the_vm_says_whether_a_run_is_under_way() {
    let vm = vm();
    assert!(!vm.running());
    let mut run = vm.start("for i = 1, 1e8 do end", "main.lua");
    assert!(vm.running());
    assert!(matches!(vm.resume(&mut run, Some(Duration::from_millis(1))), Step::Paused));
    assert!(vm.running());
    while !matches!(vm.resume(&mut run, None), Step::Finished(_)) {}
    assert!(!vm.running());
    // A chunk that does not compile never starts.
    let mut broken = vm.start("return +", "main.lua");
    assert!(!vm.running());
    assert!(matches!(vm.resume(&mut broken, None), Step::Finished(e) if e.result.is_err()));
    assert!(!vm.running());
}

#[test]
fn the_budget_counts_computing_not_pauses() {
    let vm = with_budget(300);
    let mut run = vm.start("local t = os.clock() while os.clock() - t < 0.2 do end return 'made it'", "main.lua");
    let evaluation = loop {
        match vm.resume(&mut run, Some(Duration::from_millis(20))) {
            Step::Paused => thread::sleep(Duration::from_millis(30)),
            Step::Finished(e) => break e,
        }
    };
    assert_eq!(evaluation.result.unwrap(), vec!["made it"]);
}
