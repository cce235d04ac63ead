/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fnmatch.h>

#include "fault-rules.h"

uint64_t fault_rules_device_mask(const struct fault_rules *rules, const char *name)
{
	uint64_t mask = 0;

	for (unsigned i = 0; i < rules->n; i++)
		if (!rules->rules[i].device[0] || fnmatch(rules->rules[i].device, name, 0) == 0)
			mask |= UINT64_C(1) << i;
	return mask;
}

void fault_rules_apply(const struct fault_rules *rules, uint64_t device_mask, uint64_t iova,
		       const struct iopf_policy **policy, struct iopf_window *ret_whole)
{
	*ret_whole = (struct iopf_window) { 0 };
	for (unsigned i = 0; i < rules->n; i++) {
		const struct fault_rule *r = &rules->rules[i];

		if (!(device_mask & UINT64_C(1) << i) || (r->end && (iova < r->iova || iova >= r->end)))
			continue;
		if (r->has_policy)
			*policy = &r->policy;
		if (r->has_fault)
			*ret_whole = r->fault ? (struct iopf_window) { 0 } :
				     r->end ? (struct iopf_window) { r->iova, r->end - r->iova } :
					      (struct iopf_window) { 0, UINT64_MAX };
	}
}
