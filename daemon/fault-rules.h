/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The rules of a VM's configuration that look at each fault: by device
 * (a glob over the names VFIO_IOPF_DEVICE_INFO gives) and by IOVA range,
 * each may choose the policy, or say that the range does not fault: its
 * first fault maps the whole range (clipped to the fault's DMA range).
 * Pure functions over plain structs; later rules win, as in the files.
 */

#include <stdbool.h>
#include <stdint.h>

#include "policy.h"

/* Rules per VM: a device's matches fit in one 64-bit mask. */
#define FAULT_RULES_MAX 64u
#define FAULT_RULE_DEVICE_MAX 63

struct fault_rule {
	char device[FAULT_RULE_DEVICE_MAX + 1]; /* glob; "" for every device */
	uint64_t iova, end;                     /* end 0: every address */
	bool has_policy;
	struct iopf_policy policy;
	bool has_fault;
	bool fault;                             /* false: map the whole range at once */
};

struct fault_rules {
	struct fault_rule rules[FAULT_RULES_MAX];
	unsigned n;
};

/* Bit i set if rule i applies to the device called @name ("" if unknown). */
uint64_t fault_rules_device_mask(const struct fault_rules *rules, const char *name);

/*
 * What the rules say for a fault at @iova by a device with @device_mask:
 * *@policy is left alone unless a rule sets it; *@ret_whole is the range to
 * map whole ({0, 0} if none says so).
 */
void fault_rules_apply(const struct fault_rules *rules, uint64_t device_mask, uint64_t iova,
		       const struct iopf_policy **policy, struct iopf_window *ret_whole);
