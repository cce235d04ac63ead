/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Description: what reaches the journal, caught at sd_journal_sendv()
 * (-Wl,--wrap): a structured message carries its MESSAGE_ID, ERRNO and
 * fields, and the fields of the contexts it is logged in, each name once;
 * rate limiting lets the same structured entries through; on stderr only
 * the text goes out.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "check-helpers.h"
#include "log.h"

#define TEST_MESSAGE_ID "0f4b4ecb31ab4e0d9c6a3a5d2b8e7f10"
#define ENTRIES_MAX 64
#define ENTRY_FIELDS_MAX 32
#define FIELD_MAX 1200

struct entry {
	size_t n;
	char field[ENTRY_FIELDS_MAX][FIELD_MAX];
};

/* What the code under test sent, in order. */
static struct entry entries[ENTRIES_MAX];
static size_t nentries;

int __wrap_sd_journal_sendv(const struct iovec *iov, int n);

int __wrap_sd_journal_sendv(const struct iovec *iov, int n)
{
	struct entry *e;

	ck_assert_uint_lt(nentries, ENTRIES_MAX);
	ck_assert_int_le(n, ENTRY_FIELDS_MAX);
	e = &entries[nentries++];
	e->n = (size_t)n;
	for (int i = 0; i < n; i++) {
		ck_assert_uint_lt(iov[i].iov_len, FIELD_MAX);
		memcpy(e->field[i], iov[i].iov_base, iov[i].iov_len);
		e->field[i][iov[i].iov_len] = '\0';
	}
	return 0;
}

/* Logging goes to the journal: stderr is "the journal stream" systemd named. */
static void journal_open(void)
{
	struct stat st;
	char stream[64];

	ck_assert_int_eq(fstat(STDERR_FILENO, &st), 0);
	snprintf(stream, sizeof(stream), "%lu:%lu", (unsigned long)st.st_dev,
		 (unsigned long)st.st_ino);
	setenv("JOURNAL_STREAM", stream, 1);
	log_open();
	nentries = 0;
}

/* The value of @name in @e, NULL if it has none; fails if it has several. */
static const char *field(const struct entry *e, const char *name)
{
	size_t len = strlen(name);
	const char *value = NULL;

	for (size_t i = 0; i < e->n; i++)
		if (strncmp(e->field[i], name, len) == 0 && e->field[i][len] == '=') {
			ck_assert_msg(!value, "%s= twice in one entry", name);
			value = e->field[i] + len + 1;
		}
	return value;
}

#define ck_assert_field(e, name, value) ck_assert_pstr_eq(field((e), (name)), (value))

START_TEST(structured_message_carries_its_id_and_fields)
{
	const struct entry *e;
	int r;

	journal_open();
	r = log_struct_errno(LOG_WARNING, -EBADMSG, TEST_MESSAGE_ID,
			     LOG_FIELDS(LOG_FIELD_STR("VM", "guest-1"), LOG_FIELD_U64("DEVICE", 3),
					LOG_FIELD_HEX("IOVA", 0x7f000), LOG_FIELD_I64("VMM_PID", -1)),
			     "fault %d: %m", 7);
	ck_assert_int_eq(r, -EBADMSG);
	ck_assert_uint_eq(nentries, 1);
	e = &entries[0];
	ck_assert_pstr_eq(e->field[0], "MESSAGE=fault 7: Bad message");
	ck_assert_field(e, "PRIORITY", "4");
	ck_assert_field(e, "MESSAGE_ID", TEST_MESSAGE_ID);
	ck_assert_field(e, "ERRNO", "74");
	ck_assert_ptr_nonnull(strstr(field(e, "CODE_FUNC"), "structured_message_carries"));
	ck_assert_field(e, "VM", "guest-1");
	ck_assert_field(e, "DEVICE", "3");
	ck_assert_field(e, "IOVA", "0x7f000");
	ck_assert_field(e, "VMM_PID", "-1");

	/* A plain message has no id and no fields but the fixed ones. */
	log_info("plain");
	ck_assert_uint_eq(nentries, 2);
	ck_assert_ptr_null(field(&entries[1], "MESSAGE_ID"));
	ck_assert_ptr_null(field(&entries[1], "ERRNO"));
	ck_assert_uint_eq(entries[1].n, 5);   /* MESSAGE, PRIORITY, CODE_FILE/LINE/FUNC */
}
END_TEST

