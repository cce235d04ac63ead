/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Description: the control socket against clients that do not play along.
 * A running iopfd answers malformed, unknown and wrong-version requests
 * with an error and keeps the connection; drops a client that announces an
 * oversized or empty request, one that never finishes its request, and one
 * that never reads its answers; refuses clients past its limit; and keeps
 * answering well-behaved clients through all of it.
 */
#include <endian.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "check-helpers.h"
#include "control-protocol.h"
#include "json-util.h"
#include "time-util.h"

static char dir[] = "/tmp/test-control-XXXXXX";
static char control_path[64];
static pid_t iopfd_pid;
static int notify_fd = -EBADF;  /* the service manager's end of NOTIFY_SOCKET, if set up */

/* Starts iopfd --listen with a control socket, and waits for the socket. */
static void start_iopfd(void)
{
	char iopfd[512], listen_arg[96], control_arg[96], config_arg[96];
	const char *builddir = getenv("top_builddir");

	ck_assert_ptr_nonnull(mkdtemp(dir));
	if (notify_fd >= 0) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/notify", dir);
		ck_assert_int_eq(bind(notify_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	}
	snprintf(control_path, sizeof(control_path), "%s/control", dir);
	/* The sanitizer twin of this test runs the sanitizer build of iopfd. */
	snprintf(iopfd, sizeof(iopfd), "%s/%s", builddir ? builddir : ".",
		 strstr(program_invocation_short_name, "-san") ? "tests/iopfd-san" : "iopfd");
	snprintf(listen_arg, sizeof(listen_arg), "--listen=%s/register", dir);
	snprintf(control_arg, sizeof(control_arg), "--control=%s", control_path);
	snprintf(config_arg, sizeof(config_arg), "--config-dir=%s", dir);
	iopfd_pid = fork();
	ck_assert_int_ge(iopfd_pid, 0);
	if (iopfd_pid == 0) {
		char notify[96];

		if (notify_fd >= 0) {
			snprintf(notify, sizeof(notify), "%s/notify", dir);
			setenv("NOTIFY_SOCKET", notify, 1);
		}
		execl(iopfd, iopfd, listen_arg, control_arg, config_arg, (char *)NULL);
		_exit(127);
	}
	/* The socket file appears at bind(), before listen(): wait for a connection. */
	for (int i = 0; i < 200; i++) {
		int fd;

		if (control_connect(control_path, &fd) == 0) {
			close(fd);
			return;
		}
		usleep(20000);
	}
	ck_abort_msg("iopfd did not create %s", control_path);
}

static void stop_iopfd(void)
{
	int status;
	char cmd[128];

	kill(iopfd_pid, SIGTERM);
	ck_assert_int_eq(waitpid(iopfd_pid, &status, 0), iopfd_pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static int connect_control(void)
{
	int fd;

	ck_assert_int_eq(control_connect(control_path, &fd), 0);
	return fd;
}

/* Sends @len and then @text as they are: a client may lie about the length. */
static void send_raw(int fd, uint32_t len, const char *text)
{
	uint32_t le = htole32(len);

	ck_assert_int_eq(send(fd, &le, sizeof(le), MSG_NOSIGNAL), (ssize_t)sizeof(le));
	if (text && *text)
		ck_assert_int_eq(send(fd, text, strlen(text), MSG_NOSIGNAL), (ssize_t)strlen(text));
}

static json_object *read_reply(int fd)
{
	char buf[65536];
	uint32_t len;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	ck_assert_int_eq(poll(&p, 1, 5000), 1);
	ck_assert_int_eq(recv(fd, &len, sizeof(len), MSG_WAITALL), (ssize_t)sizeof(len));
	len = le32toh(len);
	ck_assert_uint_lt(len, sizeof(buf));
	ck_assert_int_eq(recv(fd, buf, len, MSG_WAITALL), (ssize_t)len);
	buf[len] = '\0';
	return json_tokener_parse(buf);
}

/* The error number iopfd answered @text with, 0 for "ok". */
static int call_raw(int fd, const char *text)
{
	_cleanup_(json_object_putp) json_object *reply = NULL;

	send_raw(fd, (uint32_t)strlen(text), text);
	reply = read_reply(fd);
	ck_assert_ptr_nonnull(reply);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(reply, "version")), 1);
	if (json_object_get_boolean(json_object_object_get(reply, "ok")))
		return 0;
	ck_assert_ptr_nonnull(json_object_object_get(reply, "error"));
	return json_object_get_int(json_object_object_get(reply, "errno"));
}

/* Whether iopfd closed @fd within @timeout_ms; reads nothing, as a deaf client would. */
static bool closed_within(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLRDHUP };

	return poll(&p, 1, timeout_ms) == 1 && (p.revents & (POLLHUP | POLLRDHUP));
}

