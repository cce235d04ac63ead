#!/bin/bash
# Description: an iopfd simulation run under valgrind: no invalid access, no
# leak, no uninitialised value; a missing valgrind is an error, not a skip.
set -u

if [ -z "${VALGRIND:-}" ] || ! command -v "$VALGRIND" >/dev/null; then
	echo "valgrind is required for this test (apt-get install valgrind)" >&2
	exit 99
fi

exec "$VALGRIND" --quiet --error-exitcode=1 --leak-check=full --show-leak-kinds=definite,indirect \
	--errors-for-leak-kinds=definite,indirect --track-fds=yes \
	"$top_builddir/iopfd" --simulate mix --memory 16M --devices 2 --queue-depth 4 --ranges 2 --json
