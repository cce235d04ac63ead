/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "json-pos.h"
#include "parse.h"
#include "policy.h"

static const char *const setting_names[_CONF_SETTING_MAX] = {
	[CONF_POLICY] = "policy",
	[CONF_BATCH] = "batch",
	[CONF_BUDGET] = "budget",
	[CONF_MAP_AHEAD] = "map_ahead",
	[CONF_IDLE_RECLAIM] = "idle_reclaim",
	[CONF_DEVICE_RATE] = "device_rate",
};

const char *conf_setting_name(enum conf_setting s)
{
	return s >= 0 && s < _CONF_SETTING_MAX ? setting_names[s] : NULL;
}

int conf_new_default(struct conf **ret)
{
	struct conf *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	iopf_policy_default(IOPF_POLICY_AUTO, &c->defaults.resolver.policy);
	c->defaults.resolver.batch_max = VFIO_IOPF_RESOLVE_MAX;
	c->defaults.resolver.timeout_ms = 1000;
	*ret = c;
	return 0;
}

struct conf *conf_free(struct conf *c)
{
	if (!c)
		return NULL;
	for (size_t i = 0; i < c->nrules; i++)
		free(c->rules[i].vm);
	free(c->rules);
	for (size_t i = 0; i < c->nfiles; i++)
		free(c->files[i]);
	free(c->files);
	free(c);
	return NULL;
}

struct parser {
	struct conf *conf;
	const char *file;   /* owned by conf->files */
	struct json_doc doc;
	char *error;
};

static _printf_(3, 4) int fail(struct parser *p, struct json_pos pos, const char *format, ...)
{
	va_list ap;
	int n;

	n = snprintf(p->error, CONF_ERROR_MAX, "%s:%u:%u: ", p->file, pos.line, pos.column);
	va_start(ap, format);
	vsnprintf(p->error + n, CONF_ERROR_MAX - (size_t)n, format, ap);
	va_end(ap);
	return -EINVAL;
}

static struct conf_origin origin_of(const struct parser *p, struct json_pos pos)
{
	return (struct conf_origin) { .file = p->file, .line = pos.line, .column = pos.column };
}

static int parse_u64_value(struct parser *p, json_object *obj, const char *key, json_object *v,
			   bool size, uint64_t max, uint64_t *ret)
{
	struct json_pos pos = json_doc_member_pos(&p->doc, obj, key);
	uint64_t u;
	int64_t n;

	if (size && json_object_is_type(v, json_type_string)) {
		const char *s = json_object_get_string(v);

		if (parse_size(s, ret) < 0 || *ret > max)
			return fail(p, pos, "\"%s\": expected a size such as \"4G\" (K, M, G, T), got \"%s\"",
				    key, s);
		return 0;
	}
	if (!json_object_is_type(v, json_type_int))
		return fail(p, pos, "\"%s\": expected %s", key,
			    size ? "a size, as a string such as \"4G\" or a number of bytes" :
				   "an integer");
	/*
	 * Past INT64_MAX only the unsigned read is right, and json-c clamps a
	 * number past 2^64 - 1 to it: that value is refused, no setting or
	 * page-aligned address being 2^64 - 1.
	 */
	n = json_object_get_int64(v);
	u = n < 0 ? 0 : json_object_get_uint64(v);
	if (n < 0 || u > max || u == UINT64_MAX)
		return fail(p, pos, "\"%s\": expected %s from 0 to %llu", key,
			    size ? "bytes" : "an integer", (unsigned long long)MIN(max, UINT64_MAX - 1));
	*ret = u;
	return 0;
}

/* One setting of a VM, from key @key of @obj; 0 if @key is not a setting, 1 if it was one. */
static int parse_setting(struct parser *p, json_object *obj, const char *key, json_object *v,
			 struct conf_settings *s)
{
	struct json_pos pos = json_doc_member_pos(&p->doc, obj, key);
	enum conf_setting which;
	uint64_t n;
	int r;

	for (which = 0; which < _CONF_SETTING_MAX; which++)
		if (streq(key, setting_names[which]))
			break;
	if (which == _CONF_SETTING_MAX)
		return 0;

