/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "stall.h"

/* The newest STALL_SAMPLES samples, in a ring. */
static void keep_newest(struct stall_sample *ring, uint32_t *n, uint32_t *next,
			struct stall_sample sample)
{
	ring[*next] = sample;
	*next = (*next + 1) % STALL_SAMPLES;
	*n = MIN(*n + 1, STALL_SAMPLES);
}

void stall_meter_window(struct stall_meter *m, uint64_t pages, uint64_t ns)
{
	if (pages < PACE_MIN_PAGES || pages > UINT32_MAX || ns > STALL_MAX_NS)
		return;
	keep_newest(m->windows, &m->nwindows, &m->next_window,
		    (struct stall_sample) { .ns = ns, .pages = (uint32_t)pages });
	m->windows_seen++;
}

void stall_meter_fault(struct stall_meter *m, uint64_t fault_ns, uint64_t call_start_ns,
		       uint64_t call_ns, uint32_t pages)
{
	if (m->nfaults == STALL_SAMPLES || call_start_ns < fault_ns ||
	    call_start_ns - fault_ns > STALL_MAX_NS || call_ns > STALL_MAX_NS)
		return;
	m->faults[m->nfaults++] = (struct stall_sample) {
		.ns = call_start_ns - fault_ns + call_ns,
		.pages = pages,
		.call_ns = call_ns,
	};
}

void stall_meter_call(struct stall_meter *m, uint32_t pages, uint64_t ns)
{
	keep_newest(m->calls, &m->ncalls, &m->next_call,
		    (struct stall_sample) { .ns = ns, .pages = pages });
}

/* Least-squares slope of call time over pages asked for, in us per page. */
static double page_cost_us(const struct stall_meter *m)
{
	uint32_t n = m->ncalls;
	double mean_pages = 0, mean_us = 0, var = 0, cov = 0;

	for (uint32_t i = 0; i < n; i++) {
		mean_pages += m->calls[i].pages;
		mean_us += (double)m->calls[i].ns / 1e3;
	}
	if (n == 0)
		return 0;
	mean_pages /= n;
	mean_us /= n;
	for (uint32_t i = 0; i < n; i++) {
		double dp = m->calls[i].pages - mean_pages;

		var += dp * dp;
		cov += dp * ((double)m->calls[i].ns / 1e3 - mean_us);
	}
	/* calls that all asked for about as much tell nothing of a page's cost */
	if (var < n)
		return 0;
	return MAX(cov / var, 0.0);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int stall_meter_estimate(const struct stall_meter *m, struct stall_estimate *ret)
{
	double stalls[STALL_SAMPLES], calls[STALL_SAMPLES];
	double page_us;

	if (m->nfaults == 0)
		return -EAGAIN;
	page_us = page_cost_us(m);
	for (uint32_t i = 0; i < m->nfaults; i++) {
		const struct stall_sample *s = &m->faults[i];
		double pinning = page_us * (s->pages > 1 ? s->pages - 1 : 0);

		stalls[i] = MAX((double)s->ns / 1e3 - pinning, 0.0);
		calls[i] = MAX((double)s->call_ns / 1e3 - pinning, 0.0);
	}
	qsort(stalls, m->nfaults, sizeof(stalls[0]), cmp_double);
	qsort(calls, m->nfaults, sizeof(calls[0]), cmp_double);
	*ret = (struct stall_estimate) {
		.stall_us = stalls[m->nfaults / 2],
		.call_us = calls[m->nfaults / 2],
		.page_us = page_us,
	};
	return 0;
}

int stall_meter_page_us(const struct stall_meter *m, double stall_us, double *ret)
{
	double per_page[STALL_SAMPLES];
	uint32_t n = 0;

	for (uint32_t i = 0; i < m->nwindows; i++) {
		double moving_us = (double)m->windows[i].ns / 1e3 - stall_us;

		if (moving_us > 0)
			per_page[n++] = moving_us / m->windows[i].pages;
	}
	if (n < PACE_MIN_SAMPLES)
		return -EAGAIN;
	qsort(per_page, n, sizeof(per_page[0]), cmp_double);
	*ret = per_page[n / 4];
	return 0;
}

void stall_meter_reset(struct stall_meter *m)
{
	m->nfaults = 0;
}
