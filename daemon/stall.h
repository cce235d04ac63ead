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
 * sizes auto for.  Pure: the caller passes the times.
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
};

struct stall_meter {
	struct stall_sample faults[STALL_SAMPLES];
	struct stall_sample calls[STALL_SAMPLES];
	uint32_t nfaults;
	uint32_t ncalls;       /* up to STALL_SAMPLES: the newest are kept */
	uint32_t next_call;    /* where the next one goes */
};

struct stall_estimate {
	double stall_us;     /* median over the lone faults, their pages' pinning taken out */
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
/* Whether STALL_SAMPLES lone faults were counted since the last reset. */
static inline bool stall_meter_full(const struct stall_meter *m)
{
	return m->nfaults == STALL_SAMPLES;
}
/* Estimates from what was counted; -EAGAIN before any lone fault was. */
int stall_meter_estimate(const struct stall_meter *m, struct stall_estimate *ret);
void stall_meter_reset(struct stall_meter *m);
