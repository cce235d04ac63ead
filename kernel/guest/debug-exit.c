// SPDX-License-Identifier: GPL-2.0
/*
 * Write a status byte to QEMU's isa-debug-exit port (iobase 0xf4), which
 * makes QEMU exit with status (value << 1) | 1.  Usage: debug-exit VALUE
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/io.h>

int main(int argc, char **argv)
{
	int v = argc > 1 ? atoi(argv[1]) : 0;

	if (ioperm(0xf4, 4, 1)) {
		perror("ioperm");
		return 1;
	}
	outb((unsigned char)v, 0xf4);
	perror("debug-exit: still running after the port write");
	return 1;
}
