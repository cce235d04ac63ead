/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The manager: the configuration, the VMs being served in any mode, and
 * the control socket that shows and changes them.  Each mode (simulate,
 * --iopf-fd, registration) adds the VMs it serves and hooks the manager
 * into its event loop; a reload (SIGHUP or iopfctl) applies the files anew
 * to every VM's next faults.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf.h"
#include "loop.h"
#include "resolver.h"

#define MANAGER_VM_NAME_MAX 63
#define MANAGER_VMS_MAX 4096u

struct control;

struct manager_vm {
	char name[MANAGER_VM_NAME_MAX + 1];
	uint64_t id;
	pid_t pid;                    /* the VMM's, 0 if unknown */
	struct resolver *resolver;    /* owned by the mode that serves the VM */
	struct conf_settings settings; /* what it is served with now */
	struct conf_settings runtime;  /* what iopfctl set: kept until the next reload */
	unsigned nfault_rules;         /* rules by device or range it is served with */
};

struct manager {
	char *conf_dir;
	struct conf *conf;             /* the files, with the command line applied */
	struct conf_settings command_line;
	const char *mode;
	uint64_t start_ns;
	struct manager_vm **vms;
	size_t nvms;
	uint64_t reloads;
	uint64_t reload_failures;
	char reload_error[CONF_ERROR_MAX];  /* of the last failed reload, "" if it worked */
	struct control *control;
	struct loop *loop;
	int status_timer_fd;
	struct loop_source status_tick;
	char last_status[160];        /* STATUS= last sent, to send only changes */
};

/*
 * Loads the files in @conf_dir and applies @command_line (its set bits) over
 * them.  On a bad file returns -EINVAL with the position in @ret_error.
 */
int manager_new(const char *conf_dir, const struct conf_settings *command_line, const char *mode,
		struct manager **ret, char ret_error[CONF_ERROR_MAX]);
struct manager *manager_free(struct manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct manager *, manager_free);

/* Serves the control socket @fd (taking it; -EBADF for none) once attached to a loop. */
int manager_set_control(struct manager *m, int fd);
/* Hooks SIGHUP and the control socket into @l; manager_detach() before loop_done(). */
int manager_attach(struct manager *m, struct loop *l);
void manager_detach(struct manager *m);

/*
 * Tells the service manager what iopfd does now, as STATUS= (after
 * @prefix, such as "READY=1\n"): VMs, faults, and the last reload's
 * failure.  Also sent every MANAGER_STATUS_PERIOD_S while the counts move.
 */
void manager_notify_status(struct manager *m, const char *prefix);
#define MANAGER_STATUS_PERIOD_S 2

/* What a VM called @name would be served with. */
void manager_settings_for(const struct manager *m, const char *name, struct conf_settings *ret);
/* The resolver configuration for VM @name: its settings, with @base's kernel timeout. */
void manager_resolver_config(const struct manager *m, const char *name,
			     const struct resolver_config *base, struct resolver_config *ret);
/* Lists @resolver as serving VM @name, until manager_vm_remove(). */
int manager_vm_add(struct manager *m, const char *name, uint64_t id, pid_t pid,
		   struct resolver *resolver, struct manager_vm **ret);
void manager_vm_remove(struct manager *m, struct manager_vm *vm);
struct manager_vm *manager_vm_find(const struct manager *m, const char *name);

/*
 * Reads the files again and applies them to every VM (their next faults);
 * on error keeps everything as it was and returns -EINVAL with the position
 * in @ret_error.  Tells the service manager RELOADING=1 .. READY=1.
 */
int manager_reload(struct manager *m, char ret_error[CONF_ERROR_MAX]);
/*
 * Sets @setting of the VMs matching @glob to what @value holds, until the
 * next reload; returns how many VMs it changed, -ENOENT if none matched.
 */
int manager_set(struct manager *m, const char *glob, enum conf_setting setting,
		const struct resolver_config *value, struct conf_origin origin);
