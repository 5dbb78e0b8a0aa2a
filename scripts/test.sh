#!/usr/bin/env bash
# The whole test suite on a fresh machine: sets up .venv (CPU torch where there is no GPU),
# installs the browser the end-to-end test needs, then runs pytest (unit tests, notebooks under
# nbval, the browser test). Extra arguments go to pytest, e.g. `bash scripts/test.sh -k io`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh"
cd "$ROOT"
export MPLBACKEND=Agg TQDM_DISABLE=1 HF_HUB_OFFLINE=1 PYTHONHASHSEED=0
set +e
python -m pytest "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then echo "no tests were collected" >&2; exit 1; fi
exit "$rc"
