// SPDX-License-Identifier: GPL-2.0
/*
 * Faults race each other and the process's own mapping changes:
 * two devices fault the same pages at the same time (each page is mapped
 * once: a double map would fail the DMA and double-charge locked_vm), and
 * a device keeps reading a range while the process drops and rewrites it
 * (every access still succeeds, nothing stays pinned afterwards).
 */
#include <pthread.h>
#include "iopf_mock.h"

#define IOVA	0x20000000ULL
#define SIZE	(8ULL << 20)
#define PG	4096
#define NPAGES	(SIZE / PG)
#define PARAM	"/sys/module/vfio_iommu_type1_iopf/parameters/iopf_fallback_pages"

struct reader {
	int device;
	__u64 iova;
	int rounds;
	int failed;
	pthread_barrier_t *start;
};

/* Read one byte of every other page of the range, @rounds times. */
static void *read_pages(void *arg)
{
	struct reader *r = arg;
	struct vfio_iopf_mock_dma out;
	unsigned char b;
	int i;
	__u64 p;

	pthread_barrier_wait(r->start);
	for (i = 0; i < r->rounds; i++)
		for (p = 0; p < NPAGES; p += 2)
			if (t_dma(r->device, 0, r->iova + p * PG, &b, 1, &out))
				r->failed++;
	return NULL;
}

static char saved_window[32];

static void set_window(const char *pages)
{
	t_write_str(PARAM, pages);
}

/* the window is global: give the tests after this one the old value back */
static void restore_window(void)
{
	set_window(saved_window);
}

static void save_window(void)
{
	t_check(t_read_line(PARAM, saved_window, sizeof(saved_window)) == 0);
	t_check(saved_window[0] != 0);
	atexit(restore_window);
}

int main(void)
{
	unsigned char *mem = t_alloc(SIZE), buf[PG];
	struct vfio_iopf_mock_dma out;
	struct reader ra, rb;
	pthread_barrier_t start;
	pthread_t ta, tb;
	struct vfio_iopf_info info;
	struct t_vfio a, b;
	long base, i;
	int fd, k;

	t_mock_setup(MOCK_FAULTING, &a);
	t_mock_attach(MOCK_FAULTING2, a.container, &b);
	fd = t_enable_iopf(a.container, NULL);
	t_check(madvise(mem, SIZE, MADV_NOHUGEPAGE) == 0);
	t_fill(mem, SIZE, 9);
	base = t_locked_kb();
	t_check(t_map(a.container, mem, IOVA, SIZE, T_RW) == 0);

	/* one page per fault, so that the two devices meet on every page */
	save_window();
	set_window("1");
	pthread_barrier_init(&start, NULL, 2);
	ra = (struct reader){ a.device, IOVA, 1, 0, &start };
	rb = (struct reader){ b.device, IOVA, 1, 0, &start };
	t_check(pthread_create(&ta, NULL, read_pages, &ra) == 0);
	t_check(pthread_create(&tb, NULL, read_pages, &rb) == 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	t_check(ra.failed == 0 && rb.failed == 0);
	info = t_iopf_info(fd);
	t_check(info.out_mapped_pages == NPAGES / 2);
	t_check(t_locked_kb() - base == (long)(NPAGES / 2) * 4);
	t_check(info.out_invalid == 0);

	/* a device reads while the process drops and rewrites the range */
	restore_window();
	ra.rounds = 4;
	pthread_barrier_init(&start, NULL, 2);
	t_check(pthread_create(&ta, NULL, read_pages, &ra) == 0);
	pthread_barrier_wait(&start);
	for (k = 0; k < 40; k++) {
		i = (k * 37) % (NPAGES - 64);
		t_check(madvise(mem + i * PG, 64 * PG, MADV_DONTNEED) == 0);
		memset(mem + i * PG, k, 64 * PG);
	}
	pthread_join(ta, NULL);
	info = t_iopf_info(fd);
	if (ra.failed)
		fprintf(stderr, "%d reads failed; %llu faults answered INVALID\n",
			ra.failed, (unsigned long long)info.out_invalid);
	t_check(ra.failed == 0);

	/* the device sees what the process wrote last */
	t_check(t_dma(a.device, 0, IOVA + i * PG, buf, PG, &out) == 0);
	t_check(buf[0] == 39 && buf[PG - 1] == 39);

	t_check(t_unmap(a.container, IOVA, SIZE, NULL) == 0);
	for (k = 0; k < 200 && t_locked_kb() != base; k++)
		usleep(10000);
	t_check(t_locked_kb() == base);
	info = t_iopf_info(fd);
	t_check(info.out_mapped_pages == 0);
	return T_PASS;
}
