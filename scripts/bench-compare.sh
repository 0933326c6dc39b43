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

# The VM alone (bench/vm): the engines' comparisons are made on it.
echo "==> the VM alone (bench/vm)"
scripts/build-bench-vm.sh target/bench-compare/vm

echo "==> benchmark (about 5 minutes)"
node bench/compare/run.mjs bench/RESULTS.md
