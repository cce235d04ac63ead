/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Description: the configuration files.  Every kind of error names the file,
 * line and column and what was expected; no file means the built-in
 * defaults; rules override the daemon's file setting by setting, the command
 * line overrides the daemon's file, and each value knows where it came from.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check-helpers.h"
#include "conf.h"

static int parse(struct conf *c, const char *file, const char *text, bool is_policy, char *error)
{
	return conf_parse(c, file, text, strlen(text), is_policy, error);
}

/* Expects @text to be refused with an error that starts with @expected. */
static void expect_error(const char *text, bool is_policy, const char *expected)
{
	_cleanup_(conf_freep) struct conf *c = NULL;
	char error[CONF_ERROR_MAX];

	ck_assert_int_eq(conf_new_default(&c), 0);
	ck_assert_int_eq(parse(c, "f.json", text, is_policy, error), -EINVAL);
	ck_assert_msg(strncmp(error, expected, strlen(expected)) == 0, "got '%s', expected '%s'", error,
		      expected);
}

START_TEST(errors_name_the_position)
{
	/* syntax */
	expect_error("{\n  \"policy\": \"exact\",\n}", false, "f.json:3:1: ");
	expect_error("{\"batch\": 1", false, "f.json:1:");
	expect_error("{\"batch\": 1} x", false, "f.json:1:14: unexpected");
	expect_error("", false, "f.json:1:1: ");
	/* unknown key, at the key */
	expect_error("{\n  \"polcy\": \"exact\"\n}", false,
		     "f.json:2:3: unknown key \"polcy\"; expected \"policy\"");
	/* wrong types and values, at the value */
	expect_error("{\"batch\": \"12\"}", false, "f.json:1:11: \"batch\": expected an integer");
	expect_error("{\"batch\": 0}", false, "f.json:1:11: \"batch\": expected an integer from 1 to");
	expect_error("{\"batch\": 1.5}", false, "f.json:1:11: \"batch\": expected an integer");
	expect_error("{\"batch\": 99999999999999999999}", false, "f.json:1:11: \"batch\"");
	expect_error("{\"policy\": \"wide\"}", false, "f.json:1:12: \"policy\": expected \"exact\"");
	expect_error("{\"budget\": \"1X\"}", false, "f.json:1:12: \"budget\": expected a size");
	expect_error("{\"budget\": 4097}", false, "f.json:1:12: \"budget\": expected a multiple of 4K");
	expect_error("{\"map_ahead\": 1}", false, "f.json:1:15: \"map_ahead\": expected true or false");
	expect_error("{\"idle_reclaim\": \"1h\"}", false, "f.json:1:18: \"idle_reclaim\": expected an integer");
	expect_error("{\"idle_reclaim\": 604801}", false,
		     "f.json:1:18: \"idle_reclaim\": expected an integer from 0 to 604800");
	expect_error("{\"vm\":\"a\",\"device\":\"x\",\"idle_reclaim\":60}", true,
		     "f.json:1:24: \"idle_reclaim\" applies to a whole VM");
	expect_error("{\"device_rate\": \"fast\"}", false, "f.json:1:17: \"device_rate\": expected a size");
	expect_error("{\"device_rate\": \"2P\"}", false, "f.json:1:17: \"device_rate\": expected a size");
	expect_error("{\"device_rate\": -1}", false,
		     "f.json:1:17: \"device_rate\": expected bytes from 0 to 1125899906842624");
	expect_error("{\"vm\":\"a\",\"device\":\"x\",\"device_rate\":\"1G\"}", true,
		     "f.json:1:24: \"device_rate\" applies to a whole VM");
	expect_error("{\"control_group\": \"Bad Group\"}", false, "f.json:1:19: \"control_group\"");
	expect_error("[]", false, "f.json:1:1: expected an object of settings");
	/* a key given twice, at the second one */
	expect_error("{\"batch\": 1,\n \"batch\": 2}", false, "f.json:2:2: duplicate key \"batch\"");
	expect_error("{\"vm\": \"a\", \"policy\": {\"x\": 1}, \"policy\": \"exact\"}", true,
		     "f.json:1:33: duplicate key \"policy\"");
	/* policies.d rules */
	expect_error("{\"policy\": \"exact\"}", true, "f.json:1:1: a rule needs \"vm\"");
	expect_error("[{\"vm\": \"a\"},\n 7]", true, "f.json:2:2: expected a rule");
	expect_error("{\"vm\": \"\"}", true, "f.json:1:8: \"vm\": expected a VM name");
	expect_error("{\"vm\": \"a\", \"control_group\": \"x\"}", true,
		     "f.json:1:13: unknown key \"control_group\"");
	/* rules by device and range */
	expect_error("{\"vm\":\"a\",\"device\":\"x\",\"budget\":\"1G\"}", true,
		     "f.json:1:24: \"budget\" applies to a whole VM");
	expect_error("{\"vm\":\"a\",\"iova\":\"0x1000\"}", true, "f.json:1:1: a rule with \"iova\" needs \"size\"");
	expect_error("{\"vm\":\"a\",\"iova\":\"0x1001\",\"size\":4096}", true,
		     "f.json:1:18: \"iova\": expected a multiple of 4K");
	expect_error("{\"vm\":\"a\",\"iova\":\"zz\",\"size\":4096}", true, "f.json:1:18: \"iova\": expected an address");
	/* an integer past 2^64 - 1 is refused, not clamped (iova_past_2_63_as_a_number) */
	expect_error("{\"vm\":\"a\",\"iova\":18446744073709551616,\"size\":4096}", true,
		     "f.json:1:18: \"iova\": expected an integer from 0 to 18446744073709551614");
	expect_error("{\"vm\":\"a\",\"fault\":\"no\"}", true, "f.json:1:19: \"fault\": expected true or false");
	expect_error("{\"vm\":\"a\",\"iova\":\"0xfffffffffffff000\",\"size\":\"8K\"}", true,
		     "f.json:1:46: \"size\": the range ends past the last address");
	/* a lone surrogate: whatever json-c makes of it, the position is the key's */
	expect_error("{\"batch\": 1,\n \"\\ud95e\": 3}", false, "f.json:2:2: unknown key");
	/* escapes count as their text, not as what they decode to */
	expect_error("{\"\\u00e9t\\u00e9\": 1, \"x\": 2}", false, "f.json:1:2: unknown key \"\xc3\xa9t\xc3\xa9\"");
}
END_TEST

