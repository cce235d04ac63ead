#!/bin/bash
# Every test: install, build, run the unit, sanitizer, valgrind and
# integration tests, check that a release tarball builds and passes too, then
# build the kernel series and run the guest tests under QEMU in both flavours.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --kernel
scripts/build.sh
cd build
make check VERBOSE=1
make distcheck VERBOSE=1
make check-kernel
