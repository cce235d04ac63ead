/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>

#include "iopf-messages.h"
#include "log.h"
#include "macro.h"
#include "resolver.h"
#include "time-util.h"

static uint32_t backend_features(const struct iopf_backend *backend)
{
	struct vfio_iopf_info info = { .argsz = sizeof(info) };

	return backend->ops->info(backend->data, &info) < 0 ? 0 : info.out_features;
}

/*
 * What iopfd pins is tracked whatever the settings, in the budget's
 * bookkeeping with no limit when there is none: a budget set later (iopfctl
 * budget set) then holds for what was pinned before it, too.
 */
static int track_pins(struct resolver *r, const struct resolver_config *config)
{
	uint64_t limit = config->budget_pages ? config->budget_pages : UINT64_MAX;

	if (r->budget) {
		budget_set_limit(r->budget, limit);
		return 0;
	}
	return budget_new(limit, &r->budget);
}

/* Answering early needs map-only entries, and no limit: what is mapped ahead would not be within it. */
static bool uses_map_ahead(const struct resolver *r, const struct resolver_config *config)
{
	return !config->no_map_ahead && !config->budget_pages && (r->features & VFIO_IOPF_FEATURE_MAP_AHEAD);
}

/*
 * Plain auto, sized for the stall last measured in the time the device
 * takes to move a page: at config.device_rate when given, else as measured;
 * any other policy as set.
 */
static void fit_policy(struct resolver *r)
{
	struct iopf_policy p = r->set_policy;
	char was[64], now[64];
	double page_us;

	if (r->config.device_rate)
		page_us = (double)IOPF_PAGE_SIZE * 1e6 / (double)r->config.device_rate;
	else
		page_us = (double)r->stats.page_move_ns / 1e3;
	if (!p.fit_costs || !page_us || !r->stats.stall_ns) {
		r->config.policy = p;
		return;
	}
	iopf_policy_fit_costs(&p, (double)r->stats.stall_ns / 1e3 / page_us,
			      r->stats.page_pin_ns ? (double)r->stats.fault_call_ns / (double)r->stats.page_pin_ns : 0);
	iopf_policy_format(&r->config.policy, was, sizeof(was));
	iopf_policy_format(&p, now, sizeof(now));
	r->config.policy = p;
	/* the ring's timestamps can be forged to flip the sizes every few windows */
	if (!streq(was, now))
		log_ratelimit_info("A lone fault stalls its device %.1f us, %.1f times the %.3f us it takes to move a page%s: auto is %s now.",
				   (double)r->stats.stall_ns / 1e3, (double)r->stats.stall_ns / 1e3 / page_us,
				   page_us, r->config.device_rate ? "" : " (measured)", now);
}

/* With the stall known and no rate given: the device's pace, from the windows it went through. */
static void estimate_page_move(struct resolver *r)
{
	double page_us;

	if (r->config.device_rate || !r->stats.stall_ns ||
	    stall_meter_page_us(&r->stall, (double)r->stats.stall_ns / 1e3, &page_us) < 0)
		return;
	r->stats.page_move_ns = MAX((uint64_t)(page_us * 1e3), UINT64_C(1));
}

/* A fault continued a run: one more window to pace the device by, a new fit now and then. */
static void measure_pace(struct resolver *r, const struct iopf_pace_sample *s)
{
	uint64_t seen = r->stall.windows_seen;

	stall_meter_window(&r->stall, s->pages, s->ns);
	if (r->stall.windows_seen == seen || r->stall.windows_seen % PACE_MIN_SAMPLES)
		return;
	estimate_page_move(r);
	fit_policy(r);
}

