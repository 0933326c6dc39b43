//! Embeds every `demo/*.lua` in the web app (the Examples menu): adding a file to
//! demo/ is all it takes. Also checks, for a wasm32 build, that the editor bundle
//! exists, because wasm-bindgen reads it while compiling and its own error does not
//! say how to make it.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    embed_demos(&root.join("demo"));
    if env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        let bundle = root.join("editor/dist/editor.js");
        println!("cargo:rerun-if-changed={}", bundle.display());
        if !bundle.exists() {
            panic!(
                "{} is missing: Trunk builds it before cargo (Trunk.toml's pre_build hook); \
                 to build without Trunk, run `npm ci && node editor/build.mjs` first",
                bundle.display()
            );
        }
    }
}

/// Writes `$OUT_DIR/demos.rs`: `DEMO_FILES`, (file name, source) pairs sorted by name.
fn embed_demos(dir: &Path) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("a readable demo/ entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "lua"))
        .collect();
    files.sort();
    let mut code = String::from("pub const DEMO_FILES: &[(&str, &str)] = &[\n");
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let name = path.file_name().and_then(|n| n.to_str()).expect("a UTF-8 demo file name");
        code.push_str(&format!("    ({name:?}, include_str!({:?})),\n", path.display().to_string()));
    }
    code.push_str("];\n");
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("demos.rs");
    fs::write(&out, code).unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}
