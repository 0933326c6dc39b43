//! Builds Lua 5.4 (sources from the `lua-src` crate) and csrc/wasm_rt.c for
//! wasm32-unknown-unknown with clang, lowering setjmp/longjmp (Lua's error handling)
//! onto WebAssembly exception handling in its legacy encoding, which Chrome 95+,
//! Firefox 100+, Safari 15.2+ and Node 20 all run. Links wasi-libc's libc.a; the WASI
//! calls it makes are answered by csrc/wasm_rt.c, so the module imports nothing but
//! wasm-bindgen's glue. Native builds do nothing here: mlua's `vendored` feature
//! builds Lua itself.
//!
//! Needs Debian's clang-22, llvm-22, wasi-libc and libclang-rt-22-dev-wasm32
//! (scripts/setup.sh installs them).
use std::env;
use std::path::{Path, PathBuf};

const LLVM: u32 = 22;
/// Debian's wasi-libc (2022 snapshot): headers and libc.a.
const WASI_SYSROOT_INCLUDE: &str = "/usr/include/wasm32-wasi";
const WASI_SYSROOT_LIB: &str = "/usr/lib/wasm32-wasi";
/// C is compiled for wasm32-wasip1 so that `__wasi__` is defined (lua-src adapts Lua to
/// it); the objects are plain wasm32 objects that rust-lld links into our module.
const C_TARGET: &str = "wasm32-wasip1";
const EH_FLAGS: [&str; 7] = [
    "-mexception-handling",
    "-mllvm",
    "-wasm-enable-eh",
    "-mllvm",
    "-wasm-enable-sjlj",
    "-mllvm",
    "-wasm-use-legacy-eh=true",
];

fn main() {
    println!("cargo:rerun-if-changed=csrc");
    println!("cargo:rerun-if-changed=build.rs");
    if env::var("CARGO_CFG_TARGET_ARCH").as_deref() != Ok("wasm32") {
        return;
    }
    let clang = format!("clang-{LLVM}");
    let llvm_ar = format!("/usr/lib/llvm-{LLVM}/bin/llvm-ar");
    require_tool(&clang);
    require_file(Path::new(&llvm_ar));
    require_file(&Path::new(WASI_SYSROOT_LIB).join("libc.a"));

    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let csrc = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets it")).join("csrc");
    let include = csrc.join("include");

    // lua-src builds with `cc`, which reads these variables. It passes
    // `-wasm-use-legacy-eh=false` itself; cc appends CFLAGS last and LLVM keeps the last
    // occurrence of an option, so ours selects the legacy encoding.
    let key = C_TARGET.replace('-', "_");
    // SAFETY: build scripts are single-threaded; nothing reads the environment concurrently.
    unsafe {
        env::set_var(format!("CC_{key}"), &clang);
        env::set_var(format!("AR_{key}"), &llvm_ar);
        env::set_var(
            format!("CFLAGS_{key}"),
            format!(
                "-I{} -isystem {WASI_SYSROOT_INCLUDE} -mexception-handling -mllvm -wasm-use-legacy-eh=true",
                include.display()
            ),
        );
    }
    lua_src::Build::new()
        .target(C_TARGET)
        .out_dir(&out)
        .build(lua_src::Lua54)
        .print_cargo_metadata(); // links lua5.4, wasi-emulated-signal and `setjmp`

    // The runtime is named libsetjmp.a because lua-src asks the linker for `setjmp`.
    let mut rt = cc::Build::new();
    rt.target(C_TARGET)
        .host(&env::var("HOST").expect("cargo sets HOST"))
        .compiler(&clang)
        .archiver(&llvm_ar)
        .include(&include)
        .flag("-isystem")
        .flag(WASI_SYSROOT_INCLUDE)
        .file(csrc.join("wasm_rt.c"))
        .cargo_metadata(false)
        .out_dir(out.join("lib"));
    for flag in EH_FLAGS {
        rt.flag(flag);
    }
    rt.compile("setjmp");

    println!("cargo:rustc-link-search=native={WASI_SYSROOT_LIB}");
    println!("cargo:rustc-link-lib=static:-bundle=c");
    println!("cargo:rustc-link-search=native=/usr/lib/llvm-{LLVM}/lib/clang/{LLVM}/lib/wasi");
    println!("cargo:rustc-link-lib=static:-bundle=clang_rt.builtins-wasm32");
}

fn require_tool(name: &str) {
    let found = env::var_os("PATH")
        .map(|paths| env::split_paths(&paths).any(|dir| dir.join(name).is_file()))
        .unwrap_or(false);
    if !found {
        panic!("{name} not found on PATH: run scripts/setup.sh (installs clang-{LLVM}, llvm-{LLVM}, wasi-libc, libclang-rt-{LLVM}-dev-wasm32)");
    }
}

fn require_file(path: &Path) {
    if !path.exists() {
        panic!("{} is missing: run scripts/setup.sh", path.display());
    }
}
