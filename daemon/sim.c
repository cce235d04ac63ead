/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/kcmp.h>

#include "dma-layout.h"
#include "macro.h"
#include "policy.h"
#include "ring.h"
#include "sim.h"
#include "time-util.h"

#define SIM_MEMORY_MAX (UINT64_C(1) << 40)
#define SIM_STREAMS_MAX 4096u
#define SIM_TIMEOUT_DEFAULT_MS 1000u

enum stream_state {
	STREAM_RUNNING,
	STREAM_WAITING,  /* fault forwarded, no answer yet */
	STREAM_ANSWERED, /* answer given, the device has not retried yet */
	STREAM_DONE,
};

struct sim_stream {
	struct workload_stream wl;
	enum stream_state state;
	uint32_t dev;
	uint32_t generation;   /* part of the cookie, so an old cookie is never reused */
	uint32_t response;
	bool retry;            /* fault_page must be accessed again */
	uint64_t fault_page;
	uint64_t raised_ns;
	uint64_t deadline_ns;
	uint32_t ring_pos;     /* ring index of its record, while forwarded */
	/* config.manual: the access asked for, and how it ended */
	bool access_asked;     /* not started yet */
	bool access_running;
	bool access_write;
	uint64_t access_page;
	int access_status;
};

struct sim {
	struct sim_config config;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_cond_t access_done; /* config.manual: an access ended */
	pthread_t thread;
	bool thread_started;
	bool sleeping;
	bool stop;

	struct dma_layout layout;
	uint64_t *mapped;   /* bitmap over page indices: the IOMMU page table */
	uint64_t *touched;  /* bitmap: pages some device accessed */
	uint64_t npages;

	struct sim_stream *streams;
	uint32_t nstreams;
	uint32_t ndone;
	uint32_t *answered; /* stack of stream indices with an answer to act on */
	uint32_t nanswered;
	struct zipf_table *zipf;

	int ring_fd;
	void *ring_mem;
	struct vfio_iopf_ring_offsets ring_offsets;
	struct iopf_ring ring;

	int resolver_fd;    /* the resolver's eventfd, -1 when detached */
	uint32_t resolver_id;  /* its id, 0 when detached */
	uint32_t resolver_gen; /* the last id given out */
	/* It left a record unread past its deadline: not forwarded to until it reads. */
	bool stalled;
	uint32_t stalled_at; /* the consumer index then */
	uint64_t timeout_ns;
	uint64_t min_deadline_ns;
	int done_fd;

	uint64_t start_ns;
	struct sim_stats stats;
};

static bool bit_test(const uint64_t *map, uint64_t bit)
{
	return map[bit / 64] & (UINT64_C(1) << (bit % 64));
}

static void bit_set(uint64_t *map, uint64_t bit)
{
	map[bit / 64] |= UINT64_C(1) << (bit % 64);
}

static void bit_clear(uint64_t *map, uint64_t bit)
{
	map[bit / 64] &= ~(UINT64_C(1) << (bit % 64));
}

void sim_config_default(struct sim_config *ret)
{
	*ret = (struct sim_config) {
		.memory_bytes = UINT64_C(1) << 30,
		.ndevices = 1,
		.streams_per_device = 1,
		.nranges = 1,
		.ring_entries = 4096,
		.fallback_pages = IOPF_FIXED_PAGES_DEFAULT,
	};
	workload_config_default(&ret->workload);
}

static int validate_config(const struct sim_config *c)
{
	uint64_t streams = (uint64_t)c->ndevices * c->streams_per_device;

	if (c->memory_bytes % IOPF_PAGE_SIZE || c->memory_bytes > SIM_MEMORY_MAX)
		return -EINVAL;
	if (streams == 0 || streams > SIM_STREAMS_MAX)
		return -EINVAL;
	if (c->nranges == 0 || c->nranges > DMA_RANGES_MAX)
		return -EINVAL;
	if (c->memory_bytes >> IOPF_PAGE_SHIFT < MAX(streams, (uint64_t)c->nranges))
		return -EINVAL;
	if (c->fallback_pages == 0 || c->workload.kind < 0 || c->workload.kind >= _WORKLOAD_MAX)
		return -EINVAL;
	return 0;
}

