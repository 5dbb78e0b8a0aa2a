#!/usr/bin/env bash
# The whole test suite on a fresh machine: sets up .venv (CPU torch where there is no GPU),
# installs the browser the end-to-end test drives (Debian's chromium, when root with apt-get),
# then runs pytest over the unit tests, the docstring examples, the tutorial notebooks (nbval,
# stored outputs compared after notebooks/sanitize.cfg) and the browser test.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -k io -x`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh"
cd "$ROOT"
export MPLBACKEND=Agg TQDM_DISABLE=1 HF_HUB_OFFLINE=1 PYTHONHASHSEED=0
PYTHON=python bash scripts/install_browser.sh
if [ -n "${CI:-}" ]; then
  export I2V_NB_REQUIRE_BROWSER=1   # in CI a missing browser fails the browser test, never skips it
fi
set +e
python -m pytest tests i2v_nb notebooks --doctest-modules \
  --nbval --nbval-sanitize-with notebooks/sanitize.cfg "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then echo "no tests were collected" >&2; exit 1; fi
exit "$rc"
