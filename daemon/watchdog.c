/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <sys/timerfd.h>
#include <systemd/sd-daemon.h>

#include "log.h"
#include "watchdog.h"

static int on_watchdog(struct loop *l, struct loop_source *src)
{
	(void)l;
	(void)src;
	sd_notify(false, "WATCHDOG=1");
	return 0;
}

int watchdog_start(struct loop *l, struct loop_source *src)
{
	struct itimerspec its = {};
	uint64_t usec, half;
	int fd, r;

	*src = (struct loop_source) { .fd = -EBADF };
	r = sd_watchdog_enabled(false, &usec);
	if (r < 0)
		log_warning_errno(r, "Ignoring a malformed WATCHDOG_USEC: %m");
	if (r <= 0)
		return 0;

	half = usec / 2;
	its.it_value.tv_sec = (time_t)(half / 1000000);
	its.it_value.tv_nsec = (long)(half % 1000000) * 1000;
	if (half == 0)
		its.it_value.tv_nsec = 1;
	its.it_interval = its.it_value;
	fd = RET_NERRNO(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC));
	if (fd < 0)
		return fd;
	*src = (struct loop_source) { .fd = fd, .size = sizeof(uint64_t), .handler = on_watchdog };
	r = RET_NERRNO(timerfd_settime(fd, 0, &its, NULL));
	if (r >= 0)
		r = loop_add(l, src);
	if (r < 0) {
		watchdog_stop(src);
		return r;
	}
	log_debug("Pinging the service manager's watchdog every %" PRIu64 " ms.", half / 1000);
	return 0;
}

void watchdog_stop(struct loop_source *src)
{
	src->fd = safe_close(src->fd);
}
