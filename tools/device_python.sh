# Sourced by tools/gpu_prepare.sh and tools/gpu_check.sh --dry-run: sets
# DEVICE_PY to an interpreter of the device's Python (DEVICE_PYTHON, default
# 3.12): DEVICE_PYTHON_BIN, else pythonX.Y on PATH, else pyenv's.
DEVICE_PYTHON="${DEVICE_PYTHON:-3.12}"
DEVICE_PY="${DEVICE_PYTHON_BIN:-}"
if [[ -z "${DEVICE_PY}" ]]; then
  for c in "python${DEVICE_PYTHON}" \
      $(ls -d "$(pyenv root 2>/dev/null || echo /nonexistent)"/versions/"${DEVICE_PYTHON}".*/bin/python"${DEVICE_PYTHON}" 2>/dev/null); do
    if "$c" --version >/dev/null 2>&1; then DEVICE_PY="$c"; break; fi
  done
fi
if [[ -z "${DEVICE_PY}" ]]; then
  echo "no Python ${DEVICE_PYTHON} here (the device's): set DEVICE_PYTHON_BIN" >&2
  return 1 2>/dev/null || exit 1
fi
