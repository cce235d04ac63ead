/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Both ends of the registration protocol on what a peer can send.  iopfd
 * checks a registration message (its flags, fd count and name); libiopf
 * parses iopfd's answer, which whoever listens on the socket may have
 * written.  Input: a flags byte, an fd count byte, a name length byte, the
 * name, then the answer's text.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "macro.h"
#include "register-protocol.h"

FUZZ_TARGET("registration")
{
	struct fuzz_input in = { data, size };
	char name[REGISTER_NAME_MAX + 1], payload[256];
	struct register_reply reply;
	const char *reason = NULL;
	int flags, r;
	size_t nfds, len;
	char *text;

	fuzz_init();
	flags = (fuzz_u8(&in) & 1 ? MSG_TRUNC : 0) | (fuzz_u8(&in) & 1 ? MSG_CTRUNC : 0);
	nfds = fuzz_u8(&in) % 4;
	len = MIN(fuzz_u8(&in) % (REGISTER_NAME_MAX + 2), in.size);
	fuzz_bytes(&in, payload, len);

	memset(name, 0x5a, sizeof(name));
	r = register_request_check(payload, len, nfds, flags, 7, name, &reason);
	if (r == 0) {
		FUZZ_CHECK(register_name_is_valid(name));
		FUZZ_CHECK(nfds == 1 && !(flags & (MSG_TRUNC | MSG_CTRUNC)));
		FUZZ_CHECK(len == 0 ? !strcmp(name, "vm7") : (strlen(name) == len && !memcmp(name, payload, len)));
	} else {
		FUZZ_CHECK(r == -EMSGSIZE || r == -EBADMSG || r == -EINVAL);
		FUZZ_CHECK(reason && *reason);
	}

	/* the rest is an answer, NUL-terminated as libiopf reads it */
	text = malloc(in.size + 1);
	FUZZ_CHECK(text);
	memcpy(text, in.data, in.size);
	text[in.size] = '\0';
	r = register_reply_parse(text, in.size, &reply);
	if (r == 0) {
		if (reply.ok) {
			FUZZ_CHECK(reply.id > 0);
			FUZZ_CHECK(register_name_is_valid(reply.name));
		} else {
			FUZZ_CHECK(reply.error < 0);
			FUZZ_CHECK(memchr(reply.reason, '\0', sizeof(reply.reason)));
		}
	} else {
		FUZZ_CHECK(r == -EBADMSG || r == -ENOMEM);
	}
	free(text);
	return 0;
}
