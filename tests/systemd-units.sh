#!/bin/bash
# Description: the systemd units are valid as systemd itself reads them
# (systemd-analyze verify prints nothing, not even a warning), and the built
# iopfd.service names the iopfd that "make install" puts in sbindir.
set -u
srcdir=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

grep -q '^ExecStart=/.*/iopfd$' "$top_builddir/systemd/iopfd.service" &&
	! grep -q '@sbindir@' "$top_builddir/systemd/iopfd.service" || {
	echo "FAIL: $top_builddir/systemd/iopfd.service has no substituted ExecStart" >&2
	exit 1
}

# Enough fds for every connection iopfd accepts: three for each VM's, one for
# each control client's, and some to spare.
max=$(sed -n 's/^#define REGISTER_CONNECTIONS_MAX \([0-9]*\)u$/\1/p' "$srcdir/daemon/register.h")
control=$(sed -n 's/^#define CONTROL_CLIENTS_MAX \([0-9]*\)u$/\1/p' "$srcdir/shared/control-protocol.h")
nofile=$(sed -n 's/^LimitNOFILE=\([0-9]*\)$/\1/p' "$srcdir/systemd/iopfd.service.in")
if [ -z "$max" ] || [ -z "$control" ] || [ -z "$nofile" ] ||
	[ "$nofile" -lt $((3 * max + control + 64)) ]; then
	echo "FAIL: LimitNOFILE=${nofile:-unset} is not enough for ${max:-?} connections of 3 fds" \
		"and ${control:-?} control clients" >&2
	exit 1
fi
echo "ok: LimitNOFILE=$nofile covers $max connections and $control control clients"

# Verified against the iopfd just built: verify checks that ExecStart exists.
sed "s|@sbindir@|$top_builddir|" "$srcdir/systemd/iopfd.service.in" >"$tmp/iopfd.service"
cp "$srcdir/systemd/iopfd.socket" "$srcdir/systemd/iopfd-control.socket" "$tmp/"
out=$(systemd-analyze verify --man=no "$tmp/iopfd.socket" "$tmp/iopfd-control.socket" \
	"$tmp/iopfd.service" 2>&1)
rc=$?
if [ $rc -ne 0 ] || [ -n "$out" ]; then
	echo "FAIL: systemd-analyze verify (status $rc):" >&2
	echo "$out" >&2
	exit 1
fi
echo "ok: iopfd.socket, iopfd-control.socket and iopfd.service verify cleanly"
