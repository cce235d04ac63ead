/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The policy engine: given a fault and what we know about the faulting
 * device, how much memory around it should be pinned and mapped?  Pure
 * functions over plain structs: no I/O, no clock, no globals, so tests and
 * benchmarks drive it directly.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IOPF_PAGE_SHIFT 12
#define IOPF_PAGE_SIZE (UINT64_C(1) << IOPF_PAGE_SHIFT)

enum iopf_policy_kind {
	IOPF_POLICY_EXACT,    /* the faulting page only */
	IOPF_POLICY_FIXED,    /* an aligned block of N pages (the seed's PREMAP) */
	IOPF_POLICY_ADAPTIVE, /* per-stream window that grows on sequential hits */
	IOPF_POLICY_AUTO,     /* the default: runs, aligned blocks, exact while faults queue */
	_IOPF_POLICY_MAX,
	_IOPF_POLICY_INVALID = -22,
};

#define IOPF_FIXED_PAGES_DEFAULT 512u      /* the seed's PREMAP */
#define IOPF_ADAPTIVE_MIN_DEFAULT 1u
#define IOPF_ADAPTIVE_MAX_DEFAULT 65536u   /* 256 MiB */
#define IOPF_ADAPTIVE_GROWTH 4u
/*
 * auto: a fault that starts a run maps the aligned 64 KiB around it; a run
 * grows to at most 256 KiB per fault.  In the cost model (cost.h) a fault
 * costs the device about 5.7 us (0.72 us, plus a 5 us wake-up when alone)
 * and a page 0.48 us, so past a few dozen pages a bigger window saves little
 * time and pins memory a buffer may never use: 64 pages is the largest cap
 * that meets the target on every table of make bench (128 pins 45 % more
 * than P* on 1 MiB messages at depth 1).  iopf_policy_fit_costs() scales
 * them for a device that a fault stalls for longer.
 */
#define IOPF_AUTO_MIN_DEFAULT 16u
#define IOPF_AUTO_MAX_DEFAULT 64u
/*
 * Pages an early-answered fault waits for: at least a deep queue's worth,
 * else its next accesses fault at once (with 8, sequential 1 x 16 took 600x
 * the faults at 3 us a fault).  One map-ahead call maps 1/IOPF_AHEAD_CHUNKS
 * of that: a fault that arrives during the call waits for it, and with 16
 * pages a call the random device of mix at 4 x 1 waited behind the
 * streaming devices' map-ahead, 1.29 T* (make bench; 8 pages: 1.22 T*).
 */
#define IOPF_AHEAD_PAGES_DEFAULT 16u
#define IOPF_AHEAD_CHUNKS 2u
/*
 * iopf_policy_fit_costs(): up to this stall, in the time the device takes to
 * move a page, auto keeps its default sizes.  The seed's calibration is 3.0
 * (0.72 us plus a 5 us wake-up, against 1.9 us a page at 2 GiB/s).
 */
#define IOPF_AUTO_FIT_PAGE_TIMES 4.5
/* The largest block a fitted auto starts a run with: 4 MiB. */
#define IOPF_AUTO_FIT_MIN_MAX 1024u
/*
 * iopf_policy_fit_costs(): up to these costs of a fault to a resolver that
 * is awake, in pages pinned (the seed's: 3.5, 0.72 us plus a 0.5 us call
 * plus its page, against 0.48 us a page), a queued device's new run gets
 * its page alone; past them, faults are dear enough against pages for
 * blocks.  A deep-queued device overlaps its stalls, so only the resolver's
 * time counts: up to a block's worth of pages.  A contended device (depth
 * 1) waits out each of its faults as well: up to half of that.
 */
#define IOPF_AUTO_DEEP_EXACT_PAGES 16.0
#define IOPF_AUTO_CONTENDED_EXACT_PAGES 8.0
/*
 * Faults a device counts as deep-queued for after a batch held several of
 * its faults, and as contended for after one held other devices' faults
 * beside its own: either way its faults wait for the resolver.
 */
