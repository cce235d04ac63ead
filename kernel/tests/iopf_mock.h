/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest-side view of the test-only mock DMA device (CONFIG_VFIO_IOPF_MOCK,
 * drivers/vfio/vfio_iopf_mock.c).  The command struct must match the one in
 * that file.  By default the kernel creates iopf-mock0 and iopf-mock1, which
 * can take page faults, iopf-mock2, which cannot, and iopf-mock3, which can
 * and whose domains VFIO does not share with the others'.  A DMA command's
 * out_status is 0 or a negative errno: -ENXIO unmapped (cannot fault),
 * -EFAULT answered INVALID, -EIO answered FAILURE, -ETIMEDOUT no answer,
 * -EREMOTEIO mapped to something other than RAM (a BAR).
 */
#ifndef IOPF_MOCK_H
#define IOPF_MOCK_H

#include <limits.h>
#include <sys/mman.h>
#include "iopf_test.h"

struct vfio_iopf_mock_dma {
	__u32	argsz;
	__u32	flags;
#define VFIO_IOPF_MOCK_DMA_WRITE	(1 << 0)
	__aligned_u64	iova;
	__aligned_u64	length;
	__aligned_u64	data;
	__u32	timeout_ms;
	__s32	out_status;
	__aligned_u64	out_done;
	__u32	out_faults;
	__u32	out_invalid;
};

#define VFIO_IOPF_MOCK_DMA	_IO(VFIO_TYPE, VFIO_BASE + 90)

#define MOCK_FAULTING	0	/* index of a device that can fault */
#define MOCK_FAULTING2	1
#define MOCK_NOFAULT	2	/* index of a device that cannot */

/* the engine's time a page, 0 for as fast as the CPU copies (the mock's page_ns) */
#define MOCK_PAGE_NS	"/sys/module/vfio_iopf_mock/parameters/page_ns"

struct t_vfio {
	int container;
	int group;
	int device;
};

/* /dev/vfio/N of the device at sysfs path @dev; -1 if it has no group. */
static inline int t_group_path(const char *dev, char *path, size_t len)
{
	char link[512], *g;
	ssize_t n;

	if (snprintf(path, len, "%s/iommu_group", dev) >= (int)len)
		return -1;
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -1;
	link[n] = 0;
	g = strrchr(link, '/');
	return snprintf(path, len, "/dev/vfio/%s", g ? g + 1 : link) < (int)len ? 0 : -1;
}

/*
 * Open the group of the device at sysfs path @dev, add it to @container
 * (opened and set to type1v2 if < 0) and get its device fd by @name.
 * Returns -1 if the device has no IOMMU group.
 */
static inline int t_vfio_open(const char *dev, const char *name, int container,
			      struct t_vfio *v)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[PATH_MAX];

	if (t_group_path(dev, path, sizeof(path)))
		return -1;
	v->container = container >= 0 ? container : t_open_container();
	v->group = open(path, O_RDWR | O_CLOEXEC);
	t_check(v->group >= 0);
	t_check(ioctl(v->group, VFIO_GROUP_GET_STATUS, &status) == 0);
	t_check(status.flags & VFIO_GROUP_FLAGS_VIABLE);
	t_check(ioctl(v->group, VFIO_GROUP_SET_CONTAINER, &v->container) == 0);
	if (container < 0)
		t_check(ioctl(v->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) == 0);
	v->device = ioctl(v->group, VFIO_GROUP_GET_DEVICE_FD, name);
	t_check(v->device >= 0);
	return 0;
}

/* Open the mock device's group and add it to @container (opened if < 0). */
static inline void t_mock_attach(int idx, int container, struct t_vfio *v)
{
	char dev[PATH_MAX], name[32];

	snprintf(name, sizeof(name), "iopf-mock%d", idx);
	snprintf(dev, sizeof(dev), "/sys/bus/vfio_iopf_mock/devices/%s", name);
	if (t_vfio_open(dev, name, container, v))
		t_skip("no mock device %s (CONFIG_VFIO_IOPF_MOCK off?)", name);
}

static inline void t_mock_setup(int idx, struct t_vfio *v)
{
	t_mock_attach(idx, -1, v);
}

static inline int t_map(int container, void *vaddr, __u64 iova, __u64 size,
			__u32 flags)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = flags,
		.vaddr = (unsigned long)vaddr,
		.iova = iova,
		.size = size,
	};

	return ioctl(container, VFIO_IOMMU_MAP_DMA, &map);
}

#define T_RW (VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)

static inline int t_unmap(int container, __u64 iova, __u64 size, __u64 *unmapped)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = iova,
		.size = size,
	};
	int ret = ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap);

	if (unmapped)
		*unmapped = unmap.size;
	return ret;
}

/*
 * Run one DMA command, waiting up to @timeout_ms for each page response;
 * returns out_status, fills *out if given.
 */
static inline int t_dma_waiting(int device, int write, __u64 iova, void *buf,
				__u64 len, __u32 timeout_ms,
				struct vfio_iopf_mock_dma *out)
{
	struct vfio_iopf_mock_dma cmd = {
		.argsz = sizeof(cmd),
		.flags = write ? VFIO_IOPF_MOCK_DMA_WRITE : 0,
		.iova = iova,
		.length = len,
		.data = (unsigned long)buf,
		.timeout_ms = timeout_ms,
	};

	t_check(ioctl(device, VFIO_IOPF_MOCK_DMA, &cmd) == 0);
	if (out)
		*out = cmd;
	return cmd.out_status;
}

/* Run one DMA command; returns out_status, fills *out if given. */
static inline int t_dma(int device, int write, __u64 iova, void *buf,
			__u64 len, struct vfio_iopf_mock_dma *out)
{
	return t_dma_waiting(device, write, iova, buf, len, 10000, out);
}

static inline void *t_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	t_check(p != MAP_FAILED);
	return p;
}

/* @size of memory only what is touched uses: backing for huge lazy ranges. */
static inline void *t_alloc_sparse(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	t_check(p != MAP_FAILED);
	return p;
}

static inline void t_fill(void *p, size_t size, unsigned int seed)
{
	unsigned char *c = p;
	size_t i;

	for (i = 0; i < size; i++)
		c[i] = (unsigned char)(i * 7 + seed + (i >> 12));
}

/* The "@key: N kB" line of @path (/proc/meminfo, /proc/self/status), in kB */
static inline long t_proc_kb(const char *path, const char *key)
{
	size_t len = strlen(key);
	char line[256];
	long kb = -1;
	FILE *f = fopen(path, "r");

	t_check(f != NULL);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':' &&
		    sscanf(line + len + 1, "%ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* VmLck of this process, in kB */
static inline long t_locked_kb(void)
{
	return t_proc_kb("/proc/self/status", "VmLck");
}

/* Enable IOPF on @container; skips if the kernel lacks it. Returns the fd. */
static inline int t_enable_iopf(int container,
				struct vfio_iommu_type1_enable_iopf *out)
{
	struct vfio_iommu_type1_enable_iopf en = { .argsz = sizeof(en) };
	int fd;

	if (ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOPF) != 1)
		t_skip("VFIO_TYPE1_IOPF not supported");
	fd = ioctl(container, VFIO_IOMMU_ENABLE_IOPF, &en);
	t_check(fd >= 0);
	if (out)
		*out = en;
	return fd;
}

static inline struct vfio_iopf_info t_iopf_info(int iopf_fd)
{
	struct vfio_iopf_info info = { .argsz = sizeof(info) };

	t_check(ioctl(iopf_fd, VFIO_IOPF_INFO, &info) == 0);
	return info;
}

#endif
