// SPDX-License-Identifier: GPL-2.0
/*
 * A seeded storm of random, mostly invalid container and iopf fd calls while
 * the mock devices DMA: threads issue VFIO_IOMMU_ENABLE_IOPF, MAP_DMA and
 * UNMAP_DMA (eager or not, overlapping, unmap-all), VFIO_IOPF_RESOLVE with
 * random cookies and with cookies read back from the ring, VFIO_IOPF_RELEASE,
 * VFIO_IOPF_SET_RESOLVER, mmap/munmap/mremap/mprotect of the ring, random
 * values written into the ring, changes of the process's own memory under
 * the DMA ranges, groups leaving and joining, the iopf fd and the container
 * closed and made again, and forks whose child storms briefly and exits or
 * is SIGKILLed.  Every argument struct is now and then passed as NULL, across
 * the end of the readable memory, or read-only (so that the kernel cannot
 * write its answer back).  Meanwhile a thread per mock device runs DMA
 * commands on random IOVAs, and a resolver thread answers faults properly
 * some of the time.
 *
 * Passes when every DMA command comes back within its timeout (times two
 * page requests per page) plus a bound with a status a device may see, no
 * call hangs, and once every fd is closed and every mapping gone VmLck is
 * back where it was; the harness fails the run on any kernel report.
 *
 * Kernel command line: iopf.storm_seed=N replays a storm (the seed is
 * printed first; each thread's choices follow from it, their interleaving
 * does not), iopf.storm_secs=N sets its length (default 20 s, 30 s when
 * iopf.test_timeout leaves room for a slower kernel).
 */
#define _GNU_SOURCE
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <dirent.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include "iopf_mock.h"

#define PG		4096ULL
#define MB		(1ULL << 20)
#define IOVA_BASE	0x40000000ULL		/* where most ranges go */
#define IOVA_SPAN	(64 * MB)
#define ARENA_SIZE	(32 * MB)		/* private memory behind them */
#define SHM_SIZE	(4 * MB)		/* shared anonymous memory */
#define RO_SIZE		(1 * MB)		/* read-only memory */
/*
 * Ring mappings live at fixed slots of a zone far below where mmap() puts
 * anything, so that a DMA range naming one never reaches the process's own
 * memory once the ring is unmapped: the hole it leaves is never reused.
 */
#define ZONE		0x100000000000ULL
#define ZONE_SLOT	(8 * MB)
#define NMAPS		16
#define NDEV		4
#define NSTORM		3
#define ARGPG		(9 * PG)		/* argument pages, then a guard */
#define NERR		136			/* errno buckets, and: */
#define E_OTHER		(NERR - 2)		/* an errno above these */
#define E_SKIPPED	(NERR - 1)		/* nothing to call it on */
#define MAXE		16
#define RECENT		16
#define offsetofend(t, m)	(offsetof(t, m) + sizeof(((t *)0)->m))
#define FALLBACK_PARAM	"/sys/module/vfio_iommu_type1_iopf/parameters/iopf_fallback_pages"

enum {
	OP_ENABLE, OP_MAP, OP_UNMAP, OP_RESOLVE, OP_REPLAY, OP_RELEASE,
	OP_SETRES, OP_INFO, OP_MMAP, OP_MUNMAP, OP_MREMAP, OP_MPROTECT,
	OP_SCRIBBLE, OP_MEMORY, OP_IOPF_CLOSE, OP_DETACH, OP_ATTACH,
	OP_RECREATE, OP_FORK, OP_POLL, OP_DIRTY, OP_BADIOCTL, OP_FALLBACK,
	NSTORM_OPS,
	/* not picked at random: the device threads and the resolver */
	OP_DMA = NSTORM_OPS, OP_DMA_NOFAULT, OP_RSV_ATTACH, OP_RSV_RESOLVE,
	OP_RSV_ENTRY, OP_RSV_DETACH, OP_CHILD_EXIT, OP_CHILD_KILLED,
	NOPS
};

static const char *const op_names[NOPS] = {
	"enable_iopf", "map_dma", "unmap_dma", "resolve_random",
	"resolve_replay", "release", "set_resolver", "info", "ring_mmap",
	"ring_munmap", "ring_mremap", "ring_mprotect", "ring_scribble",
	"memory_change", "iopf_close", "group_detach", "group_attach",
	"container_recreate", "fork", "poll_read_write", "dirty_pages",
	"bad_ioctl", "fallback_pages",
	"dma(faulting)", "dma(nofault)", "resolver_attach",
	"resolver_resolve", "resolver_entry", "resolver_detach",
	"child_exited", "child_killed",
};

/* how often each storm operation is picked, in thousandths */
static const unsigned int op_weight[NSTORM_OPS] = {
	[OP_ENABLE] = 40, [OP_MAP] = 150, [OP_UNMAP] = 70, [OP_RESOLVE] = 70,
	[OP_REPLAY] = 90, [OP_RELEASE] = 70, [OP_SETRES] = 60, [OP_INFO] = 30,
	[OP_MMAP] = 40, [OP_MUNMAP] = 30, [OP_MREMAP] = 20, [OP_MPROTECT] = 10,
	[OP_SCRIBBLE] = 60, [OP_MEMORY] = 40, [OP_IOPF_CLOSE] = 8,
	[OP_DETACH] = 8, [OP_ATTACH] = 30, [OP_RECREATE] = 4, [OP_FORK] = 15,
	[OP_POLL] = 20, [OP_DIRTY] = 10, [OP_BADIOCTL] = 20, [OP_FALLBACK] = 8,
};

struct rng {
	__u64 s;
};

static __u64 rnd(struct rng *r)
{
	__u64 z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static __u64 below(struct rng *r, __u64 n)
{
	return n ? rnd(r) % n : 0;
}

static int chance(struct rng *r, unsigned int pct)
{
	return below(r, 100) < pct;
}

/* a thread of the storm, a device thread, the resolver or a child */
struct thr {
	struct rng rng;
	char name[24];
	pthread_t tid;
	int slot;			/* device threads: which device */
	unsigned long *counts;		/* [NOPS][NERR] */
	unsigned char *argpg;		/* ARGPG bytes, then a guard page */
	struct { __u64 iova, size; } recent[RECENT];
	unsigned int nrecent;
	/* the watchdog's view: what runs since when (ms), 0 when idle */
	_Atomic long long since_ms;
	const char *_Atomic what;
	_Atomic int limit_s;
	_Atomic pid_t child;		/* the child a fork waits for */
	_Atomic pid_t ktid;		/* the thread's id, for the dumps */
};

/* a file descriptor shared by the threads, closed when the last one lets go */
enum { FD_CONT, FD_GROUP, FD_DEV, FD_IOPF };

struct fdobj {
	int fd;
	int refs;			/* w.lock */
	int kind;
	int slot;			/* groups and devices */
	unsigned int gen;		/* iopf fds: names their mappings */
	__u32 entries;			/* iopf fds: the ring */
	struct vfio_iopf_ring_offsets ring;
	struct vfio_iopf_info last;	/* iopf fds: counters read last */
};

/* a mapping of a ring, at zone slot i */
struct rmap {
	unsigned char *addr;		/* NULL: free */
	size_t len;
	int prot;
	int busy;			/* w.lock: one thread at a time */
	int ring;			/* offset 0 and length known: a ring */
	unsigned int gen;		/* of the iopf fd mapped */
	__u32 entries;
	struct vfio_iopf_ring_offsets off;
};

static struct world {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_mutex_t topo;		/* container and group changes */
	/*
	 * Held for reading across a container ioctl, for writing while the
	 * process closes the last group it has in the container.  The VFIO
	 * core passes container ioctls to the IOMMU driver without a lock
	 * (vfio_fops_unl_ioctl() since the container code moved out of
	 * vfio_main.c), while closing the container's last group frees the
	 * driver's data (vfio_group_detach_container()): a race in VFIO
	 * itself, which this test does not hunt, as it would find nothing
	 * else.  The children never close a group while calling into the
	 * container: they are single-threaded and drop their groups at exit.
	 */
	pthread_rwlock_t cont_rw;
	struct fdobj *cont;
	atomic_int ngroups;		/* groups this process has in @cont */
	struct fdobj *grp[NDEV], *dev[NDEV];
	int slot_open[NDEV];		/* fds of the slot not yet closed */
	int present[NDEV];		/* the mock device exists */
	struct fdobj *iopf[2];		/* the newest iopf fd, an older one */
	int nopen;			/* fdobjs not closed yet */
	unsigned int next_gen;
	struct rmap maps[NMAPS];
	/* totals of VFIO_IOPF_INFO of every iopf fd, read as it closes */
	__u64 faults, resolved, fallback, invalid, timeouts, overflow;
	__u64 iopf_fds, containers;
} w = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
	.topo = PTHREAD_MUTEX_INITIALIZER,
	.cont_rw = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP,
};

static atomic_int stop;
static _Atomic __u64 last_cookie;	/* the newest cookie seen in a ring */
/* ranges mapped lately, where the devices aim most of their commands */
static struct {
	_Atomic __u64 iova, size;
} mapped[64];
static atomic_uint nmapped;
static unsigned char *arena, *shm, *ro;
static unsigned long *child_counts;	/* MAP_SHARED: the children count here */
static __u64 seed;
static int storm_secs, dma_slack_ms;
static double t0_us;
static char saved_fallback[32];
static _Atomic long long dma_worst_ms;	/* the most a command overran */
/* time spent in each storm operation, in microseconds: total and longest */
static _Atomic unsigned long long op_us[NOPS], op_max_us[NOPS];
static _Atomic long long dma_longest_ms;

static long long now_ms(void)
{
	return (long long)(t_now_us() / 1000);
}

static int kmsg_fd = -1;

/*
 * Also into the kernel log, which the serial console shows as it happens:
 * the test's own output appears only once it exits, which a hang prevents.
 */
static void __attribute__((format(printf, 1, 2))) klog(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "iopf_ioctl_storm: ");
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	fprintf(stderr, "%s\n", buf + strlen("iopf_ioctl_storm: "));
	if (kmsg_fd >= 0 && write(kmsg_fd, buf, n) < 0)
		kmsg_fd = -1;
}

/* ------------------------------------------------------------ helpers -- */

/* a failure, into the kernel log too; the seed was printed first */
#define fail(fmt, ...) do {						\
	klog("FAIL: " fmt, ##__VA_ARGS__);				\
	exit(T_FAIL);							\
} while (0)

static void count(struct thr *t, int op, int err)
{
	if (err < 0 || err > E_SKIPPED || (err >= E_OTHER && err != E_SKIPPED))
		err = E_OTHER;
	__atomic_fetch_add(&t->counts[op * NERR + err], 1, __ATOMIC_RELAXED);
}