START_TEST(no_file_means_defaults)
{
	_cleanup_(conf_freep) struct conf *c = NULL;
	struct conf_settings s;
	char error[CONF_ERROR_MAX];

	ck_assert_int_eq(conf_load("/nonexistent/iopfd", &c, error), 0);
	conf_vm_settings(c, "vm1", &s);
	ck_assert_int_eq(s.resolver.policy.kind, IOPF_POLICY_AUTO);
	ck_assert_uint_eq(s.resolver.batch_max, VFIO_IOPF_RESOLVE_MAX);
	ck_assert_uint_eq(s.resolver.budget_pages, 0);
	ck_assert(!s.resolver.no_map_ahead);
	for (int i = 0; i < _CONF_SETTING_MAX; i++)
		ck_assert_ptr_null(s.origin[i].file);
	ck_assert_str_eq(c->control_group, "");
}
END_TEST

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(rules_command_line_and_origins)
{
	char dir[] = "/tmp/test-conf-XXXXXX", path[256], error[CONF_ERROR_MAX], text[64];
	_cleanup_(conf_freep) struct conf *c = NULL;
	struct resolver_config cli = { 0 };
	struct conf_settings s;
	json_object *json;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/iopfd.json", dir);
	write_file(path, "{\n  \"policy\": \"fixed:512\",\n  \"batch\": 32,\n  \"control_group\": \"kvm\"\n}\n");
	snprintf(path, sizeof(path), "%s/policies.d", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	/* read in name order: 20- after 10-, and the last rule to set a value wins */
	snprintf(path, sizeof(path), "%s/policies.d/20-db.json", dir);
	write_file(path, "[\n  {\"vm\": \"db-*\", \"policy\": \"exact\", \"idle_reclaim\": 300}\n]\n");
	snprintf(path, sizeof(path), "%s/policies.d/10-all.json", dir);
	write_file(path, "{\"vm\": \"*\", \"policy\": \"fixed:16\", \"budget\": \"1G\", \"device_rate\": \"12G\"}");
	snprintf(path, sizeof(path), "%s/policies.d/README", dir);
	write_file(path, "not a policy: ignored, it does not end in .json");

	ck_assert_int_eq(conf_load(dir, &c, error), 0);
	ck_assert_str_eq(c->control_group, "kvm");
	/* the command line overrides iopfd.json, not the rules */
	cli.batch_max = 8;
	conf_override(c, CONF_BATCH, &cli, CONF_ORIGIN_COMMAND_LINE);

	conf_vm_settings(c, "db-1", &s);
	ck_assert_int_eq(s.resolver.policy.kind, IOPF_POLICY_EXACT);
	ck_assert_str_eq(s.origin[CONF_POLICY].file + strlen(dir), "/policies.d/20-db.json");
	ck_assert_uint_eq(s.origin[CONF_POLICY].line, 2);
	ck_assert_uint_eq(s.origin[CONF_POLICY].column, 28);
	ck_assert_uint_eq(s.resolver.budget_pages, (1u << 30) / 4096);
	ck_assert_uint_eq(s.resolver.idle_reclaim_s, 300);
	ck_assert_uint_eq(s.origin[CONF_IDLE_RECLAIM].column, 53);
	ck_assert_uint_eq(s.resolver.batch_max, 8);
	ck_assert_str_eq(s.origin[CONF_BATCH].file, "command line");

	conf_vm_settings(c, "web", &s);
	ck_assert_int_eq(s.resolver.policy.kind, IOPF_POLICY_FIXED);
	ck_assert_uint_eq(s.resolver.policy.fixed_pages, 16);
	ck_assert_ptr_null(s.origin[CONF_MAP_AHEAD].file);
	ck_assert_uint_eq(s.resolver.idle_reclaim_s, 0);
	ck_assert_uint_eq(s.resolver.device_rate, UINT64_C(12) << 30);

	json = conf_settings_to_json(&s);
	ck_assert_ptr_nonnull(json);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(
				 json_object_object_get(json, "policy"), "value")), "fixed:16");
	snprintf(text, sizeof(text), "%s", json_object_get_string(json_object_object_get(
				 json_object_object_get(json, "map_ahead"), "origin")));
	ck_assert_str_eq(text, "default");
	ck_assert_str_eq(json_object_get_string(json_object_object_get(
				 json_object_object_get(json, "batch"), "origin")), "command line");
	ck_assert_uint_eq(json_object_get_uint64(json_object_object_get(
				  json_object_object_get(json, "device_rate"), "value")), UINT64_C(12) << 30);
	json_object_put(json);

	/* a broken rule file: the whole load fails and names it */
	c = conf_free(c);
	snprintf(path, sizeof(path), "%s/policies.d/30-bad.json", dir);
	write_file(path, "{\"vm\": \"x\",\n \"budget\": true}");
	ck_assert_int_eq(conf_load(dir, &c, error), -EINVAL);
	ck_assert_ptr_null(c);
	ck_assert_ptr_nonnull(strstr(error, "/policies.d/30-bad.json:2:12: \"budget\": expected a size"));

	/* a file iopfd may not read: the error says which and why */
	write_file(path, "{\"vm\": \"x\"}");
	ck_assert_int_eq(chmod(path, 0), 0);
	if (geteuid() != 0) {
		ck_assert_int_eq(conf_load(dir, &c, error), -EACCES);
		ck_assert_ptr_nonnull(strstr(error, "30-bad.json: Permission denied"));
	}
	unlink(path);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(path), 0);
}
END_TEST

