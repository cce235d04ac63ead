/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <endian.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "control-protocol.h"
#include "control.h"
#include "json-util.h"
#include "log.h"
#include "manager.h"
#include "parse.h"
#include "time-util.h"

#define CONTROL_TICK_NS 500000000L
#define CONTROL_PEER_GROUPS_MAX 64

struct client {
	struct control *server;
	int fd;
	struct ucred cred;
	bool closing;              /* removed from the loop, freed on release */
	uint8_t in[sizeof(uint32_t) + CONTROL_REQUEST_MAX];
	size_t in_len;
	char *out;                 /* the answer being sent, with its length */
	size_t out_len, out_sent;
	uint64_t deadline_ns;      /* drop it if still waiting then */
	struct loop_source src;
};

struct control {
	struct manager *manager;
	struct loop *loop;
	int listen_fd;
	int timer_fd;
	struct loop_source listener;
	struct loop_source tick;
	struct client *clients[CONTROL_CLIENTS_MAX];
	unsigned nclients;
	uint64_t refused;          /* connections over the limit */
	/* control_group's gid, looked up once per configuration: NSS may block */
	uint64_t group_conf;       /* manager->reloads when looked up; 0 never */
	bool group_found;
	gid_t group_gid;
};

int control_listen(const char *path, int *ret_fd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = -EBADF;

	if (strlen(path) >= sizeof(sa.sun_path))
		return log_error_errno(-ENAMETOOLONG, "Control socket path too long: %s", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return log_error_errno(negative_errno(), "Failed to create the control socket: %m");
	(void)unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0666) < 0 ||
	    listen(fd, SOMAXCONN) < 0)
		return log_error_errno(negative_errno(), "Failed to listen on %s: %m", path);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int control_new(struct manager *m, int fd, struct control **ret)
{
	struct control *c = calloc(1, sizeof(*c));

	if (!c) {
		safe_close(fd);
		return -ENOMEM;
	}
	c->manager = m;
	c->listen_fd = fd;
	c->timer_fd = -EBADF;
	*ret = c;
	return 0;
}

static void client_free(struct client *cl)
{
	struct control *c = cl->server;

	for (unsigned i = 0; i < c->nclients; i++)
		if (c->clients[i] == cl) {
			c->clients[i] = c->clients[--c->nclients];
			break;
		}
	safe_close(cl->fd);
	free(cl->out);
	free(cl);
}

static void client_release(struct loop_source *src)
{
	client_free(src->userdata);
}

static void client_drop(struct client *cl)
{
	if (cl->closing)
		return;
	cl->closing = true;
	if (cl->server->loop)
		loop_remove(cl->server->loop, &cl->src);
	else
		client_free(cl);
}

struct control *control_free(struct control *c)
{
	if (!c)
		return NULL;
	while (c->nclients)
		client_free(c->clients[0]);
	safe_close(c->listen_fd);
	safe_close(c->timer_fd);
	free(c);
	return NULL;
}

/* control_group's gid, false if none is set or the name is no group */
static bool control_gid(struct control *c, gid_t *ret)
{
	const char *group = c->manager->conf->control_group;

	if (c->group_conf != c->manager->reloads) {
		struct group *gr = *group ? getgrnam(group) : NULL;

		if (*group && !gr)
			log_warning("control_group \"%s\" is no group; only root may change things.", group);
		c->group_conf = c->manager->reloads;
		c->group_found = gr;
		c->group_gid = gr ? gr->gr_gid : 0;
	}
	*ret = c->group_gid;
	return c->group_found;
}

/* Whether @gid is among the supplementary groups the peer had when it connected. */
static bool peer_in_group(int fd, gid_t gid)
{
	gid_t stack[CONTROL_PEER_GROUPS_MAX];
	_cleanup_free_ gid_t *heap = NULL;
	gid_t *groups = stack;
	socklen_t len = sizeof(stack);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0) {
		/* more than we keep on the stack: len says how many */
		if (errno != ERANGE || !(heap = malloc(len)))
			return false;
		groups = heap;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
			return false;
	}
	for (size_t i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == gid)
			return true;
	return false;
}

