# hwb-outcomes: `make run` serves the dashboard, `make test` runs every test.
# Both install what is missing first (idempotently), so a fresh machine with
# the Rust toolchain, git, make, node/npm and apt needs nothing else.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Build artefacts and tools live outside the checkout, so a fresh clone (CI)
# reuses them; `target` is a symlink into the cache. Correctness never
# depends on the cache: delete it and everything is rebuilt.
CACHE ?= $(HOME)/.cache/hwb-outcomes
TOOLS := $(CACHE)/tools
export PATH := $(TOOLS)/bin:$(TOOLS)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
export CARGO_TERM_COLOR ?= never

WASM_BINDGEN_VERSION := $(shell sed -n '/^name = "wasm-bindgen"$$/{n;s/^version = "\(.*\)"$$/\1/p;}' Cargo.lock)
BINARYEN_VERSION := 132.0.0
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# One profile and one feature set for the server, its tests and the
# benchmarks, so Polars is compiled once.
CARGO_FLAGS := --locked --release --features ssr

CARGO_FUZZ_VERSION := 0.13.2
MOTO_VERSION := 5.2.1
FUZZ_SECONDS ?= 600

.PHONY: help run build test test-rust test-e2e lint fmt tools e2e-tools fuzz-tools db-tools s3-tools fuzz bench-load target-dir server site clean-site update-screenshots

help:
	@echo "make run    build (release) and serve the dashboard on http://127.0.0.1:3000"
	@echo "make test   unit, integration and end-to-end tests (Chromium), with totals"
	@echo "make build  target/release/hwb-outcomes and the site folder target/site"
	@echo "make lint   cargo fmt --check and clippy (server and browser builds)"
	@echo "make fuzz   every fuzz target for FUZZ_SECONDS (default 600) each, corpus kept in the cache"
	@echo "make bench-load  64 connections against a national edition while one is published"
	@echo "make update-screenshots  rewrite the visual baselines that changed (look at each before committing)"

run: build
	LEPTOS_SITE_ROOT=target/site ./target/release/hwb-outcomes serve

build: tools target-dir server site

test: build e2e-tools fuzz-tools db-tools s3-tools
	scripts/run-tests

fuzz: fuzz-tools
	scripts/fuzz $(FUZZ_SECONDS) "$(CACHE)/fuzz-corpus"

bench-load: build
	scripts/bench-load

lint: target-dir
	cargo fmt --check
	cargo clippy $(CARGO_FLAGS) --all-targets -- -D warnings
	cargo clippy --locked --lib --target wasm32-unknown-unknown --profile wasm-release --no-default-features --features hydrate -- -D warnings

fmt:
	cargo fmt

server: target-dir
	cargo build $(CARGO_FLAGS) --bin hwb-outcomes

site: target-dir tools
	scripts/build-site

target-dir:
	@if [ ! -e target ]; then mkdir -p "$(CACHE)/target" && ln -s "$(CACHE)/target" target; fi

tools:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown \
	  || rustup target add wasm32-unknown-unknown
	@[ "$$(wasm-bindgen --version 2>/dev/null)" = "wasm-bindgen $(WASM_BINDGEN_VERSION)" ] \
	  || cargo install --root "$(TOOLS)" --force wasm-bindgen-cli --version "$(WASM_BINDGEN_VERSION)"
	@# Debian's binaryen (108) writes bundles that never hydrate: use npm's.
	@wasm-opt --version 2>/dev/null | grep -q "version $(firstword $(subst ., ,$(BINARYEN_VERSION)))" \
	  || npm install --prefix "$(TOOLS)" --no-save --no-audit --no-fund "binaryen@$(BINARYEN_VERSION)"

# cargo-fuzz on stable Rust (`--sanitizer none`): see scripts/fuzz.
fuzz-tools:
	@[ "$$(cargo fuzz --version 2>/dev/null)" = "cargo-fuzz $(CARGO_FUZZ_VERSION)" ] \
	  || cargo install --root "$(TOOLS)" --force cargo-fuzz --version "$(CARGO_FUZZ_VERSION)"

# Debian's PostgreSQL server, which scripts/postgres starts for the tests
# in a folder of their own; `make run` needs none of it.
db-tools:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
	  || { $(SUDO) apt-get update && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql; }

# moto, an S3-compatible server from PyPI, which scripts/s3 starts for the
# tests; in a virtual environment in the cache, on PATH as moto_server.
s3-tools:
	@"$(TOOLS)/moto/bin/python" -c 'import sys, moto; sys.exit(moto.__version__ != "$(MOTO_VERSION)")' 2>/dev/null \
	  || { python3 -m venv --clear "$(TOOLS)/moto" && "$(TOOLS)/moto/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$(MOTO_VERSION)"; }
	@mkdir -p "$(TOOLS)/bin" && ln -sf "$(TOOLS)/moto/bin/moto_server" "$(TOOLS)/bin/moto_server"

e2e-tools:
	@command -v chromium >/dev/null \
	  || { $(SUDO) apt-get update && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }
	@# The visual baselines are drawn in these fonts (fontconfig's sans-serif and Arial).
	@{ fc-list : family | grep -q "DejaVu Sans" && fc-list : family | grep -q "Liberation Sans"; } \
	  || { $(SUDO) apt-get update && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y fontconfig fonts-dejavu-core fonts-liberation; }
	@cd end2end && { [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund; }

# Rewrites only the screenshots that differ, and records the Chromium that
# made them; review every changed PNG (git diff --stat, then look) before
# committing.
update-screenshots: build e2e-tools
	cd end2end && npx playwright test visual --update-snapshots=changed

clean-site:
	rm -rf target/site target/release/hash.txt
