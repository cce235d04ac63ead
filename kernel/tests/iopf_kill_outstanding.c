// SPDX-License-Identifier: GPL-2.0
/*
 * A process killed while its two devices wait for faults handed to its
 * resolver tears down cleanly: the outstanding faults are answered, the
 * groups can be used again at once, and faults work in the new container.
 */
#include <signal.h>
#include <sys/wait.h>
#include "iopf_ring.h"

#define IOVA	0x10000000ULL
#define SIZE	(8ULL << 20)
#define PG	4096

static void child(int pipefd)
{
	unsigned char *mem = t_alloc(SIZE), b0[PG], b1[PG];
	struct t_dma_job j0, j1;
	struct t_vfio v, w;
	struct t_ring r;

	t_mock_setup(MOCK_FAULTING, &v);
	t_mock_attach(MOCK_FAULTING2, v.container, &w);
	t_ring_setup(v.container, &r, 60000);
	t_check(t_map(v.container, mem, IOVA, SIZE, T_RW) == 0);
	t_dma_start(&j0, v.device, 0, IOVA, b0, PG);
	t_dma_start(&j1, w.device, 0, IOVA + 1024 * PG, b1, PG);
	t_ring_next(&r);
	t_ring_next(&r);
	t_check(write(pipefd, "x", 1) == 1);
	for (;;)
		pause();
}

int main(void)
{
	unsigned char *mem = t_alloc(SIZE), buf[PG];
	struct t_vfio v, w;
	int p[2], status;
	char c;
	pid_t pid;

	/* skip early if the kernel has no IOPF */
	t_mock_setup(MOCK_FAULTING, &v);
	if (ioctl(v.container, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOPF) != 1)
		t_skip("VFIO_TYPE1_IOPF not supported");
	close(v.device);
	close(v.group);
	close(v.container);

	t_check(pipe(p) == 0);
	pid = fork();
	t_check(pid >= 0);
	if (pid == 0)
		child(p[1]);
	t_check(read(p[0], &c, 1) == 1);
	t_check(kill(pid, SIGKILL) == 0);
	t_check(waitpid(pid, &status, 0) == pid);
	t_check(WIFSIGNALED(status));

	t_mock_setup(MOCK_FAULTING, &v);
	t_mock_attach(MOCK_FAULTING2, v.container, &w);
	t_enable_iopf(v.container, NULL);
	t_check(t_map(v.container, mem, IOVA, SIZE, T_RW) == 0);
	t_fill(mem, SIZE, 2);
	t_check(t_dma(v.device, 0, IOVA, buf, PG, NULL) == 0);
	t_check(memcmp(buf, mem, PG) == 0);
	t_check(t_dma(w.device, 0, IOVA + 1024 * PG, buf, PG, NULL) == 0);
	t_check(memcmp(buf, mem + 1024 * PG, PG) == 0);
	return T_PASS;
}
