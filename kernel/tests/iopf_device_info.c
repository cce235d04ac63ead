// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO_IOPF_DEVICE_INFO names each device of the container and its path;
 * a container with a device that cannot fault keeps pinning eagerly, and one
 * with only such devices refuses IOPF with ENODEV.
 */
#include <stddef.h>
#include "iopf_mock.h"

#define PG	4096

static struct vfio_iopf_device_info dinfo(int fd, __u32 index, int *err)
{
	struct vfio_iopf_device_info d = { .argsz = sizeof(d), .index = index };

	*err = ioctl(fd, VFIO_IOPF_DEVICE_INFO, &d) ? errno : 0;
	return d;
}

int main(void)
{
	struct vfio_iommu_type1_enable_iopf en = { .argsz = sizeof(en) };
	struct vfio_iopf_device_info d;
	struct t_vfio a, b, c;
	unsigned char *mem = t_alloc(16 * PG);
	long base;
	int fd, err, seen = 0;
	__u32 i;

	/* a container holding only a device that cannot fault */
	t_mock_setup(MOCK_NOFAULT, &c);
	if (ioctl(c.container, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOPF) != 1)
		t_skip("VFIO_TYPE1_IOPF not supported");
	t_check_err(ioctl(c.container, VFIO_IOMMU_ENABLE_IOPF, &en), ENODEV);
	close(c.device);
	close(c.group);
	close(c.container);

	/* a faulting and a non-faulting device */
	t_mock_setup(MOCK_FAULTING, &a);
	t_mock_attach(MOCK_NOFAULT, a.container, &b);
	fd = t_enable_iopf(a.container, &en);
	t_check(en.out_ndevices == 2);

	/* indices are dense; the order is the kernel's */
	for (i = 0; i < 2; i++) {
		d = dinfo(fd, i, &err);
		t_check(!err);
		if (strcmp(d.out_name, "iopf-mock0") == 0) {
			t_check(d.out_flags == VFIO_IOPF_DEVICE_FAULTS);
			seen |= 1;
		} else if (strcmp(d.out_name, "iopf-mock2") == 0) {
			t_check(d.out_flags == VFIO_IOPF_DEVICE_EAGER);
			seen |= 2;
		} else {
			t_fail("unexpected device %s", d.out_name);
		}
	}
	t_check(seen == 3);
	dinfo(fd, 2, &err);
	t_check(err == ENOENT);

	d.argsz = offsetof(struct vfio_iopf_device_info, out_name);
	d.index = 0;
	t_check_err(ioctl(fd, VFIO_IOPF_DEVICE_INFO, &d), EINVAL);
	d.argsz = sizeof(d);
	d.flags = 1;
	t_check_err(ioctl(fd, VFIO_IOPF_DEVICE_INFO, &d), EINVAL);

	/* the non-faulting device forces eager pinning */
	base = t_locked_kb();
	t_check(t_map(a.container, mem, 0x100000, 16 * PG, T_RW) == 0);
	t_check(t_locked_kb() - base == 16 * PG / 1024);
	t_check(t_dma(b.device, 0, 0x100000, mem, PG, NULL) == 0);
	t_check(t_unmap(a.container, 0x100000, 16 * PG, NULL) == 0);
	t_check(t_locked_kb() == base);
	return T_PASS;
}
