//! Stock Lua 5.4.9 as the conformance tests' oracle: unpatched lua-src sources (the ones
//! crates/lua builds Moonkeep's Lua from) with stock_lua.c as `lua`, built with the
//! system's C compiler once per target directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The stock `lua` executable, built on first use.
pub fn stock_lua() -> &'static Path {
    static LUA: OnceLock<PathBuf> = OnceLock::new();
    LUA.get_or_init(build)
}

fn build() -> PathBuf {
    let sources = Path::new(moonkeep_lua::STOCK_LUA_SOURCES);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("stock-lua-5.4.9");
    let exe = dir.join("lua");
    let driver = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/stock_lua.c");
    let fresh = |p: &Path| p.metadata().and_then(|m| m.modified()).ok();
    if exe.is_file() && fresh(&exe) >= fresh(&driver) {
        return exe;
    }
    std::fs::create_dir_all(&dir).unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(sources)
        .unwrap_or_else(|e| panic!("{}: {e}", sources.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "c"))
        .collect();
    files.push(driver);
    // As Lua's own makefile builds `lua` for Linux.
    let built = Command::new("cc")
        .args(["-O2", "-std=gnu99", "-DLUA_COMPAT_5_3", "-DLUA_USE_LINUX", "-I"])
        .arg(sources)
        .arg("-o")
        .arg(dir.join("lua.tmp"))
        .args(&files)
        .args(["-lm", "-ldl"])
        .output()
        .expect("a C compiler (cc) builds stock Lua");
    assert!(built.status.success(), "building stock Lua failed:\n{}", String::from_utf8_lossy(&built.stderr));
    std::fs::rename(dir.join("lua.tmp"), &exe).unwrap();
    exe
}

/// Runs `lua NAME` on `source` in a directory of its own, as a user would.
pub fn run(name: &str, source: &[u8]) -> Output {
    let dir = tempfile_dir();
    std::fs::write(dir.join(name), source).unwrap();
    let out = Command::new(stock_lua()).arg(name).current_dir(&dir).output().expect("stock lua runs");
    std::fs::remove_dir_all(&dir).ok();
    out
}

fn tempfile_dir() -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "moonkeep-stock-lua-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