	switch (which) {
	case CONF_POLICY:
		if (!json_object_is_type(v, json_type_string) ||
		    iopf_policy_parse(json_object_get_string(v), &s->resolver.policy) < 0)
			return fail(p, pos, "\"policy\": expected \"exact\", \"fixed[:PAGES]\", "
				    "\"adaptive[:MIN:MAX]\" or \"auto[:MIN:MAX]\"");
		break;
	case CONF_BATCH:
		r = parse_u64_value(p, obj, key, v, false, VFIO_IOPF_RESOLVE_MAX, &n);
		if (r < 0)
			return r;
		if (n == 0)
			return fail(p, pos, "\"batch\": expected an integer from 1 to %u",
				    VFIO_IOPF_RESOLVE_MAX);
		s->resolver.batch_max = (uint32_t)n;
		break;
	case CONF_BUDGET:
		r = parse_u64_value(p, obj, key, v, true, UINT64_C(1) << 60, &n);
		if (r < 0)
			return r;
		if (n % IOPF_PAGE_SIZE)
			return fail(p, pos, "\"budget\": expected a multiple of 4K (0 for no budget)");
		s->resolver.budget_pages = n >> IOPF_PAGE_SHIFT;
		break;
	case CONF_MAP_AHEAD:
		if (!json_object_is_type(v, json_type_boolean))
			return fail(p, pos, "\"map_ahead\": expected true or false");
		s->resolver.no_map_ahead = !json_object_get_boolean(v);
		break;
	case CONF_IDLE_RECLAIM:
		r = parse_u64_value(p, obj, key, v, false, CONF_IDLE_RECLAIM_MAX_S, &n);
		if (r < 0)
			return r;
		s->resolver.idle_reclaim_s = (uint32_t)n;
		break;
	case CONF_DEVICE_RATE:
		r = parse_u64_value(p, obj, key, v, true, CONF_DEVICE_RATE_MAX, &n);
		if (r < 0)
			return r;
		s->resolver.device_rate = n;
		break;
	default:
		return -EINVAL;
	}
	s->origin[which] = origin_of(p, pos);
	s->set |= 1u << which;
	return 1;
}

static int unknown_key(struct parser *p, json_object *obj, const char *key, const char *expected)
{
	return fail(p, json_doc_key_pos(&p->doc, obj, key), "unknown key \"%s\"; expected %s", key,
		    expected);
}

