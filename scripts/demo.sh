#!/usr/bin/env bash
# The main job on a fresh machine, no GPU and no model download needed:
#   bash scripts/demo.sh              make a clip from a bundled sample with the CPU preview engine,
#                                     print where the mp4 is, then open JupyterLab on the
#                                     quickstart notebook (skipped when headless / in CI)
#   bash scripts/demo.sh --headless   only make the clip
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh"
cd "$ROOT"
i2v-nb demo
if [ "${1:-}" != "--headless" ] && [ -z "${CI:-}" ] && [ -t 0 ] && [ -t 1 ]; then
  exec i2v-nb lab
fi
