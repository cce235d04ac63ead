/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The simulator: plays the kernel's part of iopf in userspace.  It owns a
 * simulated VM (DMA ranges over its memory), a simulated IOMMU page table,
 * locked-memory accounting, and devices whose DMA streams fault on unmapped
 * pages and wait for the page response.  Faults travel to the resolver over
 * the real ring layout, in a memfd the resolver mmap()s, announced through
 * the resolver's eventfd; answers come back through sim_resolve(), which
 * takes the same struct as VFIO_IOPF_RESOLVE.  The devices run in their own
 * thread, so the resolver sees faults arrive concurrently, as from hardware.
 */

#include <stdbool.h>
#include <stdint.h>

#include <linux/vfio_iopf.h>

#include "histogram.h"
#include "workload.h"

struct sim_config {
	struct workload_config workload;  /* npages and nstreams are derived */
	uint64_t memory_bytes;
	uint32_t ndevices;
	uint32_t streams_per_device;      /* outstanding faults per device (PRI credits) */
	uint32_t nranges;                 /* DMA ranges the memory is split into */
	uint64_t pin_limit_pages;         /* locked_vm limit; 0 = none */
	uint32_t ring_entries;
	uint32_t fallback_pages;          /* the in-kernel window */
	bool manual;                      /* no workload: devices access what sim_access_start() says */
};

void sim_config_default(struct sim_config *ret);

struct sim_stats {
	uint64_t accesses;        /* DMA accesses the devices completed */
	uint64_t faults;          /* faults raised by devices */
	uint64_t forwarded;       /* faults queued on the ring */
	uint64_t resolved;        /* answered through sim_resolve() */
	uint64_t fallback;        /* answered by the in-kernel window */
	uint64_t invalid;         /* answered INVALID */
	uint64_t timeouts;        /* forwarded but not answered in time */
	uint64_t overflow;        /* found the ring full */
	uint64_t detached;        /* outstanding when the resolver went away */
	uint64_t mapped_pages;    /* pages in the IOMMU page table */
	uint64_t touched_pages;   /* distinct pages the devices accessed */
	uint64_t pinned_pages;
	uint64_t peak_pinned_pages;
	uint64_t double_maps;     /* a page mapped when already mapped: must stay 0 */
	uint64_t resolve_calls;
	uint64_t outstanding;     /* faults waiting for an answer right now */
	uint64_t elapsed_ns;      /* from sim_start() to the last device finishing */
	struct histogram latency; /* fault to page response, as the device sees it */
};

struct sim;

int sim_new(const struct sim_config *c, struct sim **ret);
/* Stops the devices, answers what is outstanding, frees everything. */
struct sim *sim_free(struct sim *s);

/* The memfd the ring lives in, and its layout: what VFIO_IOMMU_ENABLE_IOPF returns. */
int sim_ring_fd(const struct sim *s);
void sim_ring_offsets(const struct sim *s, struct vfio_iopf_ring_offsets *ret);
/* Becomes readable when every device has finished its workload. */
int sim_done_fd(const struct sim *s);

int sim_start(struct sim *s);
/* Joins the device thread; returns once every device has finished. */
int sim_wait(struct sim *s);

/* The iopf fd's ioctls. */
int sim_set_resolver(struct sim *s, const struct vfio_iopf_set_resolver *arg);
int sim_resolve(struct sim *s, struct vfio_iopf_resolve *arg);
int sim_release(struct sim *s, struct vfio_iopf_release *arg);
int sim_info(struct sim *s, struct vfio_iopf_info *arg);
/* Simulated device N is called "simN". */
int sim_device_info(struct sim *s, struct vfio_iopf_device_info *arg);

void sim_get_stats(struct sim *s, struct sim_stats *ret);

/*
 * With config.manual, each device accesses only what it is told to, one
 * page at a time, as the mock IOPF device's DMA command does: it faults if
 * the page is not mapped and waits for the answer, retrying on SUCCESS.
 * Start: -EBUSY while the device's last access runs, -ENOENT for an IOVA
 * outside the DMA ranges.  Wait: 0 once the access is done, -EFAULT if it
 * was answered INVALID, -ETIMEDOUT if neither happened in @timeout_ms.
 */
int sim_access_start(struct sim *s, uint32_t dev, uint64_t iova, bool write);
int sim_access_wait(struct sim *s, uint32_t dev, uint32_t timeout_ms);
/* The DMA ranges: iova and size of range @index; -ENOENT past the last. */
int sim_range(const struct sim *s, uint32_t index, uint64_t *ret_iova, uint64_t *ret_size);
