/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>
#include <sys/mman.h>
#include <syslog.h>
#include <unistd.h>

#include "fuzz.h"
#include "log.h"
#include "macro.h"

struct fuzz_target *fuzz_targets;

/*
 * Errors the input provokes are the point, and logging each of them would
 * cost more than running the input.
 */
void fuzz_init(void)
{
	log_set_max_level(LOG_CRIT);
}

#ifndef FUZZ_REPLAY
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(_unused_ int *argc, _unused_ char ***argv)
{
	fuzz_init();
	return 0;
}
#endif

void fuzz_bytes(struct fuzz_input *in, void *buf, size_t n)
{
	size_t k = MIN(n, in->size);

	memcpy(buf, in->data, k);
	memset((uint8_t *)buf + k, 0, n - k);
	in->data += k;
	in->size -= k;
}

uint8_t fuzz_u8(struct fuzz_input *in)
{
	uint8_t v;

	fuzz_bytes(in, &v, sizeof(v));
	return v;
}

uint16_t fuzz_u16(struct fuzz_input *in)
{
	uint16_t v;

	fuzz_bytes(in, &v, sizeof(v));
	return v;
}

uint32_t fuzz_u32(struct fuzz_input *in)
{
	uint32_t v;

	fuzz_bytes(in, &v, sizeof(v));
	return v;
}

uint64_t fuzz_u64(struct fuzz_input *in)
{
	uint64_t v;

	fuzz_bytes(in, &v, sizeof(v));
	return v;
}

static struct {
	int fd;           /* armed for the next mmap() of this fd; -EBADF when not */
	uint8_t *base;    /* the reservation: guard, mapping, guard */
	size_t len;
} guard = { .fd = -EBADF };

void fuzz_guard_next_mmap(int fd)
{
	guard.fd = fd;
}

void fuzz_guard_release(void)
{
	if (guard.base)
		munmap(guard.base, guard.len);
	guard.base = NULL;
	guard.fd = -EBADF;
}

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t offset)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), span;
	uint8_t *base;
	void *p;

	if (fd < 0 || fd != guard.fd || addr)
		return __real_mmap(addr, len, prot, flags, fd, offset);
	guard.fd = -EBADF;

	span = (len + page - 1) / page * page;
	base = __real_mmap(NULL, span + 2 * page, PROT_NONE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		return MAP_FAILED;
	p = __real_mmap(base + page, len, prot, flags | MAP_FIXED, fd, offset);
	if (p == MAP_FAILED) {
		munmap(base, span + 2 * page);
		return MAP_FAILED;
	}
	guard.base = base;
	guard.len = span + 2 * page;
	return p;
}
