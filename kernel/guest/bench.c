// SPDX-License-Identifier: GPL-2.0
/*
 * iopf figures, printed as "IOPF-BENCH: ..." lines (not a test): MAP_DMA time
 * and locked_vm for 1 GiB eager vs with IOPF, in-kernel fault-to-response
 * latency, resolver round-trip latency, faults per sequential GiB with the
 * in-kernel window, UNMAP_DMA of a fully faulted GiB against an eager one,
 * pin+map cost per page through RESOLVE against eager MAP_DMA, and MAP_DMA
 * time and kernel memory of a lazy 1 TiB range, and the kernel path's cost
 * per fault and per page.  Times are under QEMU TCG, so only ratios matter.
 * With --seed-table [NS...], only the seed's table: per-message time with
 * iopfd against eager pinning, and the goals for it, once for each
 * engine page time NS (default 0, the CPU copying), in a boot of its own
 * under QEMU -icount (seed_table()).
 */
#include "iopf_ring.h"
#include "iopfd_guest.h"

#define GIB	(1ULL << 30)
#define PG	4096
#define IOVA	0x40000000ULL

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* the guest clock may be coarse under TCG: print the mean too */
static void pct(const char *what, double *v, int n)
{
	double sum = 0;
	int i;

	for (i = 0; i < n; i++)
		sum += v[i];
	qsort(v, n, sizeof(*v), cmp_d);
	printf("IOPF-BENCH: %s: mean %.0f us, p50 %.0f us, p99 %.0f us (n=%d)\n",
	       what, sum / n, v[n / 2], v[(n * 99) / 100], n);
}

static double eager_map_us, eager_unmap_us;

#define PARAM	"/sys/module/vfio_iommu_type1_iopf/parameters/iopf_fallback_pages"

/*
 * A 1 TiB lazy range: MAP_DMA time, and kernel memory (Slab) after the map
 * and after 1000 faults spread over it, one page each.
 */
