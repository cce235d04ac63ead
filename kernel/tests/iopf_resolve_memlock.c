// SPDX-License-Identifier: GPL-2.0
/*
 * A resolver's mistake never reaches the device as a DMA error while the
 * faulting page can be mapped.  A VMM without CAP_IPC_LOCK and with a 64 KiB
 * RLIMIT_MEMLOCK: a 2 MiB window over the limit maps the faulting page
 * (out_result 0, SUCCESS, locked_vm within the limit); a window outside the
 * DMA range gets EINVAL and the fault is answered by the fallback, again
 * within the limit; and a "mapped already" for a page that is not gets
 * EINVAL and the same.
 */
#include <sys/resource.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include "iopf_ring.h"

#define PG	4096ULL
#define IOVA	0x400000ULL
#define SIZE	(4ULL << 20)
#define LIMIT	(64 * 1024)

static void drop_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	t_check(syscall(SYS_capget, &hdr, data) == 0);
	data[0].effective &= ~(1U << CAP_IPC_LOCK);
	data[0].permitted &= ~(1U << CAP_IPC_LOCK);
	data[0].inheritable &= ~(1U << CAP_IPC_LOCK);
	t_check(syscall(SYS_capset, &hdr, data) == 0);
}

/* Fault at @off, answer with @iova/@size, expect @result and a good DMA. */
static void fault(struct t_vfio *v, struct t_ring *r, unsigned char *mem,
		  __u64 off, __u64 iova, __u64 size, int result)
{
	unsigned char buf[PG];
	struct t_dma_job job;
	struct vfio_iopf_fault rec;

	t_fill(mem + off, PG, (unsigned int)(off >> 12));
	t_dma_start(&job, v->device, 0, IOVA + off, buf, PG);
	rec = t_ring_next(r);
	t_check(rec.iova == IOVA + off);
	t_check(t_resolve(r->fd, rec.cookie, iova, size,
			  VFIO_IOPF_RESPONSE_SUCCESS) == result);
	t_check(t_dma_wait(&job) == 0);
	t_check(memcmp(buf, mem + off, PG) == 0);
	t_check(t_iopf_info(r->fd).out_locked_pages * PG <= LIMIT);
	t_check(t_locked_kb() * 1024 <= LIMIT);
}

int main(void)
{
	struct rlimit rl = { .rlim_cur = LIMIT, .rlim_max = LIMIT };
	unsigned char *mem = t_alloc(SIZE);
	struct t_vfio v;
	struct t_ring r;

	t_mock_setup(MOCK_FAULTING, &v);
	drop_ipc_lock();
	t_check(setrlimit(RLIMIT_MEMLOCK, &rl) == 0);
	t_ring_setup(v.container, &r, 10000);
	t_check(t_map(v.container, mem, IOVA, SIZE, T_RW) == 0);

	/* 512 pages over a 16-page limit */
	fault(&v, &r, mem, 1 << 20, IOVA, 2 << 20, 0);
	t_check(t_iopf_info(r.fd).out_mapped_pages == 1);
	/* a window past the end of the range */
	fault(&v, &r, mem, 2 << 20, IOVA + SIZE - PG, 2 * PG, -EINVAL);
	/* "already mapped", but it is not */
	fault(&v, &r, mem, 3 << 20, 0, 0, -EINVAL);
	t_check(t_iopf_info(r.fd).out_fallback == 2);
	t_check(t_iopf_info(r.fd).out_invalid == 0);
	t_check(t_unmap(v.container, IOVA, SIZE, NULL) == 0);
	t_check(t_iopf_info(r.fd).out_locked_pages == 0);
	t_check(t_locked_kb() == 0);
	return T_PASS;
}
