#!/usr/bin/env bash
# The test command's second leg: the classification tests on the oldest
# supported torch, in an environment of its own, built the way a user's is.
# torch 2.11.0 / torchvision 0.26.0 (what GPU images ship) go in first, as an
# existing environment would hold them; then `pip install -e ".[EXTRAS]"`
# under tools/constraints.txt without its torch pins, which must leave that
# torch in place. Idempotent (a stamp in the venv); ~1 min and ~5 GB fresh
# (PyPI's torch wheels carry the CUDA libraries).
#
#   bash tools/second_torch.sh [pytest args]   default: the classification tests
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TORCH="${SECOND_TORCH_VERSION:-2.11.0}"
VISION="${SECOND_TORCHVISION_VERSION:-0.26.0}"
VENV="${ROOT}/.venv-torch${TORCH%.*}"
PYTHON="${PYTHON:-python3}"
# every extra but those of the main leg only (studies: Ray; docs: Sphinx)
EXTRAS="lite,tests,baselines,detection,analysis"
source "${ROOT}/tools/test_env.sh"
log() { echo "[second_torch] $*" >&2; }
STAMP="${VENV}/.mmmultimix-second"
CONTENT="v1 ${TORCH} ${VISION} ${EXTRAS} $(install_digest "${ROOT}")"
PY="${VENV}/bin/python"
PIP=("${PY}" -m pip --disable-pip-version-check -q)
if [[ ! -f "${STAMP}" || "$(cat "${STAMP}")" != "${CONTENT}" ]]; then
  rm -f "${STAMP}"
  [[ -x "${PY}" ]] || { log "creating ${VENV}"; "${PYTHON}" -m venv "${VENV}"; }
  log "installing torch ${TORCH} / torchvision ${VISION} first (a user's environment), then mmmultimix[${EXTRAS}]"
  "${PIP[@]}" install -q "torch==${TORCH}" "torchvision==${VISION}"
  PINS="$(mktemp)"
  trap 'rm -f "${PINS}"' EXIT
  grep -v -E '^(torch|torchvision)==' "${ROOT}/tools/constraints.txt" > "${PINS}"
  "${PIP[@]}" install -q -c "${PINS}" -e "${ROOT}[${EXTRAS}]"
  use_cv2_contrib "${PY}" "${PINS}"
  echo "${CONTENT}" > "${STAMP}"
fi
# the acceptance of this leg: the install kept the user's torch
"${PY}" - "${TORCH}" "${EXTRAS}" <<'PYEOF'
import sys
import torch, mmcv, mmengine, mmpretrain, mmmultimix  # noqa: F401
kept = torch.__version__.split('+')[0]
if kept != sys.argv[1]:
    sys.exit(f'[second_torch] pip install -e ".[{sys.argv[2]}]" replaced torch '
             f'{sys.argv[1]} with {torch.__version__}')
print(f'[second_torch] torch {torch.__version__} kept; mmcv-lite '
      f'{mmcv.__version__}, mmengine {mmengine.__version__}, mmpretrain '
      f'{mmpretrain.__version__}', file=sys.stderr)
PYEOF
cd "${ROOT}"
set_test_threads "${PY}"
if [[ $# -eq 0 ]]; then
  # the classification tests (and the pure-Python detection checks of
  # configs and data); what needs mmcv's compiled ops, Ray or Sphinx runs in
  # the main leg, and the DDP kill-and-resume on torch 2.11 in
  # tests/test_gpu_check.py's dry run of the device call
  set -- --deselect "tests/test_user_requests.py::test_readme_config_reference_matches_signatures" \
    --deselect "tests/test_preflight.py::test_detection_fixtures[detection/faster-rcnn_r50_fpn_1x_coco.py-make_coco-annotations/instances_val2017.json]" \
    --deselect "tests/test_safety.py::test_ddp_resume_is_exact_and_validation_matches_test_py" \
    tests/test_functional.py tests/test_baselines.py tests/test_classifier.py \
    tests/test_dense.py tests/test_distill.py tests/test_batched_views.py \
    tests/test_image_classifier_compat.py tests/test_precision.py \
    tests/test_user_settings.py tests/test_memory_layout.py \
    tests/test_preflight.py tests/test_user_requests.py \
    tests/test_reliability.py tests/test_safety.py tests/test_evaluation.py
fi
log "torch ${TORCH}: ${WORKERS} worker(s) x ${THREADS} torch thread(s)"
"${PY}" -m pytest -q -p no:cacheprovider -n "${WORKERS}" --dist loadfile "$@"
