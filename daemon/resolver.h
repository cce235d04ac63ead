/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The resolver: drains the fault ring in batches, asks the policy engine for
 * a window per fault and hands each batch to the backend in one call.
 */

#include <stdbool.h>
#include <stdint.h>

#include "ahead.h"
#include "backend.h"
#include "budget.h"
#include "fault-rules.h"
#include "macro.h"
#include "policy.h"
#include "ring.h"
#include "stall.h"

#define RESOLVER_DEVICES_MAX 4096u
/* Records one resolver_drain() handles before letting other VMs' rings go first. */
#define RESOLVER_RECORDS_PER_DRAIN 1024u
/* Map-ahead calls one turn makes before letting other VMs' rings and the control socket go first. */
#define RESOLVER_AHEAD_CALLS_PER_TURN 8u
/* Calls one batch gets when the backend stops short of it or fails transiently. */
#define RESOLVER_RESOLVE_TRIES 3u
/*
 * Faults served with their page alone after the kernel refused an entry
 * (ENOMEM: the VM's locked memory is exhausted; EINVAL: a window it would
 * not take): asking for more would fail the same way, and each failure
 * leaves the fault to the kernel's fallback.
 */
#define RESOLVER_CAUTIOUS_FAULTS 256u

struct resolver_config {
	struct iopf_policy policy;
	uint32_t batch_max;   /* faults per resolve call, 1 .. VFIO_IOPF_RESOLVE_MAX */
	uint32_t timeout_ms;  /* passed to the kernel: when it stops waiting for us */
	uint64_t budget_pages; /* the VM's on-demand pins at most (budget.h); 0 = no limit */
	bool no_map_ahead;     /* always pin a fault's whole window before answering */
	uint32_t idle_reclaim_s; /* release what no fault used for this long; 0 = never */
	/* bytes a second the VM's devices move, for fitting plain auto; 0 = measure it */
	uint64_t device_rate;
};

struct resolver_stats {
	uint64_t faults;         /* records consumed */
	uint64_t batches;        /* resolve calls */
	uint64_t pages_requested;
	uint64_t errors;         /* entries the backend refused */
	uint64_t stale;          /* entries for faults already answered (ENOENT) */
	uint64_t bad_records;    /* records with cookie 0, which the kernel never writes */
	uint64_t retries;        /* resolve calls repeated for entries left undone */
	uint64_t abandoned;      /* faults left to the kernel's timeout after the retries */
	uint64_t released;       /* bytes released to keep to the budget */
	uint64_t reclaimed;      /* bytes released for being idle */
	uint64_t release_errors; /* release calls that failed */
	uint64_t ahead_bytes;    /* mapped ahead of faults, after their answers */
	uint64_t cautious;       /* faults given their page alone after a refused entry */
	uint32_t overflow;       /* last seen ring overflow counter */
	uint64_t stall_ns;       /* a lone fault's stall, last measured (stall.h); 0: not yet */
	uint64_t page_pin_ns;    /* a page's cost in a resolve call, last measured; 0: unknown */
	uint64_t fault_call_ns;  /* a lone fault's resolve call, its pages past the first taken out */
	uint64_t page_move_ns;   /* what the device takes to move a page, measured (stall.h); 0: not yet */
};

/* What the resolver keeps per device id. */
struct resolver_device {
	struct iopf_device_state policy;
	uint32_t batch_faults;   /* its records in the batch being decided */
	uint64_t faults;         /* its records consumed */
	uint64_t rule_mask;      /* the fault rules that apply to it (fault-rules.h) */
	bool rule_mask_known;
	bool name_known;
	char name[32];           /* as VFIO_IOPF_DEVICE_INFO gives it; "" if it did not */
};

