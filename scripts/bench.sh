#!/usr/bin/env bash
# Prints Moonkeep's benchmark figures: built sizes, cold load in Chromium, the
# bench/workloads run in Chromium, natively (Moonkeep's Vm) and in stock lua5.4, and
# Memory persistence (save points, restore, bytes per function, compression, how
# they scale to a million objects), the Memory inspector with 100,000 entries, the
# editor's completion and checks, the formatter (its download, first and second
# Format), and a tab following another.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-9}
mkdir -p target/bench

echo "==> release build"
trunk build --release 2>&1 | tail -n 1

echo "==> native workloads (cargo --release)"
cargo run --quiet --release -p moonkeep-engine --example vm_bench -- bench "$RUNS" | tee target/bench/native.tsv

echo "==> stock lua5.4 workloads"
: > target/bench/lua54.tsv
shopt -u patsub_replacement 2>/dev/null || true # "&" in a workload stays literal
driver=$(cat bench/driver.lua)
for w in bench/workloads/*.lua; do
  src=${driver//@WORKLOAD@/$(cat "$w")}
  src=${src//@RUNS@/$RUNS}
  printf '%s\t%s\n' "$(basename "$w" .lua)" "$(lua5.4 -e "print((function() $src
end)())")" | tee -a target/bench/lua54.tsv
done

echo "==> Memory persistence (native, cargo --release)"
cargo run --quiet --release -p moonkeep-engine --example memory_bench

echo "==> Memory scaling: 10,000 / 100,000 / 1,000,000 small tables (native, cargo --release)"
cargo run --quiet --release -p moonkeep-engine --example scale_bench

echo "==> History: 1,000 one-key versions (native, cargo --release)"
cargo run --quiet --release -p moonkeep-engine --example history_bench

echo "==> Memory inspector rows (native, cargo --release)"
cargo run --quiet --release -p moonkeep-engine --example inspect_bench

echo "==> Editor assistance: completion on a 100k-entry Memory, checks of a 2,000-line script (native, cargo --release)"
cargo run --quiet --release -p moonkeep-engine --example complete_bench

echo "==> Chromium"
node bench/browser.mjs target/bench/native.tsv target/bench/lua54.tsv "$RUNS"
node bench/inspector_browser.mjs "$RUNS"
node bench/editor_browser.mjs "$RUNS"
node bench/history_browser.mjs
node bench/follow_browser.mjs "$RUNS"
node bench/format_browser.mjs "$RUNS"
node bench/scale_browser.mjs
