/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * JSON parsed by json-c, with the line and column where each key and value
 * starts: json-c keeps no positions, and an error in a file people write
 * must say where it is.  The text is scanned a second time beside the tree
 * json-c built (both in document order); duplicate keys, which json-c would
 * silently resolve to the last one, are an error here.
 */

#include <json-c/json.h>
#include <stddef.h>

#include "macro.h"

#define JSON_DOC_ERROR_MAX 160

struct json_pos {
	unsigned line;    /* from 1 */
	unsigned column;  /* from 1, in bytes */
};

struct json_pos_entry;

struct json_doc {
	json_object *root;
	struct json_pos root_pos;
	struct json_pos_entry *entries;  /* one per object member and array element */
	size_t nentries;
	size_t allocated;
};

/*
 * Parses @len bytes of @text, which has a NUL at text[len].  On a syntax error returns -EINVAL with the
 * position in @ret_error_pos and what went wrong in @ret_error; -ENOMEM
 * when out of memory.
 */
int json_doc_parse(const char *text, size_t len, struct json_doc *ret, struct json_pos *ret_error_pos,
		   char ret_error[JSON_DOC_ERROR_MAX]);
void json_doc_done(struct json_doc *doc);

/* Where member @key of object @parent starts (its key), or {0, 0} if unknown. */
struct json_pos json_doc_key_pos(const struct json_doc *doc, const json_object *parent, const char *key);
/* Where the value of member @key of @parent starts. */
struct json_pos json_doc_member_pos(const struct json_doc *doc, const json_object *parent,
				    const char *key);
/* Where element @index of array @parent starts. */
struct json_pos json_doc_element_pos(const struct json_doc *doc, const json_object *parent, size_t index);
