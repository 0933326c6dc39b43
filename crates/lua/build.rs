//! Builds the Lua this project runs, on every target: Lua 5.4.9 (sources from the
//! `lua-src` crate) with two small changes to its interpreter loop, plus the watchdog
//! that those changes call (csrc/watchdog.c) and the bytecode seal (csrc/seal.c).
//!
//! Why patch Lua at all: a Lua debug hook is the usual way to stop a runaway loop, but
//! any count hook makes *every* instruction go through `luaG_traceexec` (2.4x slower
//! fib, measured). Instead the loop decrements one counter at each backward jump and
//! each Lua function entry, the only places a run can spend unbounded time, and calls
//! the watchdog when it reaches zero; the watchdog checks the clock and installs a
//! one-shot count hook only when a run must pause or stop. Each call of the loop keeps
//! the counter in a local (a register) and hands it back to the global when it returns
//! or ticks, so short Lua callbacks from a long C loop still wear the shared count down
//! (measured in the page, the global in memory cost fib 4% more than the local; on the
//! VM alone the local countdown is within the noise of none). Patches are applied to a
//! copy in OUT_DIR, each anchored on text that must occur exactly once.
//!
//! On wasm32-unknown-unknown, Lua and csrc/wasm_rt.c (setjmp/longjmp over WebAssembly
//! exceptions in their legacy encoding, WASI stubs) are compiled by clang-22 against
//! wasi-libc; the module then imports nothing but wasm-bindgen's glue. Needs Debian's
//! clang-22, llvm-22, wasi-libc and libclang-rt-22-dev-wasm32 (scripts/setup.sh).
use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const LUA_SRC_VERSION: &str = "551.0.2";
const LUA_DIR: &str = "lua-5.4.9";
const LLVM: u32 = 22;
/// Debian's wasi-libc (2022 snapshot): headers and libc.a.
const WASI_SYSROOT_INCLUDE: &str = "/usr/include/wasm32-wasi";
const WASI_SYSROOT_LIB: &str = "/usr/lib/wasm32-wasi";
/// C is compiled for wasm32-wasip1 so that `__wasi__` is defined (Lua's POSIX bits
/// then compile); the objects are plain wasm32 objects that rust-lld links.
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

/// The interpreter-loop patches: (anchor, replacement). Each anchor must occur once.
const LVM_PATCHES: [(&str, &str); 7] = [
    ("#include \"lvm.h\"\n", "#include \"lvm.h\"\n#include \"watchdog.h\"\n"),
    // The countdown lives in a local of each interpreter-loop call (a register, not
    // memory, on the hot path): taken from the global when the call starts, given back
    // when it returns, and exchanged with the global around each watchdog tick.
    ("  int trap;\n#if LUA_USE_JUMPTABLE", "  int trap;\n  int ticks = moonkeep_countdown;\n#if LUA_USE_JUMPTABLE"),
    (
        "       ret:  /* return from a Lua function */\n        if (ci->callstatus & CIST_FRESH)\n          return;  /* end this frame */",
        "       ret:  /* return from a Lua function */\n        if (ci->callstatus & CIST_FRESH) {\n          moonkeep_countdown = ticks;\n          return;  /* end this frame */\n        }",
    ),
    // Every Lua function entry: catches recursion without loops (fib).
    ("startfunc:\n  trap = L->hookmask;", "startfunc:\n  moonkeep_tick(L);\n  trap = L->hookmask;"),
    // Backward jumps, plain (OP_JMP) or after a test (repeat-until, conditional goto):
    // while, repeat and goto loops. The macro re-reads the trap after jumping.
    (
        "#define dojump(ci,i,e)\t{ pc += GETARG_sJ(i) + e; updatetrap(ci); }",
        "#define dojump(ci,i,e)\t{ if (GETARG_sJ(i) < 0) moonkeep_tick(L); \\\n  pc += GETARG_sJ(i) + e; updatetrap(ci); }",
    ),
    // Numeric for: the case ends with `updatetrap(ci)`.
    ("vmcase(OP_FORLOOP) {\n        StkId ra = RA(i);\n", "vmcase(OP_FORLOOP) {\n        StkId ra = RA(i);\n        moonkeep_tick(L);\n"),
    // Generic for.
    (
        "setobjs2s(L, ra + 2, ra + 4);  /* save control variable */\n          pc -= GETARG_Bx(i);  /* jump back */\n",
        "setobjs2s(L, ra + 2, ra + 4);  /* save control variable */\n          pc -= GETARG_Bx(i);  /* jump back */\n          moonkeep_tick(L);\n          updatetrap(ci);\n",
    ),
];

