/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Description: workload generators cover, stay in bounds, and are deterministic. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check-helpers.h"
#include "workload.h"

static struct workload_config cfg(enum workload_kind kind, uint64_t npages, uint32_t nstreams)
{
	return (struct workload_config) {
		.kind = kind, .npages = npages, .nstreams = nstreams,
		.stride_pages = 8, .zipf_exponent = 1.0, .seed = 42,
	};
}

START_TEST(sequential_covers_every_page_once)
{
	struct workload_config c = cfg(WORKLOAD_SEQUENTIAL, 1001, 7);
	unsigned char *seen = calloc(c.npages, 1);
	uint64_t n = 0, page;

	for (uint32_t i = 0; i < c.nstreams; i++) {
		struct workload_stream s;
		uint64_t prev = UINT64_MAX;

		ck_assert_int_eq(workload_stream_init(&c, i, NULL, &s), 0);
		while (workload_next(&s, &page, NULL)) {
			ck_assert_uint_lt(page, c.npages);
			ck_assert(prev == UINT64_MAX || page == prev + 1);
			prev = page;
			seen[page]++;
			n++;
		}
	}
	for (uint64_t p = 0; p < c.npages; p++)
		ck_assert_uint_eq(seen[p], 1);
	ck_assert_uint_eq(n, workload_total_accesses(&c));
	free(seen);
}
END_TEST

START_TEST(strided_steps)
{
	struct workload_config c = cfg(WORKLOAD_STRIDED, 100, 1);
	struct workload_stream s;
	uint64_t page, n = 0;

	ck_assert_int_eq(workload_stream_init(&c, 0, NULL, &s), 0);
	while (workload_next(&s, &page, NULL)) {
		ck_assert_uint_eq(page, n * 8);
		n++;
	}
	ck_assert_uint_eq(n, 13);
	ck_assert_uint_eq(workload_total_accesses(&c), 13);
}
END_TEST

START_TEST(random_in_bounds_and_seeded)
{
	struct workload_config c = cfg(WORKLOAD_RANDOM, 5000, 2);
	struct workload_stream a, b;
	uint64_t pa, pb, n = 0, distinct = 0;
	unsigned char *seen = calloc(c.npages, 1);

	c.accesses = 10001;
	ck_assert_int_eq(workload_stream_init(&c, 0, NULL, &a), 0);
	ck_assert_int_eq(workload_stream_init(&c, 0, NULL, &b), 0);
	while (workload_next(&a, &pa, NULL)) {
		ck_assert(workload_next(&b, &pb, NULL));
		ck_assert_uint_eq(pa, pb);
		ck_assert_uint_lt(pa, c.npages);
		distinct += !seen[pa]++;
		n++;
	}
	ck_assert_uint_eq(n, 5001); /* stream 0 takes the odd access */
	/* 5001 uniform draws over 5000 pages touch about 63% of them. */
	ck_assert_uint_gt(distinct, 2900);
	ck_assert_uint_lt(distinct, 3400);
	ck_assert_uint_eq(workload_total_accesses(&c), 10001);
	free(seen);
}
END_TEST

START_TEST(hotset_is_skewed)
{
	struct workload_config c = cfg(WORKLOAD_HOTSET, 10000, 1);
	struct zipf_table *z;
	struct workload_stream s;
	uint64_t page, *count = calloc(c.npages, sizeof(uint64_t)), top = 0;

	c.accesses = 100000;
	ck_assert_int_eq(workload_stream_init(&c, 0, NULL, &s), -EINVAL);
	ck_assert_int_eq(zipf_table_new(c.npages, 1.0, &z), 0);
	ck_assert_int_eq(workload_stream_init(&c, 0, z, &s), 0);
	while (workload_next(&s, &page, NULL)) {
		ck_assert_uint_lt(page, c.npages);
		count[page]++;
	}
	for (uint64_t p = 0; p < c.npages; p++)
		if (count[p] > top)
			top = count[p];
	/* Rank 1 of zipf(1) over 10^4 items takes about 1/H(10^4) = 10%. */
	ck_assert_uint_gt(top, 8000);
	ck_assert_uint_lt(top, 12500);
	zipf_table_free(z);
	free(count);
}
END_TEST

START_TEST(names_round_trip)
{
	for (int k = 0; k < _WORKLOAD_MAX; k++)
		ck_assert_int_eq(workload_kind_from_string(workload_kind_to_string(k)), k);
	ck_assert_int_eq(workload_kind_from_string("Sequential"), _WORKLOAD_INVALID);
	ck_assert_ptr_null(workload_kind_to_string(_WORKLOAD_MAX));
}
END_TEST