int resolver_new(const struct iopf_backend *backend, const struct resolver_config *config,
		 bool takeover, struct resolver **ret)
{
	struct resolver *r;
	struct vfio_iopf_set_resolver attach = { .argsz = sizeof(attach) };
	int e;

	if (config->batch_max == 0 || config->batch_max > VFIO_IOPF_RESOLVE_MAX)
		return -EINVAL;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->backend = *backend;
	r->config = *config;
	r->set_policy = config->policy;
	r->eventfd = -EBADF;

	/* For the largest batch: a reload may raise batch_max. */
	r->batch = calloc(1, sizeof(*r->batch) + VFIO_IOPF_RESOLVE_MAX * sizeof(r->batch->entries[0]));
	r->records = calloc(VFIO_IOPF_RESOLVE_MAX, sizeof(*r->records));
	if (!r->batch || !r->records) {
		e = -ENOMEM;
		goto fail;
	}
	e = track_pins(r, config);
	if (e < 0)
		goto fail;

	r->ring_len = backend->ring.mmap_size;
	r->ring_mem = mmap(NULL, r->ring_len, PROT_READ | PROT_WRITE, MAP_SHARED, backend->ring_fd, 0);
	if (r->ring_mem == MAP_FAILED) {
		r->ring_mem = NULL;
		e = log_error_errno(negative_errno(), "Failed to map the fault ring: %m");
		goto fail;
	}
	e = iopf_ring_init(&r->ring, r->ring_mem, r->ring_len, &backend->ring);
	if (e < 0) {
		log_error_errno(e, "The fault ring layout the kernel reported is not usable: %m");
		goto fail;
	}
	r->head = iopf_ring_consumer(&r->ring);

	r->eventfd = RET_NERRNO(eventfd(0, EFD_CLOEXEC));
	if (r->eventfd < 0) {
		e = log_error_errno(r->eventfd, "Failed to create an eventfd: %m");
		goto fail;
	}
	attach.eventfd = r->eventfd;
	attach.timeout_ms = config->timeout_ms;
	attach.flags = takeover ? VFIO_IOPF_RESOLVER_TAKEOVER : 0;
	e = backend->ops->set_resolver(backend->data, &attach);
	if (e < 0) {
		if (e == -EBUSY)
			log_error_errno(e, "Another resolver serves this iopf fd: %m");
		else
			log_error_errno(e, "Failed to attach as the resolver: %m");
		goto fail;
	}
	r->id = (uint32_t)e;
	r->features = backend_features(backend);
	r->map_ahead = uses_map_ahead(r, config);
	*ret = r;
	return 0;
fail:
	/* Not attached: make sure free does not detach someone else's resolver. */
	r->eventfd = safe_close(r->eventfd);
	resolver_free(r);
	return e;
}

int resolver_set_config(struct resolver *r, const struct resolver_config *config)
{
	int e;

	if (config->batch_max == 0 || config->batch_max > VFIO_IOPF_RESOLVE_MAX)
		return -EINVAL;
	e = track_pins(r, config);
	if (e < 0)
		return e;
	r->set_policy = config->policy;
	r->config.batch_max = config->batch_max;
	r->config.budget_pages = config->budget_pages;
	r->config.no_map_ahead = config->no_map_ahead;
	r->config.idle_reclaim_s = config->idle_reclaim_s;
	r->config.device_rate = config->device_rate;
	fit_policy(r);
	r->map_ahead = uses_map_ahead(r, config);
	/* queued under the old settings: not to be mapped past a budget now */
	if (!r->map_ahead)
		ahead_done(&r->ahead);
	return 0;
}

void resolver_set_rules(struct resolver *r, const struct fault_rules *rules)
{
	r->rules = *rules;
	for (uint32_t i = 0; i < r->ndevices; i++)
		r->devices[i].rule_mask_known = false;
}

