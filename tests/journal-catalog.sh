#!/bin/bash
# Description: systemd/iopfd.catalog explains every event iopfd logs with a
# MESSAGE_ID (shared/iopf-messages.h) and nothing else; journalctl itself
# reads it (--update-catalog, --list-catalog); and each entry's @FIELD@s are
# fields its event carries, as the header's comment lists them, or ERRNO.
set -u
srcdir=$(cd "$(dirname "$0")/.." && pwd)
header=$srcdir/shared/iopf-messages.h
catalog=$srcdir/systemd/iopfd.catalog
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

ids=$(sed -n 's/^#define IOPF_MESSAGE_[A-Z_]* *"\([0-9a-f]\{32\}\)"$/\1/p' "$header" | sort)
[ "$(wc -l <<<"$ids")" -ge 8 ] || { echo "FAIL: no MESSAGE_IDs read from $header" >&2; exit 1; }

mkdir -p "$tmp/usr/lib/systemd/catalog" "$tmp/var/lib/systemd/catalog"
cp "$catalog" "$tmp/usr/lib/systemd/catalog/"
journalctl --root="$tmp" --update-catalog 2>"$tmp/err" || {
	echo "FAIL: journalctl --update-catalog refused $catalog:" >&2
	cat "$tmp/err" >&2
	exit 1
}
listed=$(journalctl --root="$tmp" --list-catalog | awk '$2 == "iopf:" { print $1 }' | sort)
if [ "$listed" != "$ids" ]; then
	echo "FAIL: the catalog's ids differ from $header's:" >&2
	diff <(echo "$ids") <(echo "$listed") >&2
	fail=1
fi

# Each id's fields: from the comment line above its #define.
while read -r id; do
	comment=$(grep -B1 "\"$id\"" "$header" | head -1)
	entry=$(awk -v id="$id" '/^-- / { on = ($2 == id); next } on' "$catalog")
	for field in $(grep -o '@[A-Z_]*@' <<<"$entry" | tr -d @ | sort -u); do
		if [ "$field" != ERRNO ] && ! grep -q "\b$field=" <<<"$comment"; then
			echo "FAIL: the catalog entry of $id uses @$field@, which its event does not carry" >&2
			fail=1
		fi
	done
done <<<"$ids"
[ $fail -eq 0 ] && echo "PASS: $(wc -l <<<"$ids") events explained in $catalog"
exit $fail
