/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * iopfd: the userspace I/O page fault resolver.  It serves the iopf fds VMMs
 * register on its socket (--listen, or the one systemd passes), one
 * inherited iopf fd (--iopf-fd), or a simulated VM (--simulate), all with
 * the same resolver.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "control-protocol.h"
#include "control.h"
#include "log.h"
#include "manager.h"
#include "parse.h"
#include "register.h"
#include "serve.h"
#include "simulate.h"

#define EXIT_USAGE 2

static struct simulate_options arg_options;
static const char *arg_workload;
static const char *arg_sim_option; /* name of the first option only --simulate takes */
static int arg_iopf_fd = -1;
static const char *arg_listen;
static int arg_listen_fd = -1;  /* from --listen, or passed by the service manager */
static struct register_stored_fd *arg_stored;  /* VMs' fds from the service manager's fd store */
static size_t arg_nstored;
static int arg_ready_fd = -1;
static bool arg_json;
static struct workload_trace *arg_trace;
static const char *arg_trace_path;
static const char *arg_config_dir = SYSCONFDIR "/iopfd";
static const char *arg_control;
static int arg_control_fd = -EBADF;  /* from --control, or passed by the service manager */
static struct conf_settings arg_command_line;  /* what the options set over the files */

static void help(void)
{
	printf("Usage: %s --listen=PATH [OPTIONS]\n"
	       "       %s --iopf-fd=FD [OPTIONS]\n"
	       "       %s --simulate=WORKLOAD [OPTIONS]\n"
	       "\n"
	       "Resolve I/O page faults of VFIO passthrough devices, or of a simulated VM,\n"
	       "and report what it cost.  Started by iopfd.socket, it serves the socket\n"
	       "systemd passes.\n"
	       "\n"
	       "  -l, --listen=PATH         serve the VMs that register on this socket\n"
	       "                            until SIGINT/SIGTERM (iopfd.socket: %s)\n"
	       "      --iopf-fd=FD          serve this inherited iopf fd until SIGINT/SIGTERM\n"
	       "      --ready-fd=FD         write one byte to FD once serving, then close it\n"
	       "  -s, --simulate=WORKLOAD   run a simulated VM: %s\n"
	       "  -p, --policy=POLICY       exact | fixed[:PAGES] | adaptive[:MIN:MAX] |\n"
	       "                            auto[:MIN:MAX] (default auto, fitted to what\n"
	       "                            faults cost; auto:%u:%u until measured)\n"
	       "  -b, --batch=N             faults per resolve call, 1..%u (default %u)\n"
	       "      --budget=SIZE         pin at most SIZE on demand per VM, releasing the\n"
	       "                            least recently faulted memory first (default none)\n"
	       "      --no-map-ahead        pin a fault's whole window before answering it\n"
	       "      --idle-reclaim=SEC    release what no fault has used for SEC seconds\n"
	       "                            (default 0: never)\n"
	       "      --device-rate=SIZE    bytes a second the devices move, such as 2G: auto\n"
	       "                            is sized for the stall faults are measured to\n"
	       "                            cost them (default 0: measured from their runs)\n"
	       "      --timeout=MS          kernel waits this long for iopfd (default 1000)\n"
	       "  -c, --config-dir=DIR      read iopfd.json and policies.d/ there (default %s)\n"
	       "      --control=PATH        serve iopfctl on this socket (iopfd-control.socket: %s)\n"
	       "      --json                print the summary as JSON\n"
	       "  -v, --verbose             log debug messages\n"
	       "  -h, --help                show this help\n"
	       "      --version             show the version\n"
	       "\n"
	       "Simulation only:\n"
	       "      --no-resolver         leave every fault to the in-kernel fallback window\n"
	       "  -m, --memory=SIZE         VM memory, K/M/G/T suffixes (default 1G)\n"
	       "  -d, --devices=N           simulated devices (default 1)\n"
	       "  -q, --queue-depth=N       outstanding faults per device (default 1)\n"
	       "      --ranges=N            DMA ranges the memory is split into (default 1)\n"
	       "  -n, --accesses=N          random and hot-set accesses in all\n"
	       "                            (default one per page of memory)\n"
	       "      --stride=PAGES        page step of the strided workload (default 8)\n"
	       "      --zipf=EXPONENT       skew of the hot-set and phases workloads, 0 for\n"
	       "                            uniform (default 1.0)\n"
	       "      --message-size=SIZE   source and destination of each message (default 1M)\n"
	       "      --messages=N          messages in all (default as many as fit in memory)\n"
	       "      --reuse               every message of a queue uses the same two buffers\n"
	       "      --phases=N            times the phases workload's hot set moves (default %u)\n"
	       "      --working-set=SIZE    the phases workload's hot set (default 1/16 of memory)\n"
	       "      --trace=FILE          accesses of the trace workload, lines of\n"
	       "                            'DEVICE IOVA_HEX r|w'\n"
	       "      --seed=N              random seed (default 1)\n"
	       "      --pin-limit=SIZE      locked memory limit of the VM (default none)\n"
	       "      --fallback-pages=N    the kernel's fallback window (default %u)\n"
	       "      --ring-entries=N      fault ring size, a power of two (default 4096)\n",
	       program_invocation_short_name, program_invocation_short_name,
	       program_invocation_short_name, REGISTER_SOCKET_PATH, workload_kind_list(),
	       IOPF_AUTO_MIN_DEFAULT, IOPF_AUTO_MAX_DEFAULT, VFIO_IOPF_RESOLVE_MAX,
	       VFIO_IOPF_RESOLVE_MAX, SYSCONFDIR "/iopfd", CONTROL_SOCKET_PATH,
	       WORKLOAD_PHASES_DEFAULT, IOPF_FIXED_PAGES_DEFAULT);
}

