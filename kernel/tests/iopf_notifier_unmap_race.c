// SPDX-License-Identifier: GPL-2.0
/*
 * The MMU notifier racing UNMAP_DMA: while one thread drops the process's
 * pages under a faulted-in range (MADV_DONTNEED), another unmaps the range.
 * Every page the notifier unpinned is uncharged by the time UNMAP_DMA
 * returns, whichever side got to it: locked_vm comes back to where it was,
 * with no warning in the kernel log.
 */
#include <sys/mman.h>
#include "iopf_ring.h"

#define PG	4096ULL
#define IOVA	0x400000ULL
#define SIZE	(4ULL << 20)
#define ROUNDS	200

static unsigned char *mem;

static void *drop_pages(void *arg)
{
	t_check(madvise(mem, SIZE, MADV_DONTNEED) == 0);
	return NULL;
}

int main(void)
{
	unsigned char buf[64];
	struct t_vfio v;
	pthread_t t;
	long base;
	int i;

	t_mock_setup(MOCK_FAULTING, &v);
	t_enable_iopf(v.container, NULL);
	mem = t_alloc(SIZE);
	base = t_locked_kb();
	for (i = 0; i < ROUNDS; i++) {
		t_check(t_map(v.container, mem, IOVA, SIZE, T_RW) == 0);
		t_check(t_dma(v.device, 0, IOVA, buf, sizeof(buf), NULL) == 0);
		t_check(t_dma(v.device, 0, IOVA + SIZE / 2, buf, sizeof(buf),
			      NULL) == 0);
		t_check(pthread_create(&t, NULL, drop_pages, NULL) == 0);
		t_check(t_unmap(v.container, IOVA, SIZE, NULL) == 0);
		t_check(pthread_join(t, NULL) == 0);
		if (t_locked_kb() != base)
			t_fail("round %d: VmLck %ld kB, want %ld kB", i,
			       t_locked_kb(), base);
	}
	return T_PASS;
}
