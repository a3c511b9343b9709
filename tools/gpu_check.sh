#!/usr/bin/env bash
# One prepared device call (a CUDA machine without internet; the device's
# own torch, nothing compiled there). Prepare the carried files here first
# with `bash tools/gpu_prepare.sh`, then run on the device with carry
# [".gpu", "data/fashion-mnist"] and a timeout that leaves room for a rerun:
#   bash tools/gpu_check.sh [all|check|bench|fashion|fashion-long]
# all (default, ~5 min on an H100, fashion only in the time left of 8 min):
#   check  every mixer and variant trains on CUDA in both layouts (PuzzleMix's
#          graph cuts on the CPU), MultiMix + dense + distil in fp16
#          (AmpOptimWrapper, loss scaling) and bf16 (device_check.md); the
#          tests with a CUDA path; a 2-process DDP run on the one GPU through
#          tools/dist_train.sh (gloo), killed after an epoch and resumed
#          exactly (tests/test_safety.py)
#   bench  Table 2: R-50 224x224, m = 128, n = 1000 (no mixup, MultiMix,
#          + dense, + distil, + dense + distil; fp32 and bf16 teacher) and
#          R-18 32x32 with the n sweep
#   fashion  the paper's R-18 on the full Fashion-MNIST training set, short
#          schedule, 1 seed: no mixup, input mixup, MultiMix (in this
#          process when Ray is not installed)
# fashion-long: the long study's plan (reproduce.py --study long, LONG_PARTS,
#   LONG_JOBS at a time on the GPU when Ray is installed, else one after
#   another; LONG_SMOKE=1 its tiny plan).
#
#   bash tools/gpu_check.sh --dry-run [what]
# runs every step end to end on this CPU at tiny sizes, in a fresh
# environment holding only what the device has (torch 2.11.0 / torchvision
# 0.26.0 on Python 3.12) and the carried wheels, so that a device call
# cannot fail on a missing wheel or a typo; it prints each step's time and
# the device time the call is estimated to take.
#
# Each step is timed; everything lands in $OUT (steps.md: step, exit status,
# seconds; gpu.txt: the card and torch); copy it to docs/.
# GPU_CHECK_NO_INSTALL=1 skips the wheel install (a prepared environment).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DRY=0
if [[ "${1:-}" == --dry-run ]]; then DRY=1; shift; fi
WHAT="${1:-all}"
OUT="${OUT:-work_dirs/gpu_out}"
BUDGET_S="${BUDGET_S:-480}"  # the whole call's device time (8 minutes)
mkdir -p "$OUT"
START=$(date +%s)
# the estimated H100 seconds of each step (the last device call's times
# and the benchmark's sizes; the dry run adds them up)
declare -A EST=([env]=5 [install]=25 [device_check]=40 [cuda_tests]=60
                [ddp]=60 [bench_r50]=120 [bench_r18]=45)

if [[ "$DRY" == 1 ]]; then
  DEVICE=cpu
  source "${ROOT}/tools/device_python.sh"  # DEVICE_PY: a Python 3.12
  BASE="${ROOT}/.venv-device-base"
  if [[ ! -f "${BASE}/.device-base-v3" ]]; then
    echo "[gpu_check] dry run: the device's torch (2.11.0, Python 3.12) in ${BASE}, once" >&2
    rm -rf "${BASE}"
    "${DEVICE_PY}" -m venv "${BASE}" || exit 1
    # and the packages of the device's image the checks use (its list:
    # the device tool's KINDS.md)
    "${BASE}/bin/python" -m pip install -q torch==2.11.0 torchvision==0.26.0 \
      pytest pytest-xdist matplotlib scipy scikit-learn \
      opencv-python-headless pyyaml rich pillow packaging markdown tabulate \
      tqdm requests 'setuptools<81' \
      > "${BASE}/install.log" 2>&1 || { tail -20 "${BASE}/install.log"; exit 1; }
    touch "${BASE}/.device-base-v3"
  fi
  # a fresh environment each dry run: the base's torch through a .pth,
  # everything else from the carried wheels only
  FRESH="$(mktemp -d)/venv"
  "${DEVICE_PY}" -m venv "${FRESH}" || exit 1
  SITE_BASE="$("${BASE}/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  SITE_FRESH="$("${FRESH}/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  # addsitedir: the base's own .pth files too (setuptools' distutils shim)
  echo "import site; site.addsitedir('${SITE_BASE}')" > "${SITE_FRESH}/device-base.pth"
  PY="${FRESH}/bin/python"
  trap 'rm -rf "$(dirname "${FRESH}")"' EXIT
