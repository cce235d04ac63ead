// SPDX-License-Identifier: GPL-2.0
/*
 * iopfd killed a hundred times while it serves a VM whose devices stream
 * faults.  The test plays systemd (iopfd.socket's listener, a NOTIFY_SOCKET
 * with an fd store: iopfd_guest.h) and the VMM: three mock devices in one
 * container (iopf-mock0 and 1 share a domain, iopf-mock3 has its own), each
 * driven by a thread doing DMA reads and writes of up to one page over pages
 * it never used and pages it used before, some of which the process drops
 * and writes anew first (the MMU notifier unmaps them: the device faults on
 * them again).  Every byte is checked against what the process or the device
 * wrote.  Meanwhile iopfd is killed with SIGKILL KILLS times, at points drawn
 * from a seed (printed; IOPF_SEED=N in the environment, e.g. on the guest
 * kernel's command line, draws them again):
 *
 *  - while it starts, before READY=1 (before or after it took the VM back);
 *  - mid-batch: as soon as it takes records off the ring (the consumer index
 *    moves), between reading faults and answering them;
 *  - at a random time after READY=1, from 0.1 ms to three timeouts;
 *
 * and started again after a random delay (0 to two timeouts; systemd's
 * RestartSec= is 100 ms) with the listener and the fd store's fds.
 *
 * It shows that every DMA completes with the right data; that every fault is
 * answered exactly once (VFIO_IOPF_INFO: after each kill no more faults
 * outstanding than devices, at the end faults == resolved + fallback +
 * invalid, no INVALID, no overflow); that every iopfd that reports READY=1
 * serves the VM again (a new resolver id) and the last one still resolves
 * faults; that no DMA waits longer than the timeout and a bound (below);
 * and that the locked memory goes back to its baseline.
 */
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include "iopfd_guest.h"

#define KILLS		100
#define NDEV		3
#define IOVA		0x40000000ULL
/* one device's pages; 2 MiB aligned so that no block is shared */
#define SLICE		(8ULL << 20)
#define SIZE		(NDEV * SLICE)
#define PG		4096ULL
#define SLICE_PAGES	(SLICE / PG)
#define TIMEOUT_MS	100
#define MAX_DMAS	(1 << 19)	/* wall times kept per device */
#define SOCK_PATH	"/tmp/iopfd-kill-register"
#define NOTIFY_PATH	"/tmp/iopfd-kill-notify"
#define LOG_PATH	"/tmp/iopfd-kill.log"
#define FDNAME		"1-killed"
#define MIN(a, b)	((a) < (b) ? (a) : (b))

/*
 * The bound on a DMA's wall time.  A DMA here touches one page, which
 * nothing but its own thread changes, so it faults at most once, and the
 * kernel answers that fault by its deadline at the latest (the time it was
 * queued plus the timeout), whichever iopfd died or took over meanwhile.
 * Besides iopfd, a fault waits for the container's lock (other devices'
 * faults being answered, their windows pinned and mapped) and for a CPU for
 * its thread: what a fault waits when the kernel answers it at once, which
 * the test measures first, for CALIBRATE_MS under the same load with no
 * resolver.  A fault left to its deadline can wait for that twice: before
 * it is queued, and when the timeout work answers it.  SLACK_MS is for the
 * timer (a jiffy, 4 ms) and the rest.  So no DMA may take longer than
 * TIMEOUT_MS + 2 x (the slowest DMA of the kernel alone) + SLACK_MS, which
 * is less than two timeouts unless the kernel alone is slow.
 *
 * Time in which the guest ran none of the test's threads is not the
 * kernel's doing when QEMU's thread was not running (TCG on a busy host),
 * and the guest cannot tell that from a stretch of non-preemptible kernel
 * code.  A SCHED_FIFO thread that sleeps a tick at a time sees both as a
 * gap in its ticks; the gaps are printed, and a DMA over the bound fails
 * unless what is left of it after the gaps it overlaps is within it.  On an
 * idle host the gaps were TCG translating each restarted iopfd's code
 * again at its new random addresses: with ASLR they came a few times a run
 * (30-190 ms, iopfd taking 165 ms from fork to READY=1), and with
 * norandmaps, which the normal flavour now boots with, none (33 ms).
 */
