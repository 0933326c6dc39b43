//! How fast the editor's questions are answered natively: completion, hover and
//! signature help on a Memory of 100,000 entries, and syntax checks of a 2,000-line
//! script. Usage: cargo run --release -p moonkeep-engine --example complete_bench [REPETITIONS]
//! Figures are medians; nothing here asserts on timings.

use moonkeep_engine::{check, Vm};

#[path = "common/median.rs"]
mod median;
use median::time;

fn main() {
    let reps: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(9).max(1);
    let vm = Vm::new().expect("vm");
    let made = vm.eval(
        "for i = 1, 100000 do Memory['key' .. i] = {n = i, name = 'item ' .. i} end\n\
         function Memory.greet(name, greeting) return greeting .. name end",
        "bench.lua",
    );
    assert!(made.result.is_ok(), "{:?}", made.result);

    println!("Editor assistance, native, median of {reps} (Memory of 100,000 entries):");
    let (ms, c) = time(reps, || vm.complete("print(Memory."));
    println!("  completion after \"Memory.\":        {ms:7.3} ms for {} items", c.items.len());
    let (ms, c) = time(reps, || vm.complete("print(Memory.key9999"));
    println!("  completion of \"Memory.key9999\":    {ms:7.3} ms for {} items", c.items.len());
    let (ms, c) = time(reps, || vm.complete("print(Memory.key50000."));
    println!("  completion after \"Memory.key50000.\": {ms:5.3} ms for {} items", c.items.len());
    let (ms, c) = time(reps, || vm.complete("local total = 0\npr"));
    println!("  completion of a global \"pr\":       {ms:7.3} ms for {} items", c.items.len());
    let (ms, _) = time(reps, || vm.hover("Memory.key50000", 8));
    println!("  hover on \"Memory.key50000\":        {ms:7.3} ms");
    let (ms, _) = time(reps, || vm.hover("Memory", 2));
    println!("  hover on \"Memory\" (counts to 1,000):  {ms:6.3} ms");
    let (ms, _) = time(reps, || vm.signature("Memory.greet('moon', ", 21));
    println!("  signature help in \"Memory.greet(\":  {ms:6.3} ms");

    let script: String = (1..=2000)
        .map(|i| match i % 4 {
            0 => format!("v{i} = Memory.key{i} and Memory.key{i}.n or {i}\n"),
            1 => format!("function f{i}(a, b) return a + b * {i} end\n"),
            2 => format!("for j = 1, {i} do Memory.total = (Memory.total or 0) + j end\n"),
            _ => format!("print(\"line {i}\", f{}(1, 2))\n", i - 2),
        })
        .collect();
    let (ms, d) = time(reps, || check(&script, "main.lua"));
    assert!(d.is_none(), "{d:?}");
    println!("  syntax check, 2,000 lines ({} KB): {ms:7.3} ms", script.len() / 1024);
    let broken = format!("{script}local x = = 1\n");
    let (ms, d) = time(reps, || check(&broken, "main.lua"));
    println!("  syntax check, 2,000 lines, error at the end: {ms:.3} ms (line {})", d.map_or(0, |d| d.line));
    let text = format!("{script}zz");
    let (ms, _) = time(reps, || vm.complete(&text));
    println!("  completion of a word after 2,000 lines: {ms:7.3} ms");
    let text = format!("{script}print(Memory.");
    let (ms, c) = time(reps, || vm.complete(&text));
    println!("  completion after 2,000 lines:       {ms:7.3} ms for {} items", c.items.len());
}
