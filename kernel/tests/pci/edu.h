/* SPDX-License-Identifier: GPL-2.0 */
/* QEMU's "edu" PCI device: its registers, and binding it to vfio-pci. */
#ifndef IOPF_EDU_H
#define IOPF_EDU_H

#include <dirent.h>
#include "iopf_mock.h"

#define EDU_VENDOR	"0x1234"
#define EDU_DEVICE	"0x11e8"
#define EDU_ID		0x00
#define EDU_DMA_SRC	0x80
#define EDU_DMA_DST	0x88
#define EDU_DMA_COUNT	0x90
#define EDU_DMA_CMD	0x98
#define EDU_DMA_RUN	0x1
#define EDU_DMA_TO_RAM	0x2
#define EDU_BUF		0x40000	/* the device's own 4 KiB buffer */
#define EDU_LEN		2048	/* QEMU 7.2's edu refuses a transfer of all of it */

static inline int read_attr(const char *dev, const char *attr, char *buf, size_t len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", dev, attr);
	return t_read_line(path, buf, len);
}

/* The edu device's PCI address, bound to vfio-pci. */
static inline void edu_bind(char *bdf, size_t len)
{
	char v[32], d[32], path[PATH_MAX], link[PATH_MAX];
	struct dirent *e;
	DIR *dir = opendir("/sys/bus/pci/devices");
	ssize_t n;

	t_check(dir != NULL);
	bdf[0] = 0;
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.' ||
		    read_attr(e->d_name, "vendor", v, sizeof(v)) ||
		    read_attr(e->d_name, "device", d, sizeof(d)))
			continue;
		if (!strcmp(v, EDU_VENDOR) && !strcmp(d, EDU_DEVICE)) {
			snprintf(bdf, len, "%s", e->d_name);
			break;
		}
	}
	closedir(dir);
	if (!bdf[0])
		t_fail("no edu device (QEMU -device edu) on the PCI bus");

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override", bdf);
	t_write_str(path, "vfio-pci");
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	if (access(path, F_OK) == 0) {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind", bdf);
		t_write_str(path, bdf);
	}
	t_write_str("/sys/bus/pci/drivers_probe", bdf);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	t_check(n > 0);
	link[n] = 0;
	t_check(strcmp(strrchr(link, '/') + 1, "vfio-pci") == 0);
}

#endif
