#!/bin/bash
# Description: every fuzz target runs every input of its seed corpus and of
# its regressions (crashes found and fixed), under the sanitizers, without
# clang: a target that aborts on one of them fails the test.
set -euo pipefail

replay="${top_builddir:-.}/tests/fuzz/replay"
total=0
for src in $FUZZ_TARGETS; do
	name=$(basename "$src" .c)
	name=${name#fuzz-}
	files=()
	for d in "$srcdir/tests/fuzz/corpus/$name" "$srcdir/tests/fuzz/regressions/$name"; do
		for f in "$d"/*; do
			if [ -f "$f" ]; then
				files+=("$f")
			fi
		done
	done
	if [ ${#files[@]} -eq 0 ]; then
		echo "$name: no corpus in $srcdir/tests/fuzz/corpus/$name" >&2
		exit 1
	fi
	"$replay" "$name" "${files[@]}"
	total=$((total + ${#files[@]}))
done
echo "replayed $total fuzz inputs"
