/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <sys/ioctl.h>

#include "backend.h"
#include "iopf-fd.h"
#include "macro.h"

/* The iopf fd's ioctls return 0 or -1 with errno; the backend speaks -errno. */
static int iopf_ioctl(void *data, unsigned long request, void *arg)
{
	int fd = (int)(intptr_t)data;

	return RET_NERRNO(ioctl(fd, request, arg));
}

static int vfio_op_set_resolver(void *data, const struct vfio_iopf_set_resolver *arg)
{
	return iopf_ioctl(data, VFIO_IOPF_SET_RESOLVER, (void *)arg);
}

static int vfio_op_resolve(void *data, struct vfio_iopf_resolve *arg)
{
	return iopf_ioctl(data, VFIO_IOPF_RESOLVE, arg);
}

static int vfio_op_release(void *data, struct vfio_iopf_release *arg)
{
	return iopf_ioctl(data, VFIO_IOPF_RELEASE, arg);
}

static int vfio_op_info(void *data, struct vfio_iopf_info *arg)
{
	return iopf_ioctl(data, VFIO_IOPF_INFO, arg);
}

static int vfio_op_device_info(void *data, struct vfio_iopf_device_info *arg)
{
	return iopf_ioctl(data, VFIO_IOPF_DEVICE_INFO, arg);
}

static const struct iopf_backend_ops vfio_ops = {
	.name = "vfio",
	.set_resolver = vfio_op_set_resolver,
	.resolve = vfio_op_resolve,
	.release = vfio_op_release,
	.info = vfio_op_info,
	.device_info = vfio_op_device_info,
};

int iopf_backend_vfio(int iopf_fd, struct iopf_backend *ret)
{
	struct vfio_iopf_info info = { .argsz = sizeof(info) };
	struct iopf_backend b = {
		.ops = &vfio_ops,
		.data = (void *)(intptr_t)iopf_fd,
		.ring_fd = iopf_fd,
	};
	int r;

	if (!iopf_fd_is_iopf(iopf_fd))
		return -ENOTTY;
	r = vfio_op_info(b.data, &info);
	if (r < 0)
		return r;
	b.ring = info.out_ring;
	*ret = b;
	return 0;
}
