/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The event loop: one io_uring with a read in flight on every source
 * (eventfds, timerfds, signalfds).  When a read completes its handler runs,
 * then the read is queued again.  Nothing polls, nothing sleeps.
 */

#include <liburing.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

struct loop;
struct loop_source;

/* Returns 0 to keep the source, a negative errno to stop the loop with it. */
typedef int (*loop_handler_t)(struct loop *l, struct loop_source *src);

struct loop_source {
	int fd;
	size_t size;              /* bytes one read takes: 8, or a signalfd_siginfo */
	loop_handler_t handler;
	void *userdata;
	unsigned char buf[128];
};

struct loop {
	struct io_uring ring;
	bool running;
	int result;
	int signal_fd;
	sigset_t signal_mask;
	sigset_t saved_mask;
	struct loop_source signal_source;
};

/* Sets up the ring and a signalfd: SIGINT and SIGTERM end loop_run() with -EINTR. */
int loop_init(struct loop *l);
void loop_done(struct loop *l);
int loop_add(struct loop *l, struct loop_source *src);
/* Runs until loop_exit() or a handler fails; returns the exit result. */
int loop_run(struct loop *l);
void loop_exit(struct loop *l, int result);
