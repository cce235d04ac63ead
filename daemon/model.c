/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/vfio_iopf.h>

#include "dma-layout.h"
#include "macro.h"
#include "model.h"

#define GIB (UINT64_C(1) << 30)

enum event_kind {
	EVENT_LANE,   /* a lane makes its next access */
	EVENT_TAKE,   /* the resolver, awake, takes a batch */
	EVENT_ANSWER, /* the resolver has mapped a fault's window and answers it */
};

struct event {
	double at;
	uint64_t seq;  /* ties go in the order events were made: deterministic */
	enum event_kind kind;
	uint32_t lane;
};

struct lane {
	struct workload_stream wl;
	uint32_t dev;
	double resumed_at;    /* when it last started running */
	uint64_t since;       /* accesses since then */
	uint64_t done;        /* accesses in all */
	uint64_t page;        /* the access under way */
	bool write;
	bool pending;         /* page is still to be accessed (it faulted, or is next) */
	double finished_at;
	/* the window of its fault, while the resolver maps it */
	uint64_t window_first;
	uint64_t window_pages;
};

struct model {
	const struct model_config *config;
	struct dma_layout layout;
	struct zipf_table *zipf;
	uint64_t *mapped;
	uint64_t *touched;
	struct lane *lanes;
	uint32_t nlanes;
	struct iopf_device_state *devices;
	double access_us;

	struct event *heap;
	uint32_t nevents;
	uint64_t seq;

	uint32_t *queue;      /* lanes with a fault not taken yet, FIFO */
	uint32_t queue_head, queue_len;
	uint32_t *batch;      /* the faults the resolver is working through */
	uint32_t batch_len, batch_pos;
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
	iopf_policy_default(IOPF_POLICY_ADAPTIVE, &ret->policy);
	cost_model_default(&ret->cost);
}

