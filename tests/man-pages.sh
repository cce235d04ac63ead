#!/bin/bash
# Description: the man pages are clean and say what the programs do: every
# page in man/ passes "mandoc -Tlint" without a message, for each program
# below the OPTIONS section of its page has an item for every long option its
# --help prints and names no option the program does not know, and iopfd(8)
# lists every journal MESSAGE_ID iopfd logs.
set -u
srcdir=$(cd "$(dirname "$0")/.." && pwd)

# PROGRAM PAGE: the program is the one this build made; it must exist.
pairs=(
	"iopfd man/iopfd.8"
	"iopfctl man/iopfctl.8"
)

if ! command -v mandoc >/dev/null; then
	echo "mandoc is required for this test (scripts/install-deps.sh installs it)" >&2
	exit 99
fi
failed=0

pages=("$srcdir"/man/*.[1-8])
for page in "${pages[@]}"; do
	out=$(mandoc -Tlint "$page" 2>&1)
	rc=$?
	if [ $rc -ne 0 ] || [ -n "$out" ]; then
		echo "FAIL: mandoc -Tlint ${page#"$srcdir"/} (status $rc):" >&2
		echo "$out" >&2
		failed=1
	fi
done
[ $failed -eq 0 ] && echo "ok: ${#pages[@]} pages are mandoc -Tlint clean"

long_options() {
	grep -oE -- '--[a-z0-9][a-z0-9-]*' | sort -u
}

# Lines of the OPTIONS section of a man(7) page, with roff's minus signs as
# "-": all of them, or (--tags) only the tags of its items (.TP, .TQ), where
# an option is documented rather than mentioned.
options_section() {
	awk -v tags_only="$([ "$1" = --tags ] && echo 1)" '
		/^\.SH / { in_options = ($2 == "OPTIONS"); next }
		!in_options { next }
		/^\.T[PQ]/ { tag = 1; next }
		!tags_only || tag { print }
		{ tag = 0 }
	' "$2" | sed 's/\\-/-/g'
}

for pair in "${pairs[@]}"; do
	read -r program page <<<"$pair"
	if [ ! -x "$top_builddir/$program" ]; then
		echo "FAIL: $program is not built in $top_builddir" >&2
		failed=1
		continue
	fi
	if ! help=$("$top_builddir/$program" --help); then
		echo "FAIL: $program --help failed" >&2
		failed=1
		continue
	fi
	known=$(long_options <<<"$help")
	documented=$(options_section --tags "$srcdir/$page" | long_options)
	mentioned=$(options_section --all "$srcdir/$page" | long_options)
	missing=$(comm -23 <(echo "$known") <(echo "$documented"))
	unknown=$(comm -13 <(echo "$known") <(echo "$mentioned"))
	if [ -n "$missing" ]; then
		echo "FAIL: no item in the OPTIONS of $page for what $program --help lists:" $missing >&2
		failed=1
	fi
	if [ -n "$unknown" ]; then
		echo "FAIL: the OPTIONS of $page name options $program --help does not list:" $unknown >&2
		failed=1
	fi
	if [ -z "$missing" ] && [ -z "$unknown" ]; then
		echo "ok: $page documents the $(echo "$known" | wc -l) long options of $program --help"
	fi
done
# Every MESSAGE_ID iopfd logs has its entry in the JOURNAL section of
# iopfd(8), which names no other; no two kinds of event share one.
ids=$(sed -n 's/^#define IOPF_MESSAGE_[A-Z_]* *"\([0-9a-f]\{32\}\)"$/\1/p' \
	"$srcdir/shared/iopf-messages.h" | sort)
documented=$(awk '/^\.SH / { in_journal = ($2 == "JOURNAL"); next } in_journal' \
	"$srcdir/man/iopfd.8" | grep -o '\<[0-9a-f]\{32\}\>' | sort -u)
missing=$(comm -23 <(echo "$ids") <(echo "$documented"))
unknown=$(comm -13 <(echo "$ids") <(echo "$documented"))
if [ -z "$ids" ] || [ "$(echo "$ids" | uniq -d)" ] || [ -n "$missing" ] || [ -n "$unknown" ]; then
	echo "FAIL: the JOURNAL section of iopfd.8 and shared/iopf-messages.h disagree:" \
		"undocumented:" $missing "unknown:" $unknown "shared:" $(echo "$ids" | uniq -d) >&2
	failed=1
else
	echo "ok: iopfd.8 documents the $(echo "$ids" | wc -l) message ids of iopf-messages.h"
fi
exit $failed