static _printf_(1, 2) int usage_error(const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	print_usage_error(format, ap);
	va_end(ap);
	return -EINVAL;
}

enum {
	ARG_NO_RESOLVER = 0x100,
	ARG_RANGES,
	ARG_STRIDE,
	ARG_ZIPF,
	ARG_MESSAGE_SIZE,
	ARG_MESSAGES,
	ARG_REUSE,
	ARG_PHASES,
	ARG_WORKING_SET,
	ARG_TRACE,
	ARG_SEED,
	ARG_PIN_LIMIT,
	ARG_BUDGET,
	ARG_IDLE_RECLAIM,
	ARG_DEVICE_RATE,
	ARG_NO_MAP_AHEAD,
	ARG_FALLBACK_PAGES,
	ARG_RING_ENTRIES,
	ARG_TIMEOUT,
	ARG_JSON,
	ARG_VERSION,
	ARG_IOPF_FD,
	ARG_READY_FD,
	ARG_CONTROL,
};

static const struct option options[] = {
	{ "listen", required_argument, NULL, 'l' },
	{ "iopf-fd", required_argument, NULL, ARG_IOPF_FD },
	{ "ready-fd", required_argument, NULL, ARG_READY_FD },
	{ "simulate", required_argument, NULL, 's' },
	{ "policy", required_argument, NULL, 'p' },
	{ "no-resolver", no_argument, NULL, ARG_NO_RESOLVER },
	{ "memory", required_argument, NULL, 'm' },
	{ "devices", required_argument, NULL, 'd' },
	{ "queue-depth", required_argument, NULL, 'q' },
	{ "ranges", required_argument, NULL, ARG_RANGES },
	{ "accesses", required_argument, NULL, 'n' },
	{ "stride", required_argument, NULL, ARG_STRIDE },
	{ "zipf", required_argument, NULL, ARG_ZIPF },
	{ "message-size", required_argument, NULL, ARG_MESSAGE_SIZE },
	{ "messages", required_argument, NULL, ARG_MESSAGES },
	{ "reuse", no_argument, NULL, ARG_REUSE },
	{ "phases", required_argument, NULL, ARG_PHASES },
	{ "working-set", required_argument, NULL, ARG_WORKING_SET },
	{ "trace", required_argument, NULL, ARG_TRACE },
	{ "seed", required_argument, NULL, ARG_SEED },
	{ "pin-limit", required_argument, NULL, ARG_PIN_LIMIT },
	{ "fallback-pages", required_argument, NULL, ARG_FALLBACK_PAGES },
	{ "batch", required_argument, NULL, 'b' },
	{ "budget", required_argument, NULL, ARG_BUDGET },
	{ "idle-reclaim", required_argument, NULL, ARG_IDLE_RECLAIM },
	{ "device-rate", required_argument, NULL, ARG_DEVICE_RATE },
	{ "no-map-ahead", no_argument, NULL, ARG_NO_MAP_AHEAD },
	{ "ring-entries", required_argument, NULL, ARG_RING_ENTRIES },
	{ "timeout", required_argument, NULL, ARG_TIMEOUT },
	{ "json", no_argument, NULL, ARG_JSON },
	{ "config-dir", required_argument, NULL, 'c' },
	{ "control", required_argument, NULL, ARG_CONTROL },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, ARG_VERSION },
	{}
};

