/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * iopfd's registration server in the test's own process, for the tests that
 * play a VMM against it: the server runs in the calling thread, the VMM in
 * another, and the VMs are simulators behind the fake kernel (fake-kernel.h).
 */

#include "register.h"
#include "sim.h"

/*
 * Serves @sock_path (register_listen() + register_run()) until @client,
 * started on @client_arg once the server listens, sends SIGTERM; then joins
 * it and removes the socket.  @ready_fd gets one 'R' when iopfd is ready.
 */
void register_server_run(const char *sock_path, void *(*client)(void *), void *client_arg,
			 int ready_fd, struct register_stored_fd *stored, size_t nstored,
			 struct register_stats *ret);
/* Waits for the 'R' of register_server_run()'s @ready_fd on its read end. */
void register_server_wait_ready(int ready);
/* Waits until iopfd detached from the fake kernel's iopf fd (5 s at most). */
void register_server_wait_detached(void);

/* A VM for iopfd to serve: two devices on a mix workload; its iopf fd in *ret_iopf_fd. */
struct sim *served_sim_new(int *ret_iopf_fd);
/* Every fault the devices raised was answered by iopfd, none twice, none late. */
void check_all_resolved(struct sim *sim, struct sim_stats *ret);
