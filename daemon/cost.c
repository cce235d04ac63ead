/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "cost.h"
#include "policy.h"

#define MIB (1024.0 * 1024.0)

const struct cost_row cost_seed_rows[2] = {
	{ .message_mib = 1, .window_pages = 1, .faults = 518, .slowdown = 0.634 },
	{ .message_mib = 10, .window_pages = 512, .faults = 13, .slowdown = 0.326 },
};

int cost_model_from_rows(const struct cost_row rows[2], double device_bytes_per_us,
			 struct cost_model *ret)
{
	double stall[2], det, f, p;

	if (!(device_bytes_per_us > 0))
		return -EINVAL;
	/* Each row: faults * (f + window * p) = slowdown * (2 N MiB / rate). */
	for (int i = 0; i < 2; i++) {
		if (!(rows[i].faults > 0) || !(rows[i].message_mib > 0))
			return -EINVAL;
		stall[i] = rows[i].slowdown * 2 * rows[i].message_mib * MIB / device_bytes_per_us /
			   rows[i].faults;
	}
	/* f + w0 p = stall0, f + w1 p = stall1 */
	det = rows[1].window_pages - rows[0].window_pages;
	if (det == 0)
		return -EINVAL;
	p = (stall[1] - stall[0]) / det;
	f = stall[0] - rows[0].window_pages * p;
	if (!(p >= 0) || !(f >= 0))
		return -EINVAL;
	*ret = (struct cost_model) {
		.device_bytes_per_us = device_bytes_per_us,
		.fault_us = f,
		.page_us = p,
	};
	return 0;
}

void cost_model_default(struct cost_model *ret)
{
	struct cost_model c;

	/* The seed's rows are consistent, so this cannot fail. */
	if (cost_model_from_rows(cost_seed_rows, COST_DEVICE_BYTES_PER_US_DEFAULT, &c) < 0)
		abort();
	c.wakeup_us = COST_WAKEUP_US_DEFAULT;
	c.call_us = COST_CALL_US_DEFAULT;
	*ret = c;
}

double cost_transfer_us(const struct cost_model *c, double bytes)
{
	return bytes / c->device_bytes_per_us;
}

double cost_fault_us(const struct cost_model *c, uint64_t new_pages)
{
	return c->fault_us + c->page_us * (double)new_pages;
}

double cost_fault_page_times(const struct cost_model *c)
{
	return (c->fault_us + c->wakeup_us) / cost_transfer_us(c, (double)IOPF_PAGE_SIZE);
}

double cost_queued_fault_pages(const struct cost_model *c)
{
	if (!(c->page_us > 0))
		return INFINITY;
	return (c->call_us + c->fault_us + c->page_us) / c->page_us;
}