/// Clean marks and the dirty log (csrc/marks.c): a save walk marks each table it
/// recorded clean, and the first write to a clean table clears the mark and notes the
/// table in the state's dirty log, so the next save point reads only the tables noted
/// there (and the new objects they reach). A missed write would lose data, so the mark
/// is cleared where every table write ends up, not where writes start: the stores all
/// go through `luaV_finishfastset`, `luaH_finishset`, `luaH_setint`, the metamethod
/// chain of `luaV_finishset` and OP_SETLIST (the only `setobj2t`s in Lua 5.4.9);
/// metatables through `lua_setmetatable`; the collector's removal of weak entries in
/// `lgc.c`. The mark is bit 6 of a table's `flags` (bits 0-5 cache absent
/// metamethods, bit 7 is BITRAS). The log is an array in `global_State`, grown with the
/// state's allocator (never the collector's: no collection runs inside a write), and
/// the collector marks what it holds in `atomic`, so a logged table lives until the
/// save point that reads it. A log that cannot grow says so, and the next save point
/// reads everything.
const LOBJECT_MARKS: [(&str, &str); 1] = [(
    "#define setnorealasize(t)\t((t)->flags |= BITRAS)\n",
    "#define setnorealasize(t)\t((t)->flags |= BITRAS)\n#define MOONKEEP_CLEAN\t(1 << 6)\nstruct global_State;\nvoid moonkeep_dirty (struct global_State *g, struct Table *t);\n#define moonkeep_touch(g,t)\t((t)->flags & MOONKEEP_CLEAN ? moonkeep_dirty(g, t) : (void)0)\n",
)];
const LSTATE_H_MARKS: [(&str, &str); 1] = [(
    "  void *ud_warn;         /* auxiliary data to 'warnf' */\n} global_State;\n",
    "  void *ud_warn;         /* auxiliary data to 'warnf' */\n  struct Table **moonkeep_log;  /* tables written since a save walk marked them */\n  size_t moonkeep_logn, moonkeep_logsize;\n  lu_byte moonkeep_logfull;  /* a table could not be logged */\n} global_State;\n",
)];
const LSTATE_C_MARKS: [(&str, &str); 2] = [
    (
        "  g->gcstp = GCSTPGC;  /* no GC while building state */\n",
        "  g->gcstp = GCSTPGC;  /* no GC while building state */\n  g->moonkeep_log = NULL;\n  g->moonkeep_logn = g->moonkeep_logsize = 0;\n  g->moonkeep_logfull = 0;\n",
    ),
    (
        "  (*g->frealloc)(g->ud, fromstate(L), sizeof(LG), 0);  /* free main block */\n",
        "  if (g->moonkeep_log != NULL)\n    (*g->frealloc)(g->ud, g->moonkeep_log, g->moonkeep_logsize * sizeof(struct Table *), 0);\n  (*g->frealloc)(g->ud, fromstate(L), sizeof(LG), 0);  /* free main block */\n",
    ),
];
const LVM_H_MARKS: [(&str, &str); 1] = [(
    "    { setobj2t(L, cast(TValue *,slot), v); \\\n",
    "    { setobj2t(L, cast(TValue *,slot), v); moonkeep_touch(G(L), gco2t(gcvalue(t))); \\\n",
)];
const LVM_MARKS: [(&str, &str); 2] = [
    (
        "      GCObject *h = gcvalue(t);\n      setobj2t(L, cast(TValue *,slot), val);\n",
        "      GCObject *h = gcvalue(t);\n      setobj2t(L, cast(TValue *,slot), val);\n      moonkeep_touch(G(L), gco2t(h));\n",
    ),
    ("          setobj2t(L, &h->array[last - 1], val);\n", "          setobj2t(L, &h->array[last - 1], val);\n          moonkeep_touch(G(L), h);\n"),
];
const LTABLE_MARKS: [(&str, &str); 2] = [
    (
        "                                   const TValue *slot, TValue *value) {\n",
        "                                   const TValue *slot, TValue *value) {\n  moonkeep_touch(G(L), t);\n",
    ),
    (
        "void luaH_setint (lua_State *L, Table *t, lua_Integer key, TValue *value) {\n",
        "void luaH_setint (lua_State *L, Table *t, lua_Integer key, TValue *value) {\n  moonkeep_touch(G(L), t);\n",
    ),
];
const LAPI_MARKS: [(&str, &str); 1] = [(
    "      hvalue(obj)->metatable = mt;\n",
    "      hvalue(obj)->metatable = mt;\n      moonkeep_touch(G(L), hvalue(obj));\n",
)];
const LGC_MARKS: [(&str, &str); 4] = [
    (
        "  markmt(g);  /* mark global metatables */\n",
        "  markmt(g);  /* mark global metatables */\n  {  /* tables in the dirty log live until a save point has read them */\n    size_t mk;\n    for (mk = 0; mk < g->moonkeep_logn; mk++)\n      markobject(g, g->moonkeep_log[mk]);\n  }\n",
    ),
    (
        "      if (iscleared(g, gckeyN(n)))  /* unmarked key? */\n        setempty(gval(n));  /* remove entry */\n",
        "      if (iscleared(g, gckeyN(n))) {  /* unmarked key? */\n        setempty(gval(n));  /* remove entry */\n        moonkeep_touch(g, h);\n      }\n",
    ),
    (
        "      if (iscleared(g, gcvalueN(o)))  /* value was collected? */\n        setempty(o);  /* remove entry */\n",
        "      if (iscleared(g, gcvalueN(o))) {  /* value was collected? */\n        setempty(o);  /* remove entry */\n        moonkeep_touch(g, h);\n      }\n",
    ),
    (
        "      if (iscleared(g, gcvalueN(gval(n))))  /* unmarked value? */\n        setempty(gval(n));  /* remove entry */\n",
        "      if (iscleared(g, gcvalueN(gval(n)))) {  /* unmarked value? */\n        setempty(gval(n));  /* remove entry */\n        moonkeep_touch(g, h);\n      }\n",
    ),
];

