/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The cost clock: what a fault costs the device that raised it, in
 * microseconds of virtual time.  A faulting DMA stalls until its answer: one
 * wake-up of the resolver per batch of faults, then per fault a fixed round
 * trip plus a price per page its window newly pins and maps (pages already
 * mapped cost nothing).  Pure arithmetic, no clock.
 *
 * The defaults come from the seed's two published rows (RFC v3, patch 5/8):
 *
 *   1 MiB messages, 1-page window:    518 faults, 63.4 % slower than static
 *   10 MiB messages, 512-page window:  13 faults, 32.6 % slower than static
 *
 * A message of N MiB reads an N MiB source and writes an N MiB destination,
 * so with U the device time of one 1 MiB message under static pinning (2 MiB
 * moved), the rows say
 *
 *   518 (f + p)     = 0.634 U       (a 1-page window pins one page)
 *    13 (f + 512 p) = 0.326 * 10 U
 *
 * hence f = 0.000736 U per fault and p = 0.000488 U per page
 * (cost_model_from_rows() solves this).  At the default device rate of
 * 2 GiB/s, U = 2 MiB / rate = 976.6 us: f = 0.72 us, p = 0.48 us.
 *
 * The seed resolved faults in the kernel.  iopfd is woken through an eventfd
 * and answers with an ioctl: wakeup_us (default 5 us, an assumption, not a
 * measurement) is that round trip, paid by a batch that found the resolver
 * asleep.  A resolver that finds more faults in the ring when a call returns
 * takes them without sleeping (resolver_drain()), and each call it makes
 * without sleeping first (the next batch, a map-ahead chunk, a release)
 * costs call_us: default 0.5 us, a tenth of the wake-up, the ratio of a bare
 * ioctl to an eventfd wake-up between two threads on the machine this was
 * written on (1.2 us and 12.3 us; iopf-model-bench measures both where it
 * runs).  Set both to 0 to model the seed's in-kernel handler.
 */

#include <stdint.h>

#define COST_DEVICE_BYTES_PER_US_DEFAULT ((double)(UINT64_C(2) << 30) / 1e6) /* 2 GiB/s */
#define COST_WAKEUP_US_DEFAULT 5.0
#define COST_CALL_US_DEFAULT 0.5

/* One published measurement of the seed: messages of a size, a window, what it cost. */
struct cost_row {
	double message_mib;    /* N: each message reads N MiB and writes N MiB */
	double window_pages;   /* pages every fault pinned and mapped */
	double faults;         /* faults per message */
	double slowdown;       /* device time / static time - 1 */
};

/* The seed's two rows. */
extern const struct cost_row cost_seed_rows[2];

struct cost_model {
	double device_bytes_per_us; /* transfer rate of one device */
	double fault_us;            /* per fault: the fixed part of its answer */
	double page_us;             /* per page newly pinned and mapped */
	double wakeup_us;           /* per batch that found the resolver asleep: waking it, the resolve call */
	double call_us;             /* per call the resolver makes without sleeping first */
};

/*
 * Solves for fault_us and page_us from two rows at @device_bytes_per_us;
 * wakeup_us and call_us are left 0, as in the seed.  -EINVAL if the rows do not determine
 * a cost (same window size, or negative results).
 */
int cost_model_from_rows(const struct cost_row rows[2], double device_bytes_per_us,
			 struct cost_model *ret);
/* The seed's rows at the default rate, plus the default wake-up and call. */
void cost_model_default(struct cost_model *ret);

/* Time the device needs to move @bytes with nothing faulting. */
double cost_transfer_us(const struct cost_model *c, double bytes);
/*
 * How long a lone fault stalls the device before pinning starts (its fixed
 * cost and a wake-up), in the time the device takes to move one page.
 */
double cost_fault_page_times(const struct cost_model *c);
/*
 * What a fault costs a resolver that is already awake (a call, the fault,
 * its page), in pages pinned; infinite when pages cost nothing.
 */
double cost_queued_fault_pages(const struct cost_model *c);
/* Time one fault's answer takes once the resolver is at it. */
double cost_fault_us(const struct cost_model *c, uint64_t new_pages);
