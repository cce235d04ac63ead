#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the iopf test kernel (Debian linux-source-6.12 + kernel/patches/series),
# boot it under QEMU TCG with a busybox initramfs carrying the guest tests, and
# report "N passed, N failed".  Exit status: 0 all passed, 1 a test failed or
# the kernel splatted, 2 the harness itself failed (build, patch, boot).
#
# Usage: check-kernel.sh [--flavour normal|debug] [--no-boot] [--kernel BZIMAGE]
#   --no-boot        build everything, do not start QEMU
#   --kernel BZIMAGE boot this kernel instead of building the series (for
#                    developing patches; uses the headers of the last build)
#
# Environment:
#   IOPF_KERNEL_CACHE   cache directory (default /var/cache/iopf-kernel, or
#                       ~/.cache/iopf-kernel when that is not writable); the
#                       extracted tree stays at a fixed path inside it so that
#                       ccache hits across runs
#   IOPF_KERNEL_TARBALL source tarball (default /usr/src/linux-source-6.12.tar.xz)
#   IOPF_QEMU_TIMEOUT   seconds before the guest is killed (default 900)
#   IOPF_TEST_TIMEOUT   seconds per guest test (default 120, debug flavour 300)
#   IOPF_JOBS           make -j (default: number of CPUs)
#   IOPF_TESTS          space-separated test names to run (default: all)
#   IOPF_APPEND         words added to the test boots' kernel command line,
#                       e.g. "iopf.storm_seed=N" to replay a storm
#   IOPF_BENCH=0        do not run the benchmark (normal flavour only)
#   IOPF_EAGER_BOOTS    boots each of pristine 6.12 and of the series for
#                       the eager-path comparison (normal flavour; default 3,
#                       0 skips it and the pristine build)
#   IOPF_EAGER_ICOUNT_BOOTS  then boots each under QEMU -icount, where the
#                       figures are guest instructions (default 2)
#   IOPF_SEED_BOOTS     boots that only print the seed's table, under QEMU
#                       -icount (normal flavour; default 1, 0 skips them)
#   IOPF_SEED_ENGINE_NS the mock engine's page times for that table, one
#                       table each (default "0,25000": the CPU copying, and
#                       an engine beside the CPU at 25 us a page)

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kdir=$(dirname "$here")			# .../kernel
repo=$(dirname "$kdir")			# top of the iopf tree

flavour=normal
boot=1
kernel_override=
while [ $# -gt 0 ]; do
	case $1 in
	--flavour) flavour=${2:?}; shift 2 ;;
	--flavour=*) flavour=${1#*=}; shift ;;
	--no-boot) boot=0; shift ;;
	--kernel) kernel_override=$(realpath "${2:?}"); shift 2 ;;
	-h|--help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "check-kernel: unknown argument $1" >&2; exit 2 ;;
	esac
done
case $flavour in
normal|debug) ;;
*) echo "check-kernel: unknown flavour $flavour" >&2; exit 2 ;;
esac

die() { echo "check-kernel: $*" >&2; exit 2; }
log() { echo "check-kernel: [$(date +%T)] $*"; }

if [ -z "${IOPF_KERNEL_CACHE:-}" ]; then
	IOPF_KERNEL_CACHE=/var/cache/iopf-kernel
	if ! mkdir -p "$IOPF_KERNEL_CACHE" 2>/dev/null || [ ! -w "$IOPF_KERNEL_CACHE" ]; then
		IOPF_KERNEL_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/iopf-kernel
	fi