/*
 * Whether the client may change things: root, our own user, or
 * control_group as configured now (a reload may have changed it since the
 * client connected).
 */
static bool client_is_privileged(struct client *cl)
{
	gid_t gid;

	if (cl->cred.uid == 0 || cl->cred.uid == geteuid())
		return true;
	if (!control_gid(cl->server, &gid))
		return false;
	return cl->cred.gid == gid || peer_in_group(cl->fd, gid);
}

static json_object *error_reply(int error, const char *format, ...) _printf_(2, 3);
static json_object *error_reply(int error, const char *format, ...)
{
	json_object *reply = json_object_new_object();
	char text[CONF_ERROR_MAX + 64];
	va_list ap;

	va_start(ap, format);
	vsnprintf(text, sizeof(text), format, ap);
	va_end(ap);
	if (!reply || json_add(reply, "ok", json_object_new_boolean(false)) < 0 ||
	    json_add(reply, "errno", json_object_new_int(error < 0 ? -error : error)) < 0 ||
	    json_add(reply, "error", json_object_new_string(text)) < 0) {
		json_object_put(reply);
		return NULL;
	}
	return reply;
}

static json_object *ok_reply(void)
{
	json_object *reply = json_object_new_object();

	if (reply && json_add(reply, "ok", json_object_new_boolean(true)) < 0) {
		json_object_put(reply);
		return NULL;
	}
	return reply;
}

static uint64_t pinned_bytes(const struct resolver *r)
{
	struct budget_stats b;

	budget_get_stats(r->budget, &b);
	return b.pinned_pages << IOPF_PAGE_SHIFT;
}

static int add_vm_counters(json_object *obj, const struct manager_vm *vm)
{
	const struct resolver_stats *s = &vm->resolver->stats;
	const struct json_counter counters[] = {
		{ "faults", s->faults },
		{ "resolve_calls", s->batches },
		{ "pages_requested", s->pages_requested },
		{ "errors", s->errors },
		{ "stale", s->stale },
		{ "bad_records", s->bad_records },
		{ "retries", s->retries },
		{ "abandoned", s->abandoned },
		{ "released_bytes", s->released },
		{ "reclaimed_bytes", s->reclaimed },
		{ "release_errors", s->release_errors },
		{ "ahead_bytes", s->ahead_bytes },
		{ "cautious", s->cautious },
		{ "ring_overflows", s->overflow },
		{ "stall_ns", s->stall_ns },
		{ "fault_call_ns", s->fault_call_ns },
		{ "page_move_ns", s->page_move_ns },
		{ "pinned_bytes", pinned_bytes(vm->resolver) },
	};

	for (size_t i = 0; i < ARRAY_SIZE(counters); i++) {
		int r = json_add(obj, counters[i].key, json_object_new_uint64(counters[i].value));

		if (r < 0)
			return r;
	}
	return 0;
}

static json_object *vm_to_json(const struct manager_vm *vm, bool counters)
{
	_cleanup_(json_object_putp) json_object *obj = json_object_new_object();
	uint64_t devices = 0;
	char policy[64], in_use[64];

	for (uint32_t i = 0; i < vm->resolver->ndevices; i++)
		devices += vm->resolver->devices[i].faults > 0;
	iopf_policy_format(&vm->settings.resolver.policy, policy, sizeof(policy));
	iopf_policy_format(&vm->resolver->config.policy, in_use, sizeof(in_use));
	if (!obj || json_add(obj, "name", json_object_new_string(vm->name)) < 0 ||
	    json_add(obj, "id", json_object_new_uint64(vm->id)) < 0 ||
	    json_add(obj, "pid", json_object_new_int(vm->pid)) < 0 ||
	    json_add(obj, "policy", json_object_new_string(policy)) < 0 ||
	    json_add(obj, "policy_in_use", json_object_new_string(in_use)) < 0 ||
	    json_add(obj, "budget_bytes",
		     json_object_new_uint64(vm->settings.resolver.budget_pages << IOPF_PAGE_SHIFT)) < 0 ||
	    json_add(obj, "devices", json_object_new_uint64(devices)) < 0 ||
	    (counters && add_vm_counters(obj, vm) < 0))
		return NULL;
	return TAKE_PTR(obj);
}

