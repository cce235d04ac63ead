/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
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

/*
 * Structured messages, for the events an admin filters and alerts on: a
 * MESSAGE_ID (iopf-messages.h) says which kind of event it is, and fields
 * say what it concerns (VM=, DEVICE=, IOVA=), so that "journalctl
 * MESSAGE_ID=... VM=guest-1" finds it whatever the text.  Only the journal
 * gets them: on stderr a message is its text, which names what a reader
 * needs.
 */
enum log_field_type {
	LOG_FIELD_STRING,
	LOG_FIELD_UNSIGNED,
	LOG_FIELD_SIGNED,
	LOG_FIELD_HEX,       /* an address: 0x... */
};

struct log_field {
	const char *name;    /* as journal fields are: upper case, digits, '_' */
	enum log_field_type type;
	union {
		const char *string;
		uint64_t u;
		int64_t i;
	};
};

#define LOG_FIELD_STR(n, v) { .name = (n), .type = LOG_FIELD_STRING, .string = (v) }
#define LOG_FIELD_U64(n, v) { .name = (n), .type = LOG_FIELD_UNSIGNED, .u = (v) }
#define LOG_FIELD_I64(n, v) { .name = (n), .type = LOG_FIELD_SIGNED, .i = (v) }
#define LOG_FIELD_HEX(n, v) { .name = (n), .type = LOG_FIELD_HEX, .u = (v) }
/* The fields of one message or context; a field with no name ends them. */
#define LOG_FIELDS(...) ((const struct log_field[]) { __VA_ARGS__, { .name = NULL } })
/* The most fields one journal entry gets from a message and its contexts. */
#define LOG_FIELDS_MAX 16

/*
 * Fields every message logged in the pushing scope carries, as systemd's
 * LOG_CONTEXT_PUSH(): the VM whose ring is being served, for the messages
 * of code that does not know which VM it serves.  A field the message sets
 * itself, or an inner context, wins.  A declaration: put it with the others.
 */
struct log_context {
	const struct log_field *fields;
	struct log_context *prev;
};

struct log_context *log_context_push(struct log_context *c);
void log_context_popp(struct log_context **c);

#define LOG_CONCATENATE_(a, b) a##b
#define LOG_CONCATENATE(a, b) LOG_CONCATENATE_(a, b)
#define LOG_CONTEXT_PUSH_AS(var, ...)							\
	_cleanup_(log_context_popp) _unused_ struct log_context *var =			\
		log_context_push(&(struct log_context) { .fields = LOG_FIELDS(__VA_ARGS__) })
#define LOG_CONTEXT_PUSH(...) \
	LOG_CONTEXT_PUSH_AS(LOG_CONCATENATE(_log_context_, __COUNTER__), __VA_ARGS__)

/* @message_id and @fields may be NULL: a plain message. */
int log_internal(int level, int error, const char *file, int line, const char *func,
		 const char *message_id, const struct log_field *fields,
		 const char *format, ...) _printf_(8, 9);

#define log_full_errno(level, error, ...) \
	log_internal((level), (error), __FILE__, __LINE__, __func__, NULL, NULL, __VA_ARGS__)

#define log_debug(...) log_full_errno(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...) log_full_errno(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...) log_full_errno(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) log_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...) log_full_errno(LOG_ERR, 0, __VA_ARGS__)

/* @fields: LOG_FIELDS(LOG_FIELD_STR("VM", name), ...), or NULL. */
#define log_struct_errno(level, error, message_id, fields, ...)			\
	log_internal((level), (error), __FILE__, __LINE__, __func__, (message_id), (fields),	\
		     __VA_ARGS__)
#define log_struct(level, message_id, fields, ...) \
	log_struct_errno((level), 0, (message_id), (fields), __VA_ARGS__)

/*
 * For what another process can make happen as often as it likes (a client
 * connecting, a VMM's ring): at most RATELIMIT_BURST messages per
 * RATELIMIT_INTERVAL_NS from each call site; the next one let through says
 * how many were dropped.  Returns the negative errno, logged or not.
 */
int log_ratelimited(struct ratelimit *rl, int level, int error, const char *file, int line,
		    const char *func, const char *message_id, const struct log_field *fields,
		    const char *format, ...) _printf_(9, 10);

#define log_ratelimit_struct_errno(level, error, message_id, fields, ...) ({		\
		static struct ratelimit _rl = {						\
			.interval_ns = RATELIMIT_INTERVAL_NS, .burst = RATELIMIT_BURST,	\
		};									\
		log_ratelimited(&_rl, (level), (error), __FILE__, __LINE__, __func__,	\
				(message_id), (fields), __VA_ARGS__);			\
	})
#define log_ratelimit_full_errno(level, error, ...) \
	log_ratelimit_struct_errno((level), (error), NULL, NULL, __VA_ARGS__)
#define log_ratelimit_warning(...) log_ratelimit_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_ratelimit_info(...) log_ratelimit_full_errno(LOG_INFO, 0, __VA_ARGS__)
#define log_ratelimit_warning_errno(e, ...) log_ratelimit_full_errno(LOG_WARNING, (e), __VA_ARGS__)

#define log_debug_errno(e, ...) log_full_errno(LOG_DEBUG, (e), __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, (e), __VA_ARGS__)
#define log_error_errno(e, ...) log_full_errno(LOG_ERR, (e), __VA_ARGS__)
