#!/usr/bin/env bash
# Install everything (first time), then lint and run the whole test suite, browser tests included.
# Extra arguments go to pytest, e.g. scripts/test.sh -k validation
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev

if ! command -v chromium >/dev/null; then
  # Playwright drives Debian's chromium: its own browser download is not reachable here.
  echo "installing Debian's chromium for the browser tests..."
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; else
    sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi
fi

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/lint-imports --no-cache  # the import direction contract in pyproject.toml
# pytest exits 5 when it collected no tests: that is a failure here too, as is any other non-zero.
.venv/bin/python -m pytest "$@"
