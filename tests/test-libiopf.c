/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Description: libiopf, the VMM's side of the registration socket, against
 * iopfd's register server (in this process, on the fake kernel) and against
 * stand-ins that misbehave.  Each outcome reads as itself: registered (id
 * and name), refused (iopfd's errno and words), no iopfd, a hung iopfd (a
 * bounded wait), a hang-up or an answer iopfd would not give.  The VM is
 * served while its handle is open and let go when it is closed.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "check-helpers.h"
#include "fake-kernel.h"
#include "libiopf.h"
#include "register-protocol.h"
#include "register-server.h"
#include "time-util.h"

static char dir[64];
static char sock_path[128];

static void make_paths(void)
{
	strcpy(dir, "/tmp/test-libiopf.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sock_path, sizeof(sock_path), "%s/register", dir);
}

static void remove_paths(void)
{
	unlink(sock_path);
	ck_assert_int_eq(rmdir(dir), 0);
}

/* What a failed call must leave alone. */
#define VM_UNTOUCHED ((struct iopf_vm *)0x1)
static const struct iopf_refusal refusal_untouched = { .error = 1, .reason = "untouched" };

static void assert_untouched(const struct iopf_vm *vm, const struct iopf_refusal *refusal)
{
	ck_assert_ptr_eq(vm, VM_UNTOUCHED);
	ck_assert_int_eq(refusal->error, refusal_untouched.error);
	ck_assert_str_eq(refusal->reason, refusal_untouched.reason);
}

/* Registers @iopf_fd as @name, expecting iopfd to refuse it with @error. */
static void expect_refusal(int iopf_fd, const char *name, int error, const char *reason)
{
	struct iopf_refusal refusal = refusal_untouched;
	struct iopf_vm *vm = VM_UNTOUCHED;

	ck_assert_int_eq(iopf_register(sock_path, iopf_fd, name, 0, &vm, &refusal), -EREMOTEIO);
	ck_assert_ptr_eq(vm, VM_UNTOUCHED);
	ck_assert_int_eq(refusal.error, error);
	ck_assert_msg(strstr(refusal.reason, reason), "iopfd said: %s", refusal.reason);
}

/* Whether iopfd let go of the VM's connection for good, within @timeout_ms. */
static bool hung_up(const struct iopf_vm *vm, int timeout_ms)
{
	struct pollfd p = { .fd = iopf_vm_fd(vm), .events = POLLIN };

	return poll(&p, 1, timeout_ms) == 1 && (p.revents & (POLLIN | POLLHUP));
}

struct vmm {
	int ready;
	struct sim *sim;
	int iopf_fd;
};

/* Runs the devices' workload to its end. */
static void run_devices(struct sim *sim)
{
	uint64_t v;

	ck_assert_int_eq(sim_start(sim), 0);
	sim_wait(sim);
	ck_assert_int_eq(read(sim_done_fd(sim), &v, sizeof(v)), sizeof(v));
}

static void *vmm_registers(void *arg)
{
	struct vmm *c = arg;
	struct iopf_refusal refusal = refusal_untouched;
	struct iopf_vm *vm;

	register_server_wait_ready(c->ready);
	ck_assert_int_eq(iopf_register(sock_path, c->iopf_fd, "guest-1", 0, &vm, &refusal), 0);
	ck_assert_uint_eq(iopf_vm_id(vm), 1);
	ck_assert_str_eq(iopf_vm_name(vm), "guest-1");
	ck_assert(fake_kernel_attached());
	/* the VMM keeps its own iopf fd */
	ck_assert_int_ge(fcntl(c->iopf_fd, F_GETFD), 0);
	ck_assert_int_eq(fcntl(iopf_vm_fd(vm), F_GETFD), FD_CLOEXEC);

	/* served for as long as the handle is open */
	run_devices(c->sim);
	ck_assert(fake_kernel_attached());
	ck_assert(!hung_up(vm, 0));

	vm = iopf_unregister(vm);
	ck_assert_ptr_null(vm);
	register_server_wait_detached();

	/* Let go, the iopf fd can be registered again; iopfd names a VM with no name. */
	ck_assert_int_eq(iopf_register(sock_path, c->iopf_fd, NULL, 0, &vm, &refusal), 0);
	ck_assert_uint_eq(iopf_vm_id(vm), 2);
	ck_assert_str_eq(iopf_vm_name(vm), "vm2");
	ck_assert(fake_kernel_attached());
	ck_assert_int_eq(refusal.error, refusal_untouched.error);

	/* iopfd stopping for good is a hang-up the VMM can see */
	kill(getpid(), SIGTERM);
	ck_assert(hung_up(vm, 5000));
	iopf_unregister(vm);
	return NULL;
}

static void vmm_test(void *(*client)(void *), struct register_stats *ret)
{
	struct vmm c = {};
	int ready[2];

	make_paths();
	c.sim = served_sim_new(&c.iopf_fd);
	ck_assert_int_eq(pipe(ready), 0);
	c.ready = ready[0];
	register_server_run(sock_path, client, &c, ready[1], NULL, 0, ret);
	c.sim = sim_free(c.sim);
	close(ready[0]);
	close(ready[1]);
	remove_paths();
}

START_TEST(serves_the_vm_while_the_handle_is_open)
{
	struct register_stats stats;

	vmm_test(vmm_registers, &stats);
	ck_assert_uint_eq(stats.registered, 2);
	ck_assert_uint_eq(stats.disconnected, 1);   /* the second went with iopfd */
	ck_assert_uint_eq(stats.refused, 0);
	ck_assert_uint_gt(stats.faults, 0);
}
END_TEST

static void *vmm_refused(void *arg)
{
	struct vmm *c = arg;
	struct iopf_refusal refusal = refusal_untouched;
	struct iopf_vm *vm, *twin = VM_UNTOUCHED;
	int null_fd, dup_fd;

	register_server_wait_ready(c->ready);
	ck_assert_int_eq(iopf_register(sock_path, c->iopf_fd, "guest-1", 0, &vm, NULL), 0);

	expect_refusal(c->iopf_fd, "twin", -EEXIST, "this iopf fd is registered already");
	dup_fd = dup(c->iopf_fd);
	expect_refusal(dup_fd, "twin", -EEXIST, "this iopf fd is registered already");
	close(dup_fd);
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	expect_refusal(null_fd, "other", -ENOTTY, "not an iopf fd");
	/* no place to say why: the refusal is still told apart */
	ck_assert_int_eq(iopf_register(sock_path, null_fd, "other", 0, &twin, NULL), -EREMOTEIO);
	ck_assert_ptr_eq(twin, VM_UNTOUCHED);

	/* What iopfd would refuse is refused without asking it (the server counts 4). */
	ck_assert_int_eq(iopf_register(sock_path, null_fd, "a b", 0, &twin, &refusal), -EINVAL);
	ck_assert_int_eq(iopf_register(sock_path, null_fd, "a:b", 0, &twin, &refusal), -EINVAL);
	ck_assert_int_eq(iopf_register(sock_path, null_fd, "", 0, &twin, &refusal), -EINVAL);
	ck_assert_int_eq(iopf_register(sock_path, -1, "vm", 0, &twin, &refusal), -EINVAL);
	ck_assert_int_eq(iopf_register(sock_path, null_fd, "vm", 0, NULL, &refusal), -EINVAL);
	assert_untouched(twin, &refusal);
	close(null_fd);

	/* none of it cost the registered VM its service */
	ck_assert(fake_kernel_attached());
	run_devices(c->sim);
	iopf_unregister(vm);
	register_server_wait_detached();
	kill(getpid(), SIGTERM);
	return NULL;
}

START_TEST(refusals_come_with_iopfds_errno_and_reason)
{
	struct register_stats stats;

	vmm_test(vmm_refused, &stats);
	ck_assert_uint_eq(stats.registered, 1);
	ck_assert_uint_eq(stats.refused, 4);
}
END_TEST

START_TEST(no_iopfd_is_told_apart)
{
	struct iopf_refusal refusal = refusal_untouched;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct iopf_vm *vm = VM_UNTOUCHED;
	char long_path[sizeof(sa.sun_path) + 1];
	int null_fd, fd;

	make_paths();
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	/* no socket: iopfd.socket is not running */
	ck_assert_int_eq(iopf_register(sock_path, null_fd, "vm", 0, &vm, &refusal), -ENOENT);
	/* a socket nobody listens on: an iopfd that went away */
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	strcpy(sa.sun_path, sock_path);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(iopf_register(sock_path, null_fd, "vm", 0, &vm, &refusal), -ECONNREFUSED);
	close(fd);
	/* a path no socket can have */
	memset(long_path, 'a', sizeof(long_path) - 1);
	long_path[sizeof(long_path) - 1] = '\0';
	ck_assert_int_eq(iopf_register(long_path, null_fd, "vm", 0, &vm, &refusal), -ENAMETOOLONG);
	assert_untouched(vm, &refusal);
	close(null_fd);
	remove_paths();
}
END_TEST

/* Registers into an iopfd that never answers with @timeout_ms; checks that it waited @bound_ms. */
static void expect_timeout(unsigned timeout_ms, unsigned bound_ms)
{
	struct iopf_refusal refusal = refusal_untouched;
	struct iopf_vm *vm = VM_UNTOUCHED;
	uint64_t start, waited_ms;
	int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	start = now_ns();
	ck_assert_int_eq(iopf_register(sock_path, null_fd, "vm", timeout_ms, &vm, &refusal),
			 -ETIMEDOUT);
	waited_ms = (now_ns() - start) / 1000000;
	ck_assert_uint_ge(waited_ms, bound_ms);
	/* slack for a loaded machine and valgrind */
	ck_assert_uint_lt(waited_ms, bound_ms + 2000);
	assert_untouched(vm, &refusal);
	close(null_fd);
}

/* A socket that is listened on, nothing more: iopfd hung. */
static int listen_hung(int backlog)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	strcpy(sa.sun_path, sock_path);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, backlog), 0);
	return fd;
}

