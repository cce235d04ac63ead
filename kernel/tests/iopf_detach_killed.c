// SPDX-License-Identifier: GPL-2.0
/*
 * A resolver that detaches while it is being killed leaves its outstanding
 * fault resolved, not refused.  Without a resolver the kernel resolves the
 * faults it had handed out, inline; a task with SIGKILL pending cannot pin
 * (GUP gives up on the signal), so the series before it was fixed answered
 * such a fault INVALID.  To have the DETACH run with SIGKILL pending, a
 * child process calls it while a long RESOLVE (map-only entries over
 * aliased memory, calibrated) holds the fd's lock, and is killed while it
 * waits: the DETACH then runs, killed, once the lock is free.  The fault
 * must be resolved by the timeout work at once, with the right data.
 */
#define _GNU_SOURCE
#include "iopf_long_resolve.h"

#define PG		4096ULL
#define IOVA		0x10000000ULL
#define SIZE		(4ULL << 20)
#define BIG_IOVA	0x100000000ULL

/* The child: tells the parent it is about to DETACH the parent's resolver, and does. */
static void detach_child(int fd, int efd, int pipefd)
{
	struct vfio_iopf_set_resolver set = {
		.argsz = sizeof(set),
		.flags = VFIO_IOPF_RESOLVER_DETACH,
		.eventfd = efd,
	};

	t_check(write(pipefd, "x", 1) == 1);
	ioctl(fd, VFIO_IOPF_SET_RESOLVER, &set);
	_exit(0);
}

int main(void)
{
	unsigned char *mem = t_alloc(SIZE);
	struct t_timed_dma d = { 0 };
	struct vfio_iopf_info info;
	double call_ms, killed_us;
	struct t_long_resolve lr;
	pthread_t holder;
	struct t_vfio v;
	struct t_ring r;
	pid_t pid;
	int p[2];

	/* the fault, handed to the resolver and left outstanding; it waits for the whole RESOLVE */
	call_ms = t_fault_behind_long_resolve(&v, &r, &lr, &d, mem, IOVA, SIZE, BIG_IOVA, 6);

	lr.end_us = 0;
	t_check(pthread_create(&holder, NULL, t_long_resolve, &lr) == 0);
	usleep(call_ms * 1000 / 8);
	t_check(pipe(p) == 0);
	pid = fork();
	t_check(pid >= 0);
	if (pid == 0)
		detach_child(r.fd, r.efd, p[1]);
	/* in its DETACH by then, waiting for the lock */
	killed_us = t_kill_waiting_child(pid, p[0], call_ms * 1000 / 8);
	t_check(pthread_join(holder, NULL) == 0);
	if (lr.end_us <= killed_us)
		t_fail("the RESOLVE ended before the kill: the DETACH did not run killed");
	t_check(pthread_join(d.thread, NULL) == 0);

	info = t_iopf_info(r.fd);
	if (info.out_resolver_id)
		t_fail("the resolver is still attached: the child died before its DETACH");
	printf("a long RESOLVE took %.1f ms; the fault was answered %.1f ms after the lock was free: status %d, %llu fallback, %llu invalid\n",
	       call_ms, (d.end_us - lr.end_us) / 1000, d.status,
	       (unsigned long long)info.out_fallback, (unsigned long long)info.out_invalid);
	if (d.status)
		t_fail("the DMA failed (status %d): the fault was refused, not resolved", d.status);
	t_check(memcmp(d.buf, mem, PG) == 0);
	/* at once, not at the resolver's 60 s timeout */
	if (d.end_us - lr.end_us > 5e6)
		t_fail("the fault waited %.1f ms after the lock was free",
		       (d.end_us - lr.end_us) / 1000);
	t_check(info.out_invalid == 0 && info.out_fallback == 1);
	return T_PASS;
}
