/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

static int parse_number(const char *s, uint64_t max, uint64_t *ret, char **ret_end)
{
	unsigned long long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE || v > max)
		return -ERANGE;
	*ret_end = end;
	*ret = v;
	return 0;
}

int parse_u64(const char *s, uint64_t max, uint64_t *ret)
{
	uint64_t v;
	char *end;
	int r;

	r = parse_number(s, max, &v, &end);
	if (r < 0)
		return r;
	if (*end)
		return -EINVAL;
	*ret = v;
	return 0;
}

int parse_u32(const char *s, uint32_t max, uint32_t *ret)
{
	uint64_t v;
	int r;

	r = parse_u64(s, max, &v);
	if (r < 0)
		return r;
	*ret = (uint32_t)v;
	return 0;
}

int parse_size(const char *s, uint64_t *ret)
{
	static const char suffixes[] = "KMGT";
	const char *p;
	uint64_t v, scaled;
	char *end;
	int r;

	r = parse_number(s, UINT64_MAX, &v, &end);
	if (r < 0)
		return r;
	if (*end == '\0') {
		*ret = v;
		return 0;
	}
	p = strchr(suffixes, *end);
	if (!p || end[1] != '\0')
		return -EINVAL;
	if (__builtin_mul_overflow(v, UINT64_C(1) << (10 * (p - suffixes + 1)), &scaled))
		return -ERANGE;
	*ret = scaled;
	return 0;
}

const char *format_bytes(char *buf, size_t len, uint64_t bytes)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	unsigned u = 0;

	while (v >= 1024 && u < sizeof(units) / sizeof(units[0]) - 1) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
	return buf;
}

void print_usage_error(const char *format, va_list ap)
{
	fprintf(stderr, "%s: ", program_invocation_short_name);
	vfprintf(stderr, format, ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", program_invocation_short_name);
}
