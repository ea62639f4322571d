#!/usr/bin/env bash
# Refresh the lock files from the bounded requirements, with hashes (uv pip compile).
#   scripts/lock.sh           re-resolve to the newest versions the bounds allow, write requirements*.lock
#   scripts/lock.sh --keep    add what requirements*.txt gained, keeping every other pin as locked (the
#                             venv stays in step: install the new pins with pip install --no-deps)
#   scripts/lock.sh --check   resolve to the newest allowed versions in a scratch venv and run the whole
#                             suite there, without touching the lock files or .venv (the "newest" run)
set -euo pipefail
cd "$(dirname "$0")/.."

uv=.venv/bin/uv
if [ ! -x "$uv" ]; then
  # First run, before .venv exists: uv in a throwaway venv.
  python3 -m venv /tmp/crewcast-uv && /tmp/crewcast-uv/bin/pip install --quiet uv
  uv=/tmp/crewcast-uv/bin/uv
fi
upgrade=--upgrade
if [ "${1:-}" = --keep ]; then upgrade=; fi
compile() {  # compile IN OUT
  "$uv" pip compile --quiet --python-version 3.11 --generate-hashes $upgrade \
    --no-header --annotation-style line "$1" -o "$2"
}

if [ "${1:-}" = --check ]; then
  scratch=$(mktemp -d)
  compile requirements-dev.txt "$scratch/newest.lock"
  python3 -m venv "$scratch/venv"
  "$scratch/venv/bin/pip" install --quiet --require-hashes -r "$scratch/newest.lock"
  echo "newest allowed versions, differing from requirements-dev.lock:"
  diff <(grep -E '^[A-Za-z0-9._-]+==' requirements-dev.lock | cut -d' ' -f1) \
       <(grep -E '^[A-Za-z0-9._-]+==' "$scratch/newest.lock" | cut -d' ' -f1) || true
  "$scratch/venv/bin/ruff" check . && "$scratch/venv/bin/ruff" format --check .
  "$scratch/venv/bin/lint-imports"
  "$scratch/venv/bin/python" -m pytest "${@:2}"
  exit
fi

compile requirements.txt requirements.lock
compile requirements-dev.txt requirements-dev.lock
echo "wrote requirements.lock and requirements-dev.lock; run scripts/test.sh, then commit them"
