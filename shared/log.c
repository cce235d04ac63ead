/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>

#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include "log.h"
#include "time-util.h"

#define LOG_MESSAGE_MAX 1024
#define LOG_FIELD_TEXT_MAX 256
/* MESSAGE=, PRIORITY=, MESSAGE_ID=, ERRNO=, CODE_FILE=, CODE_LINE=, CODE_FUNC= */
#define LOG_FIXED_FIELDS 7

static int max_level = LOG_INFO;
static bool to_journal;
/* Innermost first; each thread's scopes push their own. */
static _Thread_local struct log_context *contexts;

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

struct log_context *log_context_push(struct log_context *c)
{
	c->prev = contexts;
	contexts = c;
	return c;
}

void log_context_popp(struct log_context **c)
{
	contexts = (*c)->prev;
}

/* One entry's fields; MESSAGE= points at the caller's text, the others are here. */
struct journal_entry {
	struct iovec iov[LOG_FIXED_FIELDS + LOG_FIELDS_MAX];
	char text[LOG_FIXED_FIELDS + LOG_FIELDS_MAX][LOG_FIELD_TEXT_MAX];
	size_t n;
};

/* Adds FIELD=value, cut at LOG_FIELD_TEXT_MAX. */
static _printf_(2, 3) void entry_add(struct journal_entry *e, const char *format, ...)
{
	char *text = e->text[e->n];
	va_list ap;
	int len;

	va_start(ap, format);
	len = vsnprintf(text, LOG_FIELD_TEXT_MAX, format, ap);
	va_end(ap);
	e->iov[e->n++] = (struct iovec) {
		.iov_base = text,
		.iov_len = MIN((size_t)MAX(len, 0), (size_t)LOG_FIELD_TEXT_MAX - 1),
	};
}

static void entry_add_field(struct journal_entry *e, const struct log_field *f)
{
	switch (f->type) {
	case LOG_FIELD_STRING:
		entry_add(e, "%s=%s", f->name, f->string);
		break;
	case LOG_FIELD_UNSIGNED:
		entry_add(e, "%s=%" PRIu64, f->name, f->u);
		break;
	case LOG_FIELD_SIGNED:
		entry_add(e, "%s=%" PRId64, f->name, f->i);
		break;
	case LOG_FIELD_HEX:
		entry_add(e, "%s=0x%" PRIx64, f->name, f->u);
		break;
	}
}

static bool field_named(const struct log_field *const *fields, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (streq(fields[i]->name, name))
			return true;
	return false;
}

/*
 * The message's own fields, then those of its contexts from the innermost
 * out, each name once: the first one wins.  Returns how many.
 */
static size_t collect_fields(const struct log_field *fields,
			     const struct log_field *ret[static LOG_FIELDS_MAX])
{
	size_t n = 0;

	for (const struct log_field *f = fields; f && f->name && n < LOG_FIELDS_MAX; f++)
		if (!field_named(ret, n, f->name))
			ret[n++] = f;
	for (const struct log_context *c = contexts; c; c = c->prev)
		for (const struct log_field *f = c->fields; f->name && n < LOG_FIELDS_MAX; f++)
			if (!field_named(ret, n, f->name))
				ret[n++] = f;
	return n;
}

/* @message: "MESSAGE=text". */
static void journal_send(int level, int error, const char *file, int line, const char *func,
			 const char *message_id, const struct log_field *fields,
			 const char *message)
{
	const struct log_field *custom[LOG_FIELDS_MAX];
	struct journal_entry e = { .n = 1 };
	size_t ncustom;

	e.iov[0] = (struct iovec) { .iov_base = (char *)message, .iov_len = strlen(message) };
	entry_add(&e, "PRIORITY=%d", level);
	if (message_id)
		entry_add(&e, "MESSAGE_ID=%s", message_id);
	if (error)
		entry_add(&e, "ERRNO=%d", error);
	entry_add(&e, "CODE_FILE=%s", file);
	entry_add(&e, "CODE_LINE=%d", line);
	entry_add(&e, "CODE_FUNC=%s", func);
	ncustom = collect_fields(fields, custom);
	for (size_t i = 0; i < ncustom; i++)
		entry_add_field(&e, custom[i]);
	sd_journal_sendv(e.iov, (int)e.n);
}

static int log_internalv(int level, int error, const char *file, int line, const char *func,
			 const char *message_id, const struct log_field *fields,
			 const char *format, va_list ap)
{
	static const char prefix[] = "MESSAGE=";
	char buf[sizeof(prefix) - 1 + LOG_MESSAGE_MAX];
	char *message = buf + sizeof(prefix) - 1;
	int saved = errno;

	if (error < 0)
		error = -error;
	if (level > max_level)
		return -error;

	memcpy(buf, prefix, sizeof(prefix) - 1);
	errno = error;
	vsnprintf(message, LOG_MESSAGE_MAX, format, ap);

	if (to_journal)
		journal_send(level, error, file, line, func, message_id, fields, buf);
	else if (level <= LOG_WARNING)
		fprintf(stderr, "%s: %s\n", program_invocation_short_name, message);
	else
		fprintf(stderr, "%s\n", message);

	errno = saved;
	return -error;
}

int log_internal(int level, int error, const char *file, int line, const char *func,
		 const char *message_id, const struct log_field *fields, const char *format, ...)
{
	va_list ap;
	int r;

	va_start(ap, format);
	r = log_internalv(level, error, file, line, func, message_id, fields, format, ap);
	va_end(ap);
	return r;
}

int log_ratelimited(struct ratelimit *rl, int level, int error, const char *file, int line,
		    const char *func, const char *message_id, const struct log_field *fields,
		    const char *format, ...)
{
	unsigned suppressed;
	va_list ap;
	int r;

	if (!ratelimit_below(rl, now_ns(), &suppressed))
		return error < 0 ? error : -error;
	if (suppressed)
		log_internal(LOG_NOTICE, 0, file, line, func, NULL, NULL,
			     "%u messages like the next were dropped (rate limit)", suppressed);
	va_start(ap, format);
	r = log_internalv(level, error, file, line, func, message_id, fields, format, ap);
	va_end(ap);
	return r;
}
