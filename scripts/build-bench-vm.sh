#!/usr/bin/env bash
# Builds bench/vm (Moonkeep's engine Vm alone, through wasm-bindgen) into OUT (default
# target/bench-compare/vm), as the page's wasm is built: the workspace's release
# profile, then what Trunk does to the page's wasm (index.html's wasm-opt flags,
# binaryen 132 from node_modules). wasm-opt takes the module's features
# (exception handling: Lua's setjmp/longjmp) from its target_features section, as it
# does when Trunk calls it. Used by scripts/bench-compare.sh and, for two builds of the
# VM side by side, by bench/compare/ab.mjs's users.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-target/bench-compare/vm}"
cargo_target="${CARGO_TARGET_DIR:-target}"
cargo build --release --target wasm32-unknown-unknown -p moonkeep-bench-vm 2>&1 | tail -n 1
rm -rf "$out"
wasm-bindgen --target web --no-typescript --out-dir "$out" \
  "$cargo_target/wasm32-unknown-unknown/release/moonkeep_bench_vm.wasm"
node_modules/.bin/wasm-opt -Oz --converge --gufa --merge-similar-functions --low-memory-unused --zero-filled-memory --strip-producers "$out/moonkeep_bench_vm_bg.wasm" -o "$out/opt.wasm"
mv "$out/opt.wasm" "$out/moonkeep_bench_vm_bg.wasm"
