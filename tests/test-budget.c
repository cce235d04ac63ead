/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Description: the pinned-memory budget holds at every step, releases the
 * oldest chunks first and never one in flight, gives a chunk re-faulted
 * soon after its release a second chance, and shrinks a window rather than
 * refuse a fault its page; idle reclaim releases what no fault used since a
 * given time.  What it remembers is bounded, and so is the
 * queue of ranges to map ahead.
 */
#include <string.h>

#include "ahead.h"
#include "budget.h"
#include "check-helpers.h"

#define PAGE IOPF_PAGE_SIZE
#define CHUNK (BUDGET_CHUNK_PAGES * PAGE)

static struct iopf_window win(uint64_t first_page, uint64_t pages)
{
	return (struct iopf_window) { .iova = first_page * PAGE, .size = pages * PAGE };
}

static size_t admit(struct budget *b, uint64_t page, struct iopf_window *w,
		    const struct iopf_window **ret_release)
{
	size_t n;

	ck_assert_int_eq(budget_admit(b, page * PAGE, w, ret_release, &n), 0);
	return n;
}

static uint64_t pinned(const struct budget *b)
{
	struct budget_stats st;

	budget_get_stats(b, &st);
	return st.pinned_pages;
}

/*
 * Random windows over 4096 pages, 8 faults a batch, against a bitmap of
 * what the kernel would have mapped: the budget never goes over (when the
 * batch leaves room), its count is the truth, and no release touches a
 * chunk of the running batch or the window being admitted.
 */
START_TEST(holds_at_every_step)
{
	_cleanup_(budget_freep) struct budget *b = NULL;
	static bool mapped[4096];
	static uint32_t admitted_in[4096 / BUDGET_CHUNK_PAGES];
	const uint64_t limit = 700;
	uint64_t rng = 12345;
	uint32_t batch = 0;

	memset(mapped, 0, sizeof(mapped));
	memset(admitted_in, 0xff, sizeof(admitted_in));
	ck_assert_int_eq(budget_new(limit, &b), 0);
	for (int i = 0; i < 20000; i++) {
		const struct iopf_window *rel;
		uint64_t page, pages, first, count = 0;
		struct iopf_window w;
		size_t n;

		if (i % 8 == 0) {
			budget_batch_begin(b, 0);
			batch++;
		}
		rng = rng * 6364136223846793005u + 1442695040888963407u;
		page = (rng >> 33) % 4096;
		pages = UINT64_C(1) << ((rng >> 20) % 7);
		first = page - page % pages;
		w = win(first, MIN(pages, 4096 - first));
		n = admit(b, page, &w, &rel);
		ck_assert_uint_le(w.iova, page * PAGE);
		ck_assert_uint_gt(w.iova + w.size, page * PAGE);
		for (size_t r = 0; r < n; r++)
			for (uint64_t p = rel[r].iova / PAGE; p < (rel[r].iova + rel[r].size) / PAGE; p++) {
				ck_assert_uint_ne(admitted_in[p / BUDGET_CHUNK_PAGES], batch);
				ck_assert(p < w.iova / PAGE || p >= (w.iova + w.size) / PAGE);
				mapped[p] = false;
			}
		for (uint64_t p = w.iova / PAGE; p < (w.iova + w.size) / PAGE; p++) {
			mapped[p] = true;
			admitted_in[p / BUDGET_CHUNK_PAGES] = batch;
		}
		for (uint64_t p = 0; p < 4096; p++)
			count += mapped[p];
		ck_assert_uint_eq(pinned(b), count);
		/* 8 windows of at most 64 pages a batch: the limit always leaves room */
		ck_assert_uint_le(count, limit);
	}
}
END_TEST

