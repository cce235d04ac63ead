#!/bin/bash
# Configures and builds iopf in ./build (out of tree), from a git checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x configure ] || ./autogen.sh
mkdir -p build
cd build
[ -f Makefile ] || ../configure --enable-werror
make -j"$(nproc)"
