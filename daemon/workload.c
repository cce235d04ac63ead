/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "policy.h"
#include "workload.h"

static const char *const kind_names[_WORKLOAD_MAX] = {
	[WORKLOAD_SEQUENTIAL] = "sequential",
	[WORKLOAD_STRIDED] = "strided",
	[WORKLOAD_RANDOM] = "random",
	[WORKLOAD_HOTSET] = "hotset",
	[WORKLOAD_MIX] = "mix",
	[WORKLOAD_MESSAGES] = "messages",
	[WORKLOAD_PHASES] = "phases",
	[WORKLOAD_TRACE] = "trace",
};

struct trace_access {
	uint64_t page;
	bool write;
};

struct workload_trace {
	struct trace_access *accesses; /* grouped by device, in file order within each */
	uint64_t *first;               /* device d's are accesses[first[d] .. first[d + 1]) */
	uint32_t ndevices;
	uint64_t max_page;
	unsigned max_page_line;
};

enum workload_kind workload_kind_from_string(const char *s)
{
	for (int k = 0; k < _WORKLOAD_MAX; k++)
		if (!strcmp(s, kind_names[k]))
			return k;
	return _WORKLOAD_INVALID;
}

const char *workload_kind_to_string(enum workload_kind kind)
{
	if (kind < 0 || kind >= _WORKLOAD_MAX)
		return NULL;
	return kind_names[kind];
}

const char *workload_kind_list(void)
{
	return "sequential, strided, random, hotset, mix, messages, phases, trace";
}

