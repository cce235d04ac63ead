/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Description: iopfd's VFIO backend and serve loop against a stand-in
 * kernel (fake-kernel.h): the simulator answers the iopf fd's ioctls and its
 * memfd plays the iopf fd's mmap.  Every fault the devices
 * raise is answered, iopfd detaches on SIGTERM, and the counters add up;
 * idle reclaim gives back what the devices stopped using.
 */
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include "check-helpers.h"
#include "fake-kernel.h"
#include "manager.h"
#include "serve.h"

static struct sim *fake_kernel;
static int fake_fd = -1;

/* Waits for the ready byte, then for the devices, then asks iopfd to stop. */
static void *stopper(void *arg)
{
	int ready = *(int *)arg;
	uint64_t v;
	char c;

	ck_assert_int_eq(read(ready, &c, 1), 1);
	ck_assert_int_eq(c, 'R');
	ck_assert_int_eq(sim_start(fake_kernel), 0);
	/* done_fd is non-blocking: wait for the device thread, then read it. */
	sim_wait(fake_kernel);
	ck_assert_int_eq(read(sim_done_fd(fake_kernel), &v, sizeof(v)), sizeof(v));
	kill(getpid(), SIGTERM);
	return NULL;
}

/*
 * Runs serve_run() on the fake kernel's fd with @client in a thread, which
 * gets the ready pipe's read end and stops iopfd with SIGTERM.
 */
static void serve_with(void *(*client)(void *), const struct resolver_config *rc, struct manager *m,
		       struct serve_result *result)
{
	sigset_t term, old;
	pthread_t thread;
	int ready[2];

	ck_assert_int_eq(pipe(ready), 0);
	/* The client must not take SIGTERM itself: it is for the signalfd. */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &term, &old);
	ck_assert_int_eq(pthread_create(&thread, NULL, client, &ready[0]), 0);
	ck_assert_int_eq(serve_run(fake_fd, rc, m, ready[1], result), 0);
	pthread_join(thread, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(ready[0]);
	close(ready[1]);
}

START_TEST(serves_until_sigterm)
{
	struct sim_config c;
	struct resolver_config rc = { .batch_max = 64, .timeout_ms = 5000 };
	struct serve_result result;
	struct sim_stats s;

	sim_config_default(&c);
	c.workload.kind = WORKLOAD_MIX;
	c.memory_bytes = 32u << 20;
	c.ndevices = 2;
	c.streams_per_device = 8;
	ck_assert_int_eq(sim_new(&c, &fake_kernel), 0);
	fake_fd = fake_kernel_install(fake_kernel);
	ck_assert_int_ge(fake_fd, 0);
	iopf_policy_default(IOPF_POLICY_ADAPTIVE, &rc.policy);
	serve_with(stopper, &rc, NULL, &result);

	sim_get_stats(fake_kernel, &s);
	ck_assert_uint_gt(s.faults, 0);
	ck_assert_uint_eq(s.outstanding, 0);
	ck_assert_uint_eq(s.timeouts, 0);
	ck_assert_uint_eq(s.resolved, s.faults);
	ck_assert_uint_eq(result.info.out_faults, s.faults);
	ck_assert_uint_eq(result.info.out_resolved, s.faults);
	ck_assert_uint_eq(result.resolver.faults, s.faults);
	ck_assert_uint_eq(result.resolver.errors, 0);
	fake_kernel = sim_free(fake_kernel);
}
END_TEST

/* Waits for the devices, then for idle reclaim to give back every page, then stops iopfd. */
static void *reclaim_waiter(void *arg)
{
	int ready = *(int *)arg;
	struct sim_stats s;
	uint64_t v;
	char c;

	ck_assert_int_eq(read(ready, &c, 1), 1);
	ck_assert_int_eq(sim_start(fake_kernel), 0);
	sim_wait(fake_kernel);
	ck_assert_int_eq(read(sim_done_fd(fake_kernel), &v, sizeof(v)), sizeof(v));
	sim_get_stats(fake_kernel, &s);
	ck_assert_uint_gt(s.pinned_pages, 0);
	/* idle for 1 s, looked at every 2 s: gone within a few seconds */
	for (int i = 0; i < 100 && s.pinned_pages; i++) {
		usleep(100000);
		sim_get_stats(fake_kernel, &s);
	}
	kill(getpid(), SIGTERM);
	return NULL;
}

/*
 * Idle reclaim through the daemon's loop: the manager's tick releases what
 * the devices stopped using, the last batch's windows included.
 */
START_TEST(idle_reclaim_gives_everything_back)
{
	struct conf_settings command_line = { .set = 1u << CONF_IDLE_RECLAIM };
	struct resolver_config rc = { .batch_max = 64, .timeout_ms = 5000 };
	_cleanup_(manager_freep) struct manager *m = NULL;
	char error[CONF_ERROR_MAX];
	struct serve_result result;
	struct sim_config c;
	struct sim_stats s;

	command_line.resolver.idle_reclaim_s = 1;
	command_line.origin[CONF_IDLE_RECLAIM] = CONF_ORIGIN_COMMAND_LINE;
	ck_assert_int_eq(manager_new("/nonexistent/iopfd", &command_line, "serve", &m, error), 0);
	sim_config_default(&c);
	c.workload.kind = WORKLOAD_RANDOM;
	c.workload.accesses = 2000;
	c.memory_bytes = 32u << 20;
	ck_assert_int_eq(sim_new(&c, &fake_kernel), 0);
	fake_fd = fake_kernel_install(fake_kernel);
	ck_assert_int_ge(fake_fd, 0);
	iopf_policy_default(IOPF_POLICY_FIXED, &rc.policy);
	rc.policy.fixed_pages = 16;
	serve_with(reclaim_waiter, &rc, m, &result);

	sim_get_stats(fake_kernel, &s);
	ck_assert_uint_eq(s.resolved, s.faults);
	ck_assert_uint_eq(s.pinned_pages, 0);
	ck_assert_uint_gt(result.resolver.reclaimed, 0);
	ck_assert_uint_eq(result.resolver.release_errors, 0);
	fake_kernel = sim_free(fake_kernel);
}
END_TEST

START_TEST(refuses_a_fd_that_is_not_iopf)
{
	struct resolver_config rc = { .batch_max = 64 };
	struct serve_result result;
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(serve_run(p[0], &rc, NULL, -1, &result), -ENOTTY);
	close(p[0]);
	close(p[1]);
}
END_TEST

TEST_MAIN("serve", serves_until_sigterm, refuses_a_fd_that_is_not_iopf, idle_reclaim_gives_everything_back)