static const char *option_name(int c)
{
	for (const struct option *opt = options; opt->name; opt++)
		if (opt->val == c)
			return opt->name;
	return "?";
}

/* A size of at least a page (K/M/G/T suffixes), as a page count, for option @c. */
static int parse_pages_option(int c, const char *value, uint64_t *ret_pages)
{
	uint64_t bytes;

	if (parse_size(value, &bytes) < 0 || bytes < IOPF_PAGE_SIZE)
		return usage_error("invalid --%s '%s': at least 4K", option_name(c), value);
	*ret_pages = bytes >> IOPF_PAGE_SHIFT;
	return 0;
}

/* Reads the trace file; a malformed line is a usage error that names it. */
static int load_trace(const char *path)
{
	unsigned line = 0;
	FILE *f;
	int r;

	if (arg_trace)
		return usage_error("--trace given twice");
	f = fopen(path, "re");
	if (!f)
		return log_error_errno(negative_errno(), "Failed to open the trace %s: %m", path);
	r = workload_trace_parse(f, &arg_trace, &line);
	fclose(f);
	if (r == -ENOMEM || r == -EIO)
		return log_error_errno(r, "Failed to read the trace %s: %m", path);
	if (r < 0)
		return usage_error("%s:%u: %s; expected 'DEVICE IOVA r|w' (DEVICE below %u)", path, line,
				   r == -ERANGE ? "number out of range" :
				   r == -E2BIG ? "too many accesses" : "malformed access",
				   WORKLOAD_TRACE_DEVICES_MAX);
	arg_trace_path = path;
	arg_options.sim.workload.trace = arg_trace;
	return 0;
}

/* Checks the trace against the simulated VM it is to run on. */
static int check_trace(void)
{
	const struct sim_config *c = &arg_options.sim;
	unsigned line;
	uint64_t max_page;

	if ((c->workload.kind == WORKLOAD_TRACE) != !!arg_trace)
		return usage_error(arg_trace ? "--trace only applies to --simulate=trace" :
					       "--simulate=trace needs --trace=FILE");
	if (!arg_trace)
		return 0;
	if (workload_trace_devices(arg_trace) > c->ndevices)
		return usage_error("%s names %u devices: give --devices=%u or more", arg_trace_path,
				   workload_trace_devices(arg_trace), workload_trace_devices(arg_trace));
	max_page = workload_trace_max_page(arg_trace, &line);
	if (max_page >= c->memory_bytes >> IOPF_PAGE_SHIFT)
		return usage_error("%s:%u: the address lies beyond --memory", arg_trace_path, line);
	return 0;
}

