// SPDX-License-Identifier: GPL-2.0
/*
 * Lazy MAP_DMA takes every range eager MAP_DMA takes, and costs memory for
 * what is mapped, not for the size of the range: 16 TiB (2^44 bytes) and
 * 16 TiB + 2 MiB of MAP_NORESERVE memory map on demand, fault at their
 * first, middle and last page, and unmap; a vaddr range the process does
 * not back is refused with EFAULT, as eager pinning refuses it.
 */
#include <sys/mman.h>
#include "iopf_mock.h"

#define PG	4096ULL
#define IOVA	(1ULL << 40)

static void check_range(struct t_vfio *v, __u64 size)
{
	unsigned char *mem, buf[PG];
	struct vfio_iopf_mock_dma out;
	__u64 offs[] = { 0, size / 2, size - PG }, unmapped;
	unsigned int i;

	mem = t_alloc_sparse(size);
	t_check(t_map(v->container, mem, IOVA, size, T_RW) == 0);
	for (i = 0; i < 3; i++) {
		t_fill(mem + offs[i], PG, i + 1);
		t_check(t_dma(v->device, 0, IOVA + offs[i], buf, PG, &out) == 0);
		t_check(out.out_faults == 1);
		t_check(memcmp(buf, mem + offs[i], PG) == 0);
	}
	t_check(t_unmap(v->container, IOVA, size, &unmapped) == 0);
	t_check(unmapped == size);
	t_check(munmap(mem, size) == 0);
}

int main(void)
{
	struct t_vfio v;
	void *mem;

	t_mock_setup(MOCK_FAULTING, &v);
	t_enable_iopf(v.container, NULL);

	/* 2^44 bytes: 2^32 pages, which an unsigned int bitmap size wraps to 0 */
	check_range(&v, 1ULL << 44);
	/* and one block more, which wrapped to a 64-byte bitmap */
	check_range(&v, (1ULL << 44) + (2ULL << 20));

	/* no VMA behind the second half */
	mem = t_alloc(4 * PG);
	t_check(munmap((char *)mem + 2 * PG, 2 * PG) == 0);
	t_check_err(t_map(v.container, mem, IOVA, 4 * PG, T_RW), EFAULT);
	/* not a user address at all */
	t_check_err(t_map(v.container, (void *)(-1UL << 47), IOVA, 4 * PG, T_RW),
		    EFAULT);
	/* the backed half still maps */
	t_check(t_map(v.container, mem, IOVA, 2 * PG, T_RW) == 0);
	t_check(t_unmap(v.container, IOVA, 2 * PG, NULL) == 0);
	return T_PASS;
}
