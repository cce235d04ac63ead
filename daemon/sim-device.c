/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The simulated devices, one thread: each stream accesses its pages; an
 * access to an unmapped page takes the kernel's fault path, inline as in the
 * IOMMU's fault context: forwarded on the ring to the resolver, or answered
 * with the fallback window when none reads it or the ring is full.  Answers
 * and timeouts are acted on in the thread's next round.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "bitmap.h"
#include "policy.h"
#include "sim-internal.h"
#include "time-util.h"

static void write_record(struct sim *s, struct sim_stream *st, uint32_t tail)
{
	const struct dma_range *rg = dma_layout_range_of_page(&s->layout, st->fault_page);
	struct vfio_iopf_fault *f = iopf_ring_record(&s->ring, tail);

	*f = (struct vfio_iopf_fault) {
		.cookie = ((uint64_t)st->generation << 32) | (uint64_t)(st - s->streams + 1),
		.iova = dma_layout_page_iova(&s->layout, st->fault_page),
		.dma_iova = rg->iova,
		.dma_size = rg->npages << IOPF_PAGE_SHIFT,
		.timestamp_ns = st->raised_ns,
		.perm = VFIO_IOPF_PERM_READ |
			(s->config.manual && !st->access_write ? 0 : VFIO_IOPF_PERM_WRITE),
		.dev_id = st->dev,
	};
}

/* Whether faults go to the resolver: one is attached and has not stalled. */
static bool resolver_reads(struct sim *s)
{
	if (s->resolver_fd < 0)
		return false;
	if (s->stalled && __atomic_load_n(s->ring.consumer, __ATOMIC_RELAXED) == s->stalled_at)
		return false;
	s->stalled = false;
	return true;
}

/* config.manual: the access the device was told to make ended with @status. */
static void access_end(struct sim *s, struct sim_stream *st, int status)
{
	if (!s->config.manual || !st->access_running)
		return;
	st->access_running = false;
	st->access_status = status;
	pthread_cond_broadcast(&s->access_done);
}

/*
 * Runs one device stream until it faults on a page the resolver must
 * handle, or finishes.  Returns true when a record was queued.
 */
static bool run_stream(struct sim *s, struct sim_stream *st, uint32_t *tail)
{
	for (;;) {
		uint64_t page;
		uint32_t space;
		bool forward;

		if (st->retry) {
			page = st->fault_page;
			st->retry = false;
		} else if (s->config.manual) {
			if (!st->access_asked)
				return false;  /* idle until sim_access_start() */
			st->access_asked = false;
			page = st->access_page;
		} else if (!workload_next(&st->wl, &page, NULL)) {
			st->state = STREAM_DONE;
			s->ndone++;
			return false;
		}

		if (bit_test(s->mapped, page)) {
			bit_set(s->touched, page);
			s->stats.accesses++;
			access_end(s, st, 0);
			continue;
		}

		s->stats.faults++;
		s->stats.outstanding++;
		st->fault_page = page;
		st->raised_ns = now_ns();
		st->generation++;
		st->state = STREAM_WAITING;

		forward = resolver_reads(s);
		space = iopf_ring_space(&s->ring, *tail);
		if (forward && space == 0) {
			s->stats.overflow++;
			__atomic_store_n(s->ring.overflow, *s->ring.overflow + 1, __ATOMIC_RELAXED);
		}
		if (!forward || space == 0) {
			/* Answered in the fault's own context, as the kernel does. */
			uint32_t response;
			uint64_t *counter = sim_fallback_response(s, st, &response);

			sim_settle(s, st, response, counter);
			st->state = STREAM_RUNNING;
			st->retry = response == VFIO_IOPF_RESPONSE_SUCCESS;
			if (!st->retry)
				access_end(s, st, -EFAULT);
			continue;
		}

		write_record(s, st, *tail);
		st->ring_pos = *tail;
		(*tail)++;
		s->stats.forwarded++;
		st->deadline_ns = st->raised_ns + s->timeout_ns;
		s->min_deadline_ns = MIN(s->min_deadline_ns, st->deadline_ns);
		return true;
	}
}

/* Answers forwarded faults whose deadline passed, and finds the next deadline. */
static void expire_timeouts(struct sim *s, uint64_t now)
{
	uint64_t next = UINT64_MAX;

	for (uint32_t i = 0; i < s->nstreams; i++) {
		struct sim_stream *st = &s->streams[i];

		if (st->state != STREAM_WAITING)
			continue;
		if (st->deadline_ns <= now) {
			uint32_t consumer = __atomic_load_n(s->ring.consumer, __ATOMIC_RELAXED);

			/* Not even read: stop waiting for this resolver, as the kernel does. */
			if ((int32_t)(st->ring_pos - consumer) >= 0) {
				s->stalled = true;
				s->stalled_at = consumer;
			}
			s->stats.timeouts++;
			sim_answer_fallback(s, st);
		} else {
			next = MIN(next, st->deadline_ns);
		}
	}
	s->min_deadline_ns = next;
}