/* Parses one option's value; on failure names the option and the bad value. */
static int parse_option(int c, const char *value)
{
	struct simulate_options *o = &arg_options;
	uint64_t pages;
	char *end;
	int r = 0;

	switch (c) {
	case 's':
		arg_workload = value;
		o->sim.workload.kind = workload_kind_from_string(value);
		if (o->sim.workload.kind < 0) {
			fprintf(stderr, "%s: unknown workload '%s'; valid workloads: %s\n",
				program_invocation_short_name, value, workload_kind_list());
			return -EINVAL;
		}
		return 0;
	case 'l':
		if (!*value)
			return usage_error("invalid --listen '': a socket path");
		arg_listen = value;
		return 0;
	case ARG_IOPF_FD:
	case ARG_READY_FD: {
		uint32_t fd;

		r = parse_u32(value, INT32_MAX, &fd);
		if (r < 0 || fd <= STDERR_FILENO)
			return usage_error("invalid --%s '%s': an open file descriptor above 2",
					   c == ARG_IOPF_FD ? "iopf-fd" : "ready-fd", value);
		*(c == ARG_IOPF_FD ? &arg_iopf_fd : &arg_ready_fd) = (int)fd;
		return 0;
	}
	case 'c':
	case ARG_CONTROL:
		if (!*value)
			return usage_error("invalid --%s '': a path", option_name(c));
		*(c == 'c' ? &arg_config_dir : &arg_control) = value;
		return 0;
	case 'p':
		r = iopf_policy_parse(value, &o->resolver.policy);
		if (r < 0)
			return usage_error("invalid policy '%s' (exact, fixed[:PAGES], adaptive[:MIN:MAX] or auto[:MIN:MAX])", value);
		return 0;
	case ARG_NO_RESOLVER:
		o->attach = false;
		return 0;
	case 'm':
		r = parse_size(value, &o->sim.memory_bytes);
		if (r < 0 || o->sim.memory_bytes == 0 || o->sim.memory_bytes % IOPF_PAGE_SIZE)
			return usage_error("invalid --memory '%s': a multiple of 4K, such as 1G", value);
		return 0;
	case 'd':
		r = parse_u32(value, 4096, &o->sim.ndevices);
		break;
	case 'q':
		r = parse_u32(value, 4096, &o->sim.streams_per_device);
		break;
	case ARG_RANGES:
		r = parse_u32(value, 64, &o->sim.nranges);
		break;
	case 'n':
		r = parse_u64(value, UINT64_C(1) << 40, &o->sim.workload.accesses);
		break;
	case ARG_STRIDE:
		r = parse_u32(value, 1u << 20, &o->sim.workload.stride_pages);
		break;
	case ARG_ZIPF:
		o->sim.workload.zipf_exponent = strtod(value, &end);
		if (*end || end == value ||
		    !(o->sim.workload.zipf_exponent >= 0 && o->sim.workload.zipf_exponent <= 10))
			return usage_error("invalid --zipf '%s': an exponent in [0, 10]", value);
		return 0;
	case ARG_MESSAGE_SIZE:
	case ARG_WORKING_SET:
		r = parse_size(value, &pages);
		if (r < 0 || pages == 0 || pages % IOPF_PAGE_SIZE)
			return usage_error("invalid --%s '%s': a multiple of 4K, such as 1M",
					   option_name(c), value);
		*(c == ARG_MESSAGE_SIZE ? &o->sim.workload.message_pages :
					  &o->sim.workload.working_set_pages) = pages >> IOPF_PAGE_SHIFT;
		return 0;
	case ARG_MESSAGES:
		r = parse_u64(value, UINT64_C(1) << 40, &o->sim.workload.messages);
		break;
	case ARG_REUSE:
		o->sim.workload.reuse = true;
		return 0;
	case ARG_PHASES:
		r = parse_u32(value, 1u << 20, &o->sim.workload.phases);
		break;
	case ARG_TRACE:
		return load_trace(value);
	case ARG_SEED:
		r = parse_u64(value, UINT64_MAX, &o->sim.workload.seed);
		break;
	case ARG_PIN_LIMIT:
		return parse_pages_option(c, value, &o->sim.pin_limit_pages);
	case ARG_BUDGET:
		return parse_pages_option(c, value, &o->resolver.budget_pages);
	case ARG_NO_MAP_AHEAD:
		o->resolver.no_map_ahead = true;
		return 0;
	case ARG_IDLE_RECLAIM:
		r = parse_u32(value, CONF_IDLE_RECLAIM_MAX_S, &o->resolver.idle_reclaim_s);
		break;
	case ARG_DEVICE_RATE:
		if (parse_size(value, &o->resolver.device_rate) < 0 ||
		    o->resolver.device_rate > CONF_DEVICE_RATE_MAX)
			return usage_error("invalid --device-rate '%s': bytes a second, such as 2G (0: unknown)",
					   value);
		return 0;
	case ARG_FALLBACK_PAGES:
		r = parse_u32(value, 1u << 20, &o->sim.fallback_pages);
		break;
	case 'b':
		r = parse_u32(value, VFIO_IOPF_RESOLVE_MAX, &o->resolver.batch_max);
		break;
	case ARG_RING_ENTRIES:
		r = parse_u32(value, 65536, &o->sim.ring_entries);
		if (r >= 0 && (o->sim.ring_entries < 64 || o->sim.ring_entries & (o->sim.ring_entries - 1)))
			r = -EINVAL;
		break;
	case ARG_TIMEOUT:
		r = parse_u32(value, 3600 * 1000, &o->resolver.timeout_ms);
		break;
	default:
		return -EINVAL;
	}
	/* Counts of things: zero is never meaningful. */
	if (r >= 0 && value[0] == '0' && c != ARG_SEED && c != ARG_TIMEOUT && c != ARG_MESSAGES &&
	    c != ARG_IDLE_RECLAIM)
		r = -EINVAL;
	if (r < 0)
		return usage_error("invalid --%s '%s'", option_name(c), value);
	return r;
}

