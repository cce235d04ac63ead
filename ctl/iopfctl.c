/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * iopfctl: shows and changes what a running iopfd does, over its control
 * socket (control-protocol.h).  Tables for people, --json for scripts,
 * OpenMetrics for a node-exporter textfile collector.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control-protocol.h"
#include "json-util.h"
#include "macro.h"
#include "parse.h"

/* Exit statuses, see iopfctl(8). */
enum {
	EXIT_REFUSED = 1,     /* iopfd answered with an error */
	EXIT_USAGE = 2,
	EXIT_UNREACHABLE = 3, /* no iopfd on the socket */
	EXIT_DENIED = 4,      /* iopfd refused: not privileged */
};

#define CALL_TIMEOUT_MS 10000

static const char *arg_socket = CONTROL_SOCKET_PATH;
static bool arg_json;
static const char *arg_format = "table";
static unsigned arg_watch_s;

static void help(void)
{
	printf("Usage: %s [OPTIONS] COMMAND [ARGS]\n"
	       "\n"
	       "Show and change what the iopf fault resolver does.\n"
	       "\n"
	       "Commands:\n"
	       "  status                 what iopfd serves, and how it is configured\n"
	       "  vms                    the VMs iopfd serves\n"
	       "  devices                the devices that faulted, per VM\n"
	       "  stats                  each VM's counters\n"
	       "  policy show [VM]       a VM's settings (or the defaults) and their origin\n"
	       "  policy set VM POLICY   use POLICY for the VMs matching VM (a glob)\n"
	       "  budget set VM SIZE     pin at most SIZE on demand for the VMs matching VM\n"
	       "  reload                 read the configuration files again\n"
	       "\n"
	       "Options:\n"
	       "  -s, --socket=PATH      iopfd's control socket (default %s)\n"
	       "  -j, --json             print iopfd's answer as JSON\n"
	       "      --format=FORMAT    stats as table, json or openmetrics\n"
	       "  -w, --watch=SECONDS    print stats again every SECONDS until interrupted\n"
	       "  -h, --help             show this help\n"
	       "      --version          show the version\n",
	       program_invocation_short_name, CONTROL_SOCKET_PATH);
}

static _printf_(1, 2) int usage_error(const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	print_usage_error(format, ap);
	va_end(ap);
	return EXIT_USAGE;
}

static const char *str(json_object *o, const char *key)
{
	const char *s = json_object_get_string(json_object_object_get(o, key));

	return s ? s : "";
}

static uint64_t u64(json_object *o, const char *key)
{
	return json_object_get_uint64(json_object_object_get(o, key));
}

static void print_status(json_object *r)
{
	printf("mode:            %s\n", str(r, "mode"));
	printf("version:         %s\n", str(r, "iopfd_version"));
	printf("uptime:          %.1f s\n", (double)u64(r, "uptime_ms") / 1000);
	printf("configuration:   %s\n", str(r, "config_dir"));
	printf("default policy:  %s\n", str(r, "policy"));
	printf("VMs:             %" PRIu64 "\n", u64(r, "vms"));
	printf("faults:          %" PRIu64 "\n", u64(r, "faults"));
	printf("reloads:         %" PRIu64 " (%" PRIu64 " failed)\n", u64(r, "reloads"),
	       u64(r, "reload_failures"));
	if (*str(r, "reload_error"))
		printf("last reload:     %s\n", str(r, "reload_error"));
}

static void print_vms(json_object *r, bool stats)
{
	json_object *vms = json_object_object_get(r, "vms");
	char budget[32];

	if (stats)
		printf("%-20s %12s %10s %10s %8s %8s %12s\n", "VM", "FAULTS", "CALLS", "ERRORS",
		       "STALE", "ABANDON", "PINNED");
	else
		printf("%-20s %6s %8s %-16s %10s %8s\n", "VM", "ID", "PID", "POLICY", "BUDGET", "DEVICES");
	for (size_t i = 0; i < json_object_array_length(vms); i++) {
		json_object *vm = json_object_array_get_idx(vms, i);

		if (stats) {
			format_bytes(budget, sizeof(budget), u64(vm, "pinned_bytes"));
			printf("%-20s %12" PRIu64 " %10" PRIu64 " %10" PRIu64 " %8" PRIu64 " %8" PRIu64
			       " %12s\n", str(vm, "name"), u64(vm, "faults"), u64(vm, "resolve_calls"),
			       u64(vm, "errors"), u64(vm, "stale"), u64(vm, "abandoned"), budget);
			continue;
		}
		if (u64(vm, "budget_bytes"))
			format_bytes(budget, sizeof(budget), u64(vm, "budget_bytes"));
		else
			snprintf(budget, sizeof(budget), "none");
		printf("%-20s %6" PRIu64 " %8" PRIu64 " %-16s %10s %8" PRIu64 "\n", str(vm, "name"),
		       u64(vm, "id"), u64(vm, "pid"), str(vm, "policy"), budget, u64(vm, "devices"));
	}
}