static void assert_still_answers(void)
{
	int fd = connect_control();

	ck_assert_int_eq(call_raw(fd, "{\"version\":1,\"command\":\"status\"}"), 0);
	close(fd);
}

START_TEST(bad_requests_get_errors)
{
	int fd;

	start_iopfd();
	fd = connect_control();
	ck_assert_int_eq(call_raw(fd, "{\"version\":1,\"command\":\"status\"}"), 0);
	ck_assert_int_eq(call_raw(fd, "{\"version\":2,\"command\":\"status\"}"), EPROTONOSUPPORT);
	ck_assert_int_eq(call_raw(fd, "{\"command\":\"status\"}"), EPROTONOSUPPORT);
	ck_assert_int_eq(call_raw(fd, "{\"version\":1,\"command\":\"status\""), EBADMSG);
	ck_assert_int_eq(call_raw(fd, "{\"version\":1} trailing"), EBADMSG);
	ck_assert_int_eq(call_raw(fd, "[1,2,3]"), EINVAL);
	ck_assert_int_eq(call_raw(fd, "{\"version\":1}"), EINVAL);
	ck_assert_int_eq(call_raw(fd, "{\"version\":1,\"command\":\"format-disk\"}"), EOPNOTSUPP);
	ck_assert_int_eq(call_raw(fd, "{\"version\":1,\"command\":\"policy-set\",\"vm\":\"x\"}"), EINVAL);
	ck_assert_int_eq(call_raw(fd, "{\"version\":1,\"command\":\"policy-set\",\"vm\":\"x\","
				  "\"policy\":\"wide\"}"), EINVAL);
	ck_assert_int_eq(call_raw(fd, "{\"version\":1,\"command\":\"budget-set\",\"vm\":\"x\","
				  "\"budget\":\"1G\"}"), ENOENT);
	/* still the same connection, still served */
	ck_assert_int_eq(call_raw(fd, "{\"version\":1,\"command\":\"vms\"}"), 0);
	close(fd);
	stop_iopfd();
}
END_TEST

START_TEST(misbehaving_clients_are_dropped)
{
	int big, empty, slow, deaf;
	uint64_t t0;
	char request[] = "{\"version\":1,\"command\":\"stats\"}";
	unsigned sent = 0;

	start_iopfd();
	big = connect_control();
	send_raw(big, CONTROL_REQUEST_MAX + 1, NULL);
	ck_assert(closed_within(big, 2000));
	empty = connect_control();
	send_raw(empty, 0, NULL);
	ck_assert(closed_within(empty, 2000));

	/* half a request, and then nothing: dropped at the deadline, not before */
	slow = connect_control();
	ck_assert_int_eq(send(slow, "\x20\x00", 2, MSG_NOSIGNAL), 2);
	t0 = now_ns();
	/*
	 * A client that asks and never reads its answers, for a second: by
	 * then iopfd's answers fill the socket and it stops reading requests.
	 */
	deaf = connect_control();
	while (now_ns() - t0 < UINT64_C(1000000000)) {
		uint32_t le = htole32((uint32_t)strlen(request));
		char msg[sizeof(le) + sizeof(request)];
		struct pollfd p = { .fd = deaf, .events = POLLOUT };

		memcpy(msg, &le, sizeof(le));
		memcpy(msg + sizeof(le), request, strlen(request));
		if (poll(&p, 1, 100) == 1 &&
		    send(deaf, msg, sizeof(le) + strlen(request), MSG_DONTWAIT | MSG_NOSIGNAL) > 0)
			sent++;
	}
	ck_assert_uint_gt(sent, 0);
	/* meanwhile everyone else is served at once */
	assert_still_answers();
	ck_assert(closed_within(slow, CONTROL_DEADLINE_MS + 2000));
	ck_assert_uint_ge(now_ns() - t0, (CONTROL_DEADLINE_MS - 600) * UINT64_C(1000000));
	ck_assert(closed_within(deaf, CONTROL_DEADLINE_MS + 2000));
	assert_still_answers();
	close(big);
	close(empty);
	close(slow);
	close(deaf);
	stop_iopfd();
}
END_TEST

