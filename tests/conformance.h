/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The iopf ABI's behaviour, written once and run against both of its
 * implementations through the backend interface: the simulator (in make
 * check) and the patched kernel (in the guest, kernel/tests).  Plain C with
 * no test framework, so that the guest can run it as a static program.
 *
 * A target makes, for each check, a fresh iopf fd with one device that can
 * fault and one read-write DMA range mapped on demand, nothing mapped yet,
 * and no resolver attached.
 */

#include <stdbool.h>
#include <stdint.h>

#include "backend.h"

struct conf_target {
	const char *name;
	/* Sets up what the comment above says; fills the fields below it. */
	int (*open)(struct conf_target *t);
	void (*close)(struct conf_target *t);
	/* The device starts a read or write of the page at @iova, faulting if unmapped. */
	int (*access_start)(struct conf_target *t, uint64_t iova, bool write);
	/* Waits for it: 0 done, -EFAULT answered INVALID. */
	int (*access_wait)(struct conf_target *t);
	void *data;

	struct iopf_backend backend;
	uint64_t dma_iova, dma_size;   /* at least 8 MiB, 2 MiB aligned */
};

/* Runs every check, printing one line each; returns the number that failed. */
int conformance_run(struct conf_target *t);
