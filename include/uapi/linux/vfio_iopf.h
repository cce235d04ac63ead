/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * VFIO type1 I/O page fault (IOPF) interface.
 *
 * A type1 container whose devices can take I/O page faults maps guest memory
 * on demand instead of pinning it all at VFIO_IOMMU_MAP_DMA time.  Faults are
 * forwarded to a userspace resolver over a ring shared through an "iopf fd";
 * the resolver decides how much to map and asks the kernel to pin and map it
 * through the container.  The kernel answers every fault itself when no
 * resolver is attached, when the resolver does not answer in time, when the
 * ring is full, or when the iopf fd is closed.
 *
 * General ioctl format, as for the other VFIO container ioctls: every argument
 * starts with argsz (the size userspace passed) and flags.  Errors:
 *   ENOTTY     unknown ioctl
 *   EINVAL     argsz too small, unknown flag, non-zero reserved field, bad
 *              value (unaligned or overflowing range, unknown response code)
 *   ENOENT     unknown cookie or device index
 *   EEXIST     IOPF is already enabled on the container
 *   EBUSY      another resolver is attached (VFIO_IOPF_SET_RESOLVER), or an
 *              emulated IOMMU (mdev) group and IOPF would share the container
 *   ESTALE     the resolver to detach is no longer the attached one
 *   ENODEV     the container has no group attached or no device can fault
 *              (before VFIO_SET_IOMMU, the VFIO core answers every container
 *              ioctl but its own with EINVAL)
 *
 * All ioctls use _IO() with argsz, like the rest of VFIO, so an argument
 * struct can grow at its end without a new ioctl number.
 */
#ifndef _UAPI_LINUX_VFIO_IOPF_H
#define _UAPI_LINUX_VFIO_IOPF_H

#include <linux/types.h>
#include <linux/ioctl.h>
#include <linux/vfio.h>

/* VFIO_CHECK_EXTENSION argument: the container supports VFIO_IOMMU_ENABLE_IOPF. */
#define VFIO_TYPE1_IOPF			11

/*
 * VFIO_IOMMU_MAP_DMA flag: pin and map this range eagerly even though IOPF is
 * enabled on the container (selective faulting), e.g. for memory a device
 * without fault support, or a latency-critical queue, reaches.
 */
#define VFIO_DMA_MAP_FLAG_PIN_EAGER	(1 << 3)

/* Fault permissions, as in struct vfio_iopf_fault.perm */
#define VFIO_IOPF_PERM_READ		(1 << 0)
#define VFIO_IOPF_PERM_WRITE		(1 << 1)
#define VFIO_IOPF_PERM_EXEC		(1 << 2)
#define VFIO_IOPF_PERM_PRIV		(1 << 3)

/* Fault flags, as in struct vfio_iopf_fault.flags */
#define VFIO_IOPF_FAULT_PASID_VALID	(1 << 0)

/* Page response codes.  There is deliberately no FAILURE: it disables PRI. */
#define VFIO_IOPF_RESPONSE_SUCCESS	0
#define VFIO_IOPF_RESPONSE_INVALID	1

/*
 * struct vfio_iopf_ring_offsets - where the fault ring lives in the mapping
 *
 * The iopf fd is mmap()ed at offset 0 with length @mmap_size.  Each field
 * except @record_size and @mmap_size is a byte offset into that mapping:
 * @producer, @consumer, @entries, @mask, @overflow and @flags locate __u32
 * values, @records the first fault record.  Records are @record_size bytes
 * apart, so a newer kernel can append fields to struct vfio_iopf_fault.
 *
 * Indices are free running: record i lives at @records + (i & mask) *
 * @record_size.  The kernel writes a record, then store-releases @producer;
 * the resolver load-acquires @producer, reads records, then store-releases
 * @consumer.  @overflow counts faults the kernel answered itself because the
 * ring was full.
 */
