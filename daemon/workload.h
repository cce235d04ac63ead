/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Access patterns of simulated devices, as streams of page indices into the
 * VM's memory.  Deterministic for a given seed, no I/O.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum workload_kind {
	WORKLOAD_SEQUENTIAL, /* each stream scans its slice of memory once */
	WORKLOAD_STRIDED,    /* the same, touching one page every stride */
	WORKLOAD_RANDOM,     /* uniform over all memory */
	WORKLOAD_HOTSET,     /* zipf over all memory: a few pages take most accesses */
	WORKLOAD_MIX,        /* streams take turns: sequential, random, hot set */
	_WORKLOAD_MAX,
	_WORKLOAD_INVALID = -22,
};

struct workload_config {
	enum workload_kind kind;
	uint64_t npages;     /* pages of VM memory */
	uint32_t nstreams;   /* streams across all devices */
	uint64_t accesses;   /* random/hot-set accesses in all; 0 = one per page */
	uint32_t stride_pages;
	double zipf_exponent;
	uint64_t seed;
};

/* Cumulative distribution for the hot set, shared read-only by all streams. */
struct zipf_table {
	uint64_t npages;
	uint64_t multiplier; /* rank -> page scatter, coprime to npages */
	double *cdf;
};

struct workload_stream {
	enum workload_kind kind;
	uint64_t pos;
	uint64_t end;
	uint64_t step;
	uint64_t remaining;
	uint64_t npages;
	uint64_t rng;
	const struct zipf_table *zipf;
};

enum workload_kind workload_kind_from_string(const char *s);
const char *workload_kind_to_string(enum workload_kind kind);
/* "sequential, strided, random, hotset, mix", for error messages and --help. */
const char *workload_kind_list(void);

int zipf_table_new(uint64_t npages, double exponent, struct zipf_table **ret);
struct zipf_table *zipf_table_free(struct zipf_table *t);

/* @zipf is needed for hot-set and mix workloads, else may be NULL. */
int workload_stream_init(const struct workload_config *c, uint32_t index,
			 const struct zipf_table *zipf, struct workload_stream *ret);
/* Next page index in [0, npages), or false when the stream is done. */
bool workload_next(struct workload_stream *s, uint64_t *ret_page);
/* Pages the whole workload will access, counting repeats. */
uint64_t workload_total_accesses(const struct workload_config *c);
