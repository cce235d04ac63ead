/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Description: window arithmetic, alignment, range ends, adaptive growth/shrink and auto. */
#include <math.h>
#include <string.h>

#include "check-helpers.h"
#include "macro.h"
#include "policy.h"

#define PAGE IOPF_PAGE_SIZE
#define GIB (UINT64_C(1) << 30)

static struct iopf_fault_view fault_at(uint64_t iova, uint64_t dma_iova, uint64_t dma_size)
{
	return (struct iopf_fault_view) { .iova = iova, .dma_iova = dma_iova, .dma_size = dma_size };
}

static struct iopf_policy policy(const char *text)
{
	struct iopf_policy p;

	ck_assert_int_eq(iopf_policy_parse(text, &p), 0);
	return p;
}

static const char *policy_text(const struct iopf_policy *p)
{
	static char buf[64];

	ck_assert_int_eq(iopf_policy_format(p, buf, sizeof(buf)), 0);
	return buf;
}

START_TEST(exact_is_one_page)
{
	struct iopf_policy p = policy("exact");
	struct iopf_fault_view f = fault_at(5 * PAGE + 123, 0, GIB);
	struct iopf_window w = iopf_policy_window(&p, NULL, &f);

	ck_assert_uint_eq(w.iova, 5 * PAGE);
	ck_assert_uint_eq(w.size, PAGE);
}
END_TEST

START_TEST(fixed_is_aligned_block)
{
	struct iopf_policy p = policy("fixed");
	struct iopf_fault_view f = fault_at(700 * PAGE, 0, GIB);
	struct iopf_window w = iopf_policy_window(&p, NULL, &f);

	ck_assert_uint_eq(p.fixed_pages, 512);
	ck_assert_uint_eq(w.iova, 512 * PAGE);
	ck_assert_uint_eq(w.size, 512 * PAGE);
	ck_assert_uint_le(w.iova, f.iova);
	ck_assert_uint_gt(w.iova + w.size, f.iova);
}
END_TEST

START_TEST(fixed_clamped_to_range_start_and_end)
{
	struct iopf_policy p = policy("fixed:16");
	/* A range starting mid-block: the block's start is trimmed, its end kept. */
	struct iopf_fault_view f = fault_at(0x13000, 0x11000, 0x100000);
	struct iopf_window w = iopf_policy_window(&p, NULL, &f);

	ck_assert_uint_eq(w.iova, 0x11000);
	ck_assert_uint_eq(w.iova + w.size, 0x20000);

	/* A range ending mid-block: never map past its end. */
	f = fault_at(0x31000, 0x11000, 0x22000);
	w = iopf_policy_window(&p, NULL, &f);
	ck_assert_uint_eq(w.iova, 0x30000);
	ck_assert_uint_eq(w.iova + w.size, 0x33000);
}
END_TEST

START_TEST(adaptive_grows_on_sequential_hits)
{
	struct iopf_policy p = policy("adaptive:1:64");
	struct iopf_device_state dev = { 0 };
	uint64_t expect[] = { 1, 4, 16, 64, 64, 64 };
	uint64_t iova = 0;

	for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
		struct iopf_fault_view f = fault_at(iova, 0, GIB);
		struct iopf_window w = iopf_policy_window(&p, &dev, &f);

		ck_assert_uint_eq(w.iova, iova);
		ck_assert_uint_eq(w.size, expect[i] * PAGE);
		iova = w.iova + w.size; /* the device faults right after the window */
	}
	ck_assert_uint_eq(dev.sequential_hits, 5);
}
END_TEST

