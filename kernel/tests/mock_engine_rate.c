// SPDX-License-Identifier: GPL-2.0
/*
 * The mock engine's page_ns: with it set, a DMA takes at least that long a
 * page, the engine sleeps rather than spins meanwhile (the CPU is free for
 * others, as beside a real device's engine), and the bytes are the same.
 */
#include <sys/resource.h>
#include "iopf_mock.h"

#define IOVA	0x100000ULL
#define PAGES	64
#define SIZE	(PAGES * 4096)

/* later tests in the boot must find the engine as fast as the CPU */
static void engine_unpaced(void)
{
	t_write_str(MOCK_PAGE_NS, "0");
}

static double cpu_us(void)
{
	struct rusage ru;

	t_check(getrusage(RUSAGE_SELF, &ru) == 0);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
	       ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

int main(void)
{
	struct vfio_iopf_mock_dma out;
	unsigned char *mem = t_alloc(SIZE), *buf = malloc(SIZE);
	double t0, cpu0, wall, cpu;
	struct t_vfio v;

	t_mock_setup(MOCK_FAULTING, &v);
	t_fill(mem, SIZE, 3);
	t_check(t_map(v.container, mem, IOVA, SIZE, T_RW) == 0);

	atexit(engine_unpaced);
	t_write_str(MOCK_PAGE_NS, "1000000");	/* 1 ms a page */
	memset(buf, 0, SIZE);
	t0 = t_now_us();
	cpu0 = cpu_us();
	t_check(t_dma(v.device, 0, IOVA, buf, SIZE, &out) == 0);
	wall = t_now_us() - t0;
	cpu = cpu_us() - cpu0;
	printf("%d pages at 1 ms a page: %.1f ms, %.1f ms of CPU\n", PAGES, wall / 1e3, cpu / 1e3);
	t_check(out.out_done == SIZE && out.out_faults == 0);
	t_check(memcmp(buf, mem, SIZE) == 0);
	t_check(wall >= PAGES * 1000.0);
	t_check(cpu < wall / 2);

	/* a write, and a part of a page: half a page's time */
	t_fill(buf, SIZE, 5);
	t0 = t_now_us();
	t_check(t_dma(v.device, 1, IOVA + 2048, buf, 2048, &out) == 0);
	t_check(t_now_us() - t0 >= 500);
	t_check(out.out_done == 2048 && memcmp(mem + 2048, buf, 2048) == 0);

	t_check(t_unmap(v.container, IOVA, SIZE, NULL) == 0);
	return T_PASS;
}
