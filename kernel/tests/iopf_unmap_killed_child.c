// SPDX-License-Identifier: GPL-2.0
/*
 * A forked child unmaps the VMM's ranges and is SIGKILLed while it does:
 * each unmap uncharges the VMM's locked_vm, taking the VMM's mmap_lock
 * killably, while the VMM keeps that lock busy.  The charge must still go:
 * once every range is unmapped the VMM's VmLck is back where it was.
 * Ranges mapped on demand (with pages faulted in) and eagerly pinned ones.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include "iopf_mock.h"

#define PG	4096ULL
#define IOVA	0x400000ULL
#define NR	64
#define RSZ	(256ULL << 10)
#define ROUNDS	20

static atomic_int stop;

/* keep this process's mmap_lock busy for writing */
static void *contend(void *arg)
{
	while (!stop) {
		void *p = mmap(NULL, PG, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		t_check(p != MAP_FAILED);
		t_check(munmap(p, PG) == 0);
	}
	return NULL;
}

/* returns how many kB of VmLck the round left behind */
static long round_trip(unsigned char *mem, __u32 flags, unsigned int kill_us)
{
	unsigned char b;
	struct t_vfio v;
	pthread_t th[2];
	long base = t_locked_kb();
	int fd, i, st;
	pid_t pid;

	t_mock_setup(MOCK_FAULTING, &v);
	fd = t_enable_iopf(v.container, NULL);
	for (i = 0; i < NR; i++) {
		t_check(t_map(v.container, mem + i * RSZ, IOVA + i * RSZ, RSZ,
			      T_RW | flags) == 0);
		t_check(t_dma(v.device, 0, IOVA + i * RSZ, &b, 1, NULL) == 0);
	}
	t_check(t_locked_kb() > base);

	pid = fork();
	t_check(pid >= 0);
	if (!pid) {	/* unmap them all, from the last */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (i = NR - 1; i >= 0; i--)
			t_unmap(v.container, IOVA + i * RSZ, RSZ, NULL);
		_exit(0);
	}
	stop = 0;
	t_check(pthread_create(&th[0], NULL, contend, NULL) == 0);
	t_check(pthread_create(&th[1], NULL, contend, NULL) == 0);
	usleep(kill_us);
	t_check(kill(pid, SIGKILL) == 0);
	t_check(waitpid(pid, &st, 0) == pid);
	stop = 1;
	pthread_join(th[0], NULL);
	pthread_join(th[1], NULL);
	/* what the child did not get to */
	t_check(t_unmap(v.container, IOVA, NR * RSZ, NULL) == 0);
	close(fd);
	close(v.device);
	close(v.group);
	close(v.container);
	/* a charge left to a work item lands soon */
	for (i = 0; i < 200 && t_locked_kb() != base; i++)
		usleep(10000);
	if (t_locked_kb() != base)
		fprintf(stderr, "%s ranges: VmLck %ld kB after the unmaps, %ld kB before (child killed after %u us)\n",
			flags ? "eager" : "on-demand", t_locked_kb(), base,
			kill_us);
	return t_locked_kb() - base;
}

int main(void)
{
	unsigned char *mem = t_alloc(NR * RSZ);
	long lazy = 0, eager = 0;
	int r;

	t_fill(mem, NR * RSZ, 1);
	for (r = 0; r < ROUNDS; r++) {
		lazy += round_trip(mem, 0, 500 + r * 1500);
		eager += round_trip(mem, VFIO_DMA_MAP_FLAG_PIN_EAGER,
				    500 + r * 1500);
	}
	if (lazy || eager)
		t_fail("VmLck left behind: %ld kB by ranges mapped on demand, %ld kB by eager ones",
		       lazy, eager);
	return T_PASS;
}