START_TEST(adaptive_shrinks_on_random_access)
{
	struct iopf_policy p = policy("adaptive:2:1024");
	struct iopf_device_state dev = { 0 };
	struct iopf_fault_view f = fault_at(0, 0, GIB);
	struct iopf_window w = { 0 };

	for (int i = 0; i < 5; i++) {
		f.iova = w.iova + w.size;
		w = iopf_policy_window(&p, &dev, &f);
	}
	ck_assert_uint_eq(w.size, 512 * PAGE);

	/* Far away from the stream: a new stream, back at the minimum. */
	f.iova = GIB / 2;
	w = iopf_policy_window(&p, &dev, &f);
	ck_assert_uint_eq(w.size, 2 * PAGE);
	/* Faulting again elsewhere, not at the end of a window: still minimal. */
	f.iova = GIB / 4 + 7 * PAGE;
	w = iopf_policy_window(&p, &dev, &f);
	ck_assert_uint_eq(w.size, 2 * PAGE);
}
END_TEST

START_TEST(adaptive_tracks_interleaved_streams)
{
	struct iopf_policy p = policy("adaptive");
	struct iopf_device_state dev = { 0 };
	uint64_t next[4];

	for (int s = 0; s < 4; s++)
		next[s] = (uint64_t)s * (GIB / 4);
	for (int round = 0; round < 4; round++)
		for (int s = 0; s < 4; s++) {
			struct iopf_fault_view f = fault_at(next[s], 0, GIB);
			struct iopf_window w = iopf_policy_window(&p, &dev, &f);

			next[s] = w.iova + w.size;
		}
	/* Each stream grew independently: 1 + 4 + 16 + 64 pages. */
	for (int s = 0; s < 4; s++)
		ck_assert_uint_eq(next[s], (uint64_t)s * (GIB / 4) + 85 * PAGE);
}
END_TEST

START_TEST(adaptive_never_crosses_range_end)
{
	struct iopf_policy p = policy("adaptive");
	struct iopf_device_state dev = { 0 };
	uint64_t base = 3 * GIB, size = 100 * PAGE, iova = base;

	while (iova < base + size) {
		struct iopf_fault_view f = fault_at(iova, base, size);
		struct iopf_window w = iopf_policy_window(&p, &dev, &f);

		ck_assert_uint_ge(w.iova, base);
		ck_assert_uint_le(w.iova + w.size, base + size);
		ck_assert_uint_gt(w.size, 0);
		iova = w.iova + w.size;
	}
}
END_TEST

