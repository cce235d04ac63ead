#!/bin/bash
# Description: the kernel series carries include/uapi/linux/vfio_iopf.h byte
# for byte: the file a patch in kernel/patches creates equals ours.
set -u
srcdir=$(cd "$(dirname "$0")/.." && pwd)
header=include/uapi/linux/vfio_iopf.h

patch=$(grep -l "^+++ b/$header\$" "$srcdir"/kernel/patches/*.patch 2>/dev/null | head -n 1)
if [ -z "$patch" ]; then
	echo "no patch in kernel/patches creates $header" >&2
	exit 1
fi
if [ "$(grep -l "^+++ b/$header\$" "$srcdir"/kernel/patches/*.patch | wc -l)" -ne 1 ]; then
	echo "more than one patch touches $header: the series must carry it unchanged" >&2
	exit 1
fi

# The new file's hunk: every line after "@@ -0,0 +1,N @@", minus its "+".
awk -v h="$header" '
	$0 == "+++ b/" h { want = 1; next }
	want && /^@@ -0,0 \+1,[0-9]+ @@/ { match($0, /\+1,[0-9]+/); n = substr($0, RSTART + 3, RLENGTH - 3) + 0; take = 1; next }
	take && n > 0 { print substr($0, 2); n--; if (n == 0) exit }
' "$patch" | cmp - "$srcdir/$header" && echo "ok: $(basename "$patch") carries $header unchanged"
