#!/usr/bin/env bash
# Install everything (first time) and start the dashboard on http://localhost:8501.
# The first start seeds the bundled sample data into ./var/crewcast.db.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh runtime
exec .venv/bin/python -m streamlit run serve.py "$@"
