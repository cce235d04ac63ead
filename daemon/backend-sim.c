/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "backend.h"
#include "sim.h"

static int sim_op_set_resolver(void *data, const struct vfio_iopf_set_resolver *arg)
{
	return sim_set_resolver(data, arg);
}

static int sim_op_resolve(void *data, struct vfio_iopf_resolve *arg)
{
	return sim_resolve(data, arg);
}

static int sim_op_release(void *data, struct vfio_iopf_release *arg)
{
	return sim_release(data, arg);
}

static int sim_op_info(void *data, struct vfio_iopf_info *arg)
{
	return sim_info(data, arg);
}

static int sim_op_device_info(void *data, struct vfio_iopf_device_info *arg)
{
	return sim_device_info(data, arg);
}

static const struct iopf_backend_ops sim_ops = {
	.name = "sim",
	.set_resolver = sim_op_set_resolver,
	.resolve = sim_op_resolve,
	.release = sim_op_release,
	.info = sim_op_info,
	.device_info = sim_op_device_info,
};

void iopf_backend_sim(struct sim *sim, struct iopf_backend *ret)
{
	*ret = (struct iopf_backend) {
		.ops = &sim_ops,
		.data = sim,
		.ring_fd = sim_ring_fd(sim),
	};
	sim_ring_offsets(sim, &ret->ring);
}
