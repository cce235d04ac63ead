/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Starting /bin/iopfd (from the initramfs) for the tests that drive it end
 * to end: on one iopf fd, or as systemd runs it (iopfd.socket's listener,
 * a NOTIFY_SOCKET with an fd store), with the VMM's side of registration.
 */
#ifndef IOPFD_GUEST_H
#define IOPFD_GUEST_H

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include "iopf_mock.h"

#define IOPFD	"/bin/iopfd"

/*
 * Runs "iopfd --iopf-fd=3 --ready-fd=4 --timeout=10000 --policy=@policy"
 * plus up to two @extra options (NULL for none), stdout to @out_fd unless it
 * is < 0, and returns once it has attached.
 */
static inline pid_t t_iopfd_serve(int iopf_fd, int out_fd, const char *policy, const char *extra,
				  const char *extra2)
{
	char policy_arg[64];
	int ready[2];
	pid_t pid;
	char c;

	if (access(IOPFD, X_OK))
		t_fail("%s is not in the initramfs", IOPFD);
	snprintf(policy_arg, sizeof(policy_arg), "--policy=%s", policy);
	t_check(pipe(ready) == 0);
	pid = fork();
	t_check(pid >= 0);
	if (pid == 0) {
		/* iopfd takes the fds as 3 (iopf) and 4 (ready) */
		if (dup2(iopf_fd, 3) < 0 || dup2(ready[1], 4) < 0 ||
		    (out_fd >= 0 && dup2(out_fd, 1) < 0))
			_exit(127);
		execl(IOPFD, "iopfd", "--iopf-fd=3", "--ready-fd=4", "--timeout=10000", policy_arg,
		      extra, extra2, (char *)NULL);
		_exit(127);
	}
	close(ready[1]);
	t_check(read(ready[0], &c, 1) == 1);	/* attached */
	close(ready[0]);
	return pid;
}

