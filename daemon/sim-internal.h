/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What sim.c (the iopf fd: setup, page table, answers, ioctls) and
 * sim-device.c (the devices and the kernel's fault path they run) share.
 * Everything here is under sim->lock.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "dma-layout.h"
#include "macro.h"
#include "ring.h"
#include "sim.h"

enum stream_state {
	STREAM_RUNNING,
	STREAM_WAITING,  /* fault forwarded, no answer yet */
	STREAM_ANSWERED, /* answer given, the device has not retried yet */
	STREAM_DONE,
};

struct sim_stream {
	struct workload_stream wl;
	enum stream_state state;
	uint32_t dev;
	uint32_t generation;   /* part of the cookie, so an old cookie is never reused */
	uint32_t response;
	bool retry;            /* fault_page must be accessed again */
	uint64_t fault_page;
	uint64_t raised_ns;
	uint64_t deadline_ns;
	uint32_t ring_pos;     /* ring index of its record, while forwarded */
	/* config.manual: the access asked for, and how it ended */
	bool access_asked;     /* not started yet */
	bool access_running;
	bool access_write;
	uint64_t access_page;
	int access_status;
};

struct sim {
	struct sim_config config;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_cond_t access_done; /* config.manual: an access ended */
	pthread_t thread;
	bool thread_started;
	bool sleeping;
	bool stop;

	struct dma_layout layout;
	uint64_t *mapped;   /* bitmap over page indices: the IOMMU page table */
	uint64_t *touched;  /* bitmap: pages some device accessed */
	uint64_t npages;

	struct sim_stream *streams;
	uint32_t nstreams;
	uint32_t ndone;
	uint32_t *answered; /* stack of stream indices with an answer to act on */
	uint32_t nanswered;
	struct zipf_table *zipf;

	int ring_fd;
	void *ring_mem;
	struct vfio_iopf_ring_offsets ring_offsets;
	struct iopf_ring ring;

	int resolver_fd;    /* the resolver's eventfd, -1 when detached */
	uint32_t resolver_id;  /* its id, 0 when detached */
	uint32_t resolver_gen; /* the last id given out */
	/* It left a record unread past its deadline: not forwarded to until it reads. */
	bool stalled;
	uint32_t stalled_at; /* the consumer index then */
	uint64_t timeout_ns;
	uint64_t min_deadline_ns;
	int done_fd;

	uint64_t start_ns;
	struct sim_stats stats;
};

/* Every answer to a fault goes through here, exactly once per fault. */
void sim_settle(struct sim *s, struct sim_stream *st, uint32_t response, uint64_t *counter);
/* The in-kernel answer: SUCCESS with the fallback window, INVALID if it cannot be pinned. */
uint64_t *sim_fallback_response(struct sim *s, struct sim_stream *st, uint32_t *ret_response);
/* The same, given from another context: the device acts on it in its next round. */
void sim_answer_fallback(struct sim *s, struct sim_stream *st);
/* Wakes the device thread if it sleeps. */
void sim_wake_devices(struct sim *s);
