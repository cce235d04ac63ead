/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <json-c/linkhash.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json-pos.h"
#include "json-util.h"

struct json_pos_entry {
	const json_object *parent;
	const char *key; /* json-c's, NULL for an array element */
	size_t index;    /* of an array element */
	struct json_pos key_pos;
	struct json_pos value_pos;
};

struct scanner {
	const char *p, *end;
	struct json_pos pos;
	struct json_doc *doc;
	char *error;
	struct json_pos error_pos;
};

static void advance(struct scanner *s)
{
	if (*s->p == '\n') {
		s->pos.line++;
		s->pos.column = 1;
	} else {
		s->pos.column++;
	}
	s->p++;
}

static void skip_space(struct scanner *s)
{
	while (s->p < s->end && strchr(" \t\r\n", *s->p) && *s->p)
		advance(s);
}

static int add_entry(struct json_doc *doc, struct json_pos_entry e)
{
	if (doc->nentries == doc->allocated) {
		size_t n = doc->allocated ? doc->allocated * 2 : 16;
		struct json_pos_entry *p = reallocarray(doc->entries, n, sizeof(*p));

		if (!p)
			return -ENOMEM;
		doc->entries = p;
		doc->allocated = n;
	}
	doc->entries[doc->nentries++] = e;
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Reads the 4 hex digits after "\u"; json-c has checked them. */
static unsigned scan_u16(struct scanner *s)
{
	unsigned v = 0;

	for (int i = 0; i < 4 && s->p < s->end && hex_digit(*s->p) >= 0; i++) {
		v = v << 4 | (unsigned)hex_digit(*s->p);
		advance(s);
	}
	return v;
}

static size_t utf8_encode(unsigned c, char out[4])
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | c >> 12);
		out[1] = (char)(0x80 | (c >> 6 & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | c >> 18);
	out[1] = (char)(0x80 | (c >> 12 & 0x3f));
	out[2] = (char)(0x80 | (c >> 6 & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* Decodes the string at s->p (json-c accepts ' quotes too) as json-c does. */
static int scan_string(struct scanner *s, char **ret)
{
	char quote = *s->p, *buf;
	size_t n = 0;

	/* Decoded, a string is never longer than its text. */
	buf = malloc((size_t)(s->end - s->p) + 1);
	if (!buf)
		return -ENOMEM;
	advance(s);
	while (s->p < s->end && *s->p != quote) {
		unsigned c;

		if (*s->p != '\\') {
			buf[n++] = *s->p;
			advance(s);
			continue;
		}
		advance(s);
		if (s->p >= s->end)
			break;
		c = (unsigned char)*s->p;
		advance(s);
		switch (c) {
		case 'b': buf[n++] = '\b'; break;
		case 'f': buf[n++] = '\f'; break;
		case 'n': buf[n++] = '\n'; break;
		case 'r': buf[n++] = '\r'; break;
		case 't': buf[n++] = '\t'; break;
		case 'u':
			c = scan_u16(s);
			if (c >= 0xd800 && c < 0xdc00 && s->end - s->p >= 6 && s->p[0] == '\\' && s->p[1] == 'u') {
				advance(s);
				advance(s);
				c = 0x10000 + ((c - 0xd800) << 10) + (scan_u16(s) - 0xdc00);
			}
			n += utf8_encode(c, buf + n);
			break;
		default:
			buf[n++] = (char)c;
		}
	}
	if (s->p < s->end)
		advance(s);
	buf[n] = '\0';
	*ret = buf;
	return 0;
}

static int scan_value(struct scanner *s, json_object *value);

DEFINE_TRIVIAL_CLEANUP_FUNC(struct lh_table *, lh_table_free);

static void free_key(struct lh_entry *e)
{
	free((char *)lh_entry_k(e));
}

/*
 * Pairs the members in the text with json-c's, which keeps them in the
 * order they came: so an entry is found by json-c's own key, whatever the
 * escapes in the text decode to.  The decoded keys only find duplicates.
 * @obj is NULL where the text holds an object json-c did not keep.
 */
static int scan_object(struct scanner *s, json_object *obj)
{
	_cleanup_(lh_table_freep) struct lh_table *seen = lh_kchar_table_new(16, free_key);
	struct lh_entry *next = obj ? json_object_get_object(obj)->head : NULL;
	int r;

	if (!seen)
		return -ENOMEM;
	advance(s);  /* { */
	skip_space(s);
	while (s->p < s->end && *s->p != '}') {
		struct json_pos_entry e = { .parent = obj };
		json_object *child = NULL;
		char *key;

		e.key_pos = s->pos;
		r = scan_string(s, &key);
		if (r < 0)
			return r;
		/* json-c kept fewer members than the text has: a key it saw twice */
		if (lh_table_lookup_entry(seen, key) || (obj && !next)) {
			snprintf(s->error, JSON_DOC_ERROR_MAX, "duplicate key \"%s\"", key);
			s->error_pos = e.key_pos;
			free(key);
			return -EINVAL;
		}
		if (lh_table_insert(seen, key, NULL) < 0) {
			free(key);
			return -ENOMEM;
		}
		skip_space(s);
		if (s->p < s->end)
			advance(s);  /* : */
		skip_space(s);
		e.value_pos = s->pos;
		if (obj) {
			e.key = (const char *)lh_entry_k(next);
			child = (json_object *)lh_entry_v(next);
			next = next->next;
			r = add_entry(s->doc, e);
			if (r < 0)
				return r;
		}
		r = scan_value(s, child);
		if (r < 0)
			return r;
		skip_space(s);
		if (s->p < s->end && *s->p == ',')
			advance(s);
		skip_space(s);
	}
	if (s->p < s->end)
		advance(s);  /* } */
	return 0;
}

static int scan_array(struct scanner *s, json_object *array)
{
	size_t index = 0;
	int r;

	advance(s);  /* [ */
	skip_space(s);
	while (s->p < s->end && *s->p != ']') {
		struct json_pos_entry e = { .parent = array, .index = index, .value_pos = s->pos };

		r = array ? add_entry(s->doc, e) : 0;
		if (r < 0)
			return r;
		r = scan_value(s, array ? json_object_array_get_idx(array, index++) : NULL);
		if (r < 0)
			return r;
		skip_space(s);
		if (s->p < s->end && *s->p == ',')
			advance(s);
		skip_space(s);
	}
	if (s->p < s->end)
		advance(s);  /* ] */
	return 0;
}

/* Walks the text of @value, which json-c parsed from it (NULL: a value it did not keep). */
static int scan_value(struct scanner *s, json_object *value)
{
	skip_space(s);
	if (s->p >= s->end)
		return 0;
	if (*s->p == '{')
		return scan_object(s, json_object_is_type(value, json_type_object) ? value : NULL);
	if (*s->p == '[')
		return scan_array(s, json_object_is_type(value, json_type_array) ? value : NULL);
	if (*s->p == '"' || *s->p == '\'') {
		_cleanup_free_ char *ignored = NULL;

		return scan_string(s, &ignored);
	}
	while (s->p < s->end && *s->p && !strchr(",]} \t\r\n", *s->p))
		advance(s);
	return 0;
}

static struct json_pos pos_of_offset(const char *text, size_t offset)
{
	struct json_pos pos = { 1, 1 };

	for (size_t i = 0; i < offset; i++) {
		if (text[i] == '\n') {
			pos.line++;
			pos.column = 1;
		} else {
			pos.column++;
		}
	}
	return pos;
}

static int entry_compare(const void *a, const void *b)
{
	const struct json_pos_entry *x = a, *y = b;

	if (x->parent != y->parent)
		return (uintptr_t)x->parent < (uintptr_t)y->parent ? -1 : 1;
	if (x->key && y->key)
		return strcmp(x->key, y->key);
	return x->index < y->index ? -1 : x->index > y->index;
}

int json_doc_parse(const char *text, size_t len, struct json_doc *ret, struct json_pos *ret_error_pos,
		   char ret_error[JSON_DOC_ERROR_MAX])
{
	_cleanup_(json_tokener_freep) json_tokener *tok = json_tokener_new();
	struct json_doc doc = { 0 };
	enum json_tokener_error e;
	struct scanner s;
	size_t end;
	int r;

	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	/* With the NUL: the end of the text ends a number at the end of it. */
	doc.root = json_tokener_parse_ex(tok, text, (int)MIN(len + 1, (size_t)INT32_MAX));
	end = json_tokener_get_parse_end(tok);
	e = json_tokener_get_error(tok);
	while (e == json_tokener_success && end < len && strchr(" \t\r\n", text[end]) && text[end])
		end++;
	if (e != json_tokener_success || end < len) {
		json_object_put(doc.root);
		*ret_error_pos = pos_of_offset(text, MIN(end, len));
		snprintf(ret_error, JSON_DOC_ERROR_MAX, "%s",
			 e == json_tokener_success ? "unexpected text after the JSON value" :
			 end >= len ? "unexpected end of the text" : json_tokener_error_desc(e));
		return -EINVAL;
	}

	s = (struct scanner) { .p = text, .end = text + len, .pos = { 1, 1 }, .doc = &doc,
			       .error = ret_error };
	skip_space(&s);
	doc.root_pos = s.pos;
	r = scan_value(&s, doc.root);
	if (r < 0) {
		*ret_error_pos = s.error_pos;
		json_doc_done(&doc);
		return r;
	}
	if (doc.nentries)
		qsort(doc.entries, doc.nentries, sizeof(*doc.entries), entry_compare);
	*ret = doc;
	return 0;
}

void json_doc_done(struct json_doc *doc)
{
	free(doc->entries);
	json_object_put(doc->root);
	*doc = (struct json_doc) { 0 };
}

static const struct json_pos_entry *find_entry(const struct json_doc *doc, const json_object *parent,
					       const char *key, size_t index)
{
	struct json_pos_entry probe = { .parent = parent, .key = key, .index = index };

	if (!doc->nentries)
		return NULL;

	return bsearch(&probe, doc->entries, doc->nentries, sizeof(probe), entry_compare);
}

struct json_pos json_doc_key_pos(const struct json_doc *doc, const json_object *parent, const char *key)
{
	const struct json_pos_entry *e = find_entry(doc, parent, key, 0);

	return e ? e->key_pos : (struct json_pos) { 0 };
}

struct json_pos json_doc_member_pos(const struct json_doc *doc, const json_object *parent,
				    const char *key)
{
	const struct json_pos_entry *e = find_entry(doc, parent, key, 0);

	return e ? e->value_pos : (struct json_pos) { 0 };
}

struct json_pos json_doc_element_pos(const struct json_doc *doc, const json_object *parent, size_t index)
{
	const struct json_pos_entry *e = find_entry(doc, parent, NULL, index);

	return e ? e->value_pos : (struct json_pos) { 0 };
}
