/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Access patterns of simulated devices, as streams of page accesses (a page
 * index into the VM's memory, read or write).  A device with a queue depth of
 * D has D streams outstanding at once: streams d*D .. d*D + D - 1 are device
 * d's.  Deterministic for a given seed; no I/O but reading a trace.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum workload_kind {
	WORKLOAD_SEQUENTIAL, /* each stream scans its slice of memory once */
	WORKLOAD_STRIDED,    /* the same, touching one page every stride */
	WORKLOAD_RANDOM,     /* uniform over all memory */
	WORKLOAD_HOTSET,     /* zipf over all memory: a few pages take most accesses */
	WORKLOAD_MIX,        /* streams take turns: sequential, random, hot set */
	WORKLOAD_MESSAGES,   /* the seed's: each message reads a source, writes a destination */
	WORKLOAD_PHASES,     /* a hot set over a working set that moves every phase */
	WORKLOAD_TRACE,      /* replays a trace file */
	_WORKLOAD_MAX,
	_WORKLOAD_INVALID = -22,
};

/*
 * Messages: each buffer starts one page into a 2 MiB block of its own, as a
 * large malloc() does when the kernel aligns big anonymous mappings to 2 MiB
 * and the chunk header takes the first page.  Page aligned, not 2 MiB
 * aligned: an N MiB buffer spans N/2 + 1 blocks, which is how the seed's
 * 10 MiB messages took 12-13 faults of 512 pages rather than 10.
 */
#define WORKLOAD_MESSAGE_ALIGN_PAGES UINT64_C(512)
#define WORKLOAD_MESSAGE_PAGES_DEFAULT UINT64_C(256)   /* 1 MiB */
#define WORKLOAD_PHASES_DEFAULT 8u
#define WORKLOAD_TRACE_DEVICES_MAX 4096u
#define WORKLOAD_TRACE_ACCESSES_MAX (UINT64_C(1) << 28)

struct workload_trace;

struct workload_config {
	enum workload_kind kind;
	uint64_t npages;     /* pages of VM memory */
	uint32_t nstreams;   /* streams across all devices */
	uint32_t ndevices;   /* devices the streams belong to, evenly; 0 counts as 1 */
	uint64_t accesses;   /* random/hot-set/phases accesses in all; 0 = one per page */
	uint32_t stride_pages;
	double zipf_exponent; /* hot set and phases; 0 is uniform */
	uint64_t seed;
	/* messages: a stream's messages run one after another */
	uint64_t message_pages;  /* pages of each source and each destination buffer */
	uint64_t messages;       /* in all; 0 = as many as fresh buffers fit in memory */
	bool reuse;              /* every message of a stream uses the same two buffers */
	/* phases */
	uint32_t phases;
	uint64_t working_set_pages; /* at most half of memory, so that it can move; 0 = 1/16 */
	/* trace: not owned */
	const struct workload_trace *trace;
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
	/* messages: the message under way; phases: accesses in all, phase count */
	uint64_t message;
	uint64_t slot_pages;
	uint64_t total;
	uint32_t phases;
	bool reuse;
	/* trace: this stream's share of its device's accesses */
	const struct workload_trace *trace;
	uint32_t device;
};

/* Sequential, and the defaults of every other kind's parameters. */
void workload_config_default(struct workload_config *ret);

enum workload_kind workload_kind_from_string(const char *s);
const char *workload_kind_to_string(enum workload_kind kind);
/* "sequential, strided, random, hotset, mix, ...", for error messages and --help. */
const char *workload_kind_list(void);

/* Exponent 0 gives the uniform distribution. */
int zipf_table_new(uint64_t npages, double exponent, struct zipf_table **ret);
struct zipf_table *zipf_table_free(struct zipf_table *t);
/* The table workload @c draws from, shared by its streams; NULL if it needs none. */
int workload_zipf_new(const struct workload_config *c, struct zipf_table **ret);

/*
 * A trace: one access per line, "DEVICE IOVA r|w", DEVICE a decimal device
 * index, IOVA the hexadecimal byte address (0x optional) of the access in the
 * VM's memory, r a read and w a write.  '#' starts a comment; blank lines are
 * skipped.  A device's accesses are dealt in turn to its streams.  On a
 * malformed line, -EINVAL (-ERANGE for a number out of range) and its number
 * in @reterr_line.
 */
int workload_trace_parse(FILE *f, struct workload_trace **ret, unsigned *reterr_line);
struct workload_trace *workload_trace_free(struct workload_trace *t);
/* The devices the trace names (highest index + 1), and its highest page with its line. */
uint32_t workload_trace_devices(const struct workload_trace *t);
uint64_t workload_trace_max_page(const struct workload_trace *t, unsigned *ret_line);

/*
 * @zipf is what workload_zipf_new() built.  -EINVAL for a configuration the
 * workload cannot run, -ERANGE for one that does not fit in memory.
 */
int workload_stream_init(const struct workload_config *c, uint32_t index,
			 const struct zipf_table *zipf, struct workload_stream *ret);
/*
 * Next page index in [0, npages), and whether the access writes it (@ret_write
 * may be NULL), or false when the stream is done.
 */
bool workload_next(struct workload_stream *s, uint64_t *ret_page, bool *ret_write);
/* Pages the whole workload will access, counting repeats. */
uint64_t workload_total_accesses(const struct workload_config *c);
