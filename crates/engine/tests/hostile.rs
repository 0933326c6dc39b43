//! Any source, however broken or hostile, gives a value or a Lua error: never a panic,
//! and the VM answers the next evaluation.

use moonkeep_engine::Vm;
use proptest::prelude::*;

const TOKENS: &[&str] = &[
    "local",
    "function",
    "end",
    "if",
    "then",
    "else",
    "for",
    "in",
    "do",
    "while",
    "repeat",
    "until",
    "return",
    "break",
    "goto",
    "::l::",
    "nil",
    "true",
    "false",
    "x",
    "t",
    "f",
    "...",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    "=",
    "==",
    "~=",
    "<",
    ">",
    "..",
    "+",
    "-",
    "*",
    "/",
    "//",
    "%",
    "^",
    "#",
    "&",
    "|",
    "~",
    "<<",
    ">>",
    ",",
    ";",
    ":",
    ".",
    "'s'",
    "\"\\",
    "[[",
    "]]",
    "--",
    "0",
    "1",
    "2^63",
    "0x",
    "1e999",
    "-0.0",
    "coroutine.wrap",
    "pcall",
    "error",
    "setmetatable",
    "string.dump",
    "load",
    "debug.sethook",
    "collectgarbage",
    "<close>",
    "<const>",
    "\n",
];

fn answers(vm: &Vm) {
    assert_eq!(vm.eval("return 1 + 1", "probe").result.unwrap(), vec!["2"]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn arbitrary_text_never_panics(source in ".{0,200}") {
        let vm = Vm::new().unwrap();
        let _ = vm.eval(&source, "fuzz");
        answers(&vm);
    }

    #[test]
    fn token_soup_never_panics(tokens in prop::collection::vec(prop::sample::select(TOKENS), 0..60)) {
        let vm = Vm::new().unwrap();
        let _ = vm.eval(&tokens.join(" "), "soup");
        answers(&vm);
    }
}

#[test]
fn hostile_programs_end_in_lua_errors() {
    let vm = Vm::new().unwrap();
    let programs = [
        &"(".repeat(100_000),
        &format!("return {}", "{".repeat(50_000)),
        &format!("x = {}1", "-".repeat(100_000)),
        &"a = a .. 'x' ".repeat(10),
        "local t = setmetatable({}, {__index = function(t, k) return t[k] end}) return t.x",
        "local t = setmetatable({}, {__tostring = function(t) return tostring(t) end}) return tostring(t)",
        "local function f() return coroutine.wrap(f)() end return f()",
        "string.rep('x', -1, 'y')",
        "return ('x'):rep(1e5):rep(1e15)",
        "setmetatable(_G, {__index = function(_, k) error('no global ' .. k) end}) return undefined",
        "return load(string.rep('\\27', 10))",
        "coroutine.wrap(function() coroutine.yield() end)() coroutine.yield()",
        "return string.format('%' .. string.rep('9', 100) .. 'd', 1)",
        "return utf8.char(0x7FFFFFFF + 1)",
        "return table.concat({}, '', 1, 1e9)",
        "return select(-1)",
        "return ('x'):find(string.rep('(', 100))",
    ];
    for source in programs {
        let run = vm.eval(source, "hostile");
        // Each ends with a value or an error; none may take the VM with it.
        let _ = run.result;
        answers(&vm);
    }
}

#[test]
fn a_failing_debug_hook_ends_with_its_run() {
    let vm = Vm::new().unwrap();
    let run = vm.eval("debug.sethook(function() error('hook') end, '', 1) local x = 1", "hook");
    assert!(run.result.is_err());
    answers(&vm);
}

#[test]
fn a_memory_bomb_is_a_lua_error() {
    let vm = Vm::new().unwrap();
    vm.set_memory_limit(64 << 20);
    let bomb = "local t = {} for i = 1, 1e9 do t[i] = string.rep('x', 1000) .. i end";
    let err = vm.eval(bomb, "bomb").result.unwrap_err();
    assert!(err.message.contains("not enough memory"), "{}", err.message);
    vm.eval("collectgarbage()", "gc");
    answers(&vm);
}