static bool group_name_is_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 32 || !(s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z')))
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

static int parse_daemon(struct parser *p, json_object *root)
{
	struct conf_settings s = p->conf->defaults;
	struct json_object_iter it;

	if (!json_object_is_type(root, json_type_object))
		return fail(p, p->doc.root_pos, "expected an object of settings");
	json_object_object_foreachC(root, it) {
		const char *key = it.key;
		json_object *v = it.val;
		int r = parse_setting(p, root, key, v, &s);

		if (r < 0)
			return r;
		if (r > 0)
			continue;
		if (streq(key, "control_group")) {
			struct json_pos pos = json_doc_member_pos(&p->doc, root, key);

			if (!json_object_is_type(v, json_type_string) ||
			    (*json_object_get_string(v) && !group_name_is_valid(json_object_get_string(v))))
				return fail(p, pos, "\"control_group\": expected a group name, or \"\" for none");
			snprintf(p->conf->control_group, sizeof(p->conf->control_group), "%s",
				 json_object_get_string(v));
			p->conf->control_group_origin = origin_of(p, pos);
			continue;
		}
		return unknown_key(p, root, key, "\"policy\", \"batch\", \"budget\", \"map_ahead\", "
				   "\"idle_reclaim\", \"device_rate\" or \"control_group\"");
	}
	p->conf->defaults = s;
	return 0;
}

/* An IOVA: a number, or a string in C notation ("0x100000000"); page aligned. */
static int parse_iova(struct parser *p, json_object *obj, const char *key, json_object *v,
		      uint64_t *ret)
{
	struct json_pos pos = json_doc_member_pos(&p->doc, obj, key);
	const char *s = json_object_get_string(v);
	char *end;

	if (json_object_is_type(v, json_type_int))
		return parse_u64_value(p, obj, key, v, false, UINT64_MAX, ret);
	if (!json_object_is_type(v, json_type_string))
		return fail(p, pos, "\"%s\": expected an address such as \"0x100000000\"", key);
	errno = 0;
	*ret = strtoull(s, &end, 0);
	if (!*s || *end || errno || *s == '-')
		return fail(p, pos, "\"%s\": expected an address such as \"0x100000000\", got \"%s\"",
			    key, s);
	return 0;
}

/* "device", "iova", "size" and "fault": what makes a rule look at each fault. */
static int parse_fault_key(struct parser *p, json_object *obj, const char *key, json_object *v,
			   struct conf_rule *rule)
{
	struct json_pos pos = json_doc_member_pos(&p->doc, obj, key);
	uint64_t size;
	int r;

	if (streq(key, "device")) {
		if (!json_object_is_type(v, json_type_string) || !json_object_get_string_len(v) ||
		    json_object_get_string_len(v) > FAULT_RULE_DEVICE_MAX)
			return fail(p, pos, "\"device\": expected a device name or glob such as "
				    "\"0000:03:00.*\"");
		snprintf(rule->fault.device, sizeof(rule->fault.device), "%s", json_object_get_string(v));
	} else if (streq(key, "iova")) {
		r = parse_iova(p, obj, key, v, &rule->fault.iova);
		if (r < 0)
			return r;
		if (rule->fault.iova % IOPF_PAGE_SIZE)
			return fail(p, pos, "\"iova\": expected a multiple of 4K");
	} else if (streq(key, "size")) {
		r = parse_u64_value(p, obj, key, v, true, UINT64_MAX, &size);
		if (r < 0)
			return r;
		if (size == 0 || size % IOPF_PAGE_SIZE)
			return fail(p, pos, "\"size\": expected a multiple of 4K, not 0");
		rule->fault.end = size;  /* the start is added once both are known */
	} else if (streq(key, "fault")) {
		if (!json_object_is_type(v, json_type_boolean))
			return fail(p, pos, "\"fault\": expected true or false");
		rule->fault.has_fault = true;
		rule->fault.fault = json_object_get_boolean(v);
	} else {
		return 0;
	}
	rule->per_fault = true;
	return 1;
}

/* A rule that looks at each fault sets nothing for the whole VM but its policy. */
static int check_fault_rule(struct parser *p, json_object *obj, struct json_pos pos,
			    struct conf_rule *rule)
{
	bool has_iova = json_object_object_get_ex(obj, "iova", NULL);
	bool has_size = json_object_object_get_ex(obj, "size", NULL);

	if (has_iova != has_size)
		return fail(p, pos, "a rule with \"iova\" needs \"size\" too, and the other way round");
	if (has_size) {
		if (rule->fault.end > UINT64_MAX - rule->fault.iova)
			return fail(p, json_doc_member_pos(&p->doc, obj, "size"),
				    "\"size\": the range ends past the last address");
		rule->fault.end += rule->fault.iova;
	}
	for (enum conf_setting s = 0; s < _CONF_SETTING_MAX; s++)
		if (s != CONF_POLICY && rule->settings.set & 1u << s)
			return fail(p, json_doc_key_pos(&p->doc, obj, setting_names[s]),
				    "\"%s\" applies to a whole VM: not in a rule with \"device\", "
				    "\"iova\" or \"fault\"", setting_names[s]);
	if (rule->settings.set & 1u << CONF_POLICY) {
		rule->fault.has_policy = true;
		rule->fault.policy = rule->settings.resolver.policy;
	}
	if (p->conf->nfault_rules >= FAULT_RULES_MAX)
		return fail(p, pos, "more than %u rules with \"device\", \"iova\" or \"fault\"",
			    FAULT_RULES_MAX);
	p->conf->nfault_rules++;
	return 0;
}

static int parse_rule(struct parser *p, json_object *obj, struct json_pos pos)
{
	struct conf_rule rule = { 0 };
	_cleanup_free_ char *vm = NULL;
	struct conf_rule *rules;
	struct json_object_iter it;

	if (!json_object_is_type(obj, json_type_object))
		return fail(p, pos, "expected a rule: an object with \"vm\" and the settings it sets");
	json_object_object_foreachC(obj, it) {
		const char *key = it.key;
		json_object *v = it.val;
		int r = parse_setting(p, obj, key, v, &rule.settings);

		if (r == 0)
			r = parse_fault_key(p, obj, key, v, &rule);
		if (r < 0)
			return r;
		if (r > 0)
			continue;
		if (!streq(key, "vm"))
			return unknown_key(p, obj, key,
					   "\"vm\", \"policy\", \"batch\", \"budget\", \"map_ahead\", \"idle_reclaim\", "
					   "\"device_rate\", \"device\", \"iova\", \"size\" or \"fault\"");
		if (!json_object_is_type(v, json_type_string) || !*json_object_get_string(v) ||
		    json_object_get_string_len(v) > 255)
			return fail(p, json_doc_member_pos(&p->doc, obj, key),
				    "\"vm\": expected a VM name or glob such as \"db-*\"");
		vm = strdup(json_object_get_string(v));
		if (!vm)
			return -ENOMEM;
	}
	if (!vm)
		return fail(p, pos, "a rule needs \"vm\": the VMs it applies to (\"*\" for all)");
	if (p->conf->nrules >= CONF_RULES_MAX)
		return fail(p, pos, "more than %u rules in all", CONF_RULES_MAX);
	if (rule.per_fault) {
		int r = check_fault_rule(p, obj, pos, &rule);

		if (r < 0)
			return r;
	}
	rules = reallocarray(p->conf->rules, p->conf->nrules + 1, sizeof(*rules));
	if (!rules)
		return -ENOMEM;
	p->conf->rules = rules;
	rule.vm = TAKE_PTR(vm);
	rule.origin = origin_of(p, pos);
	rules[p->conf->nrules++] = rule;
	return 0;
}

/* A policies.d file: one rule, or an array of rules. */
static int parse_policy(struct parser *p, json_object *root)
{
	if (!json_object_is_type(root, json_type_array))
		return parse_rule(p, root, p->doc.root_pos);
	for (size_t i = 0; i < json_object_array_length(root); i++) {
		int r = parse_rule(p, json_object_array_get_idx(root, i),
				   json_doc_element_pos(&p->doc, root, i));

		if (r < 0)
			return r;
	}
	return 0;
}

static int add_file_name(struct conf *c, const char *file, const char **ret)
{
	char **files = reallocarray(c->files, c->nfiles + 1, sizeof(*files));

	if (!files)
		return -ENOMEM;
	c->files = files;
	files[c->nfiles] = strdup(file);
	if (!files[c->nfiles])
		return -ENOMEM;
	*ret = files[c->nfiles++];
	return 0;
}

int conf_parse(struct conf *c, const char *file, const char *text, size_t len, bool is_policy,
	       char ret_error[CONF_ERROR_MAX])
{
	struct parser p = { .conf = c, .error = ret_error };
	char syntax[JSON_DOC_ERROR_MAX];
	struct json_pos pos;
	int r;

	r = add_file_name(c, file, &p.file);
	if (r < 0)
		return r;
	r = json_doc_parse(text, len, &p.doc, &pos, syntax);
	if (r == -EINVAL)
		return fail(&p, pos, "%s", syntax);
	if (r < 0)
		return r;
	r = is_policy ? parse_policy(&p, p.doc.root) : parse_daemon(&p, p.doc.root);
	json_doc_done(&p.doc);
	return r;
}

/* Reads @name in @dir_fd whole, NUL-terminated; at most CONF_FILE_SIZE_MAX. */
static int read_file(int dir_fd, const char *name, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;

	if (fd < 0)
		return -errno;
	buf = malloc(CONF_FILE_SIZE_MAX + 1);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n = read(fd, buf + len, CONF_FILE_SIZE_MAX + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > CONF_FILE_SIZE_MAX)
			return -EFBIG;
	}
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

static int load_file(struct conf *c, int dir_fd, const char *dir, const char *name, bool is_policy,
		     char ret_error[CONF_ERROR_MAX])
{
	_cleanup_free_ char *text = NULL, *path = NULL;
	size_t len = 0;
	int r;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return -ENOMEM;
	r = read_file(dir_fd, name, &text, &len);
	if (r == -ENOENT && !is_policy)
		return 0;
	if (r == -EFBIG)
		snprintf(ret_error, CONF_ERROR_MAX, "%s: larger than %u bytes", path, CONF_FILE_SIZE_MAX);
	else if (r < 0)
		snprintf(ret_error, CONF_ERROR_MAX, "%s: %s", path, strerror(-r));
	if (r < 0)
		return r;
	return conf_parse(c, path, text, len, is_policy, ret_error);
}

static int is_policy_file(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 5 && streq(d->d_name + n - 5, ".json");
}

int conf_load(const char *dir, struct conf **ret, char ret_error[CONF_ERROR_MAX])
{
	_cleanup_(conf_freep) struct conf *c = NULL;
	_cleanup_close_ int dir_fd = -EBADF, policies_fd = -EBADF;
	_cleanup_free_ char *policies = NULL;
	struct dirent **names = NULL;
	int n, r;

	ret_error[0] = '\0';
	r = conf_new_default(&c);
	if (r < 0)
		return r;
	dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0 && errno == ENOENT)
		goto done;
	if (dir_fd < 0) {
		r = -errno;
		snprintf(ret_error, CONF_ERROR_MAX, "%s: %s", dir, strerror(-r));
		return r;
	}
	r = load_file(c, dir_fd, dir, CONF_FILE_NAME, false, ret_error);
	if (r < 0)
		return r;

	if (asprintf(&policies, "%s/%s", dir, CONF_POLICIES_DIR) < 0)
		return -ENOMEM;
	policies_fd = openat(dir_fd, CONF_POLICIES_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (policies_fd < 0 && errno == ENOENT)
		goto done;
	/* scandirat() sorts with strcmp-like alphasort: "10-x" before "20-y". */
	n = policies_fd < 0 ? -1 : scandirat(policies_fd, ".", &names, is_policy_file, alphasort);
	if (n < 0) {
		r = -errno;
		snprintf(ret_error, CONF_ERROR_MAX, "%s: %s", policies, strerror(-r));
		return r;
	}
	r = 0;
	for (int i = 0; i < n; i++) {
		if (r >= 0)
			r = load_file(c, policies_fd, policies, names[i]->d_name, true, ret_error);
		free(names[i]);
	}
	free(names);
	if (r < 0)
		return r;
done:
	*ret = TAKE_PTR(c);
	return 0;
}

static void copy_setting(struct conf_settings *into, const struct conf_settings *from,
			 enum conf_setting s)
{
	switch (s) {
	case CONF_POLICY:
		into->resolver.policy = from->resolver.policy;
		break;
	case CONF_BATCH:
		into->resolver.batch_max = from->resolver.batch_max;
		break;
	case CONF_BUDGET:
		into->resolver.budget_pages = from->resolver.budget_pages;
		break;
	case CONF_MAP_AHEAD:
		into->resolver.no_map_ahead = from->resolver.no_map_ahead;
		break;
	case CONF_IDLE_RECLAIM:
		into->resolver.idle_reclaim_s = from->resolver.idle_reclaim_s;
		break;
	case CONF_DEVICE_RATE:
		into->resolver.device_rate = from->resolver.device_rate;
		break;
	default:
		return;
	}
	into->origin[s] = from->origin[s];
	into->set |= 1u << s;
}

void conf_settings_apply(struct conf_settings *into, const struct conf_settings *s)
{
	for (enum conf_setting i = 0; i < _CONF_SETTING_MAX; i++)
		if (s->set & 1u << i)
			copy_setting(into, s, i);
}

void conf_override(struct conf *c, enum conf_setting s, const struct resolver_config *value,
		   struct conf_origin origin)
{
	struct conf_settings from = { .resolver = *value };

	from.origin[s] = origin;
	copy_setting(&c->defaults, &from, s);
}

void conf_vm_settings(const struct conf *c, const char *name, struct conf_settings *ret)
{
	*ret = c->defaults;
	for (size_t i = 0; i < c->nrules; i++)
		if (!c->rules[i].per_fault && fnmatch(c->rules[i].vm, name, 0) == 0)
			conf_settings_apply(ret, &c->rules[i].settings);
}

void conf_vm_fault_rules(const struct conf *c, const char *name, struct fault_rules *ret)
{
	ret->n = 0;
	for (size_t i = 0; i < c->nrules && ret->n < FAULT_RULES_MAX; i++)
		if (c->rules[i].per_fault && fnmatch(c->rules[i].vm, name, 0) == 0)
			ret->rules[ret->n++] = c->rules[i].fault;
}

static json_object *setting_value_to_json(const struct conf_settings *s, enum conf_setting which)
{
	char text[64];

	switch (which) {
	case CONF_POLICY:
		iopf_policy_format(&s->resolver.policy, text, sizeof(text));
		return json_object_new_string(text);
	case CONF_BATCH:
		return json_object_new_int64(s->resolver.batch_max);
	case CONF_BUDGET:
		return json_object_new_uint64(s->resolver.budget_pages << IOPF_PAGE_SHIFT);
	case CONF_MAP_AHEAD:
		return json_object_new_boolean(!s->resolver.no_map_ahead);
	case CONF_IDLE_RECLAIM:
		return json_object_new_uint64(s->resolver.idle_reclaim_s);
	case CONF_DEVICE_RATE:
		return json_object_new_uint64(s->resolver.device_rate);
	default:
		return NULL;
	}
}

static void origin_format(const struct conf_origin *o, char *buf, size_t len)
{
	if (!o->file)
		snprintf(buf, len, "default");
	else if (o->line)
		snprintf(buf, len, "%s:%u:%u", o->file, o->line, o->column);
	else
		snprintf(buf, len, "%s", o->file);
}

static json_object *fault_rule_to_json(const struct conf_rule *rule)
{
	_cleanup_(json_object_putp) json_object *obj = json_object_new_object();
	const struct fault_rule *f = &rule->fault;
	char text[512];

	if (!obj || json_add(obj, "device", json_object_new_string(f->device[0] ? f->device : "*")) < 0)
		return NULL;
	if (f->end && (json_add(obj, "iova", json_object_new_uint64(f->iova)) < 0 ||
		       json_add(obj, "size", json_object_new_uint64(f->end - f->iova)) < 0))
		return NULL;
	if (f->has_policy) {
		iopf_policy_format(&f->policy, text, sizeof(text));
		if (json_add(obj, "policy", json_object_new_string(text)) < 0)
			return NULL;
	}
	if (f->has_fault && json_add(obj, "fault", json_object_new_boolean(f->fault)) < 0)
		return NULL;
	origin_format(&rule->origin, text, sizeof(text));
	if (json_add(obj, "origin", json_object_new_string(text)) < 0)
		return NULL;
	return TAKE_PTR(obj);
}

json_object *conf_vm_fault_rules_to_json(const struct conf *c, const char *name)
{
	_cleanup_(json_object_putp) json_object *array = json_object_new_array();
	unsigned n = 0;

	if (!array)
		return NULL;
	for (size_t i = 0; i < c->nrules && n < FAULT_RULES_MAX; i++) {
		json_object *rule;

		if (!c->rules[i].per_fault || fnmatch(c->rules[i].vm, name, 0) != 0)
			continue;
		rule = fault_rule_to_json(&c->rules[i]);
		if (!rule || json_object_array_add(array, rule) < 0) {
			json_object_put(rule);
			return NULL;
		}
		n++;
	}
	return TAKE_PTR(array);
}

json_object *conf_settings_to_json(const struct conf_settings *s)
{
	_cleanup_(json_object_putp) json_object *obj = json_object_new_object();

	if (!obj)
		return NULL;
	for (enum conf_setting i = 0; i < _CONF_SETTING_MAX; i++) {
		_cleanup_(json_object_putp) json_object *entry = json_object_new_object();
		const struct conf_origin *o = &s->origin[i];
		char origin[512];

		origin_format(o, origin, sizeof(origin));
		if (!entry || json_add(entry, "value", setting_value_to_json(s, i)) < 0 ||
		    json_add(entry, "origin", json_object_new_string(origin)) < 0 ||
		    json_add(obj, setting_names[i], TAKE_PTR(entry)) < 0)
			return NULL;
	}
	return TAKE_PTR(obj);
}