START_TEST(a_hung_iopfd_is_waited_for_a_bounded_time)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int listen_fd, queued;

	make_paths();
	/* The connection waits in the backlog and the message in the socket: no answer. */
	listen_fd = listen_hung(8);
	expect_timeout(300, 300);
	/* 0: the default, 5 s */
	expect_timeout(0, 5000);
	close(listen_fd);
	unlink(sock_path);

	/* Its backlog full, connecting itself would wait for ever. */
	listen_fd = listen_hung(0);
	queued = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	strcpy(sa.sun_path, sock_path);
	ck_assert_int_eq(connect(queued, (struct sockaddr *)&sa, sizeof(sa)), 0);
	expect_timeout(300, 300);
	close(queued);
	close(listen_fd);
	remove_paths();
}
END_TEST

/* Stand-ins for iopfd that accept one connection and answer wrong. */
enum stand_in {
	ANSWERS_GARBAGE,
	ANSWERS_TOO_MUCH,
	HANGS_UP_SILENTLY,
	REFUSES_UNREAD,        /* answers and closes with our message unread */
	REFUSES_AT_ONCE,       /* as iopfd over its connection limit: before we even send */
};

struct stand_in_server {
	int listen_fd;
	enum stand_in behaviour;
	pthread_t thread;
};

