/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "policy.h"

static const char *const kind_names[_IOPF_POLICY_MAX] = {
	[IOPF_POLICY_EXACT] = "exact",
	[IOPF_POLICY_FIXED] = "fixed",
	[IOPF_POLICY_ADAPTIVE] = "adaptive",
	[IOPF_POLICY_AUTO] = "auto",
};

void iopf_policy_default(enum iopf_policy_kind kind, struct iopf_policy *ret)
{
	*ret = (struct iopf_policy) {
		.kind = kind,
		.fixed_pages = IOPF_FIXED_PAGES_DEFAULT,
		.min_pages = kind == IOPF_POLICY_AUTO ? IOPF_AUTO_MIN_DEFAULT : IOPF_ADAPTIVE_MIN_DEFAULT,
		.max_pages = kind == IOPF_POLICY_AUTO ? IOPF_AUTO_MAX_DEFAULT : IOPF_ADAPTIVE_MAX_DEFAULT,
		.ahead_pages = IOPF_AHEAD_PAGES_DEFAULT,
		.deep_start_pages = 1,
		.contended_start_pages = 1,
		.fit_costs = kind == IOPF_POLICY_AUTO,
	};
}

void iopf_policy_fit_costs(struct iopf_policy *p, double fault_page_times, double queued_fault_pages)
{
	double scale = fault_page_times / IOPF_AUTO_FIT_PAGE_TIMES;
	double want = IOPF_AUTO_MIN_DEFAULT * scale * scale;
	uint32_t unit = IOPF_AUTO_MIN_DEFAULT, factor;

	if (p->kind != IOPF_POLICY_AUTO || !p->fit_costs)
		return;
	/* the power of two nearest to want, on a log scale */
	while (unit < IOPF_AUTO_FIT_MIN_MAX && unit * M_SQRT2 < want)
		unit *= 2;
	factor = unit / IOPF_AUTO_MIN_DEFAULT;
	p->min_pages = unit;
	p->max_pages = IOPF_AUTO_MAX_DEFAULT * factor;
	p->ahead_pages = IOPF_AHEAD_PAGES_DEFAULT * factor;
	if (queued_fault_pages > 0) {
		p->deep_start_pages = queued_fault_pages <= IOPF_AUTO_DEEP_EXACT_PAGES ? 1 : unit;
		p->contended_start_pages = queued_fault_pages <= IOPF_AUTO_CONTENDED_EXACT_PAGES ? 1 : unit;
	} else {
		p->deep_start_pages = factor == 1 ? 1 : unit;
		p->contended_start_pages = p->deep_start_pages;
	}
}

uint32_t iopf_policy_ahead_pages(const struct iopf_policy *p)
{
	return p->ahead_pages ? p->ahead_pages : IOPF_AHEAD_PAGES_DEFAULT;
}

uint32_t iopf_policy_ahead_chunk_pages(const struct iopf_policy *p)
{
	return MAX(iopf_policy_ahead_pages(p) / IOPF_AHEAD_CHUNKS, 1u);
}

/* The longest window of a run on a deep-queued or contended device (short of a long run's share). */
static uint64_t queued_run_pages(const struct iopf_policy *p)
{
	return (uint64_t)p->max_pages * IOPF_AUTO_DEEP_GROWTH;
}

uint64_t iopf_policy_claim_pages(const struct iopf_policy *p)
{
	return queued_run_pages(p);
}

/* Window sizes are counts of pages from 1 to 2^20 (4 GiB). */
static int parse_pages(const char *s, char **ret_end, uint32_t *ret)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || v == 0 || v > (1u << 20))
		return -ERANGE;
	*ret_end = end;
	*ret = (uint32_t)v;
	return 0;
}

int iopf_policy_parse(const char *text, struct iopf_policy *ret)
{
	struct iopf_policy p;
	const char *args = NULL;
	size_t namelen;
	char *end;
	int kind, r;

	namelen = strcspn(text, ":");
	if (text[namelen] == ':')
		args = text + namelen + 1;

	for (kind = 0; kind < _IOPF_POLICY_MAX; kind++)
		if (strlen(kind_names[kind]) == namelen && !strncmp(text, kind_names[kind], namelen))
			break;
	if (kind == _IOPF_POLICY_MAX)
		return -EINVAL;

	iopf_policy_default(kind, &p);
	if (!args)
		goto done;

	switch (p.kind) {
	case IOPF_POLICY_EXACT:
		return -EINVAL;
	case IOPF_POLICY_FIXED:
		r = parse_pages(args, &end, &p.fixed_pages);
		if (r < 0)
			return r;
		if (*end)
			return -EINVAL;
		break;
	case IOPF_POLICY_ADAPTIVE:
	case IOPF_POLICY_AUTO:
		r = parse_pages(args, &end, &p.min_pages);
		if (r < 0)
			return r;
		if (*end != ':')
			return -EINVAL;
		r = parse_pages(end + 1, &end, &p.max_pages);
		if (r < 0)
			return r;
		if (*end || p.min_pages > p.max_pages)
			return -EINVAL;
		p.fit_costs = false;
		break;
	default:
		return -EINVAL;
	}
done:
	*ret = p;
	return 0;
}