START_TEST(releases_the_oldest_chunk_first)
{
	_cleanup_(budget_freep) struct budget *b = NULL;
	const struct iopf_window *rel;
	struct iopf_window w;

	ck_assert_int_eq(budget_new(3 * BUDGET_CHUNK_PAGES, &b), 0);
	for (uint64_t c = 0; c < 3; c++) {
		budget_batch_begin(b, 0);
		w = win(c * BUDGET_CHUNK_PAGES, BUDGET_CHUNK_PAGES);
		ck_assert_uint_eq(admit(b, c * BUDGET_CHUNK_PAGES, &w, &rel), 0);
	}
	/* chunk 0 faulted on again: now chunk 1 is the oldest */
	budget_batch_begin(b, 0);
	w = win(0, 1);
	ck_assert_uint_eq(admit(b, 0, &w, &rel), 0);
	budget_batch_begin(b, 0);
	w = win(10 * BUDGET_CHUNK_PAGES, BUDGET_CHUNK_PAGES);
	ck_assert_uint_eq(admit(b, 10 * BUDGET_CHUNK_PAGES, &w, &rel), 1);
	ck_assert_uint_eq(rel[0].iova, 1 * CHUNK);
	ck_assert_uint_eq(rel[0].size, CHUNK);
	ck_assert_uint_eq(w.size, CHUNK);
	ck_assert_uint_eq(pinned(b), 3 * BUDGET_CHUNK_PAGES);
}
END_TEST

/* Neighbouring old chunks go in one range, so one RELEASE call each. */
START_TEST(merges_adjacent_releases)
{
	_cleanup_(budget_freep) struct budget *b = NULL;
	const struct iopf_window *rel;
	struct iopf_window w = win(0, 4 * BUDGET_CHUNK_PAGES);

	ck_assert_int_eq(budget_new(4 * BUDGET_CHUNK_PAGES, &b), 0);
	budget_batch_begin(b, 0);
	ck_assert_uint_eq(admit(b, 0, &w, &rel), 0);
	budget_batch_begin(b, 0);
	w = win(100 * BUDGET_CHUNK_PAGES, 3 * BUDGET_CHUNK_PAGES);
	ck_assert_uint_eq(admit(b, 100 * BUDGET_CHUNK_PAGES, &w, &rel), 1);
	ck_assert_uint_eq(rel[0].iova, 0);
	ck_assert_uint_eq(rel[0].size, 3 * CHUNK);
}
END_TEST

/* ... but not the chunk that ends at 2^64 with the one at 0: that range would wrap. */
START_TEST(does_not_merge_across_the_top)
{
	_cleanup_(budget_freep) struct budget *b = NULL;
	const uint64_t top = (UINT64_MAX >> IOPF_PAGE_SHIFT) + 1 - BUDGET_CHUNK_PAGES;
	const struct iopf_window *rel;
	struct iopf_window w = win(top, BUDGET_CHUNK_PAGES);

	ck_assert_int_eq(budget_new(2 * BUDGET_CHUNK_PAGES, &b), 0);
	budget_batch_begin(b, 0);
	ck_assert_uint_eq(admit(b, top, &w, &rel), 0);
	budget_batch_begin(b, 0);
	w = win(0, BUDGET_CHUNK_PAGES);
	ck_assert_uint_eq(admit(b, 0, &w, &rel), 0);
	budget_batch_begin(b, 0);
	w = win(100 * BUDGET_CHUNK_PAGES, 2 * BUDGET_CHUNK_PAGES);
	ck_assert_uint_eq(admit(b, 100 * BUDGET_CHUNK_PAGES, &w, &rel), 2);
	ck_assert_uint_eq(rel[0].iova, top * PAGE);
	ck_assert_uint_eq(rel[0].size, CHUNK);
	ck_assert_uint_eq(rel[1].iova, 0);
	ck_assert_uint_eq(rel[1].size, CHUNK);
}
END_TEST

/* A chunk faulted on again while remembered as released is skipped once when oldest. */
START_TEST(a_quick_refault_earns_a_second_chance)
{
	_cleanup_(budget_freep) struct budget *b = NULL;
	const struct iopf_window *rel;
	struct budget_stats st;
	struct iopf_window w;

	ck_assert_int_eq(budget_new(2 * BUDGET_CHUNK_PAGES, &b), 0);
	for (uint64_t c = 0; c < 3; c++) {
		budget_batch_begin(b, 0);
		w = win(c * 2 * BUDGET_CHUNK_PAGES, BUDGET_CHUNK_PAGES);
		admit(b, c * 2 * BUDGET_CHUNK_PAGES, &w, &rel);
	}
	/* chunk 0 went to make room for chunk 4; it faults again and comes back */
	budget_batch_begin(b, 0);
	w = win(0, BUDGET_CHUNK_PAGES);
	ck_assert_uint_eq(admit(b, 0, &w, &rel), 1);
	ck_assert_uint_eq(rel[0].iova, 2 * CHUNK);
	budget_get_stats(b, &st);
	ck_assert_uint_eq(st.refaults, 1);
	/* chunk 4 is touched again: chunk 0 is the oldest, but keeps its place once */
	budget_batch_begin(b, 0);
	w = win(4 * BUDGET_CHUNK_PAGES, 1);
	ck_assert_uint_eq(admit(b, 4 * BUDGET_CHUNK_PAGES, &w, &rel), 0);
	budget_batch_begin(b, 0);
	w = win(6 * BUDGET_CHUNK_PAGES, BUDGET_CHUNK_PAGES);
	ck_assert_uint_eq(admit(b, 6 * BUDGET_CHUNK_PAGES, &w, &rel), 1);
	ck_assert_uint_eq(rel[0].iova, 4 * CHUNK);
	/* and the next time it is the oldest, it goes */
	budget_batch_begin(b, 0);
	w = win(8 * BUDGET_CHUNK_PAGES, BUDGET_CHUNK_PAGES);
	ck_assert_uint_eq(admit(b, 8 * BUDGET_CHUNK_PAGES, &w, &rel), 1);
	ck_assert_uint_eq(rel[0].iova, 0);
}
END_TEST

