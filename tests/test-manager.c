/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Description: iopfd(8) LIMITS, "VMs and devices": the manager lists at most
 * MANAGER_VMS_MAX VMs, and iopfctl's longest answers (every VM listed, the
 * statistics of every VM) still fit in a control reply; a resolver tracks
 * at most RESOLVER_DEVICES_MAX devices and decides for the others without
 * history.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check-helpers.h"
#include "control.h"
#include "control-protocol.h"
#include "json-util.h"
#include "manager.h"
#include "sim.h"

/* A simulator for @ndevices devices whose resolvers replace each other. */
static struct sim *sim_for(uint32_t ndevices)
{
	struct sim_config c;
	struct sim *sim;

	sim_config_default(&c);
	c.manual = true;
	c.memory_bytes = 64 << 20;
	c.ring_entries = 64;
	c.ndevices = ndevices;
	ck_assert_int_eq(sim_new(&c, &sim), 0);
	return sim;
}

static size_t answer_length(struct control *c, const char *request)
{
	struct ucred cred = { .pid = 1, .uid = 0, .gid = 0 };
	_cleanup_(json_object_putp) json_object *reply =
		control_answer(c, &cred, false, request, strlen(request));
	const char *text;

	ck_assert_ptr_nonnull(reply);
	ck_assert_msg(json_object_get_boolean(json_object_object_get(reply, "ok")), "%s: %s", request,
		      json_object_to_json_string(reply));
	text = json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN);
	ck_assert_ptr_nonnull(text);
	return strlen(text);
}

START_TEST(vms_listed_are_bounded)
{
	static struct resolver *resolvers[MANAGER_VMS_MAX];
	static struct manager_vm *vms[MANAGER_VMS_MAX];
	struct resolver_config rc = { .batch_max = 64, .timeout_ms = 1000 };
	_cleanup_(manager_freep) struct manager *m = NULL;
	struct conf_settings none = { 0 };
	struct control *c = NULL;
	char error[CONF_ERROR_MAX], name[MANAGER_VM_NAME_MAX + 1];
	struct iopf_backend backend;
	struct resolver *extra;
	struct sim *sim = sim_for(1);
	size_t len;

	ck_assert_int_eq(manager_new("/nonexistent/iopfd", &none, "test", &m, error), 0);
	ck_assert_int_eq(control_new(m, -EBADF, &c), 0);
	iopf_backend_sim(sim, &backend);
	for (unsigned i = 0; i < MANAGER_VMS_MAX; i++) {
		/* the longest names, so that the answers are as long as they get */
		snprintf(name, sizeof(name), "%0*u", MANAGER_VM_NAME_MAX, i);
		ck_assert_int_eq(resolver_new(&backend, &rc, true, &resolvers[i]), 0);
		ck_assert_int_eq(manager_vm_add(m, name, i + 1, 1, resolvers[i], &vms[i]), 0);
	}
	ck_assert_int_eq(resolver_new(&backend, &rc, true, &extra), 0);
	ck_assert_int_eq(manager_vm_add(m, "one-too-many", 0, 1, extra, NULL), -EMFILE);
	ck_assert_uint_eq(m->nvms, MANAGER_VMS_MAX);

	len = answer_length(c, "{\"version\":1,\"command\":\"vms\"}");
	ck_assert_uint_le(len, CONTROL_REPLY_MAX);
	len = answer_length(c, "{\"version\":1,\"command\":\"stats\"}");
	ck_assert_uint_le(len, CONTROL_REPLY_MAX);

	/* a slot freed is a slot a VM can use */
	manager_vm_remove(m, vms[0]);
	ck_assert_int_eq(manager_vm_add(m, "one-too-many", 0, 1, extra, NULL), 0);

	control_free(c);
	m = manager_free(m);
	for (unsigned i = 0; i < MANAGER_VMS_MAX; i++)
		resolver_free(resolvers[i]);
	resolver_free(extra);
	sim_free(sim);
}
END_TEST

TEST_MAIN("manager", vms_listed_are_bounded)
