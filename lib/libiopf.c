/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include "libiopf.h"
#include "macro.h"
#include "register-protocol.h"
#include "time-util.h"

#define REGISTER_TIMEOUT_MS_DEFAULT 5000u

_Static_assert(sizeof(((struct iopf_refusal *)0)->reason) == REGISTER_REASON_MAX,
	       "a refusal holds every reason iopfd gives");

struct iopf_vm {
	int conn_fd;
	uint64_t id;
	char name[REGISTER_NAME_MAX + 1];
};

int iopf_enable(int container_fd, struct vfio_iommu_type1_enable_iopf *args, int *ret_iopf_fd)
{
	struct vfio_iommu_type1_enable_iopf defaults = { .argsz = sizeof(defaults) };
	int r;

	if (container_fd < 0 || !ret_iopf_fd)
		return -EINVAL;
	/*
	 * Ask first: on a kernel without the series, the ioctl number may mean
	 * something else one day.
	 */
	r = RET_NERRNO(ioctl(container_fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOPF));
	if (r < 0)
		return r;
	if (r == 0)
		return -EOPNOTSUPP;
	r = RET_NERRNO(ioctl(container_fd, VFIO_IOMMU_ENABLE_IOPF, args ?: &defaults));
	if (r < 0)
		return r;
	*ret_iopf_fd = r;
	return 0;
}

/* The socket's blocking calls give up after @usec (0: never). */
static int set_timeouts(int fd, uint64_t usec)
{
	const struct timeval tv = { .tv_sec = usec / 1000000, .tv_usec = usec % 1000000 };

	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		return negative_errno();
	return 0;
}

/* The socket's next blocking call gives up at @deadline_ns (CLOCK_MONOTONIC). */
static int set_deadline(int fd, uint64_t deadline_ns)
{
	uint64_t now = now_ns();

	if (now >= deadline_ns)
		return -ETIMEDOUT;
	/* rounded up: a timeout of 0 would wait for ever */
	return set_timeouts(fd, (deadline_ns - now + 999) / 1000);
}

/*
 * A signal interrupts a call with a timeout even under SA_RESTART, and a
 * VMM takes many: each call is retried until the deadline.
 */
static int connect_until(int fd, const char *path, uint64_t deadline_ns)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int r;

	strcpy(sa.sun_path, path);
	do {
		r = set_deadline(fd, deadline_ns);
		if (r < 0)
			return r;
		r = RET_NERRNO(connect(fd, (const struct sockaddr *)&sa, sizeof(sa)));
	} while (r == -EINTR);
	/* iopfd's backlog stayed full: it is not accepting */
	return r == -EAGAIN ? -ETIMEDOUT : r;
}

/* The registration: the VM's name as payload, the iopf fd as SCM_RIGHTS. */
static int send_until(int fd, int iopf_fd, const char *name, uint64_t deadline_ns)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control = {};
	struct iovec iov = { .iov_base = (void *)name, .iov_len = strlen(name) };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = &control,
		.msg_controllen = sizeof(control),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	int r;

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &iopf_fd, sizeof(int));
	do {
		r = set_deadline(fd, deadline_ns);
		if (r < 0)
			return r;
		r = RET_NERRNO(sendmsg(fd, &msg, MSG_NOSIGNAL));
	} while (r == -EINTR);
	if (r == -EAGAIN)
		return -ETIMEDOUT;
	return r < 0 ? r : 0;
}

static int receive_until(int fd, uint64_t deadline_ns, struct register_reply *ret)
{
	char buf[REGISTER_REPLY_MAX];
	bool reset = false;
	ssize_t n;
	int r;

	for (;;) {
		r = set_deadline(fd, deadline_ns);
		if (r < 0)
			return r;
		/* MSG_TRUNC: the length of the whole message, to refuse a longer one */
		n = recv(fd, buf, sizeof(buf), MSG_TRUNC);
		if (n >= 0)
			break;
		r = negative_errno();
		/*
		 * iopfd closed with our message unread (it refuses a connection
		 * over its limit as it accepts it): the kernel reports the reset
		 * first, then hands over what iopfd sent before it closed.
		 */
		if (r == -ECONNRESET && !reset)
			reset = true;
		else if (r == -EAGAIN)
			return -ETIMEDOUT;
		else if (r != -EINTR)
			return r;
	}
	if (n == 0)
		return -ECONNRESET;	/* hung up without a word */
	if ((size_t)n > sizeof(buf))
		return -EBADMSG;
	return register_reply_parse(buf, (size_t)n, ret);
}

int iopf_register(const char *socket_path, int iopf_fd, const char *name, unsigned timeout_ms,
		  struct iopf_vm **ret_vm, struct iopf_refusal *reterr_refusal)
{
	_cleanup_close_ int fd = -EBADF;
	struct register_reply reply;
	struct iopf_vm *vm;
	uint64_t deadline;
	int r;

	if (iopf_fd < 0 || !ret_vm)
		return -EINVAL;
	if (!socket_path)
		socket_path = REGISTER_SOCKET_PATH;
	if (strlen(socket_path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return -ENAMETOOLONG;
	/* iopfd names the VM when the name is empty */
	if (!name)
		name = "";
	else if (!register_name_is_valid(name))
		return -EINVAL;
	deadline = now_ns() + (uint64_t)(timeout_ms ?: REGISTER_TIMEOUT_MS_DEFAULT) * 1000000u;

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return negative_errno();
	r = connect_until(fd, socket_path, deadline);
	if (r < 0)
		return r;
	r = send_until(fd, iopf_fd, name, deadline);
	/* Hung up on us: it may have answered first (see receive_until()). */
	if (r < 0 && r != -EPIPE && r != -ECONNRESET)
		return r;
	r = receive_until(fd, deadline, &reply);
	if (r < 0)
		return r;
	if (!reply.ok) {
		if (reterr_refusal) {
			reterr_refusal->error = reply.error;
			memcpy(reterr_refusal->reason, reply.reason, sizeof(reply.reason));
		}
		return -EREMOTEIO;
	}
	/* The connection is the VM's lifetime: no timeout left to surprise a reader. */
	r = set_timeouts(fd, 0);
	if (r < 0)
		return r;

	vm = malloc(sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	vm->conn_fd = TAKE_FD(fd);
	vm->id = reply.id;
	strcpy(vm->name, reply.name);
	*ret_vm = vm;
	return 0;
}

uint64_t iopf_vm_id(const struct iopf_vm *vm)
{
	return vm->id;
}

const char *iopf_vm_name(const struct iopf_vm *vm)
{
	return vm->name;
}

int iopf_vm_fd(const struct iopf_vm *vm)
{
	return vm->conn_fd;
}

struct iopf_vm *iopf_unregister(struct iopf_vm *vm)
{
	if (vm) {
		safe_close(vm->conn_fd);
		free(vm);
	}
	return NULL;
}
