#!/usr/bin/env bash
# Idempotent environment setup for mmmultimix, in two flavours:
#
#   bash tools/setup_env.sh light   classification only (the demo, every
#                                   mmpretrain config, the studies): mmcv-lite,
#                                   pure Python, nothing compiled; ~5 min fresh
#   bash tools/setup_env.sh full    + mmcv's compiled ops (mmdet's detectors,
#                                   the test suite): builds mmcv 2.1.0 with C++20
#                                   once (15-30 min on 2 cores) and caches the wheel
#
# Both create ./.venv and install mmmultimix (editable) with every extra of
# setup.cfg, which declares the supported ranges once, under the exact
# versions of tools/constraints.txt (torch 2.14.1, torchvision 0.29.1,
# mmengine 0.10.7, mmcv(-lite) 2.1.0, mmpretrain 1.2.0, mmdet 3.3.0, Ray
# 2.60.0, Sphinx 9.0.4). To install into an environment of your own
# instead (your torch stays): pip install -e ".[lite]" and the docs'
# get_started page. The full
# flavour serves everything the light one does, so `light` after `full` keeps
# the compiled ops. Stamp files in .venv say what is installed; a switch
# removes the mmcv stamp before it touches mmcv, so an interrupted switch is
# repaired by the next run. A run that finds its flavour complete returns in
# a second.
#
# Environment variables:
#   MMMULTIMIX_CACHE  where the built mmcv wheel is cached
#                     (default: ~/.cache/mmmultimix)
#   PYTHON            interpreter used to create the venv (default: python3)
#   FORCE_CUDA        1 to build mmcv's CUDA ops (default: auto, 1 when nvcc
#                     and a CUDA GPU are present)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "${ROOT}/tools/test_env.sh"
VENV="${ROOT}/.venv"
CACHE="${MMMULTIMIX_CACHE:-${HOME}/.cache/mmmultimix}"
PYTHON="${PYTHON:-python3}"
EXTRAS="detection,baselines,studies,analysis,docs,tests"
# what the base install is made of: a change to setup.cfg's declarations or
# to the pins reinstalls it (pip then changes only what moved)
BASE_CONTENT="v9 ${EXTRAS} $(install_digest "${ROOT}")"

log() { echo "[setup_env] $*" >&2; }

# Fashion-MNIST (real data for the studies and some tests; the digits demo
# does not need it): FASHION_MNIST_DIR when it holds the files, else
# Debian's package dataset-fashion-mnist, 30 MB (as root installed
# system-wide, /usr/share/datasets/fashion-mnist; otherwise downloaded and
# unpacked into data/fashion-mnist). Without apt (off Debian) the set-up goes
# on and says which four files to put where. Idempotent; nothing downloads
# at run time. MMMULTIMIX_FMNIST_SYSTEM replaces the system path (tests).
FMNIST_SYSTEM="${MMMULTIMIX_FMNIST_SYSTEM:-/usr/share/datasets/fashion-mnist}"
FMNIST_LOCAL="${ROOT}/data/fashion-mnist"
fmnist_present() {
  [[ -n "$1" && -f "$1/train-images-idx3-ubyte.gz" && -f "$1/t10k-labels-idx1-ubyte.gz" ]]
}
if fmnist_present "${FASHION_MNIST_DIR:-}"; then
  FMNIST_AT="${FASHION_MNIST_DIR}"
elif fmnist_present "${FMNIST_SYSTEM}"; then
  FMNIST_AT="${FMNIST_SYSTEM}"
elif fmnist_present "${FMNIST_LOCAL}"; then
  FMNIST_AT="${FMNIST_LOCAL}"
