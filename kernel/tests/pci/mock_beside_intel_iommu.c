// SPDX-License-Identifier: GPL-2.0
/*
 * Runs in the second boot: the mock IOMMU keeps its devices when
 * intel-iommu is active too (they name it through a fwspec), so on-demand
 * mapping works on a machine that also has a real IOMMU.
 */
#include "iopf_mock.h"

#define IOVA	0x40000000ULL
#define SIZE	(4ULL << 20)
#define PG	4096

int main(void)
{
	unsigned char *mem = t_alloc(SIZE), buf[PG];
	struct vfio_iopf_mock_dma out;
	struct t_vfio v;
	long base;

	t_fill(mem, SIZE, 3);
	/* a skip would hide the failure this test is for */
	t_check(access("/sys/bus/vfio_iopf_mock/devices/iopf-mock0/iommu_group", F_OK) == 0);
	t_mock_setup(MOCK_FAULTING, &v);
	t_enable_iopf(v.container, NULL);
	base = t_locked_kb();
	t_check(t_map(v.container, mem, IOVA, SIZE, T_RW) == 0);
	t_check(t_locked_kb() == base);

	t_check(t_dma(v.device, 0, IOVA + 5 * PG, buf, PG, &out) == 0);
	t_check(out.out_faults == 1 && memcmp(buf, mem + 5 * PG, PG) == 0);

	t_check(t_unmap(v.container, IOVA, SIZE, NULL) == 0);
	t_check(t_locked_kb() == base);
	return T_PASS;
}
