#!/usr/bin/env bash
# One prepared device run (a CUDA machine without internet). Prepare the
# carried files here first with `bash tools/gpu_prepare.sh`, then run on the
# device with carry [".gpu", "data/fashion-mnist"]:
#   bash tools/gpu_check.sh [bench|fashion|fashion-long|all] (default: all)
# bench   (~4 min): CUDA tests, R-50 224x224 (m = 128, n = 1000; fused dense
#         loss; fp32 and bf16 teacher, channels_last) and R-18 32x32 ratios;
# fashion (~6 min): the paper's R-18 on the full 55,000 Fashion-MNIST
#         training images, short schedule, 1 seed: no mixup, input mixup,
#         MultiMix, + dense, then + distil if time is left.
# fashion-long: the whole plan of the long-schedule study (issue 26:
#         reproduce.py --study long --part all: every row, 5 seeds, 1000
#         epochs; the sweep up to 2000) as Ray tasks, LONG_JOBS at a time,
#         each holding 1/LONG_JOBS of the GPU (--gpus) and a thread; needs
#         Ray on the device (its ~80 MB wheel exceeds what a device call
#         carries: checked first); records keyed '@cuda', merged into the CPU cache with
#         `reproduce.py --study long --merge RUNS_JSON --report-only`
#         (LONG_SMOKE=1: the tiny plan, e.g. to try it on CPU).
#         LONG_PARTS (default 'all'): the parts run in turn, e.g.
#         'axes all' runs issue 33's width and data cells first.
# Everything lands in $OUT (gpu.txt names the card); copy it to docs/.
# GPU_CHECK_NO_INSTALL=1 skips the wheel install (a prepared venv).
set -uo pipefail
WHAT="${1:-all}"
OUT="${OUT:-work_dirs/gpu_out}"
FASHION_EPOCHS="${FASHION_EPOCHS:-8}"
mkdir -p "$OUT"
PY="${PYTHON:-python3}"
if [[ -z "${GPU_CHECK_NO_INSTALL:-}" ]]; then
  "$PY" -m pip install -q --no-deps --no-index .gpu/wheels/*.whl 2>&1 | tail -2
fi
export PYTHONPATH="$PWD:${PYTHONPATH:-}"
nvidia-smi --query-gpu=name,memory.total --format=csv 2>/dev/null \
  | tee "$OUT/gpu.txt" || echo "no nvidia-smi: CPU" | tee "$OUT/gpu.txt"
bench() {
  "$PY" -m pytest -q -p no:cacheprovider tests/test_cuda.py \
    tests/test_functional.py tests/test_teacher_precision.py 2>&1 \
    | tail -15 | tee "$OUT/tests.txt"
  for T in fp32 bf16; do
    "$PY" tools/analysis/benchmark_speed.py \
      configs/multimix/r50_imagenet_baseline.py --img-size 224 \
      --batch-size 128 --dense-size 7 --reps 10 --warmup 3 --device cuda \
      --teacher-dtype "$T" --channels-last \
      --out "$OUT/bench_r50_224_teacher_$T.md" 2>&1 | grep -v -i warn | tail -12
  done
  "$PY" tools/analysis/benchmark_speed.py \
    configs/multimix/r18_cifar100_baseline.py --img-size 32 \
    --batch-size 128 --dense-size 4 --reps 10 --warmup 3 --device cuda \
    --teacher-dtype bf16 --channels-last \
    --n-sweep 10 100 1000 10000 --plot "$OUT/n_sweep_r18_cuda.png" \
    --out "$OUT/bench_r18_32.md" 2>&1 | grep -v -i warn | tail -24
}
fashion() {
  need_ray fashion || return 1
  local opts=(train_dataloader.num_workers=12 test_dataloader.num_workers=12
              model.channels_last=True)
  "$PY" tools/analysis/reproduce.py --config-family r18_fashionmnist \
    --tables table1 --rows baseline input_mixup multimix dense --seeds 0 \
    --epochs "$FASHION_EPOCHS" --out "$OUT/fashion_r18_full" \
    --cfg-options "${opts[@]}" 2>&1 | grep -v -i warn | tail -16
  timeout 150 "$PY" tools/analysis/reproduce.py \
    --config-family r18_fashionmnist --tables table1 --rows distil \
    --seeds 0 --epochs "$FASHION_EPOCHS" --out "$OUT/fashion_r18_full" \
    --cfg-options "${opts[@]}" 2>&1 | grep -v -i warn | tail -3
  "$PY" tools/analysis/reproduce.py --config-family r18_fashionmnist \
    --tables table1 --seeds 0 --epochs "$FASHION_EPOCHS" --report-only \
    --out "$OUT/fashion_r18_full" --cfg-options "${opts[@]}" 2>&1 \
    | grep -v -i warn | tail -14
  rm -rf "$OUT/fashion_r18_full/trainings"
}
need_ray() {  # the studies' engine; its ~80 MB wheel is more than a call carries
  "$PY" -c 'import ray' 2>/dev/null && return 0
  echo "$1: Ray is not installed on this machine (pip install ray==2.60.0;" \
    "tools/gpu_prepare.sh cannot carry its wheel)" | tee "$OUT/$1_skipped.txt"
  return 1
}
fashion_long() {
  need_ray fashion-long || return 1
  local smoke=()
  [[ -n "${LONG_SMOKE:-}" ]] && smoke=(--smoke)
  local part
  for part in ${LONG_PARTS:-all}; do
    "$PY" tools/analysis/reproduce.py --study long --part "$part" \
      "${smoke[@]}" --jobs "${LONG_JOBS:-14}" --out "$OUT/fashion_long" \
      2>&1 | grep -v -i warn | tail -40
  done
  rm -rf "$OUT/fashion_long/trainings"
}
case "$WHAT" in
  bench) bench ;;
  fashion) fashion ;;
  fashion-long) fashion_long ;;
  all) bench; fashion ;;
  *) echo "usage: $0 [bench|fashion|fashion-long|all]" >&2; exit 2 ;;
esac
