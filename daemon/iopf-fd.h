/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/*
 * Whether @fd is an iopf fd: an anonymous inode named "[vfio-iopf]".
 * Checked with fstatfs() and the fd's name before any ioctl on an fd
 * another process passed: an ioctl on, say, a FUSE file could block
 * iopfd's only thread.  (Its own file, so tests can wrap it.)
 */
bool iopf_fd_is_iopf(int fd);
