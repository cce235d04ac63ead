/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Description: the registration protocol both sides share: which VM names
 * iopfd takes, its answers read back as written, and anything else read as
 * a malformed answer rather than trusted.
 */
#include <string.h>

#include "check-helpers.h"
#include "json-util.h"
#include "register-protocol.h"

START_TEST(names)
{
	char longest[REGISTER_NAME_MAX + 2];

	ck_assert(register_name_is_valid("guest-1"));
	ck_assert(register_name_is_valid("vm.prod_2"));
	ck_assert(!register_name_is_valid(""));
	ck_assert(!register_name_is_valid("a b"));
	ck_assert(!register_name_is_valid("a:b"));     /* the LISTEN_FDNAMES separator */
	ck_assert(!register_name_is_valid("a/b"));
	ck_assert(!register_name_is_valid("caf\xc3\xa9"));
	memset(longest, 'a', sizeof(longest));
	longest[REGISTER_NAME_MAX] = '\0';
	ck_assert(register_name_is_valid(longest));
	longest[REGISTER_NAME_MAX] = 'a';
	longest[REGISTER_NAME_MAX + 1] = '\0';
	ck_assert(!register_name_is_valid(longest));
}
END_TEST

/* Parses the text iopfd would send for @obj, which it frees. */
static int round_trip(json_object *obj, struct register_reply *ret)
{
	const char *text;
	int r;

	ck_assert_ptr_nonnull(obj);
	text = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN);
	ck_assert_uint_le(strlen(text), REGISTER_REPLY_MAX);
	r = register_reply_parse(text, strlen(text), ret);
	json_object_put(obj);
	return r;
}

START_TEST(answers_read_back)
{
	char reason[REGISTER_REASON_MAX + 20];
	struct register_reply reply;

	ck_assert_int_eq(round_trip(register_reply_ok_new(UINT64_MAX, "guest-1"), &reply), 0);
	ck_assert(reply.ok);
	ck_assert_uint_eq(reply.id, UINT64_MAX);
	ck_assert_str_eq(reply.name, "guest-1");

	ck_assert_int_eq(round_trip(register_reply_refusal_new(-EBUSY, "taken \"already\" / \x01"),
				    &reply), 0);
	ck_assert(!reply.ok);
	ck_assert_int_eq(reply.error, -EBUSY);
	ck_assert_str_eq(reply.reason, "taken \"already\" / \x01");

	/* The longest reason, all escapes, still fits an answer and comes back whole. */
	memset(reason, '\x1f', REGISTER_REASON_MAX - 1);
	reason[REGISTER_REASON_MAX - 1] = '\0';
	ck_assert_int_eq(round_trip(register_reply_refusal_new(-EINVAL, reason), &reply), 0);
	ck_assert_str_eq(reply.reason, reason);
	/* A longer one is cut to fit. */
	memset(reason, 'x', sizeof(reason) - 1);
	reason[sizeof(reason) - 1] = '\0';
	ck_assert_int_eq(round_trip(register_reply_refusal_new(-EINVAL, reason), &reply), 0);
	ck_assert_uint_eq(strlen(reply.reason), REGISTER_REASON_MAX - 1);
}
END_TEST

/* Fields iopfd may add one day do not stop an older client. */
START_TEST(unknown_keys_are_ignored)
{
	const char text[] = "{\"ok\":true,\"id\":7,\"vm\":\"a\",\"policy\":{\"window\":16}}";
	struct register_reply reply;

	ck_assert_int_eq(register_reply_parse(text, strlen(text), &reply), 0);
	ck_assert_uint_eq(reply.id, 7);
	ck_assert_str_eq(reply.name, "a");
}
END_TEST

START_TEST(malformed_answers)
{
	static const char *const bad[] = {
		"",
		"not json",
		"[]",
		"{}",
		"{\"ok\":1,\"id\":1,\"vm\":\"a\"}",               /* ok is not a boolean */
		"{\"ok\":true,\"vm\":\"a\"}",                     /* no id */
		"{\"ok\":true,\"id\":0,\"vm\":\"a\"}",            /* ids start at 1 */
		"{\"ok\":true,\"id\":-1,\"vm\":\"a\"}",
		"{\"ok\":true,\"id\":\"1\",\"vm\":\"a\"}",
		"{\"ok\":true,\"id\":1}",                         /* no name */
		"{\"ok\":true,\"id\":1,\"vm\":\"a b\"}",          /* not a name iopfd gives */
		"{\"ok\":true,\"id\":1,\"vm\":\"a\\u0000b\"}",
		"{\"ok\":true,\"id\":1,\"vm\":\"\"}",
		"{\"ok\":false,\"error\":\"no\"}",                /* no errno */
		"{\"ok\":false,\"errno\":0,\"error\":\"no\"}",
		"{\"ok\":false,\"errno\":-5,\"error\":\"no\"}",
		"{\"ok\":false,\"errno\":4096,\"error\":\"no\"}",
		"{\"ok\":false,\"errno\":5}",                     /* no reason */
		"{\"ok\":false,\"errno\":5,\"error\":5}",
		"{\"ok\":true,\"id\":1,\"vm\":\"a\"}x",           /* more than one object */
		"{\"ok\":true,\"id\":1,\"vm\":\"a\"",             /* cut short */
	};
	struct register_reply reply = { .id = 42 };
	char huge[REGISTER_REPLY_MAX + 2];

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		ck_assert_msg(register_reply_parse(bad[i], strlen(bad[i]), &reply) == -EBADMSG,
			      "accepted: %s", bad[i]);
	/* nothing is written on failure */
	ck_assert_uint_eq(reply.id, 42);

	memset(huge, ' ', sizeof(huge));
	memcpy(huge, "{\"ok\":false,\"errno\":5,\"error\":\"", 32);
	memcpy(huge + sizeof(huge) - 2, "\"}", 2);
	ck_assert_int_eq(register_reply_parse(huge, sizeof(huge), &reply), -EBADMSG);
}
END_TEST

TEST_MAIN("register-protocol", names, answers_read_back, unknown_keys_are_ignored, malformed_answers)
