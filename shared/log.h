/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <syslog.h>

#include "macro.h"
#include "ratelimit.h"

/*
 * Logging: to the journal when stderr is connected to it (running under
 * systemd), else to stderr.  The *_errno() forms set errno for %m, attach
 * ERRNO= to the journal entry and return the negative errno they were given,
 * so "return log_error_errno(r, ...)" logs once and propagates.
 */
void log_set_max_level(int level);
void log_open(void);

int log_internal(int level, int error, const char *file, int line, const char *func,
		 const char *format, ...) _printf_(6, 7);

#define log_full_errno(level, error, ...) \
	log_internal((level), (error), __FILE__, __LINE__, __func__, __VA_ARGS__)

#define log_debug(...) log_full_errno(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...) log_full_errno(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...) log_full_errno(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) log_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...) log_full_errno(LOG_ERR, 0, __VA_ARGS__)

/*
 * For what another process can make happen as often as it likes (a client
 * connecting, a VMM's ring): at most RATELIMIT_BURST messages per
 * RATELIMIT_INTERVAL_NS from each call site; the next one let through says
 * how many were dropped.  Returns the negative errno, logged or not.
 */
int log_ratelimited(struct ratelimit *rl, int level, int error, const char *file, int line,
		    const char *func, const char *format, ...) _printf_(7, 8);

#define log_ratelimit_full_errno(level, error, ...) ({					\
		static struct ratelimit _rl = {						\
			.interval_ns = RATELIMIT_INTERVAL_NS, .burst = RATELIMIT_BURST,	\
		};									\
		log_ratelimited(&_rl, (level), (error), __FILE__, __LINE__, __func__,	\
				__VA_ARGS__);						\
	})
#define log_ratelimit_warning(...) log_ratelimit_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_ratelimit_warning_errno(e, ...) log_ratelimit_full_errno(LOG_WARNING, (e), __VA_ARGS__)

#define log_debug_errno(e, ...) log_full_errno(LOG_DEBUG, (e), __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, (e), __VA_ARGS__)
#define log_error_errno(e, ...) log_full_errno(LOG_ERR, (e), __VA_ARGS__)
