#!/bin/bash
# Description: the libiopf tests (registered, refused, no iopfd, a hung iopfd,
# stand-ins that answer wrong) under valgrind, in one process, through the
# shared library as a VMM links it: no invalid access, no leak, no
# uninitialised value.
set -u

if [ -z "${VALGRIND:-}" ] || ! command -v "$VALGRIND" >/dev/null; then
	echo "valgrind is required for this test (apt-get install valgrind)" >&2
	exit 99
fi

CK_FORK=no exec "$VALGRIND" --quiet --error-exitcode=1 --leak-check=full \
	--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
	"$top_builddir/tests/test-libiopf"