START_TEST(bad_configs_refused)
{
	struct workload_config c = cfg(WORKLOAD_SEQUENTIAL, 3, 4);
	struct workload_stream s;
	struct zipf_table *z;

	ck_assert_int_eq(workload_stream_init(&c, 0, NULL, &s), -EINVAL);
	c = cfg(WORKLOAD_SEQUENTIAL, 30, 4);
	ck_assert_int_eq(workload_stream_init(&c, 4, NULL, &s), -EINVAL);
	ck_assert_int_eq(zipf_table_new(0, 1.0, &z), -EINVAL);
	ck_assert_int_eq(zipf_table_new(10, -1, &z), -EINVAL);
}
END_TEST

static struct workload_config messages_cfg(uint64_t npages, uint32_t nstreams, bool reuse)
{
	struct workload_config c;

	workload_config_default(&c);
	c.kind = WORKLOAD_MESSAGES;
	c.npages = npages;
	c.nstreams = nstreams;
	c.message_pages = 2560; /* 10 MiB */
	c.reuse = reuse;
	return c;
}

START_TEST(messages_read_source_write_destination)
{
	struct workload_config c = messages_cfg(1u << 18, 1, false);
	uint64_t page, n = 0, blocks = 0, last_block = UINT64_MAX, src = 0, dst = 0;
	struct workload_stream s;
	bool write;

	c.messages = 3;
	ck_assert_int_eq(workload_stream_init(&c, 0, NULL, &s), 0);
	while (workload_next(&s, &page, &write)) {
		uint64_t k = n % (2 * c.message_pages);

		ck_assert_int_eq(write, k % 2);
		if (k == 0)
			src = page;
		if (k == 1)
			dst = page;
		/* Page aligned, one page into a 2 MiB block, never sharing one. */
		ck_assert_uint_eq(page, (k % 2 ? dst : src) + k / 2);
		ck_assert_uint_eq((k % 2 ? dst : src) % 512, 1);
		if (page / 512 != last_block && k % 2 == 0)
			blocks++;
		last_block = k % 2 == 0 ? page / 512 : last_block;
		n++;
	}
	ck_assert_uint_gt(dst, src);
	/* Each 10 MiB source spans 6 blocks, not 5. */
	ck_assert_uint_eq(blocks, 3 * 6);
	ck_assert_uint_eq(n, 3 * 2 * 2560);
	ck_assert_uint_eq(workload_total_accesses(&c), n);
}
END_TEST

START_TEST(messages_fresh_or_reused)
{
	struct workload_config c = messages_cfg(1u << 18, 2, false);
	unsigned char *seen = calloc(c.npages, 1);
	uint64_t page, distinct[2] = { 0 };

	c.messages = 8;
	for (int reuse = 0; reuse < 2; reuse++) {
		c.reuse = reuse;
		memset(seen, 0, c.npages);
		for (uint32_t i = 0; i < c.nstreams; i++) {
			struct workload_stream s;

			ck_assert_int_eq(workload_stream_init(&c, i, NULL, &s), 0);
			while (workload_next(&s, &page, NULL)) {
				ck_assert_uint_lt(page, c.npages);
				distinct[reuse] += !seen[page]++;
			}
		}
	}
	ck_assert_uint_eq(distinct[0], 8 * 2 * 2560);
	/* Reused: each stream has its own two buffers. */
	ck_assert_uint_eq(distinct[1], 2 * 2 * 2560);
	free(seen);

	/* 0 messages: as many as fresh buffers fit; more than fit is refused. */
	c.messages = 0;
	c.reuse = false;
	ck_assert_uint_eq(workload_total_accesses(&c), (c.npages / 3072 / 2) * 2 * 2560);
	c.messages = c.npages / 3072 / 2 + 1;
	{
		struct workload_stream s;

		ck_assert_int_eq(workload_stream_init(&c, 0, NULL, &s), -ERANGE);
	}
}
END_TEST

