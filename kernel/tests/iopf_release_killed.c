// SPDX-License-Identifier: GPL-2.0
/*
 * A resolver killed in the middle of VFIO_IOPF_RELEASE: the uncharge of the
 * pages it unpinned takes the VMM's mmap_lock killably, and may fail there.
 * The charge must still go: once the VMM unmaps its range, its locked_vm
 * is back where it was.
 */
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include "iopf_ring.h"

#define PG	4096ULL
#define IOVA	0x400000ULL
#define SIZE	(16ULL << 20)
#define ROUNDS	20

int main(void)
{
	struct vfio_iopf_release rel = {
		.argsz = sizeof(rel), .iova = IOVA, .size = SIZE,
	};
	unsigned char *mem = t_alloc(SIZE), buf[64];
	struct t_vfio v;
	long base;
	int fd, i, j;
	pid_t pid;

	t_mock_setup(MOCK_FAULTING, &v);
	fd = t_enable_iopf(v.container, NULL);
	base = t_locked_kb();
	t_check(t_map(v.container, mem, IOVA, SIZE, T_RW) == 0);
	for (i = 0; i < ROUNDS; i++) {
		pid = fork();
		t_check(pid >= 0);
		if (!pid) {	/* the resolver: release all, again and again */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			for (;;)
				ioctl(fd, VFIO_IOPF_RELEASE, &rel);
		}
		/*
		 * The VMM's device faults pages back in meanwhile; a page
		 * released between the answer and the device's retry fails
		 * the access (-EFAULT), which is the storm's doing, not a bug.
		 */
		for (j = 0; j < 64; j++) {
			int st = t_dma(v.device, 0, IOVA + (j % 8) * (2 << 20),
				       buf, sizeof(buf), NULL);

			t_check(st == 0 || st == -EFAULT);
		}
		t_check(kill(pid, SIGKILL) == 0);
		t_check(waitpid(pid, NULL, 0) == pid);
	}
	t_check(t_unmap(v.container, IOVA, SIZE, NULL) == 0);
	/* a charge left to the accounting work lands within a second */
	for (i = 0; i < 100 && t_locked_kb() != base; i++)
		usleep(10000);
	if (t_locked_kb() != base)
		t_fail("VmLck %ld kB after the unmap, want %ld kB",
		       t_locked_kb(), base);
	t_check(t_iopf_info(fd).out_locked_pages == 0);
	return T_PASS;
}