#define CALIBRATE_MS	1000
#define SLACK_MS	20
/* no high-resolution timers: a 1 ms sleep ends within two 4 ms jiffies */
#define TICK_MAX_MS	8
#define STALL_MIN_MS	12

#define STR(x)		#x
#define XSTR(x)		STR(x)

static const char *const iopfd_opts[] = { "--timeout=" XSTR(TIMEOUT_MS), NULL };

static atomic_int stop, calibrating;
static pid_t iopfd_pid;
static int passed;

struct streamer {
	pthread_t thread;
	struct t_vfio v;
	unsigned char *mem;	/* the slice of the range this device uses */
	__u64 iova;
	__u64 rng;
	unsigned char used[SLICE_PAGES];	/* the device used the page */
	float *ms;		/* wall time of each DMA */
	float *began;		/* and when it began, s into the run */
	unsigned long ndma, nfaulted, nfresh, nrecycled, nwrite, ncal;
	double worst_ms, worst_at, cal_worst_ms;
	__u64 worst_iova;
};

static struct streamer streams[NDEV];
static double t_start;

/* splitmix64 */
static __u64 rnd(__u64 *s)
{
	__u64 z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void sleep_us(__u64 us)
{
	struct timespec ts = { us / 1000000, us % 1000000 * 1000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void fill_random(unsigned char *p, size_t len, __u64 *rng)
{
	size_t i;

	for (i = 0; i < len; i += 8) {
		__u64 r = rnd(rng);

		memcpy(p + i, &r, len - i < 8 ? len - i : 8);
	}
}

/*
 * The first failure of a device's thread, for the main thread to report
 * with the kills around it; every thread stops.
 */
static pthread_mutex_t fail_lock = PTHREAD_MUTEX_INITIALIZER;
static char failure[256];

static int __attribute__((format(printf, 1, 2))) stream_fail(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&fail_lock);
	if (!failure[0]) {
		va_start(ap, fmt);
		vsnprintf(failure, sizeof(failure), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&fail_lock);
	atomic_store(&stop, 1);
	return -1;
}

/* One DMA of up to a page; the data is checked, its wall time kept. */
static int one_dma(struct streamer *s)
{
	static __thread unsigned char buf[PG], before[PG];
	struct vfio_iopf_mock_dma out;
	__u64 r = rnd(&s->rng), page = r % SLICE_PAGES, off = 0, len = PG;
	unsigned char *p = s->mem + page * PG;
	int write = (r >> 32) & 1, cal = atomic_load(&calibrating), st;
	double t0, ms;

	if (!s->used[page]) {
		s->nfresh++;
	} else if ((r >> 33) % 3 == 0) {
		/* the process drops the page and writes it anew */
		t_check(madvise(p, PG, MADV_DONTNEED) == 0);
		fill_random(p, PG, &s->rng);
		s->nrecycled++;
	}
	if ((r >> 35) & 1) {
		off = (r >> 36) % PG;
		len = 1 + (r >> 50) % (PG - off);
	}
	if (write) {
		fill_random(buf, len, &s->rng);
		memcpy(before, p, PG);
		s->nwrite++;
	}
	t0 = t_now_us();
	st = t_dma(s->v.device, write, s->iova + page * PG + off, buf, len, &out);
	ms = (t_now_us() - t0) / 1e3;
	if (st || out.out_invalid || out.out_faults > 1)
		return stream_fail("DMA %s 0x%llx+%llu at %.3f s: status %d, %u faults, %u INVALID",
				   write ? "write" : "read", s->iova + page * PG + off, len,
				   (t0 - t_start) / 1e6, st, out.out_faults, out.out_invalid);
	if (write ? memcmp(p + off, buf, len) || memcmp(p, before, off) ||
		    memcmp(p + off + len, before + off + len, PG - off - len) :
		    memcmp(buf, p + off, len))
		return stream_fail("DMA %s 0x%llx+%llu at %.3f s: the data is wrong",
				   write ? "write" : "read", s->iova + page * PG + off, len,
				   (t0 - t_start) / 1e6);
	s->used[page] = 1;
	s->nfaulted += out.out_faults;
	if (cal) {
		s->ncal++;
		s->cal_worst_ms = ms > s->cal_worst_ms ? ms : s->cal_worst_ms;
		return 0;
	}
	if (s->ndma < MAX_DMAS) {
		s->ms[s->ndma] = ms;
		s->began[s->ndma] = (t0 - t_start) / 1e6;
	}
	s->ndma++;
	if (ms > s->worst_ms) {
		s->worst_ms = ms;
		s->worst_at = (t0 - t_start) / 1e6;
		s->worst_iova = s->iova + page * PG + off;
	}
	return 0;
}

static void *stream(void *arg)
{
	struct streamer *s = arg;

	while (!atomic_load(&stop) && !one_dma(s))
		;
	return NULL;
}

/*
 * What the kernel counted, every 4 ms of the last 4 s, and how long
 * VFIO_IOPF_INFO waited for the container's lock: to tell, when a DMA
 * fails or waits too long, who had its fault.
 */
#define NWATCH		1024
static struct watch {
	double at, took_ms;
	struct vfio_iopf_info info;
	__u32 producer, consumer;
} watches[NWATCH];
static atomic_uint nwatch;
static int watch_fd;
static _Atomic __u32 *ring_producer, *ring_consumer;

static void *watch(void *arg)
{
	while (!atomic_load(&stop)) {
		struct watch *w = &watches[atomic_load(&nwatch) % NWATCH];
		double t0 = t_now_us();

		w->info = t_iopf_info(watch_fd);
		w->at = (t0 - t_start) / 1e6;
		w->took_ms = (t_now_us() - t0) / 1e3;
		w->producer = atomic_load(ring_producer);
		w->consumer = atomic_load(ring_consumer);
		atomic_fetch_add(&nwatch, 1);
		sleep_us(4000);
	}
	return NULL;
}

static void print_watch(double from, double to)
{
	unsigned int n = atomic_load(&nwatch), i;

	for (i = n > NWATCH ? n - NWATCH : 0; i < n; i++) {
		struct watch *w = &watches[i % NWATCH];

		if (w->at >= from && w->at <= to)
			fprintf(stderr, "%.4f s (+%.1f ms): %llu faults, %llu resolved, %llu fallback, %llu timeouts; ring %u..%u, resolver %u\n",
				w->at, w->took_ms, (unsigned long long)w->info.out_faults,
				(unsigned long long)w->info.out_resolved,
				(unsigned long long)w->info.out_fallback,
				(unsigned long long)w->info.out_timeouts, w->consumer, w->producer,
				w->info.out_resolver_id);
	}
}

/* Gaps in a SCHED_FIFO thread's ticks: when the guest ran none of ours. */
#define NSTALL		4096
static struct stall {
	double from, to;	/* s into the run; the part beyond TICK_MAX_MS */
} stalls[NSTALL];
static atomic_uint nstall;

static void *tick(void *arg)
{
	struct sched_param sp = { .sched_priority = 1 };
	double last = t_now_us(), now;

	t_check(pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp) == 0);
	while (!atomic_load(&stop)) {
		sleep_us(1000);
		now = t_now_us();
		if (now - last > STALL_MIN_MS * 1e3 && atomic_load(&nstall) < NSTALL) {
			stalls[atomic_load(&nstall)] = (struct stall){
				(last - t_start) / 1e6 + TICK_MAX_MS / 1e3, (now - t_start) / 1e6,
			};
			atomic_fetch_add(&nstall, 1);
		}
		last = now;
	}
	return NULL;
}

/* How much of @from..@to (s into the run) the ticks' gaps cover, in ms. */
static double stalled_ms(double from, double to)
{
	unsigned int n = atomic_load(&nstall), i;
	double ms = 0;

	for (i = 0; i < n; i++) {
		double a = stalls[i].from > from ? stalls[i].from : from;
		double b = stalls[i].to < to ? stalls[i].to : to;

		ms += b > a ? (b - a) * 1e3 : 0;
	}
	return ms;
}

static const char *const mode_name[] = { "while starting", "mid-batch", "at random" };

/* Each kill: when, how, what the kernel had answered right after it. */
static struct kill_rec {
	double at;		/* s into the run */
	int mode;
	__u64 waited_us;	/* after READY=1 or the start */
	struct vfio_iopf_info info;
} kills[KILLS];
static int nkills;

/* The kills from @from to @to s into the run. */
static void print_kills(double from, double to)
{
	int k;

	for (k = 0; k < nkills; k++)
		if (kills[k].at >= from && kills[k].at <= to)
			fprintf(stderr, "kill %d at %.3f s, %s, after %llu us: %llu faults, %llu resolved, %llu fallback, %llu INVALID, %llu timeouts\n",
				k, kills[k].at, mode_name[kills[k].mode],
				(unsigned long long)kills[k].waited_us,
				(unsigned long long)kills[k].info.out_faults,
				(unsigned long long)kills[k].info.out_resolved,
				(unsigned long long)kills[k].info.out_fallback,
				(unsigned long long)kills[k].info.out_invalid,
				(unsigned long long)kills[k].info.out_timeouts);
}

/*
 * The DMAs over the bound, with the ticks' gaps they overlap taken out: the
 * worst of what is left must be within the bound.
 */
static void stalls_over_bound(double bound)
{
	unsigned int n = atomic_load(&nstall), i;
	double longest = 0, left_worst = 0, left_at = 0, left_ms = 0;
	unsigned long over = 0, k;
	int d;

	for (i = 0; i < n; i++)
		longest = stalls[i].to - stalls[i].from > longest ? stalls[i].to - stalls[i].from : longest;
	for (d = 0; d < NDEV; d++) {
		struct streamer *s = &streams[d];

		for (k = 0; k < s->ndma && k < MAX_DMAS; k++) {
			double left;

			if (s->ms[k] <= bound)
				continue;
			over++;
			left = s->ms[k] - stalled_ms(s->began[k], s->began[k] + s->ms[k] / 1e3);
			if (left > left_worst) {
				left_worst = left;
				left_at = s->began[k];
				left_ms = s->ms[k];
			}
		}
	}
	fprintf(stderr, "the guest ran none of the test's threads %u times for more than %d ms (longest %.1f ms); %lu DMAs over the bound, the worst of them %.1f ms without those gaps\n",
		n, STALL_MIN_MS, longest * 1e3, over, left_worst);
	/* where the long ones fell: next to a kill, or anywhere */
	for (i = 0; i < n; i++) {
		int k, near = -1;

		if (stalls[i].to - stalls[i].from < 0.03)
			continue;
		for (k = 0; k < nkills; k++)
			if (near < 0 || fabs(kills[k].at - stalls[i].from) < fabs(kills[near].at - stalls[i].from))
				near = k;
		fprintf(stderr, "  a gap of %.1f ms from %.3f s; the nearest kill: %d at %.3f s, %s\n",
			(stalls[i].to - stalls[i].from) * 1e3, stalls[i].from, near,
			near < 0 ? 0 : kills[near].at, near < 0 ? "-" : mode_name[kills[near].mode]);
	}
	if (left_worst > bound) {
		print_kills(left_at - 1, left_at + left_ms / 1e3);
		print_watch(left_at - 0.01, left_at + left_ms / 1e3 + 0.01);
		t_fail("a DMA at %.3f s waited %.1f ms, %.1f ms of it with the guest running, more than the bound %.1f ms",
		       left_at, left_ms, left_worst, bound);
	}
}

/* A device's thread failed: say so with the kills of the second around. */
static void check_streams(void)
{
	double at;

	pthread_mutex_lock(&fail_lock);
	if (!failure[0]) {
		pthread_mutex_unlock(&fail_lock);
		return;
	}
	at = strtod(strstr(failure, " at ") + 4, NULL);
	print_kills(at - 1, at + 1);
	print_watch(at - 0.05, at + 0.05);
	t_fail("%s", failure);
}

/* On a failure: no iopfd is left behind, and its last words are shown. */
static void cleanup(void)
{
	char line[512];
	FILE *f;
	int n = 0;

	if (iopfd_pid > 0) {
		kill(iopfd_pid, SIGKILL);
		waitpid(iopfd_pid, NULL, 0);
	}
	if (passed)
		return;
	f = fopen(LOG_PATH, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		n++;
	rewind(f);
	fprintf(stderr, "iopfd's log (last lines of %d):\n", n);
	while (fgets(line, sizeof(line), f))
		if (--n < 30)
			fprintf(stderr, "  %s", line);
	fclose(f);
}

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return (x > y) - (x < y);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static __u64 answered(const struct vfio_iopf_info *i)
{
	return i->out_resolved + i->out_fallback + i->out_invalid;
}

/* No fault answered twice, none lost: at most one outstanding per device. */
static void check_counts(const struct vfio_iopf_info *i, int kill)
{
	if (answered(i) > i->out_faults || i->out_faults - answered(i) > NDEV ||
	    i->out_invalid || i->out_overflow)
		t_fail("after kill %d: %llu faults, %llu resolved + %llu fallback + %llu INVALID, %llu overflow",
		       kill, (unsigned long long)i->out_faults,
		       (unsigned long long)i->out_resolved, (unsigned long long)i->out_fallback,
		       (unsigned long long)i->out_invalid, (unsigned long long)i->out_overflow);
}

/* Notifications left by killed iopfds: nothing but READY and STATUS. */
static void drain_notify(int notify)
{
	char note[256];
	int fds[4], n;

	while ((n = t_notify_recv(notify, 0, note, sizeof(note), fds, 4)) >= 0)
		if (n || strstr(note, "FDSTORE"))
			t_fail("iopfd changed the fd store: \"%s\" with %d fds", note, n);
}

/* Waits for READY=1 of the iopfd just started; returns how long it took, in ms. */
static double wait_ready(int notify, double started)
{
	char note[256];
	int fds[4], n;

	for (;;) {
		n = t_notify_recv(notify, 30000, note, sizeof(note), fds, 4);
		if (n < 0)
			t_fail("iopfd did not report READY=1 in 30 s");
		if (n || strstr(note, "FDSTORE"))
			t_fail("iopfd changed the fd store: \"%s\" with %d fds", note, n);
		if (!strncmp(note, "READY=1", 7))
			break;
	}
	if (!strstr(note, "STATUS=Serving 1 VM"))
		t_fail("iopfd is ready but not serving the VM: \"%s\"", note);
	return (t_now_us() - started) / 1e3;
}

int main(void)
{
	struct vfio_iommu_type1_enable_iopf en;
	struct vfio_iopf_info info, last;
	struct t_sd_fd fds[3];
	pthread_t watcher, ticker;
	const char *seed_env = getenv("IOPF_SEED");
	__u64 seed, rng;
	unsigned char *map, *mem;
	int iopf_fd, listener, notify, conn, stored[4], log_fd, status, i, k;
	int kills_by_mode[3] = { 0 }, kills_timed_out[3] = { 0 }, ready = 0, lives_resolving = 0;
	double startup_ms[KILLS + 1], worst = 0, median, p99, t0, cal_worst = 0, bound, worst_at = 0;
	unsigned long ndma = 0, nkept = 0, nfaulted = 0, nslow = 0, ncal = 0;
	__u32 resolver_id = 0;
	float *all;
	long base;

	seed = seed_env ? strtoull(seed_env, NULL, 0) : (__u64)t_now_us();
	fprintf(stderr, "seed %llu (IOPF_SEED=%llu draws these kills again), %d kills, timeout %d ms\n",
		(unsigned long long)seed, (unsigned long long)seed, KILLS, TIMEOUT_MS);
	rng = seed;
	if (access(IOPFD, X_OK))
		t_fail("%s is not in the initramfs", IOPFD);
	atexit(cleanup);

	t_mock_setup(MOCK_FAULTING, &streams[0].v);
	t_mock_attach(MOCK_FAULTING2, streams[0].v.container, &streams[1].v);
	t_mock_attach(3, streams[0].v.container, &streams[2].v);
	iopf_fd = t_enable_iopf(streams[0].v.container, &en);
	t_check(en.out_ndevices == NDEV);
	map = mmap(NULL, en.out_ring.mmap_size, PROT_READ, MAP_SHARED, iopf_fd, 0);
	t_check(map != MAP_FAILED);
	ring_producer = (_Atomic __u32 *)(map + en.out_ring.producer);
	ring_consumer = (_Atomic __u32 *)(map + en.out_ring.consumer);
	watch_fd = iopf_fd;

	/* 2 MiB aligned, in 4 KiB pages: the process drops single pages */
	map = t_alloc(SIZE + (2 << 20));
	mem = (unsigned char *)(((unsigned long)map + (2 << 20) - 1) & ~((2UL << 20) - 1));
	t_check(madvise(mem, SIZE, MADV_NOHUGEPAGE) == 0);
	fill_random(mem, SIZE, &rng);
	base = t_locked_kb();
	t_check(t_map(streams[0].v.container, mem, IOVA, SIZE, T_RW) == 0);

	/*
	 * No resolver yet: the kernel answers every fault at once.  What the
	 * slowest DMA waits then, under the same load, is what a fault waits
	 * for besides iopfd (see the bound, above).
	 */
	atomic_store(&calibrating, 1);
	t_start = t_now_us();
	for (i = 0; i < NDEV; i++) {
		struct streamer *s = &streams[i];

		s->mem = mem + i * SLICE;
		s->iova = IOVA + i * SLICE;
		s->rng = seed + i + 1;
		s->ms = t_alloc(MAX_DMAS * sizeof(float));
		s->began = t_alloc(MAX_DMAS * sizeof(float));
		t_check(pthread_create(&s->thread, NULL, stream, s) == 0);
	}
	t_check(pthread_create(&watcher, NULL, watch, NULL) == 0);
	t_check(pthread_create(&ticker, NULL, tick, NULL) == 0);
	sleep_us(CALIBRATE_MS * 1000);
	atomic_store(&calibrating, 0);
	sleep_us(100000);	/* the DMAs begun before are over */
	check_streams();
	for (i = 0; i < NDEV; i++) {
		cal_worst = streams[i].cal_worst_ms > cal_worst ? streams[i].cal_worst_ms : cal_worst;
		ncal += streams[i].ncal;
	}
	bound = TIMEOUT_MS + 2 * cal_worst + SLACK_MS;
	fprintf(stderr, "the kernel alone: %lu DMAs in %d ms, the slowest %.1f ms: bound %d + 2 x %.1f + %d = %.1f ms (%s two timeouts)\n",
		ncal, CALIBRATE_MS, cal_worst, TIMEOUT_MS, cal_worst, SLACK_MS, bound,
		bound < 2 * TIMEOUT_MS ? "less than" : "NOT less than");

	unlink(SOCK_PATH);
	unlink(NOTIFY_PATH);
	listener = t_unix_socket(SOCK_SEQPACKET, SOCK_PATH, 1);
	t_check(listen(listener, 8) == 0);
	notify = t_unix_socket(SOCK_DGRAM, NOTIFY_PATH, 1);
	log_fd = open(LOG_PATH, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	t_check(log_fd >= 0);

	/* socket activation, then the VM registers: its fds go to the fd store */
	fds[0] = (struct t_sd_fd){ listener, "iopfd.socket" };
	t0 = t_now_us();
	iopfd_pid = t_iopfd_start(fds, 1, NOTIFY_PATH, iopfd_opts, log_fd);
	t_notify_wait(notify, "READY=1", (char[256]){ 0 }, 256, stored, 4);
	conn = t_unix_socket(SOCK_SEQPACKET, SOCK_PATH, 0);
	t_iopfd_register(conn, iopf_fd, "killed");
	{
		char note[256];

		t_check(t_notify_wait(notify, "FDSTORE=1", note, sizeof(note), stored, 4) == 2);
		t_check(strcmp(note, "FDSTORE=1\nFDNAME=" FDNAME) == 0);
	}
	fds[1] = (struct t_sd_fd){ stored[0], FDNAME };
	fds[2] = (struct t_sd_fd){ stored[1], FDNAME };
	resolver_id = t_iopf_info(iopf_fd).out_resolver_id;
	t_check(resolver_id != 0);

	for (k = 0; k < KILLS; k++) {
		__u64 r = rnd(&rng);
		int mode = k ? r % 3 : 1 + r % 2;	/* the first is started already */
		__u64 before_resolved = 0;
		double started = t0, waited_from;

		if (k > 0) {
			started = t_now_us();
			iopfd_pid = t_iopfd_start(fds, 3, NOTIFY_PATH, iopfd_opts, log_fd);
		}
		waited_from = t_now_us();
		if (mode == 0 && k > 0) {
			/* while it starts: up to the slowest start seen so far */
			double slowest = 20;

			for (i = 0; i < ready; i++)
				slowest = startup_ms[i] > slowest ? startup_ms[i] : slowest;
			sleep_us((r >> 8) % (__u64)(slowest * 1e3));
		} else {
			if (k > 0)
				startup_ms[ready++] = wait_ready(notify, started);
			info = t_iopf_info(iopf_fd);
			if (info.out_resolver_id == 0 || (k > 0 && info.out_resolver_id == resolver_id))
				t_fail("iopfd %d reported READY=1 but is not the VM's resolver (id %u, was %u)",
				       k, info.out_resolver_id, resolver_id);
			resolver_id = info.out_resolver_id;
			before_resolved = info.out_resolved;
			waited_from = t_now_us();
			if (mode == 1) {
				/* mid-batch: as it takes records off the ring */
				__u32 c = atomic_load(ring_consumer);

				t0 = t_now_us();
				while (atomic_load(ring_consumer) == c && t_now_us() - t0 < 3e3 * TIMEOUT_MS)
					sched_yield();
			} else {
				/* about log-uniform: an octave from 0.1 ms up, then in it */
				__u64 octave = 100ULL << (r >> 8) % 12;

				sleep_us(MIN(octave + (r >> 12) % octave, 3000ULL * TIMEOUT_MS));
			}
		}
		kills[k].at = (t_now_us() - t_start) / 1e6;
		t_check(kill(iopfd_pid, SIGKILL) == 0);
		t_check(waitpid(iopfd_pid, &status, 0) == iopfd_pid);
		iopfd_pid = 0;
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
			t_fail("iopfd %d ended before it was killed: status 0x%x", k, status);
		info = t_iopf_info(iopf_fd);
		kills[k].mode = mode;
		kills[k].waited_us = (__u64)(t_now_us() - waited_from);
		kills[k].info = info;
		nkills = k + 1;
		check_streams();
		check_counts(&info, k);
		if (mode != 0 && info.out_resolved > before_resolved)
			lives_resolving++;
		kills_by_mode[mode]++;
		drain_notify(notify);

		/* systemd's RestartSec=: here 0 to two timeouts */
		last = info;
		sleep_us((r >> 32) % (2000 * TIMEOUT_MS));
		info = t_iopf_info(iopf_fd);
		if (info.out_timeouts > last.out_timeouts)
			kills_timed_out[mode]++;
	}

	/* the 101st iopfd serves the VM to the end */
	t0 = t_now_us();
	iopfd_pid = t_iopfd_start(fds, 3, NOTIFY_PATH, iopfd_opts, log_fd);
	startup_ms[ready++] = wait_ready(notify, t0);
	last = t_iopf_info(iopf_fd);
	t_check(last.out_resolver_id != 0 && last.out_resolver_id != resolver_id);
	sleep_us(1000000);
	atomic_store(&stop, 1);
	for (i = 0; i < NDEV; i++)
		t_check(pthread_join(streams[i].thread, NULL) == 0);
	t_check(pthread_join(watcher, NULL) == 0);
	t_check(pthread_join(ticker, NULL) == 0);
	check_streams();
	info = t_iopf_info(iopf_fd);
	fprintf(stderr, "the last iopfd resolved %llu faults in 1 s\n",
		(unsigned long long)(info.out_resolved - last.out_resolved));
	t_check(info.out_resolved > last.out_resolved);

	/* every fault answered, exactly once */
	fprintf(stderr, "faults %llu = resolved %llu + fallback %llu + invalid %llu; timeouts %llu, overflow %llu\n",
		(unsigned long long)info.out_faults, (unsigned long long)info.out_resolved,
		(unsigned long long)info.out_fallback, (unsigned long long)info.out_invalid,
		(unsigned long long)info.out_timeouts, (unsigned long long)info.out_overflow);
	t_check(info.out_faults == answered(&info));
	t_check(info.out_invalid == 0 && info.out_overflow == 0);
	t_check(info.out_timeouts <= info.out_fallback);
	fprintf(stderr, "kills: %d while starting, %d mid-batch, %d at random; followed by timeouts: %d, %d, %d\n",
		kills_by_mode[0], kills_by_mode[1], kills_by_mode[2], kills_timed_out[0],
		kills_timed_out[1], kills_timed_out[2]);
	fprintf(stderr, "%d lives after READY=1 of which %d resolved faults before the kill\n",
		kills_by_mode[1] + kills_by_mode[2], lives_resolving);

	/* the DMAs: how long they waited */
	for (i = 0; i < NDEV; i++) {
		struct streamer *s = &streams[i];

		fprintf(stderr, "iopf-mock%d: %lu DMAs (%lu writes, %lu on pages not used before, %lu after the process rewrote the page), %lu faulted; worst %.1f ms at %.1f s (0x%llx)\n",
			i == 2 ? 3 : i, s->ndma, s->nwrite, s->nfresh, s->nrecycled, s->nfaulted,
			s->worst_ms, s->worst_at, (unsigned long long)s->worst_iova);
		ndma += s->ndma;
		nfaulted += s->nfaulted;
		worst = s->worst_ms > worst ? s->worst_ms : worst;
	}
	all = t_alloc(NDEV * MAX_DMAS * sizeof(float));
	for (i = 0; i < NDEV; i++) {
		unsigned long n = streams[i].ndma < MAX_DMAS ? streams[i].ndma : MAX_DMAS;

		memcpy(all + nkept, streams[i].ms, n * sizeof(float));
		nkept += n;
	}
	qsort(all, nkept, sizeof(float), cmp_float);
	median = all[nkept / 2];
	p99 = all[nkept * 99 / 100];
	for (i = 0; i < (int)nkept; i++)
		nslow += all[i] > TIMEOUT_MS;
	qsort(startup_ms, ready, sizeof(double), cmp_double);
	fprintf(stderr, "iopfd from fork to READY=1: median %.1f ms, worst %.1f ms (%d starts)\n",
		startup_ms[ready / 2], startup_ms[ready - 1], ready);
	fprintf(stderr, "DMA wall time: median %.3f ms, p99 %.1f ms, worst %.1f ms, bound %.1f ms; %lu of %lu DMAs (%lu faulted) took longer than the timeout\n",
		median, p99, worst, bound, nslow, ndma, nfaulted);
	for (i = 0; i < NDEV; i++)
		if (streams[i].worst_ms == worst)
			worst_at = streams[i].worst_at;
	fprintf(stderr, "the worst DMA began at %.3f s; the kills of the second before:\n", worst_at);
	print_kills(worst_at - 1, worst_at + worst / 1e3);

	stalls_over_bound(bound);

	/*
	 * Pinned memory: what is charged to the VMM is what is mapped (the
	 * notifier's unpins are uncharged by a work: wait for it), and all
	 * of it goes when the range is unmapped.
	 */
	t_iopfd_stop(iopfd_pid);
	iopfd_pid = 0;
	for (k = 0; k < 200; k++) {
		info = t_iopf_info(iopf_fd);
		if (info.out_locked_pages == info.out_mapped_pages &&
		    t_locked_kb() - base == (long)info.out_locked_pages * 4)
			break;
		usleep(10000);
	}
	fprintf(stderr, "locked: %ld kB over the baseline, %llu pages charged, %llu mapped\n",
		t_locked_kb() - base, (unsigned long long)info.out_locked_pages,
		(unsigned long long)info.out_mapped_pages);
	t_check(info.out_locked_pages == info.out_mapped_pages);
	t_check(t_locked_kb() - base == (long)info.out_locked_pages * 4);
	t_check(t_unmap(streams[0].v.container, IOVA, SIZE, NULL) == 0);
	for (k = 0; k < 200 && t_locked_kb() != base; k++)
		usleep(10000);
	info = t_iopf_info(iopf_fd);
	t_check(info.out_locked_pages == 0 && info.out_mapped_pages == 0);
	if (t_locked_kb() != base)
		t_fail("%ld kB still locked after the range was unmapped", t_locked_kb() - base);
	close(stored[0]);
	close(stored[1]);
	close(conn);
	close(iopf_fd);
	for (i = NDEV - 1; i >= 0; i--) {
		close(streams[i].v.device);
		close(streams[i].v.group);
	}
	close(streams[0].v.container);
	if (t_locked_kb() != base)
		t_fail("%ld kB still locked after teardown", t_locked_kb() - base);
	fprintf(stderr, "locked memory back to its baseline (%ld kB)\n", base);
	passed = 1;
	return T_PASS;
}
