// SPDX-License-Identifier: GPL-2.0
/*
 * Every error path of VFIO_IOMMU_ENABLE_IOPF, with a device faulting all
 * along.  A container holds three mock devices, each in its own group, which
 * ENABLE converts in this order: A (faulting), B (faulting) and C (cannot
 * fault).  The N-th allocation of the ENABLE call fails (fail-nth, for
 * N = 1, 2, ... until the call succeeds) while another thread keeps making A
 * fault.  A failure after A was converted unwinds it, and a fault of A
 * pending then must be answered before A leaves the IOMMU core's fault
 * queue, which frees what is still pending there (the series before it was
 * fixed did it the other way round, and KASAN caught the second touch).
 * That window is microseconds wide, so the mock IOMMU holds B's conversion
 * until A's page request is outstanding (its enable_waits_mask): every
 * allocation failing after that point, C's among them, must find the fault
 * pending and answer it.  After each failure, no DMA hangs, A can no longer
 * fault, and a second ENABLE succeeds.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdbool.h>
#include <sys/mount.h>
#include "iopf_ring.h"

#define IOVA		0x800000ULL	/* never mapped: every fault is INVALID */
#define WAITS_MASK	"/sys/module/vfio_iopf_mock/parameters/enable_waits_mask"
#define MAX_POINTS	1000

static struct t_vfio v0, v1, v2;
static atomic_int stop, started;
static int dma_enxio, dma_efault, failed_calls, answered_calls;

/* The first device's DMA, over and over: -ENXIO until its domain can fault. */
static void *fault_loop(void *arg)
{
	unsigned char buf[64];
	cpu_set_t cpu1;

	/* beside ENABLE, not behind it, when there is a second CPU */
	CPU_ZERO(&cpu1);
	CPU_SET(1, &cpu1);
	sched_setaffinity(0, sizeof(cpu1), &cpu1);

	while (!atomic_load(&stop)) {
		int ret = t_dma(v0.device, 0, IOVA, buf, sizeof(buf), NULL);

		atomic_store(&started, 1);
		if (ret == -ENXIO)
			dma_enxio++;
		else if (ret == -EFAULT)
			dma_efault++;
		else
			t_fail("DMA during ENABLE: status %d, want -ENXIO or -EFAULT",
			       ret);
	}
	return NULL;
}

/* type1 converts the groups of a domain last attached first */
static void setup(void)
{
	t_mock_setup(MOCK_NOFAULT, &v2);
	t_mock_attach(MOCK_FAULTING2, v2.container, &v1);
	t_mock_attach(MOCK_FAULTING, v2.container, &v0);
}

static void teardown(int iopf_fd)
{
	if (iopf_fd >= 0)
		close(iopf_fd);
	close(v1.device);
	close(v1.group);
	close(v0.device);
	close(v0.group);
	close(v2.device);
	close(v2.group);
	close(v2.container);
}

/*
 * ENABLE with its @nth allocation failing; *@ret_injected: it did fail.
 * @fail_nth is /proc/thread-self/fail-nth, opened beforehand: opening it
 * would allocate, and so would count.
 */
static int enable_failing(int fail_nth, int container, int nth, bool *ret_injected)
{
	struct vfio_iommu_type1_enable_iopf en = { .argsz = sizeof(en) };
	char val[16], left[16] = "";
	int fd, err;

	snprintf(val, sizeof(val), "%d", nth);
	t_check(pwrite(fail_nth, val, strlen(val), 0) == (ssize_t)strlen(val));
	fd = ioctl(container, VFIO_IOMMU_ENABLE_IOPF, &en);
	err = errno;
	t_check(pread(fail_nth, left, sizeof(left) - 1, 0) > 0);
	t_check(pwrite(fail_nth, "0", 1, 0) == 1);
	*ret_injected = atoi(left) == 0;
	errno = err;
	return fd;
}

/* The kernel log's stack dumps between these come from failures forced on purpose. */
static void kmsg(const char *line)
{
	t_write_str("/dev/kmsg", line);
}

static void no_waits(void)
{
	t_write_str(WAITS_MASK, "0");
}

enum outcome { NOT_INJECTED, RECOVERED, FAILED };

/* One ENABLE on a fresh container, its @nth allocation failing, the device faulting. */
static enum outcome enable_round(int fail_nth, int nth)
{
	int before = dma_efault, fd, err;
	unsigned char buf[64];
	bool injected;
	pthread_t t;

	setup();
	if (ioctl(v0.container, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOPF) != 1)
		t_skip("VFIO_TYPE1_IOPF not supported");
	atomic_store(&stop, 0);
	atomic_store(&started, 0);
	t_check(pthread_create(&t, NULL, fault_loop, NULL) == 0);
	/* the device is faulting already when ENABLE begins */
	while (!atomic_load(&started))
		sched_yield();
	t_write_str(WAITS_MASK, "2");	/* 1 << MOCK_FAULTING2 */
	fd = enable_failing(fail_nth, v0.container, nth, &injected);
	err = errno;
	no_waits();
	atomic_store(&stop, 1);
	t_check(pthread_join(t, NULL) == 0);

	if (fd >= 0) {
		teardown(fd);
		return injected ? RECOVERED : NOT_INJECTED;
	}
	if (err != ENOMEM)
		t_fail("allocation %d failed: ENABLE gave errno %d (%s), want ENOMEM",
		       nth, err, strerror(err));
	/* the faults the unwind found pending were answered */
	failed_calls++;
	if (dma_efault > before)
		answered_calls++;
	t_check(t_dma(v0.device, 0, IOVA, buf, sizeof(buf), NULL) == -ENXIO);
	fd = t_enable_iopf(v0.container, NULL);
	t_check(t_dma(v0.device, 0, IOVA, buf, sizeof(buf), NULL) == -EFAULT);
	teardown(fd);
	return FAILED;
}

int main(void)
{
	enum outcome o = FAILED;
	int nth, fail_nth;
	cpu_set_t cpu0;
	long base;

	if (access("/sys/kernel/debug/failslab", F_OK))
		t_check(mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL) == 0);
	/* fail-nth reaches GFP_KERNEL allocations only with this off */
	t_write_str("/sys/kernel/debug/failslab/ignore-gfp-wait", "N");
	t_write_str("/sys/kernel/debug/failslab/verbose", "0");
	fail_nth = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	t_check(fail_nth >= 0);
	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	t_check(sched_setaffinity(0, sizeof(cpu0), &cpu0) == 0);
	base = t_locked_kb();
	atexit(no_waits);
	kmsg("iopf-test: fault injection begins");
	for (nth = 1; nth <= MAX_POINTS && o != NOT_INJECTED; nth++) {
		o = enable_round(fail_nth, nth);
		if (o == FAILED && t_locked_kb() != base)
			t_fail("allocation %d: VmLck %ld kB, want %ld", nth,
			       t_locked_kb(), base);
	}
	kmsg("iopf-test: fault injection ends");
	if (o != NOT_INJECTED)
		t_fail("ENABLE still failing after %d injected failures", MAX_POINTS);
	/* at least C's two allocations come after B's conversion */
	if (answered_calls < 2)
		t_fail("the unwind answered a pending fault in %d failed calls, want 2 or more",
		       answered_calls);
	printf("%d allocations of ENABLE failed one by one: in %d of the %d failed calls the unwind "
	       "answered a pending fault (%d DMAs answered, %d before the domain could fault)\n",
	       nth - 2, answered_calls, failed_calls, dma_efault, dma_enxio);
	return T_PASS;
}
