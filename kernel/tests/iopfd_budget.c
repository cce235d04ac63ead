// SPDX-License-Identifier: GPL-2.0
/*
 * iopfd with a pinned-memory budget (--budget=1M) on the real kernel path:
 * the mock device reads 8 MiB twice over; after every DMA the container's
 * on-demand mappings and its locked_vm charge are within the budget, every
 * byte read is right, and memory released to stay within it comes back
 * correctly when the device touches it again.
 */
#include "iopfd_guest.h"

#define IOVA	0x10000000ULL
#define SIZE	(8ULL << 20)
#define PG	4096ULL
#define BUDGET	(1ULL << 20)

int main(void)
{
	__u64 off, peak = 0, locked_peak = 0, first_pass_faults = 0;
	struct vfio_iopf_info info;
	unsigned char *mem, *buf;
	int iopf_fd;
	struct t_vfio v;
	pid_t pid;

	t_mock_setup(MOCK_FAULTING, &v);
	iopf_fd = t_enable_iopf(v.container, NULL);
	mem = t_alloc(SIZE);
	buf = t_alloc(PG);
	t_fill(mem, SIZE, 9);
	t_check(t_map(v.container, mem, IOVA, SIZE, T_RW) == 0);
	pid = t_iopfd_serve(iopf_fd, -1, "auto", "--budget=1M", NULL);

	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1)
			first_pass_faults = t_iopf_info(iopf_fd).out_faults;
		for (off = 0; off < SIZE; off += PG) {
			t_check(t_dma(v.device, 0, IOVA + off, buf, PG, NULL) == 0);
			t_check(memcmp(buf, mem + off, PG) == 0);
			info = t_iopf_info(iopf_fd);
			peak = info.out_mapped_pages > peak ? info.out_mapped_pages : peak;
			locked_peak = info.out_locked_pages > locked_peak ?
				      info.out_locked_pages : locked_peak;
		}
	}
	info = t_iopf_info(iopf_fd);
	fprintf(stderr, "budget %llu pages: peak mapped %llu, peak locked %llu, faults %llu + %llu in the second pass, %llu fallback\n",
		BUDGET / PG, (unsigned long long)peak, (unsigned long long)locked_peak,
		(unsigned long long)first_pass_faults,
		(unsigned long long)(info.out_faults - first_pass_faults),
		(unsigned long long)info.out_fallback);
	t_check(peak <= BUDGET / PG);
	t_check(locked_peak <= BUDGET / PG);
	/* what it let go of faulted again in the second pass; iopfd answered all */
	t_check(info.out_faults > first_pass_faults);
	t_check(info.out_fallback == 0);
	t_check(info.out_resolved == info.out_faults);

	t_iopfd_stop(pid);
	return T_PASS;
}
