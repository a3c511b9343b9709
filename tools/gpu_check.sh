#!/usr/bin/env bash
# One prepared device run (a CUDA machine without internet): install the
# carried pure-python wheels (.gpu/wheels: mmengine, mmpretrain, mmcv-lite and
# their small deps), run the CUDA tests and the GPU benchmarks into $OUT.
set -uo pipefail
OUT="${OUT:-work_dirs/gpu_out}"
mkdir -p "$OUT"
python3 -m pip install -q --no-deps --no-index .gpu/wheels/*.whl 2>&1 | tail -2
export PYTHONPATH="$PWD:${PYTHONPATH:-}"
nvidia-smi --query-gpu=name,memory.total --format=csv | tee "$OUT/gpu.txt"
python3 -m pytest -q -p no:cacheprovider tests/test_cuda.py \
  tests/test_functional.py 2>&1 | tail -15 | tee "$OUT/tests.txt"
python3 tools/analysis/benchmark_speed.py \
  configs/multimix/r50_imagenet_baseline.py --img-size 224 \
  --batch-size 128 --dense-size 7 --reps 10 --warmup 3 --device cuda \
  --out "$OUT/bench_r50_224.md" 2>&1 | grep -v -i warn | tail -14
python3 tools/analysis/benchmark_speed.py \
  configs/multimix/r18_cifar100_baseline.py --img-size 32 \
  --batch-size 128 --dense-size 4 --reps 10 --warmup 3 --device cuda \
  --n-sweep 10 100 1000 10000 --plot "$OUT/n_sweep_r18_cuda.png" \
  --out "$OUT/bench_r18_32.md" 2>&1 | grep -v -i warn | tail -24
