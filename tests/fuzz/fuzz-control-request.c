/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One control request as any local user can send it: the first byte says
 * whether the peer is privileged, the rest is the request's text.  Every
 * request gets exactly one answer, {"ok":true,...} or an error with an
 * errno and a text, and nothing a client sends changes what iopfd serves
 * with unless the client may change it.
 */
#include <errno.h>
#include <string.h>

#include "control.h"
#include "fuzz.h"
#include "json-util.h"
#include "manager.h"

FUZZ_TARGET("control-request")
{
	static struct manager *m;
	static struct control *c;
	struct ucred cred = { .pid = 1, .uid = 1000, .gid = 1000 };
	_cleanup_(json_object_putp) json_object *reply = NULL;
	struct conf_settings none = { 0 };
	struct resolver_config before;
	uint64_t reloads;
	json_object *ok, *error;
	bool privileged;
	char text_error[CONF_ERROR_MAX];

	fuzz_init();
	if (!m) {
		/* no configuration files: a reload reads the defaults again */
		FUZZ_CHECK(manager_new("/nonexistent/iopfd", &none, "fuzz", &m, text_error) == 0);
		FUZZ_CHECK(control_new(m, -EBADF, &c) == 0);
	}
	if (size == 0)
		return 0;
	privileged = data[0] & 1;
	before = m->conf->defaults.resolver;
	reloads = m->reloads;

	reply = control_answer(c, &cred, privileged, (const char *)data + 1, size - 1);
	FUZZ_CHECK(reply);
	ok = json_object_object_get(reply, "ok");
	FUZZ_CHECK(json_object_is_type(ok, json_type_boolean));
	if (!json_object_get_boolean(ok)) {
		error = json_object_object_get(reply, "error");
		FUZZ_CHECK(json_object_is_type(error, json_type_string));
		FUZZ_CHECK(json_object_get_int(json_object_object_get(reply, "errno")) > 0);
	}
	/* the answer is printable as the socket path prints it */
	FUZZ_CHECK(json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN));
	if (!privileged) {
		const struct resolver_config *now = &m->conf->defaults.resolver;

		FUZZ_CHECK(m->reloads == reloads);
		FUZZ_CHECK(now->policy.kind == before.policy.kind && now->batch_max == before.batch_max &&
			   now->budget_pages == before.budget_pages &&
			   now->no_map_ahead == before.no_map_ahead);
	}
	return 0;
}