START_TEST(parse_and_format_round_trip)
{
	const char *good[] = { "exact", "fixed:512", "fixed:1", "adaptive:1:65536", "adaptive:8:8",
			       "auto:16:64", "auto:1:1" };
	const char *bad[] = { "", "exactly", "fixed:", "fixed:0", "fixed:x", "fixed:12x", "exact:1",
			      "adaptive:4", "adaptive:8:4", "adaptive:1:2:3", "fixed:99999999999",
			      "fixed:-1", "ADAPTIVE", "auto:16", "auto:64:16", "auto:0:16" };
	struct iopf_policy p;
	char buf[64];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_int_eq(iopf_policy_parse(good[i], &p), 0);
		ck_assert_int_eq(iopf_policy_format(&p, buf, sizeof(buf)), 0);
		ck_assert_str_eq(buf, good[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(iopf_policy_parse(bad[i], &p) < 0, "accepted '%s'", bad[i]);

	ck_assert_int_eq(iopf_policy_parse("fixed", &p), 0);
	ck_assert_int_eq(iopf_policy_format(&p, buf, 4), -ENOBUFS);
}
END_TEST

START_TEST(adaptive_shrinks_on_strides)
{
	struct iopf_policy p = policy("adaptive:1:1024");
	struct iopf_device_state dev = { 0 };
	struct iopf_fault_view f = fault_at(0, 0, GIB);
	struct iopf_window w = { 0 };

	for (int i = 0; i < 4; i++) {
		f.iova = w.iova + w.size;
		w = iopf_policy_window(&p, &dev, &f);
	}
	ck_assert_uint_eq(w.size, 64 * PAGE);
	/* Faulting a few pages past the window: the same stream, but strided. */
	f.iova = w.iova + w.size + 3 * PAGE;
	w = iopf_policy_window(&p, &dev, &f);
	ck_assert_uint_eq(w.iova, f.iova);
	ck_assert_uint_eq(w.size, 16 * PAGE);
	f.iova = w.iova + w.size + 7 * PAGE;
	w = iopf_policy_window(&p, &dev, &f);
	ck_assert_uint_eq(w.size, 4 * PAGE);
	/* Back to contiguous: it grows again. */
	f.iova = w.iova + w.size;
	w = iopf_policy_window(&p, &dev, &f);
	ck_assert_uint_eq(w.size, 16 * PAGE);
}
END_TEST

static struct iopf_window auto_fault(const struct iopf_policy *p, struct iopf_device_state *dev,
				     uint64_t iova, uint32_t device_faults)
{
	struct iopf_fault_view f = fault_at(iova, 0, GIB);

	f.device_faults = device_faults;
	return iopf_policy_window(p, dev, &f);
}

/* A run's window is as long as the run so far, from MIN up to MAX (one fault at a time). */
START_TEST(auto_doubles_runs_up_to_max)
{
	struct iopf_policy p = policy("auto");
	struct iopf_device_state dev = { 0 };
	const uint64_t want[] = { 16, 16, 32, 64, 64, 64 };
	uint64_t next = 3 * PAGE;

	ck_assert_str_eq(policy_text(&p), "auto:16:64");
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct iopf_window w = auto_fault(&p, &dev, next, 1);

		/* the first fault gets its aligned block, the rest start at the fault */
		ck_assert_uint_eq(w.iova, i == 0 ? 0 : next);
		ck_assert_uint_eq(w.size, want[i] * PAGE);
		next = w.iova + w.size;
	}
}
END_TEST

/*
 * A fault that continues a run tells how long the device took over the
 * run's last window: from the fault that window answered to this one.
 */
START_TEST(auto_paces_the_device_by_its_runs)
{
	struct iopf_policy p = policy("auto:16:64");
	struct iopf_device_state dev = { 0 };
	struct iopf_fault_view f = fault_at(0, 0, GIB);
	struct iopf_window w;

	f.timestamp_ns = 1000;
	w = iopf_policy_window(&p, &dev, &f);
	ck_assert_uint_eq(w.size, 16 * PAGE);
	ck_assert_uint_eq(dev.pace.pages, 0);   /* it continued nothing */

	f.iova = w.iova + w.size;
	f.timestamp_ns = 51000;
	w = iopf_policy_window(&p, &dev, &f);
	ck_assert_uint_eq(dev.pace.pages, 16);
	ck_assert_uint_eq(dev.pace.ns, 50000);

	/* a window answered with no timestamp, or a clock that went back: nothing */
	f.iova = w.iova + w.size;
	f.timestamp_ns = 0;
	w = iopf_policy_window(&p, &dev, &f);
	ck_assert_uint_eq(dev.pace.pages, 0);
	f.iova = w.iova + w.size;
	f.timestamp_ns = 60000;
	w = iopf_policy_window(&p, &dev, &f);
	ck_assert_uint_eq(dev.pace.pages, 0);
	f.iova = w.iova + w.size;
	f.timestamp_ns = 59000;
	iopf_policy_window(&p, &dev, &f);
	ck_assert_uint_eq(dev.pace.pages, 0);

	/* a fault elsewhere starts a run: nothing either */
	f.iova = 512 * 1024 * PAGE;
	f.timestamp_ns = 90000;
	iopf_policy_window(&p, &dev, &f);
	ck_assert_uint_eq(dev.pace.pages, 0);
}
END_TEST

/* Any other fault gets the aligned MIN block: random faults tile memory. */
START_TEST(auto_maps_aligned_blocks_for_random_faults)
{
	struct iopf_policy p = policy("auto:16:64");
	struct iopf_device_state dev = { 0 };
	struct iopf_window w = auto_fault(&p, &dev, 1000 * PAGE + 5, 1);

	ck_assert_uint_eq(w.iova, 992 * PAGE);
	ck_assert_uint_eq(w.size, 16 * PAGE);
	w = auto_fault(&p, &dev, 500000 * PAGE, 0);   /* 0 counts as 1 */
	ck_assert_uint_eq(w.iova, 500000 * PAGE);
	ck_assert_uint_eq(w.size, 16 * PAGE);
}
END_TEST

/*
 * After @faults of its faults, @dev's lone random faults get one page until
 * IOPF_AUTO_DEEP_FAULTS have passed, then the aligned block again; right
 * after a stream, the first gets the stream's length, once.
 */
static void one_page_until_deep_faults_pass(const struct iopf_policy *p, struct iopf_device_state *dev,
					    unsigned faults)
{
	if (dev->stream_pages) {
		uint64_t pages = MIN(dev->stream_pages, (uint64_t)p->max_pages * IOPF_AUTO_DEEP_GROWTH);

		ck_assert_uint_eq(auto_fault(p, dev, 90000 * PAGE, 1).size, pages * PAGE);
		faults++;
	}
	for (; faults < IOPF_AUTO_DEEP_FAULTS; faults++)
		ck_assert_uint_eq(auto_fault(p, dev, (100000 + 1000 * (uint64_t)faults) * PAGE, 1).size,
				  PAGE);
	ck_assert_uint_eq(auto_fault(p, dev, 50 * PAGE, 1).size, 16 * PAGE);
}

/*
 * A device with several faults in one batch moves data while a fault waits:
 * it gets the faulting page only, for the next IOPF_AUTO_DEEP_FAULTS faults,
 * but its runs still grow.
 */
START_TEST(auto_maps_one_page_for_deep_queues)
{
	struct iopf_policy p = policy("auto");
	struct iopf_device_state dev = { 0 }, other = { 0 };
	struct iopf_window w = auto_fault(&p, &dev, 1000 * PAGE, 3);
	unsigned faults = 1;

	ck_assert_uint_eq(w.iova, 1000 * PAGE);
	ck_assert_uint_eq(w.size, PAGE);
	/* the state is the device's own */
	ck_assert_uint_eq(auto_fault(&p, &other, 1000 * PAGE, 1).size, 16 * PAGE);
	/* a run still grows */
	w = auto_fault(&p, &dev, 1001 * PAGE, 1);
	faults++;
	ck_assert_uint_eq(w.iova, 1001 * PAGE);
	ck_assert_uint_eq(w.size, 16 * PAGE);
	one_page_until_deep_faults_pass(&p, &dev, faults);
}
END_TEST

/*
 * A batch that held other devices' faults means faults queue for the
 * resolver: a device with one fault in it gets the faulting page only too,
 * for as long, and its runs grow as far as a deep queue's.
 */
START_TEST(auto_maps_one_page_while_other_devices_wait)
{
	struct iopf_policy p = policy("auto");
	struct iopf_device_state dev = { 0 };
	struct iopf_fault_view f = fault_at(2000 * PAGE, 0, GIB);
	struct iopf_window w;
	unsigned faults = 1;

	f.device_faults = 1;
	f.batch_faults = 4;
	w = iopf_policy_window(&p, &dev, &f);
	ck_assert_uint_eq(w.iova, 2000 * PAGE);
	ck_assert_uint_eq(w.size, PAGE);
	/* the run grows past MAX (64 pages), as on a deep queue */
	for (uint64_t next = 2001; faults < 8; faults++) {
		w = auto_fault(&p, &dev, next * PAGE, 1);
		ck_assert_uint_eq(w.iova, next * PAGE);
		next += w.size / PAGE;
	}
	ck_assert_uint_gt(w.size, 64 * PAGE);
	one_page_until_deep_faults_pass(&p, &dev, faults);
}
END_TEST

/*
 * A run IOPF_AUTO_LONG_RUN_PAGES long is long: its windows grow to a
 * quarter of it, so a GiB read in order takes a few dozen faults, and no
 * window reaches more than a quarter past where the run got to.
 */
START_TEST(auto_long_runs_grow_by_a_share)
{
	struct iopf_policy p = policy("auto");
	struct iopf_device_state dev = { 0 };
	uint64_t next = 0, faults = 0;
	struct iopf_fault_view f;
	struct iopf_window w;

	while (next < GIB) {
		uint64_t run = next / PAGE;

		w = auto_fault(&p, &dev, next, 1);

		ck_assert_uint_eq(w.iova, next);
		if (run >= IOPF_AUTO_LONG_RUN_PAGES)
			ck_assert_uint_eq(w.size, MIN(run / IOPF_AUTO_LONG_RUN_SHARE, GIB / PAGE - run) * PAGE);
		else
			ck_assert_uint_le(w.size, 64 * PAGE);
		next += w.size;
		faults++;
	}
	ck_assert_uint_lt(faults, 50);

	/* a deep queue of its own is no obstacle */
	dev = (struct iopf_device_state) { 0 };
	for (next = 0, faults = 0; next < GIB; faults++)
		next += auto_fault(&p, &dev, next, 2).size;
	ck_assert_uint_lt(faults, 60);

	/*
	 * Nor are other devices' faults in every batch: past 8 x MAX, which
	 * the run reaches first, a quarter.
	 */
	dev = (struct iopf_device_state) { 0 };
	f = fault_at(0, 0, 64 * GIB);
	f.batch_faults = 2;
	for (next = 0, faults = 0; next < GIB; faults++) {
		f.iova = next;
		w = iopf_policy_window(&p, &dev, &f);
		if (next / PAGE >= 4 * 64 * IOPF_AUTO_DEEP_GROWTH)
			ck_assert_uint_eq(w.size, next / PAGE / IOPF_AUTO_LONG_RUN_SHARE * PAGE);
		next += w.size;
	}
	ck_assert_uint_lt(faults, 50);
}
END_TEST

/*
 * A new run right after a stream starts as long as the stream ran, from its
 * page, once: fresh buffers of one size fault once each.  A run started so
 * that does not continue leaves the next new run its block.
 */
START_TEST(auto_starts_a_run_as_long_as_the_last_stream)
{
	const uint64_t slot = UINT64_C(2) << 20, end = PAGE + 256 * PAGE;
	struct iopf_policy p = policy("auto");
	struct iopf_device_state dev = { 0 };
	struct iopf_window w = { 0 };

	/* a 1 MiB buffer one page into its 2 MiB slot, read in order */
	for (uint64_t next = PAGE; next < end; next = w.iova + w.size)
		w = auto_fault(&p, &dev, next, 1);
	w = auto_fault(&p, &dev, slot + PAGE, 1);
	ck_assert_uint_eq(w.iova, slot + PAGE);
	ck_assert_uint_ge(w.size, 256 * PAGE);
	ck_assert_uint_le(w.size, 64 * IOPF_AUTO_DEEP_GROWTH * PAGE);
	w = auto_fault(&p, &dev, 32 * slot + 5 * PAGE, 1);
	ck_assert_uint_eq(w.iova, 32 * slot);
	ck_assert_uint_eq(w.size, 16 * PAGE);
}
END_TEST

/*
 * A deep queue's faults come in a batch: the one that continues a run, then
 * the others of the pages its window covers, queued before it was mapped.
 * Those get what the device moves next and leave the run alone, so the
 * next fault past the window continues it.
 */
START_TEST(auto_keeps_runs_through_faults_in_their_window)
{
	struct iopf_policy p = policy("auto");
	struct iopf_device_state dev = { 0 };
	struct iopf_window w;

	ck_assert_uint_eq(auto_fault(&p, &dev, 0, 16).size, PAGE);
	w = auto_fault(&p, &dev, PAGE, 16);
	ck_assert_uint_eq(w.iova, PAGE);
	ck_assert_uint_eq(w.size, 16 * PAGE);
	for (uint64_t page = 2; page < 17; page++) {
		w = auto_fault(&p, &dev, page * PAGE + 8, 16);
		ck_assert_uint_eq(w.iova, page * PAGE);
		ck_assert_uint_eq(w.size, (17 - page) * PAGE);
	}
	/* the run is 17 pages long now: its next window is as long */
	w = auto_fault(&p, &dev, 17 * PAGE, 16);
	ck_assert_uint_eq(w.iova, 17 * PAGE);
	ck_assert_uint_eq(w.size, 17 * PAGE);
	/* a covered fault gets at most ahead_pages of the window */
	w = auto_fault(&p, &dev, 18 * PAGE, 16);
	ck_assert_uint_eq(w.size, IOPF_AHEAD_PAGES_DEFAULT * PAGE);
}
END_TEST

/* On a deep-queued device a run grows to IOPF_AUTO_DEEP_GROWTH x MAX, and back to MAX after. */
START_TEST(auto_runs_grow_further_for_deep_queues)
{
	struct iopf_policy p = policy("auto:16:64");
	struct iopf_device_state dev = { 0 };
	uint64_t next = 0, size = 0;

	/* a batch with several of the device's faults, then its run (short of long) */
	next = auto_fault(&p, &dev, 0, 4).size;
	for (int i = 0; i < 9; i++) {
		struct iopf_window w = auto_fault(&p, &dev, next, 1);

		ck_assert_uint_eq(w.iova, next);
		size = w.size;
		next += w.size;
	}
	ck_assert_uint_eq(size, 64 * IOPF_AUTO_DEEP_GROWTH * PAGE);
	/* IOPF_AUTO_DEEP_FAULTS faults later, no longer deep-queued: a run stops at MAX again */
	one_page_until_deep_faults_pass(&p, &dev, 10);
	next = 1 << 20;
	for (int i = 0; i < 6; i++) {
		size = auto_fault(&p, &dev, next * PAGE, 1).size;
		next += size / PAGE;
	}
	ck_assert_uint_eq(size, 64 * PAGE);
}
END_TEST

static struct iopf_policy fitted(const char *text, double stall_page_times)
{
	struct iopf_policy p = policy(text);

	iopf_policy_fit_costs(&p, stall_page_times, 0);   /* an awake fault's cost unknown */
	return p;
}

/* Up to a stall of 4.5 page times (the seed's is 3.0), auto keeps its sizes. */
START_TEST(fit_keeps_the_seed_sizes)
{
	const double stalls[] = { 0, 3.0, 4.5, -1, NAN };

	for (size_t i = 0; i < sizeof(stalls) / sizeof(stalls[0]); i++) {
		struct iopf_policy p = fitted("auto", stalls[i]);

		ck_assert_str_eq(policy_text(&p), "auto:16:64");
		ck_assert_uint_eq(p.ahead_pages, 16);
		ck_assert_uint_eq(p.deep_start_pages, 1);
	}
}
END_TEST

/* A longer stall: blocks of 16 x (stall / 4.5)^2 pages, to the nearest power of two. */
START_TEST(fit_grows_with_the_square_of_the_stall)
{
	const struct {
		double stall;
		uint32_t min;
	} want[] = { { 5.0, 16 }, { 6, 32 }, { 7.9, 64 }, { 18.4, 256 }, { 40, 1024 }, { 1e9, 1024 } };

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct iopf_policy p = fitted("auto", want[i].stall);
		struct iopf_device_state dev = { 0 };
		struct iopf_window w;

		ck_assert_uint_eq(p.min_pages, want[i].min);
		ck_assert_uint_eq(p.max_pages, 4 * want[i].min);
		ck_assert_uint_eq(p.ahead_pages, want[i].min);
		ck_assert_uint_eq(p.deep_start_pages, want[i].min == 16 ? 1 : want[i].min);
		/* a deep-queued device's new run: the aligned block, no longer its page alone */
		w = auto_fault(&p, &dev, 5000 * PAGE + 7, 3);
		ck_assert_uint_eq(w.size, (uint64_t)p.deep_start_pages * PAGE);
		ck_assert_uint_eq(w.iova % w.size, 0);
		ck_assert_uint_le(w.iova, 5000 * PAGE);
	}
}
END_TEST