/* SIGTERM, and iopfd exits 0. */
static inline void t_iopfd_stop(pid_t pid)
{
	int status;

	t_check(kill(pid, SIGTERM) == 0);
	t_check(waitpid(pid, &status, 0) == pid);
	t_check(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* An fd systemd passes (LISTEN_FDS), with its name (LISTEN_FDNAMES). */
struct t_sd_fd {
	int fd;
	const char *name;
};

/* What the child of t_iopfd_start() needs, all of it made before vfork(). */
struct t_iopfd_spawn {
	const struct t_sd_fd *fds;
	int n;
	int log_fd;
	char *const *argv;
	char *const *envp;	/* but LISTEN_PID, which only the child knows */
};

/*
 * The child of vfork(): it shares the parent's memory until execve(), so it
 * writes nothing but its own stack and fd table.
 */
static void __attribute__((noreturn, noinline)) t_iopfd_exec(const struct t_iopfd_spawn *a)
{
	char pid_var[32] = "LISTEN_PID=", digits[16], *env[72];
	int i, j, len = strlen(pid_var);
	pid_t pid = getpid();

	for (i = 0; pid > 0; pid /= 10)
		digits[i++] = '0' + pid % 10;
	while (i > 0)
		pid_var[len++] = digits[--i];
	pid_var[len] = '\0';
	/* dup() first: an fd may sit where another must go */
	for (i = 0; i < a->n; i++)
		if (fcntl(a->fds[i].fd, F_DUPFD, 100 + i) != 100 + i)
			_exit(127);
	for (i = 0; i < a->n; i++)
		if (dup2(100 + i, 3 + i) < 0 || close(100 + i))
			_exit(127);
	if (a->log_fd >= 0 && dup2(a->log_fd, 2) < 0)
		_exit(127);
	for (j = 0; a->envp[j]; j++)
		env[j] = a->envp[j];
	env[j++] = pid_var;
	env[j] = NULL;
	execve(IOPFD, a->argv, env);
	_exit(127);
}

/*
 * Starts iopfd as systemd would: @fds as LISTEN_FDS from 3 on, NOTIFY_SOCKET
 * @notify_path, the options @opts (NULL-terminated), stderr to @log_fd
 * unless it is < 0.  With vfork(), as systemd's iopfd is no fork of the
 * VMM: a fork() would write-protect the VMM's memory for copy-on-write,
 * which the MMU notifier takes for a change, and unmap from the IOMMU
 * everything mapped on demand.
 */
static inline pid_t t_iopfd_start(const struct t_sd_fd *fds, int n, const char *notify_path,
				  const char *const *opts, int log_fd)
{
	extern char **environ;
	char names[256] = "LISTEN_FDNAMES=", count[32], notify[128];
	char *argv[16] = { "iopfd" }, *envp[64];
	struct t_iopfd_spawn a = { fds, n, log_fd, argv, envp };
	int i, j = 0;
	pid_t pid;

	if (access(IOPFD, X_OK))
		t_fail("%s is not in the initramfs", IOPFD);
	for (i = 0; opts[i]; i++) {
		t_check(i + 2 < (int)(sizeof(argv) / sizeof(argv[0])));
		argv[i + 1] = (char *)opts[i];
	}
	for (i = 0; i < n; i++) {
		t_check(strlen(names) + strlen(fds[i].name) + 2 <= sizeof(names));
		strcat(names, i ? ":" : "");
		strcat(names, fds[i].name);
	}
	snprintf(count, sizeof(count), "LISTEN_FDS=%d", n);
	t_check(snprintf(notify, sizeof(notify), "NOTIFY_SOCKET=%s", notify_path) <
		(int)sizeof(notify));
	for (i = 0; environ[i]; i++) {
		if (!strncmp(environ[i], "LISTEN_", 7) || !strncmp(environ[i], "NOTIFY_SOCKET=", 14))
			continue;
		t_check(j < 60);
		envp[j++] = environ[i];
	}
	envp[j++] = count;
	envp[j++] = names;
	envp[j++] = notify;
	envp[j] = NULL;
	pid = vfork();
	if (pid == 0)
		t_iopfd_exec(&a);
	t_check(pid > 0);
	return pid;
}

/*
 * Receives one notification into @buf (NUL-terminated), its fds into @fds;
 * returns how many, or -1 if none came within @timeout_ms (-1: no limit).
 */
static inline int t_notify_recv(int notify, int timeout_ms, char *buf, size_t len, int *fds,
				int max_fds)
{
	char control[CMSG_SPACE(sizeof(int) * 4)];
	struct pollfd pfd = { .fd = notify, .events = POLLIN };
	struct iovec iov = { buf, len - 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control, .msg_controllen = sizeof(control),
	};
	struct cmsghdr *c;
	int nfds = 0, r;
	ssize_t n;

	do
		r = poll(&pfd, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	t_check(r >= 0);
	if (r == 0)
		return -1;
	n = recvmsg(notify, &msg, MSG_CMSG_CLOEXEC);
	t_check(n >= 0);
	buf[n] = '\0';
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		int k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

		t_check(c->cmsg_type == SCM_RIGHTS && nfds + k <= max_fds);
		memcpy(fds + nfds, CMSG_DATA(c), k * sizeof(int));
		nfds += k;
	}
	return nfds;
}

/* Reads notifications until one starts with @prefix; returns its fds. */
static inline int t_notify_wait(int notify, const char *prefix, char *buf, size_t len, int *fds,
				int max_fds)
{
	int nfds;

	do
		nfds = t_notify_recv(notify, -1, buf, len, fds, max_fds);
	while (strncmp(buf, prefix, strlen(prefix)));
	return nfds;
}

/* An AF_UNIX socket of @type bound to @path (@do_bind) or connected to it. */
static inline int t_unix_socket(int type, const char *path, int do_bind)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);

	t_check(fd >= 0);
	t_check(strlen(path) < sizeof(sa.sun_path));
	strcpy(sa.sun_path, path);
	if (do_bind)
		t_check(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	else
		t_check(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	return fd;
}

/* The VMM registers @iopf_fd as VM @name on the connection @conn; iopfd accepts it. */
static inline void t_iopfd_register(int conn, int iopf_fd, const char *name)
{
	char control[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { (void *)name, strlen(name) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control, .msg_controllen = sizeof(control),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	char reply[256], vm[96];
	ssize_t n;

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &iopf_fd, sizeof(int));
	t_check(sendmsg(conn, &msg, 0) == (ssize_t)strlen(name));
	n = recv(conn, reply, sizeof(reply) - 1, 0);
	t_check(n > 0);
	reply[n] = '\0';
	fprintf(stderr, "iopfd answered: %s\n", reply);
	snprintf(vm, sizeof(vm), "\"vm\":\"%s\"", name);
	t_check(strstr(reply, "\"ok\":true") && strstr(reply, vm));
}

#endif
