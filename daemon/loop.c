/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <poll.h>
#include <string.h>

#include "log.h"
#include "loop.h"

#define LOOP_ENTRIES 16

int loop_init(struct loop *l)
{
	memset(l, 0, sizeof(*l));
	return io_uring_queue_init(LOOP_ENTRIES, &l->ring, 0);
}

void loop_done(struct loop *l)
{
	io_uring_queue_exit(&l->ring);
}

static int arm(struct loop *l, struct loop_source *src)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&l->ring);

	if (!sqe)
		return -EBUSY;
	io_uring_prep_read(sqe, src->fd, src->buf, (unsigned)src->size, 0);
	io_uring_sqe_set_data(sqe, src);
	return 0;
}

int loop_add(struct loop *l, struct loop_source *src)
{
	if (src->size == 0 || src->size > sizeof(src->buf) || !src->handler)
		return -EINVAL;
	return arm(l, src);
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
			if (res < 0 && res != -EINTR && res != -EAGAIN) {
				loop_exit(l, log_error_errno(res, "Reading fd %d failed: %m", src->fd));
				break;
			}
			if (res > 0) {
				r = src->handler(l, src);
				if (r < 0) {
					loop_exit(l, r);
					break;
				}
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
