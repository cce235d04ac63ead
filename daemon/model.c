/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <linux/vfio_iopf.h>

#include "ahead.h"
#include "bitmap.h"
#include "budget.h"
#include "dma-layout.h"
#include "macro.h"
#include "model.h"

#define GIB (UINT64_C(1) << 30)

enum event_kind {
	EVENT_DEVICE, /* a device may issue its next access */
	EVENT_TAKE,   /* the resolver, awake, takes a batch */
	EVENT_ANSWER, /* a fault is answered: its access may move data */
	EVENT_IDLE,   /* the resolver is done with its batch */
};

struct event {
	double at;
	uint64_t seq;  /* ties go in the order events were made: deterministic */
	enum event_kind kind;
	uint32_t dev;
	uint32_t slot;
};

/* An access the device has issued and not completed. */
struct slot {
	uint64_t page;
	double ready_at;      /* when its translation was there */
	bool ready;
};

/*
 * One device: a queue of up to depth accesses in flight, issued in order,
 * and a DMA engine that moves them in order (see model.h).
 */
struct device {
	struct workload_stream wl;
	struct slot *slots;        /* access k in slots[k % depth] */
	double *completion;        /* when access k finished, in completion[k % depth] */
	uint64_t issued, completed;
	double last_issue, last_completion;
	uint64_t next_page;        /* the access to issue next, if has_next */
	bool next_write;
	bool has_next;
	bool exhausted;            /* the workload has nothing more */
	double finished_at;
	uint32_t vm;
	uint64_t base;             /* its VM's first page in the model's page numbers */
	bool scheduled;            /* an EVENT_DEVICE for it is in the heap */
};

/* A fault waiting for the resolver: the device and the slot of its access. */
struct fault_ref {
	uint32_t dev;
	uint32_t slot;
};

struct model {
	const struct model_config *config;
	struct dma_layout layout;
	struct zipf_table *zipf;
	double *mapped_at;    /* per page: when its mapping is there; INFINITY if never */
	uint64_t *touched;
	uint64_t *released;   /* pages released at least once */
	struct budget **budgets;   /* per VM, with a budget */
	uint64_t *vm_pinned;       /* per VM */
	uint32_t nvms, ndevs;      /* ndevs: devices of all VMs */
	uint64_t vm_pages;
	struct device *devs;
	struct iopf_policy policy; /* the config's, fitted to its costs */
	struct iopf_device_state *policy_state;
	struct ahead ahead;        /* answer_early: the rest of answered windows, in pages */
	uint32_t *batch_faults;    /* per device: its faults in the batch under way */
	uint32_t *batch_vm_faults; /* per VM: its faults in the batch (iopfd: one resolve call's) */
	double access_us;

	struct event *heap;
	uint32_t nevents, heap_max;
	uint64_t seq;

	struct fault_ref *queue;   /* faults not taken yet, FIFO */
	uint32_t queue_head, queue_len, queue_max;
	bool resolver_busy;

	uint64_t pinned;
	double pinned_area;   /* integral of pinned pages over time */
	double pinned_since;
	struct model_result result;
};

void model_config_default(struct model_config *ret)
{
	*ret = (struct model_config) {
		.memory_bytes = GIB,
		.ndevices = 1,
		.depth = 1,
		.nranges = 1,
		.batch_max = VFIO_IOPF_RESOLVE_MAX,
	};
	workload_config_default(&ret->workload);
	iopf_policy_default(IOPF_POLICY_AUTO, &ret->policy);
	cost_model_default(&ret->cost);
}

