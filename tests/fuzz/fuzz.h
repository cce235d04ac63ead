/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What every fuzz target shares.  A target is one file, tests/fuzz/fuzz-NAME.c,
 * that tests one input with FUZZ_TARGET("NAME") { ... }.  Built by make fuzz
 * (clang, libFuzzer) it is the target's LLVMFuzzerTestOneInput; built by make
 * check (gcc, the sanitizers, FUZZ_REPLAY) every target lands in one replay
 * program, tests/fuzz/replay, which runs the one named on its command line on
 * each file given.  A target reports a broken invariant with FUZZ_CHECK(),
 * which aborts: both builds stop there and name the input.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>

#define FUZZ_CHECK(cond)                                                              \
	do {                                                                          \
		if (!(cond)) {                                                        \
			fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                      \
		}                                                                     \
	} while (0)

struct fuzz_target {
	const char *name;
	int (*run)(const uint8_t *data, size_t size);
	struct fuzz_target *next;
};

/* The replay program's list of targets, filled before main() runs. */
extern struct fuzz_target *fuzz_targets;

#ifdef FUZZ_REPLAY
#define FUZZ_TARGET(target_name)                                                \
	static int fuzz_one(const uint8_t *data, size_t size);                   \
	static struct fuzz_target fuzz_target_entry = {                         \
		.name = (target_name),                                          \
		.run = fuzz_one,                                                \
	};                                                                      \
	__attribute__((constructor)) static void fuzz_target_register(void)     \
	{                                                                       \
		fuzz_target_entry.next = fuzz_targets;                          \
		fuzz_targets = &fuzz_target_entry;                              \
	}                                                                       \
	static int fuzz_one(const uint8_t *data, size_t size)
#else
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
#define FUZZ_TARGET(target_name) int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
#endif

/* Both drivers call this once: the code under test logs nothing below LOG_CRIT. */
void fuzz_init(void);

/*
 * The input, read front to back.  Past its end every read gives zeros, so
 * any prefix of an input is an input too and the fuzzer can shrink freely.
 */
struct fuzz_input {
	const uint8_t *data;
	size_t size;
};

uint8_t fuzz_u8(struct fuzz_input *in);
uint16_t fuzz_u16(struct fuzz_input *in);
uint32_t fuzz_u32(struct fuzz_input *in);
uint64_t fuzz_u64(struct fuzz_input *in);
/* Copies up to @n bytes into @buf, zero-filling what the input lacks. */
void fuzz_bytes(struct fuzz_input *in, void *buf, size_t n);
static inline bool fuzz_done(const struct fuzz_input *in)
{
	return in->size == 0;
}

/*
 * Guard pages: the next mmap() of @fd, by whoever makes it, gets a
 * PROT_NONE page on either side, so that a read past either end of that
 * mapping faults instead of reading a neighbour.  Every fuzz build links
 * with -Wl,--wrap=mmap for this.  fuzz_guard_release() unmaps what is left
 * of the reservation once its user has unmapped its part.
 */
void fuzz_guard_next_mmap(int fd);
void fuzz_guard_release(void);

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t offset);
void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t offset);
