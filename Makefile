# The two commands of the README, and what they need.
#   make run    install what is missing, build in release mode, serve on http://127.0.0.1:3000
#   make test   install what is missing, then every check and test, end-to-end included
#   make bench  the measurements recorded in BENCHMARKS.md

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
export PATH := $(CURDIR)/end2end/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

CARGO_LEPTOS_VERSION := 0.3.10
# The wasm-bindgen CLI must match the wasm-bindgen crate in Cargo.lock exactly.
WASM_BINDGEN_VERSION := $(shell sed -n '/^name = "wasm-bindgen"$$/{n;s/version = "\(.*\)"/\1/p}' Cargo.lock)

.PHONY: run test bench tools browser checks unit-tests site e2e clean

run: tools site
	@echo "Serving on http://127.0.0.1:3000 (the first start loads the data; Ctrl-C stops)"
	./target/release/covid19 serve

test: tools browser checks unit-tests site e2e
	@echo "make test: all checks and tests passed"

bench: tools site
	cargo build --release -p server --bin bench-bookings
	./bench/run.sh

# Build tools: the wasm target, cargo-leptos, wasm-bindgen and wasm-opt (from npm).
tools:
	@if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then \
	  echo "Installing the wasm32-unknown-unknown target"; rustup target add wasm32-unknown-unknown; fi
	@if [ "$$(cargo leptos --version 2>/dev/null)" != "cargo-leptos $(CARGO_LEPTOS_VERSION)" ]; then \
	  echo "Installing cargo-leptos $(CARGO_LEPTOS_VERSION): once per machine, about 15 minutes"; \
	  cargo install cargo-leptos --locked --version $(CARGO_LEPTOS_VERSION); fi
	@if [ "$$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $(WASM_BINDGEN_VERSION)" ]; then \
	  echo "Installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION): once per machine, about 2 minutes"; \
	  cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION); fi
	@if [ ! -x end2end/node_modules/.bin/wasm-opt ] || [ ! -d end2end/node_modules/playwright-core ]; then \
	  echo "Installing wasm-opt and playwright-core from npm"; (cd end2end && npm ci --no-audit --no-fund); fi

# Debian's Chromium for the end-to-end tests (never a browser download).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "Installing Debian's chromium"; apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; fi

checks:
	cargo fmt --all --check
	cargo clippy -p app --features ssr --all-targets -- -D warnings
	cargo clippy -p server --all-targets -- -D warnings
	cargo clippy -p app --features hydrate --target wasm32-unknown-unknown -- -D warnings
	cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

# Per package, so that `ssr` and `hydrate` never build together; the integration tests run
# once on SQLite and once on a throwaway Postgres cluster.
unit-tests:
	cargo test -p app --features ssr
	cargo test -p server
	./scripts/test-postgres.sh

site:
	cargo leptos build --release

e2e:
	./end2end/run.sh

clean:
	cargo clean
	rm -rf end2end/node_modules
