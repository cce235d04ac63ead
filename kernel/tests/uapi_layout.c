// SPDX-License-Identifier: GPL-2.0
/*
 * The uapi structs have the layout the ABI promises: no implicit holes,
 * 64-bit fields 8-byte aligned, and the same size on i386 and x86-64 (checked
 * here through the explicit sizes).
 */
#include <stddef.h>
#include "iopf_test.h"

#define SZ(t, n) _Static_assert(sizeof(struct t) == (n), #t " size")
SZ(vfio_iopf_ring_offsets, 40);
SZ(vfio_iopf_fault, 64);
SZ(vfio_iommu_type1_enable_iopf, 64);
SZ(vfio_iopf_set_resolver, 16);
SZ(vfio_iopf_resolve_entry, 32);
SZ(vfio_iopf_resolve, 16);
SZ(vfio_iopf_release, 32);
SZ(vfio_iopf_info, 144);
SZ(vfio_iopf_device_info, 48);
_Static_assert(offsetof(struct vfio_iommu_type1_enable_iopf, out_ring) == 24, "out_ring");
_Static_assert(offsetof(struct vfio_iopf_info, out_ring) == 88, "info out_ring");
_Static_assert(offsetof(struct vfio_iopf_info, out_mapped_blocks) == 128, "info out_mapped_blocks");
_Static_assert(offsetof(struct vfio_iopf_info, out_resolver_id) == 136, "info out_resolver_id");

int main(void)
{
	/* VFIO_BASE + 22 .. 27 must not collide with a container ioctl of 6.12 */
	int fd = t_open_container();
	unsigned int nr;

	for (nr = 22; nr <= 27; nr++) {
		errno = 0;
		if (ioctl(fd, _IO(VFIO_TYPE, VFIO_BASE + nr), NULL) != -1 ||
		    (errno != ENOTTY && errno != ENODEV && errno != EINVAL &&
		     errno != EFAULT))
			t_fail("VFIO_BASE + %u on a bare container: errno %d", nr, errno);
	}
	return T_PASS;
}
