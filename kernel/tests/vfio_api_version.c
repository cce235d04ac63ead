// SPDX-License-Identifier: GPL-2.0
/* The VFIO container exists and reports the API version and type1. */
#include "iopf_test.h"

int main(void)
{
	int fd = t_open_container();

	t_check(ioctl(fd, VFIO_GET_API_VERSION) == VFIO_API_VERSION);
	t_check(ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) == 1);
	/* without an IOMMU driver set, unknown container ioctls are EINVAL */
	t_check_err(ioctl(fd, _IO(VFIO_TYPE, VFIO_BASE + 99)), EINVAL);
	return T_PASS;
}
