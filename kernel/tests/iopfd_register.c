// SPDX-License-Identifier: GPL-2.0
/*
 * iopfd as a service, against the patched kernel.  This test plays systemd
 * (the registration socket passed as LISTEN_FDS, a NOTIFY_SOCKET with an fd
 * store) and the VMM, which enables IOPF and registers its iopf fd through
 * libiopf, as VMMs do, and runs DMA on the mock device:
 *
 *  - no iopfd listening is told apart; a second registration of the iopf fd
 *    is refused with iopfd's errno and reason;
 *  - the registered VM's faults are resolved by iopfd;
 *  - iopfd is killed (SIGKILL): the next fault waits out the timeout and the
 *    kernel answers it, with the right data, so nothing is lost;
 *  - iopfd is started again with the fd store's fds: it serves the VM with
 *    no word from the VMM, before it reports READY=1;
 *  - the VMM hangs up: iopfd detaches, takes the VM out of the fd store,
 *    and the kernel answers at once.
 */
#include "iopfd_guest.h"

/* libiopf, built in: the guest has no shared libraries (json-c links statically). */
#include "libiopf.c"
#include "register-protocol.c"

#define IOVA		0x10000000ULL
#define SIZE		(16ULL << 20)
/* four parts, far enough apart that no window of one reaches the next */
#define STRIDE		(SIZE / 4)
#define PART		(1ULL << 20)
#define PG		4096ULL
#define TIMEOUT_MS	"300"
#define SOCK_PATH	"/tmp/iopfd-register"
#define NOTIFY_PATH	"/tmp/iopfd-notify"
#define FDNAME		"1-e2e"	/* the first VM iopfd registers, named e2e */

static const char *const iopfd_opts[] = { "--policy=adaptive", "--timeout=" TIMEOUT_MS, NULL };

/* Registers the VM as "e2e", the first VM iopfd serves. */
static struct iopf_vm *register_vm(int iopf_fd)
{
	struct iopf_refusal refusal;
	struct iopf_vm *vm;
	int r;

	/* TCG is slow: more than the default wait */
	r = iopf_register(SOCK_PATH, iopf_fd, "e2e", 30000, &vm, &refusal);
	if (r == -EREMOTEIO)
		t_fail("iopfd refused the VM: %s", refusal.reason);
	t_check(r == 0);
	fprintf(stderr, "iopfd serves VM %s as %llu\n", iopf_vm_name(vm),
		(unsigned long long)iopf_vm_id(vm));
	t_check(strcmp(iopf_vm_name(vm), "e2e") == 0 && iopf_vm_id(vm) == 1);
	return vm;
}

/*
 * A second registration of the same iopf fd: iopfd's refusal comes through.
 * Without CONFIG_KCMP (this kernel) iopfd cannot see it holds the fd
 * already (EEXIST), and the kernel's one resolver per iopf fd refuses it.
 */
static void register_again(int iopf_fd)
{
	struct iopf_refusal refusal;
	struct iopf_vm *vm;

	t_check(iopf_register(SOCK_PATH, iopf_fd, "twin", 30000, &vm, &refusal) == -EREMOTEIO);
	fprintf(stderr, "iopfd refused the twin: %s\n", refusal.reason);
	t_check((refusal.error == -EEXIST && strstr(refusal.reason, "registered already")) ||
		(refusal.error == -EBUSY && strstr(refusal.reason, "another resolver serves")));
}

/* Runs DMA reads over one part of the range; checks the data. */
static void dma_part(struct t_vfio *v, unsigned char *mem, int part)
{
	static unsigned char buf[PART];
	__u64 off;

	for (off = 0; off < PART; off += PG)
		t_check(t_dma(v->device, 0, IOVA + part * STRIDE + off, buf + off,
			      PG, NULL) == 0);
	t_check(memcmp(buf, mem + part * STRIDE, PART) == 0);
}