struct resolver *resolver_free(struct resolver *r)
{
	if (!r)
		return NULL;
	if (r->eventfd >= 0) {
		/* Only if still ours: whoever took over stays attached. */
		struct vfio_iopf_set_resolver detach = {
			.argsz = sizeof(detach),
			.flags = VFIO_IOPF_RESOLVER_DETACH,
			.eventfd = r->eventfd,
		};
		int e = r->backend.ops->set_resolver(r->backend.data, &detach);

		if (e == -ESTALE)
			log_info("Another resolver took this iopf fd over; leaving it attached.");
		else if (e < 0)
			log_warning_errno(e, "Failed to detach the resolver, ignoring: %m");
		safe_close(r->eventfd);
	}
	if (r->ring_mem)
		munmap(r->ring_mem, r->ring_len);
	free(r->devices);
	free(r->records);
	budget_free(r->budget);
	ahead_done(&r->ahead);
	free(r->batch);
	free(r);
	return NULL;
}

/* Per-device state, grown as device ids appear. */
static struct resolver_device *device_of(struct resolver *r, uint32_t dev_id)
{
	static struct resolver_device scratch;
	struct resolver_device *d;
	uint32_t n;

	if (dev_id < r->ndevices)
		return &r->devices[dev_id];
	if (dev_id >= RESOLVER_DEVICES_MAX) {
		/* Not a device we can track: decide without history. */
		memset(&scratch, 0, sizeof(scratch));
		return &scratch;
	}
	n = MAX(dev_id + 1, MIN(r->ndevices * 2, RESOLVER_DEVICES_MAX));
	d = realloc(r->devices, n * sizeof(*d));
	if (!d) {
		memset(&scratch, 0, sizeof(scratch));
		return &scratch;
	}
	memset(d + r->ndevices, 0, (n - r->ndevices) * sizeof(*d));
	r->devices = d;
	r->ndevices = n;
	return &d[dev_id];
}

static const char *device_name(struct resolver *r, struct resolver_device *dev, uint32_t dev_id)
{
	struct vfio_iopf_device_info info = { .argsz = sizeof(info), .index = dev_id };

	if (dev->name_known)
		return dev->name;
	if (!r->backend.ops->device_info || r->backend.ops->device_info(r->backend.data, &info) < 0)
		info.out_name[0] = '\0';
	memcpy(dev->name, info.out_name, sizeof(dev->name));
	dev->name[sizeof(dev->name) - 1] = '\0';
	dev->name_known = true;
	return dev->name;
}

const char *resolver_device_name(struct resolver *r, uint32_t dev_id)
{
	return dev_id < r->ndevices ? device_name(r, &r->devices[dev_id], dev_id) : "";
}

/* Which rules apply to the device: by its name. */
static uint64_t device_rule_mask(struct resolver *r, struct resolver_device *dev, uint32_t dev_id)
{
	if (!dev->rule_mask_known) {
		dev->rule_mask = fault_rules_device_mask(&r->rules, device_name(r, dev, dev_id));
		dev->rule_mask_known = true;
	}
	return dev->rule_mask;
}

/* The part of @whole (a range a rule maps at once) inside the fault's DMA range. */
static struct iopf_window clip_window(struct iopf_window whole, const struct iopf_fault_view *f)
{
	uint64_t whole_end = whole.size > UINT64_MAX - whole.iova ? UINT64_MAX : whole.iova + whole.size;
	uint64_t start = MAX(whole.iova, f->dma_iova);
	uint64_t end = MIN(whole_end, f->dma_iova + f->dma_size);

	return (struct iopf_window) { start, end - start };
}

/*
 * Releases @n ranges (@why says why, for the log); returns the bytes the
 * kernel released.  A range that fails to go stays pinned, and counts so:
 * first in line for the next release.
 */