START_TEST(clients_past_the_limit_are_refused)
{
	int fds[CONTROL_CLIENTS_MAX], extra, fd;
	_cleanup_(json_object_putp) json_object *reply = NULL;

	start_iopfd();
	for (unsigned i = 0; i < CONTROL_CLIENTS_MAX; i++) {
		fds[i] = connect_control();
		/* each one served: it holds its slot */
		ck_assert_int_eq(call_raw(fds[i], "{\"version\":1,\"command\":\"vms\"}"), 0);
	}
	extra = connect_control();
	ck_assert(closed_within(extra, 2000));
	close(extra);
	close(fds[0]);
	/* a slot comes free once iopfd sees the hang-up: the next client is served */
	usleep(300000);
	fd = connect_control();
	send_raw(fd, 32, "{\"version\":1,\"command\":\"status\"}");
	reply = read_reply(fd);
	ck_assert_ptr_nonnull(reply);
	ck_assert_int_ge(json_object_get_int(json_object_object_get(reply, "control_refused")), 1);
	close(fd);
	for (unsigned i = 1; i < CONTROL_CLIENTS_MAX; i++)
		close(fds[i]);
	stop_iopfd();
}
END_TEST

/* Collects what iopfd tells the service manager for @ms, one message per line. */
static void read_notify(char *buf, size_t size, int ms)
{
	size_t len = 0;
	struct pollfd p = { .fd = notify_fd, .events = POLLIN };

	buf[0] = '\0';
	while (len + 2 < size && poll(&p, 1, ms) == 1) {
		ssize_t n = recv(notify_fd, buf + len, size - len - 2, 0);

		ck_assert_int_gt(n, 0);
		len += (size_t)n;
		buf[len++] = '\n';
		buf[len] = '\0';
	}
}

START_TEST(reload_is_notified)
{
	char msgs[4096], path[128];
	const char *reloading;
	FILE *f;
	int fd;

	notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(notify_fd, 0);
	start_iopfd();
	read_notify(msgs, sizeof(msgs), 300);
	ck_assert_ptr_nonnull(strstr(msgs, "READY=1"));

	/* iopfctl reload: RELOADING=1 with the time, then READY=1 */
	fd = connect_control();
	ck_assert_int_eq(call_raw(fd, "{\"version\":1,\"command\":\"reload\"}"), 0);
	read_notify(msgs, sizeof(msgs), 300);
	reloading = strstr(msgs, "RELOADING=1\nMONOTONIC_USEC=");
	ck_assert_ptr_nonnull(reloading);
	ck_assert_ptr_nonnull(strstr(reloading, "READY=1\nSTATUS=Serving 0 VMs; 0 faults"));

	/* SIGHUP does the same, and a bad file still ends in READY=1 */
	snprintf(path, sizeof(path), "%s/iopfd.json", dir);
	f = fopen(path, "we");
	ck_assert_ptr_nonnull(f);
	fputs("{\"batch\": 0}", f);
	fclose(f);
	ck_assert_int_eq(kill(iopfd_pid, SIGHUP), 0);
	read_notify(msgs, sizeof(msgs), 300);
	reloading = strstr(msgs, "RELOADING=1");
	ck_assert_ptr_nonnull(reloading);
	ck_assert_ptr_nonnull(strstr(reloading, "READY=1"));
	/* and iopfd is still there, with the failure counted */
	{
		_cleanup_(json_object_putp) json_object *reply = NULL;

		send_raw(fd, 32, "{\"version\":1,\"command\":\"status\"}");
		reply = read_reply(fd);
		ck_assert_int_eq(json_object_get_int(json_object_object_get(reply, "reload_failures")), 1);
		ck_assert_ptr_nonnull(strstr(json_object_get_string(json_object_object_get(reply,
					"reload_error")), "iopfd.json:1:11: \"batch\""));
	}
	close(fd);
	stop_iopfd();
	notify_fd = safe_close(notify_fd);
}
END_TEST

/* A control connection made as @uid (the test runs as root). */
static int connect_control_as(uid_t uid)
{
	int fd;

	ck_assert_int_eq(syscall(SYS_setresuid, -1, uid, -1), 0);
	fd = connect_control();
	ck_assert_int_eq(syscall(SYS_setresuid, -1, 0, -1), 0);
	return fd;
}

