// SPDX-License-Identifier: GPL-2.0
/*
 * The eager path's cost, for the same figure on pristine 6.12 and on the
 * patched kernel (the harness boots both, alternately): MAP_DMA and
 * UNMAP_DMA of 1 GiB of 4 KiB pages (THP off for the range, touched first)
 * for QEMU's edu device on vfio-pci behind intel-iommu, a device that cannot
 * fault, in a container without IOPF.  Prints "IOPF-EAGER: map_ms unmap_ms"
 * once per round.
 */
#include <sys/mman.h>
#include "pci/edu.h"

#define GIB	(1ULL << 30)
#define IOVA	0x100000000ULL
#define ROUNDS	3

int main(void)
{
	char bdf[NAME_MAX + 1], dev[PATH_MAX];
	unsigned char *mem;
	struct t_vfio v;
	double t0, t1, t2;
	int i;

	edu_bind(bdf, sizeof(bdf));
	snprintf(dev, sizeof(dev), "/sys/bus/pci/devices/%s", bdf);
	t_check(t_vfio_open(dev, bdf, -1, &v) == 0);
	mem = mmap(NULL, GIB, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	t_check(mem != MAP_FAILED);
	t_check(madvise(mem, GIB, MADV_NOHUGEPAGE) == 0);
	memset(mem, 1, GIB);
	for (i = 0; i < ROUNDS; i++) {
		t0 = t_now_us() / 1000;
		t_check(t_map(v.container, mem, IOVA, GIB, T_RW) == 0);
		t1 = t_now_us() / 1000;
		t_check(t_unmap(v.container, IOVA, GIB, NULL) == 0);
		t2 = t_now_us() / 1000;
		printf("IOPF-EAGER: %.3f %.3f\n", t1 - t0, t2 - t1);
	}
	return 0;
}
