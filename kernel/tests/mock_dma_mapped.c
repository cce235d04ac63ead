// SPDX-License-Identifier: GPL-2.0
/*
 * Mock device DMA through an eagerly mapped range (no IOPF): reads see the
 * process's bytes and writes land in its buffer, byte for byte, across page
 * boundaries and at unaligned offsets.
 */
#include "iopf_mock.h"

#define IOVA	0x100000ULL
#define SIZE	(64 * 1024)

int main(void)
{
	struct vfio_iopf_mock_dma out;
	unsigned char *mem = t_alloc(SIZE), *buf = malloc(SIZE);
	struct t_vfio v;
	long base;

	t_mock_setup(MOCK_FAULTING, &v);
	t_fill(mem, SIZE, 1);
	base = t_locked_kb();
	t_check(t_map(v.container, mem, IOVA, SIZE, T_RW) == 0);
	t_check(t_locked_kb() - base == SIZE / 1024);

	memset(buf, 0, SIZE);
	t_check(t_dma(v.device, 0, IOVA, buf, SIZE, &out) == 0);
	t_check(out.out_done == SIZE && out.out_faults == 0);
	t_check(memcmp(buf, mem, SIZE) == 0);

	/* unaligned, crossing three pages */
	t_fill(buf, SIZE, 9);
	t_check(t_dma(v.device, 1, IOVA + 4000, buf, 9000, &out) == 0);
	t_check(out.out_done == 9000);
	t_check(memcmp(mem + 4000, buf, 9000) == 0);
	t_fill(buf, SIZE, 1);
	t_check(memcmp(mem, buf, 4000) == 0);
	t_check(memcmp(mem + 13000, buf + 13000, SIZE - 13000) == 0);

	t_check(t_unmap(v.container, IOVA, SIZE, NULL) == 0);
	t_check(t_locked_kb() == base);
	return T_PASS;
}
