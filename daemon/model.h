/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The device-time model: what a policy costs the devices of one VM, in
 * virtual time.  A discrete-event evaluator, pure and deterministic: no
 * threads, no ring, no clock; the same input gives the same result.
 *
 * Each device works through one workload stream of 4 KiB accesses.  Work
 * arrives at the device's rate (access k is there at k * access_us, with
 * access_us = 4 KiB / device_bytes_per_us), and the device keeps up to depth
 * accesses in flight: it issues them in order, access k once access
 * k - depth has finished.  An access whose page is not mapped when it is
 * issued faults; it is ready once answered, the others once issued.  One DMA
 * engine moves ready accesses in order, access_us each: a fault stalls the
 * accesses behind it, but the accesses issued meanwhile have their own
 * faults under way, so a deep queue overlaps stalls.  With nothing to fault
 * the device takes exactly accesses * access_us (the static time).
 *
 * Several VMs (nvms) are alike but for their seeds, each with its memory,
 * devices, policy state and budget; one resolver serves them all, as one
 * iopfd does.  It takes faults in order of arrival: woken by the
 * first fault while idle, it runs wakeup_us later, takes what is queued then
 * (up to batch_max: one resolve call) and, fault by fault, asks the policy
 * for a window exactly as iopfd does (telling it how many faults of the
 * batch are its VM's: iopfd reads each VM's ring apart), pins and maps the pages of it not yet
 * mapped (fault_us + page_us per new page) and answers the fault.  With
 * answer_early, for a batch whose faults are all one device's, or a window
 * that starts at its fault (ahead_answer_early()), it maps only the
 * faulting page and the ones after it up to ahead_pages (fitted to the
 * costs, as iopf_policy_fit_costs() does) before answering and queues the
 * rest of the window, from the faulting page up, then below it, to be
 * mapped ahead: while no fault waits, half of ahead_pages at a time, so
 * that a fault waits for at most one such chunk.  A fault on a page still
 * queued behind other ranges (ahead_claim(): the device caught up with its
 * map-ahead) gets the rest of that range with its window, mapped whole
 * before the answer.  A page is there from the moment it is mapped.
 * Faults that arrive meanwhile wait for the next batch, which the resolver,
 * awake, takes at the cost of a call (call_us), as it does each map-ahead
 * chunk and each range it releases.  Pages count as pinned from the start of the batch that maps
 * them.  With a budget, each window goes through budget_admit() first and
 * the chunks it says to release are unmapped (page_us per page) before the
 * window is mapped; without one, pinned memory only grows.
 */

#include <stdbool.h>
#include <stdint.h>

#include "cost.h"
#include "policy.h"
#include "workload.h"

#define MODEL_SLOTS_MAX 65536u /* devices x depth */

struct model_config {
	struct workload_config workload; /* npages, ndevices and nstreams (one per device) are derived */
	uint64_t memory_bytes;           /* per VM */
	uint32_t ndevices;               /* per VM */
	uint32_t nvms;                   /* VMs one resolver serves, alike but for their seeds; 0 = 1 */
	uint32_t depth;                  /* accesses in flight per device */
	uint32_t nranges;                /* DMA ranges the memory is split into */
	uint32_t batch_max;              /* faults per resolve call */
	struct iopf_policy policy;
	bool static_pinning;             /* everything pinned and mapped up front, no faults */
	bool answer_early;               /* answer once the faulting page is mapped, map the rest after */
	uint64_t budget_pages;           /* pinned-memory budget of each VM (budget.h); 0 = none */
	double idle_reclaim_us;          /* release what no fault used for this long; 0 = never */
	struct cost_model cost;
};

struct model_result {
	uint64_t accesses;
	uint64_t faults;
	uint64_t write_faults;       /* faults raised by writes */
	uint64_t answered;           /* faults answered: always every fault */
	uint64_t batches;            /* resolver wake-ups */
	uint64_t touched_pages;      /* distinct pages accessed */
	uint64_t mapped_pages;
	uint64_t released_pages;     /* unmapped and unpinned: for the budget, or idle */
	uint64_t refaults;           /* faults on pages released before */
	uint64_t peak_pinned_pages;  /* of all VMs together */
	uint64_t peak_vm_pinned_pages; /* of the VM that pinned most */
	double mean_pinned_pages;    /* over device time */
	double device_us;            /* until the last device finished */
	double static_us;            /* the same accesses with nothing to fault */
	double slowdown;             /* device_us / static_us - 1 */
	double faults_per_gib;       /* per GiB touched */
};

/* 1 GiB, one device of depth 1, one range, sequential, adaptive, default costs. */
void model_config_default(struct model_config *ret);
int model_run(const struct model_config *c, struct model_result *ret);
