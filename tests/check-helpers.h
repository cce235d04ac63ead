/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <check.h>
#include <errno.h>
#include <stdlib.h>

/*
 * Each test program defines its cases with START_TEST and lists them in
 * TEST_CASES; this runs them in one suite and maps the result to automake's
 * exit codes.
 */
#define TEST_MAIN(name, ...)                                                 \
	int main(void)                                                        \
	{                                                                     \
		const TTest *tests[] = { __VA_ARGS__ };                            \
		Suite *s = suite_create(name);                                \
		TCase *tc = tcase_create("core");                             \
		SRunner *sr;                                                  \
		int failed;                                                   \
                                                                              \
		for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) \
			tcase_add_test(tc, tests[i]);                             \
		suite_add_tcase(s, tc);                                       \
		sr = srunner_create(s);                                       \
		srunner_run_all(sr, CK_NORMAL);                               \
		failed = srunner_ntests_failed(sr);                           \
		srunner_free(sr);                                             \
		return failed ? EXIT_FAILURE : EXIT_SUCCESS;                  \
	}
