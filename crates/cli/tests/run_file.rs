//! `moonkeep run FILE` loads a file as `lua FILE` does and writes Lua's bytes as they
//! are: a `#!` first line is skipped, the source need not be UTF-8, the chunk is named
//! `@FILE`, and output that is not UTF-8 reaches stdout unchanged.

use std::process::Command;

#[test]
fn a_script_file_runs_as_under_lua_and_its_bytes_reach_stdout_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let script = b"#!/usr/bin/env lua\nlocal i = debug.getinfo(1, 'Sl')\nprint(i.source, i.short_src, i.currentline)\nprint('caf\xe9', '\xff\xfe')\nio.write('\x80\\n')\nerror('end')\n";
    std::fs::write(dir.path().join("job.lua"), script).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_moonkeep"))
        .arg("--db")
        .arg(dir.path().join("m.redb"))
        .args(["run", "job.lua"])
        .current_dir(dir.path())
        .output()
        .expect("moonkeep runs");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(o.stdout, b"@job.lua\tjob.lua\t2\ncaf\xe9\t\xff\xfe\n\x80\n");
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "job.lua:6: end\nstack traceback:\n\t[C]: in function 'error'\n\tjob.lua:6: in main chunk\n\t[C]: in ?\n"
    );
}
