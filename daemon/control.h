/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The control socket's server side (the protocol: control-protocol.h).
 * Anyone who can connect may read; changes need uid 0, iopfd's own uid, or
 * the configuration's control_group (SO_PEERCRED, SO_PEERGROUPS).  Clients
 * are served from the event loop without blocking it: a slow or hostile one
 * costs a bounded buffer and is dropped at its deadline.
 */

#include "loop.h"

struct control;
struct manager;

/* Binds and listens on @path (replacing a stale socket there), mode 0666. */
int control_listen(const char *path, int *ret_fd);
/* Serves @fd (taken, closed by control_free()) for @m. */
int control_new(struct manager *m, int fd, struct control **ret);
struct control *control_free(struct control *c);
int control_attach(struct control *c, struct loop *l);
/* Drops every client and stops listening; the loop must still run its completions. */
void control_detach(struct control *c);