static json_object *cmd_status(struct control *c)
{
	struct manager *m = c->manager;
	_cleanup_(json_object_putp) json_object *reply = ok_reply();
	uint64_t faults = 0;
	char policy[64];

	for (size_t i = 0; i < m->nvms; i++)
		faults += m->vms[i]->resolver->stats.faults;
	iopf_policy_format(&m->conf->defaults.resolver.policy, policy, sizeof(policy));
	if (!reply || json_add(reply, "mode", json_object_new_string(m->mode)) < 0 ||
	    json_add(reply, "iopfd_version", json_object_new_string(PACKAGE_VERSION)) < 0 ||
	    json_add(reply, "uptime_ms", json_object_new_uint64((now_ns() - m->start_ns) / 1000000)) < 0 ||
	    json_add(reply, "config_dir", json_object_new_string(m->conf_dir)) < 0 ||
	    json_add(reply, "policy", json_object_new_string(policy)) < 0 ||
	    json_add(reply, "vms", json_object_new_uint64(m->nvms)) < 0 ||
	    json_add(reply, "faults", json_object_new_uint64(faults)) < 0 ||
	    json_add(reply, "reloads", json_object_new_uint64(m->reloads)) < 0 ||
	    json_add(reply, "reload_failures", json_object_new_uint64(m->reload_failures)) < 0 ||
	    json_add(reply, "reload_error", json_object_new_string(m->reload_error)) < 0 ||
	    json_add(reply, "control_clients", json_object_new_uint64(c->nclients)) < 0 ||
	    json_add(reply, "control_refused", json_object_new_uint64(c->refused)) < 0)
		return NULL;
	return TAKE_PTR(reply);
}

static json_object *cmd_vms(struct control *c, bool counters)
{
	_cleanup_(json_object_putp) json_object *reply = ok_reply();
	json_object *vms = json_object_new_array();

	if (!reply || json_add(reply, "vms", vms) < 0)
		return NULL;
	for (size_t i = 0; i < c->manager->nvms; i++)
		if (json_object_array_add(vms, vm_to_json(c->manager->vms[i], counters)) < 0)
			return NULL;
	return TAKE_PTR(reply);
}

/* Every device that faulted, of every VM. */
static json_object *cmd_devices(struct control *c)
{
	_cleanup_(json_object_putp) json_object *reply = ok_reply();
	json_object *devices = json_object_new_array();

	if (!reply || json_add(reply, "devices", devices) < 0)
		return NULL;
	for (size_t i = 0; i < c->manager->nvms; i++) {
		const struct manager_vm *vm = c->manager->vms[i];
		struct resolver *r = vm->resolver;

		for (uint32_t id = 0; id < r->ndevices; id++) {
			_cleanup_(json_object_putp) json_object *dev = NULL;

			if (!r->devices[id].faults)
				continue;
			dev = json_object_new_object();
			if (!dev || json_add(dev, "vm", json_object_new_string(vm->name)) < 0 ||
			    json_add(dev, "id", json_object_new_uint64(id)) < 0 ||
			    json_add(dev, "name", json_object_new_string(resolver_device_name(r, id))) < 0 ||
			    json_add(dev, "faults", json_object_new_uint64(r->devices[id].faults)) < 0 ||
			    json_object_array_add(devices, dev) < 0)
				return NULL;
			dev = NULL;
		}
	}
	return TAKE_PTR(reply);
}