static uint64_t release_ranges(struct resolver *r, const struct iopf_window *rel, size_t n,
			       const char *why)
{
	uint64_t released = 0;

	for (size_t i = 0; i < n; i++) {
		struct vfio_iopf_release arg = {
			.argsz = sizeof(arg),
			.iova = rel[i].iova,
			.size = rel[i].size,
		};
		int e = r->backend.ops->release(r->backend.data, &arg);

		if (e < 0) {
			r->stats.release_errors++;
			log_ratelimit_warning_errno(e, "Failed to release 0x%" PRIx64 "+0x%" PRIx64 " %s: %m",
						    rel[i].iova, rel[i].size, why);
			e = budget_release_failed(r->budget, &rel[i]);
			if (e < 0)
				log_ratelimit_warning_errno(e, "Failed to count 0x%" PRIx64 "+0x%" PRIx64
							    " as pinned again: %m", rel[i].iova, rel[i].size);
		} else {
			released += arg.out_released;
		}
	}
	return released;
}

/*
 * Counts @w as pinned and, under a budget, makes room for it (it may
 * shrink): releases what the budget says to, before the batch maps anything.
 */
static void keep_to_budget(struct resolver *r, uint64_t iova, struct iopf_window *w)
{
	const struct iopf_window *rel;
	size_t n;
	int e;

	e = budget_admit(r->budget, iova, w, &rel, &n);
	if (e < 0) {
		/*
		 * No memory to track it, or a window too large to (over 64
		 * GiB, a rule's range or a forged record's): with no limit to
		 * keep it goes untracked, under one the faulting page alone
		 * stays within reason.
		 */
		if (!r->config.budget_pages)
			return;
		w->iova = iova & ~(IOPF_PAGE_SIZE - 1);
		w->size = IOPF_PAGE_SIZE;
		return;
	}
	r->stats.released += release_ranges(r, rel, n, "to keep to the budget");
}

void resolver_reclaim_idle(struct resolver *r, uint64_t now_ns)
{
	uint64_t idle_ns = r->config.idle_reclaim_s * UINT64_C(1000000000);
	const struct iopf_window *rel;
	size_t n;

	if (!idle_ns || now_ns < idle_ns)
		return;
	/* between drains: the last batch's faults are answered, its chunks may go too */
	budget_batch_begin(r->budget, now_ns);
	budget_release_idle(r->budget, now_ns - idle_ns, &rel, &n);
	/* the queue may hold what was just released */
	if (n)
		ahead_done(&r->ahead);
	r->stats.reclaimed += release_ranges(r, rel, n, "for being idle");
}

/*
 * Answers early: the fault waits for its page and the policy's ahead_pages
 * - 1 after it; the rest of @w is queued, mapped while no fault waits.
 */
static void split_window(struct resolver *r, uint64_t iova, struct iopf_window *w)
{
	/* Sizes from the page, not end addresses: a window may end at 2^64, which is 0. */
	uint64_t page = iova & ~(IOPF_PAGE_SIZE - 1), before = page - w->iova;
	uint64_t after = w->size - before;
	uint64_t now = MIN(after, (uint64_t)iopf_policy_ahead_pages(&r->config.policy) << IOPF_PAGE_SHIFT);

	/* if either part cannot be queued, the fault waits for all of it */
	if (ahead_push(&r->ahead, page + now, after - now) < 0 ||
	    ahead_push(&r->ahead, w->iova, before) < 0)
		return;
	w->iova = page;
	w->size = now;
}

/*
 * A fault on a page still queued to be mapped ahead, behind other ranges:
 * the device caught up with map-ahead that would reach it only after them,
 * and would fault again every chunk.  Its window takes the rest of that
 * range, within the fault's DMA range, and is mapped whole before the
 * answer, up to a queued run's window (iopf_policy_claim_pages()).
 * Sequential, 4 devices x depth 16, in the model (make bench), when this
 * came: 4,499 faults a GiB in 143 ms, not 7,226 in 183 ms.
 */
static bool claim_queued(struct resolver *r, uint64_t page, const struct iopf_fault_view *view,
			 struct iopf_window *w)
{
	struct iopf_window c;

	if (!ahead_claim(&r->ahead, page, iopf_policy_claim_pages(&r->config.policy) << IOPF_PAGE_SHIFT,
			 &c))
		return false;
	c = clip_window(c, view);
	/* the claim starts at the faulting page, inside @w: sizes from w->iova */
	w->size = MAX(w->size, c.iova - w->iova + c.size);
	return true;
}

