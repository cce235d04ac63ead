// SPDX-License-Identifier: GPL-2.0
/*
 * A VFIO_IOMMU_ENABLE_IOPF that fails leaves the release of its file to a
 * deferred fput(), which runs when the caller returns to user space.  The
 * container's IOMMU may be gone by then, and the release must not reach it:
 * the series before it was fixed pointed the file at the container before
 * checking for EEXIST, and the release locked the freed container (KASAN).
 *
 * The order is set up on purpose, not left to luck:
 *  - the holder's ENABLE converts device A, then holds the container's lock
 *    for a second in the mock IOMMU's enable of device B (enable_waits_mask,
 *    with no page request coming);
 *  - meanwhile, on CPU 0, the enabler (SCHED_FIFO) blocks in a second ENABLE,
 *    and the closer (SCHED_FIFO, higher) blocks behind it in GET_INFO;
 *  - the holder finishes, the enabler gets EEXIST and, dropping the lock,
 *    wakes the closer, which runs before the enabler can return to user
 *    space (at once on a preemptible kernel, at the return's reschedule
 *    point otherwise, which comes before the deferred fput());
 *  - the closer makes the enabler SCHED_IDLE, a busy thread keeps CPU 0 from
 *    it, and the closer closes every group: the container's IOMMU is freed
 *    while the failed ENABLE's release is still to run.
 * A round counts only if the closer saw the IOMMU gone before the enabler's
 * ioctl returned; at least one must.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdbool.h>
#include "iopf_ring.h"

#define WAITS_MASK	"/sys/module/vfio_iopf_mock/parameters/enable_waits_mask"
#define ROUNDS		8
#define SPIN_MAX_US	5e6

static struct t_vfio va, vb;
static atomic_int enable_returned, stop_spin;
static atomic_int tid_holder, tid_enabler, tid_closer;
static int holder_fd, holder_errno, enable_ret, enable_errno;
static bool iommu_gone, release_pending;
static int ncpus;

static void on_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu < ncpus ? cpu : 0, &set);
	t_check(sched_setaffinity(0, sizeof(set), &set) == 0);
}

static void set_policy(int tid, int policy, int prio)
{
	struct sched_param p = { .sched_priority = prio };

	t_check(sched_setscheduler(tid, policy, &p) == 0);
}

/* The first ENABLE: it waits in B's conversion for a second, holding the lock. */
static void *holder(void *arg)
{
	struct vfio_iommu_type1_enable_iopf en = { .argsz = sizeof(en) };

	on_cpu(1);
	atomic_store(&tid_holder, gettid());
	holder_fd = ioctl(va.container, VFIO_IOMMU_ENABLE_IOPF, &en);
	holder_errno = errno;
	return arg;
}

static void *enabler(void *arg)
{
	struct vfio_iommu_type1_enable_iopf en = { .argsz = sizeof(en) };

	on_cpu(0);
	set_policy(0, SCHED_FIFO, 20);
	atomic_store(&tid_enabler, gettid());
	enable_ret = ioctl(va.container, VFIO_IOMMU_ENABLE_IOPF, &en);
	enable_errno = errno;
	atomic_store(&enable_returned, 1);
	return arg;
}

static void *closer(void *arg)
{
	struct vfio_iommu_type1_info info = { .argsz = sizeof(info) };

	on_cpu(0);
	set_policy(0, SCHED_FIFO, 30);
	atomic_store(&tid_closer, gettid());
	/* queued behind the enabler: it runs when the enabler drops the lock */
	t_check(ioctl(va.container, VFIO_IOMMU_GET_INFO, &info) == 0);
	set_policy(atomic_load(&tid_enabler), SCHED_IDLE, 0);
	close(va.device);
	close(va.group);
	close(vb.device);
	close(vb.group);
	/* the last group gone, the container has no IOMMU any more */
	iommu_gone = ioctl(va.container, VFIO_IOMMU_GET_INFO, &info) < 0 &&
		     errno == EINVAL;
	release_pending = !atomic_load(&enable_returned);
	atomic_store(&stop_spin, 1);
	return arg;
}

