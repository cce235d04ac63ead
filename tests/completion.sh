#!/bin/bash
# Description: iopfctl's bash completion completes commands, subcommands,
# options and --format values, and VM names from the running iopfd.
set -u
srcdir=$(cd "$(dirname "$0")/.." && pwd)
fail() { echo "FAIL: $*" >&2; exit 1; }
# shellcheck disable=SC1091
source /usr/share/bash-completion/bash_completion || fail "bash-completion is not installed"
# shellcheck source=../shell-completion/iopfctl
source "$srcdir/shell-completion/iopfctl"

# complete WORDS...: what completing the last word offers, space separated
complete_line() {
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_iopfctl iopfctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	echo "${COMPREPLY[*]}"
}

[ "$(complete_line iopfctl st)" = "status stats" ] || fail "commands: $(complete_line iopfctl st)"
[ "$(complete_line iopfctl policy '')" = "show set" ] || fail "policy: $(complete_line iopfctl policy '')"
[ "$(complete_line iopfctl --json budget '')" = "set" ] || fail "budget after an option"
[ "$(complete_line iopfctl stats --format o)" = "openmetrics" ] || fail "--format values"
[[ " $(complete_line iopfctl --js) " == *" --json "* ]] || fail "options: $(complete_line iopfctl --js)"
# VM names, from the running iopfd
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait; rm -rf "$tmp"' EXIT
"${top_builddir:?}/iopfd" --simulate=random --memory=16G --accesses=2000000 --policy=exact \
	--config-dir="$tmp" --control="$tmp/control" >/dev/null 2>&1 &
pid=$!
mkdir -p "$tmp/bin"
printf '#!/bin/sh\nexec "%s/iopfctl" --socket="%s/control" "$@"\n' "$top_builddir" "$tmp" >"$tmp/bin/iopfctl"
chmod +x "$tmp/bin/iopfctl"
PATH="$tmp/bin:$PATH"
for _ in $(seq 100); do iopfctl status >/dev/null 2>&1 && break; sleep 0.05; done
[ "$(complete_line iopfctl policy show s)" = "sim" ] || fail "VM names: $(complete_line iopfctl policy show s)"
[ "$(complete_line iopfctl policy set sim f)" = "fixed:512" ] || fail "policies"
echo "ok: iopfctl completion"
