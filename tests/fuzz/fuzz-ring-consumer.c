/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Description: iopfd's ring consumer (resolver_new, resolver_drain,
 * resolver_serve) against a fault ring that a hostile VMM writes.  The VMM
 * maps the same ring iopfd does, so the indices and records in it are
 * input.  A fuzz backend plays the kernel: it lays out the ring in a memfd,
 * produces records as the kernel does, and checks every call the resolver
 * makes; the input also rewrites indices and records between drains and
 * while one is under way (at the resolver's calls into the backend).
 *
 * The invariants, each an abort when broken:
 *  - the resolver reads nothing outside the ring's mapping (its mapping has
 *    guard pages on both sides; ASan watches everything else);
 *  - a resolve call has 1 .. batch_max entries and an argsz that covers them;
 *  - every window is page aligned, holds the faulting page and lies inside
 *    the fault's DMA range, as some record with the entry's cookie said it;
 *    a record whose range does not add up (unaligned, running past 2^64, or
 *    missing the fault) gets its faulting page alone;
 *    map-only entries come one at a time and only when mapping ahead is on;
 *  - one drain consumes at most RESOLVER_RECORDS_PER_DRAIN records and then
 *    signals its own eventfd if records are left;
 *  - a producer index more than a ring's worth past the consumer's gives
 *    -EBADMSG, and -EBADMSG means exactly that.
 *
 * Input: a setup, then a script of operations, read front to back (past the
 * end everything reads as zeros):
 *
 *   setup:   u8 config  bits 0-1 policy kind, 2 budget, 3 no_map_ahead,
 *                       4 the backend offers map-ahead
 *            u8 ring    entries = 64 << (ring % RING_ORDERS)
 *            u16 batch  batch_max = 1 + batch % VFIO_IOPF_RESOLVE_MAX
 *            u8 budget  budget pages = 1 + budget (with config bit 2)
 *            u32 start  the kernel's first producer and consumer index
 *   ops:     u8 op, then its arguments; see enum op.  "back" counts
 *            records back from the kernel's tail (0: the last one queued).
 *
 * The seeds in tests/fuzz/corpus/ring-consumer/ are written by
 * tests/fuzz/seeds-ring-consumer.py, which knows this format.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "resolver.h"

enum op {
	OP_DRAIN,    /* resolver_drain() */
	OP_SERVE,    /* resolver_serve(), what the loop does on a wake-up */
	OP_PRODUCE,  /* u16 count, u8 devices, u8 pattern, u32 seed: the kernel queues faults */
	OP_RECORD,   /* u16 back, 64 bytes: a record rewritten whole */
	OP_FIELD,    /* u16 back, u8 field, u64 value: one field of a record rewritten */
	OP_WRITE,    /* u32 offset, u8 len, len bytes: any bytes of the mapping */
	OP_INDEX,    /* u8 which, u8 base, u32 value: an index or the overflow counter set */
	OP_DURING,   /* u8 n: the next n moves happen at the resolver's next calls into the backend */
	OP_BACKEND,  /* u8 fails, u8 errno, u16 done, u8 results, u8 flags: how the backend answers */
	_OP_MAX,
};

/* Moves: what the VMM (or the kernel, for OP_PRODUCE) does to the ring. */
struct move {
	enum op op;
	uint8_t a, b;
	uint16_t n;
	uint32_t u32;
	uint64_t u64;
	uint8_t bytes[UINT8_MAX];
};

/* Rings of 64 << 0 .. 64 << (RING_ORDERS - 1) records: past 1024, a drain's quota shows. */
#define RING_ORDERS 7u
#define PENDING_MAX 64u
/* Records the kernel queues for one input at most: keeps each run short. */
#define PRODUCED_MAX 65536u
#define VERSION_BUCKETS 4096u

/* One value a record with a cookie has had in the ring: what the resolver may have read. */
struct version {
	uint64_t cookie;
	uint64_t iova;
	uint64_t dma_iova;
	uint64_t dma_size;
	uint32_t next;   /* the next version in this bucket, plus one */
};