static int setup_ring(struct sim *s)
{
	int r;

	r = iopf_ring_layout(s->config.ring_entries, &s->ring_offsets);
	if (r < 0)
		return r;
	s->ring_fd = RET_NERRNO(memfd_create("iopf-sim-ring", MFD_CLOEXEC));
	if (s->ring_fd < 0)
		return s->ring_fd;
	if (ftruncate(s->ring_fd, (off_t)s->ring_offsets.mmap_size) < 0)
		return negative_errno();
	s->ring_mem = mmap(NULL, s->ring_offsets.mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			   s->ring_fd, 0);
	if (s->ring_mem == MAP_FAILED) {
		s->ring_mem = NULL;
		return negative_errno();
	}
	iopf_ring_format(s->ring_mem, &s->ring_offsets, s->config.ring_entries);
	return iopf_ring_init(&s->ring, s->ring_mem, s->ring_offsets.mmap_size, &s->ring_offsets);
}

static int setup_streams(struct sim *s)
{
	struct workload_config *w = &s->config.workload;
	int r;

	r = workload_zipf_new(w, &s->zipf);
	if (r < 0)
		return r;
	s->streams = calloc(s->nstreams, sizeof(*s->streams));
	s->answered = calloc(s->nstreams, sizeof(*s->answered));
	if (!s->streams || !s->answered)
		return -ENOMEM;
	for (uint32_t i = 0; i < s->nstreams; i++) {
		r = workload_stream_init(w, i, s->zipf, &s->streams[i].wl);
		if (r < 0)
			return r;
		s->streams[i].dev = i / s->config.streams_per_device;
	}
	return 0;
}

int sim_new(const struct sim_config *c, struct sim **ret)
{
	struct sim *s;
	size_t words;
	int r;

	r = validate_config(c);
	if (r < 0)
		return r;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->config = *c;
	s->ring_fd = s->done_fd = s->resolver_fd = -EBADF;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->wake, NULL);
	pthread_cond_init(&s->access_done, NULL);

	s->npages = c->memory_bytes >> IOPF_PAGE_SHIFT;
	s->nstreams = c->ndevices * c->streams_per_device;
	s->config.workload.npages = s->npages;
	s->config.workload.nstreams = s->nstreams;
	s->config.workload.ndevices = c->ndevices;
	s->timeout_ns = SIM_TIMEOUT_DEFAULT_MS * UINT64_C(1000000);
	s->min_deadline_ns = UINT64_MAX;
	r = dma_layout_init(s->npages, c->nranges, &s->layout);
	if (r < 0)
		goto fail;

	words = (s->npages + 63) / 64;
	s->mapped = calloc(words, sizeof(uint64_t));
	s->touched = calloc(words, sizeof(uint64_t));
	if (!s->mapped || !s->touched) {
		r = -ENOMEM;
		goto fail;
	}
	r = setup_streams(s);
	if (r < 0)
		goto fail;
	r = setup_ring(s);
	if (r < 0)
		goto fail;
	s->done_fd = RET_NERRNO(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
	if (s->done_fd < 0) {
		r = s->done_fd;
		goto fail;
	}
	*ret = s;
	return 0;
fail:
	sim_free(s);
	return r;
}

int sim_ring_fd(const struct sim *s)
{
	return s->ring_fd;
}

void sim_ring_offsets(const struct sim *s, struct vfio_iopf_ring_offsets *ret)
{
	*ret = s->ring_offsets;
}

int sim_done_fd(const struct sim *s)
{
	return s->done_fd;
}

