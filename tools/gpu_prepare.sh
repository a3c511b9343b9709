#!/usr/bin/env bash
# Prepares what a device run carries (the device machine has no internet):
# .gpu/wheels (pure-python mmengine, mmpretrain, mmcv-lite and small
# dependencies, and the numpy the project pins, downloaded here from the
# package registry for the device's Python, DEVICE_PYTHON, default 3.12;
# gco-wrapper built with that Python) and
# data/fashion-mnist (the four idx .gz files, 30 MB). Both paths are git-
# ignored: name them in the device tool's `carry`:
#   carry=[".gpu", "data/fashion-mnist"], command="bash tools/gpu_check.sh all"
# (what it writes stays under 64 MiB with the working tree: it prints the size)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
PY="${ROOT}/.venv/bin/python"
rm -rf .gpu/wheels && mkdir -p .gpu/wheels
# binary wheels for the device's interpreter (one of another Python version
# would stop the whole install there); tomli is only needed below 3.11;
# 'modelindex' on the registry is an empty stub: model-index provides the
# module; importlib_metadata from 8.8 on needs lazy_importer
"$PY" -m pip download -q --no-deps --only-binary=:all: \
  --python-version "${DEVICE_PYTHON:-3.12}" --implementation cp \
  --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
  --platform manylinux_2_28_x86_64 -d .gpu/wheels \
  mmengine==0.10.7 mmpretrain==1.2.0 mmcv-lite==2.1.0 addict yapf \
  termcolor platformdirs mat4py model-index==0.1.11 ordered-set einops rich \
  markdown-it-py mdurl pygments 'importlib_metadata<8.8' zipp \
  "numpy==$("$PY" -c 'import numpy; print(numpy.__version__)')"
# gco-wrapper (PuzzleMix's graph cuts) has no binary wheel for the device's
# Python on the registry: built here, once, with that Python (~20 s)
source "${ROOT}/tools/device_python.sh"
"${DEVICE_PY}" -m pip wheel -q --no-deps -w .gpu/wheels gco-wrapper
# not carried: opencv-contrib-python-headless (SaliencyMix's cv2.saliency),
# a 64 MB wheel, more than a device call carries; the check says so
mkdir -p data/fashion-mnist
for f in train-images-idx3-ubyte train-labels-idx1-ubyte \
         t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  if [ ! -f "data/fashion-mnist/$f.gz" ]; then
    src="/usr/share/datasets/fashion-mnist/$f.gz"
    [ -f "$src" ] || { echo "missing $src: run tools/setup_env.sh" >&2; exit 1; }
    cp "$src" data/fashion-mnist/
  fi
done
du -sh .gpu data/fashion-mnist
