// SPDX-License-Identifier: GPL-2.0
/*
 * iopfd end to end: the VMM enables IOPF, hands the iopf fd to /bin/iopfd
 * (--iopf-fd), and the mock device streams through 4 MiB.  iopfd resolves
 * the faults with its adaptive policy (far fewer faults than pages), the data
 * is right byte for byte, iopfd stops on SIGTERM and reports the kernel's
 * counters, and once it is gone the kernel's fallback answers new faults.
 */
#include <signal.h>
#include <sys/wait.h>
#include "iopf_mock.h"

#define IOVA	0x10000000ULL
#define SIZE	(4ULL << 20)
#define PG	4096ULL
#define IOPFD	"/bin/iopfd"

static pid_t start_iopfd(int iopf_fd, int out_fd)
{
	int ready[2];
	pid_t pid;
	char c;

	t_check(pipe(ready) == 0);
	pid = fork();
	t_check(pid >= 0);
	if (pid == 0) {
		/* iopfd takes the fds as 3 (iopf) and 4 (ready), stdout to out_fd. */
		if (dup2(iopf_fd, 3) < 0 || dup2(ready[1], 4) < 0 || dup2(out_fd, 1) < 0)
			_exit(127);
		execl(IOPFD, "iopfd", "--iopf-fd=3", "--ready-fd=4", "--policy=adaptive",
		      "--timeout=10000", "--json", (char *)NULL);
		_exit(127);
	}
	close(ready[1]);
	t_check(read(ready[0], &c, 1) == 1);	/* attached */
	close(ready[0]);
	return pid;
}

int main(void)
{
	unsigned char *mem, *buf;
	struct vfio_iopf_info before, after, gone;
	char report[4096] = "";
	int iopf_fd, out[2], status;
	struct t_vfio v;
	ssize_t n;
	pid_t pid;
	__u64 off;

	if (access(IOPFD, X_OK))
		t_fail("%s is not in the initramfs", IOPFD);
	t_mock_setup(MOCK_FAULTING, &v);
	iopf_fd = t_enable_iopf(v.container, NULL);
	mem = t_alloc(2 * SIZE);
	buf = t_alloc(SIZE);
	t_fill(mem, 2 * SIZE, 5);
	t_check(t_map(v.container, mem, IOVA, 2 * SIZE, T_RW) == 0);

	t_check(pipe(out) == 0);
	pid = start_iopfd(iopf_fd, out[1]);
	close(out[1]);

	before = t_iopf_info(iopf_fd);
	for (off = 0; off < SIZE; off += PG)
		t_check(t_dma(v.device, 0, IOVA + off, buf + off, PG, NULL) == 0);
	t_check(memcmp(buf, mem, SIZE) == 0);
	after = t_iopf_info(iopf_fd);

	/* 1024 pages, resolved by iopfd in windows of 1, 4, 16, 64, 256, 1024 pages. */
	t_check(after.out_resolved - before.out_resolved > 0);
	t_check(after.out_faults - before.out_faults <= 6);
	t_check(after.out_fallback == before.out_fallback);
	t_check(after.out_mapped_pages >= SIZE / PG);

	t_check(kill(pid, SIGTERM) == 0);
	t_check(waitpid(pid, &status, 0) == pid);
	t_check(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	n = read(out[0], report, sizeof(report) - 1);
	t_check(n > 0);
	t_check(strstr(report, "\"resolved\":") != NULL);
	fprintf(stderr, "iopfd reported: %s\n", report);

	/* iopfd is gone: the second half is served by the kernel's fallback. */
	for (off = SIZE; off < 2 * SIZE; off += PG)
		t_check(t_dma(v.device, 0, IOVA + off, buf + off - SIZE, PG, NULL) == 0);
	t_check(memcmp(buf, mem + SIZE, SIZE) == 0);
	gone = t_iopf_info(iopf_fd);
	t_check(gone.out_fallback > after.out_fallback);
	t_check(gone.out_resolved == after.out_resolved);
	return T_PASS;
}
