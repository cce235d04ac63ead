// SPDX-License-Identifier: GPL-2.0
/*
 * Runs in the second boot, under QEMU's intel-iommu with its "edu" device
 * bound to vfio-pci: a real PCI device that cannot fault.  Its container
 * refuses IOPF (ENODEV) and keeps type1's eager path: MAP_DMA pins and
 * charges locked_vm, the device's DMA engine reads and writes the range
 * through the IOMMU, UNMAP_DMA gives locked_vm back and the IOMMU then
 * blocks the device.
 */
#include "edu.h"

#define IOVA	0x100000ULL	/* edu clamps DMA addresses to 28 bits */
#define SIZE	(2ULL << 20)
#define PG	4096

static struct vfio_region_info region(int device, __u32 index)
{
	struct vfio_region_info r = { .argsz = sizeof(r), .index = index };

	t_check(ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &r) == 0);
	return r;
}

/* Let the device master the bus, so that its DMA engine may run. */
static void edu_bus_master(int device)
{
	struct vfio_region_info cfg = region(device, VFIO_PCI_CONFIG_REGION_INDEX);
	__u16 cmd;

	t_check(pread(device, &cmd, 2, cfg.offset + 4) == 2);
	cmd |= 0x4;	/* PCI_COMMAND_MASTER */
	t_check(pwrite(device, &cmd, 2, cfg.offset + 4) == 2);
}

static volatile __u64 *edu_reg64(volatile void *bar, unsigned int off)
{
	return (volatile __u64 *)((volatile char *)bar + off);
}

/* One transfer of the device's DMA engine; waits until it is done. */
static void edu_dma(volatile void *bar, __u64 src, __u64 dst, __u64 len,
		    __u64 dir)
{
	int i;

	*edu_reg64(bar, EDU_DMA_SRC) = src;
	*edu_reg64(bar, EDU_DMA_DST) = dst;
	*edu_reg64(bar, EDU_DMA_COUNT) = len;
	*edu_reg64(bar, EDU_DMA_CMD) = EDU_DMA_RUN | dir;
	/* the engine runs from a 100 ms timer of the virtual clock */
	for (i = 0; i < 1000 && (*edu_reg64(bar, EDU_DMA_CMD) & EDU_DMA_RUN); i++)
		usleep(10000);
	t_check(!(*edu_reg64(bar, EDU_DMA_CMD) & EDU_DMA_RUN));
}

int main(void)
{
	struct vfio_iommu_type1_enable_iopf en = { .argsz = sizeof(en) };
	struct vfio_region_info bar0;
	unsigned char *mem = t_alloc(SIZE);
	volatile void *bar;
	char bdf[NAME_MAX + 1], dev[PATH_MAX];
	struct t_vfio v;
	long base;

	edu_bind(bdf, sizeof(bdf));
	snprintf(dev, sizeof(dev), "/sys/bus/pci/devices/%s", bdf);
	t_check(t_vfio_open(dev, bdf, -1, &v) == 0);

	/* the container can do IOPF, but no device in it can fault */
	t_check(ioctl(v.container, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOPF) == 1);
	t_check_err(ioctl(v.container, VFIO_IOMMU_ENABLE_IOPF, &en), ENODEV);

	base = t_locked_kb();
	t_fill(mem, SIZE, 5);
	t_check(t_map(v.container, mem, IOVA, SIZE, T_RW) == 0);
	t_check(t_locked_kb() - base == (long)(SIZE >> 10));

	bar0 = region(v.device, VFIO_PCI_BAR0_REGION_INDEX);
	t_check(bar0.flags & VFIO_REGION_INFO_FLAG_MMAP);
	bar = mmap(NULL, bar0.size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   v.device, bar0.offset);
	t_check(bar != MAP_FAILED);
	t_check((*(volatile __u32 *)((volatile char *)bar + EDU_ID) & 0xff) == 0xed);
	edu_bus_master(v.device);

	/* page 3 -> the device's buffer -> page 300: same bytes */
	t_check(memcmp(mem + 3 * PG, mem + 300 * PG, EDU_LEN) != 0);
	edu_dma(bar, IOVA + 3 * PG, EDU_BUF, EDU_LEN, 0);
	edu_dma(bar, EDU_BUF, IOVA + 300 * PG, EDU_LEN, EDU_DMA_TO_RAM);
	t_check(memcmp(mem + 3 * PG, mem + 300 * PG, EDU_LEN) == 0);
	t_check(mem[300 * PG + EDU_LEN] ==
		(unsigned char)((300 * PG + EDU_LEN) * 7 + 5 + 300));

	t_check(t_unmap(v.container, IOVA, SIZE, NULL) == 0);
	t_check(t_locked_kb() == base);
	/* unmapped: the IOMMU stops the device's write */
	memset(mem + 10 * PG, 0x5a, PG);
	edu_dma(bar, EDU_BUF, IOVA + 10 * PG, EDU_LEN, EDU_DMA_TO_RAM);
	t_check(mem[10 * PG] == 0x5a && mem[10 * PG + EDU_LEN - 1] == 0x5a);
	printf("edu %s: eager DMA through intel-iommu ok\n", bdf);
	return T_PASS;
}