/* count a syscall's result: 0 or its errno */
static long counted(struct thr *t, int op, long ret)
{
	count(t, op, ret < 0 ? errno : 0);
	return ret;
}

static void wd_begin(struct thr *t, const char *what, int limit_s)
{
	t->what = what;
	t->limit_s = limit_s;
	t->since_ms = now_ms();
}

static void wd_end(struct thr *t)
{
	t->since_ms = 0;
}

static unsigned long cmdline_param(const char *key, unsigned long def)
{
	char line[4096], *p;

	if (t_read_line("/proc/cmdline", line, sizeof(line)))
		return def;
	p = strstr(line, key);
	if (!p || (p != line && p[-1] != ' '))
		return def;
	return strtoul(p + strlen(key), NULL, 0);
}

static void msleep(unsigned int ms)
{
	usleep(ms * 1000);
}

/*
 * ioctl() with @arg (@len bytes) as given, or now and then NULL, cut by the
 * guard page after the argument pages, or read-only: the kernel must fail
 * cleanly, and where it reads the argument but cannot write its answer
 * back, undo or complete what it did.
 */
static long xioctl(struct thr *t, int fd, unsigned long req, void *arg,
		   size_t len)
{
	unsigned int m = below(&t->rng, 100);
	unsigned char *p;
	long ret;
	int err;

	if (m < 90 || !len || len > ARGPG)
		return ioctl(fd, req, arg);
	if (m < 93)
		return ioctl(fd, req, chance(&t->rng, 50) ? NULL : (void *)8);
	if (m < 96) {
		size_t cut = 1 + below(&t->rng, len - (len > 1));

		p = t->argpg + ARGPG - cut;
		memcpy(p, arg, cut);
		return ioctl(fd, req, p);
	}
	memcpy(t->argpg, arg, len);
	t_check(mprotect(t->argpg, ARGPG, PROT_READ) == 0);
	ret = ioctl(fd, req, t->argpg);
	err = errno;
	t_check(mprotect(t->argpg, ARGPG, PROT_READ | PROT_WRITE) == 0);
	errno = err;
	return ret;
}

/* an argsz: mostly right, sometimes short, zero or long */
static __u32 rand_argsz(struct thr *t, __u32 size, __u32 minsz)
{
	unsigned int m = below(&t->rng, 100);

	if (m < 90)
		return size;
	if (m < 94)
		return below(&t->rng, minsz);
	if (m < 96)
		return 0;
	return size + below(&t->rng, 4096);
}

/* --------------------------------------------------------- fd objects -- */

static struct fdobj *obj_new(int fd, int kind, int slot)
{
	struct fdobj *o = calloc(1, sizeof(*o));

	t_check(o != NULL);
	o->fd = fd;
	o->refs = 1;
	o->kind = kind;
	o->slot = slot;
	pthread_mutex_lock(&w.lock);
	w.nopen++;
	if (kind == FD_GROUP || kind == FD_DEV)
		w.slot_open[slot]++;
	o->gen = ++w.next_gen;
	pthread_mutex_unlock(&w.lock);
	return o;
}

static struct fdobj *obj_get(struct fdobj **where)
{
	struct fdobj *o;

	pthread_mutex_lock(&w.lock);
	o = *where;
	if (o)
		o->refs++;
	pthread_mutex_unlock(&w.lock);
	return o;
}

/*
 * Read the counters of an iopf fd while they can be read: once its
 * container is gone the fd answers ENODEV.
 */
static void iopf_snapshot(struct fdobj *o)
{
	struct vfio_iopf_info info = { .argsz = sizeof(info) };

	if (o && !ioctl(o->fd, VFIO_IOPF_INFO, &info)) {
		pthread_mutex_lock(&w.lock);
		o->last = info;
		pthread_mutex_unlock(&w.lock);
	}
}

/* the last reference closes the fd, adding an iopf fd's counters up first */
static void obj_put(struct fdobj *o)
{
	struct vfio_iopf_info *info;
	int last;

	if (!o)
		return;
	info = &o->last;
	pthread_mutex_lock(&w.lock);
	last = !--o->refs;
	pthread_mutex_unlock(&w.lock);
	if (!last)
		return;
	if (o->kind == FD_IOPF)
		iopf_snapshot(o);
	t_check(close(o->fd) == 0);
	pthread_mutex_lock(&w.lock);
	w.faults += info->out_faults;
	w.resolved += info->out_resolved;
	w.fallback += info->out_fallback;
	w.invalid += info->out_invalid;
	w.timeouts += info->out_timeouts;
	w.overflow += info->out_overflow;
	w.nopen--;
	if (o->kind == FD_GROUP || o->kind == FD_DEV)
		w.slot_open[o->slot]--;
	pthread_cond_broadcast(&w.cond);
	pthread_mutex_unlock(&w.lock);
	free(o);
}

/* take the object out of @where; the caller puts the world's reference */
static struct fdobj *obj_take(struct fdobj **where)
{
	struct fdobj *o;

	pthread_mutex_lock(&w.lock);
	o = *where;
	*where = NULL;
	pthread_mutex_unlock(&w.lock);
	return o;
}

static struct fdobj *pick_iopf(struct thr *t)
{
	int i = !chance(&t->rng, 80);
	struct fdobj *o;

	pthread_mutex_lock(&w.lock);
	o = w.iopf[i] ? w.iopf[i] : w.iopf[!i];
	if (o)
		o->refs++;
	pthread_mutex_unlock(&w.lock);
	return o;
}

/* an iopf fd of the current generation @gen, if still open */
static struct fdobj *iopf_by_gen(unsigned int gen)
{
	struct fdobj *o = NULL;
	int i;

	pthread_mutex_lock(&w.lock);
	for (i = 0; i < 2; i++)
		if (w.iopf[i] && w.iopf[i]->gen == gen)
			o = w.iopf[i];
	if (o)
		o->refs++;
	pthread_mutex_unlock(&w.lock);
	return o;
}

/* wait until the fds of slot @slot are closed: no device thread uses it */
static void slot_wait_closed(int slot)
{
	long long end = now_ms() + 30000;

	pthread_mutex_lock(&w.lock);
	while (w.slot_open[slot]) {
		struct timespec ts;

		if (now_ms() > end)
			fail("iopf-mock%d's fds still in use 30 s after it left its container (a DMA command stuck?)",
			       slot);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 10 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&w.cond, &w.lock, &ts);
	}
	pthread_mutex_unlock(&w.lock);
}

/* Adopt a new iopf fd: read its ring layout, make it the newest. */
static void iopf_adopt(int fd)
{
	struct vfio_iopf_info info = { .argsz = sizeof(info) };
	struct fdobj *o, *old;

	/* the container may be going away already */
	if (ioctl(fd, VFIO_IOPF_INFO, &info)) {
		t_check(errno == ENODEV);
		memset(&info, 0, sizeof(info));
	} else {
		t_check(info.out_ring.record_size >= sizeof(struct vfio_iopf_fault));
	}
	o = obj_new(fd, FD_IOPF, 0);
	o->ring = info.out_ring;
	if (info.out_ring.mmap_size)
		o->entries = (info.out_ring.mmap_size - info.out_ring.records) /
			     info.out_ring.record_size;
	/* the largest power of two that fits: the ring's entries */
	while (o->entries & (o->entries - 1))
		o->entries &= o->entries - 1;
	pthread_mutex_lock(&w.lock);
	old = w.iopf[1];
	w.iopf[1] = w.iopf[0];
	w.iopf[0] = o;
	w.iopf_fds++;
	pthread_mutex_unlock(&w.lock);
	obj_put(old);
}

/* ------------------------------------------------------ random values -- */

static __u32 rand_entries(struct thr *t)
{
	static const __u32 v[] = { 0, 0, 0, 64, 64, 128, 256, 1024, 4096,
				   65536, 32, 100, 131072, 63 };

	if (chance(&t->rng, 3))
		return rnd(&t->rng);
	return v[below(&t->rng, sizeof(v) / sizeof(v[0]))];
}

/* a page count: mostly small, sometimes a few MiB */
static __u64 rand_pages(struct thr *t)
{
	unsigned int m = below(&t->rng, 100);

	if (m < 40)
		return 1 + below(&t->rng, 16);
	if (m < 72)
		return 17 + below(&t->rng, 496);
	if (m < 93)
		return 513 + below(&t->rng, 3584);
	return 4097 + below(&t->rng, 4096);
}

static __u64 rand_bad_u64(struct thr *t)
{
	static const __u64 v[] = { 0, 1, PG - 1, PG + 1, ~0ULL, ~0ULL & ~(PG - 1),
				   1ULL << 47, 1ULL << 48, 1ULL << 63,
				   IOVA_BASE - PG, IOVA_BASE + 1 };

	if (chance(&t->rng, 30))
		return rnd(&t->rng);
	return v[below(&t->rng, sizeof(v) / sizeof(v[0]))];
}

/* an IOVA and size for a range, mostly in the span, some overlapping */
static void rand_range(struct thr *t, __u64 *iova, __u64 *size)
{
	__u64 pages = rand_pages(t);

	*size = pages * PG;
	*iova = IOVA_BASE + below(&t->rng, IOVA_SPAN / PG) * PG;
	if (chance(&t->rng, 15))	/* on a 2 MiB block */
		*iova &= ~(2 * MB - 1);
	if (chance(&t->rng, 3))
		*iova = rand_bad_u64(t);
	if (chance(&t->rng, 3))
		*size = rand_bad_u64(t);
}

/* a range of the IOVA span for windows and releases */
static void rand_window(struct thr *t, __u64 *iova, __u64 *size)
{
	*iova = IOVA_BASE + below(&t->rng, IOVA_SPAN / PG) * PG;
	*size = (1 + below(&t->rng, chance(&t->rng, 80) ? 16 : 1024)) * PG;
	if (chance(&t->rng, 5))
		*iova += 1 + below(&t->rng, PG - 1);
	if (chance(&t->rng, 5))
		*size = rand_bad_u64(t);
}

