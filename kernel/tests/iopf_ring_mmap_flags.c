// SPDX-License-Identifier: GPL-2.0
/*
 * The ring maps only shared and never executable: MAP_PRIVATE and
 * PROT_EXEC give EINVAL, and a shared mapping cannot become executable.
 */
#include <sys/mman.h>
#include "iopf_mock.h"

int main(void)
{
	struct vfio_iommu_type1_enable_iopf en;
	struct t_vfio v;
	void *p;
	int fd;

	t_mock_setup(MOCK_FAULTING, &v);
	fd = t_enable_iopf(v.container, &en);
	t_check_err(mmap(NULL, en.out_ring.mmap_size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE, fd, 0) == MAP_FAILED ? -1 : 0, EINVAL);
	t_check_err(mmap(NULL, en.out_ring.mmap_size, PROT_READ | PROT_EXEC,
			 MAP_SHARED, fd, 0) == MAP_FAILED ? -1 : 0, EINVAL);
	p = mmap(NULL, en.out_ring.mmap_size, PROT_READ | PROT_WRITE,
		 MAP_SHARED, fd, 0);
	t_check(p != MAP_FAILED);
	t_check_err(mprotect(p, en.out_ring.mmap_size, PROT_READ | PROT_EXEC),
		    EACCES);
	t_check(munmap(p, en.out_ring.mmap_size) == 0);
	return T_PASS;
}
