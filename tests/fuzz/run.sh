#!/bin/bash
# make fuzz: builds every fuzz target with clang and libFuzzer, runs each for
# FUZZ_SECONDS on a copy of its seed corpus and regression inputs, one fuzzer
# process at a time, and reports executions and coverage per target and in
# total.  Fails if any target crashed; the crashing input is kept under
# tests/fuzz/out/NAME/ to be fixed and then added to
# tests/fuzz/regressions/NAME/.  Everything it writes is under tests/fuzz/out/
# of the build tree.  The Makefile passes CLANG, srcdir, FUZZ_SECONDS,
# FUZZ_TARGETS, FUZZ_SOURCES, FUZZ_CPPFLAGS and FUZZ_LIBS.
set -euo pipefail

out=tests/fuzz/out
# Coverage instrumentation for the code under test; the sanitizers everywhere.
cflags=(-g -O1 -fno-omit-frame-pointer -fno-sanitize-recover=all)
instrument=(-fsanitize=fuzzer-no-link,address,undefined)
link=(-fsanitize=fuzzer,address,undefined -Wl,--wrap=mmap)

mkdir -p "$out/obj"
echo "fuzz: building the library with $CLANG"
objs=()
for src in $FUZZ_SOURCES; do
	case "$src" in *.c) ;; *) continue ;; esac
	obj="$out/obj/$(echo "${src%.c}" | tr / -).o"
	# shellcheck disable=SC2086 # the flags are words
	"$CLANG" "${cflags[@]}" "${instrument[@]}" $FUZZ_CPPFLAGS -c "$srcdir/$src" -o "$obj"
	objs+=("$obj")
done

total_execs=0
total_cov=0
failed=()
report=()
for src in $FUZZ_TARGETS; do
	name=$(basename "$src" .c)
	name=${name#fuzz-}
	bin="$out/fuzz-$name"
	work="$out/$name"

	echo "fuzz: $name: building"
	# shellcheck disable=SC2086
	"$CLANG" "${cflags[@]}" "${link[@]}" $FUZZ_CPPFLAGS -o "$bin" "$srcdir/$src" "${objs[@]}" $FUZZ_LIBS

	rm -rf "$work"
	mkdir -p "$work/corpus"
	for f in "$srcdir/tests/fuzz/corpus/$name"/* "$srcdir/tests/fuzz/regressions/$name"/*; do
		if [ -f "$f" ]; then
			cp "$f" "$work/corpus/"
		fi
	done
	chmod -R u+w "$work/corpus"

	echo "fuzz: $name: running for ${FUZZ_SECONDS} s (log: $work/log)"
	rc=0
	"$bin" -max_total_time="$FUZZ_SECONDS" -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$work/" "$work/corpus" > "$work/log" 2>&1 || rc=$?

	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n 1)
	cov=$(sed -n 's/.* cov: \([0-9]*\) .*/\1/p' "$work/log" | tail -n 1)
	ft=$(sed -n 's/.* ft: \([0-9]*\) .*/\1/p' "$work/log" | tail -n 1)
	execs=${execs:-0}
	cov=${cov:-0}
	ft=${ft:-0}
	total_execs=$((total_execs + execs))
	total_cov=$((total_cov + cov))
	result=ok
	if [ "$rc" -ne 0 ]; then
		result="CRASH (exit $rc)"
		failed+=("$name")
		tail -n 40 "$work/log" >&2
		for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
			[ -e "$a" ] && echo "fuzz: $name: input kept as $a" >&2
		done
	fi
	report+=("$(printf '%-24s %12s %8s %8s  %s' "$name" "$execs" "$cov" "$ft" "$result")")
done

echo
printf '%-24s %12s %8s %8s  %s\n' target executions cov ft result
for line in "${report[@]}"; do
	echo "$line"
done
printf '%-24s %12s %8s\n' total "$total_execs" "$total_cov"
echo "(cov: code edges reached, as libFuzzer counts them in each target's build; ft: features)"

if [ ${#failed[@]} -gt 0 ]; then
	echo "fuzz: crashed: ${failed[*]}; once fixed, add each input to tests/fuzz/regressions/NAME/" >&2
	exit 1
fi