static bool is_simulation_option(int c)
{
	switch (c) {
	case 'p':
	case 'b':
	case ARG_BUDGET:
	case ARG_NO_MAP_AHEAD:
	case ARG_IDLE_RECLAIM:
	case ARG_DEVICE_RATE:
	case ARG_TIMEOUT:
	case ARG_IOPF_FD:
	case ARG_READY_FD:
	case ARG_CONTROL:
	case 'c':
	case 'l':
	case 's':
		return false;
	default:
		return true;
	}
}

/*
 * Takes what systemd passed: the registration socket (the one listening
 * SOCK_SEQPACKET socket), and the fds of the VMs iopfd served before it was
 * restarted, from the fd store.  Returns 1 if it passed the socket, 0 if it
 * passed nothing.
 */
static int fds_from_service_manager(void)
{
	char **names = NULL;
	int n;

	n = sd_listen_fds_with_names(true, &names);
	if (n < 0)
		return log_error_errno(n, "Failed to read the fds passed by the service manager: %m");
	if (n == 0)
		return 0;
	arg_stored = calloc((size_t)n, sizeof(*arg_stored));
	if (!arg_stored)
		return log_error_errno(-ENOMEM, "Out of memory.");
	for (int i = 0; i < n; i++) {
		int fd = SD_LISTEN_FDS_START + i;

		if (arg_listen_fd < 0 && sd_is_socket(fd, AF_UNIX, SOCK_SEQPACKET, 1) > 0) {
			arg_listen_fd = fd;
			free(names[i]);
		} else if (arg_control_fd < 0 && sd_is_socket(fd, AF_UNIX, SOCK_STREAM, 1) > 0) {
			arg_control_fd = fd;
			free(names[i]);
		} else {
			arg_stored[arg_nstored++] = (struct register_stored_fd) { .fd = fd, .name = names[i] };
		}
	}
	free(names);
	if (arg_listen_fd < 0) {
		log_error("The service manager must pass one listening AF_UNIX SOCK_SEQPACKET "
			  "socket; it passed %d other fds.", n);
		return -EINVAL;
	}
	return 1;
}

/* Remembers that the command line set a setting, which then overrides iopfd.json. */
static void note_command_line(int c)
{
	enum conf_setting s;

	switch (c) {
	case 'p':
		s = CONF_POLICY;
		break;
	case 'b':
		s = CONF_BATCH;
		break;
	case ARG_BUDGET:
		s = CONF_BUDGET;
		break;
	case ARG_NO_MAP_AHEAD:
		s = CONF_MAP_AHEAD;
		break;
	case ARG_IDLE_RECLAIM:
		s = CONF_IDLE_RECLAIM;
		break;
	case ARG_DEVICE_RATE:
		s = CONF_DEVICE_RATE;
		break;
	default:
		return;
	}
	arg_command_line.set |= 1u << s;
	arg_command_line.origin[s] = CONF_ORIGIN_COMMAND_LINE;
}

