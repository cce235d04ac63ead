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

/* Pairs with the release in iopf_ring_produce(): records up to the index are written. */
static inline uint32_t iopf_ring_ready(const struct iopf_ring *ring, uint32_t *ret_head)
{
	uint32_t tail = __atomic_load_n(ring->producer, __ATOMIC_ACQUIRE);
	/* Only the consumer writes the consumer index: a plain load is enough. */
	uint32_t head = *ring->consumer;

	*ret_head = head;
	return tail - head;
}

/* Pairs with the acquire in iopf_ring_space(): we are done reading these records. */
static inline void iopf_ring_consume(const struct iopf_ring *ring, uint32_t n)
{
	__atomic_store_n(ring->consumer, *ring->consumer + n, __ATOMIC_RELEASE);
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
