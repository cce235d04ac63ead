// SPDX-License-Identifier: GPL-2.0
/*
 * A group joining an IOPF container gets a domain of its own, then moves
 * into the container's existing one, and back into its own if that fails.
 * When both later attaches fail, the join fails and the group is attached
 * nowhere: nothing of it may stay behind.  The series before it was fixed
 * kept the group on the container's IOPF list with its device in a slot
 * (DEVICE_INFO still named it), and releasing the container warned.  The
 * mock IOMMU fails device 1's attaches after the first (attach_fail_mask,
 * attach_ok_left).  Afterwards the same group joins normally and its
 * faults are served.
 */
#include "iopf_mock.h"

#define IOVA		0x100000ULL
#define PG		4096
#define FAIL_MASK	"/sys/module/vfio_iopf_mock/parameters/attach_fail_mask"
#define OK_LEFT		"/sys/module/vfio_iopf_mock/parameters/attach_ok_left"

static __u32 device_flags(int fd, __u32 index)
{
	struct vfio_iopf_device_info info = {
		.argsz = sizeof(info),
		.index = index,
	};

	if (ioctl(fd, VFIO_IOPF_DEVICE_INFO, &info))
		return 0;
	return info.out_flags;
}

int main(void)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	struct vfio_iommu_type1_enable_iopf en;
	unsigned char *mem = t_alloc(1024 * PG), buf[PG];
	struct vfio_iopf_mock_dma out;
	char path[PATH_MAX];
	struct t_vfio a, b;
	int fd, group, ret;

	t_mock_setup(MOCK_FAULTING, &a);
	fd = t_enable_iopf(a.container, &en);
	t_check(t_map(a.container, mem, IOVA, 1024 * PG, T_RW) == 0);
	t_fill(mem, 1024 * PG, 7);
	t_check(t_dma(a.device, 0, IOVA, buf, PG, &out) == 0 && out.out_faults == 1);

	/* device 1's group: attached to its own domain, then no other attach works */
	t_check(t_group_path("/sys/bus/vfio_iopf_mock/devices/iopf-mock1", path,
			     sizeof(path)) == 0);
	group = open(path, O_RDWR | O_CLOEXEC);
	t_check(group >= 0);
	t_check(ioctl(group, VFIO_GROUP_GET_STATUS, &status) == 0);
	t_write_str(OK_LEFT, "1");
	t_write_str(FAIL_MASK, "2");	/* 1 << MOCK_FAULTING2 */
	ret = ioctl(group, VFIO_GROUP_SET_CONTAINER, &a.container);
	t_write_str(FAIL_MASK, "0");
	t_write_str(OK_LEFT, "0");
	if (ret == 0)
		t_fail("the join succeeded: the mock's attach hook did not fail it");
	printf("the join failed as it should: errno %d (%s)\n", errno, strerror(errno));
	for (__u32 i = 0; i < t_iopf_info(fd).out_ndevices; i++)
		if (device_flags(fd, i) && i != 0)
			t_fail("device slot %u still holds a device after the failed join", i);
	close(group);

	/* the same device joins now, and its faults are served */
	t_mock_attach(MOCK_FAULTING2, a.container, &b);
	t_check(t_dma(b.device, 0, IOVA + 512 * PG, buf, PG, &out) == 0);
	t_check(out.out_faults == 1 && memcmp(buf, mem + 512 * PG, PG) == 0);
	t_check(t_dma(a.device, 0, IOVA + PG, buf, PG, &out) == 0);
	t_check(memcmp(buf, mem + PG, PG) == 0);

	close(b.device);
	close(b.group);
	close(fd);
	close(a.device);
	close(a.group);
	close(a.container);
	return 0;
}
