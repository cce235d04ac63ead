// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO_IOPF_SET_RESOLVER rejects a short argsz, flags and a negative fd other
 * than -1 (EINVAL), a closed fd (EBADF) and an fd that is not an eventfd
 * (EINVAL); -1 detaches.
 */
#include <stddef.h>
#include <sys/eventfd.h>
#include "iopf_mock.h"

static int set(int fd, __u32 argsz, __u32 flags, int efd)
{
	struct vfio_iopf_set_resolver s = {
		.argsz = argsz, .flags = flags, .eventfd = efd,
	};

	return ioctl(fd, VFIO_IOPF_SET_RESOLVER, &s);
}

int main(void)
{
	__u32 sz = sizeof(struct vfio_iopf_set_resolver);
	struct t_vfio v;
	int fd, efd, id;

	t_mock_setup(MOCK_FAULTING, &v);
	fd = t_enable_iopf(v.container, NULL);
	efd = eventfd(0, 0);
	t_check(efd >= 0);

	t_check_err(set(fd, offsetof(struct vfio_iopf_set_resolver, timeout_ms), 0, efd), EINVAL);
	t_check_err(set(fd, sz, 1 << 2, efd), EINVAL);
	t_check_err(set(fd, sz, VFIO_IOPF_RESOLVER_TAKEOVER |
			VFIO_IOPF_RESOLVER_DETACH, efd), EINVAL);
	t_check_err(set(fd, sz, VFIO_IOPF_RESOLVER_DETACH, -1), EINVAL);
	t_check_err(set(fd, sz, 0, -2), EINVAL);
	t_check_err(set(fd, sz, 0, 1000), EBADF);
	t_check_err(set(fd, sz, 0, v.container), EINVAL);
	id = set(fd, sz, 0, efd);
	t_check(id > 0);
	/* the same eventfd again: the same resolver */
	t_check(set(fd, sz, 0, efd) == id);
	t_check(set(fd, sz, 0, -1) == 0);
	t_check(set(fd, sz, 0, -1) == 0);
	return T_PASS;
}
