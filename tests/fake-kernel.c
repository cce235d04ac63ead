/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "fake-kernel.h"

static struct sim *fake_kernel;
static struct stat fake_file;
static volatile bool attached;
static unsigned foreign_ioctls;

int __real_ioctl(int fd, unsigned long request, ...);
int __wrap_ioctl(int fd, unsigned long request, ...);
bool __real_iopf_fd_is_iopf(int fd);
bool __wrap_iopf_fd_is_iopf(int fd);

int fake_kernel_install(struct sim *sim)
{
	fake_kernel = sim;
	if (fstat(sim_ring_fd(sim), &fake_file) < 0)
		return -errno;
	return sim_ring_fd(sim);
}

unsigned fake_kernel_foreign_ioctls(void)
{
	return __atomic_load_n(&foreign_ioctls, __ATOMIC_ACQUIRE);
}

bool fake_kernel_attached(void)
{
	return __atomic_load_n(&attached, __ATOMIC_ACQUIRE);
}

static bool is_fake(int fd)
{
	struct stat st;

	return fake_kernel && fstat(fd, &st) == 0 &&
	       st.st_dev == fake_file.st_dev && st.st_ino == fake_file.st_ino;
}

/* The simulator's ring fd stands for an iopf fd; anything else is checked as iopfd would. */
bool __wrap_iopf_fd_is_iopf(int fd)
{
	return is_fake(fd) || __real_iopf_fd_is_iopf(fd);
}

int __wrap_ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	void *arg;
	int r;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!is_fake(fd)) {
		__atomic_add_fetch(&foreign_ioctls, 1, __ATOMIC_ACQ_REL);
		return __real_ioctl(fd, request, arg);
	}

	switch (request) {
	case VFIO_IOPF_SET_RESOLVER:
		r = sim_set_resolver(fake_kernel, arg);
		if (r >= 0) {
			const struct vfio_iopf_set_resolver *set = arg;

			__atomic_store_n(&attached,
					 set->eventfd >= 0 && !(set->flags & VFIO_IOPF_RESOLVER_DETACH),
					 __ATOMIC_RELEASE);
		}
		break;
	case VFIO_IOPF_RESOLVE:
		r = sim_resolve(fake_kernel, arg);
		break;
	case VFIO_IOPF_RELEASE:
		r = sim_release(fake_kernel, arg);
		break;
	case VFIO_IOPF_INFO:
		r = sim_info(fake_kernel, arg);
		break;
	case VFIO_IOPF_DEVICE_INFO:
		r = sim_device_info(fake_kernel, arg);
		break;
	default:
		r = -ENOTTY;
	}
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return r;
}
