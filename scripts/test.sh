#!/usr/bin/env bash
# Runs every suite and ends with one line "N passed, N failed" summing them all.
# Exits non-zero if anything failed or a suite could not run.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p target
passed=0
failed=0
status=0

echo "==> native: cargo test --workspace"
cargo test --workspace --color never 2>&1 | tee target/cargo-test.log
cargo_status=${PIPESTATUS[0]}
read -r p f < <(awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i) ~ /^passed;?$/) p += $(i-1); if ($(i) ~ /^failed;?$/) f += $(i-1) } } END { print p + 0, f + 0 }' target/cargo-test.log)
if [ "$cargo_status" -ne 0 ]; then
  status=1
  [ "$f" -gt 0 ] || f=1 # it failed before any test could (a build error)
fi
echo "native: $p passed, $f failed"
passed=$((passed + p)); failed=$((failed + f))

# The invariants ARCHITECTURE.md states, checked by code: each gate counts as one test.
gate() {
  local name=$1
  shift
  if "$@" > target/gate.log 2>&1; then
    echo "gate $name: ok"
    passed=$((passed + 1))
  else
    tail -n 40 target/gate.log
    echo "gate $name: FAILED"
    failed=$((failed + 1))
    status=1
  fi
}
unsafe_only_in_lua() {
  local missing=0
  for root in src/main.rs crates/engine/src/lib.rs crates/store-redb/src/lib.rs crates/store-idb/src/lib.rs \
    crates/cli/src/main.rs bench/vm/src/lib.rs; do
    grep -q '^#!\[forbid(unsafe_code)\]' "$root" || { echo "$root does not forbid unsafe code"; missing=1; }
  done
  return $missing
}
echo "==> gates: formatting, clippy (native and wasm32), doc links, unsafe only in crates/lua"
gate "rustfmt" cargo fmt --all --check
gate "clippy (native)" cargo clippy --workspace --all-targets --color never -- -D warnings
gate "clippy (wasm32 web)" bash -c 'node editor/build.mjs && cargo clippy -p moonkeep-web -p moonkeep-store-idb --target wasm32-unknown-unknown --color never -- -D warnings'
gate "doc links" env RUSTDOCFLAGS="-D rustdoc::broken_intra_doc_links -D rustdoc::private_intra_doc_links" cargo doc --workspace --no-deps --document-private-items --color never
gate "unsafe only in crates/lua" unsafe_only_in_lua

echo "==> browser: trunk build --release, then Playwright in Chromium"
if trunk build --release 2>&1 | tail -n 3; [ "${PIPESTATUS[0]}" -eq 0 ]; then
  rm -f target/e2e-results.json
  # The engine's Vm alone, for e2e/conformance.spec.ts to make and drop VMs in the page.
  scripts/build-bench-vm.sh target/e2e-vm || status=1
  npx playwright test --config e2e/playwright.config.ts || status=1
  if [ -f target/e2e-results.json ]; then
    read -r p f < <(node -e '
      const s = require("./target/e2e-results.json").stats;
      console.log(s.expected + s.flaky, s.unexpected);')
  else
    echo "browser: no results were written"; p=0; f=1
  fi
  echo "browser: $p passed, $f failed"
  passed=$((passed + p)); failed=$((failed + f))
else
  echo "browser: the release build failed"; failed=$((failed + 1)); status=1
fi

[ "$failed" -eq 0 ] || status=1
echo "$passed passed, $failed failed"
exit "$status"
