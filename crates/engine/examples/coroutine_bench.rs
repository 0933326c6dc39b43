//! What a coroutine switch (a resume or a yield) costs in Moonkeep's VM, and in stock Lua
//! 5.4.9 when given one: 2 million switches, median of RUNS runs, wall time.
//! Usage: cargo run --release -p moonkeep-engine --example coroutine_bench -- [STOCK_LUA [RUNS]]
//! (`cargo test -p moonkeep-engine --test conformance` builds a stock `lua` at
//! target/tmp/stock-lua-5.4.9/lua.)

use std::process::Command;
use std::time::Instant;
use std::{env, fs};

use moonkeep_engine::Vm;

/// A million resumes and a million yields.
const SWITCHES: &str = "local co = coroutine.wrap(function() while true do coroutine.yield() end end)
for _ = 1, 1000000 do co() end";

fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn main() {
    let mut args = env::args().skip(1);
    let stock = args.next();
    let runs: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(7);
    let vm = Vm::new().expect("vm");
    let moonkeep = median(
        (0..runs)
            .map(|_| {
                let start = Instant::now();
                assert!(vm.eval(SWITCHES, "switches.lua").result.is_ok());
                start.elapsed().as_secs_f64()
            })
            .collect(),
    );
    println!("moonkeep\t{:.3} s\t{:.0} ns per switch", moonkeep, moonkeep * 1e9 / 2e6);
    if let Some(lua) = stock {
        let file = env::temp_dir().join(format!("moonkeep-switches-{}.lua", std::process::id()));
        fs::write(&file, SWITCHES).expect("write the chunk");
        let stock = median(
            (0..runs)
                .map(|_| {
                    let start = Instant::now();
                    assert!(Command::new(&lua).arg(&file).status().expect("stock lua runs").success());
                    start.elapsed().as_secs_f64()
                })
                .collect(),
        );
        fs::remove_file(&file).ok();
        println!("stock lua\t{:.3} s\t{:.0} ns per switch (process start included)", stock, stock * 1e9 / 2e6);
        println!("ratio\t{:.2}", moonkeep / stock);
    }
}