/*
 * Whether @f's DMA range is one the kernel could have written: page
 * aligned, ending by 2^64, and holding the fault.  The policy keeps a window
 * inside the range it is given, so a range the VMM wrote unaligned would
 * give unaligned windows, and one that runs past 2^64 windows that wrap:
 * the kernel refuses both.
 */
static bool fault_adds_up(const struct vfio_iopf_fault *f)
{
	return ((f->dma_iova | f->dma_size) & (IOPF_PAGE_SIZE - 1)) == 0 &&
	       f->iova >= f->dma_iova && f->iova - f->dma_iova < f->dma_size &&
	       f->dma_size - 1 <= UINT64_MAX - f->dma_iova;
}

static void decide(struct resolver *r, const struct vfio_iopf_fault *f,
		   struct vfio_iopf_resolve_entry *e)
{
	struct resolver_device *dev = device_of(r, f->dev_id);
	struct iopf_fault_view view = {
		.iova = f->iova,
		.dma_iova = f->dma_iova,
		.dma_size = f->dma_size,
		.device_faults = dev->batch_faults,
		.batch_faults = r->nrecords,
		.timestamp_ns = f->timestamp_ns,
	};
	const struct iopf_policy *policy = &r->config.policy;
	struct iopf_window w, whole = { 0 };
	uint64_t page = f->iova & ~(IOPF_PAGE_SIZE - 1);
	bool cautious = r->cautious_left > 0;

	/* The kernel checks windows anyway; a record that does not add up gets one page. */
	if (!fault_adds_up(f)) {
		view.dma_iova = page;
		view.dma_size = IOPF_PAGE_SIZE;
	}
	if (r->rules.n)
		fault_rules_apply(&r->rules, device_rule_mask(r, dev, f->dev_id), f->iova, &policy,
				  &whole);
	if (cautious) {
		r->cautious_left--;
		r->stats.cautious++;
		w = (struct iopf_window) { page, IOPF_PAGE_SIZE };
	} else if (whole.size) {
		w = clip_window(whole, &view);
	} else {
		w = iopf_policy_window(policy, &dev->policy, &view);
		/* once: only auto sets it, and a rule's policy may decide the next faults */
		if (dev->policy.pace.pages)
			measure_pace(r, &dev->policy.pace);
		dev->policy.pace = (struct iopf_pace_sample) { 0 };
	}
	keep_to_budget(r, f->iova, &w);
	/* never with a limit: what is mapped ahead would not be within it */
	if (r->map_ahead && view.dma_size > IOPF_PAGE_SIZE && !cautious) {
		if (!claim_queued(r, page, &view, &w) &&
		    ahead_answer_early(view.device_faults, view.batch_faults, w.iova, page))
			split_window(r, f->iova, &w);
	}
	*e = (struct vfio_iopf_resolve_entry) {
		.cookie = f->cookie,
		.map_iova = w.iova,
		.map_size = w.size,
		.response = VFIO_IOPF_RESPONSE_SUCCESS,
	};
	r->stats.pages_requested += w.size >> IOPF_PAGE_SHIFT;
}

/*
 * Copies the next @n records off the ring, once (the mapping may change
 * under us), and decides them; the policy learns how many faults each
 * device has in the batch.  A record with cookie 0 is none the kernel
 * wrote (0 makes a map-only entry): it is counted, not answered.  Returns
 * the number of entries.
 */