/* Returns 1 to run, 0 to exit successfully (help, version), <0 on a usage error. */
static int parse_argv(int argc, char *argv[])
{
	int c, r;

	simulate_options_default(&arg_options);
	arg_options.progress = isatty(STDERR_FILENO);

	while ((c = getopt_long(argc, argv, "l:s:p:m:d:q:n:b:c:vh", options, NULL)) >= 0) {
		switch (c) {
		case 'h':
			help();
			return 0;
		case ARG_VERSION:
			printf("%s %s\n", program_invocation_short_name, PACKAGE_VERSION);
			return 0;
		case ARG_JSON:
			arg_json = true;
			break;
		case 'v':
			log_set_max_level(LOG_DEBUG);
			break;
		case '?':
			fprintf(stderr, "Try '%s --help' for more information.\n",
				program_invocation_short_name);
			return -EINVAL;
		default:
			r = parse_option(c, optarg);
			if (r < 0)
				return r;
			note_command_line(c);
			if (!arg_sim_option && is_simulation_option(c))
				arg_sim_option = option_name(c);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!!arg_listen + (arg_iopf_fd >= 0) + !!arg_workload > 1)
		return usage_error("--listen, --iopf-fd and --simulate exclude each other");
	if (!arg_listen && arg_iopf_fd < 0 && !arg_workload) {
		r = fds_from_service_manager();
		if (r < 0)
			return r;
		if (r == 0)
			return usage_error("nothing to do: give --listen=PATH, --iopf-fd=FD or "
					   "--simulate=WORKLOAD");
	}
	if (!arg_workload && arg_sim_option)
		return usage_error("--%s only applies to --simulate", arg_sim_option);
	if (arg_ready_fd >= 0 && arg_workload)
		return usage_error("--ready-fd does not apply to --simulate");
	if (!arg_workload)
		return 1;
	if ((uint64_t)arg_options.sim.ndevices * arg_options.sim.streams_per_device > 4096)
		return usage_error("--devices x --queue-depth must not exceed 4096");
	if ((arg_options.sim.memory_bytes >> IOPF_PAGE_SHIFT) <
	    (uint64_t)arg_options.sim.ndevices * arg_options.sim.streams_per_device)
		return usage_error("--memory must hold at least one page per outstanding fault");
	r = check_trace();
	return r < 0 ? r : 1;
}

/* The configuration files, the command line over them, and the control socket. */
static int manager_start(const char *mode, struct manager **ret)
{
	_cleanup_(manager_freep) struct manager *m = NULL;
	char error[CONF_ERROR_MAX];
	int r;

	arg_command_line.resolver = arg_options.resolver;
	r = manager_new(arg_config_dir, &arg_command_line, mode, &m, error);
	if (r == -EINVAL)
		return log_error_errno(r, "Bad configuration: %s", error);
	if (r < 0)
		return log_error_errno(r, "Failed to read the configuration: %s%s%m", error, *error ? ": " : "");
	if (arg_control) {
		r = control_listen(arg_control, &arg_control_fd);
		if (r < 0)
			return r;
	}
	if (arg_control_fd >= 0) {
		r = manager_set_control(m, TAKE_FD(arg_control_fd));
		if (r < 0)
			return log_error_errno(r, "Failed to set up the control socket: %m");
	}
	*ret = TAKE_PTR(m);
	return 0;
}

static int serve(void)
{
	_cleanup_(manager_freep) struct manager *m = NULL;
	struct serve_result result;
	int r;

	r = manager_start("iopf-fd", &m);
	if (r < 0)
		return r;
	r = serve_run(arg_iopf_fd, &arg_options.resolver, m, arg_ready_fd, &result);
	safe_close(arg_ready_fd);
	if (r < 0)
		return r;
	if (arg_json)
		return serve_report_json(stdout, &result);
	serve_report(stdout, &result);
	return 0;
}

static int listen_and_serve(void)
{
	_cleanup_(manager_freep) struct manager *m = NULL;
	struct register_stats stats;
	int r;

	r = manager_start("register", &m);
	if (r < 0)
		return r;
	if (arg_listen) {
		r = register_listen(arg_listen, &arg_listen_fd);
		if (r < 0)
			return r;
	}
	r = register_run(arg_listen_fd, arg_stored, arg_nstored, &arg_options.resolver, m, arg_ready_fd,
			 &stats);
	for (size_t i = 0; i < arg_nstored; i++)
		free((char *)arg_stored[i].name);
	free(arg_stored);
	safe_close(arg_ready_fd);
	if (arg_listen)
		unlink(arg_listen);
	arg_listen_fd = safe_close(arg_listen_fd);
	if (r < 0)
		return r;
	if (arg_json)
		return register_report_json(stdout, &stats);
	register_report(stdout, &stats);
	return 0;
}

static int simulate(void)
{
	_cleanup_(manager_freep) struct manager *m = NULL;
	struct simulate_result result;
	int r;

	r = manager_start("simulate", &m);
	if (r < 0)
		return r;
	arg_options.manager = m;
	if (arg_json)
		arg_options.progress = false;
	r = simulate_run(&arg_options, &result);
	if (r < 0)
		return r;
	if (arg_json)
		return simulate_report_json(stdout, &arg_options, &result);
	simulate_report(stdout, &arg_options, &result);
	return 0;
}

int main(int argc, char *argv[])
{
	int r;

	log_open();
	r = parse_argv(argc, argv);
	if (r <= 0) {
		workload_trace_free(arg_trace);
		return r < 0 ? EXIT_USAGE : EXIT_SUCCESS;
	}

	if (arg_workload)
		r = simulate();
	else if (arg_iopf_fd >= 0)
		r = serve();
	else
		r = listen_and_serve();
	workload_trace_free(arg_trace);
	if (arg_control)
		unlink(arg_control);
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
