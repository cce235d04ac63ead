/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the iopf guest tests.  Each test is one static program that
 * checks one behaviour and exits 0 (pass), 1 (fail) or 77 (skip).
 */
#ifndef IOPF_TEST_H
#define IOPF_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <linux/vfio.h>
#include <linux/vfio_iopf.h>

#define T_PASS	0
#define T_FAIL	1
#define T_SKIP	77

static inline void __attribute__((noreturn, format(printf, 2, 3)))
t_exit(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

#define t_fail(...)	t_exit(T_FAIL, "FAIL: " __VA_ARGS__)
#define t_skip(...)	t_exit(T_SKIP, "SKIP: " __VA_ARGS__)

/* fail unless cond holds; errno is printed to help */
#define t_check(cond) do {						\
	if (!(cond))							\
		t_fail("%s:%d: %s (errno %d %s)", __FILE__, __LINE__,	\
		       #cond, errno, strerror(errno));			\
} while (0)

/* expect a call to fail with -1 and errno == e */
#define t_check_err(call, e) do {					\
	errno = 0;							\
	long __r = (long)(call);					\
	if (__r != -1 || errno != (e))					\
		t_fail("%s:%d: %s returned %ld errno %d (%s), want -1 %s", \
		       __FILE__, __LINE__, #call, __r, errno,		\
		       strerror(errno), #e);				\
} while (0)

/* CLOCK_MONOTONIC in microseconds; the raw syscall, as a tiny kernel may have no vDSO */
static inline double t_now_us(void)
{
	struct timespec ts;

	syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Sleep until CLOCK_MONOTONIC reaches @t microseconds. */
static inline void t_sleep_until_us(double t)
{
	struct timespec ts = {
		.tv_sec = (time_t)(t / 1e6),
		.tv_nsec = (long)((t - (double)(time_t)(t / 1e6) * 1e6) * 1e3),
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL))
		;
}

/* Whether the kernel preempts a task in kernel mode (CONFIG_PREEMPT, PREEMPT_RT). */
static inline int t_kernel_preemptible(void)
{
	struct utsname u;

	if (uname(&u))
		t_fail("uname: %s", strerror(errno));
	return strstr(u.version, " PREEMPT ") || strstr(u.version, " PREEMPT_RT ");
}

/* Read the first line of @path into @buf, without its newline; -1 on error. */
static inline int t_read_line(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/* Write @val to @path (a sysfs attribute) in one write. */
static inline void t_write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	t_check(fd >= 0);
	t_check(write(fd, val, strlen(val)) == (ssize_t)strlen(val));
	close(fd);
}

static inline int t_open_container(void)
{
	int fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		t_skip("no /dev/vfio/vfio: %s", strerror(errno));
	return fd;
}

#endif
