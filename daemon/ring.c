/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "ring.h"

#define IOPF_PAGE_SIZE 4096u
#define IOPF_CACHELINE 64u
#define IOPF_RING_MIN 64u
#define IOPF_RING_MAX 65536u

static bool is_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

/*
 * Producer and consumer index each get their own cache line, so the two
 * sides do not bounce one line between CPUs on every record.
 */
int iopf_ring_layout(uint32_t entries, struct vfio_iopf_ring_offsets *ret_offsets)
{
	struct vfio_iopf_ring_offsets off = {
		.producer = 0,
		.consumer = IOPF_CACHELINE,
		.entries = 2 * IOPF_CACHELINE,
		.mask = 2 * IOPF_CACHELINE + 4,
		.overflow = 2 * IOPF_CACHELINE + 8,
		.flags = 2 * IOPF_CACHELINE + 12,
		.records = 4 * IOPF_CACHELINE,
		.record_size = sizeof(struct vfio_iopf_fault),
	};

	if (!is_pow2(entries) || entries < IOPF_RING_MIN || entries > IOPF_RING_MAX)
		return -EINVAL;

	off.mmap_size = off.records + (uint64_t)entries * off.record_size;
	off.mmap_size = (off.mmap_size + IOPF_PAGE_SIZE - 1) & ~(uint64_t)(IOPF_PAGE_SIZE - 1);
	*ret_offsets = off;
	return 0;
}

static bool field_fits(uint32_t offset, size_t len)
{
	return offset % sizeof(uint32_t) == 0 && (size_t)offset + sizeof(uint32_t) <= len;
}

/*
 * The offsets come from the other side of a trust boundary (the kernel, or a
 * file descriptor someone handed us): check every one against the mapping
 * before building pointers from it.
 */
int iopf_ring_init(struct iopf_ring *ring, void *mem, size_t len,
		   const struct vfio_iopf_ring_offsets *off)
{
	uint8_t *base = mem;
	uint32_t entries, mask;

	if (!mem || off->mmap_size != len)
		return -EINVAL;
	if (!field_fits(off->producer, len) || !field_fits(off->consumer, len) ||
	    !field_fits(off->entries, len) || !field_fits(off->mask, len) ||
	    !field_fits(off->overflow, len) || !field_fits(off->flags, len))
		return -EINVAL;
	if (off->record_size < sizeof(struct vfio_iopf_fault) || off->record_size % 8 ||
	    off->records % 8)
		return -EINVAL;

	memcpy(&entries, base + off->entries, sizeof(entries));
	memcpy(&mask, base + off->mask, sizeof(mask));
	if (!is_pow2(entries) || mask != entries - 1)
		return -EINVAL;
	if ((uint64_t)off->records + (uint64_t)entries * off->record_size > len)
		return -EINVAL;

	*ring = (struct iopf_ring) {
		.producer = (uint32_t *)(base + off->producer),
		.consumer = (uint32_t *)(base + off->consumer),
		.overflow = (uint32_t *)(base + off->overflow),
		.flags = (uint32_t *)(base + off->flags),
		.records = base + off->records,
		.entries = entries,
		.mask = mask,
		.record_size = off->record_size,
	};
	return 0;
}

void iopf_ring_format(void *mem, const struct vfio_iopf_ring_offsets *off, uint32_t entries)
{
	uint8_t *base = mem;
	uint32_t mask = entries - 1;

	memset(mem, 0, off->mmap_size);
	memcpy(base + off->entries, &entries, sizeof(entries));
	memcpy(base + off->mask, &mask, sizeof(mask));
}
