#!/usr/bin/env bash
# Install the browser the end-to-end test (tests/test_browser.py) drives: Debian's `chromium` and
# `chromium-driver`, with apt-get. Idempotent and quiet; it does nothing (exit 0) when
#   - /usr/bin/chromium already exists,
#   - the Python that runs the tests cannot import playwright (the test would skip anyway),
#   - we are not root or there is no apt-get (not Debian/Ubuntu: install a Chromium yourself and
#     the browser test skips with the reason until /usr/bin/chromium exists).
# Usage: bash scripts/install_browser.sh   (PYTHON=... picks the interpreter; default: python)
set -euo pipefail
CHROMIUM=/usr/bin/chromium
PY="${PYTHON:-python}"
say() { echo "[install_browser] $*" >&2; }

if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if ! "$PY" -c "import playwright" >/dev/null 2>&1; then
  say "playwright is not importable by $PY: skipping the browser install"
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  say "not root: cannot apt-get install chromium (the browser test will skip)"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  say "no apt-get on this system: install Chromium at $CHROMIUM yourself (the browser test will skip)"
  exit 0
fi
say "installing chromium and chromium-driver with apt-get (a few minutes, once)"
export DEBIAN_FRONTEND=noninteractive
log="$(mktemp)"
if ! { apt-get update -qq && apt-get install -y -qq chromium chromium-driver fonts-dejavu-core; } \
    >"$log" 2>&1; then
  tail -n 20 "$log" >&2
  rm -f "$log"
  say "apt-get failed (see above); the browser test will skip"
  exit 0
fi
rm -f "$log"
if [ ! -x "$CHROMIUM" ]; then
  say "chromium installed but $CHROMIUM is missing; the browser test will skip"
fi
say "ok: $("$CHROMIUM" --version 2>/dev/null | head -n 1)"
