// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO_IOPF_RESOLVE validates the batch (short argsz, flags, too many
 * entries, argsz not covering the entries: EINVAL) and each entry (unknown
 * cookie: ENOENT; unknown response code, unaligned or overflowing window,
 * window outside the range or not holding the fault, INVALID with a window:
 * EINVAL).  A bad entry for a known cookie never reaches the device: the
 * kernel answers the fault with its fallback window.  Only INVALID with no
 * window answers INVALID.
 */
#include <stddef.h>
#include "iopf_ring.h"

#define IOVA	0x10000000ULL
#define SIZE	(1ULL << 20)
#define PG	4096

static struct t_ring r;
static struct t_vfio v;

/*
 * Raise a fault, answer it with the given entry, check what the device got
 * and drop whatever was mapped; returns out_result.
 */
static int try_entry(__u64 iova, __u64 size, __u32 response)
{
	struct vfio_iopf_release rel = {
		.argsz = sizeof(rel), .iova = IOVA, .size = SIZE,
	};
	__u64 fallback = t_iopf_info(r.fd).out_fallback;
	unsigned char buf[8];
	struct t_dma_job job;
	struct vfio_iopf_fault rec;
	int res;

	t_dma_start(&job, v.device, 0, IOVA + 8 * PG, buf, sizeof(buf));
	rec = t_ring_next(&r);
	res = t_resolve(r.fd, rec.cookie, iova, size, response);
	if (response == VFIO_IOPF_RESPONSE_INVALID && !iova && !size) {
		t_check(t_dma_wait(&job) == -EFAULT);
	} else {
		t_check(t_dma_wait(&job) == 0);
		t_check(t_iopf_info(r.fd).out_fallback == fallback + !!res);
	}
	t_check(ioctl(r.fd, VFIO_IOPF_RELEASE, &rel) == 0);
	return res;
}

int main(void)
{
	unsigned char *mem = t_alloc(SIZE);
	struct {
		struct vfio_iopf_resolve hdr;
		struct vfio_iopf_resolve_entry e[2];
	} b;

	t_mock_setup(MOCK_FAULTING, &v);
	t_ring_setup(v.container, &r, 10000);
	t_check(t_map(v.container, mem, IOVA, SIZE, T_RW) == 0);

	memset(&b, 0, sizeof(b));
	b.hdr.argsz = offsetof(struct vfio_iopf_resolve, out_done);
	t_check_err(ioctl(r.fd, VFIO_IOPF_RESOLVE, &b), EINVAL);
	b.hdr.argsz = sizeof(b);
	b.hdr.flags = 1;
	t_check_err(ioctl(r.fd, VFIO_IOPF_RESOLVE, &b), EINVAL);
	b.hdr.flags = 0;
	b.hdr.count = VFIO_IOPF_RESOLVE_MAX + 1;
	t_check_err(ioctl(r.fd, VFIO_IOPF_RESOLVE, &b), EINVAL);
	b.hdr.count = 3;
	t_check_err(ioctl(r.fd, VFIO_IOPF_RESOLVE, &b), EINVAL);
	/*
	 * unknown cookies, one above 32 bits; 0 is a map-only entry, which an
	 * INVALID response does not make (tests/conformance.c: map_ahead)
	 */
	b.hdr.count = 2;
	b.e[0].cookie = 0;
	b.e[1].cookie = 1ULL << 40;
	t_check(ioctl(r.fd, VFIO_IOPF_RESOLVE, &b) == 0);
	t_check(b.hdr.out_done == 2);
	t_check(b.e[0].out_result == -EINVAL && b.e[1].out_result == -ENOENT);

	t_check(try_entry(0, 0, 2) == -EINVAL);
	t_check(try_entry(IOVA + 8 * PG + 1, PG, VFIO_IOPF_RESPONSE_SUCCESS) == -EINVAL);
	t_check(try_entry(IOVA + 8 * PG, PG + 1, VFIO_IOPF_RESPONSE_SUCCESS) == -EINVAL);
	t_check(try_entry(IOVA + 8 * PG, ~0ULL & ~(PG - 1ULL), VFIO_IOPF_RESPONSE_SUCCESS) == -EINVAL);
	t_check(try_entry(IOVA - PG, 16 * PG, VFIO_IOPF_RESPONSE_SUCCESS) == -EINVAL);
	t_check(try_entry(IOVA + SIZE - PG, 2 * PG, VFIO_IOPF_RESPONSE_SUCCESS) == -EINVAL);
	t_check(try_entry(IOVA, 8 * PG, VFIO_IOPF_RESPONSE_SUCCESS) == -EINVAL);
	t_check(try_entry(IOVA + 8 * PG, PG, VFIO_IOPF_RESPONSE_INVALID) == -EINVAL);
	t_check(try_entry(0, 0, VFIO_IOPF_RESPONSE_INVALID) == 0);
	t_check(t_iopf_info(r.fd).out_invalid == 1);
	/* and a good one still works */
	t_check(try_entry(IOVA + 8 * PG, PG, VFIO_IOPF_RESPONSE_SUCCESS) == 0);
	t_check(t_iopf_info(r.fd).out_resolved == 1);
	t_check(t_iopf_info(r.fd).out_mapped_pages == 0);
	return T_PASS;
}
