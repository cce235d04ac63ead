/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The fault ring, as described by struct vfio_iopf_ring_offsets.  Every access
 * to the shared indices goes through this file.  The producer (the kernel, or
 * the simulator playing it) writes records and then store-releases the
 * producer index; the consumer (iopfd) load-acquires the producer index before
 * reading records and store-releases the consumer index once it is done with
 * them, so the producer never overwrites a record still being read.  Indices
 * are free running; "producer - consumer" is the fill level across wrap.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/vfio_iopf.h>

struct iopf_ring {
	uint32_t *producer;
	uint32_t *consumer;
	uint32_t *overflow;
	uint32_t *flags;
	uint8_t *records;
	uint32_t entries;
	uint32_t mask;
	uint32_t record_size;
};

/* Computes the layout of a ring of @entries records, as the kernel reports it. */
int iopf_ring_layout(uint32_t entries, struct vfio_iopf_ring_offsets *ret_offsets);
/* Builds the accessors for a mapping described by @off; validates it against @len. */
int iopf_ring_init(struct iopf_ring *ring, void *mem, size_t len,
		   const struct vfio_iopf_ring_offsets *off);

static inline struct vfio_iopf_fault *iopf_ring_record(const struct iopf_ring *ring, uint32_t idx)
{
	return (struct vfio_iopf_fault *)(ring->records + (size_t)(idx & ring->mask) * ring->record_size);
}

/* Consumer side. */

/*
 * Records published past @head, the consumer's own index: never the shared
 * one, which whoever else maps the ring (the VMM holds the same fd) can
 * rewrite.  For the same reason the producer index is checked: more than a
 * ring's worth past @head is not something a producer can have written, and
 * gives -EBADMSG.  Pairs with the release in iopf_ring_produce(): records up
 * to the index are written.
 */
static inline int iopf_ring_ready(const struct iopf_ring *ring, uint32_t head, uint32_t *ret_n)
{
	uint32_t n = __atomic_load_n(ring->producer, __ATOMIC_ACQUIRE) - head;

	if (n > ring->entries)
		return -EBADMSG;
	*ret_n = n;
	return 0;
}

/* Pairs with the acquire in iopf_ring_space(): we are done reading the records before @head. */
static inline void iopf_ring_consume(const struct iopf_ring *ring, uint32_t head)
{
	__atomic_store_n(ring->consumer, head, __ATOMIC_RELEASE);
}

/* Where a consumer that starts now begins: read once, when it attaches. */
static inline uint32_t iopf_ring_consumer(const struct iopf_ring *ring)
{
	return __atomic_load_n(ring->consumer, __ATOMIC_ACQUIRE);
}

/* Producer side (the kernel's part; the simulator uses it). */

/*
 * Free slots for a producer whose next record goes to @tail (it keeps its own
 * tail until it publishes).  Pairs with the release in iopf_ring_consume():
 * slots the consumer has moved past are free.
 */
static inline uint32_t iopf_ring_space(const struct iopf_ring *ring, uint32_t tail)
{
	return ring->entries - (tail - __atomic_load_n(ring->consumer, __ATOMIC_ACQUIRE));
}

/* Pairs with the acquire in iopf_ring_ready(): publishes records written below @tail. */
static inline void iopf_ring_produce(const struct iopf_ring *ring, uint32_t tail)
{
	__atomic_store_n(ring->producer, tail, __ATOMIC_RELEASE);
}

static inline uint32_t iopf_ring_overflow(const struct iopf_ring *ring)
{
	return __atomic_load_n(ring->overflow, __ATOMIC_RELAXED);
}

/* Producer side: writes the ring geometry into fresh memory laid out as @off says. */
void iopf_ring_format(void *mem, const struct vfio_iopf_ring_offsets *off, uint32_t entries);
