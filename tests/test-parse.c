/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Description: command-line numbers and sizes: accepted forms and refusals. */
#include <string.h>

#include "check-helpers.h"
#include "parse.h"

START_TEST(sizes)
{
	uint64_t v;
	char buf[32];

	ck_assert_int_eq(parse_size("4096", &v), 0);
	ck_assert_uint_eq(v, 4096);
	ck_assert_int_eq(parse_size("1G", &v), 0);
	ck_assert_uint_eq(v, UINT64_C(1) << 30);
	ck_assert_int_eq(parse_size("3T", &v), 0);
	ck_assert_uint_eq(v, UINT64_C(3) << 40);
	ck_assert_int_eq(parse_size("16777216T", &v), -ERANGE);
	ck_assert_int_eq(parse_size("1GB", &v), -EINVAL);
	ck_assert_int_eq(parse_size("1X", &v), -EINVAL);
	ck_assert_int_eq(parse_size("-1", &v), -EINVAL);
	ck_assert_int_eq(parse_size("", &v), -EINVAL);
	ck_assert_int_eq(parse_size(" 1", &v), -EINVAL);
	ck_assert_str_eq(format_bytes(buf, sizeof(buf), UINT64_C(3) << 29), "1.5 GiB");
	ck_assert_str_eq(format_bytes(buf, sizeof(buf), 100), "100 B");
}
END_TEST

START_TEST(integers)
{
	uint32_t v;
	uint64_t w;

	ck_assert_int_eq(parse_u32("4096", 4096, &v), 0);
	ck_assert_uint_eq(v, 4096);
	ck_assert_int_eq(parse_u32("4097", 4096, &v), -ERANGE);
	ck_assert_int_eq(parse_u32("99999999999999999999999", UINT32_MAX, &v), -ERANGE);
	ck_assert_int_eq(parse_u32("12a", 100, &v), -EINVAL);
	ck_assert_int_eq(parse_u32("+1", 100, &v), -EINVAL);
	ck_assert_int_eq(parse_u64("18446744073709551615", UINT64_MAX, &w), 0);
	ck_assert_uint_eq(w, UINT64_MAX);
}
END_TEST

TEST_MAIN("parse", sizes, integers)
