#!/usr/bin/env bash
# mmcv 2.1.0 with its compiled ops (NMS, RoI align: mmdet's detectors), built
# from source for the torch installed in PYTHON's environment and installed
# there in place of mmcv-lite or another mmcv. OpenMMLab publishes no mmcv
# wheel for torch >= 2.2, and torch >= 2.10's headers need C++20 where mmcv
# 2.1.0 asks for C++14/17: this script patches that one flag and nothing else.
#
#   bash tools/build_mmcv.sh                 # the active environment's python
#   PYTHON=/path/to/env/bin/python bash tools/build_mmcv.sh
#
# 15-30 min on 2 cores, once: the wheel is cached per torch version and CUDA
# setting in MMMULTIMIX_CACHE (default ~/.cache/mmmultimix). FORCE_CUDA=1
# builds the CUDA kernels too (default: 1 when nvcc and a CUDA GPU are
# present); MAX_JOBS sets the compiler's parallel jobs (default: all cores).
set -euo pipefail
PY="${PYTHON:-python}"
CACHE="${MMMULTIMIX_CACHE:-${HOME}/.cache/mmmultimix}"
PIP=("${PY}" -m pip --disable-pip-version-check -q)
log() { echo "[build_mmcv] $*" >&2; }

TORCH="$("${PY}" -c 'import torch; print(torch.__version__.split("+")[0])')"
if [[ -z "${FORCE_CUDA:-}" ]]; then
  if command -v nvcc >/dev/null 2>&1 && "${PY}" -c "import torch,sys; sys.exit(0 if torch.cuda.is_available() else 1)"; then
    FORCE_CUDA=1
  else
    FORCE_CUDA=0
  fi
fi
WHEEL_DIR="${CACHE}/mmcv-2.1.0-torch${TORCH}-cuda${FORCE_CUDA}"
mkdir -p "${WHEEL_DIR}"
if ! ls "${WHEEL_DIR}"/mmcv-2.1.0-*.whl >/dev/null 2>&1; then
  log "building mmcv 2.1.0's compiled ops for torch ${TORCH} (FORCE_CUDA=${FORCE_CUDA}): 15-30 min on 2 cores, once (cached in ${WHEEL_DIR})"
  BUILD="$(mktemp -d)"
  trap 'rm -rf "${BUILD}"' EXIT
  "${PIP[@]}" install -q wheel ninja  # the build's tools (no torch change)
  "${PIP[@]}" download -q --no-deps --no-binary :all: -d "${BUILD}" mmcv==2.1.0
  tar -xzf "${BUILD}"/mmcv-2.1.0.tar.gz -C "${BUILD}"
  SRC="${BUILD}/mmcv-2.1.0"
  sed -i -e 's/-std=c++14/-std=c++20/g' -e 's/-std=c++17/-std=c++20/g' "${SRC}/setup.py"
  (cd "${SRC}" && MMCV_WITH_OPS=1 FORCE_CUDA="${FORCE_CUDA}" MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
     "${PIP[@]}" wheel -q --no-build-isolation --no-deps -w "${BUILD}/dist" .)
  cp "${BUILD}"/dist/mmcv-2.1.0-*.whl "${WHEEL_DIR}/.tmp.whl"
  mv "${WHEEL_DIR}/.tmp.whl" "${WHEEL_DIR}/$(basename "${BUILD}"/dist/mmcv-2.1.0-*.whl)"
fi
# one mmcv at a time: mmcv-lite and mmcv install the same package directory
"${PIP[@]}" uninstall -q -y mmcv mmcv-lite >/dev/null 2>&1 || true
"${PIP[@]}" install -q --no-deps "$(ls "${WHEEL_DIR}"/mmcv-2.1.0-*.whl | head -1)"
"${PY}" -c 'from mmcv.ops import nms; import mmcv; print("[build_mmcv] ok: mmcv", mmcv.__version__, "with compiled ops")' >&2
