/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"

#define NIL UINT32_MAX
#define CHUNK_MASK_ALL ((uint16_t)((1u << BUDGET_CHUNK_PAGES) - 1))

_Static_assert(BUDGET_CHUNK_PAGES == 16, "a chunk's pages are the bits of a uint16_t");

struct chunk {
	uint64_t key;          /* first page / BUDGET_CHUNK_PAGES */
	uint32_t prev, next;   /* in the use list, or the ghost list; next links free entries */
	uint32_t batch;        /* the batch that last admitted it */
	uint64_t used_ns;      /* when that batch began */
	uint16_t mask;         /* its pages we had mapped; for a ghost, when released */
	bool ghost;            /* released, remembered to spot a quick re-fault */
	bool second_chance;    /* re-faulted after its release: skipped once when oldest */
};

struct list {
	uint32_t head, tail;
	size_t len;
};

struct budget {
	uint64_t limit;
	uint32_t batch;
	uint64_t batch_ns;     /* when this batch began */
	struct chunk *pool;
	uint32_t pool_len, pool_max, free_head;
	uint32_t *slots;       /* open addressing: pool index + 1, 0 for empty */
	uint32_t nslots, used; /* nslots a power of two, at most half used */
	struct list lru;       /* mapped chunks, oldest first */
	struct list ghosts;    /* released chunks, oldest first */
	struct iopf_window *release;
	size_t nrelease, release_max;
	struct budget_stats stats;
};

int budget_new(uint64_t limit_pages, struct budget **ret)
{
	struct budget *b;

	if (limit_pages == 0)
		return -EINVAL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->limit = limit_pages;
	b->free_head = NIL;
	b->lru = b->ghosts = (struct list) { .head = NIL, .tail = NIL };
	*ret = b;
	return 0;
}

void budget_set_limit(struct budget *b, uint64_t limit_pages)
{
	b->limit = MAX(limit_pages, UINT64_C(1));
}

struct budget *budget_free(struct budget *b)
{
	if (b) {
		free(b->pool);
		free(b->slots);
		free(b->release);
		free(b);
	}
	return NULL;
}

void budget_batch_begin(struct budget *b, uint64_t now_ns)
{
	b->batch++;
	b->batch_ns = now_ns;
}

void budget_get_stats(const struct budget *b, struct budget_stats *ret)
{
	*ret = b->stats;
}