static uint32_t decide_batch(struct resolver *r, uint32_t n)
{
	uint32_t nrecords = 0, nentries = 0;

	budget_batch_begin(r->budget, now_ns());
	for (uint32_t i = 0; i < n; i++) {
		struct vfio_iopf_fault *f = &r->records[nrecords];

		memcpy(f, iopf_ring_record(&r->ring, r->head + i), sizeof(*f));
		if (f->cookie == 0) {
			r->stats.bad_records++;
			continue;
		}
		device_of(r, f->dev_id)->batch_faults++;
		device_of(r, f->dev_id)->faults++;
		nrecords++;
	}
	r->nrecords = nrecords;
	for (uint32_t i = 0; i < nrecords; i++)
		decide(r, &r->records[i], &r->batch->entries[nentries++]);
	for (uint32_t i = 0; i < nrecords; i++)
		device_of(r, r->records[i].dev_id)->batch_faults = 0;
	return nentries;
}

static void check_overflow(struct resolver *r)
{
	uint32_t overflow = iopf_ring_overflow(&r->ring);

	if (overflow != r->stats.overflow) {
		log_ratelimit_struct_errno(LOG_WARNING, 0, IOPF_MESSAGE_RING_OVERFLOW,
					   LOG_FIELDS(LOG_FIELD_U64("FAULTS", overflow - r->stats.overflow)),
					   "Fault ring overflowed: the kernel answered %u faults itself",
					   overflow - r->stats.overflow);
		r->stats.overflow = overflow;
	}
}

bool resolver_displaced(struct resolver *r)
{
	struct vfio_iopf_info info = { .argsz = sizeof(info) };

	return r->backend.ops->info(r->backend.data, &info) >= 0 && info.out_resolver_id != r->id;
}

int resolver_kick(struct resolver *r)
{
	if (eventfd_write(r->eventfd, RESOLVER_KICK) < 0)
		return log_error_errno(negative_errno(), "Failed to signal our own eventfd: %m");
	return 0;
}

/* Records that are left after a full drain wait for the loop's next round. */
static int yield_to_others(struct resolver *r)
{
	uint32_t n;

	if (iopf_ring_ready(&r->ring, r->head, &n) < 0 || n == 0)
		return 0;
	return resolver_kick(r);
}

/*
 * The kernel refused an entry (a window or response iopfd should not have
 * asked for) and answered its fault itself.  A map-only entry answers none.
 */
static void log_refused(const struct resolver *r, const struct vfio_iopf_resolve_entry *e)
{
	for (uint32_t i = 0; e->cookie && i < r->nrecords; i++) {
		const struct vfio_iopf_fault *f = &r->records[i];

		if (f->cookie == e->cookie) {
			log_ratelimit_struct_errno(LOG_WARNING, e->out_result, IOPF_MESSAGE_FAULT_UNRESOLVED,
						   LOG_FIELDS(LOG_FIELD_U64("DEVICE", f->dev_id),
							      LOG_FIELD_HEX("IOVA", f->iova)),
						   "Could not resolve the fault of device %u at 0x%" PRIx64 "; the kernel answered it itself: %m",
						   f->dev_id, (uint64_t)f->iova);
			return;
		}
	}
}

static void count_results(struct resolver *r, const struct vfio_iopf_resolve_entry *e, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		if (e[i].out_result == -ENOENT)
			r->stats.stale++;
		else if (e[i].out_result < 0) {
			r->stats.errors++;
			log_refused(r, &e[i]);
			if (e[i].out_result == -ENOMEM || e[i].out_result == -EINVAL)
				r->cautious_left = RESOLVER_CAUTIOUS_FAULTS;
		}
	}
}

/* An error the same call may not give again: worth a retry. */
static bool resolve_error_is_transient(int e)
{
	return e == -EINTR || e == -EAGAIN || e == -ENOMEM;
}

/*
 * Submits the first @n entries of the batch.  Entries the backend did not get
 * to (out_done short of count, or a transient error) are submitted again, up
 * to RESOLVER_RESOLVE_TRIES calls; after that they are left to the kernel's
 * timeout, which answers them with its fallback.  Only an error that says the
 * fd itself is unusable is returned.
 */