static void send_text(int fd, const char *text, size_t len)
{
	ck_assert_int_eq(send(fd, text, len, MSG_NOSIGNAL), (ssize_t)len);
}

static void send_refusal(int fd)
{
	json_object *obj = register_reply_refusal_new(-EUSERS, "iopfd serves 1024 connections already");
	const char *text = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN);

	send_text(fd, text, strlen(text));
	json_object_put(obj);
}

static void *stand_in_serve(void *arg)
{
	struct stand_in_server *s = arg;
	static char huge[REGISTER_REPLY_MAX + 1];
	struct pollfd p;
	char buf[128];
	int conn;

	conn = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	ck_assert_int_ge(conn, 0);
	p = (struct pollfd) { .fd = conn, .events = POLLIN };
	if (s->behaviour != REFUSES_AT_ONCE)
		ck_assert_int_eq(poll(&p, 1, 5000), 1);   /* the registration is in */
	switch (s->behaviour) {
	case ANSWERS_GARBAGE:
		ck_assert_int_eq(recv(conn, buf, sizeof(buf), 0), 2);
		send_text(conn, "hello", 5);
		/* and stays, so the client's error is its own */
		ck_assert_int_eq(recv(conn, buf, sizeof(buf), 0), 0);
		break;
	case ANSWERS_TOO_MUCH:
		ck_assert_int_eq(recv(conn, buf, sizeof(buf), 0), 2);
		memset(huge, ' ', sizeof(huge));
		memcpy(huge, "{\"ok\":true,\"id\":1,\"vm\":\"vm\"}", 28);
		send_text(conn, huge, sizeof(huge));
		ck_assert_int_eq(recv(conn, buf, sizeof(buf), 0), 0);
		break;
	case HANGS_UP_SILENTLY:
		ck_assert_int_eq(recv(conn, buf, sizeof(buf), 0), 2);
		break;
	case REFUSES_UNREAD:
	case REFUSES_AT_ONCE:
		send_refusal(conn);
		break;
	}
	close(conn);
	return NULL;
}

