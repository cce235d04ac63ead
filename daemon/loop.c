/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/signalfd.h>

#include "log.h"
#include "loop.h"

#define LOOP_ENTRIES 16

static int on_signal(struct loop *l, struct loop_source *src)
{
	const struct signalfd_siginfo *si = (const void *)src->buf;

	if (si->ssi_signo == SIGHUP) {
		if (l->reload)
			l->reload(l, l->reload_userdata);
		return 0;
	}
	log_notice("Received %s, stopping.", strsignal((int)si->ssi_signo));
	loop_exit(l, -EINTR);
	return 0;
}

int loop_init(struct loop *l)
{
	int r;

	memset(l, 0, sizeof(*l));
	sigemptyset(&l->signal_mask);
	sigaddset(&l->signal_mask, SIGINT);
	sigaddset(&l->signal_mask, SIGTERM);
	sigaddset(&l->signal_mask, SIGHUP);
	l->signal_fd = RET_NERRNO(signalfd(-1, &l->signal_mask, SFD_CLOEXEC));
	if (l->signal_fd < 0)
		return l->signal_fd;

	r = io_uring_queue_init(LOOP_ENTRIES, &l->ring, 0);
	if (r < 0) {
		l->signal_fd = safe_close(l->signal_fd);
		return r;
	}
	/* Blocked so they queue on the signalfd; threads started from here inherit it. */
	pthread_sigmask(SIG_BLOCK, &l->signal_mask, &l->saved_mask);
	l->signal_source = (struct loop_source) {
		.fd = l->signal_fd,
		.size = sizeof(struct signalfd_siginfo),
		.handler = on_signal,
	};
	return loop_add(l, &l->signal_source);
}

void loop_done(struct loop *l)
{
	io_uring_queue_exit(&l->ring);
	pthread_sigmask(SIG_SETMASK, &l->saved_mask, NULL);
	l->signal_fd = safe_close(l->signal_fd);
}

/* A free submission entry; when all are taken, submit them to make room. */
static int get_sqe(struct loop *l, struct io_uring_sqe **ret_sqe)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&l->ring);

	if (!sqe) {
		int r = io_uring_submit(&l->ring);

		if (r < 0)
			return r;
		sqe = io_uring_get_sqe(&l->ring);
		if (!sqe)
			return -EBUSY;
	}
	*ret_sqe = sqe;
	return 0;
}

static int arm(struct loop *l, struct loop_source *src)
{
	struct io_uring_sqe *sqe;
	int r;

	r = get_sqe(l, &sqe);
	if (r < 0)
		return r;
	if (src->size)
		io_uring_prep_read(sqe, src->fd, src->buf, (unsigned)src->size, 0);
	else
		io_uring_prep_poll_add(sqe, src->fd, src->poll_events ? src->poll_events : POLLIN);
	io_uring_sqe_set_data(sqe, src);
	src->armed = true;
	return 0;
}

int loop_add(struct loop *l, struct loop_source *src)
{
	if (src->size > sizeof(src->buf) || !src->handler)
		return -EINVAL;
	src->removed = false;
	return arm(l, src);
}

void loop_remove(struct loop *l, struct loop_source *src)
{
	struct io_uring_sqe *sqe;
	int r;

	src->removed = true;
	/* Not armed: its handler is running, and the loop releases it after. */
	if (!src->armed)
		return;
	r = get_sqe(l, &sqe);
	if (r < 0) {
		/* The request stays; its completion finds the source removed. */
		log_warning_errno(r, "Failed to cancel the request on fd %d, ignoring: %m", src->fd);
		return;
	}
	io_uring_prep_cancel(sqe, src, 0);
	io_uring_sqe_set_data(sqe, NULL);
}

static void release(struct loop_source *src)
{
	if (src->release)
		src->release(src);
}

void loop_exit(struct loop *l, int result)
{
	l->running = false;
	l->result = result;
}

/*
 * Submit, then sleep in poll(2) on the ring fd rather than in io_uring_enter:
 * the same wait, but one that valgrind (which runs one thread at a time and
 * does not know io_uring_enter blocks) lets other threads run through.
 */
static int wait_completion(struct loop *l)
{
	struct pollfd p = { .fd = l->ring.ring_fd, .events = POLLIN };
	int r;

	r = io_uring_submit(&l->ring);
	if (r < 0)
		return r;
	if (io_uring_cq_ready(&l->ring))
		return 0;
	return RET_NERRNO(poll(&p, 1, -1));
}

int loop_run(struct loop *l)
{
	l->running = true;
	l->result = 0;

	while (l->running) {
		struct io_uring_cqe *cqe;
		struct loop_source *src;
		int r;

		r = wait_completion(l);
		if (r == -EINTR)
			continue;
		if (r < 0)
			return log_error_errno(r, "io_uring wait failed: %m");

		while (l->running && io_uring_peek_cqe(&l->ring, &cqe) == 0) {
			int res = cqe->res;

			src = io_uring_cqe_get_data(cqe);
			io_uring_cqe_seen(&l->ring, cqe);
			if (!src)
				continue;	/* a cancel request's own completion */
			src->armed = false;
			if (src->removed) {
				release(src);
				continue;
			}
			if (res < 0 && res != -EINTR && res != -EAGAIN) {
				loop_exit(l, log_error_errno(res, "Reading fd %d failed: %m", src->fd));
				break;
			}
			if (res > 0) {
				bool removed;

				r = src->handler(l, src);
				removed = src->removed;
				if (removed)
					release(src);   /* may free it */
				if (r < 0) {
					loop_exit(l, r);
					break;
				}
				if (removed)
					continue;
			}
			r = arm(l, src);
			if (r < 0) {
				loop_exit(l, log_error_errno(r, "Failed to queue a read: %m"));
				break;
			}
		}
	}
	return l->result;
}
