/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>

#include "fd-util.h"
#include "iopf-messages.h"
#include "json-util.h"
#include "log.h"
#include "loop.h"
#include "register.h"
#include "time-util.h"
#include "watchdog.h"

/* The fds one message may carry before it is refused as malformed. */
#define REGISTER_FDS_MAX 4

struct register_server;

/* One connection: a VMM before it registered, or a VM being served. */
struct vm {
	struct register_server *server;
	struct vm *prev, *next;
	uint64_t id;
	char name[REGISTER_NAME_MAX + 1];
	struct ucred peer;
	int conn_fd;
	int iopf_fd;
	struct resolver *resolver;
	struct manager_vm *listed;    /* in the manager's list, for iopfctl */
	bool stored;              /* its fds are in the service manager's fd store */
	uint64_t accepted_ns;     /* when its connection was accepted */
	struct loop_source conn;
	struct loop_source faults;
	unsigned live_sources;    /* freed when the loop released both */
};

struct register_server {
	struct loop loop;
	struct resolver_config config;
	struct manager *manager;
	struct loop_source listener;
	struct vm *vms;
	unsigned nconnections;
	unsigned nserved;
	bool accept_paused;       /* out of fds: the listener is not polled */
	struct loop_source deadline_tick;
	uint64_t next_id;
	struct register_stats stats;
};

