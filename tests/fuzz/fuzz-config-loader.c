/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The configuration loader on arbitrary text, as a person (or a broken
 * editor) might leave a file.  The first byte says whether it is
 * iopfd.json or a policies.d rule file; the rest is the file.  It either
 * loads, and then every value is one iopfd can serve with, or it is refused
 * with an error that names the file and a position inside the text.
 */
#include <errno.h>
#include <string.h>

#include "conf.h"
#include "fuzz.h"

static unsigned lines_of(const char *text, size_t len)
{
	unsigned n = 1;

	for (size_t i = 0; i < len; i++)
		n += text[i] == '\n';
	return n;
}

static void check_settings(const struct conf_settings *s, unsigned lines)
{
	char text[64];
	struct iopf_policy again;

	FUZZ_CHECK(s->resolver.batch_max >= 1 && s->resolver.batch_max <= VFIO_IOPF_RESOLVE_MAX);
	FUZZ_CHECK(iopf_policy_format(&s->resolver.policy, text, sizeof(text)) >= 0);
	FUZZ_CHECK(iopf_policy_parse(text, &again) == 0);
	for (int i = 0; i < _CONF_SETTING_MAX; i++)
		FUZZ_CHECK(!s->origin[i].file || s->origin[i].line <= lines);
}

FUZZ_TARGET("config-loader")
{
	_cleanup_(conf_freep) struct conf *c = NULL;
	char error[CONF_ERROR_MAX], *text;
	struct conf_settings s;
	struct fault_rules rules;
	json_object *json;
	bool is_policy;
	unsigned lines, line, column;
	int r;

	fuzz_init();
	if (size == 0)
		return 0;
	is_policy = data[0] & 1;
	/* the loader reads files NUL-terminated, as conf_load() does */
	text = malloc(size);
	FUZZ_CHECK(text);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	lines = lines_of(text, size - 1);
	FUZZ_CHECK(conf_new_default(&c) == 0);

	r = conf_parse(c, "fuzz.json", text, size - 1, is_policy, error);
	if (r < 0) {
		FUZZ_CHECK(r == -EINVAL || r == -ENOMEM);
		if (r == -EINVAL) {
			FUZZ_CHECK(sscanf(error, "fuzz.json:%u:%u: ", &line, &column) == 2);
			FUZZ_CHECK(line >= 1 && line <= lines && column >= 1);
			FUZZ_CHECK(strlen(error) > strlen("fuzz.json:1:1: "));
		}
		free(text);
		return 0;
	}
	check_settings(&c->defaults, lines);
	FUZZ_CHECK(c->nrules <= CONF_RULES_MAX && c->nfault_rules <= FAULT_RULES_MAX);
	for (size_t i = 0; i < c->nrules; i++) {
		const struct conf_rule *rule = &c->rules[i];

		FUZZ_CHECK(rule->vm && *rule->vm);
		FUZZ_CHECK(rule->origin.line >= 1 && rule->origin.line <= lines);
		FUZZ_CHECK(rule->fault.iova % IOPF_PAGE_SIZE == 0 && rule->fault.end % IOPF_PAGE_SIZE == 0);
		FUZZ_CHECK(!rule->fault.end || rule->fault.end > rule->fault.iova);
		/* each VM a rule can match is served with sane settings */
		conf_vm_settings(c, rule->vm, &s);
		check_settings(&s, lines);
		conf_vm_fault_rules(c, rule->vm, &rules);
		FUZZ_CHECK(rules.n <= FAULT_RULES_MAX);
		json = conf_vm_fault_rules_to_json(c, rule->vm);
		FUZZ_CHECK(json);
		json_object_put(json);
	}
	json = conf_settings_to_json(&c->defaults);
	FUZZ_CHECK(json);
	json_object_put(json);
	free(text);
	return 0;
}