/* process memory for a range of @size bytes */
static __u64 rand_vaddr(struct thr *t, __u64 size)
{
	unsigned int m = below(&t->rng, 100);
	unsigned char *base = arena;
	__u64 len = ARENA_SIZE, off;

	if (m >= 72 && m < 82) {
		base = shm;
		len = SHM_SIZE;
	} else if (m >= 82 && m < 86) {
		base = ro;
		len = RO_SIZE;
	} else if (m >= 86 && m < 92) {
		/* a ring mapping, or the hole one left */
		return ZONE + below(&t->rng, NMAPS) * ZONE_SLOT;
	} else if (m >= 92) {
		static const __u64 v[] = { 0, PG, 0x10000, 0xffff888000000000ULL,
					   (1ULL << 47) - PG, 1ULL << 47,
					   0x8000000000000000ULL };

		if (chance(&t->rng, 20))
			return (unsigned long)arena + 1 + below(&t->rng, PG);
		return v[below(&t->rng, sizeof(v) / sizeof(v[0]))];
	}
	off = below(&t->rng, len / PG) * PG;
	/* mostly inside the memory, sometimes running past its end */
	if (off + size > len && chance(&t->rng, 85))
		off = size < len ? (len - size) & ~(PG - 1) : 0;
	return (unsigned long)base + off;
}

static void remember(struct thr *t, __u64 iova, __u64 size)
{
	unsigned int i = nmapped++ % 64;

	t->recent[t->nrecent++ % RECENT].iova = iova;
	t->recent[(t->nrecent - 1) % RECENT].size = size;
	mapped[i].iova = iova;
	mapped[i].size = size;
}

/* ----------------------------------------- calls on a container or fd -- */

static void do_enable(struct thr *t, int cont, int adopt)
{
	struct vfio_iommu_type1_enable_iopf en;
	int fd;

	memset(&en, 0, sizeof(en));
	en.argsz = rand_argsz(t, sizeof(en), sizeof(en));
	en.flags = chance(&t->rng, 92) ? 0 : 1U << below(&t->rng, 32);
	en.ring_entries = rand_entries(t);
	en.__reserved = chance(&t->rng, 95) ? 0 : rnd(&t->rng);
	fd = counted(t, OP_ENABLE, xioctl(t, cont, VFIO_IOMMU_ENABLE_IOPF,
					  &en, sizeof(en)));
	if (fd < 0)
		return;
	if (adopt)
		iopf_adopt(fd);
	else
		close(fd);
}

static void do_map(struct thr *t, int cont)
{
	struct vfio_iommu_type1_dma_map map = { .argsz = sizeof(map) };
	unsigned int m = below(&t->rng, 100);

	map.flags = m < 85 ? T_RW : m < 90 ? VFIO_DMA_MAP_FLAG_READ :
		    m < 95 ? VFIO_DMA_MAP_FLAG_WRITE : 0;
	if (chance(&t->rng, 25))
		map.flags |= VFIO_DMA_MAP_FLAG_PIN_EAGER;
	if (chance(&t->rng, 3))
		map.flags |= VFIO_DMA_MAP_FLAG_VADDR;
	if (chance(&t->rng, 2))
		map.flags |= 1U << below(&t->rng, 32);
	rand_range(t, &map.iova, &map.size);
	map.vaddr = rand_vaddr(t, map.size);
	map.argsz = rand_argsz(t, sizeof(map), sizeof(map));
	if (!counted(t, OP_MAP, xioctl(t, cont, VFIO_IOMMU_MAP_DMA, &map,
				       sizeof(map))))
		remember(t, map.iova, map.size);
}

static void do_unmap(struct thr *t, int cont)
{
	struct vfio_iommu_type1_dma_unmap un = { .argsz = sizeof(un) };
	unsigned int m = below(&t->rng, 100);

	if (m < 50 && t->nrecent) {
		unsigned int i = below(&t->rng, t->nrecent < RECENT ?
					t->nrecent : RECENT);

		un.iova = t->recent[i].iova;
		un.size = t->recent[i].size;
		if (chance(&t->rng, 10))	/* bisecting it */
			un.size = (un.size / 2) & ~(PG - 1);
	} else if (m < 52) {
		un.flags = VFIO_DMA_UNMAP_FLAG_ALL;
		if (chance(&t->rng, 20))
			un.iova = IOVA_BASE;
	} else if (m < 90) {
		rand_range(t, &un.iova, &un.size);
	} else {
		un.iova = IOVA_BASE;
		un.size = IOVA_SPAN;
	}
	if (chance(&t->rng, 4))
		un.flags |= VFIO_DMA_UNMAP_FLAG_VADDR;
	if (chance(&t->rng, 2))
		un.flags |= VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP;
	if (chance(&t->rng, 2))
		un.flags |= 1U << below(&t->rng, 32);
	un.argsz = rand_argsz(t, sizeof(un), sizeof(un));
	counted(t, OP_UNMAP, xioctl(t, cont, VFIO_IOMMU_UNMAP_DMA, &un,
				    sizeof(un)));
}

struct resolve_batch {
	struct vfio_iopf_resolve hdr;
	struct vfio_iopf_resolve_entry e[VFIO_IOPF_RESOLVE_MAX];
};

/* a cookie: near the newest one seen, small, 0 (map-only) or anything */
static __u64 rand_cookie(struct thr *t)
{
	unsigned int m = below(&t->rng, 100);

	if (m < 40)
		return last_cookie - below(&t->rng, 16);
	if (m < 55)
		return 0;
	if (m < 70)
		return 1 + below(&t->rng, 64);
	if (m < 90)
		return (__u32)rnd(&t->rng);
	return rnd(&t->rng);
}

static __u32 rand_response(struct thr *t)
{
	unsigned int m = below(&t->rng, 100);

	return m < 70 ? VFIO_IOPF_RESPONSE_SUCCESS :
	       m < 95 ? VFIO_IOPF_RESPONSE_INVALID : rnd(&t->rng);
}

static void do_resolve(struct thr *t, int fd, struct resolve_batch *b)
{
	__u32 n = below(&t->rng, MAXE + 1), i;

	if (chance(&t->rng, 2))
		n = VFIO_IOPF_RESOLVE_MAX;
	memset(&b->hdr, 0, sizeof(b->hdr));
	for (i = 0; i < n; i++) {
		struct vfio_iopf_resolve_entry *e = &b->e[i];

		e->cookie = rand_cookie(t);
		rand_window(t, &e->map_iova, &e->map_size);
		if (chance(&t->rng, 10))
			e->map_size = 0;
		e->response = rand_response(t);
		if (e->response == VFIO_IOPF_RESPONSE_INVALID &&
		    chance(&t->rng, 70))
			e->map_iova = e->map_size = 0;
		e->out_result = 12345;
	}
	b->hdr.count = n;
	b->hdr.argsz = rand_argsz(t, sizeof(b->hdr) + n * sizeof(b->e[0]),
				  sizeof(b->hdr));
	if (chance(&t->rng, 2))
		b->hdr.count = chance(&t->rng, 50) ? n + 1 : rnd(&t->rng);
	if (chance(&t->rng, 2))
		b->hdr.flags = rnd(&t->rng);
	counted(t, OP_RESOLVE, xioctl(t, fd, VFIO_IOPF_RESOLVE, b,
				      sizeof(b->hdr) + n * sizeof(b->e[0])));
}

static void do_release(struct thr *t, int fd)
{
	struct vfio_iopf_release rel = { .argsz = sizeof(rel) };

	if (chance(&t->rng, 15)) {
		rel.iova = IOVA_BASE;
		rel.size = IOVA_SPAN;
	} else {
		rand_window(t, &rel.iova, &rel.size);
		rel.size *= 1 + below(&t->rng, 64);
	}
	if (chance(&t->rng, 3))
		rel.flags = rnd(&t->rng);
	if (chance(&t->rng, 3))
		rel.size = 0;
	rel.argsz = rand_argsz(t, sizeof(rel), sizeof(rel));
	counted(t, OP_RELEASE, xioctl(t, fd, VFIO_IOPF_RELEASE, &rel,
				      sizeof(rel)));
}

static void do_set_resolver(struct thr *t, int fd, int other_fd)
{
	struct vfio_iopf_set_resolver set = { .argsz = sizeof(set) };
	unsigned int m = below(&t->rng, 100);
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	t_check(efd >= 0);
	set.eventfd = m < 50 ? efd : m < 62 ? -1 : m < 75 ? (int)below(&t->rng, 64) :
		      m < 82 ? other_fd : m < 88 ? -2 : m < 94 ? INT_MAX : fd;
	m = below(&t->rng, 100);
	set.flags = m < 50 ? 0 : m < 70 ? VFIO_IOPF_RESOLVER_TAKEOVER :
		    m < 85 ? VFIO_IOPF_RESOLVER_DETACH :
		    m < 90 ? VFIO_IOPF_RESOLVER_TAKEOVER | VFIO_IOPF_RESOLVER_DETACH :
		    rnd(&t->rng);
	m = below(&t->rng, 100);
	set.timeout_ms = m < 35 ? 0 : m < 80 ? 1 + below(&t->rng, 2000) :
			 m < 90 ? 1 : rnd(&t->rng);
	set.argsz = rand_argsz(t, sizeof(set), sizeof(set));
	counted(t, OP_SETRES, xioctl(t, fd, VFIO_IOPF_SET_RESOLVER, &set,
				     sizeof(set)));
	/* and now and then detach it again */
	if (chance(&t->rng, 20)) {
		set.argsz = sizeof(set);
		set.flags = VFIO_IOPF_RESOLVER_DETACH;
		set.eventfd = efd;
		counted(t, OP_SETRES, ioctl(fd, VFIO_IOPF_SET_RESOLVER, &set));
	}
	close(efd);
}

static void do_info(struct thr *t, int fd)
{
	struct vfio_iopf_device_info di;
	struct vfio_iopf_info info;

	memset(&info, 0, sizeof(info));
	memset(&di, 0, sizeof(di));
	if (chance(&t->rng, 50)) {
		info.argsz = rand_argsz(t, chance(&t->rng, 50) ? sizeof(info) :
					offsetofend(struct vfio_iopf_info, out_ring),
					sizeof(info));
		info.flags = chance(&t->rng, 95) ? 0 : rnd(&t->rng);
		counted(t, OP_INFO, xioctl(t, fd, VFIO_IOPF_INFO, &info,
					   sizeof(info)));
		return;
	}
	di.argsz = rand_argsz(t, sizeof(di), sizeof(di));
	di.flags = chance(&t->rng, 95) ? 0 : rnd(&t->rng);
	di.index = chance(&t->rng, 90) ? below(&t->rng, 6) : rnd(&t->rng);
	counted(t, OP_INFO, xioctl(t, fd, VFIO_IOPF_DEVICE_INFO, &di,
				   sizeof(di)));
}