/*
 * A device that sweeps its memory twice with a budget of a quarter of it:
 * in the second sweep every chunk it holds came back as a re-fault with a
 * second chance; that spares each once, it does not leave nothing to
 * release (the window would shrink and the budget go over).
 */
START_TEST(second_chances_do_not_block_release)
{
	_cleanup_(budget_freep) struct budget *b = NULL;
	const struct iopf_window *rel;
	struct budget_stats st;

	ck_assert_int_eq(budget_new(4 * BUDGET_CHUNK_PAGES, &b), 0);
	for (int pass = 0; pass < 2; pass++)
		for (uint64_t c = 0; c < 16; c++) {
			struct iopf_window w = win(c * BUDGET_CHUNK_PAGES, BUDGET_CHUNK_PAGES);

			budget_batch_begin(b, 0);
			admit(b, c * BUDGET_CHUNK_PAGES, &w, &rel);
			ck_assert_uint_eq(w.size, CHUNK);
			ck_assert_uint_le(pinned(b), 4 * BUDGET_CHUNK_PAGES);
		}
	budget_get_stats(b, &st);
	ck_assert_uint_eq(st.shrunk, 0);
	ck_assert_uint_gt(st.refaults, 0);
}
END_TEST

/* Nothing releasable (all in flight): the window shrinks to its chunk, then its page. */
START_TEST(shrinks_rather_than_refuse_a_page)
{
	_cleanup_(budget_freep) struct budget *b = NULL;
	const struct iopf_window *rel;
	struct budget_stats st;
	struct iopf_window w = win(0, 2 * BUDGET_CHUNK_PAGES);

	ck_assert_int_eq(budget_new(2 * BUDGET_CHUNK_PAGES + 1, &b), 0);
	budget_batch_begin(b, 0);
	ck_assert_uint_eq(admit(b, 0, &w, &rel), 0);
	/* same batch: chunks 0 and 1 are in flight */
	w = win(512, 64);
	ck_assert_uint_eq(admit(b, 520, &w, &rel), 0);
	ck_assert_uint_eq(w.iova, 520 * PAGE);
	ck_assert_uint_eq(w.size, PAGE);
	w = win(1024, 16);
	ck_assert_uint_eq(admit(b, 1030, &w, &rel), 0);
	ck_assert_uint_eq(w.iova, 1030 * PAGE);
	ck_assert_uint_eq(w.size, PAGE);
	budget_get_stats(b, &st);
	ck_assert_uint_eq(st.shrunk, 2);
	/* the last fault got its page even over the limit */
	ck_assert_uint_eq(st.pinned_pages, 2 * BUDGET_CHUNK_PAGES + 2);
	/* next batch: room is made again */
	budget_batch_begin(b, 0);
	w = win(2048, 16);
	ck_assert_uint_gt(admit(b, 2048, &w, &rel), 0);
	ck_assert_uint_eq(w.size, 16 * PAGE);
	budget_get_stats(b, &st);
	ck_assert_uint_le(st.pinned_pages, 2 * BUDGET_CHUNK_PAGES + 1);
}
END_TEST

START_TEST(refuses_a_zero_budget)
{
	struct budget *b;

	ck_assert_int_eq(budget_new(0, &b), -EINVAL);
}
END_TEST

