/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The simulator's kernel side: the ring and its memfd, the IOMMU page table
 * with locked-memory accounting, the in-kernel fallback window, and the
 * iopf fd's ioctls.  The devices and the fault path are in sim-device.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "bitmap.h"
#include "fd-util.h"
#include "policy.h"
#include "sim-internal.h"
#include "time-util.h"

#define SIM_MEMORY_MAX (UINT64_C(1) << 40)
#define SIM_STREAMS_MAX 4096u
#define SIM_TIMEOUT_DEFAULT_MS 1000u

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
void sim_settle(struct sim *s, struct sim_stream *st, uint32_t response, uint64_t *counter)
{
	st->response = response;
	(*counter)++;
	s->stats.outstanding--;
	histogram_add(&s->stats.latency, now_ns() - st->raised_ns);
}

/* An answer from another context: the device acts on it in its next round. */
static void answer(struct sim *s, struct sim_stream *st, uint32_t response, uint64_t *counter)
{
	sim_settle(s, st, response, counter);
	st->state = STREAM_ANSWERED;
	s->answered[s->nanswered++] = (uint32_t)(st - s->streams);
}

/* The in-kernel answer: SUCCESS with the fallback window, INVALID if it cannot be pinned. */
uint64_t *sim_fallback_response(struct sim *s, struct sim_stream *st, uint32_t *ret_response)
{
	if (map_fallback(s, st->fault_page) < 0) {
		*ret_response = VFIO_IOPF_RESPONSE_INVALID;
		return &s->stats.invalid;
	}
	*ret_response = VFIO_IOPF_RESPONSE_SUCCESS;
	return &s->stats.fallback;
}

void sim_answer_fallback(struct sim *s, struct sim_stream *st)
{
	uint32_t response;
	uint64_t *counter = sim_fallback_response(s, st, &response);

	answer(s, st, response, counter);
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
			sim_answer_fallback(s, &s->streams[i]);
		}
	s->min_deadline_ns = UINT64_MAX;
}

void sim_wake_devices(struct sim *s)
{
	if (s->sleeping)
		pthread_cond_signal(&s->wake);
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
			sim_wake_devices(s);
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

/* A window's end; page aligned and not wrapping, or -EINVAL. */
static int window_end(const struct vfio_iopf_resolve_entry *e, uint64_t *ret_end)
{
	if ((e->map_iova | e->map_size) & (IOPF_PAGE_SIZE - 1))
		return -EINVAL;
	if (__builtin_add_overflow(e->map_iova, e->map_size, ret_end))
		return -EINVAL;
	return 0;
}

/* Checks a resolver's window: page aligned, inside the fault's range, holding the fault. */
static int check_window(const struct sim *s, const struct sim_stream *st,
			const struct vfio_iopf_resolve_entry *e, const struct dma_range **ret_range)
{
	uint64_t fault_iova = dma_layout_page_iova(&s->layout, st->fault_page);
	const struct dma_range *rg = dma_layout_range_of_page(&s->layout, st->fault_page);
	uint64_t end;

	if (window_end(e, &end) < 0)
		return -EINVAL;
	if (e->map_iova < rg->iova || end > rg->iova + (rg->npages << IOPF_PAGE_SHIFT))
		return -EINVAL;
	if (fault_iova < e->map_iova || fault_iova >= end)
		return -EINVAL;
	*ret_range = rg;
	return 0;
}

/*
 * A map-only entry (cookie 0): the window's pages in order, as the limit
 * allows; those mapped before a failure stay mapped, as in the kernel.
 */
static int map_ahead(struct sim *s, const struct vfio_iopf_resolve_entry *e)
{
	uint64_t end, limit = s->config.pin_limit_pages;
	const struct dma_range *rg;

	if (e->response != VFIO_IOPF_RESPONSE_SUCCESS || e->map_size == 0 || window_end(e, &end) < 0)
		return -EINVAL;
	rg = dma_layout_range_of_iova(&s->layout, e->map_iova);
	if (!rg)
		return -ENOENT;
	if (end > rg->iova + (rg->npages << IOPF_PAGE_SHIFT))
		return -EINVAL;
	for (uint64_t p = rg->first_page + ((e->map_iova - rg->iova) >> IOPF_PAGE_SHIFT);
	     p < rg->first_page + ((end - rg->iova) >> IOPF_PAGE_SHIFT); p++) {
		if (bit_test(s->mapped, p))
			continue;
		if (limit && s->stats.pinned_pages + 1 > limit)
			return -ENOMEM;
		map_page(s, p);
	}
	return 0;
}

static int resolve_one(struct sim *s, const struct vfio_iopf_resolve_entry *e)
{
	struct sim_stream *st;
	const struct dma_range *rg;
	int r;

	if (e->cookie == 0)
		return map_ahead(s, e);
	st = stream_of_cookie(s, e->cookie);
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
	sim_answer_fallback(s, st);
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
	sim_wake_devices(s);
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
	arg->out_features = VFIO_IOPF_FEATURE_RELEASE | VFIO_IOPF_FEATURE_MAP_AHEAD;
	arg->out_ring = s->ring_offsets;
	if (arg->argsz >= offsetof(struct vfio_iopf_info, __reserved2)) {
		arg->out_mapped_blocks = 0;  /* one page size */
		pthread_mutex_lock(&s->lock);
		arg->out_resolver_id = s->resolver_id;
		pthread_mutex_unlock(&s->lock);
	}
	return 0;
}

int sim_device_info(struct sim *s, struct vfio_iopf_device_info *arg)
{
	int r = check_arg(arg->argsz, arg->flags, sizeof(*arg));

	if (r < 0)
		return r;
	if (arg->index >= s->config.ndevices)
		return -EINVAL;
	arg->out_flags = VFIO_IOPF_DEVICE_FAULTS;
	snprintf(arg->out_name, sizeof(arg->out_name), "sim%u", arg->index);
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
