/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "json-util.h"
#include "register-protocol.h"

/* Above every errno Linux has: a number past it is not one. */
#define ERRNO_MAX 4095

int register_request_check(const char *payload, size_t len, size_t nfds, int msg_flags, uint64_t id,
			   char ret_name[REGISTER_NAME_MAX + 1], const char **ret_reason)
{
	char name[REGISTER_NAME_MAX + 1];

	if (msg_flags & MSG_TRUNC || len > REGISTER_NAME_MAX) {
		*ret_reason = "the VM name is longer than " STRINGIFY(REGISTER_NAME_MAX) " bytes";
		return -EMSGSIZE;
	}
	if (msg_flags & MSG_CTRUNC || nfds != 1) {
		*ret_reason = "send exactly one iopf fd (SCM_RIGHTS)";
		return -EBADMSG;
	}
	if (memchr(payload, '\0', len)) {
		*ret_reason = "the VM name contains a NUL byte";
		return -EINVAL;
	}
	memcpy(name, payload, len);
	name[len] = '\0';
	if (len == 0)
		snprintf(name, sizeof(name), "vm%" PRIu64, id);
	if (!register_name_is_valid(name)) {
		*ret_reason = "invalid VM name: use letters, digits, '.', '_' and '-'";
		return -EINVAL;
	}
	memcpy(ret_name, name, sizeof(name));
	return 0;
}

bool register_name_is_valid(const char *name)
{
	size_t len = strnlen(name, REGISTER_NAME_MAX + 1);

	if (len == 0 || len > REGISTER_NAME_MAX)
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("._-", *p)))
			return false;
	return true;
}

json_object *register_reply_ok_new(uint64_t id, const char *name)
{
	_cleanup_(json_object_putp) json_object *obj = json_object_new_object();

	if (!obj ||
	    json_object_object_add(obj, "ok", json_object_new_boolean(1)) < 0 ||
	    json_object_object_add(obj, "id", json_object_new_uint64(id)) < 0 ||
	    json_object_object_add(obj, "vm", json_object_new_string(name)) < 0)
		return NULL;
	return TAKE_PTR(obj);
}

json_object *register_reply_refusal_new(int error, const char *reason)
{
	_cleanup_(json_object_putp) json_object *obj = json_object_new_object();

	if (!obj ||
	    json_object_object_add(obj, "ok", json_object_new_boolean(0)) < 0 ||
	    json_object_object_add(obj, "errno", json_object_new_int(-error)) < 0 ||
	    json_object_object_add(obj, "error", json_object_new_string(reason)) < 0)
		return NULL;
	return TAKE_PTR(obj);
}

/* The member @key of @obj if it has @type, else NULL. */
static json_object *member(json_object *obj, const char *key, json_type type)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

/* Keys it does not know are left alone, so that iopfd can add some. */
int register_reply_parse(const char *text, size_t len, struct register_reply *ret)
{
	_cleanup_(json_object_putp) json_object *obj = NULL;
	struct register_reply reply = {};
	json_tokener *tok;
	json_object *ok, *v;
	size_t end;

	if (len > REGISTER_REPLY_MAX)
		return -EBADMSG;
	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	obj = json_tokener_parse_ex(tok, text, (int)len);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	/* one object, all of the message */
	if (!json_object_is_type(obj, json_type_object) || end != len)
		return -EBADMSG;

	ok = member(obj, "ok", json_type_boolean);
	if (!ok)
		return -EBADMSG;
	reply.ok = json_object_get_boolean(ok);
	if (reply.ok) {
		const char *name;

		v = member(obj, "id", json_type_int);
		/* 0 is also what json-c makes of a negative number */
		if (!v || json_object_get_uint64(v) == 0)
			return -EBADMSG;
		reply.id = json_object_get_uint64(v);
		v = member(obj, "vm", json_type_string);
		name = v ? json_object_get_string(v) : NULL;
		if (!name || (size_t)json_object_get_string_len(v) != strlen(name) ||
		    !register_name_is_valid(name))
			return -EBADMSG;
		strcpy(reply.name, name);
	} else {
		int64_t error;

		v = member(obj, "errno", json_type_int);
		error = v ? json_object_get_int64(v) : 0;
		if (error <= 0 || error > ERRNO_MAX)
			return -EBADMSG;
		reply.error = -(int)error;
		v = member(obj, "error", json_type_string);
		if (!v)
			return -EBADMSG;
		snprintf(reply.reason, sizeof(reply.reason), "%s", json_object_get_string(v));
	}
	*ret = reply;
	return 0;
}
