// SPDX-License-Identifier: GPL-2.0
/*
 * iopfd measures what a lone fault costs on the real kernel path and fits
 * plain auto to it.  The range is memory the process never touched, so that
 * includes allocating and zeroing what is pinned: most of the milliseconds a
 * fault takes here under TCG (with the memory touched first, about 185 us
 * with the resolver in another process).  Told that the device moves a
 * terabyte a second (a page in 4 ns), any stall is thousands of page times,
 * so after its first 32 lone faults (STALL_FIRST_SAMPLES) auto's block
 * grows from 16 pages to the largest, 1024.  The mock device faults once at each of 300 fresh 2 MiB
 * regions, one fault at a time, then twice more far past them, where no run
 * continues: the second must get 1024 pages where the first fault got 16
 * (each 1024-page block ends where the region after next begins, so the
 * regions' faults made a stream, and the first new run after a stream
 * starts as long as the stream ran).  After
 * the fit only every other region faults, too few for a second estimate, so
 * iopfd's report, on SIGTERM, gives the stall of those first 32, which must
 * agree with what the device saw: at most the median time those DMAs took
 * (which adds the ioctl and the device's own work), and not less than a
 * quarter of it.
 */
#include "iopfd_guest.h"

#define IOVA		0x40000000ULL
#define SIZE		(1ULL << 30)
#define REGION		(2ULL << 20)
#define LONE_FAULTS	300
#define FAR		(900ULL << 20)	/* 4 MiB aligned, past every window of the 300 */
#define FARTHER		(960ULL << 20)	/* past the window of the fault at FAR (8192 pages at most) */
/* the faults before the fit: the ones iopfd measured (STALL_FIRST_SAMPLES) */
#define MEASURED	32

/* Pages the fault of one DMA at @iova mapped. */
static __u64 pages_mapped_by(const struct t_vfio *v, int iopf_fd, __u64 iova)
{
	__u64 before = t_iopf_info(iopf_fd).out_mapped_pages;
	unsigned char buf[64];

	t_check(t_dma(v->device, 0, iova, buf, sizeof(buf), NULL) == 0);
	return t_iopf_info(iopf_fd).out_mapped_pages - before;
}

static double dma_us[MEASURED];

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(void)
{
	char report[4096] = "", *stall;
	double stall_us = 0;
	unsigned char buf[64];
	__u64 first, last;
	int iopf_fd, out[2];
	struct t_vfio v;
	void *mem;
	ssize_t n;
	pid_t pid;

	t_mock_setup(MOCK_FAULTING, &v);
	iopf_fd = t_enable_iopf(v.container, NULL);
	mem = t_alloc_sparse(SIZE);
	t_check(t_map(v.container, mem, IOVA, SIZE, T_RW) == 0);

	t_check(pipe(out) == 0);
	/* the whole window before the answer: what a fault mapped is its block */
	pid = t_iopfd_serve(iopf_fd, out[1], "auto", "--device-rate=1T", "--no-map-ahead");
	close(out[1]);

	first = pages_mapped_by(&v, iopf_fd, IOVA);
	for (int i = 1; i < LONE_FAULTS; i++) {
		double t0 = t_now_us();

		t_check(t_dma(v.device, 0, IOVA + i * REGION, buf, sizeof(buf), NULL) == 0);
		if (i < MEASURED)
			dma_us[i] = t_now_us() - t0;
	}
	qsort(dma_us + 1, MEASURED - 1, sizeof(dma_us[0]), cmp_double);
	pages_mapped_by(&v, iopf_fd, IOVA + FAR);
	last = pages_mapped_by(&v, iopf_fd, IOVA + FARTHER);

	t_iopfd_stop(pid);
	n = read(out[0], report, sizeof(report) - 1);
	t_check(n > 0);
	fprintf(stderr, "iopfd reported: %s\n", report);
	if (first != 16 || last != 1024)
		t_fail("a lone fault mapped %llu pages first and %llu after %d more, want 16 and 1024",
		       (unsigned long long)first, (unsigned long long)last, LONE_FAULTS);
	stall = strstr(report, "a lone fault stalled its device ");
	if (!stall || sscanf(stall, "a lone fault stalled its device %lf us", &stall_us) != 1 ||
	    stall_us <= 0)
		t_fail("iopfd reported no stall");
	if (!strstr(stall, "policy auto:1024:4096"))
		t_fail("iopfd did not report auto fitted to auto:1024:4096");
	if (stall_us > dma_us[MEASURED / 2] * 1.1 || stall_us < dma_us[MEASURED / 2] / 4)
		t_fail("iopfd measured a %.1f us stall, but a faulting DMA took %.1f us",
		       stall_us, dma_us[MEASURED / 2]);
	printf("IOPF-BENCH: iopfd measured a lone fault's stall on the kernel path: %.1f us; a faulting DMA took %.1f us (medians)\n",
	       stall_us, dma_us[MEASURED / 2]);
	return T_PASS;
}