struct vfio_iopf_ring_offsets {
	__u32	producer;
	__u32	consumer;
	__u32	entries;
	__u32	mask;
	__u32	overflow;
	__u32	flags;
	__u32	records;
	__u32	record_size;
	__aligned_u64	mmap_size;
};

/*
 * struct vfio_iopf_fault - one fault record in the ring
 * @cookie: issued by the kernel, never 0; names the fault in a resolve
 * @iova: page-aligned faulting I/O virtual address
 * @dma_iova: start of the VFIO_IOMMU_MAP_DMA range holding @iova
 * @dma_size: size of that range; a resolve window must lie inside it
 * @timestamp_ns: CLOCK_MONOTONIC time the fault reached the kernel handler
 * @perm: VFIO_IOPF_PERM_* the device asked for
 * @flags: VFIO_IOPF_FAULT_*
 * @dev_id: index of the faulting device, see VFIO_IOPF_DEVICE_INFO
 * @pasid: valid when VFIO_IOPF_FAULT_PASID_VALID is set
 *
 * A page request group carrying several faults is delivered as one record,
 * the group's last fault; the kernel maps the others before queueing it.
 */
struct vfio_iopf_fault {
	__aligned_u64	cookie;
	__aligned_u64	iova;
	__aligned_u64	dma_iova;
	__aligned_u64	dma_size;
	__aligned_u64	timestamp_ns;
	__u32	perm;
	__u32	flags;
	__u32	dev_id;
	__u32	pasid;
	__aligned_u64	__reserved;
};

/*
 * VFIO_IOMMU_ENABLE_IOPF - _IO(VFIO_TYPE, VFIO_BASE + 22), on the container
 *
 * Turns on IOPF for every fault-capable device of the container and returns
 * a new iopf fd (O_CLOEXEC) as the ioctl's return value.  Devices that cannot
 * fault keep eager pinning.  @ring_entries is a power of two from 64 to 65536,
 * or 0 for the default (4096).  There is no disable: closing the container
 * tears IOPF down.  Enabling twice gives EEXIST.
 *
 * An emulated IOMMU group (an mdev, which pins through vfio_pin_pages()) and
 * IOPF do not share a container: its pins of on-demand ranges would not be
 * charged to RLIMIT_MEMLOCK.  ENABLE on a container holding one gives EBUSY,
 * and so does VFIO_GROUP_SET_CONTAINER of one once IOPF is on; a VMM puts the
 * mdev in a container of its own.
 */
struct vfio_iommu_type1_enable_iopf {
	__u32	argsz;
	__u32	flags;			/* must be 0 */
	__u32	ring_entries;
	__u32	__reserved;		/* must be 0 */
	__u32	out_features;		/* VFIO_IOPF_FEATURE_* */
	__u32	out_ndevices;
	struct vfio_iopf_ring_offsets out_ring;
};

#define VFIO_IOPF_FEATURE_RELEASE	(1 << 0)
#define VFIO_IOPF_FEATURE_NOTIFIER	(1 << 1)
#define VFIO_IOPF_FEATURE_MAP_AHEAD	(1 << 2)	/* map-only resolve entries */

#define VFIO_IOMMU_ENABLE_IOPF		_IO(VFIO_TYPE, VFIO_BASE + 22)

/* The ioctls below are issued on the iopf fd. */

/*
 * VFIO_IOPF_SET_RESOLVER - attach (or detach) the resolver
 * @flags: VFIO_IOPF_RESOLVER_*
 * @eventfd: signalled when records are queued; -1 detaches the resolver
 * @timeout_ms: a fault not resolved within this time is resolved by the
 *	kernel's fallback window; 0 picks the default (1000 ms)
 *
 * There is one resolver at a time.  Attaching while another eventfd is
 * attached gives EBUSY, unless VFIO_IOPF_RESOLVER_TAKEOVER is set (a
 * restarted resolver replacing one that died): then the displaced eventfd
 * is signalled once more, and the faults it had been given stay queued for
 * the new resolver.  Attaching the eventfd already attached changes its
 * timeout.  On success an attach returns the resolver's id (> 0), which
 * VFIO_IOPF_INFO reports as out_resolver_id while it stays attached, so a
 * displaced resolver can tell.
 *
 * With VFIO_IOPF_RESOLVER_DETACH, @eventfd names the resolver to detach:
 * ESTALE if it is not the one attached (it was displaced), and nothing
 * changes.  @eventfd -1 without that flag detaches whichever is attached.
 *
 * While no resolver is attached the kernel resolves every fault itself.  A
 * resolver that has not even read a record by its timeout is taken for gone:
 * the kernel resolves new faults itself, without queueing them, until the
 * consumer index moves again or VFIO_IOPF_SET_RESOLVER is called.
 */