/* Keeps CPU 0 from the enabler, once SCHED_IDLE, while the closer sleeps. */
static void *spinner(void *arg)
{
	double end = t_now_us() + SPIN_MAX_US;

	on_cpu(0);
	while (!atomic_load(&stop_spin) && t_now_us() < end)
		;
	return arg;
}

/* Wait until thread @tid sleeps uninterruptibly, as on a mutex. */
static bool blocked(atomic_int *tid)
{
	char path[64], stat[256], *state;
	double end = t_now_us() + 2e6;

	while (!atomic_load(tid))
		sched_yield();
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", atomic_load(tid));
	while (t_now_us() < end) {
		t_check(t_read_line(path, stat, sizeof(stat)) == 0);
		state = strrchr(stat, ')');
		if (state && state[1] == ' ' && state[2] == 'D')
			return true;
		usleep(1000);
	}
	return false;
}

static void spawn(pthread_t *t, void *(*fn)(void *))
{
	t_check(pthread_create(t, NULL, fn, NULL) == 0);
}

/*
 * One round; true if the IOMMU was freed before the failed ENABLE returned,
 * false if the holder's second was over before both had queued behind it.
 */
static bool race_round(int round)
{
	pthread_t th, te, tc, ts;
	bool queued;

	t_mock_setup(MOCK_FAULTING2, &vb);
	/* type1 converts the groups of a domain last attached first: A, then B */
	t_mock_attach(MOCK_FAULTING, vb.container, &va);
	if (ioctl(va.container, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOPF) != 1)
		t_skip("VFIO_TYPE1_IOPF not supported");
	atomic_store(&enable_returned, 0);
	atomic_store(&stop_spin, 0);
	atomic_store(&tid_holder, 0);
	atomic_store(&tid_enabler, 0);
	atomic_store(&tid_closer, 0);

	t_write_str(WAITS_MASK, "2");	/* 1 << MOCK_FAULTING2 */
	spawn(&th, holder);
	/* twice: a first sleep could be another one than the mock's */
	if (!blocked(&tid_holder) || usleep(20000) || !blocked(&tid_holder))
		t_fail("round %d: the first ENABLE never waited in B's conversion", round);
	spawn(&te, enabler);
	queued = blocked(&tid_enabler);
	spawn(&tc, closer);
	queued = blocked(&tid_closer) && queued;
	spawn(&ts, spinner);

	t_check(pthread_join(th, NULL) == 0);
	t_write_str(WAITS_MASK, "0");
	t_check(pthread_join(tc, NULL) == 0);
	t_check(pthread_join(ts, NULL) == 0);
	t_check(pthread_join(te, NULL) == 0);

	if (holder_fd < 0)
		t_fail("round %d: first ENABLE: %s", round, strerror(holder_errno));
	if (enable_ret >= 0 || enable_errno != EEXIST)
		t_fail("round %d: second ENABLE gave %d, errno %d; want EEXIST", round,
		       enable_ret, enable_errno);
	if (!iommu_gone)
		t_fail("round %d: the container kept its IOMMU after its last group left", round);
	close(holder_fd);
	close(va.container);
	return queued && release_pending;
}

static void no_waits(void)
{
	t_write_str(WAITS_MASK, "0");
}

int main(void)
{
	int round, set_up = 0;
	long base;

	ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	on_cpu(1);
	atexit(no_waits);
	base = t_locked_kb();
	for (round = 0; round < ROUNDS; round++) {
		set_up += race_round(round);
		if (t_locked_kb() != base)
			t_fail("round %d: VmLck %ld kB, want %ld", round, t_locked_kb(), base);
	}
	printf("in %d of %d rounds the container's IOMMU was freed before the failed ENABLE returned\n",
	       set_up, ROUNDS);
	if (!set_up)
		t_fail("the failed ENABLE always returned first: the race was never set up");
	return T_PASS;
}
