/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "json-util.h"

json_object *json_counters_new(const struct json_counter *counters, size_t n)
{
	json_object *obj = json_object_new_object();

	if (!obj)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		json_object *v = json_object_new_uint64(counters[i].value);

		if (!v || json_object_object_add(obj, counters[i].key, v) < 0) {
			json_object_put(v);
			json_object_put(obj);
			return NULL;
		}
	}
	return obj;
}

int json_print(FILE *f, json_object *obj)
{
	const char *s = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED);

	if (!s)
		return -ENOMEM;
	return fprintf(f, "%s\n", s) < 0 ? -EIO : 0;
}

int json_add(json_object *obj, const char *key, json_object *value)
{
	if (!value)
		return -ENOMEM;
	if (json_object_object_add(obj, key, value) < 0) {
		json_object_put(value);
		return -ENOMEM;
	}
	return 0;
}