/* Releases chunk after chunk with room for one: a re-fault is known for the last BUDGET_GHOSTS. */
START_TEST(remembers_a_bounded_number_of_releases)
{
	_cleanup_(budget_freep) struct budget *b = NULL;
	const struct iopf_window *rel;
	struct budget_stats st;
	struct iopf_window w;
	const uint64_t last = BUDGET_GHOSTS + 1;

	ck_assert_int_eq(budget_new(BUDGET_CHUNK_PAGES, &b), 0);
	/* chunks 0 .. last - 1 released, last pinned: chunk 0 is one too many to remember */
	for (uint64_t c = 0; c <= last; c++) {
		budget_batch_begin(b, 0);
		w = win(c * BUDGET_CHUNK_PAGES, BUDGET_CHUNK_PAGES);
		ck_assert_uint_eq(admit(b, c * BUDGET_CHUNK_PAGES, &w, &rel), c > 0);
	}
	budget_get_stats(b, &st);
	ck_assert_uint_eq(st.released_pages, last * BUDGET_CHUNK_PAGES);
	ck_assert_uint_eq(st.refaults, 0);
	/* forgotten: not a re-fault */
	budget_batch_begin(b, 0);
	w = win(0, BUDGET_CHUNK_PAGES);
	admit(b, 0, &w, &rel);
	budget_get_stats(b, &st);
	ck_assert_uint_eq(st.refaults, 0);
	/*
	 * Each release forgets the oldest: chunk 1 went to remember chunk
	 * last, chunk 2 to remember chunk 0, and chunk 3 goes to remember
	 * chunk 1 when chunk 4 is admitted; chunk 4 is still remembered.
	 */
	budget_batch_begin(b, 0);
	w = win(BUDGET_CHUNK_PAGES, BUDGET_CHUNK_PAGES);
	admit(b, BUDGET_CHUNK_PAGES, &w, &rel);
	budget_get_stats(b, &st);
	ck_assert_uint_eq(st.refaults, 0);
	budget_batch_begin(b, 0);
	w = win(4 * BUDGET_CHUNK_PAGES, BUDGET_CHUNK_PAGES);
	admit(b, 4 * BUDGET_CHUNK_PAGES, &w, &rel);
	budget_get_stats(b, &st);
	ck_assert_uint_eq(st.refaults, 1);
	ck_assert_uint_eq(st.pinned_pages, BUDGET_CHUNK_PAGES);
}
END_TEST

/* The map-ahead queue keeps the newest AHEAD_RANGES_MAX ranges and counts the ones dropped. */
START_TEST(map_ahead_queue_is_bounded)
{
	struct ahead a = { 0 };
	struct iopf_window w;

	for (uint64_t i = 0; i < AHEAD_RANGES_MAX + 10; i++)
		ck_assert_int_eq(ahead_push(&a, i * CHUNK, PAGE), 0);
	ck_assert_uint_eq(a.len, AHEAD_RANGES_MAX);
	ck_assert_uint_le(a.max, AHEAD_RANGES_MAX);
	ck_assert_uint_eq(a.dropped, 10);
	/* the oldest went: the first left is range 10, the last the newest */
	ck_assert(ahead_take(&a, CHUNK, &w));
	ck_assert_uint_eq(w.iova, 10 * CHUNK);
	ck_assert_uint_eq(w.size, PAGE);
	for (uint64_t i = 11; i < AHEAD_RANGES_MAX + 10; i++) {
		ck_assert(ahead_take(&a, CHUNK, &w));
		ck_assert_uint_eq(w.iova, i * CHUNK);
	}
	ck_assert(!ahead_take(&a, CHUNK, &w));
	ahead_done(&a);
}
END_TEST

/*
 * A fault in a range queued behind another takes the rest of it, up to a
 * size; one in the oldest range does not (the next chunk maps it), nor one
 * nothing holds.
 */