static void log_from_a_helper(void)
{
	log_warning("inner");
}

START_TEST(context_fields_join_each_message_once)
{
	journal_open();
	{
		LOG_CONTEXT_PUSH(LOG_FIELD_STR("VM", "outer"), LOG_FIELD_U64("VM_ID", 9));

		/* Code that knows nothing of the VM still names it. */
		log_from_a_helper();
		ck_assert_field(&entries[0], "VM", "outer");
		ck_assert_field(&entries[0], "VM_ID", "9");
		{
			LOG_CONTEXT_PUSH(LOG_FIELD_STR("VM", "inner"), LOG_FIELD_U64("DEVICE", 2));

			/* The inner context wins, and the message's own field over both. */
			log_warning("nested");
			ck_assert_field(&entries[1], "VM", "inner");
			ck_assert_field(&entries[1], "VM_ID", "9");
			ck_assert_field(&entries[1], "DEVICE", "2");
			log_struct(LOG_INFO, TEST_MESSAGE_ID, LOG_FIELDS(LOG_FIELD_STR("VM", "own")), "own");
			ck_assert_field(&entries[2], "VM", "own");
			ck_assert_field(&entries[2], "DEVICE", "2");
		}
		log_warning("after the inner scope");
		ck_assert_field(&entries[3], "VM", "outer");
		ck_assert_ptr_null(field(&entries[3], "DEVICE"));
	}
	log_warning("after both");
	ck_assert_uint_eq(nentries, 5);
	ck_assert_ptr_null(field(&entries[4], "VM"));
}
END_TEST

START_TEST(rate_limit_keeps_the_structured_form)
{
	journal_open();
	for (unsigned i = 0; i < RATELIMIT_BURST + 10; i++)
		log_ratelimit_struct_errno(LOG_WARNING, -ENOSPC, TEST_MESSAGE_ID,
					   LOG_FIELDS(LOG_FIELD_U64("FAULTS", i)), "overflow %u", i);
	ck_assert_uint_eq(nentries, RATELIMIT_BURST);
	for (size_t i = 0; i < nentries; i++) {
		char faults[24];

		snprintf(faults, sizeof(faults), "%zu", i);
		ck_assert_field(&entries[i], "MESSAGE_ID", TEST_MESSAGE_ID);
		ck_assert_field(&entries[i], "ERRNO", "28");
		ck_assert_field(&entries[i], "FAULTS", faults);
	}
}
END_TEST

START_TEST(stderr_gets_the_text_alone)
{
	char buf[256] = "";
	int saved = dup(STDERR_FILENO), p[2];
	ssize_t n;

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(dup2(p[1], STDERR_FILENO), STDERR_FILENO);
	unsetenv("JOURNAL_STREAM");
	log_open();
	nentries = 0;
	log_struct_errno(LOG_WARNING, -EBADMSG, TEST_MESSAGE_ID,
			 LOG_FIELDS(LOG_FIELD_STR("VM", "guest-1")), "ring of %s corrupt", "guest-1");
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	ck_assert_int_gt(n, 0);
	ck_assert_str_eq(strchr(buf, ':'), ": ring of guest-1 corrupt\n");
	ck_assert_int_eq(strncmp(buf, program_invocation_short_name,
				 strlen(program_invocation_short_name)), 0);
	ck_assert_uint_eq(nentries, 0);
}
END_TEST

TEST_MAIN("journal", structured_message_carries_its_id_and_fields,
	  context_fields_join_each_message_once, rate_limit_keeps_the_structured_form,
	  stderr_gets_the_text_alone)
