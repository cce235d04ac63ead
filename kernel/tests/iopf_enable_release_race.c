// SPDX-License-Identifier: GPL-2.0
/*
 * A failed VFIO_IOMMU_ENABLE_IOPF whose container goes away before the
 * call's deferred fput() of its new file runs: that release must not reach
 * the container.  Set up on purpose, all on CPU 0:
 *
 *  - "pinner" holds iommu->lock for a long time: MAP_DMA of a large range
 *    with VFIO_DMA_MAP_FLAG_PIN_EAGER pins it page by page;
 *  - meanwhile "enabler" calls ENABLE a second time and waits for the lock
 *    (it will fail with EEXIST);
 *  - then "closer", SCHED_FIFO, closes the device and group fds, and waits
 *    for the lock too, to detach the container's last group.
 *
 * When the pinner is done, the enabler gets the lock, finds IOPF on and
 * lets go; on a preemptible kernel the closer runs that moment, detaches the
 * group and frees the container's IOMMU, before the enabler's fput().  The
 * series before it was fixed had already pointed the new file at that IOMMU
 * (KASAN: use-after-free in the release).
 */
#define _GNU_SOURCE
#include <sched.h>
#include <semaphore.h>
#include <sys/mman.h>
#include "iopf_ring.h"

#define IOVA	0x40000000ULL
#define SIZE	(256ULL << 20)

static struct t_vfio v;
static unsigned char *mem;
static sem_t go_closer;
static double close_at_us, closed_us, enabled_us, pin_start_us;
static int enable_errno;

static void *closer(void *arg)
{
	while (sem_wait(&go_closer))
		;
	t_sleep_until_us(close_at_us);
	t_check(close(v.device) == 0);
	t_check(close(v.group) == 0);
	closed_us = t_now_us();
	return NULL;
}

static void *enabler(void *arg)
{
	struct vfio_iommu_type1_enable_iopf en = { .argsz = sizeof(en) };

	/* let the pinner take iommu->lock first */
	t_sleep_until_us(pin_start_us + *(double *)arg);
	errno = 0;
	t_check(ioctl(v.container, VFIO_IOMMU_ENABLE_IOPF, &en) == -1);
	enable_errno = errno;
	enabled_us = t_now_us();
	return NULL;
}

static double pin_us(void)
{
	double start = t_now_us();

	t_check(t_map(v.container, mem, IOVA, SIZE,
		      T_RW | VFIO_DMA_MAP_FLAG_PIN_EAGER) == 0);
	return t_now_us() - start;
}

int main(void)
{
	struct sched_param prio = { .sched_priority = 10 };
	pthread_attr_t attr;
	pthread_t c, e;
	cpu_set_t cpu0;
	double pinning, enable_delay;
	int iopf_fd;

	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	t_check(sched_setaffinity(0, sizeof(cpu0), &cpu0) == 0);
	t_mock_setup(MOCK_FAULTING, &v);
	iopf_fd = t_enable_iopf(v.container, NULL);
	mem = t_alloc(SIZE);
	memset(mem, 1, SIZE);

	/* how long pinning the range holds iommu->lock */
	pinning = pin_us();
	t_check(t_unmap(v.container, IOVA, SIZE, NULL) == 0);
	enable_delay = pinning / 10;

	t_check(sem_init(&go_closer, 0, 0) == 0);
	t_check(pthread_attr_init(&attr) == 0);
	t_check(pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED) == 0);
	t_check(pthread_attr_setschedpolicy(&attr, SCHED_FIFO) == 0);
	t_check(pthread_attr_setschedparam(&attr, &prio) == 0);
	t_check(pthread_create(&c, &attr, closer, NULL) == 0);

	pin_start_us = t_now_us();
	close_at_us = pin_start_us + pinning / 2;
	t_check(pthread_create(&e, NULL, enabler, &enable_delay) == 0);
	t_check(sem_post(&go_closer) == 0);
	/* this thread is the pinner */
	t_check(t_map(v.container, mem, IOVA, SIZE, T_RW | VFIO_DMA_MAP_FLAG_PIN_EAGER) == 0);
	t_check(pthread_join(e, NULL) == 0);
	t_check(pthread_join(c, NULL) == 0);

	if (enable_errno != EEXIST)
		t_fail("second ENABLE: errno %d (%s), want EEXIST", enable_errno,
		       strerror(enable_errno));
	printf("pinning took %.1f ms alone; the group was closed %.1f ms after the pinning "
	       "began, %s the failed ENABLE returned (%.1f ms)\n",
	       pinning / 1e3, (closed_us - pin_start_us) / 1e3,
	       closed_us < enabled_us ? "before" : "after",
	       (enabled_us - pin_start_us) / 1e3);
	/* without preemption the closer waits for the enabler's return */
	if (t_kernel_preemptible() && closed_us >= enabled_us)
		t_fail("the group was closed after the failed ENABLE returned, on a preemptible kernel");
	/* the container has no group left: its IOMMU is gone, so is the mapping */
	t_check_err(t_unmap(v.container, IOVA, SIZE, NULL), EINVAL);
	close(iopf_fd);
	close(v.container);
	return T_PASS;
}