/*
 * One uid cannot lock the others out (DESIGN.md, "Trust boundaries"): an
 * unprivileged uid holds at most CONTROL_CLIENTS_PER_UID connections, and
 * the last CONTROL_CLIENTS_PRIVILEGED slots are root's.  Before, 64 idle
 * connections of uid 65534 left root's iopfctl refused.
 */
START_TEST(one_uid_cannot_take_every_slot)
{
	unsigned unprivileged = CONTROL_CLIENTS_MAX - CONTROL_CLIENTS_PRIVILEGED, n = 0;
	int fds[CONTROL_CLIENTS_MAX], fd;

	if (geteuid() != 0) {
		fprintf(stderr, "not root: one_uid_cannot_take_every_slot needs other uids\n");
		return;
	}
	start_iopfd();
	ck_assert_int_eq(chmod(dir, 0755), 0);
	for (unsigned i = 0; i < CONTROL_CLIENTS_PER_UID; i++) {
		fds[n] = connect_control_as(20000);
		ck_assert_int_eq(call_raw(fds[n++], "{\"version\":1,\"command\":\"vms\"}"), 0);
	}
	fd = connect_control_as(20000);
	ck_assert(closed_within(fd, 2000));
	close(fd);
	/* other uids fill what is not kept for root */
	for (uid_t uid = 20001; n < unprivileged; uid++)
		for (unsigned i = 0; i < CONTROL_CLIENTS_PER_UID && n < unprivileged; i++) {
			fds[n] = connect_control_as(uid);
			ck_assert_int_eq(call_raw(fds[n++], "{\"version\":1,\"command\":\"vms\"}"), 0);
		}
	fd = connect_control_as(30000);
	ck_assert(closed_within(fd, 2000));
	close(fd);
	/* root still gets in */
	fd = connect_control();
	ck_assert_int_eq(call_raw(fd, "{\"version\":1,\"command\":\"vms\"}"), 0);
	close(fd);
	for (unsigned i = 0; i < n; i++)
		close(fds[i]);
	stop_iopfd();
}
END_TEST

static void write_config(const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/iopfd.json", dir);
	f = fopen(path, "we");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/*
 * Who may change things is decided at each request, from the configuration
 * in force: a client of control_group loses the right with a reload that
 * drops the group, though it stays connected (before, the right was
 * decided once, at connect).
 */
START_TEST(a_reload_takes_rights_from_connected_clients)
{
	const char *reload = "{\"version\":1,\"command\":\"reload\"}";
	int fd, other;

	if (geteuid() != 0) {
		fprintf(stderr, "not root: a_reload_takes_rights_from_connected_clients needs other uids\n");
		return;
	}
	start_iopfd();
	ck_assert_int_eq(chmod(dir, 0755), 0);
	write_config("{\"control_group\": \"daemon\"}");
	fd = connect_control();
	ck_assert_int_eq(call_raw(fd, reload), 0);
	close(fd);

	/* uid 20000 in group daemon (gid 1) may reload, until a reload drops the group */
	ck_assert_int_eq(syscall(SYS_setresgid, -1, 1, -1), 0);
	fd = connect_control_as(20000);
	ck_assert_int_eq(syscall(SYS_setresgid, -1, 0, -1), 0);
	ck_assert_int_eq(call_raw(fd, reload), 0);
	/* and so may uid 20001, with daemon among its supplementary groups */
	ck_assert_int_eq(syscall(SYS_setresgid, -1, 20001, -1), 0);
	ck_assert_int_eq(syscall(SYS_setgroups, 1, (gid_t[]) { 1 }), 0);
	other = connect_control_as(20001);
	ck_assert_int_eq(syscall(SYS_setgroups, 0, NULL), 0);
	ck_assert_int_eq(syscall(SYS_setresgid, -1, 0, -1), 0);
	ck_assert_int_eq(call_raw(other, reload), 0);
	write_config("{\"control_group\": \"\"}");
	ck_assert_int_eq(call_raw(fd, reload), 0);
	ck_assert_int_eq(call_raw(fd, reload), EPERM);
	ck_assert_int_eq(call_raw(other, reload), EPERM);
	ck_assert_int_eq(call_raw(fd, "{\"version\":1,\"command\":\"status\"}"), 0);
	close(fd);
	close(other);
	stop_iopfd();
}
END_TEST

TEST_MAIN("control", a_reload_takes_rights_from_connected_clients, one_uid_cannot_take_every_slot, reload_is_notified, bad_requests_get_errors, misbehaving_clients_are_dropped,
	  clients_past_the_limit_are_refused)
