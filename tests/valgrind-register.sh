#!/bin/bash
# Description: the registration tests (a VM served, restored from the fd
# store, hostile clients refused) under valgrind, in one process so valgrind
# sees every path: no invalid access, no leak, no uninitialised value.
set -u

if [ -z "${VALGRIND:-}" ] || ! command -v "$VALGRIND" >/dev/null; then
	echo "valgrind is required for this test (apt-get install valgrind)" >&2
	exit 99
fi

# Valgrind keeps fds of its own under RLIMIT_NOFILE and emulates the limit,
# so the out-of-fds case runs in the plain and sanitizer builds only.
IOPF_UNDER_VALGRIND=1 CK_FORK=no exec "$VALGRIND" --quiet --error-exitcode=1 --leak-check=full \
	--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
	"$top_builddir/tests/test-register"
