// SPDX-License-Identifier: GPL-2.0
/*
 * An emulated IOMMU group (an mdev: here the mtty sample) and IOPF never share
 * a container, since the mdev's vfio_pin_pages() would pin on-demand ranges
 * uncharged: adding the mdev's group to a container with IOPF on gives EBUSY,
 * and so does ENABLE on a container that holds it.  The same group joins a
 * container without IOPF, so the EBUSY is IOPF's.
 */
#include <fcntl.h>
#include "iopf_mock.h"

#define MTTY_TYPE	"/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/create"
#define MDEV_UUID	"83b8f4f2-509f-382f-3c1e-e6bfe0fa1001"
#define MDEV_DEV	"/sys/bus/mdev/devices/" MDEV_UUID

static int mdev_group(void)
{
	char path[PATH_MAX];
	int fd, group;

	fd = open(MTTY_TYPE, O_WRONLY | O_CLOEXEC);
	t_check(fd >= 0);
	t_check(write(fd, MDEV_UUID, strlen(MDEV_UUID)) == (ssize_t)strlen(MDEV_UUID));
	close(fd);
	t_check(t_group_path(MDEV_DEV, path, sizeof(path)) == 0);
	group = open(path, O_RDWR | O_CLOEXEC);
	t_check(group >= 0);
	return group;
}

int main(void)
{
	struct vfio_iommu_type1_enable_iopf en = { .argsz = sizeof(en) };
	struct t_vfio v, v2;
	int mdev, iopf_fd, plain, c;

	mdev = mdev_group();

	/* IOPF first, then the mdev */
	t_mock_setup(MOCK_FAULTING, &v);
	iopf_fd = t_enable_iopf(v.container, &en);
	t_check_err(ioctl(mdev, VFIO_GROUP_SET_CONTAINER, &v.container), EBUSY);

	/* the same group in a container without IOPF */
	plain = t_open_container();
	t_check(ioctl(mdev, VFIO_GROUP_SET_CONTAINER, &plain) == 0);
	t_check(ioctl(plain, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) == 0);
	t_check(ioctl(mdev, VFIO_GROUP_UNSET_CONTAINER) == 0);

	/* the mdev first, then IOPF */
	c = t_open_container();
	t_check(ioctl(mdev, VFIO_GROUP_SET_CONTAINER, &c) == 0);
	t_check(ioctl(c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) == 0);
	t_mock_attach(MOCK_FAULTING2, c, &v2);
	t_check_err(ioctl(c, VFIO_IOMMU_ENABLE_IOPF, &en), EBUSY);

	/* and once the mdev has left, IOPF may come */
	t_check(ioctl(mdev, VFIO_GROUP_UNSET_CONTAINER) == 0);
	t_check(t_enable_iopf(c, NULL) >= 0);
	close(iopf_fd);
	return T_PASS;
}