static void do_bad_ioctl(struct thr *t, int fd, int iopf)
{
	unsigned long req;
	unsigned int i;

	/* an argument of random bytes, or of zeroes */
	if (chance(&t->rng, 50))
		for (i = 0; i < PG; i += 8)
			*(__u64 *)(t->argpg + i) = rnd(&t->rng) &
				(chance(&t->rng, 50) ? 0xffff : ~0ULL);
	else
		memset(t->argpg, 0, PG);
	if (iopf)
		req = _IO(VFIO_TYPE, VFIO_BASE + below(&t->rng, 41));
	else	/* not the group or IOMMU type calls: those change the world */
		req = _IO(VFIO_TYPE, VFIO_BASE + 18 + below(&t->rng, 13));
	if (chance(&t->rng, 10))
		req = rnd(&t->rng);
	/* a real argument would be the right size; make it fit the page */
	*(__u32 *)t->argpg = below(&t->rng, 64);
	counted(t, OP_BADIOCTL, ioctl(fd, req, t->argpg));
}

static void do_dirty(struct thr *t, int cont)
{
	struct {
		struct vfio_iommu_type1_dirty_bitmap d;
		struct vfio_iommu_type1_dirty_bitmap_get g;
	} a;
	static const __u32 f[] = { VFIO_IOMMU_DIRTY_PAGES_FLAG_START,
				   VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP,
				   VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP };

	memset(&a, 0, sizeof(a));
	a.d.argsz = sizeof(a.d);
	a.d.flags = f[below(&t->rng, 3)];
	if (a.d.flags == VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP) {
		a.d.argsz = sizeof(a);
		rand_window(t, &a.g.iova, &a.g.size);
		a.g.bitmap.pgsize = PG;
		a.g.bitmap.size = (a.g.size / PG + 63) / 64 * 8;
		/* big enough for 64 MiB of pages */
		a.g.bitmap.data = (__u64 *)t->argpg;
	}
	if (chance(&t->rng, 5))
		a.d.flags = rnd(&t->rng);
	counted(t, OP_DIRTY, ioctl(cont, VFIO_IOMMU_DIRTY_PAGES, &a));
}

/* ---------------------------------------------------------- the rings -- */

static struct rmap *map_take(struct thr *t, int want_free)
{
	unsigned int i, first = below(&t->rng, NMAPS);
	struct rmap *m = NULL;

	pthread_mutex_lock(&w.lock);
	for (i = 0; i < NMAPS; i++) {
		struct rmap *c = &w.maps[(first + i) % NMAPS];

		if (!c->busy && !c->addr == !!want_free) {
			m = c;
			m->busy = 1;
			break;
		}
	}
	pthread_mutex_unlock(&w.lock);
	return m;
}

static void map_put(struct rmap *m)
{
	pthread_mutex_lock(&w.lock);
	m->busy = 0;
	pthread_mutex_unlock(&w.lock);
}

static unsigned char *slot_addr(struct rmap *m)
{
	return (unsigned char *)(unsigned long)(ZONE + (m - w.maps) * ZONE_SLOT);
}

static int rand_prot(struct thr *t)
{
	static const int v[] = { PROT_READ | PROT_WRITE, PROT_READ | PROT_WRITE,
				 PROT_READ | PROT_WRITE, PROT_READ, PROT_READ,
				 PROT_WRITE, PROT_NONE, PROT_READ | PROT_EXEC,
				 PROT_READ | PROT_WRITE | PROT_EXEC };

	return v[below(&t->rng, sizeof(v) / sizeof(v[0]))];
}

/* map the ring of @o at @addr (MAP_FIXED) with random length, prot, flags */
static void *ring_mmap(struct thr *t, struct fdobj *o, void *addr,
		       size_t *len, int *prot, int *ring, int op)
{
	size_t size = o->ring.mmap_size ? o->ring.mmap_size : PG;
	unsigned int m = below(&t->rng, 100);
	int fixed = addr ? MAP_FIXED : 0;
	int flags = MAP_SHARED | fixed;
	off_t off = 0;
	void *p;

	*len = m < 75 ? size : m < 85 ? PG : m < 90 ? size + PG :
	       m < 95 ? PG * (1 + below(&t->rng, size / PG + 1)) : 0;
	if (*len > ZONE_SLOT)
		*len = ZONE_SLOT;
	*prot = chance(&t->rng, 70) ? PROT_READ | PROT_WRITE : rand_prot(t);
	m = below(&t->rng, 100);
	if (m < 5)
		flags = MAP_PRIVATE | fixed;
	else if (m < 10)
		flags = MAP_SHARED_VALIDATE | fixed | (1 << 20);
	else if (m < 15)
		flags |= MAP_LOCKED;
	else if (m < 25)
		flags |= MAP_POPULATE;
	else if (m < 30 && addr)
		flags = MAP_SHARED | MAP_FIXED_NOREPLACE;
	if (chance(&t->rng, 5))
		off = PG * (1 + below(&t->rng, 4));
	p = mmap(addr, *len, *prot, flags, o->fd, off);
	counted(t, op, p == MAP_FAILED ? -1 : 0);
	*ring = !off && o->entries && *len >= PG;
	return p == MAP_FAILED ? NULL : p;
}

static void op_mmap(struct thr *t)
{
	struct fdobj *o = pick_iopf(t);
	struct rmap *m;
	unsigned char *p;

	if (!o)
		return;
	m = map_take(t, 1);
	if (!m) {
		obj_put(o);
		return;
	}
	p = ring_mmap(t, o, slot_addr(m), &m->len, &m->prot, &m->ring, OP_MMAP);
	if (p) {
		t_check(p == slot_addr(m));
		m->addr = p;
		m->gen = o->gen;
		m->entries = o->entries;
		m->off = o->ring;
	}
	map_put(m);
	obj_put(o);
}

static void op_munmap(struct thr *t)
{
	struct rmap *m = map_take(t, 0);

	if (!m)
		return;
	counted(t, OP_MUNMAP, munmap(m->addr, m->len));
	m->addr = NULL;
	map_put(m);
}

/* move a mapping to another slot, maybe shrunk, or shrink it in place */
static void op_mremap(struct thr *t)
{
	struct rmap *m = map_take(t, 0), *to;
	size_t len;
	void *p;

	if (!m)
		return;
	len = m->len;
	if (chance(&t->rng, 40))
		len = PG * (1 + below(&t->rng, m->len / PG));
	else if (chance(&t->rng, 20))
		len += PG;		/* the ring cannot grow */
	to = chance(&t->rng, 60) ? map_take(t, 1) : NULL;
	if (to) {
		p = mremap(m->addr, m->len, len, MREMAP_MAYMOVE | MREMAP_FIXED,
			   slot_addr(to));
		counted(t, OP_MREMAP, p == MAP_FAILED ? -1 : 0);
		if (p != MAP_FAILED) {
			t_check(p == slot_addr(to));
			*to = *m;
			to->addr = p;
			to->len = len;
			m->addr = NULL;
		}
		map_put(to);
	} else {
		p = mremap(m->addr, m->len, len, 0);
		counted(t, OP_MREMAP, p == MAP_FAILED ? -1 : 0);
		if (p != MAP_FAILED) {
			t_check(p == m->addr);
			m->len = len;
		}
	}
	map_put(m);
}

static void op_mprotect(struct thr *t)
{
	struct rmap *m = map_take(t, 0);
	int prot = rand_prot(t);

	if (!m)
		return;
	if (!counted(t, OP_MPROTECT, mprotect(m->addr, m->len, prot)))
		m->prot = prot;
	if (chance(&t->rng, 10)) {
		int lock = chance(&t->rng, 50);

		counted(t, OP_MPROTECT, lock ? mlock(m->addr, m->len) :
				       munlock(m->addr, m->len));
	}
	map_put(m);
}

static _Atomic __u32 *ring_u32(struct rmap *m, __u32 off)
{
	return (_Atomic __u32 *)(m->addr + off);
}

/* whether [@off, @off + @len) of the mapping can be touched as a ring */
static int ring_can(struct rmap *m, __u64 off, __u64 len, int prot)
{
	return m->ring && (m->prot & prot) == prot &&
	       off + len <= m->len && off + len <= m->off.mmap_size;
}

/* write a random value somewhere in the ring's header, or in a record */
static void do_scribble(struct thr *t, struct rmap *m)
{
	__u32 offs[6] = { m->off.producer, m->off.consumer, m->off.entries,
			  m->off.mask, m->off.overflow, m->off.flags };
	unsigned int which = below(&t->rng, 100), vm = below(&t->rng, 100);
	__u64 off;
	__u32 v, cur;

	if (which < 80) {
		off = offs[below(&t->rng, 6)];
		if (which < 30)
			off = m->off.producer;
		else if (which < 60)
			off = m->off.consumer;
	} else {
		off = m->off.records + below(&t->rng, m->entries) *
		      (__u64)m->off.record_size + below(&t->rng, 8) * 4;
	}
	if (!ring_can(m, off, 4, PROT_READ | PROT_WRITE)) {
		count(t, OP_SCRIBBLE, E_SKIPPED);
		return;
	}
	cur = atomic_load_explicit(ring_u32(m, off), memory_order_relaxed);
	v = vm < 20 ? 0 : vm < 35 ? ~0U : vm < 75 ? cur + below(&t->rng, 9) - 4 :
	    rnd(&t->rng);
	atomic_store_explicit(ring_u32(m, off), v, memory_order_release);
	count(t, OP_SCRIBBLE, 0);
}

static void op_scribble(struct thr *t)
{
	struct rmap *m = map_take(t, 0);

	if (!m)
		return;
	do_scribble(t, m);
	map_put(m);
}

/* read record @pos of the ring */
static int ring_record(struct rmap *m, __u32 pos, struct vfio_iopf_fault *rec)
{
	__u64 off = m->off.records + (__u64)(pos & (m->entries - 1)) *
		    m->off.record_size;

	if (!m->entries || !ring_can(m, off, sizeof(*rec), PROT_READ))
		return -1;
	memcpy(rec, m->addr + off, sizeof(*rec));
	if (rec->cookie && rec->cookie <= 0xffffffffULL && rec->cookie > last_cookie)
		last_cookie = rec->cookie;
	return 0;
}

/* a window for the fault of @rec: right, or wrong in one of many ways */
static void replay_window(struct thr *t, const struct vfio_iopf_fault *rec,
			  struct vfio_iopf_resolve_entry *e)
{
	unsigned int m = below(&t->rng, 100);
	__u64 pages = 1 + below(&t->rng, 32), start, end;