struct resolver {
	struct iopf_backend backend;
	struct resolver_config config;
	struct iopf_ring ring;
	uint32_t head;        /* our consumer index; the shared copy is only written */
	void *ring_mem;
	size_t ring_len;
	int eventfd;
	uint32_t id;          /* the kernel's id for us as the resolver */
	struct resolver_device *devices;
	uint32_t ndevices;
	struct vfio_iopf_fault *records; /* the batch's records, copied off the ring */
	uint32_t nrecords;               /* how many */
	struct budget *budget;           /* what is pinned, and the budget if any */
	uint32_t features;               /* VFIO_IOPF_FEATURE_* of the backend */
	bool map_ahead;                  /* the backend takes map-only entries, and we use them */
	struct ahead ahead;              /* what is left to map of windows answered early */
	struct vfio_iopf_resolve *batch;
	struct fault_rules rules;        /* by device and range, over config.policy */
	uint32_t cautious_left;          /* faults still to serve page by page */
	struct iopf_policy set_policy;   /* as configured: config.policy is plain auto fitted */
	struct stall_meter stall;
	uint64_t call_start_ns;          /* the last resolve call: when it began (CLOCK_MONOTONIC) */
	uint64_t call_ns;                /* and how long it ran (CLOCK_THREAD_CPUTIME_ID) */
	bool kernel_signalled;           /* since we last asked whether we were displaced */
	struct resolver_stats stats;
};

/*
 * Maps the backend's ring, creates the eventfd and attaches as its resolver;
 * -EBUSY if another resolver is attached, unless @takeover (a restarted
 * iopfd replacing its dead self).
 */
int resolver_new(const struct iopf_backend *backend, const struct resolver_config *config,
		 bool takeover, struct resolver **ret);
/*
 * Applies @config to the next faults (the kernel timeout stays what it was at
 * attach time).  A budget set later holds for what was pinned before it.
 * Plain auto is fitted (iopf_policy_fit_costs()) to the stall of lone
 * faults, measured over the first STALL_FIRST_SAMPLES and then every
 * STALL_SAMPLES of them, in the time a page takes at device_rate, or as
 * measured from the runs served when that is 0 (stall.h).
 */
int resolver_set_config(struct resolver *r, const struct resolver_config *config);
/*
 * Idle reclaim: releases what no fault has used for config.idle_reclaim_s,
 * as of @now_ns (CLOCK_MONOTONIC); nothing if that is 0.  Only between
 * drains, when every fault of the last batch is answered: no window it
 * releases has a fault waiting on it.
 */
void resolver_reclaim_idle(struct resolver *r, uint64_t now_ns);
/* Device @dev_id's name, asked of the backend once ("" if it has none). */
const char *resolver_device_name(struct resolver *r, uint32_t dev_id);
/* Replaces the rules by device and range; they apply to the next faults. */
void resolver_set_rules(struct resolver *r, const struct fault_rules *rules);
/* Detaches (the kernel answers what is left) and frees. */
struct resolver *resolver_free(struct resolver *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct resolver *, resolver_free);

/*
 * Handles up to RESOLVER_RECORDS_PER_DRAIN records; if more are left it
 * signals its own eventfd, so the loop comes back once the other sources
 * that are ready have had their turn.  Returns how many it handled, or a
 * negative errno: -EBADMSG if the ring's producer index cannot be true
 * (another process wrote it), the backend's error if a resolve call failed.
 */
int resolver_drain(struct resolver *r);
/*
 * What one kick of our own adds to the eventfd's count, where the kernel
 * adds 1 a signal: the low 32 bits of a count read are the kernel's.
 */
#define RESOLVER_KICK (UINT64_C(1) << 32)
/*
 * Signals our own eventfd, so that the loop serves the ring as if the kernel
 * had: for faults queued before we attached, signalled to nobody, for
 * records left after a drain, and to map ahead between faults.
 */
int resolver_kick(struct resolver *r);
/*
 * What every mode does when its ring's eventfd fires, with @count the
 * eventfd's count as read: drains, and returns 0 to keep serving this
 * source or a negative errno to stop serving it (its ring is corrupt, its
 * fd unusable, or another resolver took it over; the kernel answers its
 * faults from then on).  Only the first wake-up with nothing to drain
 * after the kernel signalled asks whether we were displaced: a
 * VFIO_IOPF_INFO call, which waits for the container's lock.  Transient
 * resolve errors are retried and never end a source.
 */
int resolver_serve(struct resolver *r, uint64_t count);
/*
 * Whether another resolver took the iopf fd over (the kernel wakes the
 * displaced one): then this one must stop reading the ring.
 */
bool resolver_displaced(struct resolver *r);