else
  DEVICE="${DEVICE:-cuda}"
  PY="${PYTHON:-python3}"
fi
export PYTHONPATH="$ROOT:${PYTHONPATH:-}"

step() {  # step NAME COMMAND...: timed, output in $OUT/NAME.txt
  local name="$1"; shift
  local t0 t1 rc
  t0=$(date +%s.%N)
  "$@" > "$OUT/$name.txt" 2>&1
  rc=$?
  t1=$(date +%s.%N)
  local s
  s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  echo "| $name | $rc | $s |" >> "$OUT/steps.md"
  echo "[gpu_check] $name: $([[ $rc == 0 ]] && echo ok || echo "FAILED (exit $rc)") in ${s} s" \
    "(estimated on the device: ${EST[$name]:-?} s)"
  [[ $rc == 0 ]] || tail -15 "$OUT/$name.txt"
  return $rc
}
echo "| step | exit | seconds |" > "$OUT/steps.md"
echo "|---|---|---|" >> "$OUT/steps.md"
TINY=()
[[ "$DRY" == 1 ]] && TINY=(--tiny --steps 1)

env_step() {
  nvidia-smi --query-gpu=name,memory.total --format=csv 2>/dev/null \
    || echo "no nvidia-smi: $DEVICE"
  "$PY" -c 'import sys, torch; print("python", sys.version.split()[0], "torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())'
}
install_step() {
  [[ -n "${GPU_CHECK_NO_INSTALL:-}" ]] && return 0
  ls .gpu/wheels/*.whl >/dev/null || {
    echo "no .gpu/wheels: run bash tools/gpu_prepare.sh here first"; return 1; }
  "$PY" -m pip install -q --no-deps --no-index .gpu/wheels/*.whl &&
    "$PY" -c 'import mmengine, mmcv, mmpretrain, mmmultimix; print("mmengine", mmengine.__version__, "mmcv", mmcv.__version__, "mmpretrain", mmpretrain.__version__)'
}
cuda_tests() {
  # the tests with a CUDA path (skipped cleanly where there is none): all of
  # test_cuda.py, and the device-parametrized ones of the others
  "$PY" -m pytest -q -p no:cacheprovider tests/test_cuda.py &&
    "$PY" -m pytest -q -p no:cacheprovider tests/test_precision.py \
      tests/test_teacher_precision.py tests/test_baselines.py \
      -k "cuda or CUDA or device"
}
ddp_step() {
  "$PY" -m pytest -q -p no:cacheprovider \
    "tests/test_safety.py::test_ddp_resume_is_exact_and_validation_matches_test_py"
}
bench_r50() {
  local size=(--img-size 224 --batch-size 128 --dense-size 7 --reps 10 --warmup 3)
  [[ "$DRY" == 1 ]] && size=(--img-size 32 --batch-size 4 --dense-size 1 --reps 1 --warmup 1 --n 50)
  local T
  for T in fp32 bf16; do
    "$PY" tools/analysis/benchmark_speed.py \
      configs/multimix/r50_imagenet_baseline.py "${size[@]}" \
      --variants baseline multimix dense distil dense_distil \
      --device "$DEVICE" --teacher-dtype "$T" \
      --out "$OUT/bench_r50_224_teacher_$T.md" || return 1
  done
}
bench_r18() {
  local size=(--img-size 32 --batch-size 128 --dense-size 4 --reps 10 --warmup 3 --n-sweep 10 100 1000 10000)
  [[ "$DRY" == 1 ]] && size=(--img-size 16 --batch-size 8 --dense-size 2 --reps 1 --warmup 1 --n 50 --n-sweep 10 50)
  # every variant but SaliencyMix (its OpenCV contrib wheel is not carried)
  "$PY" tools/analysis/benchmark_speed.py \
    configs/multimix/r18_cifar100_baseline.py "${size[@]}" \
    --variants baseline input_mixup manifold_mixup multimix dense distil \
    dense_distil alignmixup zeta_mixup puzzlemix \
    --device "$DEVICE" --teacher-dtype bf16 \
    --plot "$OUT/n_sweep_r18_$DEVICE.png" --out "$OUT/bench_r18_32.md"
}
fashion() {
  local opts=(model.channels_last=True)
  local epochs=(--epochs "${FASHION_EPOCHS:-8}")
  if [[ "$DRY" == 1 ]]; then
    opts+=(train_dataloader.dataset.num_per_class=2
           val_dataloader.dataset.indices=32 test_dataloader.dataset.indices=32)
    epochs=(--epochs 1)
  else
    opts+=(train_dataloader.num_workers=12 test_dataloader.num_workers=12)
  fi
  timeout "${FASHION_S:-0}" \
    "$PY" tools/analysis/reproduce.py --config-family r18_fashionmnist \
    --tables table1 --rows baseline input_mixup multimix --seeds 0 \
    "${epochs[@]}" --out "$OUT/fashion_r18_full" --cfg-options "${opts[@]}" \
    && rm -rf "$OUT/fashion_r18_full/trainings"
}
fashion_long() {
  local smoke=()
  [[ -n "${LONG_SMOKE:-}" || "$DRY" == 1 ]] && smoke=(--smoke)
  local part
  for part in ${LONG_PARTS:-all}; do
    "$PY" tools/analysis/reproduce.py --study long --part "$part" \
      "${smoke[@]}" --jobs "${LONG_JOBS:-14}" --out "$OUT/fashion_long" \
      || return 1
  done
  rm -rf "$OUT/fashion_long/trainings"
}
left() { echo $(( BUDGET_S - ($(date +%s) - START) )); }

step env env_step; cp "$OUT/env.txt" "$OUT/gpu.txt"; cat "$OUT/gpu.txt"
step install install_step || exit 1
FAILED=0
check() {
  step device_check "$PY" tools/analysis/device_check.py --device "$DEVICE" \
    "${TINY[@]}" --allow-missing --out "$OUT/device_check.md" || FAILED=1
  step cuda_tests cuda_tests || FAILED=1
  step ddp ddp_step || FAILED=1
}
bench() {
  step bench_r50 bench_r50 || FAILED=1
  step bench_r18 bench_r18 || FAILED=1
}
case "$WHAT" in
  check) check ;;
  bench) bench ;;
  fashion) step fashion fashion || FAILED=1 ;;
  fashion-long) step fashion_long fashion_long || FAILED=1 ;;
  all)
    check; bench
    if [[ "$DRY" == 1 || $(left) -gt 200 ]]; then
      [[ "$DRY" == 1 ]] || FASHION_S=$(( $(left) - 30 ))
      step fashion fashion || FAILED=1
    else
      echo "[gpu_check] fashion: skipped, $(left) s left of ${BUDGET_S}" | tee "$OUT/fashion_skipped.txt"
    fi ;;
  *) echo "usage: $0 [--dry-run] [all|check|bench|fashion|fashion-long]" >&2; exit 2 ;;
esac
TOTAL=0
for k in "${!EST[@]}"; do TOTAL=$(( TOTAL + EST[$k] )); done
echo "[gpu_check] $WHAT: $(( $(date +%s) - START )) s here; estimated device time: ${TOTAL} s for env to bench (the last device call's step times), fashion in what is left of ${BUDGET_S} s" | tee -a "$OUT/steps.md"
exit $FAILED
