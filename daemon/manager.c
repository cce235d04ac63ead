/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "control.h"
#include "log.h"
#include "manager.h"
#include "time-util.h"

int manager_new(const char *conf_dir, const struct conf_settings *command_line, const char *mode,
		struct manager **ret, char ret_error[CONF_ERROR_MAX])
{
	_cleanup_(manager_freep) struct manager *m = calloc(1, sizeof(*m));
	int r;

	if (!m)
		return -ENOMEM;
	m->status_timer_fd = -EBADF;
	m->conf_dir = strdup(conf_dir);
	if (!m->conf_dir)
		return -ENOMEM;
	m->command_line = *command_line;
	m->mode = mode;
	m->start_ns = now_ns();
	r = conf_load(conf_dir, &m->conf, ret_error);
	if (r < 0)
		return r;
	conf_settings_apply(&m->conf->defaults, &m->command_line);
	*ret = TAKE_PTR(m);
	return 0;
}

struct manager *manager_free(struct manager *m)
{
	if (!m)
		return NULL;
	control_free(m->control);
	safe_close(m->status_timer_fd);
	for (size_t i = 0; i < m->nvms; i++)
		free(m->vms[i]);
	free(m->vms);
	conf_free(m->conf);
	free(m->conf_dir);
	free(m);
	return NULL;
}

int manager_set_control(struct manager *m, int fd)
{
	return control_new(m, fd, &m->control);
}

static void on_sighup(struct loop *l, void *userdata)
{
	struct manager *m = userdata;
	char error[CONF_ERROR_MAX];

	(void)l;
	manager_reload(m, error);
}

void manager_notify_status(struct manager *m, const char *prefix)
{
	uint64_t faults = 0, abandoned = 0;
	char status[sizeof(m->last_status)];

	for (size_t i = 0; i < m->nvms; i++) {
		faults += m->vms[i]->resolver->stats.faults;
		abandoned += m->vms[i]->resolver->stats.abandoned;
	}
	snprintf(status, sizeof(status), "Serving %zu VM%s; %" PRIu64 " faults, %" PRIu64
		 " left to the kernel%s", m->nvms, m->nvms == 1 ? "" : "s", faults, abandoned,
		 m->reload_error[0] ? "; the last reload failed" : "");
	if (!*prefix && streq(status, m->last_status))
		return;
	memcpy(m->last_status, status, sizeof(status));
	sd_notifyf(false, "%sSTATUS=%s", prefix, status);
}

/* Every MANAGER_STATUS_PERIOD_S: STATUS=, and idle reclaim for the VMs that want it. */
static int on_status_tick(struct loop *l, struct loop_source *src)
{
	struct manager *m = src->userdata;
	uint64_t now = now_ns();

	(void)l;
	manager_notify_status(m, "");
	for (size_t i = 0; i < m->nvms; i++)
		resolver_reclaim_idle(m->vms[i]->resolver, now);
	return 0;
}

int manager_attach(struct manager *m, struct loop *l)
{
	const uint64_t period_ns = MANAGER_STATUS_PERIOD_S * UINT64_C(1000000000);
	int r;

	m->loop = l;
	l->reload = on_sighup;
	l->reload_userdata = m;
	if (m->status_timer_fd < 0) {
		m->status_timer_fd = timerfd_periodic(period_ns, period_ns);
		if (m->status_timer_fd < 0)
			return m->status_timer_fd;
	}
	m->status_tick = (struct loop_source) {
		.fd = m->status_timer_fd, .size = sizeof(uint64_t), .handler = on_status_tick, .userdata = m,
	};
	r = loop_add(l, &m->status_tick);
	if (r >= 0 && m->control)
		r = control_attach(m->control, l);
	return r;
}

void manager_detach(struct manager *m)
{
	if (!m->loop)
		return;
	loop_remove(m->loop, &m->status_tick);
	if (m->control)
		control_detach(m->control);
	m->loop = NULL;
}

void manager_settings_for(const struct manager *m, const char *name, struct conf_settings *ret)
{
	conf_vm_settings(m->conf, name, ret);
}

void manager_resolver_config(const struct manager *m, const char *name,
			     const struct resolver_config *base, struct resolver_config *ret)
{
	struct conf_settings s;

	if (!m) {
		*ret = *base;
		return;
	}
	manager_settings_for(m, name, &s);
	*ret = s.resolver;
	ret->timeout_ms = base->timeout_ms;
}