/*
 * What a fault costs an awake resolver, in pages, decides a queued device's
 * first window: its page alone while the fault is cheap against a block's
 * pinning (deep queue: up to 16 pages; contended: up to 8), else the block.
 */
START_TEST(fit_sizes_queued_windows_by_the_awake_fault)
{
	const struct {
		double stall, queued;
		uint32_t min, deep, contended;
	} want[] = {
		{ 3.0, 3.5, 16, 1, 1 },       /* the seed's */
		{ 5.6, 3.5, 32, 1, 1 },       /* the seed's with a 10 us wake-up */
		{ 3.0, 13.2, 16, 1, 16 },     /* pages of 0.1 us */
		{ 18.4, 103, 256, 256, 256 }, /* faults of 30 us */
		{ 18.4, 0, 256, 256, 256 },   /* unknown: as the stall says */
		{ 3.0, NAN, 16, 1, 1 },
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct iopf_policy p = policy("auto");
		struct iopf_device_state dev = { 0 };
		struct iopf_fault_view f = fault_at(7000 * PAGE + 5, 0, GIB);

		iopf_policy_fit_costs(&p, want[i].stall, want[i].queued);
		ck_assert_uint_eq(p.min_pages, want[i].min);
		ck_assert_uint_eq(p.deep_start_pages, want[i].deep);
		ck_assert_uint_eq(p.contended_start_pages, want[i].contended);
		/* one fault in a batch of three: contended */
		f.device_faults = 1;
		f.batch_faults = 3;
		ck_assert_uint_eq(iopf_policy_window(&p, &dev, &f).size,
				  (uint64_t)want[i].contended * PAGE);
	}
}
END_TEST

