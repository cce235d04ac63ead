// SPDX-License-Identifier: GPL-2.0
/*
 * The last close of an iopf fd, run while its task is being killed, leaves
 * the outstanding fault resolved, not refused.  The release resolves the
 * faults it had handed out in the kernel, inline; a task with SIGKILL
 * pending cannot pin (GUP gives up on the signal), so the series before
 * patch 0030 answered such a fault INVALID.  To have the release run with
 * SIGKILL pending, a child holding the fd's only reference starts a long
 * RESOLVE (map-only entries over aliased memory, calibrated) in a thread,
 * which takes a reference of its own, closes the fd from another thread and
 * is killed: the RESOLVE's reference is the last, and the release runs when
 * the call returns, before the signal is delivered.  The fault must be
 * resolved by the timeout work at once, with the right data.
 */
#define _GNU_SOURCE
#include "iopf_long_resolve.h"

#define PG		4096ULL
#define IOVA		0x10000000ULL
#define SIZE		(4ULL << 20)
#define BIG_IOVA	0x100000000ULL

/* The child: the long RESOLVE in a thread, then the fd's close, then wait to be killed. */
static void close_child(struct t_long_resolve *lr, double call_ms, int pipefd)
{
	pthread_t holder;

	t_check(pthread_create(&holder, NULL, t_long_resolve, lr) == 0);
	usleep(call_ms * 1000 / 8);
	t_check(close(lr->fd) == 0);
	t_check(write(pipefd, "x", 1) == 1);
	for (;;)
		pause();
}

int main(void)
{
	unsigned char *mem = t_alloc(SIZE);
	struct t_timed_dma d = { 0 };
	struct t_long_resolve lr;
	double call_ms, killed_us;
	struct t_vfio v;
	struct t_ring r;
	pid_t pid;
	int p[2];

	/* the fault, handed to the resolver and left outstanding */
	call_ms = t_fault_behind_long_resolve(&v, &r, &lr, &d, mem, IOVA, SIZE, BIG_IOVA, 8);
	/* the ring's mapping holds the file too: only the child's fd may */
	t_check(munmap(r.map, r.off.mmap_size) == 0);

	t_check(pipe(p) == 0);
	pid = fork();
	t_check(pid >= 0);
	if (pid == 0)
		close_child(&lr, call_ms, p[1]);
	t_check(close(r.fd) == 0);
	/* the child's RESOLVE is still running then: it took call_ms alone */
	killed_us = t_kill_waiting_child(pid, p[0], call_ms * 1000 / 8);
	t_check(pthread_join(d.thread, NULL) == 0);

	printf("a long RESOLVE took %.1f ms; the fault was answered %.1f ms after the kill: status %d\n",
	       call_ms, (d.end_us - killed_us) / 1000, d.status);
	if (d.end_us < killed_us)
		t_fail("the fault was answered before the kill: the release did not run killed");
	if (d.status)
		t_fail("the DMA failed (status %d): the fault was refused, not resolved", d.status);
	t_check(memcmp(d.buf, mem, PG) == 0);
	/* at once, not at the resolver's 60 s timeout */
	if (d.end_us - killed_us > 4 * call_ms * 1000 + 5e6)
		t_fail("the fault waited %.1f ms after the kill", (d.end_us - killed_us) / 1000);
	return T_PASS;
}
