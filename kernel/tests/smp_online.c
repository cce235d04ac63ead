// SPDX-License-Identifier: GPL-2.0
/*
 * The races the other tests try need CPUs running at once: at least as many
 * CPUs are online as the harness asked for with iopf.min_cpus=N (the debug
 * flavour boots with two).
 */
#include "iopf_test.h"

int main(void)
{
	char line[4096], *p;
	long want = 1, online = sysconf(_SC_NPROCESSORS_ONLN);

	t_check(t_read_line("/proc/cmdline", line, sizeof(line)) == 0);
	p = strstr(line, "iopf.min_cpus=");
	if (p)
		want = strtol(p + strlen("iopf.min_cpus="), NULL, 10);
	fprintf(stderr, "%ld cpu(s) online, %ld wanted\n", online, want);
	t_check(online >= want);
	return T_PASS;
}