	start = rec->iova & ~(pages * PG - 1);
	end = start + pages * PG;
	if (start < rec->dma_iova)
		start = rec->dma_iova;
	if (end > rec->dma_iova + rec->dma_size)
		end = rec->dma_iova + rec->dma_size;
	e->map_iova = start;
	e->map_size = end > start ? end - start : 0;
	e->response = VFIO_IOPF_RESPONSE_SUCCESS;
	if (m < 55)
		return;
	if (m < 62) {
		e->map_size = 0;		/* "already mapped" */
	} else if (m < 70) {
		e->response = VFIO_IOPF_RESPONSE_INVALID;
		e->map_iova = e->map_size = 0;
	} else if (m < 75) {
		e->response = VFIO_IOPF_RESPONSE_INVALID;
	} else if (m < 80) {
		e->map_iova = rec->dma_iova - PG;	/* outside the range */
	} else if (m < 85) {
		e->map_iova = rec->iova + PG;		/* not holding it */
		e->map_size = PG;
	} else if (m < 90) {
		e->map_size += 1;
	} else if (m < 95) {
		e->map_iova = rec->dma_iova;
		e->map_size = rec->dma_size;
	} else {
		e->response = rnd(&t->rng);
	}
}

static void do_replay(struct thr *t, struct rmap *m, int fd)
{
	struct {
		struct vfio_iopf_resolve hdr;
		struct vfio_iopf_resolve_entry e[MAXE];
	} b;
	struct vfio_iopf_fault rec;
	__u32 prod, n = 1 + below(&t->rng, 8), i, k = 0;

	if (!ring_can(m, m->off.producer, 4, PROT_READ)) {
		count(t, OP_REPLAY, E_SKIPPED);
		return;
	}
	memset(&b, 0, sizeof(b));
	prod = atomic_load_explicit(ring_u32(m, m->off.producer),
				    memory_order_acquire);
	for (i = 0; i < n; i++) {
		__u32 pos = chance(&t->rng, 80) ? prod - 1 - below(&t->rng, 4) :
			    (__u32)rnd(&t->rng);

		if (ring_record(m, pos, &rec))
			break;
		b.e[k].cookie = rec.cookie;
		replay_window(t, &rec, &b.e[k]);
		/* a map-only entry ahead of the answer */
		if (chance(&t->rng, 10) && k + 1 < MAXE) {
			b.e[k + 1] = b.e[k];
			b.e[k].cookie = 0;
			k++;
		}
		k++;
		if (k >= MAXE - 1)
			break;
	}
	if (!k) {
		count(t, OP_REPLAY, E_SKIPPED);
		return;
	}
	b.hdr.argsz = sizeof(b.hdr) + k * sizeof(b.e[0]);
	b.hdr.count = k;
	counted(t, OP_REPLAY, xioctl(t, fd, VFIO_IOPF_RESOLVE, &b, b.hdr.argsz));
}

static void op_replay(struct thr *t)
{
	struct rmap *m = map_take(t, 0);
	struct fdobj *o;

	if (!m)
		return;
	o = chance(&t->rng, 85) ? iopf_by_gen(m->gen) : NULL;
	if (!o)
		o = pick_iopf(t);
	if (o)
		do_replay(t, m, o->fd);
	map_put(m);
	obj_put(o);
}

/* ---------------------------------------------- the process's memory -- */

static void op_memory(struct thr *t)
{
	unsigned int m = below(&t->rng, 100);
	int is_shm = chance(&t->rng, 20);
	unsigned char *base = is_shm ? shm : arena;
	__u64 len = is_shm ? SHM_SIZE : ARENA_SIZE;
	__u64 pages = 1 + below(&t->rng, chance(&t->rng, 80) ? 64 : 1024);
	__u64 off = below(&t->rng, len / PG) * PG;
	void *p;

	if (off + pages * PG > len)
		pages = (len - off) / PG;
	p = base + off;
	len = pages * PG;
	if (m < 35) {
		counted(t, OP_MEMORY, madvise(p, len, MADV_DONTNEED));
	} else if (m < 50) {
		/* fresh memory at the same place: the old is unmapped */
		void *q = mmap(p, len, PROT_READ | PROT_WRITE, MAP_FIXED |
			       MAP_ANONYMOUS | (is_shm ? MAP_SHARED : MAP_PRIVATE),
			       -1, 0);

		counted(t, OP_MEMORY, q == MAP_FAILED ? -1 : 0);
		t_check(q == MAP_FAILED || q == p);
	} else if (m < 62) {
		static const int prot[] = { PROT_READ, PROT_NONE,
					    PROT_READ | PROT_WRITE };

		counted(t, OP_MEMORY, mprotect(p, len, prot[below(&t->rng, 3)]));
	} else if (m < 70) {
		counted(t, OP_MEMORY, mprotect(p, len, PROT_READ | PROT_WRITE));
	} else if (m < 82) {
		counted(t, OP_MEMORY, madvise(p, len, MADV_POPULATE_WRITE));
	} else if (m < 87) {
		counted(t, OP_MEMORY, madvise(p, len, chance(&t->rng, 50) ?
					      MADV_HUGEPAGE : MADV_NOHUGEPAGE));
	} else if (m < 92) {
		counted(t, OP_MEMORY, madvise(p, len, is_shm ? MADV_REMOVE :
					      MADV_FREE));
	} else if (m < 96) {
		counted(t, OP_MEMORY, mlock(p, len));
	} else {
		counted(t, OP_MEMORY, munlock(p, len));
	}
}

/* ---------------------------------------------- groups and containers -- */

static int group_path(int slot, char *path, size_t len, char *name,
		      size_t nlen)
{
	char dev[PATH_MAX];

	snprintf(name, nlen, "iopf-mock%d", slot);
	snprintf(dev, sizeof(dev), "/sys/bus/vfio_iopf_mock/devices/%s", name);
	return t_group_path(dev, path, len);
}

/*
 * Open the group of slot @slot and add it to the container.  A child may
 * still hold the group open, so EBUSY is retried for a while.  topo held.
 */
static void group_attach(struct thr *t, int slot)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	char path[PATH_MAX], name[32];
	long long end = now_ms() + 10000;
	struct fdobj *c, *go, *dob;
	int g, d;

	if (!w.present[slot] || w.grp[slot])
		return;
	c = obj_get(&w.cont);
	if (!c)
		return;
	slot_wait_closed(slot);
	t_check(group_path(slot, path, sizeof(path), name, sizeof(name)) == 0);
	while ((g = open(path, O_RDWR | O_CLOEXEC)) < 0 && errno == EBUSY &&
	       now_ms() < end)
		msleep(5);
	if (g < 0)
		fail("cannot open %s for %s: %s", path, name, strerror(errno));
	t_check(ioctl(g, VFIO_GROUP_GET_STATUS, &st) == 0);
	t_check(st.flags & VFIO_GROUP_FLAGS_VIABLE);
	if (counted(t, OP_ATTACH, ioctl(g, VFIO_GROUP_SET_CONTAINER, &c->fd))) {
		close(g);
		obj_put(c);
		return;
	}
	/*
	 * The first group gives the container its IOMMU; a group a child
	 * still holds may have kept it, then SET_IOMMU says EBUSY.
	 */
	if (!w.ngroups && ioctl(c->fd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) &&
	    errno != EBUSY) {
		count(t, OP_ATTACH, errno);
		ioctl(g, VFIO_GROUP_UNSET_CONTAINER);
		close(g);
		obj_put(c);
		return;
	}
	d = ioctl(g, VFIO_GROUP_GET_DEVICE_FD, name);
	t_check(d >= 0);
	w.ngroups++;
	go = obj_new(g, FD_GROUP, slot);
	dob = obj_new(d, FD_DEV, slot);
	pthread_mutex_lock(&w.lock);
	w.grp[slot] = go;
	w.dev[slot] = dob;
	pthread_mutex_unlock(&w.lock);
	obj_put(c);
}

/* The group of @slot leaves: its fds close once the device thread lets go. */
static void group_detach(int slot)
{
	int last = w.ngroups == 1;
	struct fdobj *g, *d;

	if (!w.grp[slot])
		return;
	if (last) {
		struct fdobj *a = obj_get(&w.iopf[0]), *b = obj_get(&w.iopf[1]);

		iopf_snapshot(a);
		iopf_snapshot(b);
		obj_put(a);
		obj_put(b);
		pthread_rwlock_wrlock(&w.cont_rw);
	}
	g = obj_take(&w.grp[slot]);
	d = obj_take(&w.dev[slot]);
	obj_put(d);
	obj_put(g);
	slot_wait_closed(slot);
	w.ngroups--;
	if (last)
		pthread_rwlock_unlock(&w.cont_rw);
}

static void iopf_drop(int i)
{
	obj_put(obj_take(&w.iopf[i]));
}

/*
 * Close the container and its groups (the iopf fds may outlive it), open a
 * new one with a random set of the devices, and most times enable IOPF.
 */
static void container_recreate(struct thr *t)
{
	struct vfio_iommu_type1_enable_iopf en = { .argsz = sizeof(en) };
	int i, any = 0, fd;

	for (i = 0; i < NDEV; i++)
		group_detach(i);
	obj_put(obj_take(&w.cont));
	w.ngroups = 0;
	if (chance(&t->rng, 50))
		iopf_drop(1);
	if (chance(&t->rng, 30))
		iopf_drop(0);

	fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	t_check(fd >= 0);
	{
		struct fdobj *c = obj_new(fd, FD_CONT, 0);

		pthread_mutex_lock(&w.lock);
		w.cont = c;
		w.containers++;
		pthread_mutex_unlock(&w.lock);
	}
	for (i = 0; i < NDEV; i++) {
		/* without the device that cannot fault most times */
		if (w.present[i] && chance(&t->rng, i == MOCK_NOFAULT ? 30 : 75)) {
			group_attach(t, i);
			any = 1;
		}
	}
	if (!any)
		group_attach(t, MOCK_FAULTING);
	if (chance(&t->rng, 75)) {
		static const __u32 v[] = { 0, 64, 256, 4096, 65536 };

		en.ring_entries = v[below(&t->rng, 5)];
		fd = counted(t, OP_ENABLE, ioctl(w.cont->fd,
						 VFIO_IOMMU_ENABLE_IOPF, &en));
		if (fd >= 0)
			iopf_adopt(fd);
	}
}

static void op_recreate(struct thr *t)
{
	pthread_mutex_lock(&w.topo);
	container_recreate(t);
	count(t, OP_RECREATE, 0);
	pthread_mutex_unlock(&w.topo);
}

static void op_detach(struct thr *t)
{
	int slot = below(&t->rng, NDEV);

	pthread_mutex_lock(&w.topo);
	if (w.grp[slot]) {
		group_detach(slot);
		count(t, OP_DETACH, 0);
	}
	pthread_mutex_unlock(&w.topo);
}