int register_listen(const char *path, int *ret_fd)
{
	_cleanup_close_ int fd = -EBADF;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t mask;
	int r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return log_error_errno(-ENAMETOOLONG, "Socket path '%s' is too long: %m", path);
	strcpy(sa.sun_path, path);

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return log_error_errno(negative_errno(), "Failed to create a socket: %m");
	/* Left behind by an iopfd that did not exit cleanly; anything else stays. */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	mask = umask(0117);
	r = RET_NERRNO(bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	umask(mask);
	if (r < 0)
		return log_error_errno(r, "Failed to bind to %s: %m", path);
	if (listen(fd, SOMAXCONN) < 0)
		return log_error_errno(negative_errno(), "Failed to listen on %s: %m", path);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* @prefix: other notifications to send in the same message, or "". */
static void notify_status(const struct register_server *s, const char *prefix)
{
	sd_notifyf(false, "%sSTATUS=Serving %u VM%s", prefix, s->nserved, s->nserved == 1 ? "" : "s");
}

static int reply(struct vm *vm, json_object *obj)
{
	const char *text = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN);

	if (!text)
		return -ENOMEM;
	/* The VMM may be gone already; it is dropped when its hangup arrives. */
	return RET_NERRNO(send(vm->conn_fd, text, strlen(text), MSG_DONTWAIT | MSG_NOSIGNAL));
}

static void reply_ok(struct vm *vm)
{
	_cleanup_(json_object_putp) json_object *obj = register_reply_ok_new(vm->id, vm->name);

	if (!obj || reply(vm, obj) < 0)
		log_warning("Failed to answer VM %s, ignoring.", vm->name);
}

/* Answers the VMM with @error and why; returns @error. */
static _printf_(3, 4) int reply_error(struct vm *vm, int error, const char *format, ...)
{
	_cleanup_(json_object_putp) json_object *obj = NULL;
	char reason[REGISTER_REASON_MAX];
	va_list ap;

	va_start(ap, format);
	vsnprintf(reason, sizeof(reason), format, ap);
	va_end(ap);
	log_ratelimit_struct_errno(LOG_WARNING, error, IOPF_MESSAGE_REGISTRATION_REFUSED,
				   LOG_FIELDS(LOG_FIELD_I64("VMM_PID", vm->peer.pid),
					      LOG_FIELD_U64("VMM_UID", vm->peer.uid)),
				   "Refused a registration from pid %d uid %u: %s", (int)vm->peer.pid,
				   (unsigned)vm->peer.uid, reason);
	vm->server->stats.refused++;
	obj = register_reply_refusal_new(error, reason);
	if (!obj || reply(vm, obj) < 0)
		log_debug("Failed to send the refusal, ignoring.");
	return error;
}

static void vm_free(struct vm *vm)
{
	struct register_server *s = vm->server;

	if (vm->prev)
		vm->prev->next = vm->next;
	else
		s->vms = vm->next;
	if (vm->next)
		vm->next->prev = vm->prev;
	s->nconnections--;
	safe_close(vm->conn_fd);
	safe_close(vm->iopf_fd);
	free(vm);
	/* fds were freed: accept again */
	if (s->accept_paused && s->loop.running) {
		s->accept_paused = false;
		if (loop_add(&s->loop, &s->listener) < 0)
			log_error("Failed to watch the registration socket again; no new VMs until restarted.");
	}
}

static void vm_release_source(struct loop_source *src)
{
	struct vm *vm = src->userdata;

	if (--vm->live_sources == 0)
		vm_free(vm);
}

/* The FDNAME of a VM's two fds in the fd store: "ID-NAME". */
static void vm_fdname(const struct vm *vm, char *buf, size_t size)
{
	snprintf(buf, size, "%" PRIu64 "-%s", vm->id, vm->name);
}

/*
 * Hands the VM's connection and iopf fd to the service manager's fd store, so
 * that an iopfd restarted after a crash serves the VM again (register_run()'s
 * @stored).  Without a service manager this does nothing.
 */
static void vm_store(struct vm *vm)
{
	char state[64 + REGISTER_NAME_MAX];
	const int fds[2] = { vm->conn_fd, vm->iopf_fd };
	int r;

	r = snprintf(state, sizeof(state), "FDSTORE=1\nFDNAME=");
	vm_fdname(vm, state + r, sizeof(state) - (size_t)r);
	r = sd_pid_notify_with_fds(0, false, state, fds, ARRAY_SIZE(fds));
	if (r < 0)
		log_warning_errno(r, "Failed to keep the fds of VM %s in the fd store, ignoring: %m",
				  vm->name);
	vm->stored = r > 0;
}

static void fdstore_remove(const char *fdname)
{
	sd_notifyf(false, "FDSTOREREMOVE=1\nFDNAME=%s", fdname);
}

/*
 * Detaches from the VM's iopf fd (the kernel answers what is left), keeping
 * its counts, and closes it: the VM may outlive this until the loop lets go
 * of it, and the VMM may register the fd again meanwhile.
 */
static void vm_detach(struct vm *vm)
{
	struct register_stats *stats = &vm->server->stats;
	LOG_CONTEXT_PUSH(LOG_FIELD_STR("VM", vm->name));

	stats->faults += vm->resolver->stats.faults;
	stats->resolve_calls += vm->resolver->stats.batches;
	if (vm->listed)
		manager_vm_remove(vm->server->manager, vm->listed);
	vm->listed = NULL;
	vm->resolver = resolver_free(vm->resolver);
	vm->iopf_fd = safe_close(vm->iopf_fd);
}

/* Detaches at once; the memory goes once the loop has let go of the sources. */
static void vm_drop(struct vm *vm)
{
	struct register_server *s = vm->server;

	if (vm->resolver) {
		vm_detach(vm);
		s->stats.disconnected++;
		s->nserved--;
		log_struct(LOG_INFO, IOPF_MESSAGE_VM_DISCONNECTED,
			   LOG_FIELDS(LOG_FIELD_STR("VM", vm->name), LOG_FIELD_U64("VM_ID", vm->id),
				      LOG_FIELD_I64("VMM_PID", vm->peer.pid)),
			   "VM %s (pid %d) disconnected; the kernel answers its faults now.",
			   vm->name, (int)vm->peer.pid);
		notify_status(s, "");
		loop_remove(&s->loop, &vm->faults);
	}
	if (vm->stored) {
		char fdname[32 + REGISTER_NAME_MAX];

		vm_fdname(vm, fdname, sizeof(fdname));
		fdstore_remove(fdname);
		vm->stored = false;
	}
	loop_remove(&s->loop, &vm->conn);
}

/* A VM whose ring or fd can no longer be served is left to the kernel, not the others. */
static int on_faults(struct loop *l, struct loop_source *src)
{
	struct vm *vm = src->userdata;
	LOG_CONTEXT_PUSH(LOG_FIELD_STR("VM", vm->name));
	int r;

	(void)l;
	r = resolver_serve(vm->resolver, *(uint64_t *)src->buf);
	if (r < 0) {
		log_struct_errno(LOG_WARNING, r, IOPF_MESSAGE_VM_DETACHED,
				 LOG_FIELDS(LOG_FIELD_STR("VM", vm->name), LOG_FIELD_U64("VM_ID", vm->id)),
				 "No longer serving VM %s; the kernel answers its faults: %m", vm->name);
		vm_drop(vm);
	}
	return 0;
}

/*
 * Attaches as the resolver of @iopf_fd, which becomes the VM's, and watches
 * its ring; @takeover replaces the resolver a dead iopfd left attached.  On
 * failure, *ret_failed says which step failed.
 */
static int vm_attach(struct vm *vm, int iopf_fd, bool takeover, const char **ret_failed)
{
	struct register_server *s = vm->server;
	struct resolver_config config;
	struct iopf_backend backend;
	LOG_CONTEXT_PUSH(LOG_FIELD_STR("VM", vm->name));
	int r;

	/* The kernel would refuse a second resolver too; this one says which VM has it. */
	for (struct vm *other = s->vms; other; other = other->next)
		if (other != vm && other->iopf_fd >= 0 && same_file(iopf_fd, other->iopf_fd)) {
			*ret_failed = "this iopf fd is registered already";
			return -EEXIST;
		}
	r = iopf_backend_vfio(iopf_fd, &backend);
	if (r < 0) {
		*ret_failed = "not an iopf fd";
		return r;
	}
	manager_resolver_config(s->manager, vm->name, &s->config, &config);
	r = resolver_new(&backend, &config, takeover, &vm->resolver);
	if (r == -EBUSY) {
		*ret_failed = "another resolver serves this iopf fd";
		return r;
	}
	if (r < 0) {
		*ret_failed = "failed to attach as the resolver";
		return r;
	}
	vm->faults = (struct loop_source) {
		.fd = vm->resolver->eventfd,
		.size = sizeof(uint64_t),
		.handler = on_faults,
		.release = vm_release_source,
		.userdata = vm,
	};
	r = s->manager ? manager_vm_add(s->manager, vm->name, vm->id, vm->peer.pid, vm->resolver,
					&vm->listed) : 0;
	if (r >= 0) {
		r = loop_add(&s->loop, &vm->faults);
		if (r < 0 && vm->listed)
			manager_vm_remove(s->manager, vm->listed);
	}
	if (r < 0) {
		vm->listed = NULL;
		vm->resolver = resolver_free(vm->resolver);
		*ret_failed = "failed to watch the fault ring";
		return r;
	}
	vm->iopf_fd = iopf_fd;
	vm->live_sources++;
	s->nserved++;
	notify_status(s, "");
	return 0;
}

/* Validates one registration message and serves the VM; takes ownership of @fds. */
static int vm_register(struct vm *vm, const struct msghdr *msg, const char *payload, size_t len,
		       int *fds, size_t nfds)
{
	const char *failed;
	int r;

	if (vm->resolver)
		r = reply_error(vm, -EISCONN, "VM %s is registered on this connection already", vm->name);
	else if ((r = register_request_check(payload, len, nfds, msg->msg_flags, vm->id, vm->name,
					     &failed)) < 0)
		r = reply_error(vm, r, "%s", failed);
	else if ((r = vm_attach(vm, fds[0], false, &failed)) < 0)
		r = reply_error(vm, r, "%s: %s", failed, strerror(-r));
	else {
		fds[0] = -EBADF;
		vm->server->stats.registered++;
		log_struct(LOG_INFO, IOPF_MESSAGE_VM_REGISTERED,
			   LOG_FIELDS(LOG_FIELD_STR("VM", vm->name), LOG_FIELD_U64("VM_ID", vm->id),
				      LOG_FIELD_I64("VMM_PID", vm->peer.pid),
				      LOG_FIELD_U64("VMM_UID", vm->peer.uid)),
			   "VM %s (pid %d, uid %u) registered as %" PRIu64 "; resolving its faults.",
			   vm->name, (int)vm->peer.pid, (unsigned)vm->peer.uid, vm->id);
		reply_ok(vm);
		vm_store(vm);
		resolver_kick(vm->resolver);	/* faults queued before we attached */
	}
	for (size_t i = 0; i < nfds; i++)
		safe_close(fds[i]);
	return r;
}

static int on_connection(struct loop *l, struct loop_source *src)
{
	struct vm *vm = src->userdata;
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * REGISTER_FDS_MAX)];
	} control;
	char payload[REGISTER_NAME_MAX];
	struct iovec iov = { .iov_base = payload, .iov_len = sizeof(payload) };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = &control,
		.msg_controllen = sizeof(control),
	};
	int fds[REGISTER_FDS_MAX];
	size_t nfds = 0;
	ssize_t n;
	int r;

	(void)l;
	n = recvmsg(vm->conn_fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); n >= 0 && c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (nfds < REGISTER_FDS_MAX)
				fds[nfds++] = fd;
			else
				safe_close(fd);
		}
	}
	/* EOF, or an empty message, which says nothing: the VMM is done. */
	if (n <= 0 && nfds == 0) {
		if (n < 0)
			log_debug_errno(negative_errno(), "Connection of VM %s failed: %m", vm->name);
		vm_drop(vm);
		return 0;
	}
	r = vm_register(vm, &msg, payload, (size_t)n, fds, nfds);
	if (r < 0 && !vm->resolver)
		vm_drop(vm);
	return 0;
}

