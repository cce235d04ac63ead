/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What the resolver needs from "the kernel side": a ring it can mmap and the
 * iopf fd's commands.  The simulator implements it in-process; the VFIO
 * backend implements it with ioctls on a real iopf fd.  Every operation
 * returns 0 or a negative errno and takes the uapi struct unchanged.
 */

#include <linux/vfio_iopf.h>

struct iopf_backend_ops {
	const char *name;
	int (*set_resolver)(void *data, const struct vfio_iopf_set_resolver *arg);
	int (*resolve)(void *data, struct vfio_iopf_resolve *arg);
	int (*release)(void *data, struct vfio_iopf_release *arg);
	int (*info)(void *data, struct vfio_iopf_info *arg);
	int (*device_info)(void *data, struct vfio_iopf_device_info *arg);
};

struct iopf_backend {
	const struct iopf_backend_ops *ops;
	void *data;
	int ring_fd;                          /* mmap()ed at offset 0 */
	struct vfio_iopf_ring_offsets ring;   /* as ENABLE_IOPF returned it */
};

struct sim;
/* A backend view of @sim; the sim stays owned by the caller. */
void iopf_backend_sim(struct sim *sim, struct iopf_backend *ret);

/* A backend on a real iopf fd (from VFIO_IOMMU_ENABLE_IOPF); the fd stays the caller's. */
int iopf_backend_vfio(int iopf_fd, struct iopf_backend *ret);
