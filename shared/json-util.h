/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>

#include "macro.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put);
DEFINE_TRIVIAL_CLEANUP_FUNC(json_tokener *, json_tokener_free);

struct json_counter {
	const char *key;
	uint64_t value;
};

/* A new object holding @n named counters, or NULL on OOM. */
json_object *json_counters_new(const struct json_counter *counters, size_t n);
/* Prints @obj pretty, one line per key, as the reports do. */
int json_print(FILE *f, json_object *obj);
/*
 * Adds @value (taking it, NULL from a failed constructor included) as @key
 * of @obj: -ENOMEM if @value is NULL or cannot be added, and @value is gone
 * either way, so constructors nest without a leak on any path.
 */
int json_add(json_object *obj, const char *key, json_object *value);
