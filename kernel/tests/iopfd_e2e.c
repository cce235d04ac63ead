// SPDX-License-Identifier: GPL-2.0
/*
 * iopfd end to end: the VMM enables IOPF, hands the iopf fd to /bin/iopfd
 * (--iopf-fd), and the mock device streams through 4 MiB.  iopfd resolves
 * the faults with its adaptive policy (far fewer faults than pages; with
 * --no-map-ahead, as the device outruns windows answered early), the data
 * is right byte for byte, iopfd stops on SIGTERM and reports the kernel's
 * counters, and once it is gone the kernel's fallback answers new faults.
 */
#include "iopfd_guest.h"

#define IOVA	0x10000000ULL
#define SIZE	(4ULL << 20)
#define PG	4096ULL

int main(void)
{
	unsigned char *mem, *buf;
	struct vfio_iopf_info before, after, gone;
	char report[4096] = "";
	int iopf_fd, out[2];
	struct t_vfio v;
	ssize_t n;
	pid_t pid;
	__u64 off;

	t_mock_setup(MOCK_FAULTING, &v);
	iopf_fd = t_enable_iopf(v.container, NULL);
	mem = t_alloc(2 * SIZE);
	buf = t_alloc(SIZE);
	t_fill(mem, 2 * SIZE, 5);
	t_check(t_map(v.container, mem, IOVA, 2 * SIZE, T_RW) == 0);

	t_check(pipe(out) == 0);
	pid = t_iopfd_serve(iopf_fd, out[1], "adaptive", "--json", "--no-map-ahead");
	close(out[1]);

	before = t_iopf_info(iopf_fd);
	for (off = 0; off < SIZE; off += PG)
		t_check(t_dma(v.device, 0, IOVA + off, buf + off, PG, NULL) == 0);
	t_check(memcmp(buf, mem, SIZE) == 0);
	after = t_iopf_info(iopf_fd);

	/* 1024 pages, resolved by iopfd in windows of 1, 4, 16, 64, 256, 1024 pages. */
	t_check(after.out_resolved - before.out_resolved > 0);
	t_check(after.out_faults - before.out_faults <= 6);
	t_check(after.out_fallback == before.out_fallback);
	t_check(after.out_mapped_pages >= SIZE / PG);

	t_iopfd_stop(pid);
	n = read(out[0], report, sizeof(report) - 1);
	t_check(n > 0);
	t_check(strstr(report, "\"resolved\":") != NULL);
	fprintf(stderr, "iopfd reported: %s\n", report);

	/* iopfd is gone: the second half is served by the kernel's fallback. */
	for (off = SIZE; off < 2 * SIZE; off += PG)
		t_check(t_dma(v.device, 0, IOVA + off, buf + off - SIZE, PG, NULL) == 0);
	t_check(memcmp(buf, mem + SIZE, SIZE) == 0);
	gone = t_iopf_info(iopf_fd);
	t_check(gone.out_fallback > after.out_fallback);
	t_check(gone.out_resolved == after.out_resolved);
	return T_PASS;
}
