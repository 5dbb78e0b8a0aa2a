# Sourced by scripts/demo.sh and scripts/test.sh: make a .venv with everything installed.
# Safe to run again: it reinstalls only when pyproject.toml or the constraints changed, and it
# rebuilds a .venv made with another (or a broken) interpreter instead of reusing it.
#   PYTHON=python3.12 bash scripts/test.sh     use another interpreter (any CPython >= 3.11)
#   I2V_NB_TORCH_INDEX=URL                     where to take torch from (default: PyTorch's CPU
#                                              wheel index when reachable and no GPU is present)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${I2V_NB_VENV:-$ROOT/.venv}"
PY="${PYTHON:-python3}"
TORCH_CPU="torch==2.13.0"                 # the CPU build the suite is tested with
TORCH_RANGE="torch>=2.4,<2.15"            # what pyproject.toml allows (a GPU machine takes its newest)

_say() { echo "[i2v_nb] $*" >&2; }
_fail() {  # one line: what went wrong and what to do
  echo "[i2v_nb] error: $*" >&2
  exit 1
}

# 1. the interpreter: CPython >= 3.11 with venv
if ! command -v "$PY" >/dev/null 2>&1; then
  _fail "no '$PY' on PATH; install Python 3.11 or newer, or point PYTHON=/path/to/python3.11 at one"
fi
PY_INFO="$("$PY" -c 'import sys, platform; print("%d.%d.%d" % sys.version_info[:3], platform.python_implementation(), sys.executable)' 2>/dev/null)" \
  || _fail "'$PY' does not run; point PYTHON=/path/to/python3.11 (or newer) at a working interpreter"
read -r PY_VERSION PY_IMPL PY_EXE <<<"$PY_INFO"
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  _fail "i2v_nb needs Python >= 3.11, but $PY_EXE is $PY_VERSION; run with PYTHON=python3.11 (or 3.12, 3.13)"
fi
[ "$PY_IMPL" = "CPython" ] || _say "warning: $PY_EXE is $PY_IMPL, not CPython; only CPython is tested"

# 2. the venv: rebuilt when it was made by another interpreter or no longer runs
ORIGIN="$VENV/.i2v_nb_python"      # "VERSION EXECUTABLE" of the interpreter that made it
WANT="$PY_VERSION $PY_EXE"
if [ -d "$VENV" ]; then
  if ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    _say "$VENV no longer runs (its interpreter was moved or removed): rebuilding it"
    rm -rf "$VENV"
  elif [ ! -f "$ORIGIN" ] && [ "$("$VENV/bin/python" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')" = "$PY_VERSION" ]; then
    echo "$WANT" > "$ORIGIN"       # made before this file recorded its interpreter: same version, keep it
  elif [ ! -f "$ORIGIN" ] || [ "$(cat "$ORIGIN")" != "$WANT" ]; then
    _say "$VENV was made with $( [ -f "$ORIGIN" ] && cat "$ORIGIN" || echo 'another interpreter'); rebuilding it with Python $PY_VERSION ($PY_EXE)"
    rm -rf "$VENV"
  fi
fi
if [ ! -x "$VENV/bin/python" ]; then
  _say "creating $VENV with Python $PY_VERSION ($PY_EXE)"
  if ! "$PY" -m venv "$VENV" >/dev/null 2>"$ROOT/.venv-error.log"; then
    rm -rf "$VENV"
    _fail "'$PY -m venv' failed ($(tail -n 1 "$ROOT/.venv-error.log")); on Debian/Ubuntu: sudo apt install python3-venv, or use PYTHON=another python3.11+"
  fi
  rm -f "$ROOT/.venv-error.log"
  echo "$WANT" > "$ORIGIN"
  "$VENV/bin/python" -m pip install --quiet --upgrade "pip>=24" 2>/dev/null \
    || _say "warning: could not upgrade pip in $VENV; going on with $("$VENV/bin/python" -m pip --version | cut -d' ' -f1-2)"
fi

LOG="$VENV/install.log"
_pip() {  # quiet pip; on failure one line with pip's last error and the way out
  local what="$1"; shift
  if ! "$VENV/bin/python" -m pip install --progress-bar off "$@" >>"$LOG" 2>&1; then
    local why
    why="$(grep -E '^(ERROR|error):' "$LOG" | grep -v -i 'pip.s dependency resolver' | tail -n 1 | cut -c1-240)"
    rm -f "$STAMP"
    _fail "installing $what with Python $PY_VERSION ($PY_EXE) failed: ${why:-see the log}. Log: $LOG. Check the network, try another interpreter (e.g. PYTHON=python3.12 bash scripts/test.sh), or delete $VENV and run again."
  fi
}

# 3. torch first (the build matters), then i2v_nb with the exact versions of the lock
STAMP="$VENV/.i2v_nb_installed"
CONSTRAINTS=()
if [ -f "$ROOT/scripts/constraints.txt" ] && [ -z "${I2V_NB_NO_CONSTRAINTS:-}" ]; then
  CONSTRAINTS=(-c "$ROOT/scripts/constraints.txt")   # one lock valid for every Python >= 3.11
fi
# a hash of what the install depends on (python, not sha256sum: macOS has no sha256sum)
HASH="$(cat "$ROOT/pyproject.toml" "$ROOT/scripts/constraints.txt" 2>/dev/null \
  | "$VENV/bin/python" -c "import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())")"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$HASH" ]; then
  : > "$LOG"
  if ! "$VENV/bin/python" -c "import torch" >/dev/null 2>&1; then
    EXTRA=()
    if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi >/dev/null 2>&1; then
      _say "NVIDIA GPU found: installing torch (CUDA build, several GB; a few minutes)"
      TORCH="$TORCH_RANGE"
    else
      TORCH="$TORCH_CPU"
      INDEX="${I2V_NB_TORCH_INDEX:-https://download.pytorch.org/whl/cpu}"
      # PyTorch's CPU wheel index keeps the download small (~200 MB) where it is reachable
      if "$VENV/bin/python" -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=5)" "$INDEX/" >/dev/null 2>&1; then
        EXTRA=(--extra-index-url "$INDEX")
        _say "no GPU: installing $TORCH (CPU build) from $INDEX"
      else
        _say "no GPU: installing $TORCH; $INDEX is not reachable, so pip takes the build its own indexes offer (a local CPU wheel if this machine has one, else PyPI's default: on Linux a CUDA build of several GB that also runs on the CPU)"
      fi
    fi
    _pip "$TORCH" "$TORCH" ${EXTRA[@]+"${EXTRA[@]}"}
  fi
  # say truthfully which build is there
  _say "$("$VENV/bin/python" -c "import torch; cuda = torch.version.cuda; print(f'torch {torch.__version__}: ' + (f'a CUDA {cuda} build (runs on the CPU too; GPU found: {torch.cuda.is_available()})' if cuda else 'a CPU-only build'))" 2>/dev/null || echo 'torch does not import; see '"$LOG")"
  _say "installing i2v_nb[test] (editable) with the versions of scripts/constraints.txt (a few minutes the first time)"
  _pip "i2v_nb[test]" ${CONSTRAINTS[@]+"${CONSTRAINTS[@]}"} -e "$ROOT[test]"
  echo "$HASH" > "$STAMP"
fi
export PATH="$VENV/bin:$PATH"
