//! `require` on the command line: `moonkeep run FILE` finds modules among the `.lua`
//! files beside FILE, `eval` and `repl` in the current directory; a file changed
//! during a `repl` is loaded anew by the next entry that requires it.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn moonkeep(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_moonkeep"))
        .arg("--db")
        .arg(dir.join("m.redb"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("moonkeep runs")
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn run_file_requires_the_files_beside_it_not_those_of_the_current_directory() {
    let dir = tempfile::tempdir().unwrap();
    let job = dir.path().join("job");
    write(&dir.path().join("util.lua"), "return { who = 'the current directory' }");
    write(
        &job.join("util.lua"),
        "local name, file = ...\nreturn { who = 'beside main.lua', name = name, file = file }",
    );
    write(&job.join("lib/text.lua"), "return { upper = string.upper }");
    write(&job.join("shapes/init.lua"), "return { kind = 'init.lua' }");
    write(
        &job.join("main.lua"),
        "local u = require 'util'\nprint(u.who, u.name, u.file)\nprint(require('lib.text').upper('x'), require('shapes').kind)\nMemory.util = u\n",
    );
    let o = moonkeep(dir.path(), &["run", "job/main.lua"]);
    assert_eq!(String::from_utf8_lossy(&o.stderr), "");
    assert_eq!(String::from_utf8_lossy(&o.stdout), "beside main.lua\tutil\tjob/util.lua\nX\tinit.lua\n");
    // A module's table kept in Memory is saved like any table.
    let o = moonkeep(dir.path(), &["eval", "return Memory.util.who, (require 'util').who"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "beside main.lua\tthe current directory\n");
}

#[test]
fn errors_name_the_modules_file_and_a_missing_module_lists_where_it_was_looked_for() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("job/bad.lua"), "local x = 1\nerror('bad module')\n");
    write(&dir.path().join("job/main.lua"), "print(pcall(require, 'nothing'))\nrequire 'bad'\n");
    let o = moonkeep(dir.path(), &["run", "job/main.lua"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "false\tmodule 'nothing' not found:\n\tno field package.preload['nothing']\n\tno file 'job/nothing.lua'\n\tno file 'job/nothing/init.lua'\n"
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.starts_with("job/bad.lua:2: bad module\nstack traceback:\n"), "{stderr}");
    assert!(stderr.contains("job/main.lua:2: in main chunk"), "{stderr}");

    let o = moonkeep(dir.path(), &["eval", "require 'lib.none'"]);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("\tno file 'lib/none.lua'\n\tno file 'lib/none/init.lua'"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn a_file_changed_during_a_repl_is_loaded_anew_by_the_next_entry() {
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("settings.lua");
    write(&module, "return { size = 1 }");
    let mut repl = Command::new(env!("CARGO_BIN_EXE_moonkeep"))
        .arg("--db")
        .arg(dir.path().join("m.redb"))
        .arg("repl")
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("moonkeep runs");
    let mut stdin = repl.stdin.take().unwrap();
    let mut stdout = BufReader::new(repl.stdout.take().unwrap());
    let mut ask = |line: &str| {
        writeln!(stdin, "{line}").unwrap();
        let mut answer = String::new();
        stdout.read_line(&mut answer).unwrap();
        answer
    };
    assert_eq!(ask("first = require 'settings'; return first.size"), "1\n");
    assert_eq!(ask("return rawequal(first, require 'settings')"), "true\n");
    write(&module, "return { size = 22 }");
    assert_eq!(ask("return require('settings').size, first.size"), "22\t1\n");
    std::fs::remove_file(&module).unwrap();
    assert_eq!(ask("return package.loaded.settings"), "nil\n");
    drop(stdin);
    assert!(repl.wait().unwrap().success());
}