#define IOPF_AUTO_DEEP_FAULTS 64u
/*
 * auto: a run on a deep-queued or contended device grows to this many
 * times MAX.  A deep queue's faults arrive for the pages just past the
 * window being mapped, each window's end brings up to a queue's worth, so a
 * short window costs many faults: sequential, 4 devices x 16, took 12x
 * fewer faults at 8x (4,499 a GiB against 54,411) in 0.73x the device time
 * when claims came (f7b5fdd), and every table of make bench met the target
 * as before.
 */
#define IOPF_AUTO_DEEP_GROWTH 8u
/*
 * auto: a run of this many pages (4 MiB, 16 x the default MAX) is long, and
 * its windows grow to at least 1/IOPF_AUTO_LONG_RUN_SHARE of it: a long run
 * takes a fault for each 25 % it grows by and pins at most 25 % past its
 * end.  Answered early, a window's size costs the device nothing but
 * pinned memory: sequential 1 x 1 takes 43 faults a GiB, not 4,098, in
 * 0.90x the time, 1 x 16 155, not 2,585, 4 x 16 2,922, not 6,567, and
 * the seed's 10 MiB messages slow the device 4.8 %, not 12.5 %.  Runs
 * shorter than that stay as they were, which keeps 1 MiB messages within
 * 1.21 P*.
 */
#define IOPF_AUTO_LONG_RUN_PAGES 1024u
#define IOPF_AUTO_LONG_RUN_SHARE 4u
/*
 * auto: a run that continued this many times is a stream, and the device's
 * next new run starts as long as it ran (iopf_device_state.stream_pages),
 * at most MAX x IOPF_AUTO_DEEP_GROWTH: fresh buffers of one size then fault
 * once each, not at every doubling.  The seed's 1 MiB messages slow the
 * device 10.8 %, not 17.6 % (make bench); at 90 us a fault, 0.6 us a page
 * and 0.5 GiB/s (about the test guest's mock device), 7.3 %, not 28.3 %,
 * where fixed:512 takes 20.6 %.  Once: a run started so gets it again only
 * if it continues, so a device that stops streaming pays for it once.
 */
#define IOPF_AUTO_STREAM_CONTINUED 2u
#define IOPF_STREAMS_PER_DEVICE 32u
#define IOPF_STREAM_SLACK_PAGES UINT64_C(16)

struct iopf_policy {
	enum iopf_policy_kind kind;
	uint32_t fixed_pages;
	uint32_t min_pages;
	uint32_t max_pages;
	/* answered early: pages a fault waits for, twice what one map-ahead call maps (0: the default) */
	uint32_t ahead_pages;
	/* auto: a deep-queued device's new run starts with this many pages */
	uint32_t deep_start_pages;
	/* auto: a contended device's, with no faults of its own queued */
	uint32_t contended_start_pages;
	/* plain "auto": the sizes above follow iopf_policy_fit_costs() */
	bool fit_costs;
};

/* What the policy needs of a fault record, and of the batch it came in. */
struct iopf_fault_view {
	uint64_t iova;
	uint64_t dma_iova;
	uint64_t dma_size;
	/*
	 * Faults of the same device in the batch, this one included (0 counts
	 * as 1): more than one means the device has several accesses in
	 * flight and keeps moving data while this fault waits.
	 */
	uint32_t device_faults;
	/*
	 * Faults in the batch, of any device of the VM (0 counts as 1): more
	 * than device_faults means other devices' faults queue for the
	 * resolver too, and the pages of this window that no fault asked for
	 * delay their answers.
	 */
	uint32_t batch_faults;
	/* when the device raised it (the record's timestamp), for pacing; 0: unknown */
	uint64_t timestamp_ns;
};

struct iopf_window {
	uint64_t iova;
	uint64_t size;
};

/* One detected access stream: the next page we expect and its window size. */
struct iopf_stream {
	uint64_t start;       /* auto: where the run began */
	uint64_t next;
	uint64_t last_use;
	uint64_t window_ns;   /* auto: the timestamp of the fault its last window answered */
	uint32_t window_pages;
	uint32_t continued;   /* auto: faults that continued the run */
	bool foreseen;        /* auto: its first window came from the last stream's length */
	bool valid;
};

