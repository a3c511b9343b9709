#!/usr/bin/env bash
# README test command: set up .venv when needed, then run the test suite.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
bash "${ROOT}/tools/setup_env.sh" full
cd "${ROOT}"
# workers and torch threads per worker (tools/test_env.sh); a test file
# stays on one worker (its module fixtures are built once)
source "${ROOT}/tools/test_env.sh"
set_test_threads "${ROOT}/.venv/bin/python"
echo "[run_tests] ${WORKERS} worker(s) x ${THREADS} torch thread(s) on ${CORES} core(s)" >&2
"${ROOT}/.venv/bin/python" -m pytest -q -p no:cacheprovider \
  -n "${WORKERS}" --dist loadfile tests "$@"
# the numerically sensitive tests again on a second instruction set: on an
# AVX-512 host, oneDNN's and ATen's AVX2 kernels (what an AVX2-only machine
# runs), so that a green suite holds on both CPU families; skipped when the
# host has no AVX-512, a selection of tests is given, or SECOND_ISA=0
if [[ $# -eq 0 && "${SECOND_ISA:-1}" != 0 ]] && \
    grep -q avx512f /proc/cpuinfo 2>/dev/null; then
  echo "[run_tests] numerically sensitive tests on AVX2 kernels" \
    "(ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2)" >&2
  ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2 \
    "${ROOT}/.venv/bin/python" -m pytest -q -p no:cacheprovider \
    -n "${WORKERS}" --dist loadfile tests/test_functional.py \
    tests/test_baselines.py tests/test_evaluation.py tests/test_dense.py \
    tests/test_precision.py tests/test_teacher_precision.py
fi
# the classification tests once more on the oldest supported torch (2.11),
# in an environment built as a user's is: its torch first, then
# `pip install -e ".[lite,tests,...]"`, which must keep it; SECOND_TORCH=0 skips
if [[ $# -eq 0 && "${SECOND_TORCH:-1}" != 0 ]]; then
  echo "[run_tests] the classification tests on torch 2.11 (tools/second_torch.sh)" >&2
  PYTEST_WORKERS="${WORKERS}" bash "${ROOT}/tools/second_torch.sh"
fi
