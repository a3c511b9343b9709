#!/usr/bin/env bash
# README test command: set up .venv when needed, then run the test suite.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
bash "${ROOT}/tools/setup_env.sh" full
cd "${ROOT}"
# two workers (the machine's 2 cores) by default; each worker gets
# cores / workers torch threads whatever the shell's OMP_NUM_THREADS says
# (an inherited 8 on 2 cores would oversubscribe them 8-fold);
# TEST_THREADS sets another count on purpose (the suite passes with 1 and
# 2). A test file stays on one worker (its module fixtures are built once).
WORKERS="${PYTEST_WORKERS:-2}"
CORES="$("${ROOT}/.venv/bin/python" -c 'import os; print(len(os.sched_getaffinity(0)))')"
PER=$(( WORKERS > 0 ? CORES / WORKERS : CORES ))
THREADS="${TEST_THREADS:-$(( PER > 0 ? PER : 1 ))}"
export OMP_NUM_THREADS="${THREADS}" MKL_NUM_THREADS="${THREADS}"
echo "[run_tests] ${WORKERS} worker(s) x ${THREADS} torch thread(s) on ${CORES} core(s)" >&2
exec "${ROOT}/.venv/bin/python" -m pytest -q -p no:cacheprovider \
  -n "${WORKERS}" --dist loadfile tests "$@"
