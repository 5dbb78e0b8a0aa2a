#!/usr/bin/env bash
# Refresh scripts/constraints.txt: the exact versions the suite and the notebooks' stored outputs
# are made with, resolved ONCE for every Python the project supports (3.11.0 and up, any OS).
#
# Why uv: `uv pip compile --universal` resolves a single lock valid across Python versions and
# platforms, writing environment markers where one version cannot serve all (soupsieve 4.1 needs
# Python >= 3.11.5, so Debian 12's 3.11.2 gets 2.10). A `pip freeze` taken on one interpreter
# cannot do that: frozen on 3.11.7 it broke set-up on 3.11.2. uv is only the lock tool, fetched
# from PyPI into a throw-away venv; installs still use pip, which picks up a machine's local torch.
#
# torch and its CUDA-only packages (triton, nvidia-*, cuda-*) are left out: scripts/_env.sh
# installs torch first (CPU build where there is no GPU), and pins of CUDA libraries would fight
# whichever torch build a machine gets. The existing file is used as preferences, so a refresh
# moves only what must move.   Usage: bash scripts/lock.sh [--upgrade]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/scripts/constraints.txt"
TOOLS="$(mktemp -d)"; trap 'rm -rf "$TOOLS"' EXIT
"${PYTHON:-python3}" -m venv "$TOOLS/venv"
"$TOOLS/venv/bin/python" -m pip install --quiet "uv>=0.9,<1"
grep -v '^#' "$OUT" > "$TOOLS/lock.txt" 2>/dev/null || true     # preferences: keep what we have
"$TOOLS/venv/bin/uv" pip compile "$ROOT/pyproject.toml" --extra test --universal \
  --python-version 3.11 --no-annotate --no-header --quiet -o "$TOOLS/lock.txt" "$@"
{
  cat <<'HEAD'
# Exact versions the test suite and the notebooks' stored outputs were made with, resolved for
# every supported Python (>= 3.11.0) at once: lines with a marker apply only where it holds.
# Made by `bash scripts/lock.sh` (uv pip compile --universal); do not edit by hand.
# scripts/_env.sh installs with `pip install -c` this file; users who `pip install i2v_nb` get the
# ranges of pyproject.toml instead. torch and its CUDA-only packages are left out on purpose.
HEAD
  grep -v -i -E '^(torch|triton|nvidia-[a-z0-9-]+|cuda-[a-z-]+)==' "$TOOLS/lock.txt"
} > "$OUT"
echo "wrote $OUT ($(grep -c '==' "$OUT") pins)"