/* Sizes the user gave, and policies other than auto, are not fitted. */
START_TEST(fit_leaves_explicit_sizes_alone)
{
	struct iopf_policy p = fitted("auto:16:64", 18.4), f = fitted("fixed:8", 18.4);
	struct iopf_policy a = fitted("adaptive", 18.4);

	ck_assert_str_eq(policy_text(&p), "auto:16:64");
	ck_assert_uint_eq(p.ahead_pages, 16);
	ck_assert_uint_eq(p.deep_start_pages, 1);
	ck_assert_str_eq(policy_text(&f), "fixed:8");
	ck_assert_str_eq(policy_text(&a), "adaptive:1:65536");
}
END_TEST

TEST_MAIN("policy", auto_starts_a_run_as_long_as_the_last_stream, auto_paces_the_device_by_its_runs, fit_keeps_the_seed_sizes, fit_grows_with_the_square_of_the_stall, fit_sizes_queued_windows_by_the_awake_fault, fit_leaves_explicit_sizes_alone, auto_doubles_runs_up_to_max, auto_maps_aligned_blocks_for_random_faults,
	  auto_maps_one_page_for_deep_queues, auto_maps_one_page_while_other_devices_wait, auto_keeps_runs_through_faults_in_their_window,
	  auto_long_runs_grow_by_a_share,
	  auto_runs_grow_further_for_deep_queues, exact_is_one_page, fixed_is_aligned_block, fixed_clamped_to_range_start_and_end,
	  adaptive_grows_on_sequential_hits, adaptive_shrinks_on_random_access,
	  adaptive_shrinks_on_strides,
	  adaptive_tracks_interleaved_streams, adaptive_never_crosses_range_end,
	  parse_and_format_round_trip)
