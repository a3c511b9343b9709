# Sourced by tools/setup_env.sh, tools/run_tests.sh and tools/second_torch.sh:
# what the main environment and the torch 2.11 one must do alike.

# use_cv2_contrib PYTHON CONSTRAINTS: mmcv(-lite) and mmengine ask for
# opencv-python; the contrib build (SaliencyMix's fine-grained saliency,
# cv2.saliency) provides the same cv2 module, so only it may stay
use_cv2_contrib() {
  local pip=("$1" -m pip --disable-pip-version-check -q)
  "${pip[@]}" uninstall -q -y opencv-python opencv-python-headless \
    opencv-contrib-python >/dev/null 2>&1 || true
  "${pip[@]}" install -q -c "$2" --no-deps --force-reinstall \
    'opencv-contrib-python-headless<5'
}

# set_test_threads PYTHON: WORKERS pytest workers (PYTEST_WORKERS, default 2,
# the machine's 2 cores), each with cores / workers torch threads whatever
# the shell's OMP_NUM_THREADS says (an inherited 8 on 2 cores would
# oversubscribe them 8-fold); TEST_THREADS sets another count on purpose
# (the suite passes with 1 and 2)
set_test_threads() {
  WORKERS="${PYTEST_WORKERS:-2}"
  CORES="$("$1" -c 'import os; print(len(os.sched_getaffinity(0)))')"
  local per=$(( WORKERS > 0 ? CORES / WORKERS : CORES ))
  THREADS="${TEST_THREADS:-$(( per > 0 ? per : 1 ))}"
  export OMP_NUM_THREADS="${THREADS}" MKL_NUM_THREADS="${THREADS}"
}

# install_digest ROOT: what an environment's stamp depends on, setup.cfg's
# install sections and tools/constraints.txt (editing the linters' or
# pytest's sections reinstalls nothing)
install_digest() {
  { awk '/^\[/{skip=($0 ~ /^\[(flake8|tool:pytest)\]/)} !skip' "$1/setup.cfg"
    cat "$1/tools/constraints.txt"; } | sha256sum | cut -c1-16
}
