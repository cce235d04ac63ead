/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "simulate.h"
#include "time-util.h"

#define PROGRESS_DELAY_NS 1000000000L  /* runs shorter than this print no progress */
#define PROGRESS_PERIOD_NS 250000000L

DEFINE_TRIVIAL_CLEANUP_FUNC(struct sim *, sim_free);

struct run_state {
	struct sim *sim;
	struct resolver *resolver;
	struct manager *manager;
	uint64_t total_accesses;
	uint64_t start_ns;
	bool progress_shown;
};

void simulate_options_default(struct simulate_options *ret)
{
	*ret = (struct simulate_options) { .attach = true };
	sim_config_default(&ret->sim);
	iopf_policy_default(IOPF_POLICY_AUTO, &ret->resolver.policy);
	ret->resolver.batch_max = VFIO_IOPF_RESOLVE_MAX;
	ret->resolver.timeout_ms = 1000;
}

static int on_faults(struct loop *l, struct loop_source *src)
{
	struct run_state *st = src->userdata;
	int r;

	(void)l;
	r = resolver_serve(st->resolver, *(uint64_t *)src->buf);
	return r;
}

static int on_done(struct loop *l, struct loop_source *src)
{
	struct run_state *st = src->userdata;

	/* The devices are done, but records may still sit in the ring. */
	if (st->resolver) {
		int r;

		/* No device produces any more: draining ends. */
		do
			r = resolver_drain(st->resolver);
		while (r == RESOLVER_RECORDS_PER_DRAIN);
		if (r < 0)
			return r;
	}
	loop_exit(l, 0);
	return 0;
}

static int on_progress(struct loop *l, struct loop_source *src)
{
	struct run_state *st = src->userdata;
	struct sim_stats s;

	(void)l;
	sim_get_stats(st->sim, &s);
	fprintf(stderr, "\r  %llu faults, %llu of %llu accesses (%.0f%%), %.1f s ",
		(unsigned long long)s.faults, (unsigned long long)s.accesses,
		(unsigned long long)st->total_accesses,
		st->total_accesses ? 100.0 * (double)s.accesses / (double)st->total_accesses : 100.0,
		(double)(now_ns() - st->start_ns) / 1e9);
	st->progress_shown = true;
	return 0;
}

static int run_loop(struct run_state *st, bool progress)
{
	_cleanup_close_ int timer_fd = -EBADF;
	struct loop_source faults = { .size = 8, .handler = on_faults, .userdata = st };
	struct loop_source done = { .size = 8, .handler = on_done, .userdata = st };
	struct loop_source tick = { .size = 8, .handler = on_progress, .userdata = st };
	struct loop l;
	int r;

	if (progress) {
		timer_fd = timerfd_periodic(PROGRESS_DELAY_NS, PROGRESS_PERIOD_NS);
		if (timer_fd < 0)
			return log_error_errno(timer_fd, "Failed to create a timerfd: %m");
	}

	r = loop_init(&l);
	if (r < 0)
		return log_error_errno(r, "Failed to set up the event loop: %m");

	done.fd = sim_done_fd(st->sim);
	tick.fd = timer_fd;
	r = loop_add(&l, &done);
	if (r >= 0 && st->resolver) {
		faults.fd = st->resolver->eventfd;
		r = loop_add(&l, &faults);
	}
	if (r >= 0 && progress)
		r = loop_add(&l, &tick);
	if (r >= 0 && st->manager)
		r = manager_attach(st->manager, &l);
	if (r < 0) {
		loop_done(&l);
		return log_error_errno(r, "Failed to start the event loop: %m");
	}

	st->start_ns = now_ns();
	r = sim_start(st->sim);
	if (r < 0)
		log_error_errno(r, "Failed to start the simulated devices: %m");
	else
		r = loop_run(&l);
	if (st->manager)
		manager_detach(st->manager);
	loop_done(&l);

	if (st->progress_shown)
		fputc('\n', stderr);
	return r;
}

int simulate_run(const struct simulate_options *o, struct simulate_result *ret)
{
	_cleanup_(sim_freep) struct sim *sim = NULL;
	_cleanup_(resolver_freep) struct resolver *resolver = NULL;
	struct run_state st = { .manager = o->manager };
	struct manager_vm *vm = NULL;
	struct resolver_config config;
	struct iopf_backend backend;
	struct workload_config w;
	int r;

	r = sim_new(&o->sim, &sim);
	if (r < 0)
		return log_error_errno(r, "Failed to set up the simulated VM: %m");
	iopf_backend_sim(sim, &backend);

	if (o->attach) {
		manager_resolver_config(o->manager, SIMULATE_VM_NAME, &o->resolver, &config);
		r = resolver_new(&backend, &config, false, &resolver);
		if (r < 0)
			return r;
		if (o->manager) {
			r = manager_vm_add(o->manager, SIMULATE_VM_NAME, 1, getpid(), resolver, &vm);
			if (r < 0)
				return log_error_errno(r, "Failed to list the simulated VM: %m");
		}
	}

	st.sim = sim;
	st.resolver = resolver;
	w = o->sim.workload;
	w.npages = o->sim.memory_bytes >> IOPF_PAGE_SHIFT;
	w.nstreams = o->sim.ndevices * o->sim.streams_per_device;
	w.ndevices = o->sim.ndevices;
	st.total_accesses = workload_total_accesses(&w);

	r = run_loop(&st, o->progress);
	if (vm)
		manager_vm_remove(o->manager, vm);
	if (r < 0)
		return r;
	r = sim_wait(sim);
	if (r < 0)
		return r;

	*ret = (struct simulate_result) { .total_accesses = st.total_accesses };
	sim_get_stats(sim, &ret->sim);
	ret->policy = o->resolver.policy;
	if (resolver) {
		ret->resolver = resolver->stats;
		ret->policy = resolver->config.policy;
	}
	return 0;
}