/* Maps one page, keeping the pin accounting; the caller checked the limit. */
static void map_page(struct sim *s, uint64_t page)
{
	if (bit_test(s->mapped, page)) {
		s->stats.double_maps++;
		return;
	}
	bit_set(s->mapped, page);
	s->stats.mapped_pages++;
	s->stats.pinned_pages++;
	if (s->stats.pinned_pages > s->stats.peak_pinned_pages)
		s->stats.peak_pinned_pages = s->stats.pinned_pages;
}

/*
 * Pins and maps the unmapped pages of [first, first + n).  If the locked
 * memory limit does not allow all of them, maps only @fault_page, as the
 * kernel does.
 */
static int map_window(struct sim *s, uint64_t first, uint64_t n, uint64_t fault_page)
{
	uint64_t missing = 0, limit = s->config.pin_limit_pages;

	for (uint64_t p = first; p < first + n; p++)
		missing += !bit_test(s->mapped, p);

	if (limit && s->stats.pinned_pages + missing > limit) {
		if (bit_test(s->mapped, fault_page))
			return 0;
		if (s->stats.pinned_pages + 1 > limit)
			return -ENOMEM;
		map_page(s, fault_page);
		return 0;
	}
	for (uint64_t p = first; p < first + n; p++)
		if (!bit_test(s->mapped, p))
			map_page(s, p);
	return 0;
}

/* The in-kernel fallback: the seed's fixed window around the fault. */
static int map_fallback(struct sim *s, uint64_t page)
{
	const struct dma_range *rg = dma_layout_range_of_page(&s->layout, page);
	struct iopf_policy fixed;
	struct iopf_fault_view view = {
		.iova = dma_layout_page_iova(&s->layout, page),
		.dma_iova = rg->iova,
		.dma_size = rg->npages << IOPF_PAGE_SHIFT,
	};
	struct iopf_window w;

	iopf_policy_default(IOPF_POLICY_FIXED, &fixed);
	fixed.fixed_pages = s->config.fallback_pages;
	w = iopf_policy_window(&fixed, NULL, &view);
	return map_window(s, rg->first_page + ((w.iova - rg->iova) >> IOPF_PAGE_SHIFT),
			  w.size >> IOPF_PAGE_SHIFT, page);
}

/* Every answer to a fault goes through here, exactly once per fault. */
static void settle(struct sim *s, struct sim_stream *st, uint32_t response, uint64_t *counter)
{
	st->response = response;
	(*counter)++;
	s->stats.outstanding--;
	histogram_add(&s->stats.latency, now_ns() - st->raised_ns);
}

/* An answer from another context: the device acts on it in its next round. */
static void answer(struct sim *s, struct sim_stream *st, uint32_t response, uint64_t *counter)
{
	settle(s, st, response, counter);
	st->state = STREAM_ANSWERED;
	s->answered[s->nanswered++] = (uint32_t)(st - s->streams);
}

/* The in-kernel answer: SUCCESS with the fallback window, INVALID if it cannot be pinned. */
static uint64_t *fallback_response(struct sim *s, struct sim_stream *st, uint32_t *ret_response)
{
	if (map_fallback(s, st->fault_page) < 0) {
		*ret_response = VFIO_IOPF_RESPONSE_INVALID;
		return &s->stats.invalid;
	}
	*ret_response = VFIO_IOPF_RESPONSE_SUCCESS;
	return &s->stats.fallback;
}

static void answer_fallback(struct sim *s, struct sim_stream *st)
{
	uint32_t response;
	uint64_t *counter = fallback_response(s, st, &response);

	answer(s, st, response, counter);
}

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
			uint64_t *counter = fallback_response(s, st, &response);

			settle(s, st, response, counter);
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
			answer_fallback(s, st);
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

/* Arguments shared by every ioctl: argsz covers the struct, flags are 0. */
static int check_arg(uint32_t argsz, uint32_t flags, size_t minsz)
{
	if (argsz < minsz || flags)
		return -EINVAL;
	return 0;
}