static void tib_range(void)
{
	const __u64 tib = 1ULL << 40, iova = 1ULL << 40;
	struct vfio_iopf_mock_dma out;
	unsigned char *mem, buf[64];
	long s0, s1, s2;
	struct t_vfio v;
	double t0, t1;
	int i;

	mem = mmap(NULL, tib, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	t_check(mem != MAP_FAILED);
	/* a page per fault, not a 2 MiB THP each */
	t_check(madvise(mem, tib, MADV_NOHUGEPAGE) == 0);
	t_mock_setup(MOCK_FAULTING, &v);
	t_enable_iopf(v.container, NULL);
	t_write_str(PARAM, "1");
	s0 = t_proc_kb("/proc/meminfo", "Slab");
	t0 = t_now_us();
	t_check(t_map(v.container, mem, iova, tib, T_RW) == 0);
	t1 = t_now_us();
	s1 = t_proc_kb("/proc/meminfo", "Slab");
	for (i = 0; i < 1000; i++) {
		__u64 off = ((__u64)i * 314159 % (tib >> 21)) << 21;

		t_check(t_dma(v.device, 0, iova + off, buf, 64, &out) == 0);
	}
	s2 = t_proc_kb("/proc/meminfo", "Slab");
	printf("IOPF-BENCH: MAP_DMA 1 TiB with IOPF: %.3f ms, Slab +%ld kB; after 1000 sparse faults +%ld kB more (incl. the mock IOMMU's page tables; a bitmap would be %llu kB)\n",
	       (t1 - t0) / 1000, s1 - s0, s2 - s1, (tib >> 12) / 8 / 1024);
	t0 = t_now_us();
	t_check(t_unmap(v.container, iova, tib, NULL) == 0);
	printf("IOPF-BENCH: UNMAP_DMA 1 TiB, 1000 pages faulted: %.3f ms\n",
	       (t_now_us() - t0) / 1000);
	t_write_str(PARAM, "512");
	munmap(mem, tib);
	close(v.device);
	close(v.group);
	close(v.container);
}

static void *big(void)
{
	void *p = mmap(NULL, GIB, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	t_check(p != MAP_FAILED);
	return p;
}

static void map_time(int idx, int iopf)
{
	int i, reps = iopf ? 1000 : 1;
	struct t_vfio v;
	void *mem = big();
	long base;
	double t0, t1;

	t_mock_setup(idx, &v);
	if (iopf)
		t_enable_iopf(v.container, NULL);
	/* the process has the memory: time pinning and mapping, not first touch */
	memset(mem, 1, GIB);
	base = t_locked_kb();
	/* with IOPF, the mean of many map/unmap pairs (coarse clock) */
	for (i = 1; i < reps; i++) {
		t_check(t_map(v.container, mem, IOVA, GIB, T_RW) == 0);
		t_check(t_unmap(v.container, IOVA, GIB, NULL) == 0);
	}
	t0 = t_now_us();
	for (i = 1; i < reps; i++) {
		t_check(t_map(v.container, mem, IOVA, GIB, T_RW) == 0);
		t_check(t_unmap(v.container, IOVA, GIB, NULL) == 0);
	}
	t1 = t_now_us();
	if (reps > 1)
		printf("IOPF-BENCH: MAP_DMA+UNMAP_DMA 1 GiB with IOPF: %.3f ms (mean of %d)\n",
		       (t1 - t0) / 1000 / (reps - 1), reps - 1);
	t0 = t_now_us();
	t_check(t_map(v.container, mem, IOVA, GIB, T_RW) == 0);
	t1 = t_now_us();
	printf("IOPF-BENCH: MAP_DMA 1 GiB %s: %.3f ms, locked_vm +%ld kB\n",
	       iopf ? "with IOPF" : "eager    ", (t1 - t0) / 1000,
	       t_locked_kb() - base);
	if (!iopf)
		eager_map_us = t1 - t0;
	t0 = t_now_us();
	t_check(t_unmap(v.container, IOVA, GIB, NULL) == 0);
	t1 = t_now_us();
	printf("IOPF-BENCH: UNMAP_DMA 1 GiB %s: %.3f ms\n",
	       iopf ? "with IOPF" : "eager    ", (t1 - t0) / 1000);
	if (!iopf)
		eager_unmap_us = t1 - t0;
	munmap(mem, GIB);
	close(v.device);
	close(v.group);
	close(v.container);
}

/*
 * One message of @mib MiB, @count times: the mock device reads the source
 * and writes the destination, one DMA each.  Buffers are page aligned, one
 * page into their own 2 MiB blocks as large malloc'd buffers are, fresh for
 * each message unless @reuse.  With @policy, iopfd resolves the faults;
 * without, the range is pinned eagerly (no IOPF).  Returns the mean time of
 * a message, and its faults in *@ret_faults.
 */
static double message_us(const char *policy, const char *extra, unsigned int mib, int reuse,
			 int count, double *ret_faults)
{
	__u64 len = (__u64)mib << 20, slot = (len + PG + (2ULL << 20) - 1) & ~((2ULL << 20) - 1);
	__u64 size = 2 * slot * (reuse ? 1 : count), faults = 0;
	struct vfio_iopf_mock_dma out;
	int iopf_fd = -1, m;
	unsigned char *mem, *buf;
	pid_t pid = -1;
	struct t_vfio v;
	double t0, t;

	t_mock_setup(MOCK_FAULTING, &v);
	if (policy) {
		iopf_fd = t_enable_iopf(v.container, NULL);
		pid = t_iopfd_serve(iopf_fd, -1, policy, extra, NULL);
	}
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	buf = t_alloc(len);
	t_check(mem != MAP_FAILED);
	memset(mem, 7, size);
	t_check(t_map(v.container, mem, IOVA, size, T_RW) == 0);
	t0 = t_now_us();
	for (m = 0; m < count; m++) {
		__u64 src = IOVA + 2 * slot * (reuse ? 0 : m) + PG;

		t_check(t_dma(v.device, 0, src, buf, len, &out) == 0);
		faults += out.out_faults;
		t_check(t_dma(v.device, 1, src + slot, buf, len, &out) == 0);
		faults += out.out_faults;
	}
	t = (t_now_us() - t0) / count;
	if (policy)
		t_iopfd_stop(pid);
	t_check(t_unmap(v.container, IOVA, size, NULL) == 0);
	munmap(mem, size);
	munmap(buf, len);
	close(v.device);
	close(v.group);
	close(v.container);
	if (iopf_fd >= 0)
		close(iopf_fd);
	*ret_faults = (double)faults / count;
	return t;
}

/*
 * The kernel switches to high-resolution timers at a tick once the TSC is
 * trusted, a second or so into the boot; until then the paced engine's
 * sleeps last to a tick, which stretched the first row's eager messages by
 * 17 %.  The resolution clock_getres() reports is the timers'.
 */
static void hres_wait(void)
{
	struct timespec res;
	int i;

	for (i = 0; i < 1000; i++) {
		t_check(clock_getres(CLOCK_MONOTONIC, &res) == 0);
		if (res.tv_sec == 0 && res.tv_nsec == 1)
			return;
		usleep(10000);
	}
	t_check(!"high-resolution timers active within 10 s");
}

/* A row of the seed's table as measured: a message's time eager and with iopfd, its faults. */
struct seed_row {
	double eager, lazy, faults;
};

static double slowdown(const struct seed_row *m)
{
	return m->lazy / m->eager - 1;
}

/*
 * The seed's table (slowdown against static pinning), here against eager
 * pinning, and the goals for it: the default, plain auto (which
 * fits its sizes to the stall and the pace it measures, and maps ahead),
 * at most half the slowdown of the seed's policy with fresh buffers, at most
 * 1 % with reused ones.  The seed's policy is fixed:512 pinned whole before
 * the answer, as its in-kernel handler did (--no-map-ahead); iopfd's
 * fixed:512, which maps ahead, is shown beside it.  auto:16:64 is auto with
 * the sizes it starts with.
 *
 * This runs in a boot of its own under QEMU -icount (check-kernel.sh), where
 * a microsecond is a thousand guest instructions: the figures are the same
 * from boot to boot, so one round of each row.  Under plain TCG the host's
 * load stretched eager rounds 20-50 % apart within a boot.
 *
 * The guest has one CPU.  With @engine_ns 0 the mock device is that CPU
 * copying, so what iopfd maps ahead takes time from the device's work.  With
 * @engine_ns, the device's engine moves a page in that time whatever the CPU
 * does (the mock's page_ns), as a real device's does, and the CPU is free
 * for iopfd while it waits; under -icount with sleep=off a sleeping guest's
 * clock jumps to its next timer, so the time is the same from boot to boot.
 */
static void seed_table(unsigned int engine_ns)
{
	enum { SEED_1M = 1, AUTO_1M = 4, SEED_10M = 5, AUTO_10M = 8, REUSED = 10 };
	const struct {
		const char *policy, *extra;
		unsigned int mib;
		int reuse, count;
		const char *seed;
	} rows[] = {
		{ "fixed:1", NULL, 1, 0, 16, "63.4 % (518 faults)" },
		[SEED_1M] = { "fixed:512", "--no-map-ahead", 1, 0, 16, "-" },
		{ "fixed:512", NULL, 1, 0, 16, "-" },
		{ "auto", "--no-map-ahead", 1, 0, 16, "-" },
		[AUTO_1M] = { "auto", NULL, 1, 0, 16, "-" },
		[SEED_10M] = { "fixed:512", "--no-map-ahead", 10, 0, 8, "32.6 % (13 faults)" },
		{ "fixed:512", NULL, 10, 0, 8, "-" },
		{ "auto", "--no-map-ahead", 10, 0, 8, "-" },
		[AUTO_10M] = { "auto", NULL, 10, 0, 8, "-" },
		{ "auto:16:64", NULL, 10, 0, 8, "-" },
		[REUSED] = { "auto", NULL, 1, 1, 1000, "-" },
	};
	struct seed_row m[sizeof(rows) / sizeof(rows[0])];
	double fault_us, page_us, none;
	char engine[64], ns[16];

	snprintf(ns, sizeof(ns), "%u", engine_ns);
	t_write_str(MOCK_PAGE_NS, ns);
	hres_wait();
	if (engine_ns)
		snprintf(engine, sizeof(engine), ", engine %.1f us a page", engine_ns / 1e3);
	else
		snprintf(engine, sizeof(engine), ", engine the CPU");
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		m[i].eager = message_us(NULL, NULL, rows[i].mib, rows[i].reuse, rows[i].count, &none);
		m[i].lazy = message_us(rows[i].policy, rows[i].extra, rows[i].mib, rows[i].reuse,
				       rows[i].count, &m[i].faults);
		printf("IOPF-BENCH: seed table%s: %u MiB messages, %s, %d %s, iopfd %s%s%s: %.0f us a message against %.0f us eager, %+.1f %%, %.1f faults a message (seed: %s)\n",
		       engine, rows[i].mib, rows[i].reuse ? "reused buffers" : "fresh buffers",
		       rows[i].count, rows[i].reuse ? "sends" : "messages", rows[i].policy,
		       rows[i].extra ? " " : "", rows[i].extra ?: "", m[i].lazy, m[i].eager,
		       100 * slowdown(&m[i]), m[i].faults, rows[i].seed);
	}
	/*
	 * What a fault and a page cost the device here, from two rows as the
	 * seed's costs came from its two (daemon/cost.h): fixed:1 pins a page
	 * a fault, the seed's fixed:512 512 pages a fault, before the answer.
	 */
	page_us = ((m[SEED_1M].lazy - m[SEED_1M].eager) / m[SEED_1M].faults -
		   (m[0].lazy - m[0].eager) / m[0].faults) / 511;
	fault_us = (m[0].lazy - m[0].eager) / m[0].faults - page_us;
	printf("IOPF-BENCH: seed table%s: a fault costs the device %.1f us and a page %.3f us here (from the fixed:1 and the seed's fixed:512 rows), where it moves a page in %.1f us\n",
	       engine, fault_us, page_us, m[0].eager / (2.0 * (rows[0].mib << 8)));
	for (int i = 0; i < 2; i++) {
		int f = i ? SEED_10M : SEED_1M, a = i ? AUTO_10M : AUTO_1M;
		double fixed = slowdown(&m[f]), dflt = slowdown(&m[a]);
		/* one fault a buffer, pinning its pages alone, before the answer */
		double least = (2 * fault_us + 2.0 * (rows[a].mib << 8) * page_us) / m[a].eager;

		printf("IOPF-BENCH: seed table goal%s, %u MiB fresh: auto %+.1f %% against the seed's fixed:512 %+.1f %%, %.2f of it (at most 0.5): %s; one fault a buffer, its own pages, before the answer: %+.1f %%, %.2f of it\n",
		       engine, rows[a].mib, 100 * dflt, 100 * fixed, fixed > 0 ? dflt / fixed : 0,
		       dflt <= fixed / 2 ? "met" : "MISSED", 100 * least, fixed > 0 ? least / fixed : 0);
	}
	printf("IOPF-BENCH: seed table goal%s, reused buffers: auto %+.1f %% (at most 1 %%): %s\n",
	       engine, 100 * slowdown(&m[REUSED]),
	       m[REUSED].lazy <= 1.01 * m[REUSED].eager ? "met" : "MISSED");
	t_write_str(MOCK_PAGE_NS, "0");
}

int main(int argc, char **argv)
{
	static double lat[256], stall[256];
	unsigned char *mem, buf[PG];
	struct vfio_iopf_mock_dma out;
	struct vfio_iopf_fault rec;
	struct t_dma_job job;
	struct t_ring r;
	struct t_vfio v;
	__u64 off, faults = 0;
	double t0, t1, one_page_us, stall_us;
	int i, n;

	if (argc > 1 && !strcmp(argv[1], "--seed-table")) {
		for (i = 2; i < argc; i++)
			seed_table(strtoul(argv[i], NULL, 10));
		if (argc == 2)
			seed_table(0);
		return 0;
	}
	t0 = t_now_us();
	while (t_now_us() == t0)
		;
	printf("IOPF-BENCH: clock step %.3f us\n", t_now_us() - t0);
	map_time(MOCK_FAULTING, 0);
	map_time(MOCK_FAULTING, 1);

	/* in-kernel fault latency: each access 2 MiB apart faults */
	mem = big();
	t_mock_setup(MOCK_FAULTING, &v);
	r.fd = t_enable_iopf(v.container, NULL);
	t_check(t_map(v.container, mem, IOVA, GIB, T_RW) == 0);
	for (n = 0; n < 128; n++) {
		t0 = t_now_us();
		t_check(t_dma(v.device, 0, IOVA + n * (2ULL << 20), buf, 64, &out) == 0);
		lat[n] = t_now_us() - t0;
		t_check(out.out_faults == 1);
	}
	pct("in-kernel fault-to-response (512-page window, DMA incl.)", lat, n);
	t0 = t_now_us();
	for (i = 0; i < 128; i++)
		t_check(t_dma(v.device, 0, IOVA + i * (2ULL << 20), buf, 64, NULL) == 0);
	printf("IOPF-BENCH: same access, already mapped: %.0f us each\n",
	       (t_now_us() - t0) / 128);
	t_check(t_unmap(v.container, IOVA, GIB, NULL) == 0);

	/* faults per sequential GiB with the in-kernel window */
	t0 = t_now_us();
	t_check(t_map(v.container, mem, IOVA, GIB, T_RW) == 0);
	for (off = 0; off < GIB; off += 64 * PG) {
		t_check(t_dma(v.device, 0, IOVA + off, buf, 8, &out) == 0);
		faults += out.out_faults;
	}
	printf("IOPF-BENCH: sequential 1 GiB, %u-page window: %llu faults (%.0f ms)\n",
	       t_iopf_info(r.fd).out_fallback_pages, (unsigned long long)faults,
	       (t_now_us() - t0) / 1000);
	t_check(t_iopf_info(r.fd).out_mapped_pages == GIB / PG);
	t0 = t_now_us();
	t_check(t_unmap(v.container, IOVA, GIB, NULL) == 0);
	t1 = t_now_us();
	printf("IOPF-BENCH: UNMAP_DMA 1 GiB fully faulted: %.3f ms, %.2fx eager's %.3f ms\n",
	       (t1 - t0) / 1000, (t1 - t0) / eager_unmap_us, eager_unmap_us / 1000);
	close(v.device);
	close(v.group);
	close(v.container);
	close(r.fd);

	/* resolver round trip through the ring, one page per fault */
	t_mock_setup(MOCK_FAULTING, &v);
	t_ring_setup(v.container, &r, 10000);
	t_check(t_map(v.container, mem, IOVA, GIB, T_RW) == 0);
	one_page_us = 0;
	for (n = 0; n < 128; n++) {
		t0 = t_now_us();
		t_dma_start(&job, v.device, 0, IOVA + n * (2ULL << 20), buf, 64);
		rec = t_ring_next(&r);
		t1 = t_now_us();
		t_check(t_resolve(r.fd, rec.cookie, rec.iova, PG,
				  VFIO_IOPF_RESPONSE_SUCCESS) == 0);
		one_page_us += t_now_us() - t1;
		/* what the device waited: from the kernel's stamp to the answer */
		stall[n] = t_now_us() - rec.timestamp_ns / 1e3;
		t_check(t_dma_wait(&job) == 0);
		lat[n] = t_now_us() - t0;
	}
	pct("resolver round trip (1 page, thread start + DMA incl.)", lat, n);
	qsort(stall, n, sizeof(stall[0]), cmp_d);
	stall_us = stall[n / 2];
	/* iopfd's own measure of the same (iopfd_fit) includes its wake-up through io_uring */
	printf("IOPF-BENCH: a lone 1-page fault's stall, kernel stamp to answer, with a resolver thread blocked in poll(2) on the eventfd: %.1f us (median)\n",
	       stall_us);
	one_page_us /= n;

	/*
	 * pin+map per page through RESOLVE, 512-page windows: the ioctls
	 * alone, summed, as the guest clock may be coarse
	 */
	t1 = 0;
	for (n = 0; n < 64; n++) {
		__u64 blk = IOVA + (256 + n) * (2ULL << 20);

		t_dma_start(&job, v.device, 0, blk + PG, buf, 64);
		rec = t_ring_next(&r);
		t0 = t_now_us();
		t_check(t_resolve(r.fd, rec.cookie, blk, 2ULL << 20,
				  VFIO_IOPF_RESPONSE_SUCCESS) == 0);
		t1 += t_now_us() - t0;
		t_check(t_dma_wait(&job) == 0);
	}
	printf("IOPF-BENCH: pin+map per page, RESOLVE with 512-page windows: %.3f us (%u of %d windows one 2 MiB IOMMU page); eager MAP_DMA: %.3f us per page\n",
	       t1 / (n * 512.0), (unsigned int)t_iopf_info(r.fd).out_mapped_blocks,
	       n, eager_map_us / (GIB / PG));
	/* the device-time model's two kernel costs (daemon/cost.h), measured here */
	printf("IOPF-BENCH: cost of the kernel path: per fault %.3f us (RESOLVE of a 1-page window, %.3f us, less one page), per page %.3f us; the model's defaults, from the seed's rows: 0.718 and 0.477 us\n",
	       one_page_us - t1 / (n * 512.0), one_page_us, t1 / (n * 512.0));
	t_check(t_unmap(v.container, IOVA, GIB, NULL) == 0);
	close(v.device);
	close(v.group);
	close(v.container);
	close(r.fd);

	tib_range();
	return 0;
}
