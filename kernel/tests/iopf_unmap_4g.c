// SPDX-License-Identifier: GPL-2.0
/*
 * A fully faulted-in 4 GiB range unmaps in one UNMAP_DMA, in batches that
 * let go of the CPU and of the notifier's lock: no soft lockup, RCU stall
 * or hung task in the debug flavour's log.  The 4 GiB are 512 MiB of
 * shared memory mapped eight times over, so that a small guest holds them.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include "iopf_mock.h"

#define PG	4096ULL
#define PIECE	(512ULL << 20)
#define SIZE	(8 * PIECE)
#define IOVA	(1ULL << 33)

int main(void)
{
	unsigned char *mem, buf[64];
	__u64 off, unmapped;
	struct t_vfio v;
	long base;
	int fd, memfd, i;

	memfd = memfd_create("iopf-4g", MFD_CLOEXEC);
	t_check(memfd >= 0);
	t_check(ftruncate(memfd, PIECE) == 0);
	mem = mmap(NULL, SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
		   MAP_NORESERVE, -1, 0);
	t_check(mem != MAP_FAILED);
	for (i = 0; i < 8; i++)
		t_check(mmap(mem + i * PIECE, PIECE, PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_FIXED, memfd, 0) ==
			mem + i * PIECE);

	t_mock_setup(MOCK_FAULTING, &v);
	fd = t_enable_iopf(v.container, NULL);
	base = t_locked_kb();
	t_check(t_map(v.container, mem, IOVA, SIZE, T_RW) == 0);
	for (off = 0; off < SIZE; off += 2 << 20)
		t_check(t_dma(v.device, 0, IOVA + off, buf, sizeof(buf),
			      NULL) == 0);
	t_check(t_iopf_info(fd).out_mapped_pages == SIZE / PG);

	t_check(t_unmap(v.container, IOVA, SIZE, &unmapped) == 0);
	t_check(unmapped == SIZE);
	t_check(t_iopf_info(fd).out_mapped_pages == 0);
	t_check(t_locked_kb() == base);
	return T_PASS;
}
