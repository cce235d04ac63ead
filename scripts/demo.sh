#!/bin/bash
# The main job: install, build, and run iopfd on the simulator backend, a
# 1 GiB VM with four devices through a mixed workload, then the same VM with
# the seed's fixed 512-page window for comparison.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
echo
echo "=== iopfd, the auto policy (the default)"
build/iopfd --simulate mix --memory 1G --devices 4 --queue-depth 16
echo
echo "=== iopfd, the seed's fixed 512-page window"
build/iopfd --simulate mix --memory 1G --devices 4 --queue-depth 16 --policy fixed:512