/// print writes to the run's output (csrc/playground.c), not to the process's stdout.
const LAUXLIB_PATCH: (&str, &str) = (
    "#if !defined(lua_writestring)",
    "#include \"playground.h\"\n#define lua_writestring(s,l)\tmoonkeep_write(L, (s), (l))\n#define lua_writeline()\tmoonkeep_writeline(L)\n#if !defined(lua_writestring)",
);

/// In the browser libc knows only UTC and accepts any locale name: os.date, os.time and
/// os.setlocale go through csrc/playground.c there.
const LOSLIB_WASM_PATCH: (&str, &str) = (
    "#include \"lualib.h\"\n",
    "#include \"lualib.h\"\n#include \"playground.h\"\n#define l_gmtime(t,r)\tgmtime_r(t,r)\n#define l_localtime(t,r)\tmoonkeep_localtime(t,r)\n#define mktime\tmoonkeep_mktime\n#define setlocale\tmoonkeep_setlocale\n",
);

/// The interpreter, its calls, tables, strings, memory and collector: where a running
/// program spends most of its time. In wasm these keep the profile's opt-level (3).
const HOT: [&str; 6] = ["lvm.c", "ldo.c", "ltable.c", "lgc.c", "lstring.c", "lmem.c"];
/// What running programs call into often besides: the C API (every host call), the
/// auxiliary, string and table libraries, closures, metamethods, number and string
/// conversion, dump and undump. In wasm, -Os. The rest (parser, code generator, lexer,
/// debug interface, the os/io/math/utf8/coroutine/base libraries) gets -Oz: it runs
/// once per loaded chunk or per library call, and every byte is downloaded.
const WARM: [&str; 9] =
    ["lapi.c", "lauxlib.c", "lstrlib.c", "ltablib.c", "lfunc.c", "ltm.c", "lobject.c", "ldump.c", "lundump.c"];