/*
 * auto, on a fault that continues a run: the device went through the
 * run's last window, @pages long, in @ns from the fault that window
 * answered to this one, that fault's stall included (pace.h).  Zero when
 * the fault continued nothing or a timestamp was missing.
 */
struct iopf_pace_sample {
	uint64_t pages;
	uint64_t ns;
};

struct iopf_device_state {
	struct iopf_stream streams[IOPF_STREAMS_PER_DEVICE];
	uint64_t clock;
	uint64_t sequential_hits;
	uint64_t deep_until;       /* auto: the device keeps several faults in flight until this clock */
	uint64_t contended_at;     /* auto: the clock of its last fault with other devices' in its batch; 0: none */
	uint64_t stream_pages;     /* auto: how long its last stream ran, for its next new run; 0: none, or used */
	struct iopf_pace_sample pace;  /* auto: set by each window decision */
};

void iopf_policy_default(enum iopf_policy_kind kind, struct iopf_policy *ret);
/* Parses "exact", "fixed[:N]", "adaptive[:MIN:MAX]" or "auto[:MIN:MAX]" (pages). */
int iopf_policy_parse(const char *text, struct iopf_policy *ret);
/*
 * Sizes plain "auto" for a device that a lone fault stalls for as long as it
 * takes it to move @fault_page_times pages (cost_fault_page_times()), on a
 * resolver that, awake, spends on a fault as long as it takes to pin
 * @queued_fault_pages pages (the fault's own page included; 0 or NaN:
 * unknown).  Up to IOPF_AUTO_FIT_PAGE_TIMES the sizes stay; past it, the
 * block a run starts with grows with the square of the stall (16 pages x
 * (stall / 4.5)^2, to the nearest power of two, at most
 * IOPF_AUTO_FIT_MIN_MAX), and the longest run and the pages an early answer
 * waits for grow with it.  A deep-queued device's new run gets its page
 * alone while an awake fault costs at most IOPF_AUTO_DEEP_EXACT_PAGES pages,
 * a contended device's at most IOPF_AUTO_CONTENDED_EXACT_PAGES, else the
 * block a run starts with (unknown: the page alone up to a stall of 4.5
 * page times, the block past it).  All are fits, not laws; make bench's
 * model meets the target on this many of 28 tables, fitted against plain
 * auto:16:64:
 *
 *   the seed's costs (0.72 us a fault, 0.48 us a page)    28 and 28
 *   30 us and 0.3 us (the test guest's kernel path)        25 and 4
 *   10 us and 0.3 us                                       21 and 10
 *   3 us and 0.48 us                                       24 and 24
 *   0.72 us and 0.1 us                                     26 and 23
 *   the seed's, with a 10 us wake-up                       24 and 25
 *   the seed's, with a 20 us wake-up                       23 and 23
 *
 * The guest's mock device itself moves a page in about 22 us, so for it
 * the sizes stay.  Other policies, and auto:MIN:MAX, are left alone.
 */
void iopf_policy_fit_costs(struct iopf_policy *p, double fault_page_times, double queued_fault_pages);
/* Pages an early-answered fault waits for. */
uint32_t iopf_policy_ahead_pages(const struct iopf_policy *p);
/* Pages one map-ahead call maps. */
uint32_t iopf_policy_ahead_chunk_pages(const struct iopf_policy *p);
/*
 * The most a fault that caught up with map-ahead takes of its queued range
 * (ahead_claim()): a queued run's window, MAX x IOPF_AUTO_DEEP_GROWTH, so
 * that the faults behind it wait no longer than for such a window.
 */
uint64_t iopf_policy_claim_pages(const struct iopf_policy *p);
/* Writes the canonical text of @p, as iopf_policy_parse() accepts it. */
int iopf_policy_format(const struct iopf_policy *p, char *buf, size_t len);

/*
 * Decides the window for @fault.  The window is page aligned, contains the
 * faulting page and lies inside the fault's DMA range.  Adaptive updates @dev;
 * the other policies ignore it (it may be NULL for them).
 */
struct iopf_window iopf_policy_window(const struct iopf_policy *p, struct iopf_device_state *dev,
				      const struct iopf_fault_view *fault);
