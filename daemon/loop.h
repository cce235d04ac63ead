/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The event loop: one io_uring with a request in flight on every source.
 * Eventfds, timerfds and signalfds get a read of their fixed size; sockets
 * get a poll for input and their handler does the reading (accept, recvmsg).
 * When a request completes its handler runs, then it is queued again.
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
	size_t size;              /* bytes one read takes (8, a signalfd_siginfo); 0: poll */
	short poll_events;        /* what a poll waits for; 0: POLLIN */
	loop_handler_t handler;
	/* Called once a removed source is no longer referenced by the ring. */
	void (*release)(struct loop_source *src);
	void *userdata;
	bool armed;               /* a request of this source is in the ring */
	bool removed;
	unsigned char buf[128] __attribute__((aligned(8)));  /* read into as a struct */
};

struct loop {
	struct io_uring ring;
	bool running;
	int result;
	int signal_fd;
	sigset_t signal_mask;
	sigset_t saved_mask;
	struct loop_source signal_source;
	/* Runs on SIGHUP; without it SIGHUP is ignored. */
	void (*reload)(struct loop *l, void *userdata);
	void *reload_userdata;
};

/*
 * Sets up the ring and a signalfd: SIGINT and SIGTERM end loop_run() with
 * -EINTR, SIGHUP runs l->reload.
 */
int loop_init(struct loop *l);
void loop_done(struct loop *l);
int loop_add(struct loop *l, struct loop_source *src);
/*
 * Stops watching @src (from any handler, its own included).  Its request is
 * cancelled and src->release, if set, runs when the ring has let go of it.
 */
void loop_remove(struct loop *l, struct loop_source *src);
/* Runs until loop_exit() or a handler fails; returns the exit result. */
int loop_run(struct loop *l);
void loop_exit(struct loop *l, int result);
