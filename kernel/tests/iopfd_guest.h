/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Starting /bin/iopfd (from the initramfs) on one iopf fd, for the tests
 * that drive it end to end.
 */
#ifndef IOPFD_GUEST_H
#define IOPFD_GUEST_H

#include <signal.h>
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

#endif