fi
cache=$IOPF_KERNEL_CACHE
tarball=${IOPF_KERNEL_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
jobs=${IOPF_JOBS:-$(nproc)}
src=$cache/src				# pristine tree (git, tag "pristine") + series
out=$cache/build-$flavour		# O= directory
stage=$cache/stage-$flavour		# initramfs, test binaries, logs
mkdir -p "$cache" "$out"
export CCACHE_DIR=${CCACHE_DIR:-$cache/ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
# kernel builds embed the build time; keep it fixed so ccache hits
export KBUILD_BUILD_TIMESTAMP=${KBUILD_BUILD_TIMESTAMP:-2025-01-01}
export KBUILD_BUILD_USER=iopf KBUILD_BUILD_HOST=iopf

for tool in git make gcc ccache flex bison bc rsync qemu-system-x86_64 busybox tar xz timeout; do
	command -v "$tool" >/dev/null || die "missing $tool (run kernel/scripts/install-deps.sh)"
done
[ -f "$tarball" ] || die "missing $tarball (run kernel/scripts/install-deps.sh)"
busybox_bin=$(command -v busybox)
file -L "$busybox_bin" 2>/dev/null | grep -q 'statically linked' ||
	die "$busybox_bin is not static (install busybox-static)"

# Serialise runs: they share the source tree.
exec 9>"$cache/lock"
flock 9

g() { git -C "$src" -c user.name=iopf-harness -c user.email=iopf@localhost \
	-c core.autocrlf=false -c advice.detachedHead=false "$@"; }

start=$(date +%s)
pristine_bzimage=
if [ -n "$kernel_override" ]; then
	[ -f "$out/hdr/include/linux/vfio.h" ] ||
		die "--kernel needs the headers of a previous build in $out/hdr"
	bzimage=$kernel_override
else
# ---------------------------------------------------------------- source --
if ! g rev-parse -q --verify refs/tags/pristine >/dev/null 2>&1; then
	log "extracting $tarball into $src (once)"
	rm -rf "$src" "$cache/src.tmp"
	mkdir -p "$cache/src.tmp"
	tar -xf "$tarball" -C "$cache/src.tmp" --strip-components=1
	mv "$cache/src.tmp" "$src"
	g init -q
	# Debian's top-level .gitignore ignores everything: force-add
	g add -f -A .
	g commit -q -m "Linux $(make -s -C "$src" kernelversion) (Debian linux-source)"
	g tag pristine
fi

log "resetting $src to pristine and applying kernel/patches/series"
g am --abort >/dev/null 2>&1 || true
g checkout -q -f --detach pristine
g clean -q -f -d -x
mapfile -t patches < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$kdir/patches/series")
for p in "${patches[@]}"; do
	pf=$kdir/patches/$p
	[ -f "$pf" ] || die "series names $p but $pf does not exist"
	if ! g apply --check "$pf"; then
		die "patch $p does not apply"
	fi
	g am -q --whitespace=nowarn "$pf" >/dev/null || die "git am $p failed"
done
log "applied ${#patches[@]} patch(es)"

# Every patch must be clean for checkpatch --strict.  /usr/bin first: its
# spdxcheck.py needs the system python's ply and git modules.
for p in "${patches[@]}"; do
	if ! (cd "$src" && PATH=/usr/bin:$PATH perl scripts/checkpatch.pl --strict \
		--quiet --no-summary "$kdir/patches/$p") > "$out/checkpatch.log" 2>&1; then
		cat "$out/checkpatch.log" >&2
		die "patch $p is not checkpatch --strict clean"
	fi
done
log "checkpatch --strict: every patch is clean"

# The series must carry the project's uapi header byte for byte.
uapi=include/uapi/linux/vfio_iopf.h
if [ -f "$src/$uapi" ]; then
	cmp -s "$src/$uapi" "$repo/$uapi" ||
		die "$uapi in the series differs from $repo/$uapi"
	log "$uapi in the series is identical to the project's"
fi

# ---------------------------------------------------------------- config --
# mk_in DIR TARGET...: make in the tree, building in DIR; mk: in $out
mk_in() { local o=$1; shift; make -s -C "$src" O="$o" ARCH=x86_64 CC="ccache gcc" HOSTCC=gcc -j"$jobs" "$@"; }
mk() { mk_in "$out" "$@"; }
frags=("$kdir"/configs/*.config "$kdir/configs/flavours/$flavour.config")
log "configuring: tinyconfig + ${frags[*]##*/}"
cp "$out/.config" "$out/.config.prev" 2>/dev/null || true
mk tinyconfig >/dev/null
(cd "$out" && "$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "${frags[@]}" >/dev/null)
mk olddefconfig >/dev/null
# Every requested option must have survived olddefconfig.
bad=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*)
		grep -qxF -- "$line" "$out/.config" || {
			echo "check-kernel: requested $line, got: $(grep -E "^(# )?${line%%=*}[= ]" "$out/.config" || echo 'not present')" >&2
			bad=1
		} ;;
	"# CONFIG_"*" is not set")
		sym=${line#\# }; sym=${sym%% *}
		! grep -q "^$sym=" "$out/.config" || { echo "check-kernel: requested $line, got $(grep "^$sym=" "$out/.config")" >&2; bad=1; } ;;
	esac
done < <(cat "${frags[@]}")
[ $bad -eq 0 ] || die "config fragments did not survive olddefconfig (missing dependency?)"
# Keep the old .config (and so make's incremental state) if nothing changed.
if [ -f "$out/.config.prev" ] && cmp -s "$out/.config" "$out/.config.prev"; then
	touch -r "$out/.config.prev" "$out/.config"
fi
rm -f "$out/.config.prev"

# ----------------------------------------------------------------- build --
log "building bzImage ($flavour, -j$jobs, ccache)"
t0=$(date +%s)
if ! mk bzImage > "$out/build.log" 2>&1; then
	tail -n 60 "$out/build.log" >&2
	die "kernel build failed (full log: $out/build.log)"
fi
grep -E 'warning:' "$out/build.log" | grep -v '^scripts/' | sort -u | head -20 || true
mk headers_install INSTALL_HDR_PATH="$out/hdr" >/dev/null
log "kernel built in $(( $(date +%s) - t0 ))s"
bzimage=$out/arch/x86/boot/bzImage

# Pristine 6.12 (the same tarball, unpatched) with the same config, for the eager path's cost with
# and without the series, measured side by side in the PCI boots.
pristine_bzimage=
if [ "${IOPF_EAGER_BOOTS:-3}" != 0 ] && [ "${IOPF_BENCH:-1}" != 0 ] &&
   grep -q '^CONFIG_INTEL_IOMMU=y' "$out/.config"; then
	pout=$cache/build-pristine-$flavour
	mkdir -p "$pout"
	g checkout -q -f --detach pristine
	g clean -q -f -d -x
	cp "$out/.config" "$pout/.config"
	log "building pristine $(make -s -C "$src" kernelversion) with the same config, for the eager-path figures"
	t0=$(date +%s)
	if ! { mk_in "$pout" olddefconfig && mk_in "$pout" bzImage; } > "$pout/build.log" 2>&1; then
		tail -n 60 "$pout/build.log" >&2
		die "pristine kernel build failed (full log: $pout/build.log)"
	fi
	log "pristine kernel built in $(( $(date +%s) - t0 ))s"
	pristine_bzimage=$pout/arch/x86/boot/bzImage
fi
fi

# ----------------------------------------------------------- guest tests --
rm -rf "$stage"
mkdir -p "$stage/tests"
# $repo/daemon and $repo/tests: tests/iopf_conformance runs the conformance
# suite make check runs against the simulator, through iopfd's vfio backend;
# $repo/lib: tests/iopfd_register registers as VMMs do, through libiopf,
# whose answers json-c parses (Debian's libjson-c-dev has the static archive)
cflags=(-static -O2 -g0 -Wall -Wextra -Werror -Wno-unused-parameter
	-I"$repo/include/uapi" -I"$repo/include" -I"$out/hdr/include" -I"$kdir/tests"
	-I"$repo/shared" -I"$repo/daemon" -I"$repo/tests" -I"$repo/lib" -pthread)
ldlibs=(-ljson-c)
gcc "${cflags[@]}" -o "$stage/debug-exit" "$kdir/guest/debug-exit.c"
gcc "${cflags[@]}" -o "$stage/iopf-bench" "$kdir/guest/bench.c" ||
	die "guest/bench.c does not compile"
gcc "${cflags[@]}" -o "$stage/iopf-pci-bench" "$kdir/guest/pci-bench.c" ||
	die "guest/pci-bench.c does not compile"
# build_tests SRCDIR DESTDIR: compile the selected tests, print how many
build_tests() {
	local c name n=0

	mkdir -p "$2"
	for c in "$1"/*.c; do
		name=$(basename "$c" .c)
		if [ -n "${IOPF_TESTS:-}" ] && ! [[ " $IOPF_TESTS " == *" $name "* ]]; then
			continue
		fi
		gcc "${cflags[@]}" -o "$2/$name" "$c" "${ldlibs[@]}" || die "guest test $name does not compile"
		n=$((n + 1))
	done
	echo $n
}
ntests=$(build_tests "$kdir/tests" "$stage/tests")
# tests/pci/ need a real PCI device behind an IOMMU: the second boot
npcitests=0
if grep -q '^CONFIG_INTEL_IOMMU=y' "$out/.config" 2>/dev/null; then
	npcitests=$(build_tests "$kdir/tests/pci" "$stage/tests-pci")
fi
[ $((ntests + npcitests)) -gt 0 ] || die "no guest tests"
log "built $ntests guest test(s), $npcitests for the PCI boot"

# ----------------------------------------------------------------- iopfd --
# The daemon runs in the guest as built for the host (dynamically linked):
# take it with its shared libraries and their loader.
iopfd=${IOPF_IOPFD:-$repo/build/iopfd}
if [ -z "${IOPF_IOPFD:-}" ] && [ ! -x "$iopfd" ]; then
	log "building iopfd ($repo/scripts/build.sh)"
	"$repo/scripts/build.sh" > "$stage/iopfd-build.log" 2>&1 ||
		die "iopfd does not build (log: $stage/iopfd-build.log)"
fi
[ -x "$iopfd" ] || die "no iopfd at $iopfd"
iopfd_libs=$(ldd "$iopfd" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u)

# ------------------------------------------------------------- initramfs --
gcc -O2 -o "$stage/gen_init_cpio" "$src/usr/gen_init_cpio.c"
{
	echo "dir /dev 0755 0 0"
	echo "nod /dev/console 0600 0 0 c 5 1"
	echo "nod /dev/null 0666 0 0 c 1 3"
	for d in /bin /sbin /proc /sys /tmp /tests /tests-pci; do echo "dir $d 0755 0 0"; done
	echo "file /init $kdir/guest/init.sh 0755 0 0"
	echo "file /bin/busybox $busybox_bin 0755 0 0"
	echo "file /bin/debug-exit $stage/debug-exit 0755 0 0"
	echo "file /bin/iopfd $iopfd 0755 0 0"
	for lib in $iopfd_libs; do
		d=
		for part in $(dirname "$lib" | tr / ' '); do
			d+=/$part
			echo "dir $d 0755 0 0"
		done
	done | sort -u
	for lib in $iopfd_libs; do
		echo "file $lib $(realpath "$lib") 0755 0 0"
	done
	[ "${IOPF_BENCH:-1}" = 0 ] || [ "$flavour" != normal ] ||
		echo "file /bin/iopf-bench $stage/iopf-bench 0755 0 0"
	echo "file /bin/iopf-pci-bench $stage/iopf-pci-bench 0755 0 0"
	for a in $("$busybox_bin" --list); do
		[ "$a" = busybox ] || echo "slink /bin/$a busybox 0777 0 0"
	done
	for t in "$stage"/tests/* "$stage"/tests-pci/*; do
		[ ! -f "$t" ] || echo "file ${t#"$stage"} $t 0755 0 0"
	done
} > "$stage/initramfs.list"
"$stage/gen_init_cpio" "$stage/initramfs.list" > "$stage/initramfs.cpio"

[ $boot -eq 1 ] || { log "--no-boot: stopping before QEMU"; exit 0; }

# ------------------------------------------------------------------ boot --
splat_re='BUG:|WARNING:|Oops|Kernel panic|KASAN|UBSAN|general protection fault'
splat_re+='|possible circular locking|possible recursive locking|inconsistent lock state'
splat_re+='|suspicious RCU usage|DEBUG_LOCKS_WARN_ON|turning off the locking correctness validator'
splat_re+='|unreferenced object|suspected memory leak|kmemleak: .*leak'
splat_re+='|INFO: task .* blocked|Call Trace:|sleeping function called from invalid context'
# splat_lines SERIAL: the lines of the serial log that show a splat.  A test
# that forces allocations to fail (fail-nth) brackets them with "iopf-test:
# fault injection begins/ends" in the kernel log; the stack dumps of the
# failures it forced (warn_alloc) are not splats, anything else still is.
splat_lines() {
	awk '/iopf-test: fault injection begins/ { forced = 1 }
	     /iopf-test: fault injection ends/ { forced = 0 }
	     !(forced && /Call Trace:/)' "$1" | grep -E "$splat_re" | grep -vE "$ok_re" || true
}
# lines the kernel prints at boot that merely mention a checker
ok_re='RCU lockdep checking is enabled|KernelAddressSanitizer initialized|kmemleak: Kernel memory leak detector initialized|kmemleak: Automatic memory scanning thread started|Lock dependency validator|lockdep: fixing up alternatives'

total_pass=0 total_fail=0 total_skip=0 status=0

# qemu_run SERIAL BZIMAGE MEM SMP APPEND [QEMU ARGS...]: boot once under TCG
# with the initramfs and the isa-debug-exit port; prints QEMU's exit status
# (the guest's status is (value << 1) | 1).
qemu_run() {
	local serial=$1 kernel=$2 mem=$3 smp=$4 append=$5 qrc

	shift 5
	set +e
	timeout --foreground "${IOPF_QEMU_TIMEOUT:-900}" qemu-system-x86_64 \
		-accel tcg -cpu max -m "$mem" -smp "$smp" "$@" \
		-kernel "$kernel" -initrd "$stage/initramfs.cpio" \
		-append "$append" \
		-no-reboot -nographic -monitor none -serial "file:$serial" \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 </dev/null >&2
	qrc=$?
	set -e
	echo $qrc
}

# boot NAME TESTDIR NTESTS APPEND [QEMU ARGS...]: boot once with APPEND added
# to the kernel command line, run the guest tests in TESTDIR, add up the
# results and raise $status on a failure.
boot() {
	local name=$1 dir=$2 expected=$3 serial=$stage/serial-$1.log
	local mem=2560M smp=1 append=$4 t0 qrc boot_s npass nfail nskip splats rc=0 timeout=120
	shift 4
	# KASAN under TCG: faulting in the 4 GiB of iopf_unmap_4g alone went
	# past 120 s on a loaded machine
	if [ "$flavour" = debug ]; then mem=1536M; smp=2; timeout=300; fi
	# The normal flavour gives the timing figures and iopfd_kill_loop's
	# bound.  Under TCG each exec of a PIE at new random addresses has its
	# code translated again, and that stopped the 1-CPU guest for up to
	# 190 ms an exec of iopfd (19 ms at most with norandmaps).  The debug
	# flavour keeps ASLR.
	[ "$flavour" = debug ] || append+=" norandmaps"
	# tests/smp_online fails unless this many CPUs came online
	append+=" console=ttyS0 panic=-1 oops=panic loglevel=7 iopf.tests=$dir iopf.min_cpus=$smp"
	append+=" iopf.test_timeout=${IOPF_TEST_TIMEOUT:-$timeout}"
	append+=" vfio_iommu_type1.allow_unsafe_interrupts=1"
	[ -z "${IOPF_APPEND:-}" ] || append+=" $IOPF_APPEND"
	log "boot $name: QEMU TCG ($smp cpu, $mem) $*, serial log $serial"
	t0=$(date +%s)
	qrc=$(qemu_run "$serial" "$bzimage" "$mem" "$smp" "$append" "$@")
	boot_s=$(( $(date +%s) - t0 ))

	grep -E '^(  |IOPF-)' "$serial" | grep -vE '^IOPF-(GUEST: running|BENCH)' || true
	grep -E '^IOPF-BENCH' "$serial" || true
	npass=$(grep -c '^IOPF-TEST: PASS' "$serial" || true)
	nfail=$(grep -c '^IOPF-TEST: FAIL' "$serial" || true)
	nskip=$(grep -c '^IOPF-TEST: SKIP' "$serial" || true)
	splats=$(splat_lines "$serial")

	case $qrc in
	1) ;;				# guest wrote 0: all tests passed
	3) rc=1 ;;			# guest wrote 1: some test failed
	124) echo "check-kernel: boot $name: guest timed out after ${IOPF_QEMU_TIMEOUT:-900}s" >&2; rc=2 ;;
	*) echo "check-kernel: boot $name: QEMU exited with $qrc without a guest status (panic or reboot?)" >&2; rc=2 ;;
	esac
	if [ -n "$splats" ]; then
		echo "check-kernel: boot $name: kernel splat in the serial log:" >&2
		echo "$splats" | head -40 >&2
		[ $rc -ne 0 ] || rc=1
		nfail=$((nfail + 1))
		echo "IOPF-TEST: FAIL kernel-log-clean"
	fi
	[ $rc -eq 0 ] || { echo "--- last 40 serial lines ---" >&2; tail -n 40 "$serial" >&2; }
	if [ $((npass + nskip + nfail)) -lt "$expected" ]; then
		echo "check-kernel: boot $name: only $((npass + nskip + nfail)) of $expected tests reported" >&2
		[ $rc -ne 0 ] || rc=2
	fi
	log "boot $name: ${boot_s}s, $npass passed, $nfail failed, $nskip skipped"
	total_pass=$((total_pass + npass))
	total_fail=$((total_fail + nfail))
	total_skip=$((total_skip + nskip))
	[ $rc -eq 0 ] || [ $status -ne 0 ] || status=$rc
}

[ $ntests -eq 0 ] || boot mock /tests "$ntests" ""
# A real PCI device that cannot fault, behind an emulated Intel IOMMU.
[ $npcitests -eq 0 ] ||
	boot pci /tests-pci "$npcitests" "intel_iommu=on" \
		-M q35 -device intel-iommu,intremap=off -device edu
# The seed's table, in a boot of its own under -icount: the guest's clock
# counts instructions, so a message's time is the CPU work the device, the
# kernel and iopfd did for it (one CPU), not the host's load.  Under plain
# TCG the same table had eager rounds 20-50 % apart within a boot, more
# than the issue's goals' margins.
if [ "$flavour" = normal ] && [ "${IOPF_BENCH:-1}" != 0 ] && [ "${IOPF_SEED_BOOTS:-1}" != 0 ]; then
	for i in $(seq "${IOPF_SEED_BOOTS:-1}"); do
		serial=$stage/serial-seed-$i.log
		log "seed table boot $i: QEMU TCG -icount, serial log $serial"
		t0=$(date +%s)
		qrc=$(qemu_run "$serial" "$bzimage" 2560M 1 \
			"console=ttyS0 panic=-1 oops=panic norandmaps iopf.bench=seed iopf.seed_engine_ns=${IOPF_SEED_ENGINE_NS:-0,25000} vfio_iommu_type1.allow_unsafe_interrupts=1" \
			-icount shift=0,sleep=off)
		grep -E '^IOPF-BENCH' "$serial" || true
		if [ "$qrc" != 1 ] || splat_lines "$serial" | grep -q .; then
			echo "check-kernel: seed table boot $i failed (QEMU $qrc) or splatted:" >&2
			tail -n 40 "$serial" >&2
			echo "IOPF-TEST: FAIL seed-table"
			total_fail=$((total_fail + 1))
			status=1
		fi
		log "seed table boot $i: $(( $(date +%s) - t0 ))s"
	done
fi
# eager_boot LABEL BZIMAGE [QEMU ARGS...]: one PCI boot that only measures
# the eager path; appends its "map_ms unmap_ms" rounds to $stage/eager-LABEL.
eager_boot() {
	local label=$1 kernel=$2 serial=$stage/serial-eager-$1.log qrc

	shift 2
	qrc=$(qemu_run "$serial" "$kernel" 2560M 1 \
		"intel_iommu=on console=ttyS0 panic=-1 oops=panic iopf.bench=eager vfio_iommu_type1.allow_unsafe_interrupts=1" \
		-M q35 -device intel-iommu,intremap=off -device edu "$@")
	[ $qrc -eq 1 ] || { tail -n 20 "$serial" >&2; die "eager-path boot $label failed (QEMU $qrc)"; }
	if splat_lines "$serial" | grep -q .; then
		echo "check-kernel: eager-path boot $label: kernel splat in $serial" >&2
		echo "IOPF-TEST: FAIL kernel-log-clean"
		total_fail=$((total_fail + 1))
		status=1
	fi
	sed -n 's/^IOPF-EAGER: //p' "$serial" >> "$stage/eager-$label"
}

# spread FILE COLUMN DECIMALS: "median (min-max)" of a column of a file of rounds
spread() { cut -d' ' -f"$2" "$1" | sort -g | awk -v d="$3" '{ v[NR] = $1 } END { f = "%." d "f"; printf f " (" f "-" f ")", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2, v[1], v[NR] }'; }

# eager_compare SUFFIX UNIT BOOTS DECIMALS: the IOPF-BENCH lines for the
# rounds in $stage/eager-{pristine,patched}SUFFIX
eager_compare() {
	local p q col what

	for col in 1 2; do
		what=$([ $col = 1 ] && echo MAP_DMA || echo UNMAP_DMA)
		p=$(spread "$stage/eager-pristine$1" $col "$4")
		q=$(spread "$stage/eager-patched$1" $col "$4")
		echo "IOPF-BENCH: eager $what 1 GiB of 4 KiB pages, edu behind intel-iommu, $2, median (min-max) of $(wc -l < "$stage/eager-pristine$1") rounds in $3 boots: pristine $p, patched $q, ratio of medians $(awk -v p="${p%% *}" -v q="${q%% *}" 'BEGIN { printf "%.3fx", q / p }')"
	done
}

if [ -n "$pristine_bzimage" ] && [ $status -eq 0 ]; then
	boots=${IOPF_EAGER_BOOTS:-3}
	icount_boots=${IOPF_EAGER_ICOUNT_BOOTS:-2}
	log "eager path: $boots boots each of pristine and patched, alternating, then $icount_boots each counting instructions"
	for i in $(seq "$boots"); do
		eager_boot pristine "$pristine_bzimage"
		eager_boot patched "$bzimage"
	done
	# -icount: the guest's clock counts its instructions, 1 ns each, so
	# its "ms" are millions of instructions: the CPU work, the same to a
	# few thousand instructions from boot to boot, whatever the host does
	for i in $(seq "$icount_boots"); do
		eager_boot pristine-icount "$pristine_bzimage" -icount shift=0,sleep=off
		eager_boot patched-icount "$bzimage" -icount shift=0,sleep=off
	done
	eager_compare "" "ms of wall time" "$boots" 1
	[ "$icount_boots" = 0 ] ||
		eager_compare -icount "millions of guest instructions (QEMU -icount)" "$icount_boots" 3
fi
log "flavour $flavour: total $(( $(date +%s) - start ))s"
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
exit $status
