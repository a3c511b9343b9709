#!/usr/bin/env bash
# README test command: set up .venv when needed, then run the test suite.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
bash "${ROOT}/tools/setup_env.sh" full
cd "${ROOT}"
# two workers (the machine's 2 cores), one torch thread each: much of the
# suite is process start-up and single-threaded Python; a test file stays on
# one worker (its module fixtures are built once)
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
exec "${ROOT}/.venv/bin/python" -m pytest -q -p no:cacheprovider \
  -n "${PYTEST_WORKERS:-2}" --dist loadfile tests "$@"
