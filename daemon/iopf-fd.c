/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "iopf-fd.h"

#define IOPF_FD_LINK "anon_inode:[vfio-iopf]"

bool iopf_fd_is_iopf(int fd)
{
	char path[64], link[sizeof(IOPF_FD_LINK) + 1];
	struct statfs sfs;
	ssize_t n;

	if (fstatfs(fd, &sfs) < 0 || sfs.f_type != ANON_INODE_FS_MAGIC)
		return false;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link));
	return n == (ssize_t)strlen(IOPF_FD_LINK) && !memcmp(link, IOPF_FD_LINK, (size_t)n);
}
