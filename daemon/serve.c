/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <unistd.h>

#include "json-util.h"
#include "log.h"
#include "loop.h"
#include "serve.h"

static int on_faults(struct loop *l, struct loop_source *src)
{
	int r;

	(void)l;
	r = resolver_serve(src->userdata, *(uint64_t *)src->buf);
	return r;
}

int serve_run(int iopf_fd, const struct resolver_config *base, struct manager *m, int ready_fd,
	      struct serve_result *ret)
{
	_cleanup_(resolver_freep) struct resolver *resolver = NULL;
	struct manager_vm *vm = NULL;
	struct resolver_config config;
	struct loop_source faults = { .size = 8, .handler = on_faults };
	struct iopf_backend backend;
	struct serve_result result = { .info = { .argsz = sizeof(result.info) } };
	struct loop l;
	int r;

	r = iopf_backend_vfio(iopf_fd, &backend);
	if (r < 0)
		return log_error_errno(r, "fd %d is not an iopf fd: %m", iopf_fd);

	r = loop_init(&l);
	if (r < 0)
		return log_error_errno(r, "Failed to set up the event loop: %m");
	manager_resolver_config(m, SERVE_VM_NAME, base, &config);
	r = resolver_new(&backend, &config, false, &resolver);
	if (r >= 0 && m) {
		r = manager_vm_add(m, SERVE_VM_NAME, 1, 0, resolver, &vm);
		if (r >= 0)
			r = manager_attach(m, &l);
		if (r < 0) {
			log_error_errno(r, "Failed to start the control socket: %m");
			manager_vm_remove(m, vm);
		}
	}
	if (r < 0) {
		loop_done(&l);
		return r;
	}
	faults.fd = resolver->eventfd;
	faults.userdata = resolver;
	r = loop_add(&l, &faults);
	if (r < 0) {
		loop_done(&l);
		return log_error_errno(r, "Failed to start the event loop: %m");
	}
	/* Faults queued before we attached were signalled to nobody. */
	r = resolver_kick(resolver);
	if (r >= 0 && ready_fd >= 0 && write(ready_fd, "R", 1) != 1)
		r = log_error_errno(negative_errno(), "Failed to signal readiness: %m");
	if (r >= 0)
		r = loop_run(&l);
	if (m) {
		manager_detach(m);
		manager_vm_remove(m, vm);
	}
	loop_done(&l);
	if (r < 0 && r != -EINTR)
		return r;

	result.resolver = resolver->stats;
	result.policy = resolver->config.policy;
	resolver = resolver_free(resolver);
	r = backend.ops->info(backend.data, &result.info);
	if (r < 0)
		return log_error_errno(r, "Failed to read the iopf counters: %m");
	*ret = result;
	return 0;
}

void serve_report(FILE *f, const struct serve_result *r)
{
	const struct vfio_iopf_info *i = &r->info;

	fprintf(f, "iopf fd: %llu faults: %llu resolved, %llu by the kernel fallback, %llu invalid\n",
		(unsigned long long)i->out_faults, (unsigned long long)i->out_resolved,
		(unsigned long long)i->out_fallback, (unsigned long long)i->out_invalid);
	fprintf(f, "  fallback causes %llu timed out, %llu ring full\n",
		(unsigned long long)i->out_timeouts, (unsigned long long)i->out_overflow);
	fprintf(f, "  mapped on demand %llu pages, locked %llu pages\n",
		(unsigned long long)i->out_mapped_pages, (unsigned long long)i->out_locked_pages);
	fprintf(f, "  iopfd consumed %llu records in %llu resolve calls (%llu stale, %llu refused)\n",
		(unsigned long long)r->resolver.faults, (unsigned long long)r->resolver.batches,
		(unsigned long long)r->resolver.stale, (unsigned long long)r->resolver.errors);
	if (r->resolver.stall_ns) {
		char policy[64];

		iopf_policy_format(&r->policy, policy, sizeof(policy));
		fprintf(f, "  a lone fault stalled its device %.1f us (pinning %.3f us a page taken out), its resolve call %.1f us; policy %s\n",
			(double)r->resolver.stall_ns / 1e3, (double)r->resolver.page_pin_ns / 1e3,
			(double)r->resolver.fault_call_ns / 1e3, policy);
	}
	if (r->resolver.page_move_ns)
		fprintf(f, "  the device moved a page in %.3f us (measured from its runs)\n",
			(double)r->resolver.page_move_ns / 1e3);
}

int serve_report_json(FILE *f, const struct serve_result *r)
{
	const struct json_counter counters[] = {
		{ "faults", r->info.out_faults },
		{ "resolved", r->info.out_resolved },
		{ "fallback", r->info.out_fallback },
		{ "invalid", r->info.out_invalid },
		{ "timeouts", r->info.out_timeouts },
		{ "overflow", r->info.out_overflow },
		{ "mapped_pages", r->info.out_mapped_pages },
		{ "locked_pages", r->info.out_locked_pages },
		{ "resolver_faults", r->resolver.faults },
		{ "resolve_calls", r->resolver.batches },
		{ "resolver_stale", r->resolver.stale },
		{ "resolver_errors", r->resolver.errors },
		{ "stall_ns", r->resolver.stall_ns },
		{ "page_pin_ns", r->resolver.page_pin_ns },
		{ "fault_call_ns", r->resolver.fault_call_ns },
		{ "page_move_ns", r->resolver.page_move_ns },
	};
	_cleanup_(json_object_putp) json_object *root = json_counters_new(counters, ARRAY_SIZE(counters));
	char policy[64];

	if (!root)
		return -ENOMEM;
	iopf_policy_format(&r->policy, policy, sizeof(policy));
	if (json_add(root, "policy_in_use", json_object_new_string(policy)) < 0)
		return -ENOMEM;
	return json_print(f, root);
}