static void op_attach(struct thr *t)
{
	int slot = below(&t->rng, NDEV);

	pthread_mutex_lock(&w.topo);
	group_attach(t, slot);
	pthread_mutex_unlock(&w.topo);
}

static void op_iopf_close(struct thr *t)
{
	iopf_drop(!chance(&t->rng, 70));
	count(t, OP_IOPF_CLOSE, 0);
}

/* ------------------------------------------------ per-fd storm calls -- */

/*
 * The container, for an ioctl that reaches its IOMMU driver, while this
 * process has a group in it (see w.cont_rw); cont_put() after the call.
 */
static struct fdobj *cont_get(struct thr *t, int op)
{
	struct fdobj *c;

	pthread_rwlock_rdlock(&w.cont_rw);
	c = w.ngroups ? obj_get(&w.cont) : NULL;
	if (!c) {
		pthread_rwlock_unlock(&w.cont_rw);
		count(t, op, E_SKIPPED);
	}
	return c;
}

static void cont_put(struct fdobj *c)
{
	obj_put(c);
	pthread_rwlock_unlock(&w.cont_rw);
}

static void op_enable(struct thr *t)
{
	struct fdobj *c = cont_get(t, OP_ENABLE);

	if (c) {
		do_enable(t, c->fd, 1);
		cont_put(c);
	}
}

static void op_map(struct thr *t)
{
	struct fdobj *c = cont_get(t, OP_MAP);

	if (c) {
		do_map(t, c->fd);
		cont_put(c);
	}
}

static void op_unmap(struct thr *t)
{
	struct fdobj *c = cont_get(t, OP_UNMAP);

	if (c) {
		do_unmap(t, c->fd);
		cont_put(c);
	}
}

static void op_dirty(struct thr *t)
{
	struct fdobj *c = cont_get(t, OP_DIRTY);

	if (c) {
		do_dirty(t, c->fd);
		cont_put(c);
	}
}

static struct resolve_batch *thread_batch(struct thr *t)
{
	static __thread struct resolve_batch *b;

	if (!b) {
		b = calloc(1, sizeof(*b));
		t_check(b != NULL);
	}
	return b;
}

static void op_resolve(struct thr *t)
{
	struct fdobj *o = pick_iopf(t);

	if (o)
		do_resolve(t, o->fd, thread_batch(t));
	obj_put(o);
}

static void op_release(struct thr *t)
{
	struct fdobj *o = pick_iopf(t);

	if (o)
		do_release(t, o->fd);
	obj_put(o);
}

static void op_setres(struct thr *t)
{
	struct fdobj *o = pick_iopf(t), *c = obj_get(&w.cont);

	if (o)
		do_set_resolver(t, o->fd, c ? c->fd : -1);
	obj_put(c);
	obj_put(o);
}

static void op_info(struct thr *t)
{
	struct fdobj *o = pick_iopf(t);

	if (o)
		do_info(t, o->fd);
	obj_put(o);
}

static void op_poll(struct thr *t)
{
	struct fdobj *o = pick_iopf(t);
	struct pollfd p;
	char buf[8];

	if (!o)
		return;
	p.fd = o->fd;
	p.events = POLLIN | POLLOUT | POLLPRI;
	switch (below(&t->rng, 4)) {
	case 0:
	case 1:
		counted(t, OP_POLL, poll(&p, 1, below(&t->rng, 5)));
		break;
	case 2:
		counted(t, OP_POLL, read(o->fd, buf, sizeof(buf)));
		break;
	default:
		counted(t, OP_POLL, write(o->fd, buf, sizeof(buf)));
	}
	obj_put(o);
}

static void op_bad_ioctl(struct thr *t)
{
	struct fdobj *o;

	if (chance(&t->rng, 30)) {
		o = cont_get(t, OP_BADIOCTL);
		if (o) {
			do_bad_ioctl(t, o->fd, 0);
			cont_put(o);
		}
		return;
	}
	o = pick_iopf(t);
	if (o)
		do_bad_ioctl(t, o->fd, 1);
	obj_put(o);
}

static void op_fallback(struct thr *t)
{
	static const char *const v[] = { "1", "2", "16", "512", "0", "4096" };
	const char *s = v[below(&t->rng, 6)];
	int fd;

	if (!saved_fallback[0])
		return;
	fd = open(FALLBACK_PARAM, O_WRONLY | O_CLOEXEC);
	t_check(fd >= 0);
	counted(t, OP_FALLBACK, write(fd, s, strlen(s)));
	close(fd);
}

static void restore_fallback(void)
{
	if (saved_fallback[0])
		t_write_str(FALLBACK_PARAM, saved_fallback);
}

/* ------------------------------------------------------------- forks -- */

/*
 * The child: the calls above on its copies of the container and iopf fds,
 * its own mapping of the ring, for @ms; no locks (another thread of the
 * parent may have held one at the fork), no stdio, and _exit().
 */
