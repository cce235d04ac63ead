/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Description: iopfd's VFIO backend and serve loop against a stand-in
 * kernel (fake-kernel.h): the simulator answers the iopf fd's ioctls and its
 * memfd plays the iopf fd's mmap.  Every fault the devices
 * raise is answered, iopfd detaches on SIGTERM, and the counters add up.
 */
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include "check-helpers.h"
#include "fake-kernel.h"
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

START_TEST(serves_until_sigterm)
{
	struct sim_config c;
	struct resolver_config rc = { .batch_max = 64, .timeout_ms = 5000 };
	struct serve_result result;
	struct sim_stats s;
	pthread_t thread;
	sigset_t term, old;
	int ready[2];

	sim_config_default(&c);
	c.workload.kind = WORKLOAD_MIX;
	c.memory_bytes = 32u << 20;
	c.ndevices = 2;
	c.streams_per_device = 8;
	ck_assert_int_eq(sim_new(&c, &fake_kernel), 0);
	fake_fd = fake_kernel_install(fake_kernel);
	ck_assert_int_ge(fake_fd, 0);
	iopf_policy_default(IOPF_POLICY_ADAPTIVE, &rc.policy);
	ck_assert_int_eq(pipe(ready), 0);

	/* The stopper must not take SIGTERM itself: it is for the signalfd. */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &term, &old);
	ck_assert_int_eq(pthread_create(&thread, NULL, stopper, &ready[0]), 0);

	ck_assert_int_eq(serve_run(fake_fd, &rc, NULL, ready[1], &result), 0);
	pthread_join(thread, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	sim_get_stats(fake_kernel, &s);
	ck_assert_uint_gt(s.faults, 0);
	ck_assert_uint_eq(s.outstanding, 0);
	ck_assert_uint_eq(s.timeouts, 0);
	ck_assert_uint_eq(s.resolved, s.faults);
	ck_assert_uint_eq(result.info.out_faults, s.faults);
	ck_assert_uint_eq(result.info.out_resolved, s.faults);
	ck_assert_uint_eq(result.resolver.faults, s.faults);
	ck_assert_uint_eq(result.resolver.errors, 0);
	close(ready[0]);
	close(ready[1]);
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

TEST_MAIN("serve", serves_until_sigterm, refuses_a_fd_that_is_not_iopf)