/* Watches a new connection; over the limit, it is refused and closed. */
/* Connections of @uid not registered (nor restored) yet, the newest included. */
static unsigned pending_of_uid(const struct register_server *s, uid_t uid)
{
	unsigned n = 0;

	for (const struct vm *vm = s->vms; vm; vm = vm->next)
		n += !vm->resolver && !vm->stored && vm->peer.uid == uid;
	return n;
}

#define REGISTER_DEADLINE_TICK_NS UINT64_C(500000000)

/* Refuses the connections that sent no registration in time. */
static int on_deadline_tick(struct loop *l, struct loop_source *src)
{
	struct register_server *s = src->userdata;
	uint64_t now = now_ns();
	struct vm *next;

	(void)l;
	for (struct vm *vm = s->vms; vm; vm = next) {
		next = vm->next;
		if (vm->resolver || vm->stored || vm->conn.removed ||
		    now - vm->accepted_ns < REGISTER_DEADLINE_MS * UINT64_C(1000000))
			continue;
		reply_error(vm, -ETIMEDOUT, "no registration within %u ms", REGISTER_DEADLINE_MS);
		vm_drop(vm);
	}
	return 0;
}

static int vm_new(struct register_server *s, int conn_fd, struct vm **ret_vm)
{
	struct vm *vm;
	socklen_t len;
	int r;

	vm = calloc(1, sizeof(*vm));
	if (!vm) {
		safe_close(conn_fd);
		return -ENOMEM;
	}
	vm->server = s;
	vm->id = ++s->next_id;
	vm->conn_fd = conn_fd;
	vm->iopf_fd = -EBADF;
	snprintf(vm->name, sizeof(vm->name), "vm%" PRIu64, vm->id);
	len = sizeof(vm->peer);
	if (getsockopt(conn_fd, SOL_SOCKET, SO_PEERCRED, &vm->peer, &len) < 0)
		vm->peer = (struct ucred) { .pid = -1, .uid = (uid_t)-1, .gid = (gid_t)-1 };
	vm->conn = (struct loop_source) {
		.fd = conn_fd,
		.handler = on_connection,
		.release = vm_release_source,
		.userdata = vm,
	};
	vm->next = s->vms;
	if (s->vms)
		s->vms->prev = vm;
	s->vms = vm;
	s->nconnections++;
	vm->accepted_ns = now_ns();

	if (s->nconnections > REGISTER_CONNECTIONS_MAX) {
		r = reply_error(vm, -EUSERS, "iopfd serves %u connections already",
				REGISTER_CONNECTIONS_MAX);
		vm_free(vm);
		return r;
	}
	if (pending_of_uid(s, vm->peer.uid) > REGISTER_PENDING_PER_UID) {
		r = reply_error(vm, -EUSERS, "uid %u has %u connections that did not register yet",
				(unsigned)vm->peer.uid, REGISTER_PENDING_PER_UID);
		vm_free(vm);
		return r;
	}
	r = loop_add(&s->loop, &vm->conn);
	if (r < 0) {
		vm_free(vm);
		return log_error_errno(r, "Failed to watch a new connection: %m");
	}
	vm->live_sources++;
	*ret_vm = vm;
	return 0;
}

