// SPDX-License-Identifier: GPL-2.0
/*
 * Runs in the second boot: a DMA range backed by a peer device's BAR (edu's
 * BAR0, mmap()ed through vfio-pci: VM_PFNMAP memory, which cannot be pinned
 * at fault time) is pinned eagerly even in a container that maps on demand,
 * so the device reaches it without a fault.  The mock's engine reaches only
 * RAM, so it reports such a page as mapped but not RAM (-EREMOTEIO) rather
 * than faulting (and being answered INVALID, as before).  Ordinary memory
 * in the same container is still mapped on demand.
 */
#include "edu.h"

#define IOVA	0x40000000ULL
#define PG	4096

int main(void)
{
	struct vfio_region_info bar0 = {
		.argsz = sizeof(bar0), .index = VFIO_PCI_BAR0_REGION_INDEX,
	};
	unsigned char *mem = t_alloc(2 << 20), buf[64];
	char bdf[NAME_MAX + 1], dev[PATH_MAX];
	struct vfio_iopf_mock_dma out;
	struct t_vfio edu, m;
	void *bar;
	int fd;

	edu_bind(bdf, sizeof(bdf));
	snprintf(dev, sizeof(dev), "/sys/bus/pci/devices/%s", bdf);
	t_check(t_vfio_open(dev, bdf, -1, &edu) == 0);
	t_check(ioctl(edu.device, VFIO_DEVICE_GET_REGION_INFO, &bar0) == 0);
	bar = mmap(NULL, bar0.size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   edu.device, bar0.offset);
	t_check(bar != MAP_FAILED);

	t_mock_setup(MOCK_FAULTING, &m);
	fd = t_enable_iopf(m.container, NULL);
	t_check(t_map(m.container, bar, IOVA, PG, T_RW) == 0);
	t_check(t_dma(m.device, 0, IOVA, buf, sizeof(buf), &out) == -EREMOTEIO);
	t_check(out.out_faults == 0);

	/* memory next to it is still mapped on demand */
	t_check(t_map(m.container, mem, IOVA + (2 << 20), 2 << 20, T_RW) == 0);
	t_check(t_iopf_info(fd).out_mapped_pages == 0);
	t_check(t_dma(m.device, 0, IOVA + (2 << 20), buf, sizeof(buf), &out) == 0);
	t_check(out.out_faults == 1);

	t_check(t_unmap(m.container, IOVA, 4 << 20, NULL) == 0);
	return T_PASS;
}