static uint32_t slot_of(const struct budget *b, uint64_t key)
{
	return (uint32_t)((key * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & (b->nslots - 1);
}

static uint32_t find(const struct budget *b, uint64_t key)
{
	if (b->nslots == 0)
		return NIL;
	for (uint32_t s = slot_of(b, key);; s = (s + 1) & (b->nslots - 1)) {
		if (b->slots[s] == 0)
			return NIL;
		if (b->pool[b->slots[s] - 1].key == key)
			return b->slots[s] - 1;
	}
}

static void slot_insert(struct budget *b, uint32_t idx)
{
	uint32_t s = slot_of(b, b->pool[idx].key);

	while (b->slots[s])
		s = (s + 1) & (b->nslots - 1);
	b->slots[s] = idx + 1;
	b->used++;
}

/* Linear probing without tombstones: entries after the hole move back into it. */
static void slot_remove(struct budget *b, uint64_t key)
{
	uint32_t hole = slot_of(b, key);

	while (b->pool[b->slots[hole] - 1].key != key)
		hole = (hole + 1) & (b->nslots - 1);
	for (uint32_t s = (hole + 1) & (b->nslots - 1); b->slots[s]; s = (s + 1) & (b->nslots - 1)) {
		uint32_t home = slot_of(b, b->pool[b->slots[s] - 1].key);

		/* movable unless its home lies cyclically in (hole, s] */
		if ((s > hole && (home <= hole || home > s)) || (s < hole && home <= hole && home > s)) {
			b->slots[hole] = b->slots[s];
			hole = s;
		}
	}
	b->slots[hole] = 0;
	b->used--;
}

/* Room for @n more entries, so that admitting a window cannot fail half way. */
static int reserve(struct budget *b, uint32_t n)
{
	uint32_t free_entries = b->pool_max - b->pool_len, want;

	for (uint32_t i = b->free_head; i != NIL && free_entries < n; i = b->pool[i].next)
		free_entries++;
	if (free_entries < n) {
		uint32_t max = MAX(b->pool_max * 2, b->pool_len + n);
		struct chunk *p = realloc(b->pool, (size_t)max * sizeof(*p));

		if (!p)
			return -ENOMEM;
		b->pool = p;
		b->pool_max = max;
	}
	want = b->nslots ? b->nslots : 64;
	while ((uint64_t)(b->used + n) * 2 > want)
		want *= 2;
	if (want != b->nslots) {
		uint32_t *old = b->slots, nold = b->nslots;

		b->slots = calloc(want, sizeof(*b->slots));
		if (!b->slots) {
			b->slots = old;
			return -ENOMEM;
		}
		b->nslots = want;
		b->used = 0;
		for (uint32_t s = 0; s < nold; s++)
			if (old[s])
				slot_insert(b, old[s] - 1);
		free(old);
	}
	return 0;
}

static void list_del(struct budget *b, struct list *l, uint32_t i)
{
	struct chunk *c = &b->pool[i];

	if (c->prev != NIL)
		b->pool[c->prev].next = c->next;
	else
		l->head = c->next;
	if (c->next != NIL)
		b->pool[c->next].prev = c->prev;
	else
		l->tail = c->prev;
	l->len--;
}

static void list_add_tail(struct budget *b, struct list *l, uint32_t i)
{
	struct chunk *c = &b->pool[i];

	c->prev = l->tail;
	c->next = NIL;
	if (l->tail != NIL)
		b->pool[l->tail].next = i;
	else
		l->head = i;
	l->tail = i;
	l->len++;
}

static void list_add_head(struct budget *b, struct list *l, uint32_t i)
{
	struct chunk *c = &b->pool[i];

	c->prev = NIL;
	c->next = l->head;
	if (l->head != NIL)
		b->pool[l->head].prev = i;
	else
		l->tail = i;
	l->head = i;
	l->len++;
}

static uint32_t entry_new(struct budget *b, uint64_t key)
{
	uint32_t i;

	if (b->free_head != NIL) {
		i = b->free_head;
		b->free_head = b->pool[i].next;
	} else {
		i = b->pool_len++;
	}
	b->pool[i] = (struct chunk) { .key = key };
	slot_insert(b, i);
	return i;
}

static void entry_free(struct budget *b, uint32_t i)
{
	slot_remove(b, b->pool[i].key);
	b->pool[i].next = b->free_head;
	b->free_head = i;
}

/* The pages of chunk @key inside [first, end), as bits. */
static uint16_t chunk_bits(uint64_t key, uint64_t first, uint64_t end)
{
	uint64_t lo = MAX(first, key * BUDGET_CHUNK_PAGES) - key * BUDGET_CHUNK_PAGES;
	uint64_t hi = MIN(end, (key + 1) * BUDGET_CHUNK_PAGES) - key * BUDGET_CHUNK_PAGES;

	return (uint16_t)(CHUNK_MASK_ALL >> (BUDGET_CHUNK_PAGES - (hi - lo))) << lo;
}

/* The chunks [first, end) spans, less one; @end > @first. */
static uint64_t chunk_span(uint64_t first, uint64_t end)
{
	return (end - 1) / BUDGET_CHUNK_PAGES - first / BUDGET_CHUNK_PAGES;
}

/* Pages of [first, end) not counted as pinned yet. */
static uint64_t new_pages(const struct budget *b, uint64_t first, uint64_t end)
{
	uint64_t n = 0;

	for (uint64_t key = first / BUDGET_CHUNK_PAGES; key * BUDGET_CHUNK_PAGES < end; key++) {
		uint32_t i = find(b, key);
		uint16_t bits = chunk_bits(key, first, end);

		if (i != NIL && !b->pool[i].ghost)
			bits &= (uint16_t)~b->pool[i].mask;
		n += (uint64_t)__builtin_popcount(bits);
	}
	return n;
}

static int release_add(struct budget *b, uint64_t key)
{
	uint64_t iova = (key * BUDGET_CHUNK_PAGES) << IOPF_PAGE_SHIFT;
	uint64_t size = (uint64_t)BUDGET_CHUNK_PAGES << IOPF_PAGE_SHIFT;
	struct iopf_window *last = b->nrelease ? &b->release[b->nrelease - 1] : NULL;

	/*
	 * Adjacent chunks go out as one range, but not across the top of the
	 * IOVA space: a range that ends at 2^64 "ends" at 0.
	 */
	if (last && iova != 0 && last->iova + last->size == iova) {
		last->size += size;
		return 0;
	}
	if (b->nrelease == b->release_max) {
		size_t max = MAX(b->release_max * 2, (size_t)16);
		struct iopf_window *r = realloc(b->release, max * sizeof(*r));

		if (!r)
			return -ENOMEM;
		b->release = r;
		b->release_max = max;
	}
	b->release[b->nrelease++] = (struct iopf_window) { .iova = iova, .size = size };
	return 0;
}

/* Moves mapped chunk @i to the released ones; false if the release list cannot grow. */
static bool release_chunk(struct budget *b, uint32_t i)
{
	struct chunk *c = &b->pool[i];

	if (release_add(b, c->key) < 0)
		return false;
	b->stats.pinned_pages -= (uint64_t)__builtin_popcount(c->mask);
	b->stats.released_pages += (uint64_t)__builtin_popcount(c->mask);
	list_del(b, &b->lru, i);
	c->ghost = true;
	list_add_tail(b, &b->ghosts, i);
	if (b->ghosts.len > BUDGET_GHOSTS) {
		uint32_t oldest = b->ghosts.head;

		list_del(b, &b->ghosts, oldest);
		entry_free(b, oldest);
	}
	return true;
}

/*
 * Releases the oldest chunk that is neither in flight (admitted by this
 * batch) nor inside [first, end); false if there is none.
 */
static bool release_oldest(struct budget *b, uint64_t first, uint64_t end)
{
	uint32_t i = b->lru.head;

	/* twice round: a chunk skipped for its second chance comes up again */
	for (size_t seen = 0; i != NIL && seen < 2 * b->lru.len; seen++) {
		struct chunk *c = &b->pool[i];
		uint32_t next = c->next;
		bool inside = c->key * BUDGET_CHUNK_PAGES < end && (c->key + 1) * BUDGET_CHUNK_PAGES > first;

		if (c->batch == b->batch || inside) {
			i = next;
			continue;
		}
		if (c->second_chance) {
			c->second_chance = false;
			list_del(b, &b->lru, i);
			list_add_tail(b, &b->lru, i);
			/* the tail already: it is the next one to look at */
			i = next != NIL ? next : i;
			continue;
		}
		return release_chunk(b, i);
	}
	return false;
}

int budget_admit(struct budget *b, uint64_t iova, struct iopf_window *w,
		 const struct iopf_window **ret_release, size_t *ret_nrelease)
{
	uint64_t page = iova >> IOPF_PAGE_SHIFT;
	uint64_t first = w->iova >> IOPF_PAGE_SHIFT, end = first + (w->size >> IOPF_PAGE_SHIFT);
	uint64_t cfirst = MAX(first, page - page % BUDGET_CHUNK_PAGES);
	uint64_t cend = MIN(end, page - page % BUDGET_CHUNK_PAGES + BUDGET_CHUNK_PAGES);
	uint64_t need;
	int r;

	/*
	 * A window the limit cannot hold gets the fault's chunk at once; one
	 * past BUDGET_WINDOW_CHUNKS_MAX (a record's range can be forged) is
	 * refused, for the caller to map the page alone.
	 */
	if (end - first > b->limit) {
		first = cfirst;
		end = cend;
	}
	if (chunk_span(first, end) >= BUDGET_WINDOW_CHUNKS_MAX)
		return -E2BIG;
	r = reserve(b, (uint32_t)chunk_span(first, end) + 1);
	if (r < 0)
		return r;
	b->nrelease = 0;
	need = new_pages(b, first, end);
	while (b->stats.pinned_pages + need > b->limit && release_oldest(b, first, end))
		;
	if (b->stats.pinned_pages + need > b->limit) {
		/*
		 * Nothing more to release outside the window: the fault's chunk,
		 * then its page, each time releasing what the cut left outside.
		 */
		while (b->stats.pinned_pages + new_pages(b, cfirst, cend) > b->limit &&
		       release_oldest(b, cfirst, cend))
			;
		if (b->stats.pinned_pages + new_pages(b, cfirst, cend) > b->limit) {
			cfirst = page;
			cend = page + 1;
			while (b->stats.pinned_pages + 1 > b->limit && release_oldest(b, cfirst, cend))
				;
		}
		first = cfirst;
		end = cend;
		need = new_pages(b, first, end);
	}
	if (w->size != (end - first) << IOPF_PAGE_SHIFT)
		b->stats.shrunk++;
	w->iova = first << IOPF_PAGE_SHIFT;
	w->size = (end - first) << IOPF_PAGE_SHIFT;

	for (uint64_t key = first / BUDGET_CHUNK_PAGES; key * BUDGET_CHUNK_PAGES < end; key++) {
		uint32_t i = find(b, key);

		if (i == NIL) {
			i = entry_new(b, key);
		} else if (b->pool[i].ghost) {
			list_del(b, &b->ghosts, i);
			b->pool[i].ghost = false;
			b->pool[i].mask = 0;
			b->pool[i].second_chance = true;
			b->stats.refaults++;
		} else {
			list_del(b, &b->lru, i);
		}
		b->pool[i].mask |= chunk_bits(key, first, end);
		b->pool[i].batch = b->batch;
		b->pool[i].used_ns = b->batch_ns;
		list_add_tail(b, &b->lru, i);
	}
	b->stats.pinned_pages += need;
	b->stats.peak_pinned_pages = MAX(b->stats.peak_pinned_pages, b->stats.pinned_pages);
	*ret_release = b->release;
	*ret_nrelease = b->nrelease;
	return 0;
}

void budget_release_idle(struct budget *b, uint64_t before_ns, const struct iopf_window **ret_release,
			 size_t *ret_nrelease)
{
	b->nrelease = 0;
	/*
	 * Oldest use first, up to the first chunk used since: one moved back
	 * for its second chance may hide idle ones behind it until a later call.
	 */
	while (b->lru.head != NIL) {
		const struct chunk *c = &b->pool[b->lru.head];
		uint64_t pages = (uint64_t)__builtin_popcount(c->mask);

		if (c->used_ns >= before_ns || c->batch == b->batch || !release_chunk(b, b->lru.head))
			break;
		b->stats.idle_released_pages += pages;
	}
	*ret_release = b->release;
	*ret_nrelease = b->nrelease;
}

int budget_release_failed(struct budget *b, const struct iopf_window *w)
{
	uint64_t first = w->iova >> IOPF_PAGE_SHIFT, end = first + (w->size >> IOPF_PAGE_SHIFT);
	uint64_t nchunks;
	int r;

	if (!w->size || chunk_span(first, end) >= BUDGET_WINDOW_CHUNKS_MAX)
		return -EINVAL;
	nchunks = chunk_span(first, end) + 1;
	r = reserve(b, (uint32_t)nchunks);
	if (r < 0)
		return r;
	/* newest first onto the head: the range keeps its order, oldest first */
	for (uint64_t n = nchunks; n > 0; n--) {
		uint64_t key = first / BUDGET_CHUNK_PAGES + n - 1;
		uint32_t i = find(b, key);
		uint64_t pages;

		if (i != NIL && !b->pool[i].ghost)
			continue;	/* admitted again since its release: counted */
		if (i == NIL) {
			/* forgotten since: all of it may be pinned */
			i = entry_new(b, key);
			b->pool[i].mask = chunk_bits(key, first, end);
		} else {
			list_del(b, &b->ghosts, i);
			b->pool[i].ghost = false;
		}
		pages = (uint64_t)__builtin_popcount(b->pool[i].mask);
		b->stats.pinned_pages += pages;
		b->stats.released_pages -= MIN(pages, b->stats.released_pages);
		list_add_head(b, &b->lru, i);
	}
	b->stats.peak_pinned_pages = MAX(b->stats.peak_pinned_pages, b->stats.pinned_pages);
	return 0;
}
