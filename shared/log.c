/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include "log.h"
#include "time-util.h"

static int max_level = LOG_INFO;
static bool to_journal;

void log_set_max_level(int level)
{
	max_level = level;
}

/* systemd sets JOURNAL_STREAM to the device:inode of stderr's journal stream. */
void log_open(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long dev, ino;
	struct stat st;

	to_journal = e && sscanf(e, "%lu:%lu", &dev, &ino) == 2 &&
		     fstat(STDERR_FILENO, &st) == 0 &&
		     (unsigned long)st.st_dev == dev && (unsigned long)st.st_ino == ino;
}

static int log_internalv(int level, int error, const char *file, int line, const char *func,
			 const char *format, va_list ap)
{
	char buf[1024];
	int saved = errno;

	if (error < 0)
		error = -error;
	if (level > max_level)
		return -error;

	errno = error;
	vsnprintf(buf, sizeof(buf), format, ap);

	if (to_journal) {
		char errno_field[32] = "";

		if (error)
			snprintf(errno_field, sizeof(errno_field), "ERRNO=%d", error);
		sd_journal_send("MESSAGE=%s", buf, "PRIORITY=%d", level, "CODE_FILE=%s", file,
				"CODE_LINE=%d", line, "CODE_FUNC=%s", func,
				error ? errno_field : NULL, NULL);
	} else {
		if (level <= LOG_WARNING)
			fprintf(stderr, "%s: %s\n", program_invocation_short_name, buf);
		else
			fprintf(stderr, "%s\n", buf);
	}

	errno = saved;
	return -error;
}

int log_internal(int level, int error, const char *file, int line, const char *func,
		 const char *format, ...)
{
	va_list ap;
	int r;

	va_start(ap, format);
	r = log_internalv(level, error, file, line, func, format, ap);
	va_end(ap);
	return r;
}

int log_ratelimited(struct ratelimit *rl, int level, int error, const char *file, int line,
		    const char *func, const char *format, ...)
{
	unsigned suppressed;
	va_list ap;
	int r;

	if (!ratelimit_below(rl, now_ns(), &suppressed))
		return error < 0 ? error : -error;
	if (suppressed)
		log_internal(LOG_NOTICE, 0, file, line, func,
			     "%u messages like the next were dropped (rate limit)", suppressed);
	va_start(ap, format);
	r = log_internalv(level, error, file, line, func, format, ap);
	va_end(ap);
	return r;
}