START_TEST(map_ahead_claims_a_range_behind_others)
{
	const uint64_t far = UINT64_C(1) << 20;
	struct ahead a = { 0 };
	struct iopf_window w;

	ck_assert_int_eq(ahead_push(&a, 0, 64 * PAGE), 0);
	ck_assert_int_eq(ahead_push(&a, far, 64 * PAGE), 0);
	ck_assert(!ahead_claim(&a, 16 * PAGE, far, &w));
	ck_assert(!ahead_claim(&a, far + 64 * PAGE, far, &w));
	ck_assert(ahead_claim(&a, far + 16 * PAGE, far, &w));
	ck_assert_uint_eq(w.iova, far + 16 * PAGE);
	ck_assert_uint_eq(w.size, 48 * PAGE);
	ck_assert(!ahead_claim(&a, far + 32 * PAGE, far, &w));
	/* what was below the claim stays queued, after the oldest range */
	ck_assert(ahead_take(&a, 64 * PAGE, &w));
	ck_assert_uint_eq(w.iova, 0);
	ck_assert(ahead_take(&a, 64 * PAGE, &w));
	ck_assert_uint_eq(w.iova, far);
	ck_assert_uint_eq(w.size, 16 * PAGE);
	ck_assert(!ahead_take(&a, 64 * PAGE, &w));

	/* a claim from a range's first page empties it: taking skips it */
	ck_assert_int_eq(ahead_push(&a, 0, PAGE), 0);
	ck_assert_int_eq(ahead_push(&a, far, 4 * PAGE), 0);
	ck_assert_int_eq(ahead_push(&a, 2 * far, PAGE), 0);
	ck_assert(ahead_claim(&a, far, far, &w));
	ck_assert_uint_eq(w.size, 4 * PAGE);
	ck_assert(ahead_take(&a, far, &w));
	ck_assert_uint_eq(w.iova, 0);
	ck_assert(ahead_take(&a, far, &w));
	ck_assert_uint_eq(w.iova, 2 * far);
	ck_assert(!ahead_take(&a, far, &w));

	/* at most max_size: the rest goes to the back */
	ck_assert_int_eq(ahead_push(&a, 0, PAGE), 0);
	ck_assert_int_eq(ahead_push(&a, far, 64 * PAGE), 0);
	ck_assert_int_eq(ahead_push(&a, 2 * far, PAGE), 0);
	ck_assert(ahead_claim(&a, far + 8 * PAGE, 16 * PAGE, &w));
	ck_assert_uint_eq(w.iova, far + 8 * PAGE);
	ck_assert_uint_eq(w.size, 16 * PAGE);
	ck_assert(ahead_take(&a, far, &w));
	ck_assert_uint_eq(w.iova, 0);
	ck_assert(ahead_take(&a, far, &w));
	ck_assert_uint_eq(w.iova, far);
	ck_assert_uint_eq(w.size, 8 * PAGE);
	ck_assert(ahead_take(&a, far, &w));
	ck_assert_uint_eq(w.iova, 2 * far);
	ck_assert(ahead_take(&a, far, &w));
	ck_assert_uint_eq(w.iova, far + 24 * PAGE);
	ck_assert_uint_eq(w.size, 40 * PAGE);
	ck_assert(!ahead_take(&a, far, &w));
	ahead_done(&a);
}
END_TEST

/*
 * Answered early: every window of a batch of one device's faults; beside
 * other devices' faults, a window that starts at its fault (a run going
 * on), however many faults its device has in the batch, and not a block
 * around one.
 */
START_TEST(map_ahead_answers_runs_early_in_any_batch)
{
	ck_assert(ahead_answer_early(3, 3, 0, 8 * PAGE));
	ck_assert(ahead_answer_early(1, 4, 8 * PAGE, 8 * PAGE));
	ck_assert(ahead_answer_early(3, 5, 8 * PAGE, 8 * PAGE));
	ck_assert(!ahead_answer_early(1, 4, 0, 8 * PAGE));
	ck_assert(!ahead_answer_early(3, 5, 0, 8 * PAGE));
}
END_TEST

