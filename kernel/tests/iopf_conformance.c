// SPDX-License-Identifier: GPL-2.0
/*
 * The ABI conformance suite (tests/conformance.c, which make check runs
 * against the simulator) against the patched kernel, through the same vfio
 * backend iopfd uses: iopf-mock0 in a container with IOPF enabled and an
 * 8 MiB range mapped on demand, fresh for each check.  Fails if any check
 * fails; prints one CONFORMANCE line per check.
 */
#include "iopf_ring.h"
#include "conformance.h"

/* One static program: the suite and the parts of iopfd it drives. */
#include "conformance.c"
#include "backend-vfio.c"
#include "iopf-fd.c"
#include "ring.c"

#define IOVA	0x40000000ULL
#define SIZE	(8ULL << 20)

struct kernel_target {
	struct t_vfio v;
	int fd;
	unsigned char *mem;
	unsigned char buf[64];
	struct t_dma_job job;
};

static int kernel_open(struct conf_target *t)
{
	struct kernel_target *k = t->data;

	/* the smallest ring, which full_ring_overflows fills */
	struct vfio_iommu_type1_enable_iopf en = { .argsz = sizeof(en), .ring_entries = 64 };

	t_mock_setup(MOCK_FAULTING, &k->v);
	k->fd = ioctl(k->v.container, VFIO_IOMMU_ENABLE_IOPF, &en);
	t_check(k->fd >= 0);
	t_check(t_map(k->v.container, k->mem, IOVA, SIZE, T_RW) == 0);
	t->dma_iova = IOVA;
	t->dma_size = SIZE;
	return iopf_backend_vfio(k->fd, &t->backend);
}

static void kernel_close(struct conf_target *t)
{
	struct kernel_target *k = t->data;

	/* the container's release tears IOPF down and unpins */
	close(k->v.device);
	close(k->v.group);
	close(k->v.container);
	close(k->fd);
}

static int kernel_access_start(struct conf_target *t, uint64_t iova, bool write)
{
	struct kernel_target *k = t->data;

	t_dma_start(&k->job, k->v.device, write, iova, k->buf, sizeof(k->buf));
	return 0;
}

static int kernel_access_wait(struct conf_target *t)
{
	struct kernel_target *k = t->data;

	return t_dma_wait(&k->job);
}

int main(void)
{
	struct kernel_target k = { .mem = t_alloc(SIZE) };
	struct conf_target t = {
		.name = "kernel",
		.open = kernel_open,
		.close = kernel_close,
		.access_start = kernel_access_start,
		.access_wait = kernel_access_wait,
		.data = &k,
	};

	/* 4 KiB pages: the simulator has no 2 MiB IOMMU pages to compare with */
	t_check(madvise(k.mem, SIZE, MADV_NOHUGEPAGE) == 0);
	return conformance_run(&t) ? T_FAIL : T_PASS;
}
