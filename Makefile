# Moonkeep. Every target installs what it needs first (scripts/setup.sh, idempotent).
SHELL := /bin/bash
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
export TRUNK_OFFLINE := true

.PHONY: setup serve build test bench bench-compare clean

setup:
	@scripts/setup.sh

## Build and serve the playground on http://127.0.0.1:8080 (rebuilds on change).
serve: setup
	trunk serve --release

## Release build of the web app into dist/.
build: setup
	trunk build --release

## Every suite (native engine tests, browser tests); ends with "N passed, N failed".
test: setup
	@scripts/test.sh

## Benchmarks: prints sizes and timings (see README).
bench: setup
	@scripts/bench.sh

## Moonkeep against wasmoon, fengari and native lua5.4; writes bench/RESULTS.md.
bench-compare: setup
	@scripts/bench-compare.sh

clean:
	cargo clean
	rm -rf dist test-results