START_TEST(phases_move_the_working_set)
{
	struct workload_config c;
	struct zipf_table *z;
	struct workload_stream s;
	uint64_t page, n = 0, lo[4], hi[4];

	workload_config_default(&c);
	c.kind = WORKLOAD_PHASES;
	c.npages = 1 << 14;
	c.nstreams = 1;
	c.phases = 4;
	c.working_set_pages = 1024;
	c.accesses = 4000;
	ck_assert_int_eq(workload_zipf_new(&c, &z), 0);
	ck_assert_uint_eq(z->npages, 1024);
	ck_assert_int_eq(workload_stream_init(&c, 0, z, &s), 0);
	for (int p = 0; p < 4; p++) {
		lo[p] = UINT64_MAX;
		hi[p] = 0;
	}
	while (workload_next(&s, &page, NULL)) {
		int p = (int)(n++ / 1000);

		lo[p] = page < lo[p] ? page : lo[p];
		hi[p] = page > hi[p] ? page : hi[p];
	}
	ck_assert_uint_eq(n, 4000);
	for (int p = 0; p < 4; p++) {
		/* Each phase stays in a working set of its own. */
		ck_assert_uint_lt(hi[p] - lo[p], 1024);
		ck_assert(p == 0 || lo[p] > hi[p - 1]);
	}
	/* A working set over half of memory cannot move. */
	c.working_set_pages = c.npages / 2 + 1;
	ck_assert_int_eq(workload_stream_init(&c, 0, z, &s), -EINVAL);
	zipf_table_free(z);
}
END_TEST

static int parse_text(const char *text, struct workload_trace **ret, unsigned *line)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int r;

	ck_assert_ptr_nonnull(f);
	r = workload_trace_parse(f, ret, line);
	fclose(f);
	return r;
}

START_TEST(trace_deals_device_accesses_to_its_streams)
{
	const char *text = "# a trace\n"
			   "1 0x3000 w\n"
			   "\n"
			   "0 1000 r   # the second page\n"
			   "  1 5000 r\n"
			   "0 0x2fff w\n"
			   "1 0x7000 r\n";
	struct workload_config c = cfg(WORKLOAD_TRACE, 16, 4);
	/* Two devices, two lanes each: lane l of a device takes its accesses l, l + 2, ... */
	const uint64_t want[4][3] = { { 1 }, { 2 }, { 3, 7 }, { 5 } };
	const bool want_write[4][3] = { { false }, { true }, { true, false }, { false } };
	const uint64_t count[4] = { 1, 1, 2, 1 };
	struct workload_trace *t;
	unsigned line = 0;

	ck_assert_int_eq(parse_text(text, &t, &line), 0);
	ck_assert_uint_eq(workload_trace_devices(t), 2);
	ck_assert_uint_eq(workload_trace_max_page(t, &line), 7);
	ck_assert_uint_eq(line, 7);
	c.trace = t;
	c.ndevices = 2;
	for (uint32_t i = 0; i < 4; i++) {
		struct workload_stream s;
		uint64_t page, n = 0;
		bool write;

		ck_assert_int_eq(workload_stream_init(&c, i, NULL, &s), 0);
		while (workload_next(&s, &page, &write)) {
			ck_assert_uint_lt(n, count[i]);
			ck_assert_uint_eq(page, want[i][n]);
			ck_assert_int_eq(write, want_write[i][n]);
			n++;
		}
		ck_assert_uint_eq(n, count[i]);
	}
	ck_assert_uint_eq(workload_total_accesses(&c), 5);
	/* Pages past memory, devices past those configured. */
	c.npages = 7;
	{
		struct workload_stream s;

		ck_assert_int_eq(workload_stream_init(&c, 0, NULL, &s), -ERANGE);
		c.npages = 16;
		c.ndevices = 1;
		ck_assert_int_eq(workload_stream_init(&c, 0, NULL, &s), -EINVAL);
	}
	workload_trace_free(t);
}
END_TEST

START_TEST(trace_errors_name_the_line)
{
	const struct {
		const char *text;
		unsigned line;
		int error;
	} bad[] = {
		{ "0 1000 r\n0 2000 x\n", 2, -EINVAL },
		{ "# ok\n\n0 1000\n", 3, -EINVAL },
		{ "0 1000 r extra\n", 1, -EINVAL },
		{ "0 0x1000 r\n-1 1000 r\n", 2, -EINVAL },
		{ "4096 1000 r\n", 1, -ERANGE },
		{ "0 10000000000000000000 r\n", 1, -ERANGE },
		{ "0 zz r\n", 1, -EINVAL },
		{ "0x1 1000 r\n", 1, -EINVAL },
		{ "0 1000 rw\n", 1, -EINVAL },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct workload_trace *t = NULL;
		unsigned line = 0;

		ck_assert_int_eq(parse_text(bad[i].text, &t, &line), bad[i].error);
		ck_assert_msg(line == bad[i].line, "'%s': line %u", bad[i].text, line);
		ck_assert_ptr_null(t);
	}
}
END_TEST

TEST_MAIN("workload", sequential_covers_every_page_once, strided_steps, random_in_bounds_and_seeded,
	  hotset_is_skewed, names_round_trip, bad_configs_refused,
	  messages_read_source_write_destination, messages_fresh_or_reused,
	  phases_move_the_working_set, trace_deals_device_accesses_to_its_streams,
	  trace_errors_name_the_line)
