#!/usr/bin/env bash
# Runs every test of jaanch: the Rust workspace (unit, integration, sqllogictest, S3 against a
# local moto server) and the Python bindings. Installs what the tests need into .venv first.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
# Installs only what is missing; a warm .venv costs a second.
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r scripts/test-requirements.txt

# The HTML page tests open pages in Debian's headless Chromium.
if ! command -v chromium >/dev/null; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    echo "installing Debian's chromium for the HTML page tests" >&2
    $sudo apt-get update -qq && $sudo apt-get install -y -qq chromium >/dev/null
fi

export JAANCH_MOTO_SERVER="$PWD/$venv/bin/moto_server"
cargo test --locked "$@"
# The binary the Rust tests ran: the Python tests compare its answers with the module's.
export JAANCH_BIN="${CARGO_TARGET_DIR:-$PWD/target}/debug/jaanch"
# Where the HTML page tests leave each page and its screenshot, to look at.
export JAANCH_PAGES_DIR="${CARGO_TARGET_DIR:-$PWD/target}/html-pages"

# Python bindings (python/): build the module into .venv with maturin, in cargo's target
# directory (CARGO_TARGET_DIR applies), then run the Python tests and the example notebook.
VIRTUAL_ENV="$PWD/$venv" PATH="$PWD/$venv/bin:$PATH" \
    "$venv/bin/maturin" develop --locked --manifest-path python/Cargo.toml
"$venv/bin/python" -m pytest python/tests