static void __attribute__((noreturn))
child_main(struct thr *t, int cont, struct fdobj *iopf, unsigned int ms)
{
	long long end = now_ms() + ms;
	struct rmap m = { 0 };
	struct resolve_batch *b;
	int fd = iopf ? iopf->fd : -1;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	t->counts = child_counts;
	b = mmap(NULL, sizeof(*b), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (b == MAP_FAILED)
		_exit(2);
	if (iopf && chance(&t->rng, 70)) {
		m.addr = ring_mmap(t, iopf, NULL, &m.len, &m.prot, &m.ring,
				   OP_MMAP);
		m.entries = iopf->entries;
		m.off = iopf->ring;
	}
	while (now_ms() < end) {
		unsigned int k = below(&t->rng, 100);

		if (k < 20 && cont >= 0)
			do_map(t, cont);
		else if (k < 27 && cont >= 0)
			do_unmap(t, cont);
		else if (k < 36 && cont >= 0)
			do_enable(t, cont, 0);
		else if (k < 48 && fd >= 0)
			do_resolve(t, fd, b);
		else if (k < 58 && fd >= 0)
			do_release(t, fd);
		else if (k < 68 && fd >= 0)
			do_set_resolver(t, fd, cont);
		else if (k < 72 && fd >= 0)
			do_info(t, fd);
		else if (k < 82 && m.addr)
			do_scribble(t, &m);
		else if (k < 94 && m.addr && fd >= 0)
			do_replay(t, &m, fd);
		else if (k < 97 && fd >= 0)
			do_bad_ioctl(t, fd, 1);
		else if (fd >= 0 && chance(&t->rng, 30))
			fd = close(fd) ? fd : -1;	/* its own copy */
	}
	_exit(0);
}

static void op_fork(struct thr *t)
{
	unsigned int life = 10 + below(&t->rng, 300);
	int kill_ms = chance(&t->rng, 50) ? (int)below(&t->rng, life) : -1;
	struct fdobj *c, *o = pick_iopf(t);
	struct thr ct = *t;
	int st;
	pid_t pid;

	ct.rng.s = rnd(&t->rng);
	/*
	 * The child calls into the container only if it inherits a group of
	 * it: its copies keep the container's IOMMU alive while it lives
	 * (see w.cont_rw).
	 */
	pthread_rwlock_rdlock(&w.cont_rw);
	c = w.ngroups ? obj_get(&w.cont) : NULL;
	pid = fork();
	if (!pid)
		child_main(&ct, c ? c->fd : -1, o, life);
	pthread_rwlock_unlock(&w.cont_rw);
	if (pid < 0) {
		count(t, OP_FORK, errno);
	} else {
		count(t, OP_FORK, 0);
		t->child = pid;
		if (kill_ms >= 0) {
			msleep(kill_ms);
			kill(pid, SIGKILL);
		}
		t_check(waitpid(pid, &st, 0) == pid);
		t->child = 0;
		if (WIFEXITED(st) && !WEXITSTATUS(st))
			count(t, OP_CHILD_EXIT, 0);
		else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
			count(t, OP_CHILD_KILLED, 0);
		else
			fail("a forked child ended with status %#x", st);
	}
	obj_put(o);
	obj_put(c);
}

/* ------------------------------------------------------------ threads -- */

static void op_run(struct thr *t, int op)
{
	switch (op) {
	case OP_ENABLE: op_enable(t); break;
	case OP_MAP: op_map(t); break;
	case OP_UNMAP: op_unmap(t); break;
	case OP_RESOLVE: op_resolve(t); break;
	case OP_REPLAY: op_replay(t); break;
	case OP_RELEASE: op_release(t); break;
	case OP_SETRES: op_setres(t); break;
	case OP_INFO: op_info(t); break;
	case OP_MMAP: op_mmap(t); break;
	case OP_MUNMAP: op_munmap(t); break;
	case OP_MREMAP: op_mremap(t); break;
	case OP_MPROTECT: op_mprotect(t); break;
	case OP_SCRIBBLE: op_scribble(t); break;
	case OP_MEMORY: op_memory(t); break;
	case OP_IOPF_CLOSE: op_iopf_close(t); break;
	case OP_DETACH: op_detach(t); break;
	case OP_ATTACH: op_attach(t); break;
	case OP_RECREATE: op_recreate(t); break;
	case OP_FORK: op_fork(t); break;
	case OP_POLL: op_poll(t); break;
	case OP_DIRTY: op_dirty(t); break;
	case OP_BADIOCTL: op_bad_ioctl(t); break;
	case OP_FALLBACK: op_fallback(t); break;
	}
}

static void *storm_main(void *arg)
{
	struct thr *t = arg;
	unsigned int total = 0, i;

	t->ktid = gettid();
	for (i = 0; i < NSTORM_OPS; i++)
		total += op_weight[i];
	while (!stop) {
		unsigned int r = below(&t->rng, total);
		unsigned long long us;
		double start;
		int op = 0;

		while (r >= op_weight[op])
			r -= op_weight[op++];
		start = t_now_us();
		wd_begin(t, op_names[op], 60);
		op_run(t, op);
		wd_end(t);
		us = t_now_us() - start;
		op_us[op] += us;
		if (us > op_max_us[op])
			op_max_us[op] = us;
	}
	return NULL;
}

/*
 * A device: DMA commands on random IOVAs, each page waiting at most
 * timeout_ms for each of its (at most two) page requests.
 */
static void *dma_main(void *arg)
{
	struct thr *t = arg;
	unsigned char *buf = malloc(4 * PG);
	int nofault = t->slot == MOCK_NOFAULT;

	t->ktid = gettid();
	t_check(buf != NULL);
	while (!stop) {
		struct vfio_iopf_mock_dma cmd = { .argsz = sizeof(cmd) };
		struct fdobj *d = obj_get(&w.dev[t->slot]);
		__u64 pages, bound;
		long long start, took;
		unsigned int to, m;
		int op = nofault ? OP_DMA_NOFAULT : OP_DMA, st;

		if (!d) {
			msleep(2 + below(&t->rng, 10));
			continue;
		}
		m = below(&t->rng, 100);
		if (m < 60 && nmapped) {
			unsigned int i = below(&t->rng, nmapped < 64 ? nmapped : 64);
			__u64 size = mapped[i].size;

			cmd.iova = mapped[i].iova +
				   below(&t->rng, size / PG ? size / PG : 1) * PG;
		} else if (m < 90) {
			cmd.iova = IOVA_BASE + below(&t->rng, IOVA_SPAN / PG) * PG;
		} else {
			cmd.iova = below(&t->rng, 1ULL << 36) * PG;
		}
		if (chance(&t->rng, 20))
			cmd.iova += below(&t->rng, PG);
		cmd.length = 1 + below(&t->rng, chance(&t->rng, 60) ? PG : 3 * PG);
		to = chance(&t->rng, 3) ? 0 : chance(&t->rng, 85) ?
		     10 + below(&t->rng, 290) : 300 + below(&t->rng, 700);
		if (!to)	/* 5 s: one page at most */
			cmd.length = 1 + below(&t->rng, PG - cmd.iova % PG);
		cmd.timeout_ms = to;
		cmd.flags = chance(&t->rng, 50) ? VFIO_IOPF_MOCK_DMA_WRITE : 0;
		cmd.data = (unsigned long)buf;
		pages = (cmd.iova + cmd.length - 1) / PG - cmd.iova / PG + 1;
		bound = pages * 2 * (to ? to : 5000) + dma_slack_ms;
		wd_begin(t, "dma", bound / 1000 + 10);
		start = now_ms();
		if (ioctl(d->fd, VFIO_IOPF_MOCK_DMA, &cmd))
			fail("%s: DMA at %#llx+%llu: ioctl failed: %s", t->name,
			       (unsigned long long)cmd.iova,
			       (unsigned long long)cmd.length, strerror(errno));
		took = now_ms() - start;
		wd_end(t);
		st = -cmd.out_status;
		count(t, op, st);
		if (took > dma_longest_ms)
			dma_longest_ms = took;
		if (took - (long long)(bound - dma_slack_ms) > dma_worst_ms)
			dma_worst_ms = took - (long long)(bound - dma_slack_ms);
		if ((__u64)took > bound)
			fail("%s: DMA at %#llx+%llu (%llu pages, timeout %u ms) took %lld ms, bound %llu ms",
			       t->name, (unsigned long long)cmd.iova,
			       (unsigned long long)cmd.length,
			       (unsigned long long)pages, to, took,
			       (unsigned long long)bound);
		if (st && st != ENXIO && (nofault || (st != EFAULT && st != ETIMEDOUT)))
			fail("%s: DMA at %#llx+%llu: status %d (%s)", t->name,
			       (unsigned long long)cmd.iova,
			       (unsigned long long)cmd.length, cmd.out_status,
			       strerror(st));
		obj_put(d);
		/* a command that did not wait leaves the CPUs to the storm */
		if (took < 2)
			msleep(1 + below(&t->rng, 4));
	}
	free(buf);
	return NULL;
}

/*
 * A well-behaved resolver, some of the time: attach (taking over from
 * whatever the storm attached), read the ring, answer each fault with a
 * window around it, detach.
 */
static void resolver_session(struct thr *t, struct fdobj *o)
{
	struct vfio_iopf_set_resolver set = { .argsz = sizeof(set) };
	struct resolve_batch *b = thread_batch(t);
	struct rmap m = { 0 };
	long long end = now_ms() + 500 + below(&t->rng, 3500);
	struct pollfd p;
	__u32 cons;
	long id;
	int efd;

	if (!o->entries || !o->ring.mmap_size)
		return;
	m.addr = mmap(NULL, o->ring.mmap_size, PROT_READ | PROT_WRITE,
		      MAP_SHARED, o->fd, 0);
	if (m.addr == MAP_FAILED)
		return;
	m.len = o->ring.mmap_size;
	m.prot = PROT_READ | PROT_WRITE;
	m.ring = 1;
	m.entries = o->entries;
	m.off = o->ring;
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	t_check(efd >= 0);
	set.flags = chance(&t->rng, 95) ? VFIO_IOPF_RESOLVER_TAKEOVER : 0;
	set.eventfd = efd;
	set.timeout_ms = 100 + below(&t->rng, 1900);
	id = counted(t, OP_RSV_ATTACH, ioctl(o->fd, VFIO_IOPF_SET_RESOLVER, &set));
	if (id <= 0)
		goto out;
	cons = atomic_load_explicit(ring_u32(&m, m.off.consumer),
				    memory_order_relaxed);
	p.fd = efd;
	p.events = POLLIN;
	while (!stop && now_ms() < end) {
		struct vfio_iopf_info info = { .argsz = sizeof(info) };
		__u32 prod, k = 0;
		__u64 v;

		if (poll(&p, 1, 20) == 1)
			while (read(efd, &v, sizeof(v)) == sizeof(v))
				;
		prod = atomic_load_explicit(ring_u32(&m, m.off.producer),
					    memory_order_acquire);
		/* the storm scribbles on the ring: do not trust it far */
		if (prod - cons > m.entries)
			cons = prod;
		while (cons != prod && k < 64) {
			struct vfio_iopf_fault rec;

			t_check(ring_record(&m, cons, &rec) == 0);
			cons++;
			b->e[k].cookie = rec.cookie;
			replay_window(t, &rec, &b->e[k]);
			/* mostly the right window */
			if (chance(&t->rng, 70)) {
				b->e[k].response = VFIO_IOPF_RESPONSE_SUCCESS;
				b->e[k].map_iova = rec.iova;
				b->e[k].map_size = PG;
				if (rec.iova < rec.dma_iova ||
				    rec.iova - rec.dma_iova >= rec.dma_size)
					b->e[k].map_size = 0;
			}
			b->e[k].out_result = 12345;
			k++;
		}
		atomic_store_explicit(ring_u32(&m, m.off.consumer), cons,
				      memory_order_release);
		if (k) {
			__u32 i;

			b->hdr.argsz = sizeof(b->hdr) + k * sizeof(b->e[0]);
			b->hdr.flags = 0;
			b->hdr.count = k;
			if (counted(t, OP_RSV_RESOLVE,
				    ioctl(o->fd, VFIO_IOPF_RESOLVE, b)))
				break;
			t_check(b->hdr.out_done == k);
			for (i = 0; i < k; i++)
				count(t, OP_RSV_ENTRY, -b->e[i].out_result);
		}
		/* displaced by a takeover of the storm's: done */
		if (ioctl(o->fd, VFIO_IOPF_INFO, &info) ||
		    info.out_resolver_id != id)
			break;
	}
	set.flags = VFIO_IOPF_RESOLVER_DETACH;
	counted(t, OP_RSV_DETACH, ioctl(o->fd, VFIO_IOPF_SET_RESOLVER, &set));
out:
	close(efd);
	t_check(munmap(m.addr, m.len) == 0);
}

static void *resolver_main(void *arg)
{
	struct thr *t = arg;

	t->ktid = gettid();
	while (!stop) {
		struct fdobj *o;

		msleep(below(&t->rng, 300));
		o = obj_get(&w.iopf[0]);
		if (!o)
			continue;
		wd_begin(t, "resolver session", 60);
		resolver_session(t, o);
		wd_end(t);
		obj_put(o);
	}
	return NULL;
}

/* ----------------------------------------------------------- watchdog -- */

static atomic_int wd_stop;
static _Atomic long long main_since;
static const char *_Atomic main_what;

/* where a task sleeps, the system call it is in, its kernel stack if shown */
static void dump_task(const char *dir, const char *who)
{
	char path[300], wchan[64], state[32], sc[128], buf[2048];
	char *line, *save;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/wchan", dir);
	if (t_read_line(path, wchan, sizeof(wchan)))
		wchan[0] = 0;
	snprintf(path, sizeof(path), "%s/syscall", dir);
	if (t_read_line(path, sc, sizeof(sc)))
		sc[0] = 0;
	snprintf(path, sizeof(path), "%s/stat", dir);
	if (t_read_line(path, buf, sizeof(buf)))
		buf[0] = 0;
	line = strrchr(buf, ')');
	snprintf(state, sizeof(state), "%s", line && line[1] ? line + 2 : "?");
	state[1] = 0;
	klog("%s: state %s wchan %s syscall %s", who, state, wchan, sc);
	snprintf(path, sizeof(path), "%s/stack", dir);
	fd = open(path, O_RDONLY);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		klog("  %s", line);
}

static struct thr *threads[NSTORM + NDEV + 1];
static int nthreads;

/* every thread of the process, and the children the forks wait for */
static void dump_stacks(void)
{
	char path[300], who[300];
	struct dirent *de;
	DIR *dir = opendir("/proc/self/task");
	int i;

	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s", de->d_name);
		snprintf(who, sizeof(who), "task %s", de->d_name);
		for (i = 0; i < nthreads; i++)
			if (threads[i]->ktid == atoi(de->d_name))
				snprintf(who, sizeof(who), "task %s (%s)",
					 de->d_name, threads[i]->name);
		dump_task(path, who);
	}
	closedir(dir);
	for (i = 0; i < nthreads; i++) {
		pid_t c = threads[i]->child;

		if (!c)
			continue;
		snprintf(path, sizeof(path), "/proc/%d", c);
		snprintf(who, sizeof(who), "child %d of %s", c, threads[i]->name);
		dump_task(path, who);
	}
}

static void *watchdog_main(void *arg)
{
	while (!wd_stop) {
		long long now = now_ms();
		int i;

		for (i = 0; i < nthreads; i++) {
			struct thr *t = threads[i];
			long long since = t->since_ms;

			if (since && now - since > t->limit_s * 1000LL) {
				klog("FAIL: %s stuck in %s for %lld ms (seed %llu)",
				     t->name, t->what, now - since,
				     (unsigned long long)seed);
				dump_stacks();
				_exit(T_FAIL);
			}
		}
		if (main_since && now - main_since > 60000) {
			klog("FAIL: stuck in %s for %lld ms (seed %llu)",
			     main_what, now - main_since,
			     (unsigned long long)seed);
			dump_stacks();
			_exit(T_FAIL);
		}
		msleep(200);
	}
	return NULL;
}

static struct thr *thr_new(const char *name, int idx)
{
	struct thr *t = calloc(1, sizeof(*t));