static void print_devices(json_object *r)
{
	json_object *devices = json_object_object_get(r, "devices");

	printf("%-20s %6s %-16s %12s\n", "VM", "ID", "DEVICE", "FAULTS");
	for (size_t i = 0; i < json_object_array_length(devices); i++) {
		json_object *d = json_object_array_get_idx(devices, i);

		printf("%-20s %6" PRIu64 " %-16s %12" PRIu64 "\n", str(d, "vm"), u64(d, "id"),
		       *str(d, "name") ? str(d, "name") : "-", u64(d, "faults"));
	}
}

/* The OpenMetrics text format: one family per counter, a sample per VM. */
static void print_openmetrics(json_object *r)
{
	static const char *const counters[] = {
		"faults", "resolve_calls", "pages_requested", "errors", "stale", "bad_records",
		"retries", "abandoned", "released_bytes", "reclaimed_bytes", "release_errors", "ahead_bytes",
		"cautious",
	};
	json_object *vms = json_object_object_get(r, "vms");

	for (size_t c = 0; c < ARRAY_SIZE(counters); c++) {
		printf("# TYPE iopfd_%s counter\n", counters[c]);
		for (size_t i = 0; i < json_object_array_length(vms); i++) {
			json_object *vm = json_object_array_get_idx(vms, i);

			printf("iopfd_%s_total{vm=\"%s\"} %" PRIu64 "\n", counters[c], str(vm, "name"),
			       u64(vm, counters[c]));
		}
	}
	printf("# TYPE iopfd_pinned_bytes gauge\n");
	for (size_t i = 0; i < json_object_array_length(vms); i++) {
		json_object *vm = json_object_array_get_idx(vms, i);

		printf("iopfd_pinned_bytes{vm=\"%s\"} %" PRIu64 "\n", str(vm, "name"),
		       u64(vm, "pinned_bytes"));
	}
	printf("# EOF\n");
}

static void print_settings(json_object *r)
{
	json_object *settings = json_object_object_get(r, "settings"), *rules;
	struct json_object_iter it;

	if (*str(r, "vm"))
		printf("VM %s (%s)\n", str(r, "vm"),
		       json_object_get_boolean(json_object_object_get(r, "served")) ? "served" :
										   "not served now");
	else
		printf("defaults for every VM\n");
	json_object_object_foreachC(settings, it)
		printf("  %-10s %-16s %s\n", it.key, str(it.val, "value"), str(it.val, "origin"));
	rules = json_object_object_get(r, "rules");
	for (size_t i = 0; i < json_object_array_length(rules); i++) {
		json_object *rule = json_object_array_get_idx(rules, i);

		if (i == 0)
			printf("rules by device and range (a later one wins):\n");
		printf("  device %s", str(rule, "device"));
		if (json_object_object_get(rule, "iova"))
			printf(" iova 0x%" PRIx64 " size 0x%" PRIx64, u64(rule, "iova"), u64(rule, "size"));
		if (json_object_object_get(rule, "policy"))
			printf(" policy %s", str(rule, "policy"));
		if (json_object_object_get(rule, "fault"))
			printf(" fault %s", str(rule, "fault"));
		printf("  %s\n", str(rule, "origin"));
	}
}

/* Sends one request; prints the answer; returns the exit status. */
static int call(int fd, json_object *request, const char *command)
{
	_cleanup_(json_object_putp) json_object *reply = NULL;
	int r, error;

	r = control_call(fd, request, CALL_TIMEOUT_MS, &reply);
	if (r < 0) {
		fprintf(stderr, "%s: no answer from iopfd on %s: %s\n", program_invocation_short_name,
			arg_socket, strerror(-r));
		return EXIT_UNREACHABLE;
	}
	if (!json_object_get_boolean(json_object_object_get(reply, "ok"))) {
		error = (int)json_object_get_int(json_object_object_get(reply, "errno"));
		if (arg_json)
			json_print(stdout, reply);
		fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, command, str(reply, "error"));
		return error == EPERM || error == EACCES ? EXIT_DENIED : EXIT_REFUSED;
	}
	if (arg_json || streq(arg_format, "json"))
		json_print(stdout, reply);
	else if (streq(command, "status"))
		print_status(reply);
	else if (streq(command, "vms"))
		print_vms(reply, false);
	else if (streq(command, "devices"))
		print_devices(reply);
	else if (streq(command, "stats"))
		streq(arg_format, "openmetrics") ? print_openmetrics(reply) : print_vms(reply, true);
	else if (streq(command, "policy-show"))
		print_settings(reply);
	else if (json_object_object_get(reply, "changed"))
		printf("%d VM(s) changed\n", json_object_get_int(json_object_object_get(reply, "changed")));
	fflush(stdout);
	return EXIT_SUCCESS;
}

