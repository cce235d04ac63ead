// SPDX-License-Identifier: GPL-2.0
/* The mock DMA command rejects a short argsz, unknown flags and bad ranges. */
#include <stddef.h>
#include "iopf_mock.h"

int main(void)
{
	struct vfio_iopf_mock_dma cmd;
	unsigned char buf[16];
	struct t_vfio v;

	t_mock_setup(MOCK_FAULTING, &v);
#define RESET() do {							\
	memset(&cmd, 0, sizeof(cmd));					\
	cmd.argsz = sizeof(cmd);					\
	cmd.iova = 0x100000;						\
	cmd.length = sizeof(buf);					\
	cmd.data = (unsigned long)buf;					\
} while (0)
	RESET();
	cmd.argsz = offsetof(struct vfio_iopf_mock_dma, out_invalid);
	t_check_err(ioctl(v.device, VFIO_IOPF_MOCK_DMA, &cmd), EINVAL);
	RESET();
	cmd.flags = 1 << 5;
	t_check_err(ioctl(v.device, VFIO_IOPF_MOCK_DMA, &cmd), EINVAL);
	RESET();
	cmd.length = 0;
	t_check_err(ioctl(v.device, VFIO_IOPF_MOCK_DMA, &cmd), EINVAL);
	RESET();
	cmd.iova = ~0ULL - 4;
	t_check_err(ioctl(v.device, VFIO_IOPF_MOCK_DMA, &cmd), EINVAL);
	t_check_err(ioctl(v.device, _IO(VFIO_TYPE, VFIO_BASE + 91), &cmd), ENOTTY);
	return T_PASS;
}