/*
 * Connections one wake-up accepts: a client that connects and closes in a
 * loop never lets accept4() run dry, and the faults wait while we accept.
 */
#define REGISTER_ACCEPT_BATCH 16

static int on_listener(struct loop *l, struct loop_source *src)
{
	struct register_server *s = src->userdata;
	struct vm *vm;

	for (unsigned n = 0; n < REGISTER_ACCEPT_BATCH; n++) {
		int fd = accept4(src->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			int r = negative_errno();

			if (r == -EAGAIN || r == -EINTR)
				return 0;
			if (r == -ECONNABORTED)
				continue;
			/*
			 * Out of fds or memory: the connection stays queued and the
			 * socket readable, so polling it again would spin.  Wait for
			 * a connection to close.
			 */
			log_ratelimit_warning_errno(r, "Failed to accept a connection, not accepting until one closes: %m");
			s->accept_paused = true;
			loop_remove(l, src);
			return 0;
		}
		vm_new(s, fd, &vm);
	}
	return 0;
}

/* Serves again a VM whose fds the fd store kept as "ID-NAME"; takes both fds. */
static void vm_restore(struct register_server *s, const char *fdname, int conn_fd, int iopf_fd)
{
	const char *failed, *name;
	struct vm *vm;
	uint64_t id;
	char *end;
	int r;

	errno = 0;
	id = strtoull(fdname, &end, 10);
	name = end + 1;
	if (conn_fd < 0 || iopf_fd < 0 || errno || end == fdname || *end != '-' ||
	    !register_name_is_valid(name)) {
		log_warning("The fd store holds fds named '%s' that are not a VM's; dropping them.",
			    fdname);
		fdstore_remove(fdname);
		safe_close(conn_fd);
		safe_close(iopf_fd);
		return;
	}
	r = vm_new(s, conn_fd, &vm);
	if (r < 0) {
		safe_close(iopf_fd);
		fdstore_remove(fdname);
		return;
	}
	vm->id = id;
	s->next_id = MAX(s->next_id, id);
	strcpy(vm->name, name);
	vm->stored = true;
	r = vm_attach(vm, iopf_fd, true, &failed);
	if (r < 0) {
		log_struct_errno(LOG_WARNING, r, IOPF_MESSAGE_VM_DETACHED,
				 LOG_FIELDS(LOG_FIELD_STR("VM", vm->name), LOG_FIELD_U64("VM_ID", vm->id)),
				 "Cannot serve VM %s again, %s: %m", vm->name, failed);
		safe_close(iopf_fd);
		vm_drop(vm);
		return;
	}
	s->stats.restored++;
	log_struct(LOG_INFO, IOPF_MESSAGE_VM_RESTORED,
		   LOG_FIELDS(LOG_FIELD_STR("VM", vm->name), LOG_FIELD_U64("VM_ID", vm->id),
			      LOG_FIELD_I64("VMM_PID", vm->peer.pid)),
		   "VM %s (pid %d) served again, from the fd store.", vm->name, (int)vm->peer.pid);
	resolver_kick(vm->resolver);
}