/* Turns argv (after the options) into a request; NULL with a usage message. */
static json_object *request_of(int argc, char **argv, const char **ret_command)
{
	json_object *req = json_object_new_object();
	const char *cmd = argc > 0 ? argv[0] : "status", *sub = argc > 1 ? argv[1] : NULL;
	/* without a command, the status */
	int nargs = 0, words = argc > 0 ? argc : 1;

	if (!req)
		return NULL;
	json_add(req, "version", json_object_new_int(CONTROL_PROTOCOL_VERSION));
	if (streq(cmd, "status") || streq(cmd, "vms") || streq(cmd, "stats") || streq(cmd, "reload") ||
	    streq(cmd, "devices")) {
		*ret_command = cmd;
		nargs = 1;
	} else if ((streq(cmd, "policy") && sub && streq(sub, "show") && argc <= 3)) {
		*ret_command = "policy-show";
		if (argc == 3)
			json_add(req, "vm", json_object_new_string(argv[2]));
		nargs = argc;
	} else if ((streq(cmd, "policy") || streq(cmd, "budget")) && sub && streq(sub, "set") &&
		   argc == 4) {
		*ret_command = streq(cmd, "policy") ? "policy-set" : "budget-set";
		json_add(req, "vm", json_object_new_string(argv[2]));
		json_add(req, cmd, json_object_new_string(argv[3]));
		nargs = 4;
	}
	if (nargs && nargs < words) {
		json_object_put(req);
		usage_error("'%s' takes no argument '%s'", cmd, argv[nargs]);
		return NULL;
	}
	if (!nargs) {
		json_object_put(req);
		if (streq(cmd, "policy"))
			usage_error("'policy' wants 'show [VM]' or 'set VM POLICY'");
		else if (streq(cmd, "budget"))
			usage_error("'budget' wants 'set VM SIZE'");
		else
			usage_error("invalid command '%s'", cmd);
		return NULL;
	}
	json_add(req, "command", json_object_new_string(*ret_command));
	return req;
}

int main(int argc, char *argv[])
{
	enum { ARG_VERSION = 0x100, ARG_FORMAT };
	static const struct option options[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "format", required_argument, NULL, ARG_FORMAT },
		{ "watch", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, ARG_VERSION },
		{}
	};
	_cleanup_(json_object_putp) json_object *request = NULL;
	_cleanup_close_ int fd = -EBADF;
	const char *command = NULL;
	int c, r;

	if (getenv("IOPFD_CONTROL_SOCKET"))
		arg_socket = getenv("IOPFD_CONTROL_SOCKET");
	while ((c = getopt_long(argc, argv, "s:jw:h", options, NULL)) >= 0) {
		switch (c) {
		case 's':
			arg_socket = optarg;
			break;
		case 'j':
			arg_json = true;
			break;
		case ARG_FORMAT:
			if (!streq(optarg, "table") && !streq(optarg, "json") && !streq(optarg, "openmetrics"))
				return usage_error("invalid --format '%s': table, json or openmetrics", optarg);
			arg_format = optarg;
			break;
		case 'w':
			if (parse_u32(optarg, 3600, &arg_watch_s) < 0 || arg_watch_s == 0)
				return usage_error("invalid --watch '%s': seconds, 1 to 3600", optarg);
			break;
		case 'h':
			help();
			return EXIT_SUCCESS;
		case ARG_VERSION:
			printf("%s %s\n", program_invocation_short_name, PACKAGE_VERSION);
			return EXIT_SUCCESS;
		default:
			fprintf(stderr, "Try '%s --help' for more information.\n",
				program_invocation_short_name);
			return EXIT_USAGE;
		}
	}
	request = request_of(argc - optind, argv + optind, &command);
	if (!request)
		return EXIT_USAGE;
	if ((arg_watch_s || !streq(arg_format, "table")) && !streq(command, "stats"))
		return usage_error("--watch and --format only apply to stats");

	/* a connection each time: iopfd drops one idle for CONTROL_IDLE_MS, less than --watch may wait */
	for (;;) {
		r = control_connect(arg_socket, &fd);
		if (r < 0) {
			fprintf(stderr, "%s: cannot reach iopfd on %s: %s%s\n", program_invocation_short_name,
				arg_socket, strerror(-r),
				r == -ENOENT || r == -ECONNREFUSED ? " (is iopfd running?)" : "");
			return r == -EACCES ? EXIT_DENIED : EXIT_UNREACHABLE;
		}
		r = call(fd, request, command);
		fd = safe_close(fd);
		if (r != EXIT_SUCCESS || !arg_watch_s)
			return r;
		sleep(arg_watch_s);
		if (!arg_json && streq(arg_format, "table"))
			printf("\n");
	}
}