static const char *string_arg(json_object *request, const char *key)
{
	json_object *v = json_object_object_get(request, key);

	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static json_object *cmd_policy_show(struct control *c, json_object *request)
{
	const char *name = string_arg(request, "vm");
	_cleanup_(json_object_putp) json_object *reply = ok_reply();
	const struct manager_vm *vm = name ? manager_vm_find(c->manager, name) : NULL;
	struct conf_settings s;

	if (name)
		manager_settings_for(c->manager, name, &s);
	else
		s = c->manager->conf->defaults;
	if (vm)
		s = vm->settings;
	if (!reply || (name && json_add(reply, "vm", json_object_new_string(name)) < 0) ||
	    json_add(reply, "served", json_object_new_boolean(vm != NULL)) < 0 ||
	    json_add(reply, "settings", conf_settings_to_json(&s)) < 0 ||
	    (name && json_add(reply, "rules", conf_vm_fault_rules_to_json(c->manager->conf, name)) < 0))
		return NULL;
	return TAKE_PTR(reply);
}

static json_object *cmd_set(struct control *c, json_object *request, enum conf_setting setting,
			    const struct ucred *cred)
{
	const char *glob = string_arg(request, "vm");
	const char *value = string_arg(request, conf_setting_name(setting));
	struct resolver_config config = { 0 };
	uint64_t bytes;
	int r;

	if (!glob || !value)
		return error_reply(-EINVAL, "\"%s\" needs \"vm\" and \"%s\" strings",
				   setting == CONF_POLICY ? "policy-set" : "budget-set",
				   conf_setting_name(setting));
	if (setting == CONF_POLICY && iopf_policy_parse(value, &config.policy) < 0)
		return error_reply(-EINVAL, "invalid policy '%s' (exact, fixed[:PAGES], "
				   "adaptive[:MIN:MAX] or auto[:MIN:MAX])", value);
	if (setting == CONF_BUDGET) {
		if (parse_size(value, &bytes) < 0 || bytes % IOPF_PAGE_SIZE)
			return error_reply(-EINVAL, "invalid budget '%s': a multiple of 4K such as 2G, "
					   "or 0 for none", value);
		config.budget_pages = bytes >> IOPF_PAGE_SHIFT;
	}
	r = manager_set(c->manager, glob, setting, &config, (struct conf_origin) { .file = "iopfctl" });
	if (r == -ENOENT)
		return error_reply(r, "no VM matches '%s'", glob);
	if (r < 0)
		return error_reply(r, "failed to apply it: %s", strerror(-r));
	log_info("uid %u set %s of %d VM(s) matching '%s' to %s.", (unsigned)cred->uid,
		 conf_setting_name(setting), r, glob, value);
	{
		json_object *reply = ok_reply();

		if (reply && json_add(reply, "changed", json_object_new_int(r)) < 0)
			return NULL;
		return reply;
	}
}

static bool command_changes_things(const char *command)
{
	return streq(command, "reload") || streq(command, "policy-set") || streq(command, "budget-set");
}

static json_object *handle(struct control *c, const struct ucred *cred, bool privileged,
			   json_object *request)
{
	const char *command = string_arg(request, "command");
	json_object *version = json_object_object_get(request, "version");
	char error[CONF_ERROR_MAX];
	int r;

	if (!json_object_is_type(request, json_type_object))
		return error_reply(-EINVAL, "a request is a JSON object");
	if (!json_object_is_type(version, json_type_int) ||
	    json_object_get_int64(version) != CONTROL_PROTOCOL_VERSION)
		return error_reply(-EPROTONOSUPPORT, "this iopfd speaks version %d of the protocol",
				   CONTROL_PROTOCOL_VERSION);
	if (!command)
		return error_reply(-EINVAL, "\"command\" missing");
	if (command_changes_things(command) && !privileged)
		return error_reply(-EPERM, "only root%s%s may %s", *c->manager->conf->control_group ?
				   " and the group " : "", c->manager->conf->control_group, command);
	if (streq(command, "status"))
		return cmd_status(c);
	if (streq(command, "vms"))
		return cmd_vms(c, false);
	if (streq(command, "stats"))
		return cmd_vms(c, true);
	if (streq(command, "devices"))
		return cmd_devices(c);
	if (streq(command, "policy-show"))
		return cmd_policy_show(c, request);
	if (streq(command, "policy-set"))
		return cmd_set(c, request, CONF_POLICY, cred);
	if (streq(command, "budget-set"))
		return cmd_set(c, request, CONF_BUDGET, cred);
	if (streq(command, "reload")) {
		r = manager_reload(c->manager, error);
		return r < 0 ? error_reply(r, "%s", error) : ok_reply();
	}
	return error_reply(-EOPNOTSUPP, "unknown command \"%.64s\"", command);
}

json_object *control_answer(struct control *c, const struct ucred *cred, bool privileged,
			    const char *text, size_t len)
{
	_cleanup_(json_tokener_freep) json_tokener *tok = json_tokener_new();
	_cleanup_(json_object_putp) json_object *request = NULL;

	if (!tok || len > CONTROL_REQUEST_MAX)
		return error_reply(len > CONTROL_REQUEST_MAX ? -EMSGSIZE : -ENOMEM,
				   "the request cannot be read");
	request = json_tokener_parse_ex(tok, text, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success || json_tokener_get_parse_end(tok) != len)
		return error_reply(-EBADMSG, "the request is not one JSON object");
	return handle(c, cred, privileged, request);
}

/* Queues @reply (taken) framed, and sends what the socket takes now. */
static int client_reply(struct client *cl, json_object *reply)
{
	const char *text;
	uint32_t len;
	size_t n;

	if (!reply)
		reply = error_reply(-ENOMEM, "out of memory");
	if (!reply)
		return -ENOMEM;
	json_add(reply, "version", json_object_new_int(CONTROL_PROTOCOL_VERSION));
	text = json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN);
	n = text ? strlen(text) : 0;
	if (!text || n > CONTROL_REPLY_MAX) {
		json_object_put(reply);
		return -E2BIG;
	}
	cl->out = malloc(sizeof(len) + n);
	if (!cl->out) {
		json_object_put(reply);
		return -ENOMEM;
	}
	len = htole32((uint32_t)n);
	memcpy(cl->out, &len, sizeof(len));
	memcpy(cl->out + sizeof(len), text, n);
	json_object_put(reply);
	cl->out_len = sizeof(len) + n;
	cl->out_sent = 0;
	cl->deadline_ns = now_ns() + CONTROL_DEADLINE_MS * UINT64_C(1000000);
	cl->src.poll_events = POLLOUT;
	return 0;
}

