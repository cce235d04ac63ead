/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Description: the rate limit lets a burst through per interval, drops the
 * rest, and counts what it dropped for the first message of the next one.
 */
#include "check-helpers.h"
#include "log.h"
#include "ratelimit.h"

#define S UINT64_C(1000000000)

START_TEST(a_burst_per_interval)
{
	struct ratelimit rl = { .interval_ns = S, .burst = 3 };
	unsigned suppressed, passed = 0;

	for (int i = 0; i < 10; i++) {
		passed += ratelimit_below(&rl, 5 * S + (uint64_t)i * 1000, &suppressed);
		ck_assert_uint_eq(suppressed, 0);
	}
	ck_assert_uint_eq(passed, 3);
	/* still in the interval */
	ck_assert(!ratelimit_below(&rl, 6 * S - 1, &suppressed));
	ck_assert_uint_eq(suppressed, 0);
	/* the next one: through, with the count of the dropped */
	ck_assert(ratelimit_below(&rl, 6 * S, &suppressed));
	ck_assert_uint_eq(suppressed, 8);
	ck_assert(ratelimit_below(&rl, 6 * S + 1, &suppressed));
	ck_assert_uint_eq(suppressed, 0);
}
END_TEST

/* A flood through the log helper: at most a burst of lines, and the errno comes back. */
START_TEST(logging_is_bounded)
{
	int fds[2], saved = dup(STDERR_FILENO);
	char buf[65536];
	ssize_t n;
	int lines = 0;

	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(dup2(fds[1], STDERR_FILENO), STDERR_FILENO);
	for (int i = 0; i < 1000; i++)
		ck_assert_int_eq(log_ratelimit_warning_errno(-EMFILE, "flood %d: %m", i), -EMFILE);
	dup2(saved, STDERR_FILENO);
	close(fds[1]);
	n = read(fds[0], buf, sizeof(buf) - 1);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	for (char *p = buf; (p = strchr(p, '\n')); p++)
		lines++;
	ck_assert_int_eq(lines, RATELIMIT_BURST);
	ck_assert_ptr_nonnull(strstr(buf, "flood 0"));
	ck_assert_ptr_null(strstr(buf, "flood 20:"));
	close(fds[0]);
	close(saved);
}
END_TEST

TEST_MAIN("ratelimit", a_burst_per_interval, logging_is_bounded)
