#!/usr/bin/env bash
# One prepared device run (a CUDA machine without internet). Prepare the
# carried files here first with `bash tools/gpu_prepare.sh`, then run on the
# device with carry [".gpu", "data/fashion-mnist"]:
#   bash tools/gpu_check.sh [bench|fashion|all]      (default: all)
# bench   (~4 min): CUDA tests, R-50 224x224 (m = 128, n = 1000; fused dense
#         loss; fp32 and bf16 teacher, channels_last) and R-18 32x32 ratios;
# fashion (~6 min): the paper's R-18 on the full 55,000 Fashion-MNIST
#         training images, short schedule, 1 seed: no mixup, input mixup,
#         MultiMix, + dense, then + distil if time is left.
# Everything lands in $OUT (gpu.txt names the card); copy it to docs/.
set -uo pipefail
WHAT="${1:-all}"
OUT="${OUT:-work_dirs/gpu_out}"
FASHION_EPOCHS="${FASHION_EPOCHS:-8}"
mkdir -p "$OUT"
python3 -m pip install -q --no-deps --no-index .gpu/wheels/*.whl 2>&1 | tail -2
export PYTHONPATH="$PWD:${PYTHONPATH:-}"
nvidia-smi --query-gpu=name,memory.total --format=csv | tee "$OUT/gpu.txt"
bench() {
  python3 -m pytest -q -p no:cacheprovider tests/test_cuda.py \
    tests/test_functional.py tests/test_teacher_precision.py 2>&1 \
    | tail -15 | tee "$OUT/tests.txt"
  for T in fp32 bf16; do
    python3 tools/analysis/benchmark_speed.py \
      configs/multimix/r50_imagenet_baseline.py --img-size 224 \
      --batch-size 128 --dense-size 7 --reps 10 --warmup 3 --device cuda \
      --teacher-dtype "$T" --channels-last \
      --out "$OUT/bench_r50_224_teacher_$T.md" 2>&1 | grep -v -i warn | tail -12
  done
  python3 tools/analysis/benchmark_speed.py \
    configs/multimix/r18_cifar100_baseline.py --img-size 32 \
    --batch-size 128 --dense-size 4 --reps 10 --warmup 3 --device cuda \
    --teacher-dtype bf16 --channels-last \
    --n-sweep 10 100 1000 10000 --plot "$OUT/n_sweep_r18_cuda.png" \
    --out "$OUT/bench_r18_32.md" 2>&1 | grep -v -i warn | tail -24
}
fashion() {
  local opts=(train_dataloader.num_workers=12 test_dataloader.num_workers=12
              model.channels_last=True)
  python3 tools/analysis/reproduce.py --config-family r18_fashionmnist \
    --tables table1 --rows baseline input_mixup multimix dense --seeds 0 \
    --epochs "$FASHION_EPOCHS" --out "$OUT/fashion_r18_full" \
    --cfg-options "${opts[@]}" 2>&1 | grep -v -i warn | tail -16
  timeout 150 python3 tools/analysis/reproduce.py \
    --config-family r18_fashionmnist --tables table1 --rows distil \
    --seeds 0 --epochs "$FASHION_EPOCHS" --out "$OUT/fashion_r18_full" \
    --cfg-options "${opts[@]}" 2>&1 | grep -v -i warn | tail -3
  python3 tools/analysis/reproduce.py --config-family r18_fashionmnist \
    --tables table1 --seeds 0 --epochs "$FASHION_EPOCHS" --report-only \
    --out "$OUT/fashion_r18_full" --cfg-options "${opts[@]}" 2>&1 \
    | grep -v -i warn | tail -14
  rm -rf "$OUT/fashion_r18_full/trainings"
}
case "$WHAT" in
  bench) bench ;;
  fashion) fashion ;;
  all) bench; fashion ;;
  *) echo "usage: $0 [bench|fashion|all]" >&2; exit 2 ;;
esac