static int client_send(struct client *cl)
{
	while (cl->out_sent < cl->out_len) {
		ssize_t n = send(cl->fd, cl->out + cl->out_sent, cl->out_len - cl->out_sent,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		cl->out_sent += (size_t)n;
	}
	free(cl->out);
	cl->out = NULL;
	cl->out_len = cl->out_sent = 0;
	cl->src.poll_events = POLLIN;
	cl->deadline_ns = now_ns() + CONTROL_IDLE_MS * UINT64_C(1000000);
	return 0;
}

static int client_receive(struct client *cl)
{
	uint32_t len = 0;
	size_t want;
	ssize_t n;

	if (cl->in_len >= sizeof(len))
		memcpy(&len, cl->in, sizeof(len));
	len = le32toh(len);
	want = cl->in_len < sizeof(len) ? sizeof(len) - cl->in_len : sizeof(len) + len - cl->in_len;
	n = recv(cl->fd, cl->in + cl->in_len, want, MSG_DONTWAIT);
	if (n == 0)
		return -ECONNRESET;
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	if (cl->in_len == 0)
		cl->deadline_ns = now_ns() + CONTROL_DEADLINE_MS * UINT64_C(1000000);
	cl->in_len += (size_t)n;
	if (cl->in_len == sizeof(len)) {
		memcpy(&len, cl->in, sizeof(len));
		len = le32toh(len);
		if (len == 0 || len > CONTROL_REQUEST_MAX) {
			log_ratelimit_warning("Control client uid %u sent a %u byte request; dropping it.",
					      (unsigned)cl->cred.uid, len);
			return -EMSGSIZE;
		}
	}
	if (cl->in_len < sizeof(len) || cl->in_len < sizeof(len) + len)
		return 0;

	cl->in_len = 0;
	return client_reply(cl, control_answer(cl->server, &cl->cred, client_is_privileged(cl),
					       (const char *)cl->in + sizeof(len), len));
}

static int on_client(struct loop *l, struct loop_source *src)
{
	struct client *cl = src->userdata;
	int r;

	(void)l;
	r = cl->out ? client_send(cl) : client_receive(cl);
	if (r >= 0 && cl->out)
		r = client_send(cl);
	if (r < 0)
		client_drop(cl);
	return 0;
}

/* Connected clients of @uid. */
static unsigned clients_of(const struct control *c, uid_t uid)
{
	unsigned n = 0;

	for (unsigned i = 0; i < c->nclients; i++)
		n += !c->clients[i]->closing && c->clients[i]->cred.uid == uid;
	return n;
}

static int on_listener(struct loop *l, struct loop_source *src)
{
	struct control *c = src->userdata;
	socklen_t len = sizeof(struct ucred);
	struct client *cl;
	int fd;

	fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0) {
		if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
			return 0;
		/* Out of fds: the registration socket needs them more; retry on the next tick. */
		log_ratelimit_warning_errno(negative_errno(), "Failed to accept a control client: %m");
		loop_remove(l, src);
		return 0;
	}
	cl = calloc(1, sizeof(*cl));
	if (!cl) {
		safe_close(fd);
		return 0;
	}
	cl->server = c;
	cl->fd = fd;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cl->cred, &len) < 0) {
		safe_close(fd);
		free(cl);
		return 0;
	}
	/* one uid cannot take every slot, and the last ones are for who may change things */
	if (c->nclients >= CONTROL_CLIENTS_MAX ||
	    (!client_is_privileged(cl) && (c->nclients >= CONTROL_CLIENTS_MAX - CONTROL_CLIENTS_PRIVILEGED ||
				 clients_of(c, cl->cred.uid) >= CONTROL_CLIENTS_PER_UID))) {
		c->refused++;
		log_ratelimit_warning("Control client uid %u over the limit (%u connected); refusing it.",
				      (unsigned)cl->cred.uid, c->nclients);
		safe_close(fd);
		free(cl);
		return 0;
	}
	cl->deadline_ns = now_ns() + CONTROL_IDLE_MS * UINT64_C(1000000);
	cl->src = (struct loop_source) {
		.fd = fd, .handler = on_client, .release = client_release, .userdata = cl,
	};
	c->clients[c->nclients++] = cl;
	if (loop_add(l, &cl->src) < 0) {
		cl->closing = true;
		client_free(cl);
	}
	return 0;
}

