/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Configuration files, see iopfd.json(5):
 *
 *   DIR/iopfd.json         settings every VM starts from, and the daemon's own
 *   DIR/policies.d/NAME.json  rules, read in file name order: each matches VMs by
 *                          name (a glob) and sets what they use
 *
 * A rule that matches a VM overrides, setting by setting, what the daemon's
 * file and earlier rules said; the command line overrides the daemon's file.
 * Every value remembers where it came from, so iopfctl can show it.  Loading
 * is all or nothing: any error (position, and what was expected) keeps the
 * previous configuration.
 */

#include <stdbool.h>
#include <stdint.h>

#include "fault-rules.h"
#include "json-util.h"
#include "macro.h"
#include "resolver.h"

#define CONF_FILE_NAME "iopfd.json"
#define CONF_POLICIES_DIR "policies.d"
#define CONF_FILE_SIZE_MAX (1u << 20)
#define CONF_RULES_MAX 4096u
#define CONF_ERROR_MAX 512
#define CONF_GROUP_MAX 64
#define CONF_IDLE_RECLAIM_MAX_S (7u * 24 * 3600)  /* a week */
#define CONF_DEVICE_RATE_MAX (UINT64_C(1) << 50)   /* bytes a second: a PiB */

enum conf_setting {
	CONF_POLICY,
	CONF_BATCH,
	CONF_BUDGET,
	CONF_MAP_AHEAD,
	CONF_IDLE_RECLAIM,
	CONF_DEVICE_RATE,
	_CONF_SETTING_MAX,
};

/* Where a value came from: a file position, the command line, iopfctl, or the default. */
struct conf_origin {
	const char *file;   /* NULL: built in */
	unsigned line;      /* 0: not a file (file names the command line or iopfctl) */
	unsigned column;
};

#define CONF_ORIGIN_COMMAND_LINE ((struct conf_origin) { .file = "command line" })

/* The settings a VM is served with, and the origin of each. */
struct conf_settings {
	struct resolver_config resolver;
	struct conf_origin origin[_CONF_SETTING_MAX];
	unsigned set;  /* bit per enum conf_setting the source gave */
};

/*
 * A rule with "device" or "iova" looks at each fault: it may set only
 * "policy" and "fault", and goes to the VM's fault rules (fault-rules.h).
 */
struct conf_rule {
	char *vm;                 /* glob over VM names */
	struct conf_settings settings;
	struct conf_origin origin; /* where the rule starts */
	bool per_fault;           /* has "device", "iova" or "fault" */
	struct fault_rule fault;  /* its device, range, policy and fault when per_fault */
};

struct conf {
	struct conf_settings defaults;   /* iopfd.json over the built-in values */
	char control_group[CONF_GROUP_MAX + 1]; /* may change things besides root; "" for none */
	struct conf_origin control_group_origin;
	struct conf_rule *rules;
	size_t nrules;
	unsigned nfault_rules;           /* of them per_fault: at most FAULT_RULES_MAX */
	char **files;                    /* every file read: origins point at these names */
	size_t nfiles;
};

/* The built-in configuration: what iopfd does with no file at all. */
int conf_new_default(struct conf **ret);
struct conf *conf_free(struct conf *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct conf *, conf_free);

/*
 * Reads DIR/iopfd.json and every DIR/policies.d/NAME.json; a missing file or
 * directory leaves the built-in values.  On error returns a negative errno
 * with "FILE:LINE:COLUMN: what is wrong" (or "FILE: ...") in @ret_error.
 */
int conf_load(const char *dir, struct conf **ret, char ret_error[CONF_ERROR_MAX]);
/* The same for the text of one file: @is_policy for a policies.d file. */
int conf_parse(struct conf *c, const char *file, const char *text, size_t len, bool is_policy,
	       char ret_error[CONF_ERROR_MAX]);

/* Sets one of the defaults as the command line gave it. */
void conf_override(struct conf *c, enum conf_setting s, const struct resolver_config *value,
		   struct conf_origin origin);
/* Copies the settings @s gives into @into, with their origins. */
void conf_settings_apply(struct conf_settings *into, const struct conf_settings *s);
/* What VM @name is served with: the defaults, then each rule matching it. */
void conf_vm_settings(const struct conf *c, const char *name, struct conf_settings *ret);
/* The per-fault rules matching VM @name, in order. */
void conf_vm_fault_rules(const struct conf *c, const char *name, struct fault_rules *ret);
/* VM @name's per-fault rules as a JSON array, each with its origin. */
json_object *conf_vm_fault_rules_to_json(const struct conf *c, const char *name);
/* @s as a JSON object: each setting's value and its origin. */
json_object *conf_settings_to_json(const struct conf_settings *s);
const char *conf_setting_name(enum conf_setting s);
