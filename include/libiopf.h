/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LIBIOPF_H
#define LIBIOPF_H

/*
 * libiopf: how a VMM has iopfd resolve the I/O page faults of a VFIO type1
 * container (libiopf(3) has the details and an example).
 *
 *   iopf_enable()      turns IOPF on for the container and gives the iopf fd;
 *   iopf_register()    hands the iopf fd to iopfd under the VM's name; iopfd
 *                      serves the VM for as long as the handle stays open;
 *   iopf_unregister()  closes the handle: iopfd lets the VM go and the kernel
 *                      answers its faults again.
 *
 * A function that can fail returns 0 or a negative errno, and writes its
 * ret_ arguments only when it succeeds.  The library keeps no global state
 * and every fd it opens is close-on-exec: a handle may be used from any
 * thread, by one at a time.
 */

#include <stdint.h>
#include <linux/vfio_iopf.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Turns IOPF on for @container_fd, a VFIO type1 container with its groups
 * attached and its IOMMU set, and gives the new iopf fd (close-on-exec) in
 * *ret_iopf_fd.  @args is VFIO_IOMMU_ENABLE_IOPF's argument, argsz set by the
 * caller, and gets the kernel's out_ fields; NULL takes the defaults.
 * -EOPNOTSUPP: the kernel cannot fault on this container.
 */
int iopf_enable(int container_fd, struct vfio_iommu_type1_enable_iopf *args, int *ret_iopf_fd);

/* A VM iopfd serves; iopf_register() makes one, iopf_unregister() ends it. */
struct iopf_vm;

/* Why iopfd refused a registration, as it said. */
struct iopf_refusal {
	int error;         /* a negative errno, e.g. -EBUSY */
	char reason[256];  /* iopfd's words, NUL-terminated */
};

/*
 * Hands @iopf_fd to the iopfd listening on @socket_path (NULL: the default,
 * /run/iopfd/register) for the VM named @name: up to 63 letters, digits,
 * '.', '_' and '-', or NULL for a name iopfd picks.  Waits at most
 * @timeout_ms milliseconds for iopfd in all (0: 5000).  The caller keeps its
 * own iopf fd.  Returns 0 and the VM's handle in *ret_vm once iopfd serves
 * the VM, or
 *   -ENOENT, -ECONNREFUSED  no iopfd: no socket at the path, or nobody on it;
 *   -EREMOTEIO              iopfd refused; why, in *reterr_refusal if not NULL;
 *   -ETIMEDOUT              iopfd did not answer in time;
 *   -ECONNRESET             iopfd hung up without answering;
 *   -EBADMSG                what answered is not iopfd;
 *   -EINVAL                 a bad argument, such as a name iopfd would refuse;
 * or another negative errno from socket(2), connect(2) or sendmsg(2).
 */
int iopf_register(const char *socket_path, int iopf_fd, const char *name, unsigned timeout_ms,
		  struct iopf_vm **ret_vm, struct iopf_refusal *reterr_refusal);

/* The id iopfd gave the VM, never 0, and its name (the one asked for, or iopfd's). */
uint64_t iopf_vm_id(const struct iopf_vm *vm);
const char *iopf_vm_name(const struct iopf_vm *vm);

/*
 * The connection to iopfd, for the VMM's poll loop: it becomes readable
 * (hung up) only when iopfd stops serving the VM for good.  Do not read,
 * write or close it.
 */
int iopf_vm_fd(const struct iopf_vm *vm);

/*
 * Closes the connection and frees @vm (NULL is fine); returns NULL.  iopfd
 * detaches when it sees the hangup, and the kernel answers the VM's faults.
 */
struct iopf_vm *iopf_unregister(struct iopf_vm *vm);

#ifdef __cplusplus
}
#endif

#endif