int iopf_policy_format(const struct iopf_policy *p, char *buf, size_t len)
{
	int n;

	switch (p->kind) {
	case IOPF_POLICY_EXACT:
		n = snprintf(buf, len, "exact");
		break;
	case IOPF_POLICY_FIXED:
		n = snprintf(buf, len, "fixed:%u", p->fixed_pages);
		break;
	case IOPF_POLICY_ADAPTIVE:
	case IOPF_POLICY_AUTO:
		n = snprintf(buf, len, "%s:%u:%u", kind_names[p->kind], p->min_pages, p->max_pages);
		break;
	default:
		return -EINVAL;
	}
	return n < 0 || (size_t)n >= len ? -ENOBUFS : 0;
}

/* Clamps [start, start + size) to the fault's DMA range; start is already inside it. */
static struct iopf_window clamp_to_range(uint64_t start, uint64_t size,
					 const struct iopf_fault_view *f)
{
	uint64_t range_end = f->dma_iova + f->dma_size;

	if (start < f->dma_iova)
		start = f->dma_iova;
	if (size > range_end - start)
		size = range_end - start;
	return (struct iopf_window) { .iova = start, .size = size };
}

static struct iopf_window fixed_window(uint64_t page, uint32_t pages,
				       const struct iopf_fault_view *f)
{
	uint64_t block = (uint64_t)pages << IOPF_PAGE_SHIFT;
	uint64_t start = page - page % block;

	/* The block may begin before the range: keep its end, trim its start. */
	if (start < f->dma_iova)
		return clamp_to_range(f->dma_iova, start + block - f->dma_iova, f);
	return clamp_to_range(start, block, f);
}

static struct iopf_stream *find_stream(struct iopf_device_state *dev, uint64_t page)
{
	struct iopf_stream *victim = &dev->streams[0];

	for (unsigned i = 0; i < IOPF_STREAMS_PER_DEVICE; i++) {
		struct iopf_stream *s = &dev->streams[i];

		/*
		 * A stream continues when the device faults at or just past
		 * the end of the window we gave it: "just past" lets short
		 * strides count as sequential, and keeping it short stops a
		 * random fault from passing for a continuation.
		 */
		if (s->valid && page >= s->next &&
		    page - s->next < (IOPF_STREAM_SLACK_PAGES << IOPF_PAGE_SHIFT))
			return s;
		if (!s->valid || s->last_use < victim->last_use)
			victim = s;
	}
	victim->valid = false;
	return victim;
}

static struct iopf_window adaptive_window(const struct iopf_policy *p,
					  struct iopf_device_state *dev, uint64_t page,
					  const struct iopf_fault_view *f)
{
	struct iopf_stream *s = find_stream(dev, page);
	struct iopf_window w;

	if (s->valid && page == s->next) {
		uint64_t grown = (uint64_t)s->window_pages * IOPF_ADAPTIVE_GROWTH;

		s->window_pages = (uint32_t)MIN(grown, (uint64_t)p->max_pages);
		dev->sequential_hits++;
	} else if (s->valid) {
		/*
		 * The device skipped pages past the window: it strides, so a
		 * bigger window would mostly pin pages it never touches.
		 */
		s->window_pages = MAX(s->window_pages / IOPF_ADAPTIVE_GROWTH, p->min_pages);
	} else {
		/* A new stream, or one that lost its slot: random until proven otherwise. */
		s->window_pages = p->min_pages;
		s->valid = true;
	}

	w = clamp_to_range(page, (uint64_t)s->window_pages << IOPF_PAGE_SHIFT, f);
	s->next = w.iova + w.size;
	s->last_use = ++dev->clock;
	return w;
}

static struct iopf_stream *covering_stream(struct iopf_device_state *dev, uint64_t page)
{
	for (unsigned i = 0; i < IOPF_STREAMS_PER_DEVICE; i++) {
		struct iopf_stream *s = &dev->streams[i];

		if (s->valid && page < s->next &&
		    s->next - page <= (uint64_t)s->window_pages << IOPF_PAGE_SHIFT)
			return s;
	}
	return NULL;
}

/* Faults of @dev since one shared its batch with other devices' faults; UINT64_MAX if none did. */
static uint64_t faults_since_contended(const struct iopf_device_state *dev)
{
	return dev->contended_at ? dev->clock - dev->contended_at : UINT64_MAX;
}

