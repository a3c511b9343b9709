#!/usr/bin/env bash
# Idempotent environment setup for mmmultimix.
#
# Creates ./.venv (if missing or incomplete) with the pinned OpenMMLab stack:
#   torch 2.14.1, torchvision 0.29.1, mmengine 0.10.7, mmcv 2.1.0 (compiled ops,
#   built from source with C++20 and cached), mmpretrain 1.2.0, mmdet 3.3.0.
# A second run only checks a stamp file and returns in seconds.
#
# Environment variables:
#   MMMULTIMIX_CACHE  where the built mmcv wheel is cached
#                     (default: ~/.cache/mmmultimix)
#   PYTHON            interpreter used to create the venv (default: python3)
#   FORCE_CUDA        1 to build mmcv's CUDA ops (default: auto, 1 when nvcc
#                     and a CUDA GPU are present)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${ROOT}/.venv"
CACHE="${MMMULTIMIX_CACHE:-${HOME}/.cache/mmmultimix}"
PYTHON="${PYTHON:-python3}"
STAMP_CONTENT="torch==2.14.1 torchvision==0.29.1 mmengine==0.10.7 mmcv==2.1.0 mmpretrain==1.2.0 mmdet==3.3.0 v4"
STAMP="${VENV}/.mmmultimix-env"

log() { echo "[setup_env] $*" >&2; }

# Fashion-MNIST (real data for the study and the tests): Debian's package
# dataset-fashion-mnist, 30 MB. As root it is installed system-wide
# (/usr/share/datasets/fashion-mnist); otherwise the package is downloaded and
# unpacked into data/fashion-mnist. Idempotent; nothing downloads at run time.
FMNIST_SYSTEM=/usr/share/datasets/fashion-mnist
FMNIST_LOCAL="${ROOT}/data/fashion-mnist"
fmnist_present() {
  [[ -f "$1/train-images-idx3-ubyte.gz" && -f "$1/t10k-labels-idx1-ubyte.gz" ]]
}
if fmnist_present "${FMNIST_SYSTEM}"; then
  FMNIST_AT="${FMNIST_SYSTEM}"
elif fmnist_present "${FMNIST_LOCAL}"; then
  FMNIST_AT="${FMNIST_LOCAL}"
elif [[ "$(id -u)" == 0 ]]; then
  log "installing Fashion-MNIST (apt-get install dataset-fashion-mnist)"
  apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1 || {
    apt-get update -qq >/dev/null && \
      apt-get install -y -qq dataset-fashion-mnist >/dev/null; } || true
  FMNIST_AT="${FMNIST_SYSTEM}"
else
  log "downloading Debian's dataset-fashion-mnist into ${FMNIST_LOCAL}"
  DEB_TMP="$(mktemp -d)"
  (cd "${DEB_TMP}" && apt-get download dataset-fashion-mnist >/dev/null && \
     dpkg-deb -x dataset-fashion-mnist_*.deb unpacked && \
     mkdir -p "${FMNIST_LOCAL}" && \
     cp unpacked/usr/share/datasets/fashion-mnist/* "${FMNIST_LOCAL}/") || true
  rm -rf "${DEB_TMP}"
  FMNIST_AT="${FMNIST_LOCAL}"
fi
if ! fmnist_present "${FMNIST_AT}"; then
  log "Fashion-MNIST could not be installed (apt-get install -y dataset-fashion-mnist)"
  exit 1
fi
[[ -n "${MMMULTIMIX_QUIET:-}" ]] || log "Fashion-MNIST: ${FMNIST_AT}"

if [[ -f "${STAMP}" && "$(cat "${STAMP}")" == "${STAMP_CONTENT}" ]]; then
  # Fast path: environment complete.
  exit 0
fi

if [[ ! -x "${VENV}/bin/python" ]]; then
  log "creating ${VENV}"
  "${PYTHON}" -m venv "${VENV}"
fi
PY="${VENV}/bin/python"
PIP=("${PY}" -m pip --disable-pip-version-check)
CONSTRAINTS="${ROOT}/tools/constraints.txt"

log "installing torch + build tools"
"${PIP[@]}" install -q -c "${CONSTRAINTS}" torch==2.14.1 torchvision==0.29.1 \
  'setuptools>=77,<82' wheel ninja 'numpy<2.3'

log "installing mmengine"
"${PIP[@]}" install -q -c "${CONSTRAINTS}" mmengine==0.10.7

if [[ -z "${FORCE_CUDA:-}" ]]; then
  if command -v nvcc >/dev/null 2>&1 && "${PY}" -c "import torch,sys; sys.exit(0 if torch.cuda.is_available() else 1)"; then
    FORCE_CUDA=1
  else
    FORCE_CUDA=0
  fi
fi
WHEEL_DIR="${CACHE}/mmcv-2.1.0-torch2.14.1-cuda${FORCE_CUDA}"
mkdir -p "${WHEEL_DIR}"
if ! ls "${WHEEL_DIR}"/mmcv-2.1.0-*.whl >/dev/null 2>&1; then
  log "building mmcv 2.1.0 with compiled ops (FORCE_CUDA=${FORCE_CUDA}); ~15 min on 2 cores"
  BUILD="$(mktemp -d)"
  trap 'rm -rf "${BUILD}"' EXIT
  "${PIP[@]}" download -q --no-deps --no-binary :all: -d "${BUILD}" mmcv==2.1.0
  tar -xzf "${BUILD}"/mmcv-2.1.0.tar.gz -C "${BUILD}"
  SRC="${BUILD}/mmcv-2.1.0"
  # torch >= 2.10 headers need C++20; mmcv 2.1.0 hard-codes c++14/c++17.
  sed -i -e 's/-std=c++14/-std=c++20/g' -e 's/-std=c++17/-std=c++20/g' "${SRC}/setup.py"
  (cd "${SRC}" && MMCV_WITH_OPS=1 FORCE_CUDA="${FORCE_CUDA}" MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
     "${PIP[@]}" wheel -q --no-build-isolation --no-deps -w "${BUILD}/dist" .)
  cp "${BUILD}"/dist/mmcv-2.1.0-*.whl "${WHEEL_DIR}/"
fi
log "installing mmcv from ${WHEEL_DIR}"
"${PIP[@]}" install -q -c "${CONSTRAINTS}" --no-deps "${WHEEL_DIR}"/mmcv-2.1.0-*.whl
# mmcv's runtime dependencies (installed without --no-deps would re-resolve torch)
"${PIP[@]}" install -q -c "${CONSTRAINTS}" addict packaging Pillow pyyaml yapf opencv-python-headless

log "installing mmpretrain, mmdet and tools"
"${PIP[@]}" install -q -c "${CONSTRAINTS}" mmpretrain==1.2.0 mmdet==3.3.0 \
  scikit-learn pytest pytest-xdist matplotlib pycocotools umap-learn

log "installing mmmultimix (editable)"
"${PIP[@]}" install -q -c "${CONSTRAINTS}" --no-deps --no-build-isolation -e "${ROOT}"

"${PY}" - <<'PYEOF'
import torch, torchvision, mmengine, mmcv, mmpretrain, mmdet
from mmcv.ops import nms  # compiled ops present
assert torch.__version__.split('+')[0] == '2.14.1', torch.__version__
print('[setup_env] ok: torch', torch.__version__, 'mmcv', mmcv.__version__,
      'mmpretrain', mmpretrain.__version__, 'mmdet', mmdet.__version__)
PYEOF
echo "${STAMP_CONTENT}" > "${STAMP}"
