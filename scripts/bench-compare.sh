#!/usr/bin/env bash
# Moonkeep's VM against wasmoon and fengari (npm, in the same headless Chromium) and
# stock lua5.4 on bench/workloads; writes bench/RESULTS.md and prints it. The other
# engines live in their own npm package (bench/compare) so the app's dependencies stay
# as they are. CALLS (3) and FENGARI_CALLS (1) set the workload calls per evaluation,
# RUNS (5) and FENGARI_RUNS (3) the timed evaluations,
# ROUNDS (1) how often it all is repeated; WORKLOADS=fib,... picks.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d bench/compare/node_modules ] || [ bench/compare/package-lock.json -nt bench/compare/node_modules/.package-lock.json ]; then
  echo "==> npm ci --prefix bench/compare (wasmoon, fengari-web)"
  npm ci --prefix bench/compare --no-audit --no-fund --loglevel=error
fi

echo "==> release build"
trunk build --release 2>&1 | tail -n 1

# The VM alone (bench/vm), for the cold start beside wasmoon's and fengari's bare VMs:
# the same compiler settings as the page (the workspace's release profile), and what
# Trunk then does to the page's wasm (index.html: wasm-opt -Oz --converge, binaryen 132
# from node_modules). wasm-opt takes the module's features (exception handling: Lua's
# setjmp/longjmp) from its target_features section, as it does when Trunk calls it.
echo "==> the VM alone (bench/vm)"
cargo_target="${CARGO_TARGET_DIR:-target}"
cargo build --release --target wasm32-unknown-unknown -p moonkeep-bench-vm 2>&1 | tail -n 1
rm -rf target/bench-compare/vm
wasm-bindgen --target web --no-typescript --out-dir target/bench-compare/vm \
  "$cargo_target/wasm32-unknown-unknown/release/moonkeep_bench_vm.wasm"
node_modules/.bin/wasm-opt -Oz --converge target/bench-compare/vm/moonkeep_bench_vm_bg.wasm \
  -o target/bench-compare/vm/opt.wasm
mv target/bench-compare/vm/opt.wasm target/bench-compare/vm/moonkeep_bench_vm_bg.wasm

echo "==> benchmark (about 5 minutes)"
node bench/compare/run.mjs bench/RESULTS.md