/* The device acts on its answer: retry the access, or report a DMA error. */
static void act_on_answers(struct sim *s)
{
	while (s->nanswered) {
		struct sim_stream *st = &s->streams[s->answered[--s->nanswered]];

		st->retry = st->response == VFIO_IOPF_RESPONSE_SUCCESS;
		st->state = STREAM_RUNNING;
		if (!st->retry)
			access_end(s, st, -EFAULT);
	}
}

/* @delta_ns from now on CLOCK_REALTIME, the clock of the condvars' timed waits. */
static struct timespec realtime_after(uint64_t delta_ns)
{
	struct timespec rt;
	uint64_t at;

	clock_gettime(CLOCK_REALTIME, &rt);
	at = (uint64_t)rt.tv_sec * 1000000000u + (uint64_t)rt.tv_nsec + delta_ns;
	return (struct timespec) {
		.tv_sec = (time_t)(at / 1000000000u),
		.tv_nsec = (long)(at % 1000000000u),
	};
}

static void wait_for_answers(struct sim *s)
{
	if (s->stop)
		return;

	s->sleeping = true;
	if (s->min_deadline_ns == UINT64_MAX) {
		pthread_cond_wait(&s->wake, &s->lock);
	} else {
		/* The deadline is monotonic; the condvar waits on CLOCK_REALTIME. */
		struct timespec until = realtime_after(s->min_deadline_ns - now_ns());

		pthread_cond_timedwait(&s->wake, &s->lock, &until);
	}
	s->sleeping = false;
}

static void *device_thread(void *arg)
{
	struct sim *s = arg;
	uint64_t one = 1;

	pthread_mutex_lock(&s->lock);
	while ((s->config.manual || s->ndone < s->nstreams) && !s->stop) {
		uint32_t tail = *s->ring.producer, queued = 0;

		if (now_ns() >= s->min_deadline_ns)
			expire_timeouts(s, now_ns());
		act_on_answers(s);
		for (uint32_t i = 0; i < s->nstreams; i++)
			if (s->streams[i].state == STREAM_RUNNING)
				queued += run_stream(s, &s->streams[i], &tail);

		if (queued) {
			iopf_ring_produce(&s->ring, tail);
			/* Only a failure to count can fail here; the counter cannot overflow. */
			if (write(s->resolver_fd, &one, sizeof(one)) < 0)
				abort();
		}
		if ((s->config.manual || s->ndone < s->nstreams) && !s->nanswered)
			wait_for_answers(s);
	}
	s->stats.elapsed_ns = now_ns() - s->start_ns;
	pthread_mutex_unlock(&s->lock);

	if (write(s->done_fd, &one, sizeof(one)) < 0)
		abort();
	return NULL;
}

int sim_start(struct sim *s)
{
	int r;

	if (s->thread_started)
		return -EBUSY;
	s->start_ns = now_ns();
	r = -pthread_create(&s->thread, NULL, device_thread, s);
	if (r < 0)
		return r;
	s->thread_started = true;
	return 0;
}

int sim_wait(struct sim *s)
{
	if (!s->thread_started)
		return -ECHILD;
	pthread_join(s->thread, NULL);
	s->thread_started = false;
	return 0;
}

int sim_access_start(struct sim *s, uint32_t dev, uint64_t iova, bool write)
{
	const struct dma_range *rg;
	struct sim_stream *st;
	int r = -ENOENT;

	if (!s->config.manual || dev >= s->config.ndevices)
		return -EINVAL;
	st = &s->streams[dev * s->config.streams_per_device];
	pthread_mutex_lock(&s->lock);
	if (st->access_running) {
		r = -EBUSY;
		goto out;
	}
	rg = dma_layout_range_of_iova(&s->layout, iova);
	if (rg) {
		st->access_page = rg->first_page + ((iova - rg->iova) >> IOPF_PAGE_SHIFT);
		st->access_write = write;
		st->access_asked = st->access_running = true;
		sim_wake_devices(s);
		r = 0;
	}
out:
	pthread_mutex_unlock(&s->lock);
	return r;
}

int sim_access_wait(struct sim *s, uint32_t dev, uint32_t timeout_ms)
{
	struct timespec until = realtime_after(timeout_ms * UINT64_C(1000000));
	struct sim_stream *st;
	int r = 0;

	if (!s->config.manual || dev >= s->config.ndevices)
		return -EINVAL;
	st = &s->streams[dev * s->config.streams_per_device];
	pthread_mutex_lock(&s->lock);
	while (st->access_running && r == 0)
		r = -pthread_cond_timedwait(&s->access_done, &s->lock, &until);
	if (!st->access_running)
		r = st->access_status;
	pthread_mutex_unlock(&s->lock);
	return r;
}