/* Answers every forwarded fault: the resolver is gone. */
static void answer_outstanding(struct sim *s)
{
	for (uint32_t i = 0; i < s->nstreams; i++)
		if (s->streams[i].state == STREAM_WAITING) {
			s->stats.detached++;
			answer_fallback(s, &s->streams[i]);
		}
	s->min_deadline_ns = UINT64_MAX;
}

static void wake_devices(struct sim *s)
{
	if (s->sleeping)
		pthread_cond_signal(&s->wake);
}

/* Whether two fds of this process name the same open file (the same eventfd). */
static bool same_file(int a, int b)
{
	pid_t pid = getpid();

	return syscall(SYS_kcmp, pid, pid, KCMP_FILE, a, b) == 0;
}

int sim_set_resolver(struct sim *s, const struct vfio_iopf_set_resolver *arg)
{
	const uint32_t known = VFIO_IOPF_RESOLVER_TAKEOVER | VFIO_IOPF_RESOLVER_DETACH;
	bool takeover = arg->flags & VFIO_IOPF_RESOLVER_TAKEOVER;
	bool detach = arg->flags & VFIO_IOPF_RESOLVER_DETACH;
	int fd = -EBADF, r;
	bool attached;

	r = check_arg(arg->argsz, arg->flags & ~known, sizeof(*arg));
	if (r < 0)
		return r;
	if ((takeover && detach) || (detach && arg->eventfd < 0))
		return -EINVAL;
	if (arg->eventfd < -1)
		return -EINVAL;
	if (arg->eventfd >= 0 && fcntl(arg->eventfd, F_GETFD) < 0)
		return -EBADF;

	pthread_mutex_lock(&s->lock);
	/* The eventfd named is the resolver already. */
	attached = arg->eventfd >= 0 && s->resolver_fd >= 0 && same_file(s->resolver_fd, arg->eventfd);
	if (detach && !attached) {
		/* Only the resolver named may detach itself. */
		r = -ESTALE;
		goto out;
	}
	if (arg->eventfd >= 0 && !detach && !attached) {
		if (s->resolver_fd >= 0 && !takeover) {
			r = -EBUSY;
			goto out;
		}
		fd = RET_NERRNO(fcntl(arg->eventfd, F_DUPFD_CLOEXEC, 3));
		if (fd < 0) {
			r = fd;
			goto out;
		}
		if (s->resolver_fd >= 0) {
			uint64_t one = 1;

			/* The displaced resolver wakes up and can tell it is not the one. */
			(void)!write(s->resolver_fd, &one, sizeof(one));
		}
	}
	if (detach || !attached) {
		s->resolver_fd = safe_close(s->resolver_fd);
		s->resolver_fd = fd;
		if (fd < 0) {
			s->resolver_id = 0;
			answer_outstanding(s);
			wake_devices(s);
		} else {
			s->resolver_id = ++s->resolver_gen ? s->resolver_gen : ++s->resolver_gen;
		}
	}
	s->stalled = false;
	s->timeout_ns = (arg->timeout_ms ? arg->timeout_ms : SIM_TIMEOUT_DEFAULT_MS) * UINT64_C(1000000);
	r = (int)s->resolver_id;
out:
	pthread_mutex_unlock(&s->lock);
	return r;
}

static struct sim_stream *stream_of_cookie(struct sim *s, uint64_t cookie)
{
	uint64_t idx = (cookie & UINT32_MAX) - 1;
	struct sim_stream *st;

	if (idx >= s->nstreams)
		return NULL;
	st = &s->streams[idx];
	if (st->state != STREAM_WAITING || st->generation != cookie >> 32)
		return NULL;
	return st;
}

/* Checks a resolver's window: page aligned, inside the fault's range, holding the fault. */
static int check_window(const struct sim *s, const struct sim_stream *st,
			const struct vfio_iopf_resolve_entry *e, const struct dma_range **ret_range)
{
	uint64_t fault_iova = dma_layout_page_iova(&s->layout, st->fault_page);
	const struct dma_range *rg = dma_layout_range_of_page(&s->layout, st->fault_page);
	uint64_t end;

	if ((e->map_iova | e->map_size) & (IOPF_PAGE_SIZE - 1))
		return -EINVAL;
	if (__builtin_add_overflow(e->map_iova, e->map_size, &end))
		return -EINVAL;
	if (e->map_iova < rg->iova || end > rg->iova + (rg->npages << IOPF_PAGE_SHIFT))
		return -EINVAL;
	if (fault_iova < e->map_iova || fault_iova >= end)
		return -EINVAL;
	*ret_range = rg;
	return 0;
}

