#!/bin/bash
# Description: iopfctl against a running iopfd --simulate: status as JSON; a
# reload with a broken policy file keeps the old policy and names the file,
# line and column (exit 1); a good one applies to the next faults (the new
# window shows in policy show and stats) and no fault is lost; a non-root
# client may read but is refused a change (exit 4); bad usage exits 2, no
# iopfd exits 3.
set -u
b=${top_builddir:?}
tmp=$(mktemp -d)
chmod 0755 "$tmp"  # the non-root client must reach the socket
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ctl() { "$b/iopfctl" --socket="$tmp/control" "$@"; }

mkdir -p "$tmp/conf/policies.d"
echo '{ "policy": "exact" }' >"$tmp/conf/iopfd.json"

# no iopfd yet
ctl status >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 3 ] && grep -q "is iopfd running" "$tmp/err" || fail "no iopfd: exit $rc, $(cat "$tmp/err")"
ctl frobnicate 2>/dev/null; [ $? -eq 2 ] || fail "an unknown command must exit 2"
ctl policy set onlyvm 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] && grep -q "'policy' wants 'show \[VM\]' or 'set VM POLICY'" "$tmp/err" ||
	fail "a missing argument: exit $rc, $(cat "$tmp/err")"
ctl stats extra 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] && grep -q "'stats' takes no argument 'extra'" "$tmp/err" ||
	fail "an extra argument: exit $rc, $(cat "$tmp/err")"
# iopfctl(8): without a command, the status (which needs iopfd: exit 3)
ctl >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 3 ] && grep -q "is iopfd running" "$tmp/err" || fail "no command: exit $rc, $(cat "$tmp/err")"

# Exact windows on random accesses over 16 GiB: one fault per access, long
# enough to reload while it runs; fixed:512 then finishes it quickly.
"$b/iopfd" --simulate=random --memory=16G --accesses=600000 --config-dir="$tmp/conf" \
	--control="$tmp/control" --json >"$tmp/result.json" 2>"$tmp/iopfd.log" &
pid=$!
# the socket file appears at bind(), before listen()
for _ in $(seq 100); do ctl status >/dev/null 2>&1 && break; sleep 0.05; done

ctl --json status >"$tmp/status.json" || fail "status failed"
grep -q '"mode": "simulate"' "$tmp/status.json" && grep -q '"vms": 1' "$tmp/status.json" ||
	fail "status: $(cat "$tmp/status.json")"
ctl policy show sim | grep -q "policy *exact .*/conf/iopfd.json:1:13" || fail "policy origin"
ctl devices | grep -q "^sim  *0 sim0  *[1-9]" || fail "devices: $(ctl devices)"

# a broken rule: refused with its position, the old policy stays
printf '{ "vm": "sim",\n  "policy": "fixed:512",\n}\n' >"$tmp/conf/policies.d/10-sim.json"
ctl reload 2>"$tmp/err"; rc=$?
[ $rc -eq 1 ] || fail "a broken file must fail the reload with exit 1, got $rc"
grep -q "policies.d/10-sim.json:3:1: " "$tmp/err" || fail "reload error: $(cat "$tmp/err")"
ctl vms | grep -q "^sim .* exact " || fail "the old policy must stay after a failed reload"
ctl --json status | grep -q '"reload_failures": 1' || fail "status counts the failed reload"
# a file that cannot be read is a bad file (EINVAL), not "no VM matches" (ENOENT)
ln -s missing "$tmp/conf/policies.d/05-dangling.json"
ctl --json reload >"$tmp/reload.json" 2>/dev/null; rc=$?
[ $rc -eq 1 ] && grep -q '"errno": 22' "$tmp/reload.json" ||
	fail "an unreadable file: exit $rc, $(cat "$tmp/reload.json")"
rm "$tmp/conf/policies.d/05-dangling.json"
# --watch prints the table again each period, until interrupted
n=$(timeout -s INT 2.5 "$b/iopfctl" --socket="$tmp/control" stats --watch=1 | grep -c '^sim ')
[ "$n" -ge 2 ] || fail "stats --watch=1 printed $n tables in 2.5 s"
ctl --watch=1 status 2>/dev/null; [ $? -eq 2 ] || fail "--watch only applies to stats"

# a non-root client reads, and is refused a change
if [ "$(id -u)" -eq 0 ]; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$b/iopfctl" --socket="$tmp/control" vms \
		>/dev/null || fail "a non-root client must be able to read"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$b/iopfctl" --socket="$tmp/control" \
		policy set sim exact 2>"$tmp/err"; rc=$?
	[ $rc -eq 4 ] && grep -q "only root" "$tmp/err" || fail "non-root change: exit $rc, $(cat "$tmp/err")"
else
	echo "note: not root, the non-root refusal is not tried" >&2
fi

before=$(ctl --json stats | sed -n 's/.*"faults": \([0-9]*\).*/\1/p')
printf '{ "vm": "sim",\n  "policy": "fixed:512"\n}\n' >"$tmp/conf/policies.d/10-sim.json"
ctl reload || fail "the good file must reload"
ctl policy show sim | grep -q "policy *fixed:512 .*policies.d/10-sim.json:2:13" ||
	fail "new policy: $(ctl policy show sim)"
ctl vms | grep -q "^sim .* fixed:512 " || fail "vms shows the new policy"
ctl stats --format=openmetrics | grep -q '^iopfd_faults_total{vm="sim"} [0-9]' || fail "openmetrics"
echo "faults before the reload: $before"

wait "$pid"; rc=$?; pid=
[ $rc -eq 0 ] || fail "iopfd exited $rc: $(cat "$tmp/iopfd.log")"
field() { sed -n "s/^  \"$1\": \([0-9]*\),*$/\1/p" "$tmp/result.json"; }
echo "faults $(field faults), resolved $(field resolved), fallback $(field fallback)," \
	"accesses $(field accesses) of $(field total_accesses)"
[ "$(field faults)" = "$(field resolved)" ] && [ "$(field fallback)" = 0 ] &&
	[ "$(field outstanding)" = 0 ] && [ "$(field accesses)" = "$(field total_accesses)" ] ||
	fail "faults were lost across the reloads: $(cat "$tmp/result.json")"
# exact until the reload, 512-page windows after: far fewer faults than accesses
[ "$(field faults)" -lt 500000 ] || fail "the new window did not apply: $(field faults) faults"
echo "ok: iopfctl status, reload (broken, then good), refusal and stats"
