// SPDX-License-Identifier: GPL-2.0
/*
 * One resolver at a time: a second eventfd gets EBUSY and leaves the first
 * attached; VFIO_IOPF_RESOLVER_TAKEOVER displaces it, signals its eventfd
 * and changes out_resolver_id; the displaced resolver cannot detach the new
 * one (ESTALE), the new one can; faults go to the new one meanwhile.
 */
#include "iopf_ring.h"

#define PG	4096ULL
#define IOVA	0x400000ULL

static int set(int fd, __u32 flags, int efd)
{
	struct vfio_iopf_set_resolver s = {
		.argsz = sizeof(s), .flags = flags, .eventfd = efd,
		.timeout_ms = 10000,
	};

	return ioctl(fd, VFIO_IOPF_SET_RESOLVER, &s);
}

int main(void)
{
	unsigned char *mem = t_alloc(4 << 20), buf[PG];
	struct vfio_iopf_fault rec;
	struct pollfd p = { .events = POLLIN };
	struct t_dma_job job;
	struct t_ring r;
	struct t_vfio v;
	int first, second, old_efd;
	__u64 cnt;

	t_mock_setup(MOCK_FAULTING, &v);
	t_ring_setup(v.container, &r, 10000);
	first = t_iopf_info(r.fd).out_resolver_id;
	t_check(first > 0);
	old_efd = r.efd;
	r.efd = eventfd(0, EFD_CLOEXEC);
	t_check(r.efd >= 0);

	t_check_err(set(r.fd, 0, r.efd), EBUSY);
	t_check((int)t_iopf_info(r.fd).out_resolver_id == first);

	second = set(r.fd, VFIO_IOPF_RESOLVER_TAKEOVER, r.efd);
	t_check(second > 0 && second != first);
	t_check((int)t_iopf_info(r.fd).out_resolver_id == second);
	p.fd = old_efd;
	t_check(poll(&p, 1, 0) == 1);
	t_check(read(old_efd, &cnt, sizeof(cnt)) == sizeof(cnt));

	t_check_err(set(r.fd, VFIO_IOPF_RESOLVER_DETACH, old_efd), ESTALE);
	t_check((int)t_iopf_info(r.fd).out_resolver_id == second);

	/* the new resolver gets the faults */
	t_check(t_map(v.container, mem, IOVA, 4 << 20, T_RW) == 0);
	t_dma_start(&job, v.device, 0, IOVA, buf, PG);
	rec = t_ring_next(&r);
	t_check(t_resolve(r.fd, rec.cookie, IOVA, PG,
			  VFIO_IOPF_RESPONSE_SUCCESS) == 0);
	t_check(t_dma_wait(&job) == 0);
	t_check(t_iopf_info(r.fd).out_resolved == 1);
	t_check(poll(&p, 1, 0) == 0);	/* nothing for the displaced one */

	t_check(set(r.fd, VFIO_IOPF_RESOLVER_DETACH, r.efd) == 0);
	t_check(t_iopf_info(r.fd).out_resolver_id == 0);
	t_check(t_unmap(v.container, IOVA, 4 << 20, NULL) == 0);
	return T_PASS;
}
