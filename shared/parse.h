/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdarg.h>
#include <stdint.h>

#include "macro.h"

/* Decimal unsigned integers; -EINVAL for junk, -ERANGE above @max. */
int parse_u64(const char *s, uint64_t max, uint64_t *ret);
int parse_u32(const char *s, uint32_t max, uint32_t *ret);
/* Byte sizes with an optional K, M, G or T suffix (powers of 1024). */
int parse_size(const char *s, uint64_t *ret);
/* Formats @bytes as "1.0 GiB" and the like. */
const char *format_bytes(char *buf, size_t len, uint64_t bytes);
/*
 * Prints a command line error as "PROGRAM: MESSAGE" and where to read more,
 * to stderr; the caller returns its own way of saying "usage".
 */
_printf_(1, 0) void print_usage_error(const char *format, va_list ap);