struct harness {
	struct resolver_config config;
	struct vfio_iopf_ring_offsets off;
	int fd;
	uint8_t *ring;          /* our view of the mapping */
	uint32_t entries;
	struct resolver *resolver;
	bool map_ahead_offered;
	bool map_ahead;         /* offered, and the configuration lets the resolver use it */

	/* the kernel's side: its own indices, never read back from the ring */
	uint32_t tail;
	uint32_t overflow;
	uint64_t next_cookie;
	uint32_t produced;
	int eventfd;            /* the resolver's, as it attached */
	uint32_t resolver_id;

	/* how the backend answers, set by OP_BACKEND */
	uint32_t fail_calls;
	int fail_errno;
	uint16_t done;          /* out_done is count capped at this; 0: no cap */
	uint8_t results;
	bool displaced, info_fails, release_fails;
	int last_fatal;         /* the last error a resolve call returned */
	uint32_t resolve_calls;

	struct move pending[PENDING_MAX];
	uint32_t pending_head, pending_len;

	struct version *versions;
	uint32_t nversions, maxversions;
	uint32_t buckets[VERSION_BUCKETS];
};

static uint32_t bucket_of(uint64_t cookie)
{
	return (uint32_t)((cookie * UINT64_C(0x9e3779b97f4a7c15)) >> 52) % VERSION_BUCKETS;
}

static void log_version(struct harness *h, const struct vfio_iopf_fault *f)
{
	struct version *v;
	uint32_t b;

	if (f->cookie == 0)
		return;
	if (h->nversions == h->maxversions) {
		uint32_t max = MAX(h->maxversions * 2, 1024u);

		v = realloc(h->versions, max * sizeof(*v));
		FUZZ_CHECK(v);
		h->versions = v;
		h->maxversions = max;
	}
	b = bucket_of(f->cookie);
	h->versions[h->nversions] = (struct version) {
		.cookie = f->cookie,
		.iova = f->iova,
		.dma_iova = f->dma_iova,
		.dma_size = f->dma_size,
		.next = h->buckets[b],
	};
	h->buckets[b] = ++h->nversions;
}

/* Writes into the ring and logs the records it changed. */
static void ring_write(struct harness *h, uint64_t offset, const void *src, size_t len)
{
	uint64_t rec_end = h->off.records + (uint64_t)h->entries * h->off.record_size;
	uint64_t first, last;

	if (offset >= h->off.mmap_size)
		return;
	len = MIN(len, h->off.mmap_size - offset);
	memcpy(h->ring + offset, src, len);
	if (len == 0 || offset + len <= h->off.records || offset >= rec_end)
		return;
	first = (MAX(offset, (uint64_t)h->off.records) - h->off.records) / h->off.record_size;
	last = (MIN(offset + len, rec_end) - 1 - h->off.records) / h->off.record_size;
	for (uint64_t i = first; i <= last; i++) {
		struct vfio_iopf_fault f;

		memcpy(&f, h->ring + h->off.records + i * h->off.record_size, sizeof(f));
		log_version(h, &f);
	}
}

static uint64_t slot_offset(const struct harness *h, uint32_t idx)
{
	return h->off.records + (uint64_t)(idx & (h->entries - 1)) * h->off.record_size;
}

static uint32_t *index_at(const struct harness *h, uint32_t offset)
{
	return (uint32_t *)(void *)(h->ring + offset);
}

static uint32_t shared_load(const struct harness *h, uint32_t offset)
{
	return __atomic_load_n(index_at(h, offset), __ATOMIC_ACQUIRE);
}

