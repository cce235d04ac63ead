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
#include <signal.h>
#include <sys/wait.h>
#include "iopf_ring.h"
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
	int p[2], status;
	struct t_vfio v;
	struct t_ring r;
	pid_t pid;
	char c;

	t_mock_setup(MOCK_FAULTING, &v);
	t_ring_setup(v.container, &r, 60000);
	t_fill(mem, SIZE, 8);
	t_check(t_map(v.container, mem, IOVA, SIZE, T_RW) == 0);

	call_ms = t_long_resolve_setup(&lr, v.container, r.fd, BIG_IOVA);
	if (call_ms < 100)
		t_fail("the long RESOLVE took %.1f ms: too short to kill a task behind it",
		       call_ms);
	/* the fault, handed to the resolver and left outstanding */
	t_timed_dma_start(&d, v.device, IOVA, 4 * call_ms + 10000);
	t_ring_next(&r);
	/* the ring's mapping holds the file too: only the child's fd may */
	t_check(munmap(r.map, r.off.mmap_size) == 0);

	t_check(pipe(p) == 0);
	pid = fork();
	t_check(pid >= 0);
	if (pid == 0)
		close_child(&lr, call_ms, p[1]);
	t_check(close(r.fd) == 0);
	t_check(read(p[0], &c, 1) == 1);
	/* the child's RESOLVE is still running: it took call_ms alone */
	usleep(call_ms * 1000 / 8);
	t_check(kill(pid, SIGKILL) == 0);
	killed_us = t_now_us();
	t_check(waitpid(pid, &status, 0) == pid);
	t_check(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
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
