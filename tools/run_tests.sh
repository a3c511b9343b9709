#!/usr/bin/env bash
# README test command: set up .venv when needed, then run the test suite.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
bash "${ROOT}/tools/setup_env.sh"
cd "${ROOT}"
exec "${ROOT}/.venv/bin/python" -m pytest -q -p no:cacheprovider tests "$@"