/* Drops clients past their deadline; re-arms a listener paused for lack of fds. */
static int on_tick(struct loop *l, struct loop_source *src)
{
	struct control *c = src->userdata;
	uint64_t now = now_ns();

	for (unsigned i = 0; i < c->nclients; i++) {
		struct client *cl = c->clients[i];

		if (!cl->closing && now >= cl->deadline_ns) {
			log_ratelimit_warning("Control client uid %u %s in time; dropping it.",
					      (unsigned)cl->cred.uid,
					      cl->out ? "did not read its answer" :
					      cl->in_len ? "did not send its request" : "stayed idle");
			client_drop(cl);
		}
	}
	if (c->listener.removed && !c->listener.armed)
		(void)loop_add(l, &c->listener);
	return 0;
}

int control_attach(struct control *c, struct loop *l)
{
	int r;

	if (c->timer_fd < 0) {
		c->timer_fd = timerfd_periodic(CONTROL_TICK_NS, CONTROL_TICK_NS);
		if (c->timer_fd < 0)
			return c->timer_fd;
	}
	r = RET_NERRNO(fcntl(c->listen_fd, F_SETFL, fcntl(c->listen_fd, F_GETFL) | O_NONBLOCK));
	if (r < 0)
		return r;
	c->loop = l;
	c->listener = (struct loop_source) { .fd = c->listen_fd, .handler = on_listener, .userdata = c };
	c->tick = (struct loop_source) { .fd = c->timer_fd, .size = sizeof(uint64_t), .handler = on_tick,
					 .userdata = c };
	r = loop_add(l, &c->listener);
	if (r >= 0)
		r = loop_add(l, &c->tick);
	return r;
}

void control_detach(struct control *c)
{
	if (!c->loop)
		return;
	loop_remove(c->loop, &c->listener);
	loop_remove(c->loop, &c->tick);
	/* Freed once the loop lets go of them, or by control_free(). */
	for (unsigned i = 0; i < c->nclients; i++)
		client_drop(c->clients[i]);
	c->loop = NULL;
}