struct vfio_iopf_set_resolver {
	__u32	argsz;
	__u32	flags;
	__s32	eventfd;
	__u32	timeout_ms;
};

#define VFIO_IOPF_RESOLVER_TAKEOVER	(1 << 0)
#define VFIO_IOPF_RESOLVER_DETACH	(1 << 1)

#define VFIO_IOPF_SET_RESOLVER		_IO(VFIO_TYPE, VFIO_BASE + 23)

/*
 * struct vfio_iopf_resolve_entry - answer for one fault
 * @cookie: from the fault record
 * @map_iova: start of the window to pin and map (page aligned)
 * @map_size: its size, page aligned; 0 with SUCCESS means "already mapped"
 * @response: VFIO_IOPF_RESPONSE_*; with INVALID, @map_iova and @map_size
 *	must be 0
 * @out_result: 0, or a negative errno
 *
 * The window must lie inside one DMA range and contain the faulting page.
 * Pages already mapped inside the window are left as they are.  If part of
 * the window cannot be pinned (the locked memory limit, memory the process
 * does not back), the fault is still answered SUCCESS with out_result 0 as
 * long as the faulting page itself is mapped; only that page is promised.
 * On any other error for a known cookie (EINVAL for a window or response
 * the kernel cannot use, or "already mapped" when the page is not; EACCES
 * for a permission the range lacks) the kernel answers the fault itself
 * with its fallback window, or INVALID if that cannot be mapped either, and
 * out_result says why: a resolver bug never leaves a device waiting.  An
 * unknown or already answered cookie gives ENOENT.  A resolver killed in
 * the call cannot pin: a fault it could not map is answered by the kernel's
 * timeout work at once, with its fallback window, and its entry gets the
 * error.
 *
 * Cookie 0, never given to a fault, makes a map-only entry
 * (VFIO_IOPF_FEATURE_MAP_AHEAD): SUCCESS with a non-empty window inside one
 * range mapped on demand, pinned and mapped with no fault answered, so that
 * a resolver can answer a fault as soon as its page is mapped and map the
 * rest of its window in a later call.  out_result is 0 once the whole
 * window is mapped, ENOENT if no range mapped on demand holds it, EINVAL
 * for a window the kernel cannot use, or the error of the first part that
 * could not be pinned (ENOMEM over the locked memory limit); what was
 * mapped before it stays mapped.
 *
 * The fallback window is the aligned block of iopf_fallback_pages pages
 * (module parameter, 512 by default: the 2 MiB block) that holds the
 * faulting page, trimmed to its DMA range.
 */
struct vfio_iopf_resolve_entry {
	__aligned_u64	cookie;
	__aligned_u64	map_iova;
	__aligned_u64	map_size;
	__u32	response;
	__s32	out_result;
};

/*
 * VFIO_IOPF_RESOLVE - pin, map and answer a batch of faults
 * @count: number of entries following; argsz must cover them all
 * @out_done: number of entries processed, each with its own out_result
 *
 * Pages are pinned through the address space that created the DMA range and
 * mapped in every domain of the container, then the page response is sent.
 */
struct vfio_iopf_resolve {
	__u32	argsz;
	__u32	flags;			/* must be 0 */
	__u32	count;
	__u32	out_done;
	struct vfio_iopf_resolve_entry entries[];
};

