//! Native side of `make bench`: runs each bench/workloads/*.lua through bench/driver.lua
//! in a fresh Vm and prints "name<TAB>median ms<TAB>result" per workload.
//! Usage: cargo run --release -p moonkeep-engine --example vm_bench -- BENCH_DIR RUNS

use std::{env, fs, path::PathBuf, process::ExitCode};

use moonkeep_engine::Vm;

fn main() -> ExitCode {
    let mut args = env::args().skip(1);
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "bench".into()));
    let runs = args.next().unwrap_or_else(|| "5".into());
    let driver = match fs::read_to_string(dir.join("driver.lua")) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("cannot read {}: {e}", dir.join("driver.lua").display());
            return ExitCode::FAILURE;
        }
    };
    let mut workloads: Vec<PathBuf> = fs::read_dir(dir.join("workloads"))
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    workloads.retain(|p| p.extension().is_some_and(|e| e == "lua"));
    workloads.sort();
    for path in workloads {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let workload = fs::read_to_string(&path).expect("readable workload");
        let source = driver.replace("@WORKLOAD@", &workload).replace("@RUNS@", &runs);
        let vm = Vm::new().expect("vm");
        match vm.eval(&source, &format!("{name}.lua")).result {
            Ok(values) => println!("{name}\t{}\t{}", values[0], values[1]),
            Err(e) => {
                eprintln!("{name}: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
