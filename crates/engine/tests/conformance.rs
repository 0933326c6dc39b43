//! Moonkeep's VM against stock Lua 5.4.9 (tests/oracle): each script in
//! tests/conformance is run as `lua NAME.lua` runs it, by a fresh `Vm`
//! (`Vm::eval_file`) and by stock `lua`, and must write the same bytes and fail, if it
//! fails, with the same message and traceback. The scripts look where a replaced
//! library function could show through: debug information, hooks, tracebacks of
//! coroutines, `load` readers, error messages, byte output, file loading.

mod oracle;

use std::fs;
use std::path::{Path, PathBuf};

use moonkeep_engine::Vm;

fn scripts() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance");
    let mut scripts: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("tests/conformance exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "lua"))
        .collect();
    scripts.sort();
    scripts
}

/// What `lua FILE` shows: stdout's bytes, and stderr's text.
#[derive(Debug, PartialEq)]
struct Shown {
    stdout: Vec<u8>,
    stderr: String,
}

fn moonkeep(name: &str, source: &[u8]) -> Shown {
    let vm = Vm::new().expect("vm");
    let evaluation = vm.eval_file(source, name);
    let stderr = match evaluation.result {
        Ok(_) => String::new(),
        Err(e) => match e.traceback {
            Some(traceback) => format!("lua: {}\nstack traceback:\n{traceback}\n", e.message),
            None => format!("lua: {}\n", e.message),
        },
    };
    Shown { stdout: evaluation.raw_output, stderr }
}

fn stock(name: &str, source: &[u8]) -> Shown {
    let out = oracle::run(name, source);
    Shown { stdout: out.stdout, stderr: String::from_utf8_lossy(&out.stderr).into_owned() }
}

#[test]
fn every_script_does_what_it_does_under_stock_lua() {
    let scripts = scripts();
    assert!(scripts.len() >= 8, "expected the conformance scripts");
    let mut failures = Vec::new();
    for script in scripts {
        let name = script.file_name().unwrap().to_string_lossy().into_owned();
        let source = fs::read(&script).unwrap();
        let (got, want) = (moonkeep(&name, &source), stock(&name, &source));
        if got != want {
            failures.push(format!(
                "{name}:\n--- stock lua\n{}{}--- moonkeep\n{}{}",
                String::from_utf8_lossy(&want.stdout),
                want.stderr,
                String::from_utf8_lossy(&got.stdout),
                got.stderr
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
