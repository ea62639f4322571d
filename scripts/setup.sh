#!/usr/bin/env bash
# Create .venv and install the locked requirements and the project into it (skipped when nothing changed).
# Usage: scripts/setup.sh [runtime|dev]
set -euo pipefail
cd "$(dirname "$0")/.."

profile="${1:-runtime}"
# Exact versions with hashes (scripts/lock.sh writes them from the bounded requirements*.txt).
lock=requirements.lock
[ "$profile" = dev ] && lock=requirements-dev.lock
python="${PYTHON:-python3}"

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "error: '$*' needs root; run it as root or install sudo" >&2; return 1
  fi
}

if ! "$python" -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null; then
  echo "error: Crewcast needs Python 3.11 or newer ($python is $("$python" --version 2>&1))" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  # Debian ships venv's pip bootstrap in a separate package.
  if ! "$python" -c 'import ensurepip' 2>/dev/null; then
    echo "installing Debian's python3-venv (needed to create the virtual environment)..."
    as_root apt-get update -qq
    as_root apt-get install -y -qq python3-venv
  fi
  "$python" -m venv .venv
fi

stamp=.venv/.crewcast-$profile
wanted=$(cat "$lock" pyproject.toml | sha256sum | cut -c1-16)
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "installing $lock into .venv (first time: a few minutes)..."
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes -r "$lock"
  # The project itself (the `crewcast` command), editable so the clone is what runs; its
  # dependencies are the lock's, already installed.
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
  echo "$wanted" > "$stamp"
fi