static bool before(const struct event *a, const struct event *b)
{
	return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static void push(struct model *m, double at, enum event_kind kind, uint32_t dev, uint32_t slot)
{
	uint32_t i = m->nevents++;

	assert(i < m->heap_max);
	m->heap[i] = (struct event) { .at = at, .seq = m->seq++, .kind = kind, .dev = dev, .slot = slot };
	while (i > 0 && before(&m->heap[i], &m->heap[(i - 1) / 2])) {
		struct event t = m->heap[i];

		m->heap[i] = m->heap[(i - 1) / 2];
		m->heap[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

static struct event pop(struct model *m)
{
	struct event top = m->heap[0];
	uint32_t i = 0;

	m->heap[0] = m->heap[--m->nevents];
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, min = i;
		struct event t;

		if (l < m->nevents && before(&m->heap[l], &m->heap[min]))
			min = l;
		if (r < m->nevents && before(&m->heap[r], &m->heap[min]))
			min = r;
		if (min == i)
			return top;
		t = m->heap[i];
		m->heap[i] = m->heap[min];
		m->heap[min] = t;
		i = min;
	}
}

/* @pages more (or fewer) pinned for VM @vm, from @at on. */
static void pinned_add(struct model *m, uint32_t vm, double at, int64_t pages)
{
	m->pinned_area += (double)m->pinned * (at - m->pinned_since);
	m->pinned_since = at;
	m->pinned += (uint64_t)pages;
	m->vm_pinned[vm] += (uint64_t)pages;
	m->result.peak_pinned_pages = MAX(m->result.peak_pinned_pages, m->pinned);
	m->result.peak_vm_pinned_pages = MAX(m->result.peak_vm_pinned_pages, m->vm_pinned[vm]);
}

static void fault(struct model *m, uint32_t dev, uint32_t slot, bool write, double at)
{
	m->result.faults++;
	m->result.write_faults += write;
	m->result.refaults += bit_test(m->released, m->devs[dev].slots[slot].page);
	assert(m->queue_len < m->queue_max);
	m->queue[(m->queue_head + m->queue_len++) % m->queue_max] = (struct fault_ref) { dev, slot };
	if (!m->resolver_busy) {
		m->resolver_busy = true;
		push(m, at + m->config->cost.wakeup_us, EVENT_TAKE, 0, 0);
	}
}

/* The engine moves ready accesses in order, one access_us each. */
static void device_complete(struct model *m, struct device *d)
{
	uint32_t depth = m->config->depth;

	while (d->completed < d->issued) {
		const struct slot *s = &d->slots[d->completed % depth];

		if (!s->ready)
			return;
		d->last_completion = MAX(s->ready_at, d->last_completion) + m->access_us;
		d->completion[d->completed % depth] = d->last_completion;
		d->completed++;
	}
}

/*
 * Issues what device @dev can issue by @now: work arrives at the device's
 * rate, and access k waits for access k - depth to finish.  Schedules itself
 * for the next issue, or waits for an answer when its queue is full.
 */
static void device_run(struct model *m, uint32_t dev, double now)
{
	struct device *d = &m->devs[dev];
	uint32_t depth = m->config->depth;

	for (;;) {
		struct slot *s;
		double at;

		device_complete(m, d);
		if (!d->has_next && !d->exhausted) {
			d->has_next = workload_next(&d->wl, &d->next_page, &d->next_write);
			d->exhausted = !d->has_next;
		}
		if (d->exhausted) {
			if (d->completed == d->issued)
				d->finished_at = d->last_completion;
			return;
		}
		if (d->issued - d->completed >= depth)
			return;
		at = MAX(d->last_issue, (double)d->issued * m->access_us);
		if (d->issued >= depth)
			at = MAX(at, d->completion[(d->issued - depth) % depth]);
		if (at > now) {
			/* one is enough: it was computed from what is known now, too */
			if (!d->scheduled)
				push(m, at, EVENT_DEVICE, dev, 0);
			d->scheduled = true;
			return;
		}
		s = &d->slots[d->issued % depth];
		*s = (struct slot) { .page = d->base + d->next_page };
		d->has_next = false;
		d->last_issue = now;
		bit_set(m->touched, s->page);
		if (m->mapped_at[s->page] <= now) {
			s->ready = true;
			s->ready_at = now;
		} else {
			fault(m, dev, (uint32_t)(d->issued % depth), d->next_write, now);
		}
		d->issued++;
	}
}

/* Maps the not yet mapped pages of [first, first + n) from @at on; returns when it is done. */
static double map_pages(struct model *m, uint64_t first, uint64_t n, double at, double start)
{
	uint64_t added = 0;

	for (uint64_t p = first; p < first + n; p++)
		if (m->mapped_at[p] == INFINITY) {
			added++;
			m->mapped_at[p] = at + (double)added * m->config->cost.page_us;
		}
	pinned_add(m, (uint32_t)(first / m->vm_pages), start, (int64_t)added);
	m->result.mapped_pages += added;
	return at + (double)added * m->config->cost.page_us;
}

/* Unmaps and unpins the mapped pages of [first, first + n) from @at on; returns when done. */
static double release_pages(struct model *m, uint64_t first, uint64_t n, double at, double start)
{
	uint64_t removed = 0;

	for (uint64_t p = first; p < first + n; p++)
		if (m->mapped_at[p] != INFINITY) {
			m->mapped_at[p] = INFINITY;
			bit_set(m->released, p);
			removed++;
		}
	pinned_add(m, (uint32_t)(first / m->vm_pages), start, -(int64_t)removed);
	m->result.released_pages += removed;
	/* Unpinning and unmapping cost about what pinning and mapping did (kernel IOPF-BENCH). */
	return at + (double)removed * m->config->cost.page_us;
}

/* Releases the ranges the budget named, from *@t on; *@t is when done. */
static void release_ranges(struct model *m, const struct iopf_window *rel, size_t n, double *t,
			   double start)
{
	/* one release call each */
	for (size_t i = 0; i < n; i++)
		*t = release_pages(m, rel[i].iova >> IOPF_PAGE_SHIFT, rel[i].size >> IOPF_PAGE_SHIFT,
				   *t + m->config->cost.call_us, start);
}

/* With a budget: makes room for the window of the fault at @page, which may shrink. */
static int fit_budget(struct model *m, uint32_t vm, uint64_t page, uint64_t *first,
		      uint64_t *pages, double *t, double start)
{
	struct iopf_window w = { .iova = *first << IOPF_PAGE_SHIFT, .size = *pages << IOPF_PAGE_SHIFT };
	const struct iopf_window *rel;
	size_t n;
	int r;

	if (!m->budgets)
		return 0;
	r = budget_admit(m->budgets[vm], page << IOPF_PAGE_SHIFT, &w, &rel, &n);
	if (r < 0)
		return r;
	release_ranges(m, rel, n, t, start);
	*first = w.iova >> IOPF_PAGE_SHIFT;
	*pages = w.size >> IOPF_PAGE_SHIFT;
	return 0;
}

/*
 * Idle reclaim, as iopfd does it between batches (charged to this batch: it
 * keeps the resolver from the next one as long).
 */
static void reclaim_idle(struct model *m, uint32_t vm, double *t, double start)
{
	const struct iopf_window *rel;
	size_t n;

	if (!m->config->idle_reclaim_us || start < m->config->idle_reclaim_us)
		return;
	budget_release_idle(m->budgets[vm], (uint64_t)((start - m->config->idle_reclaim_us) * 1e3),
			    &rel, &n);
	release_ranges(m, rel, n, t, start);
}

/* The policy's window for the fault of @f, as pages. */
static void fault_window(struct model *m, const struct fault_ref *f, uint64_t *ret_first,
			 uint64_t *ret_pages)
{
	const struct device *d = &m->devs[f->dev];
	uint64_t page = d->slots[f->slot].page - d->base;
	const struct dma_range *rg = dma_layout_range_of_page(&m->layout, page);
	struct iopf_fault_view view = {
		.iova = dma_layout_page_iova(&m->layout, page),
		.dma_iova = rg->iova,
		.dma_size = rg->npages << IOPF_PAGE_SHIFT,
		.device_faults = m->batch_faults[f->dev],
		.batch_faults = m->batch_vm_faults[d->vm],
	};
	struct iopf_window w = iopf_policy_window(&m->policy, &m->policy_state[f->dev], &view);

	/* The policy's contract: page aligned, in the range, holding the fault. */
	assert(w.iova >= rg->iova && w.iova + w.size <= view.dma_iova + view.dma_size);
	assert(w.iova <= view.iova && view.iova < w.iova + w.size);
	*ret_first = d->base + rg->first_page + ((w.iova - rg->iova) >> IOPF_PAGE_SHIFT);
	*ret_pages = w.size >> IOPF_PAGE_SHIFT;
}

/*
 * The resolver works through a batch: per fault, the policy's window, pinned
 * and mapped before the answer; or, with answer_early, only the faulting
 * page before the answer, the rest of the window queued to be mapped ahead
 * (from the faulting page up, then below it) while no fault waits; a fault
 * that caught up with a queued range behind others takes the rest of it.
 */
static int take(struct model *m, double at)
{
	uint32_t n = MIN(m->queue_len, m->config->batch_max);
	double t = at;
	int r;

	m->result.batches++;
	for (uint32_t i = 0; m->budgets && i < m->nvms; i++) {
		budget_batch_begin(m->budgets[i], (uint64_t)(at * 1e3));   /* us to ns */
		reclaim_idle(m, i, &t, at);
	}
	for (uint32_t i = 0; i < m->ndevs; i++)
		m->batch_faults[i] = 0;
	for (uint32_t i = 0; i < m->nvms; i++)
		m->batch_vm_faults[i] = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t dev = m->queue[(m->queue_head + i) % m->queue_max].dev;

		m->batch_faults[dev]++;
		m->batch_vm_faults[m->devs[dev].vm]++;
	}
	for (uint32_t i = 0; i < n; i++) {
		const struct fault_ref *f = &m->queue[(m->queue_head + i) % m->queue_max];
		uint64_t first, pages, page = m->devs[f->dev].slots[f->slot].page;
		struct iopf_window claimed;
		bool claims = false;

		fault_window(m, f, &first, &pages);
		r = fit_budget(m, m->devs[f->dev].vm, page, &first, &pages, &t, at);
		if (r < 0)
			return r;
		t += m->config->cost.fault_us;
		/* caught up with map-ahead behind other ranges: the rest of its range now, whole */
		if (m->config->answer_early &&
		    ahead_claim(&m->ahead, page, iopf_policy_claim_pages(&m->policy), &claimed)) {
			pages = MAX(first + pages, claimed.iova + claimed.size) - first;
			claims = true;
		}
		if (m->config->answer_early && !claims &&
		    ahead_answer_early(m->batch_faults[f->dev], n, first, page)) {
			uint64_t now = MIN((uint64_t)iopf_policy_ahead_pages(&m->policy), first + pages - page);

			t = map_pages(m, page, now, t, at);
			/* in pages, not bytes: the model's page numbers are its addresses */
			r = ahead_push(&m->ahead, page + now, first + pages - page - now);
			if (r >= 0)
				r = ahead_push(&m->ahead, first, page - first);
			if (r < 0)
				return r;
		} else {
			t = map_pages(m, first, pages, t, at);
		}
		push(m, t, EVENT_ANSWER, f->dev, f->slot);
	}
	m->queue_head = (m->queue_head + n) % m->queue_max;
	m->queue_len -= n;
	push(m, t, EVENT_IDLE, 0, 0);
	return 0;
}

static void answer(struct model *m, const struct event *e)
{
	struct slot *s = &m->devs[e->dev].slots[e->slot];

	m->result.answered++;
	s->ready = true;
	s->ready_at = e->at;
	device_run(m, e->dev, e->at);
}

/*
 * Between batches, the resolver still awake: faults first; else the next
 * chunk of pages to map ahead (iopf_policy_ahead_chunk_pages()), one
 * resolve call, after which waiting faults go first again.
 */
static void idle(struct model *m, double at)
{
	struct iopf_window chunk;

	if (m->queue_len > 0) {
		push(m, at + m->config->cost.call_us, EVENT_TAKE, 0, 0);
		return;
	}
	if (!ahead_take(&m->ahead, iopf_policy_ahead_chunk_pages(&m->policy), &chunk)) {
		m->resolver_busy = false;
		return;
	}
	push(m, map_pages(m, chunk.iova, chunk.size, at + m->config->cost.call_us, at), EVENT_IDLE, 0, 0);
}

static int validate(const struct model_config *c)
{
	uint64_t slots = (uint64_t)MAX(c->nvms, 1u) * c->ndevices * c->depth;
	const struct cost_model *k = &c->cost;

	if (c->memory_bytes == 0 || c->memory_bytes % IOPF_PAGE_SIZE)
		return -EINVAL;
	if (c->ndevices == 0 || c->depth == 0 || slots > MODEL_SLOTS_MAX || c->batch_max == 0)
		return -EINVAL;
	if (!(k->device_bytes_per_us > 0) || !(k->fault_us >= 0) || !(k->page_us >= 0) ||
	    !(k->wakeup_us >= 0) || !(k->call_us >= 0))
		return -EINVAL;
	/* Map-ahead would map what the budget released: not modelled together. */
	if ((c->budget_pages || c->idle_reclaim_us) && (c->answer_early || c->static_pinning))
		return -EINVAL;
	if (!(c->idle_reclaim_us >= 0))
		return -EINVAL;
	return 0;
}

static struct model *model_free(struct model *m)
{
	if (m) {
		zipf_table_free(m->zipf);
		free(m->mapped_at);
		free(m->touched);
		free(m->released);
		for (uint32_t i = 0; m->budgets && i < m->nvms; i++)
			budget_free(m->budgets[i]);
		free(m->budgets);
		free(m->vm_pinned);
		for (uint32_t i = 0; m->devs && i < m->ndevs; i++) {
			free(m->devs[i].slots);
			free(m->devs[i].completion);
		}
		free(m->devs);
		free(m->policy_state);
		ahead_done(&m->ahead);
		free(m->batch_faults);
		free(m->batch_vm_faults);
		free(m->heap);
		free(m->queue);
		free(m);
	}
	return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(struct model *, model_free);

static int model_new(const struct model_config *c, struct model **ret)
{
	_cleanup_(model_freep) struct model *m = NULL;
	struct workload_config w = c->workload;
	uint64_t npages = c->memory_bytes >> IOPF_PAGE_SHIFT, total, words;
	int r;

	r = validate(c);
	if (r < 0)
		return r;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->config = c;
	m->nvms = MAX(c->nvms, 1u);
	m->ndevs = m->nvms * c->ndevices;
	m->vm_pages = npages;
	total = npages * m->nvms;
	words = (total + 63) / 64;
	r = dma_layout_init(npages, c->nranges, &m->layout);
	if (r < 0)
		return r;
	w.npages = npages;
	w.nstreams = c->ndevices;
	w.ndevices = c->ndevices;
	r = workload_zipf_new(&w, &m->zipf);
	if (r < 0)
		return r;

	m->policy = c->policy;
	iopf_policy_fit_costs(&m->policy, cost_fault_page_times(&c->cost), cost_queued_fault_pages(&c->cost));
	m->queue_max = m->ndevs * c->depth;
	m->heap_max = m->queue_max + m->ndevs + 2;
	m->mapped_at = malloc(total * sizeof(*m->mapped_at));
	m->touched = calloc(words, sizeof(uint64_t));
	m->released = calloc(words, sizeof(uint64_t));
	m->devs = calloc(m->ndevs, sizeof(*m->devs));
	m->policy_state = calloc(m->ndevs, sizeof(*m->policy_state));
	m->batch_faults = calloc(m->ndevs, sizeof(*m->batch_faults));
	m->batch_vm_faults = calloc(m->nvms, sizeof(*m->batch_vm_faults));
	m->vm_pinned = calloc(m->nvms, sizeof(*m->vm_pinned));
	m->heap = calloc(m->heap_max, sizeof(*m->heap));
	m->queue = calloc(m->queue_max, sizeof(*m->queue));
	if (!m->mapped_at || !m->touched || !m->released || !m->devs || !m->policy_state || !m->batch_faults || !m->batch_vm_faults || !m->vm_pinned || !m->heap ||
	    !m->queue)
		return -ENOMEM;
	if (c->budget_pages || c->idle_reclaim_us) {
		m->budgets = calloc(m->nvms, sizeof(*m->budgets));
		if (!m->budgets)
			return -ENOMEM;
		for (uint32_t i = 0; i < m->nvms; i++) {
			r = budget_new(c->budget_pages ? c->budget_pages : UINT64_MAX, &m->budgets[i]);
			if (r < 0)
				return r;
		}
	}
	for (uint64_t p = 0; p < total; p++)
		m->mapped_at[p] = c->static_pinning ? 0 : INFINITY;
	for (uint32_t i = 0; i < m->ndevs; i++) {
		struct device *d = &m->devs[i];
		struct workload_config vw = w;

		d->slots = calloc(c->depth, sizeof(*d->slots));
		d->completion = calloc(c->depth, sizeof(*d->completion));
		if (!d->slots || !d->completion)
			return -ENOMEM;
		/* each VM its own accesses, from a seed of its own */
		d->vm = i / c->ndevices;
		d->base = (uint64_t)d->vm * npages;
		vw.seed += d->vm;
		r = workload_stream_init(&vw, i % c->ndevices, m->zipf, &d->wl);
		if (r < 0)
			return r;
	}
	/* An access moves 4 KiB at the device's rate. */
	m->access_us = cost_transfer_us(&c->cost, (double)IOPF_PAGE_SIZE);
	if (c->static_pinning) {
		for (uint32_t i = 0; i < m->nvms; i++)
			pinned_add(m, i, 0, (int64_t)npages);
		m->result.mapped_pages = total;
	}
	*ret = TAKE_PTR(m);
	return 0;
}

int model_run(const struct model_config *c, struct model_result *ret)
{
	_cleanup_(model_freep) struct model *m = NULL;
	struct model_result *res;
	double touched_gib;
	int r;

	r = model_new(c, &m);
	if (r < 0)
		return r;
	for (uint32_t i = 0; i < m->ndevs; i++)
		push(m, 0, EVENT_DEVICE, i, 0);

	while (m->nevents > 0) {
		struct event e = pop(m);

		switch (e.kind) {
		case EVENT_DEVICE:
			m->devs[e.dev].scheduled = false;
			device_run(m, e.dev, e.at);
			break;
		case EVENT_TAKE:
			r = take(m, e.at);
			if (r < 0)
				return r;
			break;
		case EVENT_ANSWER:
			answer(m, &e);
			break;
		case EVENT_IDLE:
			idle(m, e.at);
			break;
		}
	}

	res = &m->result;
	for (uint32_t i = 0; i < m->ndevs; i++) {
		const struct device *d = &m->devs[i];

		res->accesses += d->issued;
		res->device_us = MAX(res->device_us, d->finished_at);
		/* Nothing to fault: one access_us per access, back to back. */
		res->static_us = MAX(res->static_us, (double)d->issued * m->access_us);
	}
	pinned_add(m, 0, res->device_us, 0);
	for (uint64_t p = 0; p < m->vm_pages * m->nvms; p++)
		res->touched_pages += bit_test(m->touched, p);
	res->mean_pinned_pages = res->device_us > 0 ? m->pinned_area / res->device_us : (double)m->pinned;
	res->slowdown = res->static_us > 0 ? res->device_us / res->static_us - 1 : 0;
	touched_gib = (double)(res->touched_pages << IOPF_PAGE_SHIFT) / (double)GIB;
	res->faults_per_gib = touched_gib > 0 ? (double)res->faults / touched_gib : 0;
	*ret = *res;
	return 0;
}