static int resolve_one(struct sim *s, const struct vfio_iopf_resolve_entry *e)
{
	struct sim_stream *st = stream_of_cookie(s, e->cookie);
	const struct dma_range *rg;
	int r;

	if (!st)
		return -ENOENT;

	if (e->response == VFIO_IOPF_RESPONSE_INVALID && !e->map_iova && !e->map_size) {
		answer(s, st, VFIO_IOPF_RESPONSE_INVALID, &s->stats.invalid);
		return 0;
	}
	if (e->response != VFIO_IOPF_RESPONSE_SUCCESS) {
		r = -EINVAL;
		goto fallback;
	}
	if (e->map_size == 0) {
		/* "Already mapped": only true if the page really is. */
		r = bit_test(s->mapped, st->fault_page) ? 0 : -EINVAL;
		if (r < 0)
			goto fallback;
		answer(s, st, VFIO_IOPF_RESPONSE_SUCCESS, &s->stats.resolved);
		return 0;
	}
	r = check_window(s, st, e, &rg);
	if (r < 0)
		goto fallback;
	r = map_window(s, rg->first_page + ((e->map_iova - rg->iova) >> IOPF_PAGE_SHIFT),
		       e->map_size >> IOPF_PAGE_SHIFT, st->fault_page);
	if (r < 0) {
		answer(s, st, VFIO_IOPF_RESPONSE_INVALID, &s->stats.invalid);
		return r;
	}
	answer(s, st, VFIO_IOPF_RESPONSE_SUCCESS, &s->stats.resolved);
	return 0;

fallback:
	/* A resolver bug must not leave the device waiting. */
	answer_fallback(s, st);
	return r;
}

