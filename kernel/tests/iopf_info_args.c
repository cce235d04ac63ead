// SPDX-License-Identifier: GPL-2.0
/* VFIO_IOPF_INFO rejects a short argsz and unknown flags with EINVAL. */
#include <stddef.h>
#include "iopf_mock.h"

int main(void)
{
	struct vfio_iopf_info info;
	struct t_vfio v;
	int fd;

	t_mock_setup(MOCK_FAULTING, &v);
	fd = t_enable_iopf(v.container, NULL);

	memset(&info, 0, sizeof(info));
	info.argsz = offsetof(struct vfio_iopf_info, out_ring);
	t_check_err(ioctl(fd, VFIO_IOPF_INFO, &info), EINVAL);
	info.argsz = sizeof(info);
	info.flags = 4;
	t_check_err(ioctl(fd, VFIO_IOPF_INFO, &info), EINVAL);
	memset(&info, 0xa5, sizeof(info));
	info.argsz = sizeof(info);
	info.flags = 0;
	t_check(ioctl(fd, VFIO_IOPF_INFO, &info) == 0);
	t_check(info.__reserved == 0 && info.out_faults == 0);
	t_check(info.out_fallback_pages == 512 && info.out_ndevices == 1);
	return T_PASS;
}