#define VFIO_IOPF_RESOLVE		_IO(VFIO_TYPE, VFIO_BASE + 24)
#define VFIO_IOPF_RESOLVE_MAX		1024

/*
 * VFIO_IOPF_RELEASE - unmap and unpin pages mapped on demand
 * @iova, @size: page-aligned range; eagerly pinned ranges inside it are kept
 * @out_released: bytes unmapped and unpinned
 *
 * A 2 MiB block mapped with one IOMMU page (see out_mapped_blocks) is
 * released as a whole when the range covers any part of it, as it is when
 * the process's mapping changes under any part of it.
 */
struct vfio_iopf_release {
	__u32	argsz;
	__u32	flags;			/* must be 0 */
	__aligned_u64	iova;
	__aligned_u64	size;
	__aligned_u64	out_released;
};

#define VFIO_IOPF_RELEASE		_IO(VFIO_TYPE, VFIO_BASE + 25)

/*
 * VFIO_IOPF_INFO - counters and settings
 * @out_faults: faults received from the IOMMU
 * @out_resolved: faults answered through VFIO_IOPF_RESOLVE
 * @out_fallback: faults answered by the in-kernel fallback window
 * @out_invalid: faults answered INVALID
 * @out_timeouts: faults the resolver did not answer in time
 * @out_overflow: faults that found the ring full
 * @out_mapped_pages: pages currently mapped on demand
 * @out_locked_pages: pages charged to locked_vm by ranges mapped on demand
 * @out_fallback_pages: size of the in-kernel fallback window
 * @out_ndevices: devices of the container, see VFIO_IOPF_DEVICE_INFO
 * @out_resolver_id: id of the attached resolver (see VFIO_IOPF_SET_RESOLVER),
 *	0 if none; reported only when argsz covers it
 * @out_mapped_blocks: 2 MiB blocks of @out_mapped_pages mapped with one
 *	IOMMU page each (a physically contiguous block, e.g. THP or hugetlb
 *	backing, in domains that support that page size); reported only when
 *	argsz covers it
 */
struct vfio_iopf_info {
	__u32	argsz;
	__u32	flags;			/* must be 0 */
	__aligned_u64	out_faults;
	__aligned_u64	out_resolved;
	__aligned_u64	out_fallback;
	__aligned_u64	out_invalid;
	__aligned_u64	out_timeouts;
	__aligned_u64	out_overflow;
	__aligned_u64	out_mapped_pages;
	__aligned_u64	out_locked_pages;
	__u32	out_fallback_pages;
	__u32	out_ndevices;
	__u32	out_features;
	__u32	__reserved;
	struct vfio_iopf_ring_offsets out_ring;
	__aligned_u64	out_mapped_blocks;
	__u32	out_resolver_id;
	__u32	__reserved2;
};

#define VFIO_IOPF_INFO			_IO(VFIO_TYPE, VFIO_BASE + 26)

/*
 * VFIO_IOPF_DEVICE_INFO - which path a device of the container is on
 * @index: in, 0 .. out_ndevices - 1; the dev_id of its fault records
 * @out_flags: VFIO_IOPF_DEVICE_FAULTS (mapped on demand) or
 *	VFIO_IOPF_DEVICE_EAGER (cannot fault, pinned eagerly)
 * @out_name: NUL-terminated device name, e.g. "0000:00:03.0"
 */
struct vfio_iopf_device_info {
	__u32	argsz;
	__u32	flags;			/* must be 0 */
	__u32	index;
	__u32	out_flags;
	char	out_name[32];
};

#define VFIO_IOPF_DEVICE_FAULTS		(1 << 0)
#define VFIO_IOPF_DEVICE_EAGER		(1 << 1)

#define VFIO_IOPF_DEVICE_INFO		_IO(VFIO_TYPE, VFIO_BASE + 27)

#endif /* _UAPI_LINUX_VFIO_IOPF_H */
