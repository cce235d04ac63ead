#!/bin/bash
# Description: iopfd's command line: usage errors exit 2 with a clear message,
# the demo prints its summary, --json is machine readable; run against both
# the normal and the sanitizer build.
set -u

fail=0
check() { # description, then the command's status must be 0
	if [ "$2" -ne 0 ]; then
		echo "FAIL: $1"
		fail=1
	else
		echo "ok: $1"
	fi
}

for iopfd in "$top_builddir/iopfd" "$top_builddir/tests/iopfd-san"; do
	echo "== $iopfd"

	out=$("$iopfd" --simulate nosuch 2>&1); rc=$?
	[ $rc -eq 2 ] && grep -q "unknown workload 'nosuch'; valid workloads: sequential, strided, random, hotset, mix, messages, phases, trace" <<<"$out"
	check "unknown workload lists the valid ones" $?

	out=$("$iopfd" 2>&1); rc=$?
	[ $rc -eq 2 ] && grep -q "nothing to do" <<<"$out"
	check "no arguments is a usage error" $?

	for bad in "--policy=fixed:0" "--policy=bogus" "--memory=1000" "--memory=1Q" "--devices=0" \
		   "--devices=x" "--batch=1025" "--ring-entries=100" "--zipf=-1" "--pin-limit=12" \
		   "--budget=12" "--budget=1Q" "--idle-reclaim=604801" "--idle-reclaim=1m" \
		   "--device-rate=fast" "--device-rate=2048T" \
		   "--queue-depth=4097" "--message-size=1000" "--phases=0" "--working-set=0" \
		   "--no-such-option"; do
		out=$("$iopfd" --simulate random $bad 2>&1); rc=$?
		[ $rc -eq 2 ] && grep -q "Try '.*--help'" <<<"$out"
		check "rejects $bad with status 2" $?
	done
	out=$("$iopfd" --simulate random extra 2>&1); rc=$?
	[ $rc -eq 2 ] && grep -q "unexpected argument 'extra'" <<<"$out"
	check "rejects a stray argument" $?

	out=$("$iopfd" --iopf-fd=3 --memory 1G 2>&1); rc=$?
	[ $rc -eq 2 ] && grep -q -- "--memory only applies to --simulate" <<<"$out"
	check "simulation options refused with --iopf-fd" $?
	out=$("$iopfd" --iopf-fd=3 --simulate random 2>&1); rc=$?
	[ $rc -eq 2 ] && grep -q "exclude each other" <<<"$out"
	check "--iopf-fd and --simulate exclude each other" $?
	out=$("$iopfd" --iopf-fd=1 2>&1); rc=$?
	[ $rc -eq 2 ]
	check "--iopf-fd refuses the standard streams" $?
	out=$("$iopfd" --iopf-fd=3 3</dev/null 2>&1); rc=$?
	[ $rc -eq 1 ] && grep -q "fd 3 is not an iopf fd" <<<"$out"
	check "--iopf-fd on something else fails clearly" $?

	out=$("$iopfd" --listen=/tmp/x.sock --simulate random 2>&1); rc=$?
	[ $rc -eq 2 ] && grep -q "exclude each other" <<<"$out"
	check "--listen and --simulate exclude each other" $?
	out=$("$iopfd" --listen= 2>&1); rc=$?
	[ $rc -eq 2 ] && grep -q "invalid --listen ''" <<<"$out"
	check "--listen needs a path" $?
	out=$("$iopfd" --listen=/tmp/x.sock --ring-entries=64 2>&1); rc=$?
	[ $rc -eq 2 ] && grep -q -- "--ring-entries only applies to --simulate" <<<"$out"
	check "simulation options refused with --listen" $?
	out=$("$iopfd" --listen=/nonexistent-dir/x.sock 2>&1); rc=$?
	[ $rc -eq 1 ] && grep -q "Failed to bind to /nonexistent-dir/x.sock: No such file or directory" <<<"$out"
	check "--listen in a missing directory fails clearly" $?
	out=$("$iopfd" --simulate random --ready-fd=3 2>&1); rc=$?
	[ $rc -eq 2 ] && grep -q -- "--ready-fd does not apply to --simulate" <<<"$out"
	check "--ready-fd refused with --simulate" $?

	trace=$(mktemp)
	printf '# device iova r|w\n0 0x1000 r\n\n1 2000 w\n1 0x3000 x\n' >"$trace"
	out=$("$iopfd" --simulate trace --trace "$trace" --devices 2 2>&1); rc=$?
	[ $rc -eq 2 ] && grep -q "$trace:5: malformed access" <<<"$out"
	check "a malformed trace line is named" $?
	printf '# device iova r|w\n0 0x1000 r\n\n1 2000 w\n1 0x300000 r\n' >"$trace"
	out=$("$iopfd" --simulate trace --trace "$trace" 2>&1); rc=$?
	[ $rc -eq 2 ] && grep -q "names 2 devices: give --devices=2 or more" <<<"$out"
	check "a trace needs its devices" $?
	out=$("$iopfd" --simulate trace --trace "$trace" --devices 2 --memory 1M 2>&1); rc=$?
	[ $rc -eq 2 ] && grep -q "$trace:5: the address lies beyond --memory" <<<"$out"
	check "a trace must fit in memory" $?
	out=$("$iopfd" --simulate trace 2>&1); rc=$?
	[ $rc -eq 2 ] && grep -q "needs --trace=FILE" <<<"$out"
	check "--simulate=trace needs a trace" $?
	out=$("$iopfd" --simulate random --trace "$trace" 2>&1); rc=$?
	[ $rc -eq 2 ] && grep -q -- "--trace only applies to --simulate=trace" <<<"$out"
	check "--trace only with the trace workload" $?
	out=$("$iopfd" --simulate trace --trace "$trace" --devices 2 --memory 4M --json); rc=$?
	[ $rc -eq 0 ] && grep -q '"accesses": 3,' <<<"$out"
	check "a trace replays" $?
	rm -f "$trace"
	out=$("$iopfd" --simulate messages --memory 64M --message-size 10M --messages 2 --reuse \
		--policy fixed:512 --no-map-ahead --json); rc=$?
	[ $rc -eq 0 ] && grep -q '"accesses": 10240,' <<<"$out" && grep -q '"faults": 12,' <<<"$out"
	check "reused 10 MiB messages fault 12 times at 512-page windows" $?
	out=$("$iopfd" --simulate phases --memory 64M --phases 4 --working-set 4M --zipf 0 --json); rc=$?
	[ $rc -eq 0 ] && grep -q '"accesses": 16384,' <<<"$out"
	check "phases with a uniform working set" $?

	out=$("$iopfd" --help); rc=$?
	[ $rc -eq 0 ] && grep -q -- "--simulate=WORKLOAD" <<<"$out"
	check "--help" $?
	"$iopfd" --version | grep -q "^iopfd\(-san\)\? [0-9]"
	check "--version" $?

	out=$("$iopfd" --simulate sequential --memory 64M); rc=$?
	[ $rc -eq 0 ] && grep -q "faults .*resolved by iopfd" <<<"$out" && grep -q "over-mapping 1.00x" <<<"$out" \
		&& grep -q "fault latency   p50" <<<"$out" && grep -q "faults/s" <<<"$out"
	check "demo prints the summary" $?

	out=$("$iopfd" --simulate mix --memory 32M --devices 3 --queue-depth 4 --ranges 2 --json); rc=$?
	faults=$(sed -n 's/^ *"faults": \([0-9]*\),$/\1/p' <<<"$out")
	resolved=$(sed -n 's/^ *"resolved": \([0-9]*\),$/\1/p' <<<"$out")
	fallback=$(sed -n 's/^ *"fallback": \([0-9]*\),$/\1/p' <<<"$out")
	[ $rc -eq 0 ] && [ -n "$faults" ] && [ "$faults" -gt 0 ] && [ "$faults" -eq $((resolved + fallback)) ]
	check "--json counts add up ($faults = $resolved + $fallback)" $?

	out=$("$iopfd" --simulate random --memory 16M --no-resolver --json); rc=$?
	grep -q '"policy": "none (kernel fallback only)"' <<<"$out" && grep -q '"resolved": 0,' <<<"$out"
	check "--no-resolver leaves faults to the kernel" $?
done
exit $fail
