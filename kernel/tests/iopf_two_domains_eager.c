// SPDX-License-Identifier: GPL-2.0
/*
 * A group leaves a container of two domains that holds an eagerly pinned
 * range: VFIO type1 frees its domain with the range still mapped there (the
 * other domain keeps it), which a real IOMMU driver allows and the mock must
 * too, without a warning.  The device that stays still reads the range, and
 * unmapping it gives the pinned pages back.  Once without IOPF, once with
 * IOPF and VFIO_DMA_MAP_FLAG_PIN_EAGER.
 */
#include "iopf_mock.h"

#define PG		4096ULL
#define IOVA		0x400000ULL
#define SIZE		(1ULL << 20)
#define MOCK_OTHER_DOMAIN	3

static void leave_with_eager_range(int iopf)
{
	unsigned char *mem = t_alloc(SIZE), buf[64];
	long base = t_locked_kb();
	struct t_vfio a, b;
	int fd = -1;

	t_fill(mem, SIZE, 5);
	t_mock_setup(MOCK_FAULTING, &a);
	t_mock_attach(MOCK_OTHER_DOMAIN, a.container, &b);
	if (iopf)
		fd = t_enable_iopf(a.container, NULL);
	t_check(t_map(a.container, mem, IOVA, SIZE,
		      T_RW | (iopf ? VFIO_DMA_MAP_FLAG_PIN_EAGER : 0)) == 0);
	t_check(t_locked_kb() - base == (long)(SIZE / 1024));
	t_check(t_dma(b.device, 0, IOVA + PG, buf, sizeof(buf), NULL) == 0);

	close(b.device);
	close(b.group);
	t_check(t_dma(a.device, 0, IOVA + 2 * PG, buf, sizeof(buf), NULL) == 0);
	t_check(memcmp(buf, mem + 2 * PG, sizeof(buf)) == 0);
	t_check(t_unmap(a.container, IOVA, SIZE, NULL) == 0);
	t_check(t_locked_kb() == base);
	if (fd >= 0)
		close(fd);
	close(a.device);
	close(a.group);
	close(a.container);
	munmap(mem, SIZE);
}

int main(void)
{
	leave_with_eager_range(0);
	leave_with_eager_range(1);
	return T_PASS;
}