elif [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
  log "installing Fashion-MNIST (apt-get install dataset-fashion-mnist)"
  apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1 || {
    apt-get update -qq >/dev/null 2>&1 && \
      apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1; } || true
  FMNIST_AT="${FMNIST_SYSTEM}"
elif command -v apt-get >/dev/null 2>&1; then
  log "downloading Debian's dataset-fashion-mnist into ${FMNIST_LOCAL}"
  DEB_TMP="$(mktemp -d)"
  (cd "${DEB_TMP}" && apt-get download dataset-fashion-mnist >/dev/null 2>&1 && \
     dpkg-deb -x dataset-fashion-mnist_*.deb unpacked && \
     mkdir -p "${FMNIST_LOCAL}" && \
     cp unpacked/usr/share/datasets/fashion-mnist/* "${FMNIST_LOCAL}/") || true
  rm -rf "${DEB_TMP}"
  FMNIST_AT="${FMNIST_LOCAL}"
else
  FMNIST_AT=""
fi
if fmnist_present "${FMNIST_AT}"; then
  [[ -n "${MMMULTIMIX_QUIET:-}" ]] || log "Fashion-MNIST: ${FMNIST_AT}"
else
  log "Fashion-MNIST not installed (no apt, or apt could not fetch it): the" \
    "digits demo does not need it; for the Fashion-MNIST studies put" \
    "train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz," \
    "t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz in a folder" \
    "named by FASHION_MNIST_DIR or in ${FMNIST_LOCAL}"
fi

FLAVOUR="${1:-full}"
case "${FLAVOUR}" in
  light|full) ;;
  *) log "unknown flavour '${FLAVOUR}': use 'light' (classification, no compiled ops) or 'full' (+ mmcv's ops for mmdet and the tests)"; exit 2 ;;
esac
BASE_STAMP="${VENV}/.mmmultimix-base"
MMCV_STAMP="${VENV}/.mmmultimix-mmcv"
mmcv_state() { [[ -f "${MMCV_STAMP}" ]] && cat "${MMCV_STAMP}" || echo none; }
if [[ -f "${BASE_STAMP}" && "$(cat "${BASE_STAMP}")" == "${BASE_CONTENT}" ]]; then
  case "${FLAVOUR}:$(mmcv_state)" in
    light:lite|light:full|full:full) exit 0 ;;
  esac
fi

if [[ ! -x "${VENV}/bin/python" ]]; then
  log "creating ${VENV}"
  "${PYTHON}" -m venv "${VENV}"
fi
PY="${VENV}/bin/python"
# -qq on top of each call's -q: pip's warnings about this machine's own
# configuration (e.g. an index folder that does not exist) are not ours to
# print; errors still are
PIP=("${PY}" -m pip --disable-pip-version-check -q)
CONSTRAINTS="${ROOT}/tools/constraints.txt"

if [[ ! -f "${BASE_STAMP}" || "$(cat "${BASE_STAMP}")" != "${BASE_CONTENT}" ]]; then
  rm -f "${BASE_STAMP}"
  log "installing torch, mmengine, mmpretrain, mmdet and tools from setup.cfg under tools/constraints.txt (nothing compiled; ~2 min fresh)"
  "${PIP[@]}" install -q -c "${CONSTRAINTS}" 'setuptools>=77,<80.9' wheel ninja
  "${PIP[@]}" install -q -c "${CONSTRAINTS}" --no-build-isolation \
    -e "${ROOT}[${EXTRAS}]"
  use_cv2_contrib "${PY}" "${CONSTRAINTS}"  # tools/test_env.sh
  echo "${BASE_CONTENT}" > "${BASE_STAMP}"
fi

install_mmcv() {  # $1: path or requirement; replaces whichever mmcv is there
  rm -f "${MMCV_STAMP}"
  "${PIP[@]}" uninstall -q -y mmcv mmcv-lite >/dev/null 2>&1 || true
  "${PIP[@]}" install -q -c "${CONSTRAINTS}" --no-deps "$1"
}

if [[ "${FLAVOUR}" == light ]]; then
  # the light flavour needs some mmcv: a full one (compiled ops) already
  # there stays, as the early exit above keeps it when the base is current
  # (a base reinstall does not touch mmcv: no extra above requires it)
  MMCV_NOW="$(mmcv_state)"
  if [[ "${MMCV_NOW}" == none ]]; then
    log "installing mmcv-lite 2.1.0 (no compiled ops: classification only)"
    install_mmcv mmcv-lite==2.1.0
    MMCV_NOW=lite
  fi
  "${PY}" - <<'PYEOF'
import mmcv, mmpretrain, mmengine, torch, mmmultimix  # noqa: F401
PYEOF
  echo "${MMCV_NOW}" > "${MMCV_STAMP}"
  if [[ "${MMCV_NOW}" == full ]]; then
    [[ -n "${MMMULTIMIX_QUIET:-}" ]] || log "ok: full environment kept (mmcv's compiled ops stay; light needs no more)"
  else
    [[ -n "${MMMULTIMIX_QUIET:-}" ]] || log "ok: light environment (classification; 'bash tools/setup_env.sh full' adds mmcv's compiled ops for mmdet)"
  fi
  exit 0
fi

if [[ "$(mmcv_state)" != full ]]; then
  rm -f "${MMCV_STAMP}"
  PYTHON="${PY}" MMMULTIMIX_CACHE="${CACHE}" bash "${ROOT}/tools/build_mmcv.sh"
fi
"${PY}" - <<'PYEOF'
import torch, torchvision, mmengine, mmcv, mmpretrain, mmdet
from mmcv.ops import nms  # compiled ops present
assert torch.__version__.split('+')[0] == '2.14.1', torch.__version__
print('[setup_env] ok: full environment: torch', torch.__version__, 'mmcv',
      mmcv.__version__, 'mmpretrain', mmpretrain.__version__, 'mmdet',
      mmdet.__version__)
PYEOF
echo full > "${MMCV_STAMP}"
