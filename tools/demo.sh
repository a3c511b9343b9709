#!/usr/bin/env bash
# README main command: set up the light .venv (no compiled ops) when needed,
# then train and evaluate the
# digits demo configs over 3 seeds and print the results table.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
bash "${ROOT}/tools/setup_env.sh" light
cd "${ROOT}"
exec "${ROOT}/.venv/bin/python" tools/demo.py "$@"