static void shared_store(const struct harness *h, uint32_t offset, uint32_t v)
{
	__atomic_store_n(index_at(h, offset), v, __ATOMIC_RELEASE);
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* DMA ranges as a VMM maps them: at 0, a VM's RAM, small and unaligned to 2 MiB, at the top. */
static const struct {
	uint64_t iova, size;
} dma_ranges[] = {
	{ 0, UINT64_C(1) << 20 },
	{ UINT64_C(1) << 30, UINT64_C(64) << 20 },
	{ (UINT64_C(4) << 30) - (UINT64_C(2) << 20) + 0x3000, 0x5000 },
	{ UINT64_MAX - (UINT64_C(16) << 20) + 1, UINT64_C(16) << 20 },
};

/*
 * The kernel queues @m->n faults, as it would: at its own tail, into the
 * slots the shared consumer index says are free (a consumer index it cannot
 * believe leaves none), the rest counted as overflow.  @m->b's low bits pick
 * the access pattern (sequential, random, strided, one page), bit 2 device
 * ids past RESOLVER_DEVICES_MAX, bit 3 a range per fault; bits 4-5 the range.
 */
static void produce(struct harness *h, const struct move *m)
{
	uint32_t free_slots = h->entries - (h->tail - shared_load(h, h->off.consumer));
	uint32_t n = MIN((uint32_t)m->n % (h->entries + 1), PRODUCED_MAX - h->produced);
	uint64_t seed = ((uint64_t)m->u32 << 32) | m->u32 | 1, page;
	unsigned range = (m->b >> 4) % ARRAY_SIZE(dma_ranges);

	if (free_slots > h->entries)
		free_slots = 0;
	page = xorshift(&seed) % (dma_ranges[range].size >> IOPF_PAGE_SHIFT);
	for (uint32_t i = 0; i < n; i++) {
		struct vfio_iopf_fault f = { 0 };
		uint64_t pages;

		if (i >= free_slots) {
			h->overflow += n - i;
			break;
		}
		if (m->b & 8)
			range = xorshift(&seed) % ARRAY_SIZE(dma_ranges);
		pages = dma_ranges[range].size >> IOPF_PAGE_SHIFT;
		switch (m->b & 3) {
		case 0:
			page++;
			break;
		case 1:
			page = xorshift(&seed);
			break;
		case 2:
			page += 16;
			break;
		default:
			break;
		}
		f.cookie = ++h->next_cookie;
		f.iova = dma_ranges[range].iova + ((page % pages) << IOPF_PAGE_SHIFT);
		f.dma_iova = dma_ranges[range].iova;
		f.dma_size = dma_ranges[range].size;
		f.perm = VFIO_IOPF_PERM_READ | VFIO_IOPF_PERM_WRITE;
		f.dev_id = m->b & 4 ? (uint32_t)xorshift(&seed) : (uint32_t)(xorshift(&seed) % (m->a % 8u + 1));
		ring_write(h, slot_offset(h, h->tail), &f, sizeof(f));
		h->tail++;
		h->produced++;
	}
	shared_store(h, h->off.overflow, h->overflow);
	shared_store(h, h->off.producer, h->tail);
}

/* A record @back records before the kernel's tail, as the VMM sees it. */
static void rewrite_field(struct harness *h, const struct move *m)
{
	uint64_t offset = slot_offset(h, h->tail - 1 - m->n);
	static const struct {
		size_t offset, size;
	} fields[] = {
		{ offsetof(struct vfio_iopf_fault, cookie), 8 },
		{ offsetof(struct vfio_iopf_fault, iova), 8 },
		{ offsetof(struct vfio_iopf_fault, dma_iova), 8 },
		{ offsetof(struct vfio_iopf_fault, dma_size), 8 },
		{ offsetof(struct vfio_iopf_fault, timestamp_ns), 8 },
		{ offsetof(struct vfio_iopf_fault, perm), 4 },
		{ offsetof(struct vfio_iopf_fault, flags), 4 },
		{ offsetof(struct vfio_iopf_fault, dev_id), 4 },
		{ offsetof(struct vfio_iopf_fault, pasid), 4 },
		{ offsetof(struct vfio_iopf_fault, __reserved), 8 },
	};
	unsigned i = m->a % ARRAY_SIZE(fields);

	/* little-endian: the low bytes of the value */
	ring_write(h, offset + fields[i].offset, &m->u64, fields[i].size);
}

static void set_index(struct harness *h, const struct move *m)
{
	const uint32_t offsets[] = { h->off.producer, h->off.consumer, h->off.overflow };
	uint32_t base[] = { 0, h->tail, shared_load(h, h->off.consumer) };

	shared_store(h, offsets[m->a % ARRAY_SIZE(offsets)], base[m->b % ARRAY_SIZE(base)] + m->u32);
}

static void apply(struct harness *h, const struct move *m)
{
	switch (m->op) {
	case OP_PRODUCE:
		produce(h, m);
		break;
	case OP_RECORD:
		ring_write(h, slot_offset(h, h->tail - 1 - m->n), m->bytes, sizeof(struct vfio_iopf_fault));
		break;
	case OP_FIELD:
		rewrite_field(h, m);
		break;
	case OP_WRITE:
		ring_write(h, m->u32 % h->off.mmap_size, m->bytes, m->a);
		break;
	case OP_INDEX:
		set_index(h, m);
		break;
	default:
		break;
	}
}

static bool is_move(enum op op)
{
	return op == OP_PRODUCE || op == OP_RECORD || op == OP_FIELD || op == OP_WRITE || op == OP_INDEX;
}

static void read_move(struct fuzz_input *in, enum op op, struct move *ret)
{
	struct move m = { .op = op };

	switch (op) {
	case OP_PRODUCE:
		m.n = fuzz_u16(in);
		m.a = fuzz_u8(in);
		m.b = fuzz_u8(in);
		m.u32 = fuzz_u32(in);
		break;
	case OP_RECORD:
		m.n = fuzz_u16(in);
		fuzz_bytes(in, m.bytes, sizeof(struct vfio_iopf_fault));
		break;
	case OP_FIELD:
		m.n = fuzz_u16(in);
		m.a = fuzz_u8(in);
		m.u64 = fuzz_u64(in);
		break;
	case OP_WRITE:
		m.u32 = fuzz_u32(in);
		m.a = fuzz_u8(in);
		fuzz_bytes(in, m.bytes, m.a);
		break;
	case OP_INDEX:
		m.a = fuzz_u8(in);
		m.b = fuzz_u8(in);
		m.u32 = fuzz_u32(in);
		break;
	default:
		break;
	}
	*ret = m;
}

/* The VMM acts while the resolver is inside one of its calls: one deferred move per call. */
static void backend_call(struct harness *h)
{
	if (h->pending_len == 0)
		return;
	apply(h, &h->pending[h->pending_head]);
	h->pending_head = (h->pending_head + 1) % PENDING_MAX;
	h->pending_len--;
}

static bool is_aligned(uint64_t v)
{
	return (v & (IOPF_PAGE_SIZE - 1)) == 0;
}

/* [iova, iova + size) is page aligned, not empty, and does not run past 2^64. */
static bool window_valid(uint64_t iova, uint64_t size)
{
	return is_aligned(iova) && is_aligned(size) && size > 0 && size - 1 <= UINT64_MAX - iova;
}

static bool inside(uint64_t iova, uint64_t size, uint64_t start, uint64_t len)
{
	return iova >= start && iova - start <= len && size <= len - (iova - start);
}

/* What the kernel gives: an aligned range that holds the fault and ends by 2^64. */
static bool range_adds_up(const struct version *v)
{
	return window_valid(v->dma_iova, v->dma_size) && v->iova >= v->dma_iova &&
	       v->iova - v->dma_iova < v->dma_size;
}

/* A window for a fault of @v: inside its range and holding its page, or its page alone. */
static bool window_fits(const struct version *v, uint64_t iova, uint64_t size)
{
	uint64_t page = v->iova & ~(IOPF_PAGE_SIZE - 1);

	if (!range_adds_up(v))
		return iova == page && size == IOPF_PAGE_SIZE;
	return inside(iova, size, v->dma_iova, v->dma_size) && inside(page, IOPF_PAGE_SIZE, iova, size);
}

/* A map-only window: the rest of a window answered early, so inside some fault's range. */
static bool ahead_fits(const struct harness *h, uint64_t iova, uint64_t size)
{
	for (uint32_t i = 0; i < h->nversions; i++) {
		const struct version *v = &h->versions[i];

		if (range_adds_up(v) && inside(iova, size, v->dma_iova, v->dma_size))
			return true;
	}
	return false;
}

static bool fault_fits(const struct harness *h, uint64_t cookie, uint64_t iova, uint64_t size)
{
	for (uint32_t i = h->buckets[bucket_of(cookie)]; i; i = h->versions[i - 1].next) {
		const struct version *v = &h->versions[i - 1];

		if (v->cookie == cookie && window_fits(v, iova, size))
			return true;
	}
	return false;
}

static void check_entry(const struct harness *h, const struct vfio_iopf_resolve *arg,
			const struct vfio_iopf_resolve_entry *e)
{
	FUZZ_CHECK(e->response == VFIO_IOPF_RESPONSE_SUCCESS);
	FUZZ_CHECK(window_valid(e->map_iova, e->map_size));
	if (e->cookie == 0) {
		FUZZ_CHECK(h->map_ahead);
		FUZZ_CHECK(arg->count == 1);
		FUZZ_CHECK(ahead_fits(h, e->map_iova, e->map_size));
	} else {
		FUZZ_CHECK(fault_fits(h, e->cookie, e->map_iova, e->map_size));
	}
}

/* What the kernel answers for an entry it refuses: stale cookie, bad window, permission, memlock. */
static const int result_errnos[] = { -ENOENT, -EINVAL, -EACCES, -ENOMEM };

static int fuzz_resolve(void *data, struct vfio_iopf_resolve *arg)
{
	struct harness *h = data;
	uint32_t done;

	h->resolve_calls++;
	FUZZ_CHECK(arg->flags == 0);
	FUZZ_CHECK(arg->count >= 1 && arg->count <= h->config.batch_max);
	FUZZ_CHECK(arg->argsz == sizeof(*arg) + arg->count * sizeof(arg->entries[0]));
	for (uint32_t i = 0; i < arg->count; i++)
		check_entry(h, arg, &arg->entries[i]);

	backend_call(h);
	if (h->fail_calls > 0) {
		h->fail_calls--;
		h->last_fatal = h->fail_errno;
		return h->fail_errno;
	}
	done = h->done ? MIN(arg->count, (uint32_t)h->done) : arg->count;
	/* bit i % 8 of results set: entry i is refused */
	for (uint32_t i = 0; i < done; i++)
		arg->entries[i].out_result = (h->results >> (i % 8)) & 1 ?
					     result_errnos[i % ARRAY_SIZE(result_errnos)] : 0;
	arg->out_done = done;
	return 0;
}

static int fuzz_release(void *data, struct vfio_iopf_release *arg)
{
	struct harness *h = data;

	FUZZ_CHECK(h->config.budget_pages > 0);
	FUZZ_CHECK(arg->argsz == sizeof(*arg) && arg->flags == 0);
	FUZZ_CHECK(window_valid(arg->iova, arg->size));
	backend_call(h);
	if (h->release_fails)
		return -EIO;
	arg->out_released = arg->size;
	return 0;
}

static int fuzz_info(void *data, struct vfio_iopf_info *arg)
{
	struct harness *h = data;

	FUZZ_CHECK(arg->argsz == sizeof(*arg));
	backend_call(h);
	if (h->info_fails)
		return -EIO;
	arg->out_features = VFIO_IOPF_FEATURE_RELEASE |
			    (h->map_ahead_offered ? VFIO_IOPF_FEATURE_MAP_AHEAD : 0);
	arg->out_resolver_id = h->displaced ? h->resolver_id + 1 : h->resolver_id;
	arg->out_ring = h->off;
	return 0;
}

static int fuzz_set_resolver(void *data, const struct vfio_iopf_set_resolver *arg)
{
	struct harness *h = data;

	FUZZ_CHECK(arg->argsz == sizeof(*arg));
	if (arg->flags & VFIO_IOPF_RESOLVER_DETACH) {
		FUZZ_CHECK(arg->eventfd == h->eventfd);
		return h->displaced ? -ESTALE : 0;
	}
	FUZZ_CHECK(arg->flags == 0 && arg->eventfd >= 0 && h->eventfd < 0);
	FUZZ_CHECK(arg->timeout_ms == h->config.timeout_ms);
	h->eventfd = arg->eventfd;
	h->resolver_id = 1;
	return (int)h->resolver_id;
}

static const struct iopf_backend_ops fuzz_ops = {
	.name = "fuzz",
	.set_resolver = fuzz_set_resolver,
	.resolve = fuzz_resolve,
	.release = fuzz_release,
	.info = fuzz_info,
};

/* Whether the producer index in the ring now is one no producer could have written. */
static bool producer_impossible(const struct harness *h)
{
	return shared_load(h, h->off.producer) - h->resolver->head > h->resolver->ring.entries;
}

/* Whether the resolver signalled its eventfd; reads the signal so the next check starts afresh. */
static bool kicked(const struct harness *h)
{
	struct pollfd p = { .fd = h->eventfd, .events = POLLIN };
	uint64_t v;

	if (poll(&p, 1, 0) != 1)
		return false;
	FUZZ_CHECK(read(h->eventfd, &v, sizeof(v)) == sizeof(v));
	return true;
}

/* A negative return ends the run, as it ends serving the source in iopfd. */
static int check_drain(struct harness *h)
{
	struct resolver *r = h->resolver;
	bool impossible = producer_impossible(h);
	uint64_t faults = r->stats.faults;
	uint32_t head = r->head, calls = h->resolve_calls, ready;
	int n;

	h->last_fatal = 0;
	n = resolver_drain(r);
	FUZZ_CHECK(h->resolve_calls - calls <= RESOLVER_RECORDS_PER_DRAIN * RESOLVER_RESOLVE_TRIES);
	if (impossible || n == -EBADMSG) {
		FUZZ_CHECK(n == -EBADMSG);
		FUZZ_CHECK(producer_impossible(h));
	}
	if (n < 0) {
		FUZZ_CHECK(n == -EBADMSG || n == h->last_fatal);
		return n;
	}
	FUZZ_CHECK((uint32_t)n <= RESOLVER_RECORDS_PER_DRAIN);
	FUZZ_CHECK(r->stats.faults - faults == (uint64_t)n);
	FUZZ_CHECK(r->head - head == (uint32_t)n);
	ready = shared_load(h, h->off.producer) - r->head;
	if ((uint32_t)n == RESOLVER_RECORDS_PER_DRAIN && ready > 0 && ready <= r->ring.entries)
		FUZZ_CHECK(kicked(h));
	else
		(void)kicked(h);
	return 0;
}

static int check_serve(struct harness *h)
{
	bool impossible = producer_impossible(h);
	int e;

	h->last_fatal = 0;
	e = resolver_serve(h->resolver, 1);	/* the kernel signalled */
	(void)kicked(h);
	if (impossible)
		FUZZ_CHECK(e == -EBADMSG);
	if (e == -EBADMSG)
		FUZZ_CHECK(producer_impossible(h));
	else if (e == -ESTALE)
		FUZZ_CHECK(h->displaced && !h->info_fails);
	else if (e < 0)
		FUZZ_CHECK(e == h->last_fatal);
	return e;
}

static void set_backend(struct harness *h, struct fuzz_input *in)
{
	static const int errnos[] = { -EINTR, -EAGAIN, -ENOMEM, -EIO, -EBADF, -EINVAL };
	uint8_t flags;

	h->fail_calls = fuzz_u8(in) % 8;
	h->fail_errno = errnos[fuzz_u8(in) % ARRAY_SIZE(errnos)];
	h->done = fuzz_u16(in);
	h->results = fuzz_u8(in);
	flags = fuzz_u8(in);
	h->displaced = flags & 1;
	h->info_fails = flags & 2;
	h->release_fails = flags & 4;
}

static void run_script(struct harness *h, struct fuzz_input *in)
{
	uint32_t defer = 0;

	while (!fuzz_done(in)) {
		enum op op = fuzz_u8(in) % _OP_MAX;
		struct move m;

		if (is_move(op)) {
			read_move(in, op, &m);
			if (defer > 0 && h->pending_len < PENDING_MAX) {
				h->pending[(h->pending_head + h->pending_len++) % PENDING_MAX] = m;
				defer--;
			} else {
				apply(h, &m);
			}
			continue;
		}
		switch (op) {
		case OP_DRAIN:
			if (check_drain(h) < 0)
				return;
			break;
		case OP_SERVE:
			if (check_serve(h) < 0)
				return;
			break;
		case OP_DURING:
			defer = fuzz_u8(in);
			break;
		case OP_BACKEND:
			set_backend(h, in);
			break;
		default:
			break;
		}
	}
}

/*
 * The kernel's side of the ring: one memfd as large as the largest ring,
 * created and mapped once and formatted afresh for each input, so that a
 * run costs no page faults on it.  The resolver maps the ring's size of it.
 */
static void kernel_ring(struct harness *h)
{
	static struct {
		int fd;
		uint8_t *mem;
	} ring = { .fd = -EBADF };

	if (ring.fd < 0) {
		struct vfio_iopf_ring_offsets max;

		FUZZ_CHECK(iopf_ring_layout(64u << (RING_ORDERS - 1), &max) == 0);
		ring.fd = memfd_create("fuzz-ring", MFD_CLOEXEC);
		FUZZ_CHECK(ring.fd >= 0);
		FUZZ_CHECK(ftruncate(ring.fd, (off_t)max.mmap_size) == 0);
		ring.mem = mmap(NULL, max.mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, ring.fd, 0);
		FUZZ_CHECK(ring.mem != MAP_FAILED);
	}
	h->fd = ring.fd;
	h->ring = ring.mem;
}

static void harness_done(struct harness *h)
{
	h->resolver = resolver_free(h->resolver);
	fuzz_guard_release();
	free(h->versions);
	free(h);
}

FUZZ_TARGET("ring-consumer")
{
	struct fuzz_input in = { .data = data, .size = size };
	struct iopf_backend backend = { .ops = &fuzz_ops };
	struct harness *h;
	uint8_t config, budget;
	uint32_t start;

	h = calloc(1, sizeof(*h));
	FUZZ_CHECK(h);
	h->eventfd = -EBADF;

	config = fuzz_u8(&in);
	iopf_policy_default((enum iopf_policy_kind)(config % _IOPF_POLICY_MAX), &h->config.policy);
	h->entries = 64u << (fuzz_u8(&in) % RING_ORDERS);
	FUZZ_CHECK(iopf_ring_layout(h->entries, &h->off) == 0);
	h->config.batch_max = 1 + fuzz_u16(&in) % VFIO_IOPF_RESOLVE_MAX;
	budget = fuzz_u8(&in);
	h->config.budget_pages = config & 4 ? 1 + (uint64_t)budget : 0;
	h->config.no_map_ahead = config & 8;
	h->config.timeout_ms = 1000;
	h->map_ahead_offered = config & 16;
	h->map_ahead = h->map_ahead_offered && !h->config.no_map_ahead && !h->config.budget_pages;
	start = fuzz_u32(&in);

	/* laid out and formatted as ENABLE_IOPF does */
	kernel_ring(h);
	iopf_ring_format(h->ring, &h->off, h->entries);
	h->tail = start;
	shared_store(h, h->off.producer, start);
	shared_store(h, h->off.consumer, start);

	backend.data = h;
	backend.ring_fd = h->fd;
	backend.ring = h->off;
	fuzz_guard_next_mmap(h->fd);
	FUZZ_CHECK(resolver_new(&backend, &h->config, false, &h->resolver) == 0);
	FUZZ_CHECK(h->resolver->head == start);

	run_script(h, &in);
	harness_done(h);
	return 0;
}
