/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What a lone fault keeps its device waiting, measured as iopfd serves it:
 * from the kernel's timestamp in the fault record to the start of the
 * resolve call that answered it, plus the time that call ran.  That is the
 * call's CPU time, not its wall time: the device that gets its answer in
 * the call often preempts iopfd before the call returns, and its time is
 * not the fault's.  The call also pinned the pages the answer waited for;
 * a page's cost, taken from how long resolve calls of different sizes run,
 * is taken out for every page past the first, so that what is left is the
 * fault's own cost plus iopfd's wake-up, the stall iopf_policy_fit_costs()
 * sizes auto for.  The call's part alone, its pages past the first taken out
 * the same way, is what a fault costs a resolver that is already awake, as
 * it is for faults that queue.
 *
 * The fit also needs how long the device takes to move a page.  Unless the
 * user gives its rate, it is measured too, from the faults that continue a
 * run (struct iopf_pace_sample): from the fault a window answered to the
 * fault just past it, the device waited out that fault's stall and then
 * moved the window.  A device that also waited for work makes the window
 * look slower, so the estimate is a low quantile, the device's pace when
 * busy.  Pure: the caller passes the times.
 */

#include <stdbool.h>
#include <stdint.h>

/* Lone faults, and resolve calls, one estimate is made of. */
#define STALL_SAMPLES 256u
/*
 * A fault record's timestamp is written by the kernel, or by any process
 * that can write the ring: a lone fault that waited longer than this for
 * its call, or whose timestamp is later than the call, is not counted.
 */
#define STALL_MAX_NS UINT64_C(1000000000)

struct stall_sample {
	uint64_t ns;
	uint32_t pages;
	uint64_t call_ns;   /* a lone fault's: the part its resolve call ran */
};

/* Lone faults counted before the first estimate, for a first fit early on. */
#define STALL_FIRST_SAMPLES 32u
/* Windows shorter than this tell more of the stall than of the device's pace. */
#define PACE_MIN_PAGES 16u
/* Windows a pace estimate takes, at least; the newest STALL_SAMPLES are kept. */
#define PACE_MIN_SAMPLES 8u

struct stall_meter {
	struct stall_sample faults[STALL_SAMPLES];
	struct stall_sample calls[STALL_SAMPLES];
	struct stall_sample windows[STALL_SAMPLES];   /* pages moved, ns from fault to fault */
	uint32_t nfaults;
	uint32_t ncalls;       /* up to STALL_SAMPLES: the newest are kept */
	uint32_t next_call;    /* where the next one goes */
	uint32_t nwindows;     /* up to STALL_SAMPLES, as the calls */
	uint32_t next_window;
	uint64_t windows_seen; /* every window counted, for when to estimate again */
};

struct stall_estimate {
	double stall_us;     /* median over the lone faults, their pages' pinning taken out */
	double call_us;      /* median of their calls alone, the same way: an awake resolver's cost */
	double page_us;      /* a resolve call's cost per page asked for; 0 if the calls did not vary */
};

/*
 * A lone fault stamped @fault_ns, answered by a call that began at
 * @call_start_ns, ran @call_ns and pinned @pages for it.
 */
void stall_meter_fault(struct stall_meter *m, uint64_t fault_ns, uint64_t call_start_ns,
		       uint64_t call_ns, uint32_t pages);
/* A resolve call for @pages in all that ran @ns. */
void stall_meter_call(struct stall_meter *m, uint32_t pages, uint64_t ns);
/*
 * A fault continued a run: the window before it, @pages long, was answered
 * for a fault @ns before it.  Short windows, and spans past STALL_MAX_NS,
 * are not counted.
 */
void stall_meter_window(struct stall_meter *m, uint64_t pages, uint64_t ns);
/*
 * What the device takes to move a page, in us, with @stall_us (the stall
 * estimate) taken out of each window's span: the 25th percentile.  -EAGAIN
 * before PACE_MIN_SAMPLES windows that took longer than the stall.
 */
int stall_meter_page_us(const struct stall_meter *m, double stall_us, double *ret);
/* Whether STALL_SAMPLES lone faults were counted since the last reset. */
static inline bool stall_meter_full(const struct stall_meter *m)
{
	return m->nfaults == STALL_SAMPLES;
}
/* Estimates from what was counted; -EAGAIN before any lone fault was. */
int stall_meter_estimate(const struct stall_meter *m, struct stall_estimate *ret);
void stall_meter_reset(struct stall_meter *m);