static uint32_t entry_pages(const struct vfio_iopf_resolve_entry *e, uint32_t n)
{
	uint64_t pages = 0;

	for (uint32_t i = 0; i < n; i++)
		pages += e[i].map_size >> IOPF_PAGE_SHIFT;
	return (uint32_t)MIN(pages, (uint64_t)UINT32_MAX);
}

/* Entries of @e that answer a fault: map-only ones have no cookie. */
static uint32_t count_faults(const struct vfio_iopf_resolve_entry *e, uint32_t n)
{
	uint32_t faults = 0;

	for (uint32_t i = 0; i < n; i++)
		faults += e[i].cookie != 0;
	return faults;
}

static int submit(struct resolver *r, uint32_t n)
{
	struct vfio_iopf_resolve *b = r->batch;
	uint64_t ran;

	for (unsigned tries = 1; ; tries++) {
		int e;

		b->argsz = (uint32_t)(sizeof(*b) + n * sizeof(b->entries[0]));
		b->flags = 0;
		b->count = n;
		b->out_done = 0;
		r->call_start_ns = now_ns();
		ran = thread_cpu_ns();
		e = r->backend.ops->resolve(r->backend.data, b);
		r->call_ns = thread_cpu_ns() - ran;
		/*
		 * A page's cost comes from calls that answer faults only: a
		 * map-ahead call (one map-only entry) skips a fault's own work
		 * and asks for fewer pages, so beside them the slope took that
		 * work for pinning (4.5 us a page in the test guest, against
		 * 0.6 measured), and a lone fault's stall, with its pages'
		 * pinning taken out, came to 7-16 us where it was 80-110.
		 */
		if (b->entries[0].cookie)
			stall_meter_call(&r->stall, entry_pages(b->entries, n), r->call_ns);
		if (e < 0 && !resolve_error_is_transient(e))
			return log_struct_errno(LOG_ERR, e, IOPF_MESSAGE_FAULT_UNRESOLVED,
						LOG_FIELDS(LOG_FIELD_U64("FAULTS", n)),
						"Failed to resolve a batch of %u faults: %m", n);
		b->out_done = e < 0 ? 0 : MIN(b->out_done, n);
		r->stats.batches++;
		count_results(r, b->entries, b->out_done);
		if (b->out_done == n)
			return 0;
		n -= b->out_done;
		if (tries == RESOLVER_RESOLVE_TRIES) {
			uint32_t faults = count_faults(b->entries, n);

			/* a map-only entry answers none: a later fault maps its pages */
			r->stats.abandoned += faults;
			if (faults)
				log_ratelimit_struct_errno(LOG_WARNING, e < 0 ? e : -EAGAIN,
							   IOPF_MESSAGE_FAULT_UNRESOLVED,
							   LOG_FIELDS(LOG_FIELD_U64("FAULTS", faults)),
							   "Resolving stopped short %u times; leaving %u faults to the kernel's timeout: %m",
							   tries, faults);
			return 0;
		}
		r->stats.retries++;
		memmove(b->entries, b->entries + b->out_done, n * sizeof(b->entries[0]));
	}
}

static void measure_stall(struct resolver *r, const struct vfio_iopf_fault *f,
			  const struct vfio_iopf_resolve_entry *e)
{
	struct stall_estimate est;

	stall_meter_fault(&r->stall, f->timestamp_ns, r->call_start_ns, r->call_ns, entry_pages(e, 1));
	/* a first estimate early, for a first fit; then one every STALL_SAMPLES */
	if (!stall_meter_full(&r->stall) &&
	    (r->stats.stall_ns || r->stall.nfaults != STALL_FIRST_SAMPLES))
		return;
	if (stall_meter_estimate(&r->stall, &est) < 0)
		return;
	if (stall_meter_full(&r->stall))
		stall_meter_reset(&r->stall);
	r->stats.stall_ns = MAX((uint64_t)(est.stall_us * 1e3), UINT64_C(1));
	r->stats.page_pin_ns = (uint64_t)(est.page_us * 1e3);
	r->stats.fault_call_ns = (uint64_t)(est.call_us * 1e3);
	estimate_page_move(r);
	fit_policy(r);
}