	t_check(t != NULL);
	snprintf(t->name, sizeof(t->name), "%s", name);
	/* each thread's choices follow from the seed alone */
	t->rng.s = seed ^ (0x5851f42d4c957f2dULL * (idx + 1));
	rnd(&t->rng);
	t->counts = calloc(NOPS * NERR, sizeof(*t->counts));
	t_check(t->counts != NULL);
	t->argpg = mmap(NULL, ARGPG + PG, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	t_check(t->argpg != MAP_FAILED);
	t_check(mprotect(t->argpg + ARGPG, PG, PROT_NONE) == 0);
	threads[nthreads++] = t;
	return t;
}

/* ---------------------------------------------------------- reporting -- */

/* one line per operation kind: calls, time, then results by errno */
static void report_ops(const unsigned long *sum, int with_time)
{
	int op, e;

	for (op = 0; op < NOPS; op++) {
		unsigned long n = 0;
		char line[1024];
		int len;

		for (e = 0; e < NERR; e++)
			n += sum[op * NERR + e];
		if (!n)
			continue;
		len = snprintf(line, sizeof(line), "  %-18s %7lu", op_names[op], n);
		if (with_time && op_us[op])
			len += snprintf(line + len, sizeof(line) - len,
					" (%.1f s, longest %.0f ms)", op_us[op] / 1e6,
					op_max_us[op] / 1e3);
		len += snprintf(line + len, sizeof(line) - len, ": ok %lu",
				sum[op * NERR]);
		for (e = 1; e < NERR; e++) {
			const char *name = e == E_SKIPPED ? "skipped" :
					   e == E_OTHER ? "other" :
					   strerrorname_np(e);

			if (!sum[op * NERR + e])
				continue;
			if (len < (int)sizeof(line))
				len += snprintf(line + len, sizeof(line) - len,
						", %s %lu", name ? name : "other",
						sum[op * NERR + e]);
		}
		fprintf(stderr, "%s\n", line);
	}
}

static void report(void)
{
	static unsigned long sum[NOPS * NERR];
	int i, e;

	for (i = 0; i < nthreads; i++)
		for (e = 0; e < NOPS * NERR; e++)
			sum[e] += threads[i]->counts[e];
	fprintf(stderr, "operations (calls, time in them, ok, then failures by errno; the devices by DMA status):\n");
	report_ops(sum, 1);
	fprintf(stderr, "the forked children's operations:\n");
	report_ops(child_counts, 0);
	fprintf(stderr, "iopf fds %llu, containers %llu; faults %llu: resolved %llu, fallback %llu, invalid %llu, timeouts %llu, overflow %llu\n",
		(unsigned long long)w.iopf_fds, (unsigned long long)w.containers,
		(unsigned long long)w.faults, (unsigned long long)w.resolved,
		(unsigned long long)w.fallback, (unsigned long long)w.invalid,
		(unsigned long long)w.timeouts, (unsigned long long)w.overflow);
	fprintf(stderr, "DMA commands: longest %lld ms, most over timeout x pages x 2: %lld ms (bound: +%d ms)\n",
		(long long)dma_longest_ms, (long long)dma_worst_ms, dma_slack_ms);
}

/* ------------------------------------------------------------ the end -- */

static int count_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	t_check(dir != NULL);
	while ((de = readdir(dir)))
		n += de->d_name[0] != '.';
	closedir(dir);
	return n;
}

/* After the storm the devices still fault and get their pages. */
static void sanity(void)
{
	unsigned char *mem = t_alloc(MB), buf[64];
	struct t_vfio v;
	int fd, st;

	t_mock_setup(MOCK_FAULTING, &v);
	fd = t_enable_iopf(v.container, NULL);
	t_check(t_map(v.container, mem, IOVA_BASE, MB, T_RW) == 0);
	st = t_dma(v.device, 0, IOVA_BASE + 5 * PG, buf, sizeof(buf), NULL);
	if (st)
		fail("after the storm a fresh container's DMA gets %d", st);
	t_check(t_unmap(v.container, IOVA_BASE, MB, NULL) == 0);
	close(fd);
	close(v.device);
	close(v.group);
	close(v.container);
	munmap(mem, MB);
}

int main(void)
{
	struct thr *rsv, *storm[NSTORM], *dma[NDEV];
	long base_kb, kb;
	long long end, waited;
	int i, base_fds, timeout;
	char path[PATH_MAX], name[32];

	timeout = cmdline_param("iopf.test_timeout=", 120);
	seed = cmdline_param("iopf.storm_seed=", 0);
	if (!seed) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = ((__u64)ts.tv_sec * 1000000007ULL) ^ ts.tv_nsec ^
		       ((__u64)getpid() << 32);
		seed &= (1ULL << 53) - 1;
	}
	storm_secs = cmdline_param("iopf.storm_secs=", timeout >= 300 ? 30 : 20);
	dma_slack_ms = timeout >= 300 ? 10000 : 5000;
	kmsg_fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	klog("seed %llu (iopf.storm_seed=%llu replays it), %d s, %ld cpu(s)",
	     (unsigned long long)seed, (unsigned long long)seed, storm_secs,
	     sysconf(_SC_NPROCESSORS_ONLN));
	if (storm_secs > timeout / 3)
		fail("iopf.storm_secs=%d leaves too little of the %d s test timeout",
		       storm_secs, timeout);

	for (i = 0; i < NDEV; i++)
		w.present[i] = !group_path(i, path, sizeof(path), name,
					   sizeof(name));
	if (!w.present[MOCK_FAULTING])
		t_skip("no mock device iopf-mock0 (CONFIG_VFIO_IOPF_MOCK off?)");
	{
		int c = t_open_container();

		if (ioctl(c, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOPF) != 1)
			t_skip("VFIO_TYPE1_IOPF not supported");
		close(c);
	}
	if (!t_read_line(FALLBACK_PARAM, saved_fallback, sizeof(saved_fallback)))
		atexit(restore_fallback);
	else
		saved_fallback[0] = 0;

	base_kb = t_locked_kb();
	base_fds = count_fds();
	child_counts = mmap(NULL, NOPS * NERR * sizeof(*child_counts),
			    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			    -1, 0);
	t_check(child_counts != MAP_FAILED);
	arena = mmap(NULL, ARENA_SIZE + 2 * MB, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	t_check(arena != MAP_FAILED);
	/* 2 MiB aligned, so that THP can back whole blocks */
	arena = (unsigned char *)(((unsigned long)arena + 2 * MB - 1) & ~(2 * MB - 1));
	madvise(arena, ARENA_SIZE, MADV_HUGEPAGE);
	shm = mmap(NULL, SHM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	t_check(shm != MAP_FAILED);
	ro = mmap(NULL, RO_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	t_check(ro != MAP_FAILED);
	/* the zone of ring mappings, reserved so nothing else lands there */
	t_check(mmap((void *)(unsigned long)ZONE, NMAPS * ZONE_SLOT, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) ==
		(void *)(unsigned long)ZONE);
	t_check(munmap((void *)(unsigned long)ZONE, NMAPS * ZONE_SLOT) == 0);

	rsv = thr_new("resolver", 0);
	pthread_mutex_lock(&w.topo);
	container_recreate(rsv);
	pthread_mutex_unlock(&w.topo);

	t0_us = t_now_us();
	end = now_ms() + storm_secs * 1000LL;
	for (i = 0; i < NSTORM; i++) {
		snprintf(name, sizeof(name), "storm%d", i);
		storm[i] = thr_new(name, 1 + i);
	}
	for (i = 0; i < NDEV; i++) {
		snprintf(name, sizeof(name), "dma-mock%d", i);
		dma[i] = thr_new(name, 1 + NSTORM + i);
		dma[i]->slot = i;
	}
	{
		pthread_t wd;

		t_check(pthread_create(&wd, NULL, watchdog_main, NULL) == 0);
		pthread_detach(wd);
	}
	t_check(pthread_create(&rsv->tid, NULL, resolver_main, rsv) == 0);
	for (i = 0; i < NSTORM; i++)
		t_check(pthread_create(&storm[i]->tid, NULL, storm_main,
				       storm[i]) == 0);
	for (i = 0; i < NDEV; i++)
		if (w.present[i])
			t_check(pthread_create(&dma[i]->tid, NULL, dma_main,
					       dma[i]) == 0);
	while (now_ms() < end) {
		msleep(100);
		if ((now_ms() - (long long)(t0_us / 1000)) % 5000 < 100)
			klog("%.0f s", (t_now_us() - t0_us) / 1e6);
	}
	klog("stopping");
	stop = 1;
	main_what = "joining the threads";
	main_since = now_ms();
	pthread_join(rsv->tid, NULL);
	for (i = 0; i < NSTORM; i++)
		pthread_join(storm[i]->tid, NULL);
	for (i = 0; i < NDEV; i++)
		if (w.present[i])
			pthread_join(dma[i]->tid, NULL);
	fprintf(stderr, "storm: %.1f s, threads joined after %.1f s more\n",
		storm_secs + 0.0, (t_now_us() - t0_us) / 1e6 - storm_secs);

	/* drop every mapping and fd */
	main_what = "closing every fd";
	main_since = now_ms();
	for (i = 0; i < NMAPS; i++)
		if (w.maps[i].addr)
			t_check(munmap(w.maps[i].addr, w.maps[i].len) == 0);
	for (i = 0; i < NDEV; i++)
		group_detach(i);
	obj_put(obj_take(&w.cont));
	iopf_drop(0);
	iopf_drop(1);
	t_check(w.nopen == 0);
	if (count_fds() != base_fds)
		fail("%d fds open after the storm, %d before", count_fds(),
		       base_fds);
	t_check(munmap(arena, ARENA_SIZE) == 0);
	t_check(munmap(shm, SHM_SIZE) == 0);
	t_check(munmap(ro, RO_SIZE) == 0);
	restore_fallback();

	/* a charge left to the accounting work lands soon */
	main_what = "waiting for VmLck";
	main_since = now_ms();
	for (waited = 0; (kb = t_locked_kb()) != base_kb && waited < 10000;
	     waited += 10)
		msleep(10);
	report();
	if (kb != base_kb)
		fail("VmLck %ld kB after the storm, %ld kB before (seed %llu)",
		       kb, base_kb, (unsigned long long)seed);
	fprintf(stderr, "VmLck back to %ld kB%s\n", kb,
		waited ? " (after the accounting work)" : "");

	main_what = "the sanity check";
	main_since = now_ms();
	sanity();
	main_since = 0;
	if (t_locked_kb() != base_kb)
		fail("VmLck %ld kB after the sanity check", t_locked_kb());
	wd_stop = 1;
	klog("storm of seed %llu passed", (unsigned long long)seed);
	return T_PASS;
}