START_TEST(oversized_file_is_refused)
{
	char dir[] = "/tmp/test-conf-XXXXXX", path[256], error[CONF_ERROR_MAX];
	_cleanup_(conf_freep) struct conf *c = NULL;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/iopfd.json", dir);
	f = fopen(path, "we");
	ck_assert_ptr_nonnull(f);
	for (unsigned i = 0; i <= CONF_FILE_SIZE_MAX; i++)
		fputc(' ', f);
	fclose(f);
	ck_assert_int_eq(conf_load(dir, &c, error), -EFBIG);
	ck_assert_ptr_nonnull(strstr(error, "iopfd.json: larger than"));
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(fault_rules_in_file_order)
{
	_cleanup_(conf_freep) struct conf *c = NULL;
	const struct iopf_policy *policy;
	struct iopf_policy fallback;
	struct fault_rules rules;
	struct iopf_window whole;
	struct conf_settings s;
	char error[CONF_ERROR_MAX];
	uint64_t mask;

	ck_assert_int_eq(conf_new_default(&c), 0);
	ck_assert_int_eq(parse(c, "r.json", "[{\"vm\": \"db\", \"policy\": \"fixed:64\"},\n"
			       " {\"vm\": \"db\", \"device\": \"0000:03:*\", \"policy\": \"exact\"},\n"
			       " {\"vm\": \"d*\", \"iova\": \"0x100000000\", \"size\": \"1G\", \"fault\": false},\n"
			       " {\"vm\": \"web\", \"fault\": false}]", true, error), 0);
	/* the per-fault rules do not change the VM's own settings */
	conf_vm_settings(c, "db", &s);
	ck_assert_uint_eq(s.resolver.policy.fixed_pages, 64);
	conf_vm_fault_rules(c, "db", &rules);
	ck_assert_uint_eq(rules.n, 2);

	mask = fault_rules_device_mask(&rules, "0000:03:00.0");
	ck_assert_uint_eq(mask, 3);
	iopf_policy_default(IOPF_POLICY_FIXED, &fallback);
	policy = &fallback;
	fault_rules_apply(&rules, mask, 0x1000, &policy, &whole);
	ck_assert_int_eq(policy->kind, IOPF_POLICY_EXACT);
	ck_assert_uint_eq(whole.size, 0);
	fault_rules_apply(&rules, mask, 0x100000000 + 4096, &policy, &whole);
	ck_assert_uint_eq(whole.iova, 0x100000000);
	ck_assert_uint_eq(whole.size, 1u << 30);
	/* another device: only the range rule */
	mask = fault_rules_device_mask(&rules, "0000:04:00.0");
	ck_assert_uint_eq(mask, 2);
	policy = &fallback;
	fault_rules_apply(&rules, mask, 0x1000, &policy, &whole);
	ck_assert_ptr_eq(policy, &fallback);

	conf_vm_fault_rules(c, "web", &rules);
	ck_assert_uint_eq(rules.n, 1);
	fault_rules_apply(&rules, fault_rules_device_mask(&rules, ""), 0x5000, &policy, &whole);
	ck_assert_uint_eq(whole.size, UINT64_MAX);
}
END_TEST

/* Rules of @n copies of @rule, as a policies.d file. */
static char *rules_text(const char *rule, unsigned n)
{
	size_t len = strlen(rule) + 2;
	char *text = malloc(n * len + 3), *p = text;

	ck_assert_ptr_nonnull(text);
	*p++ = '[';
	for (unsigned i = 0; i < n; i++)
		p += sprintf(p, "%s%s", i ? "," : "", rule);
	strcpy(p, "]");
	return text;
}

/* iopfd.json(5): 64 rules by device or range per VM, 4096 rules in all. */
START_TEST(rule_counts_are_bounded)
{
	_cleanup_free_ char *fault_ok = rules_text("{\"vm\":\"a\",\"device\":\"d\"}", FAULT_RULES_MAX);
	_cleanup_free_ char *fault_over = rules_text("{\"vm\":\"a\",\"device\":\"d\"}", FAULT_RULES_MAX + 1);
	_cleanup_free_ char *all_ok = rules_text("{\"vm\":\"a\",\"batch\":8}", CONF_RULES_MAX);
	_cleanup_free_ char *all_over = rules_text("{\"vm\":\"a\",\"batch\":8}", CONF_RULES_MAX + 1);
	_cleanup_(conf_freep) struct conf *c = NULL;
	struct fault_rules rules;
	char error[CONF_ERROR_MAX];

	ck_assert_int_eq(conf_new_default(&c), 0);
	ck_assert_int_eq(parse(c, "f.json", fault_ok, true, error), 0);
	conf_vm_fault_rules(c, "a", &rules);
	ck_assert_uint_eq(rules.n, FAULT_RULES_MAX);
	/* the 65th, in the same file or the next one */
	expect_error(fault_over, true, "f.json:1:");
	ck_assert_int_eq(parse(c, "g.json", "[{\"vm\":\"b\",\"iova\":\"0x1000\",\"size\":4096}]",
			       true, error), -EINVAL);
	ck_assert_msg(strstr(error, "g.json:1:2: more than 64 rules with"), "got '%s'", error);

	c = conf_free(c);
	ck_assert_int_eq(conf_new_default(&c), 0);
	ck_assert_int_eq(parse(c, "f.json", all_ok, true, error), 0);
	ck_assert_int_eq(parse(c, "g.json", "[{\"vm\":\"b\"}]", true, error), -EINVAL);
	ck_assert_msg(strstr(error, "g.json:1:2: more than 4096 rules in all"), "got '%s'", error);
	expect_error(all_over, true, "f.json:1:");
}
END_TEST

/* An integer IOVA past 2^63 is the address it says (once, json-c's int64 clamped it and refused it). */
START_TEST(iova_past_2_63_as_a_number)
{
	_cleanup_(conf_freep) struct conf *c = NULL;
	struct fault_rules rules;
	char error[CONF_ERROR_MAX];

	ck_assert_int_eq(conf_new_default(&c), 0);
	ck_assert_int_eq(parse(c, "f.json", "{\"vm\":\"a\",\"iova\":9223372036854779904,\"size\":\"8K\"}",
			       true, error), 0);
	conf_vm_fault_rules(c, "a", &rules);
	ck_assert_uint_eq(rules.n, 1);
	ck_assert_uint_eq(rules.rules[0].iova, UINT64_C(0x8000000000001000));
	ck_assert_uint_eq(rules.rules[0].end, UINT64_C(0x8000000000003000));
}
END_TEST

TEST_MAIN("conf", iova_past_2_63_as_a_number, fault_rules_in_file_order, errors_name_the_position, no_file_means_defaults, rules_command_line_and_origins,
	  oversized_file_is_refused, rule_counts_are_bounded)
