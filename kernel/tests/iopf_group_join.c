// SPDX-License-Identifier: GPL-2.0
/*
 * Groups joining an IOPF container later: a faulting device joins and its
 * faults are handled (pages already mapped on demand are visible to it); a
 * device that cannot fault is refused with EBUSY while ranges are mapped on
 * demand.  A device that leaves and joins again, over and over, takes a
 * free slot of the device table, which does not grow (it grew by one entry
 * on every join in the series before it was fixed).
 */
#include "iopf_mock.h"

#define IOVA	0x100000ULL
#define PG	4096

int main(void)
{
	struct vfio_iopf_mock_dma out;
	unsigned char *mem = t_alloc(4096 * PG), buf[PG];
	struct vfio_iommu_type1_enable_iopf en;
	struct t_vfio a, b;
	__u32 ndevices;
	char path[64];
	int fd, g;

	t_mock_setup(MOCK_FAULTING, &a);
	fd = t_enable_iopf(a.container, &en);
	t_check(t_map(a.container, mem, IOVA, 4096 * PG, T_RW) == 0);
	t_fill(mem, 4096 * PG, 5);
	t_check(t_dma(a.device, 0, IOVA, buf, PG, &out) == 0 && out.out_faults == 1);

	t_mock_attach(MOCK_FAULTING2, a.container, &b);
	/* already mapped by a's fault: no fault from b */
	t_check(t_dma(b.device, 0, IOVA + PG, buf, PG, &out) == 0);
	t_check(out.out_faults == 0 && memcmp(buf, mem + PG, PG) == 0);
	/* beyond the window: b faults and gets it resolved */
	t_check(t_dma(b.device, 0, IOVA + 2048 * PG, buf, PG, &out) == 0);
	t_check(out.out_faults == 1 && memcmp(buf, mem + 2048 * PG, PG) == 0);
	t_check(t_iopf_info(fd).out_ndevices == 2);

	/* the device that cannot fault may not join */
	t_check(t_group_path("/sys/bus/vfio_iopf_mock/devices/iopf-mock2",
			     path, sizeof(path)) == 0);
	g = open(path, O_RDWR);
	t_check(g >= 0);
	t_check_err(ioctl(g, VFIO_GROUP_SET_CONTAINER, &a.container), EBUSY);

	/* b leaves and joins again: it takes a free slot, the table does not grow */
	ndevices = t_iopf_info(fd).out_ndevices;
	for (int i = 0; i < 20; i++) {
		close(b.device);
		t_check(ioctl(b.group, VFIO_GROUP_UNSET_CONTAINER) == 0);
		t_check(ioctl(b.group, VFIO_GROUP_SET_CONTAINER, &a.container) == 0);
		b.device = ioctl(b.group, VFIO_GROUP_GET_DEVICE_FD, "iopf-mock1");
		t_check(b.device >= 0);
		if (t_iopf_info(fd).out_ndevices != ndevices)
			t_fail("join %d: %u slots in the device table, %u before", i,
			       t_iopf_info(fd).out_ndevices, ndevices);
	}
	t_check(t_dma(b.device, 0, IOVA + 2049 * PG, buf, PG, &out) == 0);
	t_check(memcmp(buf, mem + 2049 * PG, PG) == 0);

	/* b leaves; a still works */
	close(b.device);
	t_check(ioctl(b.group, VFIO_GROUP_UNSET_CONTAINER) == 0);
	t_check(t_dma(a.device, 0, IOVA + 3000 * PG, buf, PG, &out) == 0);
	t_check(t_unmap(a.container, IOVA, 4096 * PG, NULL) == 0);
	return T_PASS;
}