/* Pairs the fds the fd store handed back by name: one connection, one iopf fd each. */
static void restore_vms(struct register_server *s, struct register_stored_fd *stored, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int conn_fd = -EBADF, iopf_fd = -EBADF;

		if (stored[i].fd < 0)
			continue;	/* paired with an earlier one */
		for (size_t j = i; j < n; j++) {
			if (stored[j].fd < 0 || strcmp(stored[j].name, stored[i].name))
				continue;
			if (conn_fd < 0 && sd_is_socket(stored[j].fd, AF_UNIX, SOCK_SEQPACKET, 0) > 0)
				conn_fd = TAKE_FD(stored[j].fd);
			else if (iopf_fd < 0)
				iopf_fd = TAKE_FD(stored[j].fd);
			else
				stored[j].fd = safe_close(stored[j].fd);
		}
		vm_restore(s, stored[i].name, conn_fd, iopf_fd);
	}
}

int register_run(int listen_fd, struct register_stored_fd *stored, size_t nstored,
		 const struct resolver_config *config, struct manager *m, int ready_fd,
		 struct register_stats *ret)
{
	struct register_server s = { .config = *config, .manager = m };
	_cleanup_close_ int deadline_fd = -EBADF;
	struct loop_source watchdog = {};
	int r;

	r = RET_NERRNO(fcntl(listen_fd, F_SETFL, fcntl(listen_fd, F_GETFL) | O_NONBLOCK));
	if (r < 0)
		return log_error_errno(r, "fd %d is not a listening socket: %m", listen_fd);
	r = loop_init(&s.loop);
	if (r < 0)
		return log_error_errno(r, "Failed to set up the event loop: %m");
	s.listener = (struct loop_source) { .fd = listen_fd, .handler = on_listener, .userdata = &s };
	r = loop_add(&s.loop, &s.listener);
	if (r >= 0)
		r = deadline_fd = timerfd_periodic(REGISTER_DEADLINE_TICK_NS, REGISTER_DEADLINE_TICK_NS);
	if (r >= 0) {
		s.deadline_tick = (struct loop_source) {
			.fd = deadline_fd, .size = sizeof(uint64_t), .handler = on_deadline_tick,
			.userdata = &s,
		};
		r = loop_add(&s.loop, &s.deadline_tick);
	}
	if (r >= 0)
		r = watchdog_start(&s.loop, &watchdog);
	if (r >= 0 && m)
		r = manager_attach(m, &s.loop);
	if (r < 0) {
		loop_done(&s.loop);
		return log_error_errno(r, "Failed to start the event loop: %m");
	}

