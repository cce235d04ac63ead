// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO_IOMMU_ENABLE_IOPF validates its argument (short argsz, unknown flags,
 * non-zero reserved field, bad ring size: EINVAL), returns an O_CLOEXEC fd,
 * and a second enable gives EEXIST.  On a container without VFIO_SET_IOMMU
 * it gives EINVAL, as the header says (the VFIO core answers there); with
 * only a device that cannot fault, ENODEV.
 */
#include <stddef.h>
#include "iopf_mock.h"

static int enable(int c, __u32 argsz, __u32 flags, __u32 entries, __u32 rsvd)
{
	struct vfio_iommu_type1_enable_iopf en = {
		.argsz = argsz, .flags = flags, .ring_entries = entries,
		.__reserved = rsvd,
	};

	return ioctl(c, VFIO_IOMMU_ENABLE_IOPF, &en);
}

int main(void)
{
	struct vfio_iommu_type1_enable_iopf en;
	__u32 sz = sizeof(en);
	struct t_vfio v, nofault;
	int fd, bare;

	bare = t_open_container();
	t_check_err(enable(bare, sizeof(en), 0, 0, 0), EINVAL);
	close(bare);
	t_mock_setup(MOCK_NOFAULT, &nofault);
	t_check_err(enable(nofault.container, sizeof(en), 0, 0, 0), ENODEV);
	close(nofault.device);
	close(nofault.group);
	close(nofault.container);

	t_mock_setup(MOCK_FAULTING, &v);
	if (ioctl(v.container, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOPF) != 1)
		t_skip("VFIO_TYPE1_IOPF not supported");

	t_check_err(enable(v.container, offsetof(typeof(en), out_ring), 0, 0, 0), EINVAL);
	t_check_err(enable(v.container, 8, 0, 0, 0), EINVAL);
	t_check_err(enable(v.container, sz, 1, 0, 0), EINVAL);
	t_check_err(enable(v.container, sz, 1u << 31, 0, 0), EINVAL);
	t_check_err(enable(v.container, sz, 0, 0, 1), EINVAL);
	t_check_err(enable(v.container, sz, 0, 32, 0), EINVAL);
	t_check_err(enable(v.container, sz, 0, 100, 0), EINVAL);
	t_check_err(enable(v.container, sz, 0, 131072, 0), EINVAL);

	memset(&en, 0xff, sizeof(en));
	en.argsz = sz;
	en.flags = 0;
	en.ring_entries = 64;
	en.__reserved = 0;
	fd = ioctl(v.container, VFIO_IOMMU_ENABLE_IOPF, &en);
	t_check(fd >= 0);
	t_check(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	t_check(en.out_ndevices == 1);
	t_check(en.out_features == (VFIO_IOPF_FEATURE_RELEASE | VFIO_IOPF_FEATURE_NOTIFIER |
				    VFIO_IOPF_FEATURE_MAP_AHEAD));
	t_check(t_iopf_info(fd).out_features == en.out_features);

	t_check_err(enable(v.container, sz, 0, 0, 0), EEXIST);
	/* unknown ioctl on the iopf fd */
	t_check_err(ioctl(fd, _IO(VFIO_TYPE, VFIO_BASE + 80), &en), ENOTTY);
	return T_PASS;
}