/* splitmix64: small, fast, and good enough to spread accesses. */
static uint64_t rng_next(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint64_t rng_below(uint64_t *state, uint64_t bound)
{
	/* Multiply-shift: unbiased enough for bound << 2^64. */
	return (uint64_t)(((unsigned __int128)rng_next(state) * bound) >> 64);
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

int zipf_table_new(uint64_t npages, double exponent, struct zipf_table **ret)
{
	struct zipf_table *t;
	double sum = 0;

	if (npages == 0 || npages > (UINT64_C(1) << 26) || !(exponent >= 0))
		return -EINVAL;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->cdf = malloc(npages * sizeof(double));
	if (!t->cdf) {
		free(t);
		return -ENOMEM;
	}
	for (uint64_t r = 0; r < npages; r++) {
		sum += 1.0 / pow((double)(r + 1), exponent);
		t->cdf[r] = sum;
	}
	for (uint64_t r = 0; r < npages; r++)
		t->cdf[r] /= sum;

	/* Scatter ranks over memory so the hot pages are not one sequential run. */
	t->multiplier = 2654435761u % npages;
	while (t->multiplier == 0 || gcd(t->multiplier, npages) != 1)
		t->multiplier = (t->multiplier + 1) % npages;
	t->npages = npages;
	*ret = t;
	return 0;
}

struct zipf_table *zipf_table_free(struct zipf_table *t)
{
	if (t) {
		free(t->cdf);
		free(t);
	}
	return NULL;
}

static uint64_t zipf_sample(const struct zipf_table *t, uint64_t *rng)
{
	double u = (double)(rng_next(rng) >> 11) * 0x1.0p-53;
	uint64_t lo = 0, hi = t->npages - 1;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (t->cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (uint64_t)(((unsigned __int128)lo * t->multiplier) % t->npages);
}

static enum workload_kind stream_kind(enum workload_kind kind, uint32_t index)
{
	static const enum workload_kind mix[] = {
		WORKLOAD_SEQUENTIAL, WORKLOAD_RANDOM, WORKLOAD_HOTSET,
	};

	return kind == WORKLOAD_MIX ? mix[index % ARRAY_SIZE(mix)] : kind;
}

void workload_config_default(struct workload_config *ret)
{
	*ret = (struct workload_config) {
		.kind = WORKLOAD_SEQUENTIAL,
		.stride_pages = 8,
		.zipf_exponent = 1.0,
		.seed = 1,
		.message_pages = WORKLOAD_MESSAGE_PAGES_DEFAULT,
		.phases = WORKLOAD_PHASES_DEFAULT,
	};
}

static uint64_t working_set_pages(const struct workload_config *c)
{
	return c->working_set_pages ? c->working_set_pages : MAX(c->npages / 16, UINT64_C(1));
}

int workload_zipf_new(const struct workload_config *c, struct zipf_table **ret)
{
	switch (c->kind) {
	case WORKLOAD_HOTSET:
	case WORKLOAD_MIX:
		return zipf_table_new(c->npages, c->zipf_exponent, ret);
	case WORKLOAD_PHASES:
		return zipf_table_new(working_set_pages(c), c->zipf_exponent, ret);
	default:
		*ret = NULL;
		return 0;
	}
}

/* Splits @total things between the streams, the first ones taking the rest. */
static uint64_t share(uint64_t total, const struct workload_config *c, uint32_t index)
{
	return total / c->nstreams + (index < total % c->nstreams);
}

/* Random-access streams split the configured total between them. */
static uint64_t stream_accesses(const struct workload_config *c, uint32_t index)
{
	return share(c->accesses ? c->accesses : c->npages, c, index);
}

static uint64_t message_slot_pages(const struct workload_config *c)
{
	uint64_t a = WORKLOAD_MESSAGE_ALIGN_PAGES;

	return (c->message_pages + 1 + a - 1) / a * a;
}

/* Messages in all, or -ERANGE if their buffers do not fit in memory. */
static int64_t messages_in_all(const struct workload_config *c)
{
	uint64_t slots, fresh_max;

	if (c->message_pages == 0 || c->message_pages > c->npages)
		return -ERANGE;
	slots = c->npages / message_slot_pages(c);
	fresh_max = slots / 2;
	if (c->reuse ? slots < 2 * (uint64_t)c->nstreams : c->messages > fresh_max)
		return -ERANGE;
	if (fresh_max == 0 && c->messages == 0)
		return -ERANGE;
	return (int64_t)(c->messages ? c->messages : fresh_max);
}

static int messages_init(const struct workload_config *c, uint32_t index,
			 struct workload_stream *s)
{
	int64_t n = messages_in_all(c);

	if (n < 0)
		return (int)n;
	s->message = index;
	s->step = c->nstreams;
	s->slot_pages = message_slot_pages(c);
	s->end = 2 * c->message_pages;
	s->reuse = c->reuse;
	s->remaining = share((uint64_t)n, c, index) * s->end;
	return 0;
}

static int phases_init(const struct workload_config *c, uint32_t index,
		       const struct zipf_table *zipf, struct workload_stream *s)
{
	uint64_t ws = working_set_pages(c);

	if (c->phases == 0 || ws > c->npages / 2)
		return -EINVAL;
	if (!zipf || zipf->npages != ws)
		return -EINVAL;
	s->zipf = zipf;
	s->phases = c->phases;
	s->end = c->npages / ws; /* regions the working set moves between */
	s->total = s->remaining = stream_accesses(c, index);
	return 0;
}

static int trace_init(const struct workload_config *c, uint32_t index, struct workload_stream *s)
{
	const struct workload_trace *t = c->trace;
	uint32_t ndevices = MAX(c->ndevices, 1u), depth = c->nstreams / ndevices;

	if (!t || c->nstreams % ndevices || t->ndevices > ndevices)
		return -EINVAL;
	if (t->max_page >= c->npages)
		return -ERANGE;
	s->trace = t;
	s->device = index / depth;
	if (s->device >= t->ndevices)
		return 0;
	/* Lane l of its device takes the device's accesses l, l + depth, ... */
	s->pos = t->first[s->device] + index % depth;
	s->end = t->first[s->device + 1];
	s->step = depth;
	s->remaining = s->pos < s->end ? (s->end - s->pos + depth - 1) / depth : 0;
	return 0;
}

int workload_stream_init(const struct workload_config *c, uint32_t index,
			 const struct zipf_table *zipf, struct workload_stream *ret)
{
	enum workload_kind kind = stream_kind(c->kind, index);
	uint64_t slice = c->npages / MAX(c->nstreams, 1u);
	struct workload_stream s = {
		.kind = kind,
		.npages = c->npages,
		.rng = c->seed ^ (UINT64_C(0x5851f42d4c957f2d) * (index + 1)),
	};
	int r;

	if (c->nstreams == 0 || index >= c->nstreams || c->npages < c->nstreams)
		return -EINVAL;

	switch (kind) {
	case WORKLOAD_SEQUENTIAL:
	case WORKLOAD_STRIDED:
		/* The last stream also takes the pages the division left over. */
		s.pos = slice * index;
		s.end = index == c->nstreams - 1 ? c->npages : s.pos + slice;
		s.step = kind == WORKLOAD_STRIDED ? MAX(c->stride_pages, 1u) : 1;
		s.remaining = (s.end - s.pos + s.step - 1) / s.step;
		break;
	case WORKLOAD_HOTSET:
		if (!zipf || zipf->npages != c->npages)
			return -EINVAL;
		s.zipf = zipf;
		s.remaining = stream_accesses(c, index);
		break;
	case WORKLOAD_RANDOM:
		s.remaining = stream_accesses(c, index);
		break;
	case WORKLOAD_MESSAGES:
		r = messages_init(c, index, &s);
		if (r < 0)
			return r;
		break;
	case WORKLOAD_PHASES:
		r = phases_init(c, index, zipf, &s);
		if (r < 0)
			return r;
		break;
	case WORKLOAD_TRACE:
		r = trace_init(c, index, &s);
		if (r < 0)
			return r;
		break;
	default:
		return -EINVAL;
	}
	*ret = s;
	return 0;
}

/* Source page i, then destination page i; buffer pairs by message, or one per stream. */
static uint64_t message_next(struct workload_stream *s, bool *ret_write)
{
	uint64_t pair = s->reuse ? s->message % s->step : s->message;
	uint64_t buffer = 2 * pair + (s->pos & 1);
	uint64_t page = buffer * s->slot_pages + 1 + s->pos / 2;

	*ret_write = s->pos & 1;
	if (++s->pos == s->end) {
		s->pos = 0;
		s->message += s->step;
	}
	return page;
}

static uint64_t phase_next(struct workload_stream *s)
{
	uint64_t done = s->total - s->remaining - 1;
	uint64_t phase = (uint64_t)((unsigned __int128)done * s->phases / s->total);

	return phase % s->end * s->zipf->npages + zipf_sample(s->zipf, &s->rng);
}

bool workload_next(struct workload_stream *s, uint64_t *ret_page, bool *ret_write)
{
	bool write = false;

	if (s->remaining == 0)
		return false;
	s->remaining--;

	switch (s->kind) {
	case WORKLOAD_SEQUENTIAL:
	case WORKLOAD_STRIDED:
		*ret_page = s->pos;
		s->pos += s->step;
		break;
	case WORKLOAD_HOTSET:
		*ret_page = zipf_sample(s->zipf, &s->rng);
		break;
	case WORKLOAD_MESSAGES:
		*ret_page = message_next(s, &write);
		break;
	case WORKLOAD_PHASES:
		*ret_page = phase_next(s);
		break;
	case WORKLOAD_TRACE:
		*ret_page = s->trace->accesses[s->pos].page;
		write = s->trace->accesses[s->pos].write;
		s->pos += s->step;
		break;
	default:
		*ret_page = rng_below(&s->rng, s->npages);
		break;
	}
	if (ret_write)
		*ret_write = write;
	return true;
}

uint64_t workload_total_accesses(const struct workload_config *c)
{
	uint64_t total = 0;

	for (uint32_t i = 0; i < c->nstreams; i++) {
		enum workload_kind kind = stream_kind(c->kind, i);
		struct workload_stream s;

		/* These draw from a table, which only the count does not need. */
		if (kind == WORKLOAD_HOTSET || kind == WORKLOAD_PHASES) {
			total += stream_accesses(c, i);
			continue;
		}
		if (workload_stream_init(c, i, NULL, &s) == 0)
			total += s.remaining;
	}
	return total;
}

/* Parses "DEVICE IOVA r|w" after comments are cut off; 0 for a blank line, 1 for an access. */
static int parse_trace_line(char *line, uint32_t *ret_device, struct trace_access *ret)
{
	unsigned long long device, iova;
	char *p = line, *end;
	bool write;

	p[strcspn(p, "#\n")] = 0;
	while (isspace((unsigned char)*p))
		p++;
	if (!*p)
		return 0;
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	errno = 0;
	device = strtoull(p, &end, 10);
	if (errno || device >= WORKLOAD_TRACE_DEVICES_MAX)
		return -ERANGE;
	if (!isspace((unsigned char)*end))
		return -EINVAL;
	for (p = end; isspace((unsigned char)*p); p++)
		;
	if (!isxdigit((unsigned char)*p))
		return -EINVAL;
	errno = 0;
	iova = strtoull(p, &end, 16);
	if (errno)
		return -ERANGE;
	if (!isspace((unsigned char)*end))
		return -EINVAL;
	for (p = end; isspace((unsigned char)*p); p++)
		;
	if (*p != 'r' && *p != 'w')
		return -EINVAL;
	write = *p++ == 'w';
	while (isspace((unsigned char)*p))
		p++;
	if (*p)
		return -EINVAL;
	*ret_device = (uint32_t)device;
	*ret = (struct trace_access) { .page = iova >> IOPF_PAGE_SHIFT, .write = write };
	return 1;
}

struct trace_line {
	struct trace_access access;
	uint32_t device;
};

/* Groups @lines by device, keeping their order within each. */
static int trace_group(const struct trace_line *lines, uint64_t n, struct workload_trace *t)
{
	_cleanup_free_ uint64_t *next = NULL;

	t->first = calloc(t->ndevices + 1, sizeof(*t->first));
	next = calloc(t->ndevices + 1, sizeof(*next));
	t->accesses = malloc(MAX(n, UINT64_C(1)) * sizeof(*t->accesses));
	if (!t->first || !next || !t->accesses)
		return -ENOMEM;
	for (uint64_t i = 0; i < n; i++)
		t->first[lines[i].device + 1]++;
	for (uint32_t d = 0; d < t->ndevices; d++)
		t->first[d + 1] += t->first[d];
	memcpy(next, t->first, (t->ndevices + 1) * sizeof(*next));
	for (uint64_t i = 0; i < n; i++)
		t->accesses[next[lines[i].device]++] = lines[i].access;
	return 0;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct workload_trace *, workload_trace_free);

int workload_trace_parse(FILE *f, struct workload_trace **ret, unsigned *reterr_line)
{
	_cleanup_(workload_trace_freep) struct workload_trace *t = NULL;
	_cleanup_free_ struct trace_line *lines = NULL;
	_cleanup_free_ char *buf = NULL;
	uint64_t n = 0, allocated = 0;
	size_t buflen = 0;
	unsigned lineno = 0;
	int r;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	while (getline(&buf, &buflen, f) >= 0) {
		struct trace_line l;

		lineno++;
		r = parse_trace_line(buf, &l.device, &l.access);
		if (r == 0)
			continue;
		if (r < 0 || n == WORKLOAD_TRACE_ACCESSES_MAX) {
			*reterr_line = lineno;
			return r < 0 ? r : -E2BIG;
		}
		if (n == allocated) {
			struct trace_line *more;

			allocated = MAX(allocated * 2, UINT64_C(1024));
			more = realloc(lines, allocated * sizeof(*lines));
			if (!more)
				return -ENOMEM;
			lines = more;
		}
		lines[n++] = l;
		t->ndevices = MAX(t->ndevices, l.device + 1);
		if (l.access.page > t->max_page || n == 1) {
			t->max_page = l.access.page;
			t->max_page_line = lineno;
		}
	}
	if (ferror(f))
		return -EIO;
	r = trace_group(lines, n, t);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(t);
	return 0;
}

struct workload_trace *workload_trace_free(struct workload_trace *t)
{
	if (t) {
		free(t->accesses);
		free(t->first);
		free(t);
	}
	return NULL;
}

uint32_t workload_trace_devices(const struct workload_trace *t)
{
	return t->ndevices;
}

uint64_t workload_trace_max_page(const struct workload_trace *t, unsigned *ret_line)
{
	if (ret_line)
		*ret_line = t->max_page_line;
	return t->max_page;
}
