/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "workload.h"

static const char *const kind_names[_WORKLOAD_MAX] = {
	[WORKLOAD_SEQUENTIAL] = "sequential",
	[WORKLOAD_STRIDED] = "strided",
	[WORKLOAD_RANDOM] = "random",
	[WORKLOAD_HOTSET] = "hotset",
	[WORKLOAD_MIX] = "mix",
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
	return "sequential, strided, random, hotset, mix";
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

	if (npages == 0 || npages > (UINT64_C(1) << 26) || !(exponent > 0))
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

/* Random-access streams split the configured total between them. */
static uint64_t stream_accesses(const struct workload_config *c, uint32_t index)
{
	uint64_t total = c->accesses ? c->accesses : c->npages;

	return total / c->nstreams + (index < total % c->nstreams);
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
	default:
		return -EINVAL;
	}
	*ret = s;
	return 0;
}

bool workload_next(struct workload_stream *s, uint64_t *ret_page)
{
	if (s->remaining == 0)
		return false;
	s->remaining--;

	switch (s->kind) {
	case WORKLOAD_SEQUENTIAL:
	case WORKLOAD_STRIDED:
		*ret_page = s->pos;
		s->pos += s->step;
		return true;
	case WORKLOAD_HOTSET:
		*ret_page = zipf_sample(s->zipf, &s->rng);
		return true;
	default:
		*ret_page = rng_below(&s->rng, s->npages);
		return true;
	}
}

uint64_t workload_total_accesses(const struct workload_config *c)
{
	uint64_t total = 0;

	for (uint32_t i = 0; i < c->nstreams; i++) {
		struct workload_stream s;

		if (stream_kind(c->kind, i) == WORKLOAD_HOTSET) {
			total += stream_accesses(c, i);
			continue;
		}
		if (workload_stream_init(c, i, NULL, &s) == 0)
			total += s.remaining;
	}
	return total;
}