/* Idle reclaim: what no batch admitted since the time given goes, oldest first, in merged ranges. */
START_TEST(releases_what_is_idle)
{
	_cleanup_(budget_freep) struct budget *b = NULL;
	const struct iopf_window *rel;
	struct budget_stats st;
	struct iopf_window w;
	size_t n;

	ck_assert_int_eq(budget_new(UINT64_MAX, &b), 0);
	/* chunks 0 and 1 at t=10, chunk 5 at t=20, chunk 0 again at t=30 */
	budget_batch_begin(b, 10);
	w = win(0, 2 * BUDGET_CHUNK_PAGES);
	ck_assert_uint_eq(admit(b, 0, &w, &rel), 0);
	budget_batch_begin(b, 20);
	w = win(5 * BUDGET_CHUNK_PAGES, 1);
	ck_assert_uint_eq(admit(b, 5 * BUDGET_CHUNK_PAGES, &w, &rel), 0);
	budget_batch_begin(b, 30);
	w = win(0, 1);
	ck_assert_uint_eq(admit(b, 0, &w, &rel), 0);

	/* nothing idle since before t=10 */
	budget_release_idle(b, 10, &rel, &n);
	ck_assert_uint_eq(n, 0);
	/* idle since t=25: chunk 1, then chunk 5; chunk 0 was used at t=30 */
	budget_release_idle(b, 25, &rel, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(rel[0].iova, CHUNK);
	ck_assert_uint_eq(rel[0].size, CHUNK);
	ck_assert_uint_eq(rel[1].iova, 5 * CHUNK);
	ck_assert_uint_eq(rel[1].size, CHUNK);
	budget_get_stats(b, &st);
	ck_assert_uint_eq(st.pinned_pages, BUDGET_CHUNK_PAGES);
	ck_assert_uint_eq(st.idle_released_pages, BUDGET_CHUNK_PAGES + 1);
	ck_assert_uint_eq(st.released_pages, BUDGET_CHUNK_PAGES + 1);

	/* the current batch's chunks are in flight: kept whatever the time says */
	budget_release_idle(b, 1000, &rel, &n);
	ck_assert_uint_eq(n, 0);
	budget_batch_begin(b, 40);
	budget_release_idle(b, 1000, &rel, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(rel[0].iova, 0);
	/* released for being idle and faulted on again: a re-fault */
	w = win(5 * BUDGET_CHUNK_PAGES, 1);
	admit(b, 5 * BUDGET_CHUNK_PAGES, &w, &rel);
	budget_get_stats(b, &st);
	ck_assert_uint_eq(st.refaults, 1);
	ck_assert_uint_eq(st.pinned_pages, 1);
}
END_TEST

/*
 * A window cut to the fault's chunk, or its page, releases what the cut
 * left outside it: fixed:64 windows under a 48-page budget, faults at
 * pages 0, 16, 32 and 48 in batches of their own, then the rest of the
 * window page by page, stay at 48 pages (64 before).
 */
START_TEST(a_cut_window_releases_what_it_left_outside)
{
	_cleanup_(budget_freep) struct budget *b = NULL;
	const struct iopf_window *rel;

	ck_assert_int_eq(budget_new(3 * BUDGET_CHUNK_PAGES, &b), 0);
	for (uint64_t p = 0; p < 64; p += p < 48 ? BUDGET_CHUNK_PAGES : 1) {
		struct iopf_window w = win(0, 64);

		budget_batch_begin(b, 0);
		admit(b, p, &w, &rel);
		ck_assert_uint_le(pinned(b), 3 * BUDGET_CHUNK_PAGES);
		ck_assert(w.iova <= p * PAGE && p * PAGE < w.iova + w.size);
	}
}
END_TEST

/*
 * The only chunk that may go has its second chance and is the last in
 * line: it goes once the chance is spent (faults on chunks 0, 1, 0, 2
 * under a one-chunk budget left 17 pages).
 */
START_TEST(a_second_chance_at_the_end_of_the_line_is_spent)
{
	_cleanup_(budget_freep) struct budget *b = NULL;
	const struct iopf_window *rel;
	static const uint64_t chunks[] = { 0, 1, 0, 2 };

	ck_assert_int_eq(budget_new(BUDGET_CHUNK_PAGES, &b), 0);
	for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		struct iopf_window w = win(chunks[i] * BUDGET_CHUNK_PAGES, BUDGET_CHUNK_PAGES);

		budget_batch_begin(b, 0);
		admit(b, chunks[i] * BUDGET_CHUNK_PAGES, &w, &rel);
		ck_assert_uint_le(pinned(b), BUDGET_CHUNK_PAGES);
	}
}
END_TEST

/*
 * A record's range can be forged: a window no limit could hold is cut to
 * the fault's chunk before anything is counted, and one over
 * BUDGET_WINDOW_CHUNKS_MAX without a limit is refused (it was a walk over
 * 2^32 chunks and a truncated allocation).
 */
START_TEST(forged_huge_windows_are_cut_or_refused)
{
	_cleanup_(budget_freep) struct budget *b = NULL, *nolimit = NULL;
	const struct iopf_window *rel;
	struct iopf_window w = { .iova = 0, .size = UINT64_C(1) << 48 };
	size_t n;

	ck_assert_int_eq(budget_new(64, &b), 0);
	admit(b, 5, &w, &rel);
	ck_assert_uint_eq(w.iova, 0);
	ck_assert_uint_eq(w.size, CHUNK);
	ck_assert_uint_eq(pinned(b), BUDGET_CHUNK_PAGES);

	ck_assert_int_eq(budget_new(UINT64_MAX, &nolimit), 0);
	w = (struct iopf_window) { .iova = 0, .size = UINT64_C(1) << 48 };
	ck_assert_int_eq(budget_admit(nolimit, 5 * PAGE, &w, &rel, &n), -E2BIG);
	ck_assert_uint_eq(pinned(nolimit), 0);
	w = win(0, BUDGET_WINDOW_CHUNKS_MAX * BUDGET_CHUNK_PAGES);
	admit(nolimit, 5, &w, &rel);
	ck_assert_uint_eq(pinned(nolimit), BUDGET_WINDOW_CHUNKS_MAX * BUDGET_CHUNK_PAGES);
}
END_TEST

/*
 * A range the kernel failed to release counts as pinned again, with the
 * pages it had, and goes first the next time: before chunks older than the
 * one whose admission released it.
 */
START_TEST(a_failed_release_is_first_in_line)
{
	_cleanup_(budget_freep) struct budget *b = NULL;
	const struct iopf_window *rel;
	struct iopf_window w, failed;

	ck_assert_int_eq(budget_new(2 * BUDGET_CHUNK_PAGES, &b), 0);
	budget_batch_begin(b, 0);
	w = win(0, 4);
	ck_assert_uint_eq(admit(b, 0, &w, &rel), 0);
	budget_batch_begin(b, 0);
	w = win(BUDGET_CHUNK_PAGES, BUDGET_CHUNK_PAGES);
	ck_assert_uint_eq(admit(b, BUDGET_CHUNK_PAGES, &w, &rel), 0);
	budget_batch_begin(b, 0);
	w = win(2 * BUDGET_CHUNK_PAGES, BUDGET_CHUNK_PAGES);
	ck_assert_uint_eq(admit(b, 2 * BUDGET_CHUNK_PAGES, &w, &rel), 1);
	ck_assert_uint_eq(rel[0].iova, 0);
	failed = rel[0];
	ck_assert_uint_eq(pinned(b), 2 * BUDGET_CHUNK_PAGES);
	ck_assert_int_eq(budget_release_failed(b, &failed), 0);
	ck_assert_uint_eq(pinned(b), 2 * BUDGET_CHUNK_PAGES + 4);

	/* the next window releases it, then chunk 1, the oldest left */
	budget_batch_begin(b, 0);
	w = win(3 * BUDGET_CHUNK_PAGES, BUDGET_CHUNK_PAGES);
	ck_assert_uint_eq(admit(b, 3 * BUDGET_CHUNK_PAGES, &w, &rel), 1);
	ck_assert_uint_eq(rel[0].iova, 0);
	ck_assert_uint_eq(rel[0].size, 2 * CHUNK);
	ck_assert_uint_eq(pinned(b), 2 * BUDGET_CHUNK_PAGES);

	/* a chunk forgotten since counts whole; no range, no change */
	w = win(100 * BUDGET_CHUNK_PAGES, BUDGET_CHUNK_PAGES);
	ck_assert_int_eq(budget_release_failed(b, &w), 0);
	ck_assert_uint_eq(pinned(b), 3 * BUDGET_CHUNK_PAGES);
	w.size = 0;
	ck_assert_int_eq(budget_release_failed(b, &w), -EINVAL);
}
END_TEST

TEST_MAIN("budget", map_ahead_answers_runs_early_in_any_batch, map_ahead_claims_a_range_behind_others, a_failed_release_is_first_in_line, a_cut_window_releases_what_it_left_outside, a_second_chance_at_the_end_of_the_line_is_spent,
	  forged_huge_windows_are_cut_or_refused, holds_at_every_step, releases_the_oldest_chunk_first, merges_adjacent_releases,
	  does_not_merge_across_the_top, a_quick_refault_earns_a_second_chance, second_chances_do_not_block_release,
	  shrinks_rather_than_refuse_a_page,
	  refuses_a_zero_budget, remembers_a_bounded_number_of_releases, map_ahead_queue_is_bounded,
	  releases_what_is_idle)
