/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The registration protocol, as iopfd (daemon/register.c) and the VMM's side
 * (libiopf) both speak it; daemon/register.h describes the exchange.  The
 * answer is one JSON object in one SOCK_SEQPACKET message:
 *
 *     {"ok":true,"id":ID,"vm":"NAME"}
 *     {"ok":false,"errno":ERRNO,"error":"TEXT"}
 */

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REGISTER_SOCKET_PATH "/run/iopfd/register"
/* The longest VM name, in bytes; the payload of a registration is the name alone. */
#define REGISTER_NAME_MAX 63
/* The longest reason a refusal gives, with its NUL. */
#define REGISTER_REASON_MAX 256
/*
 * The longest answer: json-c escapes each byte of the name or the reason to
 * at most 6 ("\u001f"), and the keys and numbers take under 100.
 */
#define REGISTER_REPLY_MAX (6 * (REGISTER_NAME_MAX + REGISTER_REASON_MAX) + 128)

/*
 * Whether iopfd serves a VM under @name: 1 to REGISTER_NAME_MAX letters,
 * digits, '.', '_' and '-'.  No ':' (it separates the names in LISTEN_FDNAMES,
 * where the fd store hands the VMs back) and nothing to quote in logs.
 */
bool register_name_is_valid(const char *name);

/*
 * Checks a registration message as iopfd received it: @len bytes of
 * @payload (the name), @nfds fds, recvmsg()'s @msg_flags.  On success
 * writes the name to serve the VM under (empty picks "vm@id").  On failure
 * returns the negative errno to refuse with, and why in @ret_reason.
 */
int register_request_check(const char *payload, size_t len, size_t nfds, int msg_flags, uint64_t id,
			   char ret_name[REGISTER_NAME_MAX + 1], const char **ret_reason);

/* The answer to a registration iopfd serves; NULL when out of memory. */
json_object *register_reply_ok_new(uint64_t id, const char *name);
/* The answer to a refused one: @error a negative errno, @reason what was wrong. */
json_object *register_reply_refusal_new(int error, const char *reason);

/* An answer as the VMM reads it. */
struct register_reply {
	bool ok;
	uint64_t id;                      /* ok: the VM's id, never 0 */
	char name[REGISTER_NAME_MAX + 1]; /* ok: the VM's name */
	int error;                        /* refused: a negative errno */
	char reason[REGISTER_REASON_MAX]; /* refused: why, truncated to fit */
};

/* Parses the @len bytes of an answer; -EBADMSG for anything iopfd does not send. */
int register_reply_parse(const char *text, size_t len, struct register_reply *ret);
