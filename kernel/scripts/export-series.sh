#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Export the commits on top of the "pristine" tag of a kernel git tree as
# kernel/patches/*.patch and rewrite kernel/patches/series.
# Usage: export-series.sh KERNEL_GIT_TREE [UPSTREAM_REF (default: pristine)]
set -euo pipefail
tree=${1:?usage: export-series.sh KERNEL_GIT_TREE [REF]}
ref=${2:-pristine}
kdir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rm -f "$kdir"/patches/*.patch
git -C "$tree" format-patch -q --zero-commit --no-signature -N \
	-o "$kdir/patches" "$ref"..HEAD
(cd "$kdir/patches" && ls -1 ./*.patch | sed 's#^\./##') > "$kdir/patches/series"
cat "$kdir/patches/series"
