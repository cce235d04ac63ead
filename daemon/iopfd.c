/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * iopfd: the userspace I/O page fault resolver.  This build serves the
 * simulator backend; the VFIO backend plugs into the same resolver.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "parse.h"
#include "simulate.h"

#define EXIT_USAGE 2

static struct simulate_options arg_options;
static const char *arg_workload;
static bool arg_json;

static void help(void)
{
	printf("Usage: %s --simulate WORKLOAD [OPTIONS]\n"
	       "\n"
	       "Resolve I/O page faults of a simulated VM with passthrough devices and\n"
	       "report what it cost.\n"
	       "\n"
	       "  -s, --simulate=WORKLOAD   run a simulated VM: %s\n"
	       "  -p, --policy=POLICY       exact | fixed[:PAGES] | adaptive[:MIN:MAX]\n"
	       "                            (default adaptive:%u:%u)\n"
	       "      --no-resolver         leave every fault to the in-kernel fallback window\n"
	       "  -m, --memory=SIZE         VM memory, K/M/G/T suffixes (default 1G)\n"
	       "  -d, --devices=N           simulated devices (default 1)\n"
	       "  -q, --queue-depth=N       outstanding faults per device (default 1)\n"
	       "      --ranges=N            DMA ranges the memory is split into (default 1)\n"
	       "  -n, --accesses=N          random and hot-set accesses in all\n"
	       "                            (default one per page of memory)\n"
	       "      --stride=PAGES        page step of the strided workload (default 8)\n"
	       "      --zipf=EXPONENT       skew of the hot-set workload (default 1.0)\n"
	       "      --seed=N              random seed (default 1)\n"
	       "      --pin-limit=SIZE      locked memory limit of the VM (default none)\n"
	       "      --fallback-pages=N    the kernel's fallback window (default %u)\n"
	       "  -b, --batch=N             faults per resolve call, 1..%u (default %u)\n"
	       "      --ring-entries=N      fault ring size, a power of two (default 4096)\n"
	       "      --timeout=MS          kernel waits this long for iopfd (default 1000)\n"
	       "      --json                print the summary as JSON\n"
	       "  -v, --verbose             log debug messages\n"
	       "  -h, --help                show this help\n"
	       "      --version             show the version\n",
	       program_invocation_short_name, workload_kind_list(), IOPF_ADAPTIVE_MIN_DEFAULT,
	       IOPF_ADAPTIVE_MAX_DEFAULT, IOPF_FIXED_PAGES_DEFAULT, VFIO_IOPF_RESOLVE_MAX,
	       VFIO_IOPF_RESOLVE_MAX);
}

static _printf_(1, 2) int usage_error(const char *format, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", program_invocation_short_name);
	va_start(ap, format);
	vfprintf(stderr, format, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", program_invocation_short_name);
	return -EINVAL;
}

enum {
	ARG_NO_RESOLVER = 0x100,
	ARG_RANGES,
	ARG_STRIDE,
	ARG_ZIPF,
	ARG_SEED,
	ARG_PIN_LIMIT,
	ARG_FALLBACK_PAGES,
	ARG_RING_ENTRIES,
	ARG_TIMEOUT,
	ARG_JSON,
	ARG_VERSION,
};

static const struct option options[] = {
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
	{ "seed", required_argument, NULL, ARG_SEED },
	{ "pin-limit", required_argument, NULL, ARG_PIN_LIMIT },
	{ "fallback-pages", required_argument, NULL, ARG_FALLBACK_PAGES },
	{ "batch", required_argument, NULL, 'b' },
	{ "ring-entries", required_argument, NULL, ARG_RING_ENTRIES },
	{ "timeout", required_argument, NULL, ARG_TIMEOUT },
	{ "json", no_argument, NULL, ARG_JSON },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, ARG_VERSION },
	{}
};

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
	case 'p':
		r = iopf_policy_parse(value, &o->resolver.policy);
		if (r < 0)
			return usage_error("invalid policy '%s' (exact, fixed[:PAGES] or adaptive[:MIN:MAX])", value);
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
		if (*end || !(o->sim.workload.zipf_exponent > 0 && o->sim.workload.zipf_exponent <= 10))
			return usage_error("invalid --zipf '%s': an exponent in (0, 10]", value);
		return 0;
	case ARG_SEED:
		r = parse_u64(value, UINT64_MAX, &o->sim.workload.seed);
		break;
	case ARG_PIN_LIMIT:
		r = parse_size(value, &pages);
		if (r < 0 || pages < IOPF_PAGE_SIZE)
			return usage_error("invalid --pin-limit '%s': at least 4K", value);
		o->sim.pin_limit_pages = pages >> IOPF_PAGE_SHIFT;
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
	if (r >= 0 && value[0] == '0' && c != ARG_SEED && c != ARG_TIMEOUT)
		r = -EINVAL;
	if (r < 0) {
		for (const struct option *opt = options; opt->name; opt++)
			if (opt->val == c) {
				fprintf(stderr, "%s: invalid --%s '%s'\n", program_invocation_short_name,
					opt->name, value);
				break;
			}
		fprintf(stderr, "Try '%s --help' for more information.\n", program_invocation_short_name);
	}
	return r;
}

/* Returns 1 to run, 0 to exit successfully (help, version), <0 on a usage error. */
static int parse_argv(int argc, char *argv[])
{
	int c, r;

	simulate_options_default(&arg_options);
	arg_options.progress = isatty(STDERR_FILENO);

	while ((c = getopt_long(argc, argv, "s:p:m:d:q:n:b:vh", options, NULL)) >= 0) {
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
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!arg_workload)
		return usage_error("nothing to do: give --simulate WORKLOAD (the VFIO backend comes with the kernel series)");
	if ((uint64_t)arg_options.sim.ndevices * arg_options.sim.streams_per_device > 4096)
		return usage_error("--devices x --queue-depth must not exceed 4096");
	if ((arg_options.sim.memory_bytes >> IOPF_PAGE_SHIFT) <
	    (uint64_t)arg_options.sim.ndevices * arg_options.sim.streams_per_device)
		return usage_error("--memory must hold at least one page per outstanding fault");
	return 1;
}

int main(int argc, char *argv[])
{
	struct simulate_result result;
	int r;

	log_open();
	r = parse_argv(argc, argv);
	if (r <= 0)
		return r < 0 ? EXIT_USAGE : EXIT_SUCCESS;

	if (arg_json)
		arg_options.progress = false;
	r = simulate_run(&arg_options, &result);
	if (r < 0)
		return EXIT_FAILURE;

	if (arg_json)
		r = simulate_report_json(stdout, &arg_options, &result);
	else
		simulate_report(stdout, &arg_options, &result);
	if (r < 0) {
		log_error_errno(r, "Failed to print the report: %m");
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}