/* Registers against a stand-in behaving as @behaviour; returns what iopf_register() did. */
static int register_with_stand_in(enum stand_in behaviour, struct iopf_refusal *ret_refusal)
{
	struct stand_in_server s = { .listen_fd = listen_hung(8), .behaviour = behaviour };
	struct iopf_vm *vm = VM_UNTOUCHED;
	int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	int r;

	ck_assert_int_eq(pthread_create(&s.thread, NULL, stand_in_serve, &s), 0);
	r = iopf_register(sock_path, null_fd, "vm", 5000, &vm, ret_refusal);
	ck_assert_ptr_eq(vm, VM_UNTOUCHED);
	close(null_fd);
	pthread_join(s.thread, NULL);
	close(s.listen_fd);
	unlink(sock_path);
	return r;
}

START_TEST(what_is_not_iopfds_answer_is_told_apart)
{
	struct iopf_refusal refusal = refusal_untouched;

	make_paths();
	ck_assert_int_eq(register_with_stand_in(ANSWERS_GARBAGE, &refusal), -EBADMSG);
	ck_assert_int_eq(register_with_stand_in(ANSWERS_TOO_MUCH, &refusal), -EBADMSG);
	ck_assert_int_eq(register_with_stand_in(HANGS_UP_SILENTLY, &refusal), -ECONNRESET);
	assert_untouched(VM_UNTOUCHED, &refusal);

	/* A refusal sent as iopfd hangs up comes through, however the two race. */
	for (int i = 0; i < 20; i++) {
		enum stand_in b = i % 2 ? REFUSES_UNREAD : REFUSES_AT_ONCE;

		refusal = refusal_untouched;
		ck_assert_int_eq(register_with_stand_in(b, &refusal), -EREMOTEIO);
		ck_assert_int_eq(refusal.error, -EUSERS);
		ck_assert_str_eq(refusal.reason, "iopfd serves 1024 connections already");
	}
	remove_paths();
}
END_TEST

START_TEST(enable_needs_a_vfio_container)
{
	int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC), iopf_fd = -1234;

	ck_assert_int_eq(iopf_enable(-1, NULL, &iopf_fd), -EINVAL);
	ck_assert_int_eq(iopf_enable(null_fd, NULL, NULL), -EINVAL);
	ck_assert_int_eq(iopf_enable(null_fd, NULL, &iopf_fd), -ENOTTY);
	ck_assert_int_eq(iopf_fd, -1234);
	close(null_fd);
	/* the NULL handle is nothing to free */
	ck_assert_ptr_null(iopf_unregister(NULL));
}
END_TEST

TEST_MAIN("libiopf", serves_the_vm_while_the_handle_is_open, refusals_come_with_iopfds_errno_and_reason,
	  no_iopfd_is_told_apart, a_hung_iopfd_is_waited_for_a_bounded_time,
	  what_is_not_iopfds_answer_is_told_apart, enable_needs_a_vfio_container)