int sim_resolve(struct sim *s, struct vfio_iopf_resolve *arg)
{
	int r;

	r = check_arg(arg->argsz, arg->flags, sizeof(*arg));
	if (r < 0)
		return r;
	if (arg->count > VFIO_IOPF_RESOLVE_MAX ||
	    arg->argsz < sizeof(*arg) + (size_t)arg->count * sizeof(arg->entries[0]))
		return -EINVAL;

	pthread_mutex_lock(&s->lock);
	s->stats.resolve_calls++;
	for (uint32_t i = 0; i < arg->count; i++)
		arg->entries[i].out_result = resolve_one(s, &arg->entries[i]);
	arg->out_done = arg->count;
	wake_devices(s);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

int sim_release(struct sim *s, struct vfio_iopf_release *arg)
{
	uint64_t end, released = 0;
	int r;

	r = check_arg(arg->argsz, arg->flags, sizeof(*arg));
	if (r < 0)
		return r;
	if ((arg->iova | arg->size) & (IOPF_PAGE_SIZE - 1) || arg->size == 0)
		return -EINVAL;
	if (__builtin_add_overflow(arg->iova, arg->size, &end))
		return -EINVAL;

	pthread_mutex_lock(&s->lock);
	for (uint32_t i = 0; i < s->config.nranges; i++) {
		const struct dma_range *rg = &s->layout.ranges[i];
		uint64_t from = MAX(arg->iova, rg->iova);
		uint64_t to = MIN(end, rg->iova + (rg->npages << IOPF_PAGE_SHIFT));

		for (uint64_t iova = from; iova < to; iova += IOPF_PAGE_SIZE) {
			uint64_t page = rg->first_page + ((iova - rg->iova) >> IOPF_PAGE_SHIFT);

			if (!bit_test(s->mapped, page))
				continue;
			bit_clear(s->mapped, page);
			s->stats.mapped_pages--;
			s->stats.pinned_pages--;
			released += IOPF_PAGE_SIZE;
		}
	}
	pthread_mutex_unlock(&s->lock);
	arg->out_released = released;
	return 0;
}

int sim_info(struct sim *s, struct vfio_iopf_info *arg)
{
	int r;

	/* The fields after out_ring came later and are filled when asked for. */
	r = check_arg(arg->argsz, arg->flags, offsetof(struct vfio_iopf_info, out_mapped_blocks));
	if (r < 0)
		return r;
	if (arg->__reserved)
		return -EINVAL;

	pthread_mutex_lock(&s->lock);
	arg->out_faults = s->stats.faults;
	arg->out_resolved = s->stats.resolved;
	arg->out_fallback = s->stats.fallback;
	arg->out_invalid = s->stats.invalid;
	arg->out_timeouts = s->stats.timeouts;
	arg->out_overflow = s->stats.overflow;
	arg->out_mapped_pages = s->stats.mapped_pages;
	arg->out_locked_pages = s->stats.pinned_pages;
	pthread_mutex_unlock(&s->lock);
	arg->out_fallback_pages = s->config.fallback_pages;
	arg->out_ndevices = s->config.ndevices;
	arg->out_features = VFIO_IOPF_FEATURE_RELEASE;
	arg->out_ring = s->ring_offsets;
	if (arg->argsz >= offsetof(struct vfio_iopf_info, __reserved2)) {
		arg->out_mapped_blocks = 0;  /* one page size */
		pthread_mutex_lock(&s->lock);
		arg->out_resolver_id = s->resolver_id;
		pthread_mutex_unlock(&s->lock);
	}
	return 0;
}

void sim_get_stats(struct sim *s, struct sim_stats *ret)
{
	uint64_t touched = 0;

	pthread_mutex_lock(&s->lock);
	for (uint64_t w = 0; w < (s->npages + 63) / 64; w++)
		touched += (uint64_t)__builtin_popcountll(s->touched[w]);
	*ret = s->stats;
	ret->touched_pages = touched;
	pthread_mutex_unlock(&s->lock);
}

struct sim *sim_free(struct sim *s)
{
	if (!s)
		return NULL;
	if (s->thread_started) {
		pthread_mutex_lock(&s->lock);
		s->stop = true;
		pthread_cond_signal(&s->wake);
		pthread_mutex_unlock(&s->lock);
		pthread_join(s->thread, NULL);
	}
	if (s->ring_mem)
		munmap(s->ring_mem, s->ring_offsets.mmap_size);
	safe_close(s->ring_fd);
	safe_close(s->done_fd);
	safe_close(s->resolver_fd);
	zipf_table_free(s->zipf);
	free(s->streams);
	free(s->answered);
	free(s->mapped);
	free(s->touched);
	pthread_cond_destroy(&s->wake);
	pthread_cond_destroy(&s->access_done);
	pthread_mutex_destroy(&s->lock);
	free(s);
	return NULL;
}

int sim_range(const struct sim *s, uint32_t index, uint64_t *ret_iova, uint64_t *ret_size)
{
	if (index >= s->config.nranges)
		return -ENOENT;
	*ret_iova = s->layout.ranges[index].iova;
	*ret_size = s->layout.ranges[index].npages << IOPF_PAGE_SHIFT;
	return 0;
}

int sim_access_start(struct sim *s, uint32_t dev, uint64_t iova, bool write)
{
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
	for (uint32_t i = 0; i < s->config.nranges; i++) {
		const struct dma_range *rg = &s->layout.ranges[i];

		if (iova >= rg->iova && iova - rg->iova < rg->npages << IOPF_PAGE_SHIFT) {
			st->access_page = rg->first_page + ((iova - rg->iova) >> IOPF_PAGE_SHIFT);
			st->access_write = write;
			st->access_asked = st->access_running = true;
			wake_devices(s);
			r = 0;
			break;
		}
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
