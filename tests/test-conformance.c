/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The conformance suite (tests/conformance.c) against the simulator: the
 * same checks kernel/tests/iopf_conformance runs against the patched kernel.
 */
#include <errno.h>
#include <stdio.h>

#include "conformance.h"
#include "sim.h"

static int sim_target_open(struct conf_target *t)
{
	struct sim_config c;
	struct sim *s;
	int r;

	sim_config_default(&c);
	c.manual = true;
	c.memory_bytes = 8u << 20;
	c.ndevices = 1;
	c.streams_per_device = 1;
	/* the smallest ring, which full_ring_overflows fills */
	c.ring_entries = 64;
	r = sim_new(&c, &s);
	if (r < 0)
		return r;
	r = sim_start(s);
	if (r < 0) {
		sim_free(s);
		return r;
	}
	t->data = s;
	iopf_backend_sim(s, &t->backend);
	return sim_range(s, 0, &t->dma_iova, &t->dma_size);
}

static void sim_target_close(struct conf_target *t)
{
	t->data = sim_free(t->data);
}

static int sim_target_access_start(struct conf_target *t, uint64_t iova, bool write)
{
	return sim_access_start(t->data, 0, iova, write);
}

static int sim_target_access_wait(struct conf_target *t)
{
	return sim_access_wait(t->data, 0, 10000);
}

int main(void)
{
	struct conf_target t = {
		.name = "sim",
		.open = sim_target_open,
		.close = sim_target_close,
		.access_start = sim_target_access_start,
		.access_wait = sim_target_access_wait,
	};

	return conformance_run(&t) ? 1 : 0;
}