	restore_vms(&s, stored, nstored);
	log_info("Waiting for VMs to register.");
	notify_status(&s, "READY=1\n");
	if (ready_fd >= 0 && write(ready_fd, "R", 1) != 1)
		r = log_error_errno(negative_errno(), "Failed to signal readiness: %m");
	if (r >= 0)
		r = loop_run(&s.loop);
	sd_notify(false, "STOPPING=1");
	if (m)
		manager_detach(m);
	loop_done(&s.loop);
	watchdog_stop(&watchdog);

	/*
	 * The ring is gone and holds nothing: free what is left directly.  The
	 * fd store keeps the VMs' fds; when iopfd stops for good, systemd empties it.
	 */
	while (s.vms) {
		struct vm *vm = s.vms;

		if (vm->resolver)
			vm_detach(vm);
		vm_free(vm);
	}
	if (r < 0 && r != -EINTR)
		return r;
	*ret = s.stats;
	return 0;
}

void register_report(FILE *f, const struct register_stats *s)
{
	fprintf(f, "VMs: %" PRIu64 " registered, %" PRIu64 " served again after a restart, "
		"%" PRIu64 " disconnected, %" PRIu64 " refused\n",
		s->registered, s->restored, s->disconnected, s->refused);
	fprintf(f, "  iopfd consumed %" PRIu64 " records in %" PRIu64 " resolve calls\n",
		s->faults, s->resolve_calls);
}

int register_report_json(FILE *f, const struct register_stats *s)
{
	const struct json_counter counters[] = {
		{ "registered", s->registered },
		{ "restored", s->restored },
		{ "disconnected", s->disconnected },
		{ "refused", s->refused },
		{ "resolver_faults", s->faults },
		{ "resolve_calls", s->resolve_calls },
	};
	_cleanup_(json_object_putp) json_object *root = json_counters_new(counters, ARRAY_SIZE(counters));

	if (!root)
		return -ENOMEM;
	return json_print(f, root);
}
