/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/kcmp.h>

/* Whether two fds of this process name the same open file (kcmp; false if it is refused). */
static inline bool same_file(int a, int b)
{
	pid_t pid = getpid();

	return syscall(SYS_kcmp, pid, pid, KCMP_FILE, a, b) == 0;
}
