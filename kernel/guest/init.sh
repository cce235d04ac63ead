#!/bin/sh
# /init of the iopf test initramfs: run every program under /tests (or the
# directory given by iopf.tests= on the kernel command line), print one
# "IOPF-TEST: PASS|FAIL|SKIP name" line per test and a summary, then report
# the overall status through the isa-debug-exit port (0 = all passed).
export PATH=/bin:/sbin
mount -t devtmpfs devtmpfs /dev
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tmpfs tmpfs /tmp

echo "IOPF-GUEST: kernel $(uname -r), $(grep -c ^processor /proc/cpuinfo) cpu(s)"
kmemleak=/sys/kernel/debug/kmemleak
[ -e $kmemleak ] && echo clear > $kmemleak

# a boot only for the eager-path figures (pristine and patched kernels alike)
if grep -q 'iopf.bench=eager' /proc/cmdline; then
	/bin/iopf-pci-bench 2>&1
	/bin/debug-exit $?
fi
# a boot only for the seed's table, under QEMU -icount, once for each engine
# page time of iopf.seed_engine_ns=A,B,... (0: the engine is the CPU)
if grep -q 'iopf.bench=seed' /proc/cmdline; then
	engines=$(sed -n 's/.*iopf.seed_engine_ns=\([0-9,]*\).*/\1/p' /proc/cmdline | tr , ' ')
	/bin/iopf-bench --seed-table $engines 2>&1
	/bin/debug-exit $?
fi

timeout=$(sed -n 's/.*iopf.test_timeout=\([0-9]*\).*/\1/p' /proc/cmdline)
[ -n "$timeout" ] || timeout=120
# the directory of tests this boot runs
tests=$(sed -n 's/.*iopf.tests=\([^ ]*\).*/\1/p' /proc/cmdline)
[ -n "$tests" ] || tests=/tests
pass=0 fail=0 skip=0
for t in "$tests"/*; do
	[ -x "$t" ] || continue
	name=${t##*/}
	echo "IOPF-GUEST: running $name"
	timeout "$timeout" "$t" > /tmp/out 2>&1
	rc=$?
	sed "s/^/  $name: /" /tmp/out
	case $rc in
	0) res=PASS; pass=$((pass + 1)) ;;
	77) res=SKIP; skip=$((skip + 1)) ;;
	*) res=FAIL; fail=$((fail + 1)) ;;
	esac
	echo "IOPF-TEST: $res $name (exit $rc)"
done

if [ -x /bin/iopf-bench ] && [ "$tests" = /tests ] && [ $fail -eq 0 ]; then
	echo "IOPF-GUEST: running the benchmark (figures, not a test)"
	/bin/iopf-bench 2>&1 || echo "IOPF-BENCH: failed (exit $?)"
fi

if [ -e $kmemleak ]; then
	# objects must be older than 5 s before kmemleak reports them
	sleep 6
	echo scan > $kmemleak
	echo scan > $kmemleak
	# debugfs files have no size: read the report to know if there is one
	leaks=$(cat $kmemleak)
	if [ -n "$leaks" ]; then
		echo "IOPF-GUEST: kmemleak reports:"
		echo "$leaks"
	fi
fi

echo "IOPF-GUEST: done: $pass passed, $fail failed, $skip skipped"
status=0
[ $fail -eq 0 ] || status=1
/bin/debug-exit $status
# not reached unless the port write failed
echo "IOPF-GUEST: debug-exit failed"
poweroff -f