/* What @vm is served with: the files, then what iopfctl set. */
static int vm_apply(struct manager_vm *vm, const struct conf *conf)
{
	struct conf_settings s;
	struct fault_rules rules;
	int r;

	conf_vm_settings(conf, vm->name, &s);
	conf_settings_apply(&s, &vm->runtime);
	r = resolver_set_config(vm->resolver, &s.resolver);
	if (r < 0)
		return r;
	conf_vm_fault_rules(conf, vm->name, &rules);
	resolver_set_rules(vm->resolver, &rules);
	vm->settings = s;
	vm->nfault_rules = rules.n;
	return 0;
}

int manager_vm_add(struct manager *m, const char *name, uint64_t id, pid_t pid,
		   struct resolver *resolver, struct manager_vm **ret)
{
	struct manager_vm **vms, *vm;
	int r;

	if (m->nvms >= MANAGER_VMS_MAX)
		return -EMFILE;
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	vms = reallocarray(m->vms, m->nvms + 1, sizeof(*vms));
	if (!vms) {
		free(vm);
		return -ENOMEM;
	}
	m->vms = vms;
	snprintf(vm->name, sizeof(vm->name), "%s", name);
	vm->id = id;
	vm->pid = pid;
	vm->resolver = resolver;
	r = vm_apply(vm, m->conf);
	if (r < 0) {
		free(vm);
		return r;
	}
	m->vms[m->nvms++] = vm;
	if (ret)
		*ret = vm;
	return 0;
}

void manager_vm_remove(struct manager *m, struct manager_vm *vm)
{
	for (size_t i = 0; i < m->nvms; i++)
		if (m->vms[i] == vm) {
			memmove(m->vms + i, m->vms + i + 1, (m->nvms - i - 1) * sizeof(*m->vms));
			m->nvms--;
			free(vm);
			return;
		}
}

struct manager_vm *manager_vm_find(const struct manager *m, const char *name)
{
	for (size_t i = 0; i < m->nvms; i++)
		if (streq(m->vms[i]->name, name))
			return m->vms[i];
	return NULL;
}

int manager_reload(struct manager *m, char ret_error[CONF_ERROR_MAX])
{
	_cleanup_(conf_freep) struct conf *conf = NULL;
	int r;

	sd_notifyf(false, "RELOADING=1\nMONOTONIC_USEC=%llu", (unsigned long long)(now_ns() / 1000));
	log_info("Reloading the configuration from %s.", m->conf_dir);
	r = conf_load(m->conf_dir, &conf, ret_error);
	if (r >= 0) {
		conf_settings_apply(&conf->defaults, &m->command_line);
		for (size_t i = 0; i < m->nvms; i++) {
			/* A reload returns every VM to what the files say. */
			m->vms[i]->runtime = (struct conf_settings) { 0 };
			r = vm_apply(m->vms[i], conf);
			if (r < 0) {
				snprintf(ret_error, CONF_ERROR_MAX, "VM %s: %s", m->vms[i]->name,
					 strerror(-r));
				/* The VMs before it have the new settings: finish with the old files. */
				for (size_t j = 0; j < i; j++)
					vm_apply(m->vms[j], m->conf);
				break;
			}
		}
	}
	if (r < 0) {
		m->reload_failures++;
		snprintf(m->reload_error, sizeof(m->reload_error), "%s", ret_error);
		log_error_errno(r, "Reloading failed, keeping the previous configuration: %s", ret_error);
	} else {
		conf_free(m->conf);
		m->conf = TAKE_PTR(conf);
		m->reloads++;
		m->reload_error[0] = '\0';
		log_info("Reloaded the configuration: %zu rules, %zu VMs.", m->conf->nrules, m->nvms);
	}
	manager_notify_status(m, "READY=1\n");
	/* a file that cannot be read is a bad file too: not "no such VM" (ENOENT) or "denied" */
	return r < 0 && r != -ENOMEM ? -EINVAL : r;
}

int manager_set(struct manager *m, const char *glob, enum conf_setting setting,
		const struct resolver_config *value, struct conf_origin origin)
{
	int changed = 0;

	for (size_t i = 0; i < m->nvms; i++) {
		struct manager_vm *vm = m->vms[i];
		struct conf_settings saved = vm->runtime;
		struct conf_settings from = { .resolver = *value };
		int r;

		if (fnmatch(glob, vm->name, 0) != 0)
			continue;
		from.origin[setting] = origin;
		from.set = 1u << setting;
		conf_settings_apply(&vm->runtime, &from);
		r = vm_apply(vm, m->conf);
		if (r < 0) {
			vm->runtime = saved;
			return r;
		}
		changed++;
	}
	return changed ? changed : -ENOENT;
}
