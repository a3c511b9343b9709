#!/usr/bin/env bash
# Prepares what a device run carries (the device machine has no internet):
# .gpu/wheels (pure-python mmengine, mmpretrain, mmcv-lite and small
# dependencies, downloaded here from the package registry) and
# data/fashion-mnist (the four idx .gz files, 30 MB). Both paths are git-
# ignored: name them in the device tool's `carry`:
#   carry=[".gpu", "data/fashion-mnist"], command="bash tools/gpu_check.sh all"
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
PY="${ROOT}/.venv/bin/python"
mkdir -p .gpu/wheels
"$PY" -m pip download -q --no-deps -d .gpu/wheels \
  mmengine==0.10.7 mmpretrain==1.2.0 mmcv-lite==2.1.0 addict yapf \
  termcolor platformdirs tomli mat4py modelindex ordered-set einops rich \
  markdown-it-py mdurl pygments
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
