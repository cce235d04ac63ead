/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The device-time model: what a policy costs the devices of one VM, in
 * virtual time.  A discrete-event evaluator, pure and deterministic: no
 * threads, no ring, no clock; the same input gives the same result.
 *
 * Each device has depth lanes; each lane works through its own workload
 * stream, one 4 KiB access at a time, at device_bytes_per_us / depth.  An
 * access to an unmapped page faults and stalls its lane (only that lane)
 * until the fault is answered.  One resolver serves the VM's faults in
 * order of arrival: woken by the first fault while idle, it runs wakeup_us
 * later, takes what is queued then (up to batch_max: one resolve call) and,
 * fault by fault, asks the policy for a window exactly as iopfd does,
 * pins and maps the pages of it not yet mapped (fault_us + page_us per new
 * page), and answers that fault as it finishes it, mapping its window at
 * that moment.  Faults that arrive meanwhile wait for the next batch, which
 * pays its own wake-up.  Nothing is ever released: pinned memory only
 * grows.
 */

#include <stdbool.h>
#include <stdint.h>

#include "cost.h"
#include "policy.h"
#include "workload.h"

#define MODEL_STREAMS_MAX 4096u

struct model_config {
	struct workload_config workload; /* npages, nstreams and ndevices are derived */
	uint64_t memory_bytes;
	uint32_t ndevices;
	uint32_t depth;                  /* lanes (outstanding accesses) per device */
	uint32_t nranges;                /* DMA ranges the memory is split into */
	uint32_t batch_max;              /* faults per resolve call */
	struct iopf_policy policy;
	bool static_pinning;             /* everything pinned and mapped up front, no faults */
	struct cost_model cost;
};

struct model_result {
	uint64_t accesses;
	uint64_t faults;
	uint64_t write_faults;       /* faults raised by writes */
	uint64_t answered;           /* faults answered: always every fault */
	uint64_t batches;            /* resolver wake-ups */
	uint64_t touched_pages;      /* distinct pages accessed */
	uint64_t mapped_pages;
	uint64_t peak_pinned_pages;
	double mean_pinned_pages;    /* over device time */
	double device_us;            /* until the last lane finished */
	double static_us;            /* the same accesses with nothing to fault */
	double slowdown;             /* device_us / static_us - 1 */
	double faults_per_gib;       /* per GiB touched */
};

/* 1 GiB, one device of depth 1, one range, sequential, adaptive, default costs. */
void model_config_default(struct model_config *ret);
int model_run(const struct model_config *c, struct model_result *ret);
