#!/usr/bin/env bash
# The whole test suite on a fresh machine: sets up .venv (CPU torch where there is no GPU),
# installs the browser the end-to-end test drives (Debian's chromium, when root with apt-get),
# then runs pytest over the unit tests, the docstring examples, the tutorial notebooks (nbval,
# stored outputs compared after notebooks/sanitize.cfg), the browser test and the Colab-shaped
# environment test (tests/test_colab.py).
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -k io -x`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh"
cd "$ROOT"
export MPLBACKEND=Agg TQDM_DISABLE=1 HF_HUB_OFFLINE=1 PYTHONHASHSEED=0
PYTHON=python bash scripts/install_browser.sh
if [ -n "${CI:-}" ]; then
  export I2V_NB_REQUIRE_BROWSER=1   # in CI a missing browser fails the browser test, never skips it
  export I2V_NB_REQUIRE_COLAB=1     # ... and a missing Python 3.13 fails the Colab-shaped test
fi
# The Colab-shaped environment (tests/test_colab.py: Python 3.13 with Colab's pins, several GB on a
# cold cache) is built in the background while the other tests run; the test waits for it.
if [ -n "${CI:-}" ] || [ "$#" -eq 0 ]; then
  mkdir -p tests/artifacts
  python tests/colab/build_env.py > tests/artifacts/colab-build.log 2>&1 &
  COLAB_BUILD=$!
  trap 'kill "$COLAB_BUILD" 2>/dev/null || true' EXIT
fi
set +e
python -m pytest tests i2v_nb notebooks --doctest-modules \
  --nbval --nbval-sanitize-with notebooks/sanitize.cfg "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then echo "no tests were collected" >&2; exit 1; fi
exit "$rc"