fn main() {
    println!("cargo:rerun-if-changed=csrc");
    println!("cargo:rerun-if-changed=build.rs");
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let csrc = manifest.join("csrc");
    let wasm = env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32");

    let lua_dir = patched_lua(&manifest, &out, wasm);
    let mut lua = if wasm { wasm_compiler(&csrc) } else { cc::Build::new() };
    if !wasm {
        let os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
        lua.define(
            match os.as_str() {
                "linux" | "android" | "freebsd" | "netbsd" | "openbsd" | "dragonfly" => "LUA_USE_LINUX",
                "macos" => "LUA_USE_MACOSX",
                "windows" => "LUA_USE_WINDOWS",
                _ => "LUA_USE_POSIX",
            },
            None,
        );
    }
    // As lua-src (and so mlua's `vendored`) builds it; API checks in debug builds.
    lua.define("LUA_COMPAT_5_3", None);
    if env::var("PROFILE").as_deref() == Ok("debug") {
        lua.define("LUA_USE_APICHECK", None);
    }
    lua.include(&csrc).include(&lua_dir).warnings(false).flag_if_supported("-fno-common");
    // In the browser every byte is downloaded (the page has a 600 KB gzip budget): the
    // parts of Lua a running program spends its time in keep the profile's opt-level,
    // the rest is compiled for size (see HOT and WARM). Natively all of it keeps it.
    let mut warm = lua.clone();
    let mut cold = lua.clone();
    if wasm && env::var("OPT_LEVEL").as_deref() == Ok("3") {
        warm.opt_level_str("s");
        cold.opt_level_str("z");
    }
    let (mut hot_files, mut warm_files, mut cold_files) = (0, 0, 0);
    for entry in fs::read_dir(&lua_dir).expect("patched Lua sources") {
        let path = entry.expect("directory entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if !name.ends_with(".c") || name == "lua.c" || name == "luac.c" {
            continue;
        }
        if HOT.contains(&name) {
            lua.file(&path);
            hot_files += 1;
        } else if WARM.contains(&name) {
            warm.file(&path);
            warm_files += 1;
        } else {
            cold.file(&path);
            cold_files += 1;
        }
    }
    assert_eq!(hot_files, HOT.len(), "every hot file of Lua exists");
    assert_eq!(warm_files, WARM.len(), "every warm file of Lua exists");
    assert!(cold_files > 0);
    lua.file(csrc.join("watchdog.c"));
    lua.file(csrc.join("seal.c"));
    lua.file(csrc.join("playground.c"));
    lua.file(csrc.join("marks.c"));
    lua.file(csrc.join("rebuild.c"));
    warm.cargo_metadata(false).out_dir(out.join("lib")).compile("lua5.4-warm");
    cold.cargo_metadata(false).out_dir(out.join("lib")).compile("lua5.4-lib");
    lua.cargo_metadata(false).out_dir(out.join("lib")).compile("lua5.4");
    println!("cargo:rustc-link-search=native={}", out.join("lib").display());
    if wasm {
        println!("cargo:rustc-link-lib=static=lua5.4");
        println!("cargo:rustc-link-lib=static=lua5.4-warm");
        println!("cargo:rustc-link-lib=static=lua5.4-lib");
        wasm_runtime(&csrc, &out);
    } else {
        // Whole archives: mlua, linked after this crate, calls into them.
        println!("cargo:rustc-link-lib=static:+whole-archive=lua5.4");
        println!("cargo:rustc-link-lib=static:+whole-archive=lua5.4-warm");
        println!("cargo:rustc-link-lib=static:+whole-archive=lua5.4-lib");
    }
}

/// Copies lua-src's Lua 5.4 sources to OUT_DIR and applies [`LVM_PATCHES`] and the
/// library patches.
fn patched_lua(manifest: &Path, out: &Path, wasm: bool) -> PathBuf {
    let from = lua_src_dir(manifest).join(LUA_DIR);
    // The unpatched sources, for the conformance tests' stock `lua` (crates/engine/tests).
    println!("cargo:rustc-env=MOONKEEP_STOCK_LUA_SOURCES={}", from.display());
    let to = out.join(LUA_DIR);
    fs::create_dir_all(&to).expect("create the Lua source copy");
    for entry in fs::read_dir(&from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let path = entry.expect("directory entry").path();
        if path.extension().is_some_and(|e| e == "c" || e == "h") {
            fs::copy(&path, to.join(path.file_name().expect("file name"))).expect("copy a Lua source");
        }
    }
    patch(&to.join("lvm.c"), &LVM_PATCHES);
    patch(&to.join("lobject.h"), &LOBJECT_MARKS);
    patch(&to.join("lvm.h"), &LVM_H_MARKS);
    patch(&to.join("lvm.c"), &LVM_MARKS);
    patch(&to.join("ltable.c"), &LTABLE_MARKS);
    patch(&to.join("lapi.c"), &LAPI_MARKS);
    patch(&to.join("lstate.h"), &LSTATE_H_MARKS);
    patch(&to.join("lstate.c"), &LSTATE_C_MARKS);
    patch(&to.join("lgc.c"), &LGC_MARKS);
    patch(&to.join("lauxlib.h"), &[LAUXLIB_PATCH]);
    if wasm {
        patch(&to.join("loslib.c"), &[LOSLIB_WASM_PATCH]);
    }
    to
}

