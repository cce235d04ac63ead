/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <sys/timerfd.h>

#include "macro.h"
#include "time-util.h"

int timerfd_periodic(uint64_t delay_ns, uint64_t period_ns)
{
	struct itimerspec its = {
		.it_value = { .tv_sec = (time_t)(delay_ns / 1000000000u),
			      .tv_nsec = (long)(delay_ns % 1000000000u) },
		.it_interval = { .tv_sec = (time_t)(period_ns / 1000000000u),
				 .tv_nsec = (long)(period_ns % 1000000000u) },
	};
	_cleanup_close_ int fd = RET_NERRNO(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC));

	if (fd < 0)
		return fd;
	if (timerfd_settime(fd, 0, &its, NULL) < 0)
		return negative_errno();
	return TAKE_FD(fd);
}
