/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A stand-in for the kernel's iopf fd in tests linked with -Wl,--wrap=ioctl:
 * the iopf ioctls on any fd that refers to the simulator's ring memfd (a dup,
 * or a copy passed over a socket) are answered by that simulator; every
 * other ioctl goes to the kernel.
 */

#include <stdbool.h>

#include "sim.h"

/* Makes @sim the fake kernel and returns its "iopf fd". */
int fake_kernel_install(struct sim *sim);
/* ioctls iopfd made on fds that are not the fake iopf fd, so far. */
unsigned fake_kernel_foreign_ioctls(void);
/* Whether a resolver is attached (SET_RESOLVER with an eventfd) right now. */
bool fake_kernel_attached(void);