static bool before(const struct event *a, const struct event *b)
{
	return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static void push(struct model *m, double at, enum event_kind kind, uint32_t lane)
{
	uint32_t i = m->nevents++;

	m->heap[i] = (struct event) { .at = at, .seq = m->seq++, .kind = kind, .lane = lane };
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

static bool bit_test(const uint64_t *map, uint64_t bit)
{
	return map[bit / 64] & (UINT64_C(1) << (bit % 64));
}

/* Counts the clear bits in [first, first + n), and with @set sets them. */
static uint64_t bits_fill(uint64_t *map, uint64_t first, uint64_t n, bool set)
{
	uint64_t added = 0, end = first + n;

	while (first < end) {
		uint64_t word = first / 64, lo = first % 64, hi = MIN(end - word * 64, UINT64_C(64));
		uint64_t mask = (hi == 64 ? ~UINT64_C(0) : (UINT64_C(1) << hi) - 1) & ~((UINT64_C(1) << lo) - 1);

		added += (uint64_t)__builtin_popcountll(mask & ~map[word]);
		if (set)
			map[word] |= mask;
		first = word * 64 + hi;
	}
	return added;
}

static void pinned_add(struct model *m, double at, uint64_t pages)
{
	m->pinned_area += (double)m->pinned * (at - m->pinned_since);
	m->pinned_since = at;
	m->pinned += pages;
	m->result.peak_pinned_pages = MAX(m->result.peak_pinned_pages, m->pinned);
}

static double lane_time(const struct model *m, const struct lane *l)
{
	/* Not a running sum: a lane that never stalls ends at exactly done * access_us. */
	return l->resumed_at + (double)l->since * m->access_us;
}

static void fault(struct model *m, struct lane *l, double at)
{
	uint32_t id = (uint32_t)(l - m->lanes);

	m->result.faults++;
	m->result.write_faults += l->write;
	m->queue[(m->queue_head + m->queue_len++) % m->nlanes] = id;
	if (!m->resolver_busy) {
		m->resolver_busy = true;
		push(m, at + m->config->cost.wakeup_us, EVENT_TAKE, 0);
	}
}

/*
 * Runs a lane, due now, until it faults, finishes, or another event is due
 * before its next access.
 */
static void lane_run(struct model *m, struct lane *l)
{
	for (bool due = true;; due = false) {
		double at = lane_time(m, l);

		if (!l->pending) {
			if (!workload_next(&l->wl, &l->page, &l->write)) {
				l->finished_at = at;
				return;
			}
			l->pending = true;
		}
		/* Anything due by then (answers mapping pages, other lanes) goes first. */
		if (!due && m->nevents > 0 && m->heap[0].at <= at) {
			push(m, at, EVENT_LANE, (uint32_t)(l - m->lanes));
			return;
		}
		if (!bit_test(m->mapped, l->page)) {
			fault(m, l, at);
			return;
		}
		bits_fill(m->touched, l->page, 1, true);
		l->pending = false;
		l->since++;
		l->done++;
	}
}

/* The resolver starts on the next fault of its batch: asks the policy, prices the window. */
static void resolve_next(struct model *m, double at)
{
	struct lane *l = &m->lanes[m->batch[m->batch_pos++]];
	const struct dma_range *rg = dma_layout_range_of_page(&m->layout, l->page);
	struct iopf_fault_view view = {
		.iova = dma_layout_page_iova(&m->layout, l->page),
		.dma_iova = rg->iova,
		.dma_size = rg->npages << IOPF_PAGE_SHIFT,
	};
	struct iopf_window w = iopf_policy_window(&m->config->policy, &m->devices[l->dev], &view);

	/* The policy's contract: page aligned, in the range, holding the fault. */
	assert(w.iova >= rg->iova && w.iova + w.size <= view.dma_iova + view.dma_size);
	assert(w.iova <= view.iova && view.iova < w.iova + w.size);
	l->window_first = rg->first_page + ((w.iova - rg->iova) >> IOPF_PAGE_SHIFT);
	l->window_pages = w.size >> IOPF_PAGE_SHIFT;
	push(m, at + cost_fault_us(&m->config->cost,
				   bits_fill(m->mapped, l->window_first, l->window_pages, false)),
	     EVENT_ANSWER, (uint32_t)(l - m->lanes));
}

static void take(struct model *m, double at)
{
	m->batch_len = MIN(m->queue_len, m->config->batch_max);
	m->batch_pos = 0;
	for (uint32_t i = 0; i < m->batch_len; i++)
		m->batch[i] = m->queue[(m->queue_head + i) % m->nlanes];
	m->queue_head = (m->queue_head + m->batch_len) % m->nlanes;
	m->queue_len -= m->batch_len;
	m->result.batches++;
	resolve_next(m, at);
}

static void answer(struct model *m, struct lane *l, double at)
{
	uint64_t added = bits_fill(m->mapped, l->window_first, l->window_pages, true);

	pinned_add(m, at, added);
	m->result.mapped_pages += added;
	m->result.answered++;
	l->resumed_at = at;
	l->since = 0;
	push(m, at, EVENT_LANE, (uint32_t)(l - m->lanes));

	if (m->batch_pos < m->batch_len)
		resolve_next(m, at);
	else if (m->queue_len > 0)
		push(m, at + m->config->cost.wakeup_us, EVENT_TAKE, 0);
	else
		m->resolver_busy = false;
}

static int validate(const struct model_config *c)
{
	uint64_t streams = (uint64_t)c->ndevices * c->depth;
	const struct cost_model *k = &c->cost;

	if (c->memory_bytes == 0 || c->memory_bytes % IOPF_PAGE_SIZE)
		return -EINVAL;
	if (streams == 0 || streams > MODEL_STREAMS_MAX || c->batch_max == 0)
		return -EINVAL;
	if (!(k->device_bytes_per_us > 0) || !(k->fault_us >= 0) || !(k->page_us >= 0) ||
	    !(k->wakeup_us >= 0))
		return -EINVAL;
	return 0;
}

static struct model *model_free(struct model *m)
{
	if (m) {
		zipf_table_free(m->zipf);
		free(m->mapped);
		free(m->touched);
		free(m->lanes);
		free(m->devices);
		free(m->heap);
		free(m->queue);
		free(m->batch);
		free(m);
	}
	return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(struct model *, model_free);

static int model_new(const struct model_config *c, struct model **ret)
{
	_cleanup_(model_freep) struct model *m = NULL;
	struct workload_config w = c->workload;
	uint64_t npages = c->memory_bytes >> IOPF_PAGE_SHIFT, words = (npages + 63) / 64;
	int r;

	r = validate(c);
	if (r < 0)
		return r;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->config = c;
	m->nlanes = c->ndevices * c->depth;
	r = dma_layout_init(npages, c->nranges, &m->layout);
	if (r < 0)
		return r;
	w.npages = npages;
	w.nstreams = m->nlanes;
	w.ndevices = c->ndevices;
	r = workload_zipf_new(&w, &m->zipf);
	if (r < 0)
		return r;

	m->mapped = calloc(words, sizeof(uint64_t));
	m->touched = calloc(words, sizeof(uint64_t));
	m->lanes = calloc(m->nlanes, sizeof(*m->lanes));
	m->devices = calloc(c->ndevices, sizeof(*m->devices));
	m->heap = calloc(m->nlanes + 2, sizeof(*m->heap));
	m->queue = calloc(m->nlanes, sizeof(*m->queue));
	m->batch = calloc(MIN(c->batch_max, m->nlanes), sizeof(*m->batch));
	if (!m->mapped || !m->touched || !m->lanes || !m->devices || !m->heap || !m->queue || !m->batch)
		return -ENOMEM;
	for (uint32_t i = 0; i < m->nlanes; i++) {
		r = workload_stream_init(&w, i, m->zipf, &m->lanes[i].wl);
		if (r < 0)
			return r;
		m->lanes[i].dev = i / c->depth;
	}
	/* A lane moves 4 KiB at its share of the device's rate. */
	m->access_us = cost_transfer_us(&c->cost, (double)IOPF_PAGE_SIZE) * c->depth;
	if (c->static_pinning) {
		bits_fill(m->mapped, 0, npages, true);
		pinned_add(m, 0, npages);
		m->result.mapped_pages = npages;
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
	for (uint32_t i = 0; i < m->nlanes; i++)
		push(m, 0, EVENT_LANE, i);

	while (m->nevents > 0) {
		struct event e = pop(m);

		switch (e.kind) {
		case EVENT_LANE:
			lane_run(m, &m->lanes[e.lane]);
			break;
		case EVENT_TAKE:
			take(m, e.at);
			break;
		case EVENT_ANSWER:
			answer(m, &m->lanes[e.lane], e.at);
			break;
		}
	}

	res = &m->result;
	for (uint32_t i = 0; i < m->nlanes; i++) {
		const struct lane *l = &m->lanes[i];

		res->accesses += l->done;
		res->device_us = MAX(res->device_us, l->finished_at);
		res->static_us = MAX(res->static_us, (double)l->done * m->access_us);
	}
	pinned_add(m, res->device_us, 0);
	/* bits_fill() counts the clear bits: the pages never touched. */
	res->touched_pages = m->layout.npages - bits_fill(m->touched, 0, m->layout.npages, false);
	res->mean_pinned_pages = res->device_us > 0 ? m->pinned_area / res->device_us : (double)m->pinned;
	res->slowdown = res->static_us > 0 ? res->device_us / res->static_us - 1 : 0;
	touched_gib = (double)(res->touched_pages << IOPF_PAGE_SHIFT) / (double)GIB;
	res->faults_per_gib = touched_gib > 0 ? (double)res->faults / touched_gib : 0;
	*ret = *res;
	return 0;
}
