#!/usr/bin/env bash
# README main command: set up .venv when needed, then train and evaluate the
# digits demo configs over 3 seeds and print the results table.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
bash "${ROOT}/tools/setup_env.sh"
cd "${ROOT}"
exec "${ROOT}/.venv/bin/python" tools/demo.py "$@"
