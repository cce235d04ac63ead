/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The registration socket: how a VMM hands iopfd the iopf fd of its container.
 *
 * The VMM connects (AF_UNIX, SOCK_SEQPACKET) and sends one message: the iopf
 * fd as SCM_RIGHTS, and as payload the VM's name (up to REGISTER_NAME_MAX
 * bytes of letters, digits, '.', '_', '-'; empty picks "vmID").  iopfd
 * answers with one JSON object (shared/register-protocol.h builds and parses
 * it, for iopfd and for libiopf, which VMMs use to register),
 *
 *     {"ok":true,"id":ID,"vm":"NAME"}
 *     {"ok":false,"errno":ERRNO,"error":"TEXT"}
 *
 * and, after "ok", resolves the VM's faults for as long as the connection
 * stays open.  When the VMM closes it (or exits), iopfd detaches and the
 * kernel's fallback answers what is left: the connection is the VM's
 * lifetime.  A refused registration is answered, then the connection closed.
 *
 * Under systemd, a registered VM's connection and iopf fd go to the fd store
 * (FDSTORE=1, FDNAME=ID-NAME), so an iopfd restarted after a crash gets them
 * back and serves the VM again, with no help from the VMM.
 */

#include <stdint.h>
#include <stdio.h>

#include "manager.h"
#include "register-protocol.h"
#include "resolver.h"

#define REGISTER_CONNECTIONS_MAX 1024u
/*
 * Connections of one uid that have not registered yet: past it a new one is
 * refused (EUSERS), so that one user cannot hold every slot.  A registered
 * VM holds a real iopf fd, which a user cannot make up by the thousand.
 */
#define REGISTER_PENDING_PER_UID 16u
/* A connection that sent no registration within this is refused (ETIMEDOUT). */
#define REGISTER_DEADLINE_MS 5000u

struct register_stats {
	uint64_t registered;       /* VMs iopfd attached to */
	uint64_t restored;         /* VMs served again from the fd store */
	uint64_t refused;          /* registrations answered with an error */
	uint64_t disconnected;     /* VMs whose connection closed */
	uint64_t faults;           /* records consumed for VMs no longer served */
	uint64_t resolve_calls;
};

/* Binds and listens on @path (replacing a stale socket there); mode 0660. */
int register_listen(const char *path, int *ret_fd);

/* An fd the service manager handed back from its fd store, with its FDNAME. */
struct register_stored_fd {
	int fd;
	const char *name;
};

/*
 * Serves the VMs in @stored (taking their fds), accepts registrations on
 * @listen_fd and serves those VMs too, until SIGINT or SIGTERM; then detaches
 * from all of them.  @ready_fd, if >= 0, gets one byte once iopfd listens.
 */
int register_run(int listen_fd, struct register_stored_fd *stored, size_t nstored,
		 const struct resolver_config *config, struct manager *m, int ready_fd,
		 struct register_stats *ret);
void register_report(FILE *f, const struct register_stats *s);
int register_report_json(FILE *f, const struct register_stats *s);
