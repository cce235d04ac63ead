#!/bin/bash
# Description: vfio-iopf(7) cannot drift from the uapi header it documents:
# every macro, struct, struct field and errno of include/uapi/linux/vfio_iopf.h
# is named in the page, and every C example of the page (an EXAMPLES block
# that starts with #include) compiles against the header.
set -u
srcdir=$(cd "$(dirname "$0")/.." && pwd)
header=$srcdir/include/uapi/linux/vfio_iopf.h
page=$srcdir/man/vfio-iopf.7
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

# The page's text without roff's font and character escapes, so that a name
# set in bold or italic is still a word of its own.
sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' -e "s/\\\\(aq/'/g" -e 's/\\e/\\/g' \
	"$page" >"$tmp/text"

# Every #define but the include guard; every struct; every field of a struct
# (the identifier before the ';' or '[' of a member line inside a struct body).
macros=$(sed -n 's/^#define[[:space:]]\{1,\}\([A-Z0-9_]\{1,\}\).*/\1/p' "$header" |
	grep -v '^_UAPI_')
structs=$(sed -n 's/^struct \([a-z0-9_]\{1,\}\) {$/\1/p' "$header")
fields=$(awk '/^struct [a-z0-9_]+ \{$/ { body = 1; next }
	body && /^\};/ { body = 0; next }
	body { sub(/;.*/, ""); sub(/\[.*/, ""); print $NF }' "$header" | sort -u)
# The errno names the header's comments give, as <errno.h> defines them.
known_errnos=$(echo '#include <errno.h>' | ${CC:-cc} -E -dM -x c - |
	sed -n 's/^#define \(E[A-Z0-9]*\) .*/\1/p')
errnos=$(grep -o '\<E[A-Z0-9]\{2,\}\>' "$header" | sort -u |
	grep -Fx -f <(echo "$known_errnos"))

check_named() {
	local kind=$1 name=$2

	if ! grep -qw -- "$name" "$tmp/text"; then
		echo "FAIL: vfio-iopf.7 does not name the $kind $name" >&2
		failed=1
	fi
}

n=0
for m in $macros; do check_named macro "$m"; n=$((n + 1)); done
for s in $structs; do check_named struct "$s"; n=$((n + 1)); done
for f in $fields; do check_named field "$f"; n=$((n + 1)); done
for e in $errnos; do check_named errno "$e"; n=$((n + 1)); done
if [ -z "$macros" ] || [ -z "$structs" ] || [ -z "$fields" ] || [ -z "$errnos" ]; then
	echo "FAIL: found no macros, structs, fields or errnos in $header" >&2
	failed=1
fi
[ $failed -eq 0 ] && echo "ok: vfio-iopf.7 names all $n macros, structs, fields and errnos of the header"

# Each .EX block of EXAMPLES, unescaped, to $tmp/example-N.c.
awk -v dir="$tmp" '
	/^\.SH / { in_examples = ($2 == "EXAMPLES"); next }
	in_examples && /^\.EX$/ { out = sprintf("%s/example-%d.c", dir, ++n); next }
	in_examples && /^\.EE$/ { close(out); out = ""; next }
	out != "" { print > out }
' "$page"
sed -i -e 's/\\-/-/g' -e "s/\\\\(aq/'/g" -e 's/\\e/\\/g' "$tmp"/example-*.c 2>/dev/null
compiled=0 example_failed=0
for example in "$tmp"/example-*.c; do
	[ -f "$example" ] && head -n 1 "$example" | grep -q '^#include' || continue
	if ! ${CC:-cc} -std=gnu11 -Wall -Wextra -Werror -I"$srcdir/include/uapi" \
		-c -o /dev/null "$example"; then
		echo "FAIL: the example $(basename "$example") of vfio-iopf.7 does not compile" >&2
		example_failed=1
	fi
	compiled=$((compiled + 1))
done
if [ "$compiled" -eq 0 ]; then
	echo "FAIL: vfio-iopf.7 has no C example in EXAMPLES" >&2
	example_failed=1
fi
[ $example_failed -eq 0 ] && echo "ok: the $compiled C examples of vfio-iopf.7 compile"
exit $((failed | example_failed))
