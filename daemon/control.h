/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The control socket's server side (the protocol: control-protocol.h).
 * Anyone who can connect may read; changes need uid 0, iopfd's own uid, or
 * the configuration's control_group (SO_PEERCRED, SO_PEERGROUPS).  Clients
 * are served from the event loop without blocking it: a slow or hostile one
 * costs a bounded buffer and is dropped at its deadline.
 */

#include <json-c/json.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "loop.h"

struct control;
struct manager;

/* Binds and listens on @path (replacing a stale socket there), mode 0666. */
int control_listen(const char *path, int *ret_fd);
/* Serves @fd (taken, closed by control_free()) for @m. */
int control_new(struct manager *m, int fd, struct control **ret);
struct control *control_free(struct control *c);
int control_attach(struct control *c, struct loop *l);
/*
 * The answer to one request, @len bytes of JSON text from a peer with
 * @cred: never NULL but on OOM.  What the socket path and the fuzz target share.
 */
json_object *control_answer(struct control *c, const struct ucred *cred, bool privileged,
			    const char *text, size_t len);
/* Drops every client and stops listening; the loop must still run its completions. */
void control_detach(struct control *c);