/*
 * The default.  A fault that continues a run (the page just past the last
 * window of a stream) gets a window as long as the run so far, at least
 * min_pages and at most max_pages: runs double, and a buffer's end wastes
 * at most one window.  Any other fault starts a run with the aligned block
 * of min_pages around it, so that random faults tile memory instead of
 * overlapping, unless a recent batch held several of the device's faults
 * (deep-queued) or other devices' faults beside its own (contended): then
 * faults queue for the resolver, whose time is what they wait for, and the
 * pages no fault asked for only delay them, so a new run gets the faulting
 * page alone (unless iopf_policy_fit_costs() found pinning cheap or faults
 * dear enough for blocks).  A fault inside a stream's last window leaves the
 * run alone: a deep queue raises those for the pages just past the faulting
 * one, before the window is mapped, and restarting runs there cost
 * sequential 1 x 16 a fault every 3.8 pages (make bench).  A new run right
 * after a stream starts as long as the stream ran, from its page
 * (IOPF_AUTO_STREAM_CONTINUED).
 */
static struct iopf_window auto_window(const struct iopf_policy *p, struct iopf_device_state *dev,
				      uint64_t page, const struct iopf_fault_view *f)
{
	struct iopf_stream *s;
	struct iopf_window w;
	uint64_t foreseen;

	dev->clock++;
	dev->pace = (struct iopf_pace_sample) { 0 };
	if (f->device_faults > 1)
		dev->deep_until = dev->clock + IOPF_AUTO_DEEP_FAULTS;
	if (f->batch_faults > MAX(f->device_faults, 1u))
		dev->contended_at = dev->clock;
	s = covering_stream(dev, page);
	if (s) {
		/*
		 * A fault inside a stream's last window: queued before that
		 * window was mapped, or past the part mapped before the answer.
		 * Its run goes on; the device gets what it moves next.
		 */
		w = clamp_to_range(page, MIN(s->next - page,
					     (uint64_t)iopf_policy_ahead_pages(p) << IOPF_PAGE_SHIFT), f);
		s->last_use = dev->clock;
		return w;
	}
	s = find_stream(dev, page);
	if (s->valid && page == s->next) {
		uint64_t run = (s->next - s->start) >> IOPF_PAGE_SHIFT;
		bool queued = dev->clock < dev->deep_until ||
			      faults_since_contended(dev) < IOPF_AUTO_DEEP_FAULTS;
		uint64_t max = queued ? queued_run_pages(p) : p->max_pages;

		if (s->window_ns && f->timestamp_ns > s->window_ns)
			dev->pace = (struct iopf_pace_sample) {
				.pages = s->window_pages,
				.ns = f->timestamp_ns - s->window_ns,
			};
		/* A long run's windows grow by a share of it: few faults, bounded waste. */
		if (run >= IOPF_AUTO_LONG_RUN_PAGES)
			max = MAX(max, run / IOPF_AUTO_LONG_RUN_SHARE);
		run = MIN(MAX(run, (uint64_t)p->min_pages), max);
		w = clamp_to_range(page, run << IOPF_PAGE_SHIFT, f);
		if (++s->continued >= IOPF_AUTO_STREAM_CONTINUED || s->foreseen)
			dev->stream_pages = (w.iova + w.size - s->start) >> IOPF_PAGE_SHIFT;
		dev->sequential_hits++;
	} else {
		if (dev->clock < dev->deep_until)
			w = fixed_window(page, p->deep_start_pages, f);
		else if (faults_since_contended(dev) < IOPF_AUTO_DEEP_FAULTS)
			w = fixed_window(page, p->contended_start_pages, f);
		else
			w = fixed_window(page, p->min_pages, f);
		foreseen = MIN(dev->stream_pages, queued_run_pages(p));
		s->foreseen = foreseen > w.size >> IOPF_PAGE_SHIFT;
		if (s->foreseen) {
			w = clamp_to_range(page, foreseen << IOPF_PAGE_SHIFT, f);
			dev->stream_pages = 0;
		}
		s->start = w.iova;
		s->continued = 0;
		s->valid = true;
	}
	s->next = w.iova + w.size;
	s->window_pages = (uint32_t)(w.size >> IOPF_PAGE_SHIFT);
	s->window_ns = f->timestamp_ns;
	s->last_use = dev->clock;
	return w;
}

struct iopf_window iopf_policy_window(const struct iopf_policy *p, struct iopf_device_state *dev,
				      const struct iopf_fault_view *fault)
{
	uint64_t page = fault->iova & ~(IOPF_PAGE_SIZE - 1);

	switch (p->kind) {
	case IOPF_POLICY_FIXED:
		return fixed_window(page, p->fixed_pages, fault);
	case IOPF_POLICY_ADAPTIVE:
		return adaptive_window(p, dev, page, fault);
	case IOPF_POLICY_AUTO:
		return auto_window(p, dev, page, fault);
	case IOPF_POLICY_EXACT:
	default:
		return clamp_to_range(page, IOPF_PAGE_SIZE, fault);
	}
}