fn patch(file: &Path, patches: &[(&str, &str)]) {
    let mut text = fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    for (anchor, replacement) in patches {
        let found = text.matches(anchor).count();
        assert_eq!(found, 1, "{}: expected this text once, found it {found} times:\n{anchor}", file.display());
        text = text.replacen(anchor, replacement, 1);
    }
    fs::write(file, text).expect("write a patched Lua source");
}

/// Where cargo unpacked the `lua-src` crate (a build dependency, so it is present).
/// Registry sources are found in CARGO_HOME directly; anything else (vendored or git
/// sources) through `cargo metadata`, which needs every package's manifest at hand.
fn lua_src_dir(manifest: &Path) -> PathBuf {
    let cargo_home = env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    if let Some(registry) = cargo_home.map(|h| h.join("registry").join("src")) {
        let unpacked = fs::read_dir(&registry).into_iter().flatten().filter_map(Result::ok);
        for index in unpacked {
            let dir = index.path().join(format!("lua-src-{LUA_SRC_VERSION}"));
            if dir.join(LUA_DIR).join("lvm.c").is_file() {
                return dir;
            }
        }
    }
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1"])
        .current_dir(manifest)
        .output()
        .expect("run cargo metadata");
    assert!(output.status.success(), "cargo metadata failed: {}", String::from_utf8_lossy(&output.stderr));
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).expect("cargo metadata JSON");
    let package = metadata["packages"]
        .as_array()
        .and_then(|packages| packages.iter().find(|p| p["name"] == "lua-src" && p["version"] == LUA_SRC_VERSION))
        .unwrap_or_else(|| panic!("lua-src {LUA_SRC_VERSION} is not in cargo metadata"));
    let manifest_path = package["manifest_path"].as_str().expect("manifest_path");
    Path::new(manifest_path).parent().expect("lua-src's directory").to_path_buf()
}

/// clang-22 for wasm32 with wasi-libc's headers and legacy exception handling.
fn wasm_compiler(csrc: &Path) -> cc::Build {
    let clang = format!("clang-{LLVM}");
    let llvm_ar = format!("/usr/lib/llvm-{LLVM}/bin/llvm-ar");
    require_tool(&clang);
    require_file(Path::new(&llvm_ar));
    require_file(&Path::new(WASI_SYSROOT_LIB).join("libc.a"));
    let mut build = cc::Build::new();
    build
        .target(C_TARGET)
        .host(&env::var("HOST").expect("cargo sets HOST"))
        .compiler(&clang)
        .archiver(&llvm_ar)
        // Our setjmp.h first: it declares what csrc/wasm_rt.c implements.
        .include(csrc.join("include"))
        .flag("-isystem")
        .flag(WASI_SYSROOT_INCLUDE)
        .define("LUA_USE_POSIX", None)
        .define("_WASI_EMULATED_SIGNAL", None);
    for flag in EH_FLAGS {
        build.flag(flag);
    }
    build
}

/// csrc/wasm_rt.c and the libraries Lua needs under it on wasm32.
fn wasm_runtime(csrc: &Path, out: &Path) {
    wasm_compiler(csrc)
        .file(csrc.join("wasm_rt.c"))
        .cargo_metadata(false)
        .out_dir(out.join("lib"))
        .compile("moonkeep_rt");
    println!("cargo:rustc-link-lib=static=moonkeep_rt");
    println!("cargo:rustc-link-search=native={WASI_SYSROOT_LIB}");
    println!("cargo:rustc-link-lib=static:-bundle=c");
    println!("cargo:rustc-link-lib=static:-bundle=wasi-emulated-signal");
    println!("cargo:rustc-link-search=native=/usr/lib/llvm-{LLVM}/lib/clang/{LLVM}/lib/wasi");
    println!("cargo:rustc-link-lib=static:-bundle=clang_rt.builtins-wasm32");
}

fn require_tool(name: &str) {
    let found =
        env::var_os("PATH").map(|paths| env::split_paths(&paths).any(|dir| dir.join(name).is_file())).unwrap_or(false);
    if !found {
        panic!("{name} not found on PATH: run scripts/setup.sh (installs clang-{LLVM}, llvm-{LLVM}, wasi-libc, libclang-rt-{LLVM}-dev-wasm32)");
    }
}

fn require_file(path: &Path) {
    if !path.exists() {
        panic!("{} is missing: run scripts/setup.sh", path.display());
    }
}