int resolver_drain(struct resolver *r)
{
	uint32_t quota = RESOLVER_RECORDS_PER_DRAIN;
	int handled = 0, e;

	while (quota > 0) {
		uint32_t n, entries;

		e = iopf_ring_ready(&r->ring, r->head, &n);
		if (e < 0)
			return log_struct_errno(LOG_ERR, e, IOPF_MESSAGE_RING_CORRUPT, NULL,
						"The fault ring's producer index is more than %u records past ours: the ring was overwritten: %m",
						r->ring.entries);
		if (n == 0)
			break;
		n = MIN(MIN(n, r->config.batch_max), quota);
		entries = decide_batch(r, n);
		/* Everything we need is in the batch now: give the slots back early. */
		r->head += n;
		iopf_ring_consume(&r->ring, r->head);
		r->stats.faults += n;

		e = entries ? submit(r, entries) : 0;
		if (e < 0)
			return e;
		/* a lone fault: what it waited is its stall */
		if (r->nrecords == 1 && entries == 1 && r->batch->entries[0].out_result == 0)
			measure_stall(r, &r->records[0], &r->batch->entries[0]);
		handled += (int)n;
		quota -= n;
	}
	check_overflow(r);
	if (quota == 0) {
		e = yield_to_others(r);
		if (e < 0)
			return e;
	}
	return handled;
}

/*
 * No fault waits: maps what is left of windows answered early, the
 * policy's chunk a call, one map-only entry each, and looks at the ring
 * between calls, so that faults go first.  After RESOLVER_AHEAD_CALLS_PER_TURN
 * calls it comes back through the loop, for other VMs' faults and the
 * control socket.
 */
static int map_ahead(struct resolver *r)
{
	struct vfio_iopf_resolve_entry *e = &r->batch->entries[0];
	uint64_t chunk = (uint64_t)iopf_policy_ahead_chunk_pages(&r->config.policy) << IOPF_PAGE_SHIFT;
	struct iopf_window w;
	uint32_t n;
	int ret;

	if (!r->map_ahead)
		return 0;
	for (unsigned calls = 0; calls < RESOLVER_AHEAD_CALLS_PER_TURN; calls++) {
		if (iopf_ring_ready(&r->ring, r->head, &n) < 0 || n > 0 || !ahead_take(&r->ahead, chunk, &w))
			return 0;
		*e = (struct vfio_iopf_resolve_entry) {
			.map_iova = w.iova,
			.map_size = w.size,
			.response = VFIO_IOPF_RESPONSE_SUCCESS,
		};
		ret = submit(r, 1);
		if (ret < 0)
			return ret;
		/* given up after transient failures: the chunk is left to faults, the rest to a later turn */
		if (r->batch->out_done == 0)
			break;
		if (e->out_result == 0)
			r->stats.ahead_bytes += w.size;
		/* Out of locked memory: the rest would fail too; faults ask for what they need. */
		if (e->out_result == -ENOMEM)
			ahead_done(&r->ahead);
	}
	return r->ahead.len ? resolver_kick(r) : 0;
}

int resolver_serve(struct resolver *r, uint64_t count)
{
	int e = resolver_drain(r);

	/*
	 * A takeover signals us once and leaves its faults in the ring: the
	 * wake-up may drain them, so the question waits for a wake-up with
	 * nothing to drain, kick or not.
	 */
	r->kernel_signalled |= (count & UINT32_MAX) != 0;
	if (e == 0 && r->kernel_signalled) {
		r->kernel_signalled = false;
		if (resolver_displaced(r)) {
			log_warning("Another resolver took this iopf fd over; no longer serving it.");
			return -ESTALE;
		}
	}
	if (e >= 0)
		e = map_ahead(r);
	return MIN(e, 0);
}
