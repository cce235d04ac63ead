/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include "check-helpers.h"
#include "fake-kernel.h"
#include "register-server.h"

/* SIGTERM is blocked while it runs, kept for register_run()'s signalfd. */
void register_server_run(const char *sock_path, void *(*client)(void *), void *client_arg,
			 int ready_fd, struct register_stored_fd *stored, size_t nstored,
			 struct register_stats *ret)
{
	struct resolver_config rc = { .batch_max = 64, .timeout_ms = 5000 };
	pthread_t thread;
	sigset_t term, old;
	int listen_fd;

	iopf_policy_default(IOPF_POLICY_ADAPTIVE, &rc.policy);
	ck_assert_int_eq(register_listen(sock_path, &listen_fd), 0);
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &term, &old);
	ck_assert_int_eq(pthread_create(&thread, NULL, client, client_arg), 0);
	ck_assert_int_eq(register_run(listen_fd, stored, nstored, &rc, NULL, ready_fd, ret), 0);
	pthread_join(thread, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(listen_fd);
	unlink(sock_path);
}

void register_server_wait_ready(int ready)
{
	char c;

	ck_assert_int_eq(read(ready, &c, 1), 1);
	ck_assert_int_eq(c, 'R');
}

void register_server_wait_detached(void)
{
	for (int i = 0; i < 5000 && fake_kernel_attached(); i++)
		usleep(1000);
	ck_assert(!fake_kernel_attached());
}

struct sim *served_sim_new(int *ret_iopf_fd)
{
	struct sim_config config;
	struct sim *sim;

	sim_config_default(&config);
	config.workload.kind = WORKLOAD_MIX;
	config.memory_bytes = 32u << 20;
	config.ndevices = 2;
	config.streams_per_device = 8;
	ck_assert_int_eq(sim_new(&config, &sim), 0);
	*ret_iopf_fd = fake_kernel_install(sim);
	ck_assert_int_ge(*ret_iopf_fd, 0);
	return sim;
}

void check_all_resolved(struct sim *sim, struct sim_stats *ret)
{
	sim_get_stats(sim, ret);
	ck_assert_uint_gt(ret->faults, 0);
	ck_assert_uint_eq(ret->resolved, ret->faults);
	ck_assert_uint_eq(ret->fallback, 0);
	ck_assert_uint_eq(ret->timeouts, 0);
	ck_assert_uint_eq(ret->outstanding, 0);
	ck_assert_uint_eq(ret->double_maps, 0);
}
