# Sourced by scripts/demo.sh and scripts/test.sh: make a .venv with everything installed.
# Safe to run again: it reinstalls only when pyproject.toml changed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${I2V_NB_VENV:-$ROOT/.venv}"
PY="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
  echo "[i2v_nb] creating $VENV" >&2
  "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
fi
STAMP="$VENV/.i2v_nb_installed"
CONSTRAINTS=()
if [ -f "$ROOT/scripts/constraints.txt" ] && [ -z "${I2V_NB_NO_CONSTRAINTS:-}" ]; then
  CONSTRAINTS=(-c "$ROOT/scripts/constraints.txt")   # the exact versions the tests were run with
fi
# a hash of what the install depends on (python, not sha256sum: macOS has no sha256sum)
HASH="$(cat "$ROOT/pyproject.toml" "$ROOT/scripts/constraints.txt" 2>/dev/null \
  | "$VENV/bin/python" -c "import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())")"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$HASH" ]; then
  if ! "$VENV/bin/python" -c "import torch" 2>/dev/null; then
    if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi >/dev/null 2>&1; then
      echo "[i2v_nb] GPU found: installing torch (CUDA build)" >&2
      "$VENV/bin/python" -m pip install --quiet "torch>=2.4,<2.15"
    else
      echo "[i2v_nb] no GPU: installing the CPU build torch==2.13.0" >&2
      EXTRA=()
      # PyTorch's CPU wheel index keeps the download small where it is reachable (not in our CI,
      # whose package mirror already holds the CPU wheel).
      if curl -fs -m 5 -o /dev/null https://download.pytorch.org/whl/cpu/ 2>/dev/null; then
        EXTRA=(--extra-index-url https://download.pytorch.org/whl/cpu)
      fi
      "$VENV/bin/python" -m pip install --quiet "torch==2.13.0" ${EXTRA[@]+"${EXTRA[@]}"}
    fi
  fi
  echo "[i2v_nb] installing i2v_nb[test] (editable)" >&2
  "$VENV/bin/python" -m pip install --quiet ${CONSTRAINTS[@]+"${CONSTRAINTS[@]}"} -e "$ROOT[test]"
  echo "$HASH" > "$STAMP"
fi
export PATH="$VENV/bin:$PATH"