int main(void)
{
	struct vfio_iommu_type1_enable_iopf en = { .argsz = sizeof(en) };
	struct vfio_iopf_info i0, i1, i2, i3, i4;
	struct t_sd_fd passed[3];
	struct iopf_vm *vm;
	char note[256];
	int iopf_fd, second_fd, listener, notify, stored[4], status, r;
	unsigned char *mem;
	struct t_vfio v;
	pid_t pid;

	if (access(IOPFD, X_OK))
		t_fail("%s is not in the initramfs", IOPFD);
	t_mock_setup(MOCK_FAULTING, &v);
	r = iopf_enable(v.container, &en, &iopf_fd);
	if (r == -EOPNOTSUPP)
		t_skip("VFIO_TYPE1_IOPF not supported");
	t_check(r == 0 && en.out_ndevices == 1);
	t_check(fcntl(iopf_fd, F_GETFD) == FD_CLOEXEC);
	t_check(iopf_enable(v.container, NULL, &second_fd) == -EEXIST);
	mem = t_alloc(SIZE);
	t_fill(mem, SIZE, 9);
	t_check(t_map(v.container, mem, IOVA, SIZE, T_RW) == 0);

	unlink(SOCK_PATH);
	unlink(NOTIFY_PATH);
	/* nobody listens: the VMM hears iopfd is not running */
	t_check(iopf_register(SOCK_PATH, iopf_fd, "e2e", 30000, &vm, NULL) == -ENOENT);
	listener = t_unix_socket(SOCK_SEQPACKET, SOCK_PATH, 1);
	t_check(listen(listener, 8) == 0);
	notify = t_unix_socket(SOCK_DGRAM, NOTIFY_PATH, 1);

	/* socket activation: iopfd gets the listener, says READY */
	passed[0] = (struct t_sd_fd){ listener, "iopfd.socket" };
	pid = t_iopfd_start(passed, 1, NOTIFY_PATH, iopfd_opts, -1);
	t_notify_wait(notify, "READY=1", note, sizeof(note), stored, 4);
	t_check(strstr(note, "STATUS=Serving 0 VMs") != NULL);

	vm = register_vm(iopf_fd);
	t_check(t_notify_wait(notify, "FDSTORE=1", note, sizeof(note), stored, 4) == 2);
	t_check(strcmp(note, "FDSTORE=1\nFDNAME=" FDNAME) == 0);
	register_again(iopf_fd);

	i0 = t_iopf_info(iopf_fd);
	dma_part(&v, mem, 0);
	i1 = t_iopf_info(iopf_fd);
	t_check(i1.out_resolved > i0.out_resolved);
	t_check(i1.out_fallback == i0.out_fallback);

	/* killed: its eventfd is still the resolver, nobody reads it */
	t_check(kill(pid, SIGKILL) == 0);
	t_check(waitpid(pid, &status, 0) == pid);
	dma_part(&v, mem, 1);
	i2 = t_iopf_info(iopf_fd);
	t_check(i2.out_timeouts > i1.out_timeouts);
	t_check(i2.out_fallback > i1.out_fallback);
	t_check(i2.out_resolved == i1.out_resolved);
	fprintf(stderr, "iopfd killed: %llu faults timed out to the kernel\n",
		(unsigned long long)(i2.out_timeouts - i1.out_timeouts));

	/* restarted with the fd store: serves the VM before READY=1 */
	passed[1] = (struct t_sd_fd){ stored[0], FDNAME };
	passed[2] = (struct t_sd_fd){ stored[1], FDNAME };
	pid = t_iopfd_start(passed, 3, NOTIFY_PATH, iopfd_opts, -1);
	t_notify_wait(notify, "READY=1", note, sizeof(note), stored, 4);
	t_check(strstr(note, "STATUS=Serving 1 VM") != NULL);
	close(passed[1].fd);
	close(passed[2].fd);
	dma_part(&v, mem, 2);
	i3 = t_iopf_info(iopf_fd);
	t_check(i3.out_resolved > i2.out_resolved);
	t_check(i3.out_fallback == i2.out_fallback);
	t_check(i3.out_timeouts == i2.out_timeouts);

	/* the VMM hangs up: iopfd detaches, the kernel answers at once */
	vm = iopf_unregister(vm);
	t_notify_wait(notify, "FDSTOREREMOVE=1", note, sizeof(note), stored, 4);
	t_check(strcmp(note, "FDSTOREREMOVE=1\nFDNAME=" FDNAME) == 0);
	dma_part(&v, mem, 3);
	i4 = t_iopf_info(iopf_fd);
	t_check(i4.out_fallback > i3.out_fallback);
	t_check(i4.out_timeouts == i3.out_timeouts);
	t_check(i4.out_resolved == i3.out_resolved);

	t_check(kill(pid, SIGTERM) == 0);
	t_check(waitpid(pid, &status, 0) == pid);
	t_check(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return T_PASS;
}
