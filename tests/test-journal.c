/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Description: what reaches the journal, caught at sd_journal_sendv()
 * (-Wl,--wrap): a structured message carries its MESSAGE_ID, ERRNO and
 * fields, and the fields of the contexts it is logged in, each name once;
 * rate limiting lets the same structured entries through; on stderr only
 * the text goes out.  The registration socket's events (registered,
 * refused, disconnected) carry their ids and fields.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "check-helpers.h"
#include "fake-kernel.h"
#include "iopf-messages.h"
#include "log.h"
#include "register.h"

#define TEST_MESSAGE_ID "0f4b4ecb31ab4e0d9c6a3a5d2b8e7f10"
#define ENTRIES_MAX 64
#define ENTRY_FIELDS_MAX 32
#define FIELD_MAX 1200

struct entry {
	size_t n;
	char field[ENTRY_FIELDS_MAX][FIELD_MAX];
};

/* What the code under test sent, in order. */
static struct entry entries[ENTRIES_MAX];
static size_t nentries;

int __wrap_sd_journal_sendv(const struct iovec *iov, int n);

int __wrap_sd_journal_sendv(const struct iovec *iov, int n)
{
	struct entry *e;

	ck_assert_uint_lt(nentries, ENTRIES_MAX);
	ck_assert_int_le(n, ENTRY_FIELDS_MAX);
	e = &entries[nentries++];
	e->n = (size_t)n;
	for (int i = 0; i < n; i++) {
		ck_assert_uint_lt(iov[i].iov_len, FIELD_MAX);
		memcpy(e->field[i], iov[i].iov_base, iov[i].iov_len);
		e->field[i][iov[i].iov_len] = '\0';
	}
	return 0;
}

/* Logging goes to the journal: stderr is "the journal stream" systemd named. */
static void journal_open(void)
{
	struct stat st;
	char stream[64];

	ck_assert_int_eq(fstat(STDERR_FILENO, &st), 0);
	snprintf(stream, sizeof(stream), "%lu:%lu", (unsigned long)st.st_dev,
		 (unsigned long)st.st_ino);
	setenv("JOURNAL_STREAM", stream, 1);
	log_open();
	nentries = 0;
}

/* The value of @name in @e, NULL if it has none; fails if it has several. */
static const char *field(const struct entry *e, const char *name)
{
	size_t len = strlen(name);
	const char *value = NULL;

	for (size_t i = 0; i < e->n; i++)
		if (strncmp(e->field[i], name, len) == 0 && e->field[i][len] == '=') {
			ck_assert_msg(!value, "%s= twice in one entry", name);
			value = e->field[i] + len + 1;
		}
	return value;
}

/* The one entry with @message_id. */
static const struct entry *entry_of(const char *message_id)
{
	const struct entry *found = NULL;

	for (size_t i = 0; i < nentries; i++) {
		const char *id = field(&entries[i], "MESSAGE_ID");

		if (id && strcmp(id, message_id) == 0) {
			ck_assert_msg(!found, "MESSAGE_ID=%s twice", message_id);
			found = &entries[i];
		}
	}
	ck_assert_msg(found, "no entry with MESSAGE_ID=%s", message_id);
	return found;
}

#define ck_assert_field(e, name, value) ck_assert_pstr_eq(field((e), (name)), (value))

START_TEST(structured_message_carries_its_id_and_fields)
{
	const struct entry *e;
	int r;

	journal_open();
	r = log_struct_errno(LOG_WARNING, -EBADMSG, TEST_MESSAGE_ID,
			     LOG_FIELDS(LOG_FIELD_STR("VM", "guest-1"), LOG_FIELD_U64("DEVICE", 3),
					LOG_FIELD_HEX("IOVA", 0x7f000), LOG_FIELD_I64("VMM_PID", -1)),
			     "fault %d: %m", 7);
	ck_assert_int_eq(r, -EBADMSG);
	ck_assert_uint_eq(nentries, 1);
	e = &entries[0];
	ck_assert_pstr_eq(e->field[0], "MESSAGE=fault 7: Bad message");
	ck_assert_field(e, "PRIORITY", "4");
	ck_assert_field(e, "MESSAGE_ID", TEST_MESSAGE_ID);
	ck_assert_field(e, "ERRNO", "74");
	ck_assert_ptr_nonnull(strstr(field(e, "CODE_FUNC"), "structured_message_carries"));
	ck_assert_field(e, "VM", "guest-1");
	ck_assert_field(e, "DEVICE", "3");
	ck_assert_field(e, "IOVA", "0x7f000");
	ck_assert_field(e, "VMM_PID", "-1");

	/* A plain message has no id and no fields but the fixed ones. */
	log_info("plain");
	ck_assert_uint_eq(nentries, 2);
	ck_assert_ptr_null(field(&entries[1], "MESSAGE_ID"));
	ck_assert_ptr_null(field(&entries[1], "ERRNO"));
	ck_assert_uint_eq(entries[1].n, 5);   /* MESSAGE, PRIORITY, CODE_FILE/LINE/FUNC */
}
END_TEST

static void log_from_a_helper(void)
{
	log_warning("inner");
}

START_TEST(context_fields_join_each_message_once)
{
	journal_open();
	{
		LOG_CONTEXT_PUSH(LOG_FIELD_STR("VM", "outer"), LOG_FIELD_U64("VM_ID", 9));

		/* Code that knows nothing of the VM still names it. */
		log_from_a_helper();
		ck_assert_field(&entries[0], "VM", "outer");
		ck_assert_field(&entries[0], "VM_ID", "9");
		{
			LOG_CONTEXT_PUSH(LOG_FIELD_STR("VM", "inner"), LOG_FIELD_U64("DEVICE", 2));

			/* The inner context wins, and the message's own field over both. */
			log_warning("nested");
			ck_assert_field(&entries[1], "VM", "inner");
			ck_assert_field(&entries[1], "VM_ID", "9");
			ck_assert_field(&entries[1], "DEVICE", "2");
			log_struct(LOG_INFO, TEST_MESSAGE_ID, LOG_FIELDS(LOG_FIELD_STR("VM", "own")), "own");
			ck_assert_field(&entries[2], "VM", "own");
			ck_assert_field(&entries[2], "DEVICE", "2");
		}
		log_warning("after the inner scope");
		ck_assert_field(&entries[3], "VM", "outer");
		ck_assert_ptr_null(field(&entries[3], "DEVICE"));
	}
	log_warning("after both");
	ck_assert_uint_eq(nentries, 5);
	ck_assert_ptr_null(field(&entries[4], "VM"));
}
END_TEST

START_TEST(rate_limit_keeps_the_structured_form)
{
	journal_open();
	for (unsigned i = 0; i < RATELIMIT_BURST + 10; i++)
		log_ratelimit_struct_errno(LOG_WARNING, -ENOSPC, TEST_MESSAGE_ID,
					   LOG_FIELDS(LOG_FIELD_U64("FAULTS", i)), "overflow %u", i);
	ck_assert_uint_eq(nentries, RATELIMIT_BURST);
	for (size_t i = 0; i < nentries; i++) {
		char faults[24];

		snprintf(faults, sizeof(faults), "%zu", i);
		ck_assert_field(&entries[i], "MESSAGE_ID", TEST_MESSAGE_ID);
		ck_assert_field(&entries[i], "ERRNO", "28");
		ck_assert_field(&entries[i], "FAULTS", faults);
	}
}
END_TEST

START_TEST(stderr_gets_the_text_alone)
{
	char buf[256] = "";
	int saved = dup(STDERR_FILENO), p[2];
	ssize_t n;

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(dup2(p[1], STDERR_FILENO), STDERR_FILENO);
	unsetenv("JOURNAL_STREAM");
	log_open();
	nentries = 0;
	log_struct_errno(LOG_WARNING, -EBADMSG, TEST_MESSAGE_ID,
			 LOG_FIELDS(LOG_FIELD_STR("VM", "guest-1")), "ring of %s corrupt", "guest-1");
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	ck_assert_int_gt(n, 0);
	ck_assert_str_eq(strchr(buf, ':'), ": ring of guest-1 corrupt\n");
	ck_assert_int_eq(strncmp(buf, program_invocation_short_name,
				 strlen(program_invocation_short_name)), 0);
	ck_assert_uint_eq(nentries, 0);
}
END_TEST

/* The registration socket, served in this thread, and a VMM in another. */
static char dir[64];
static char sock_path[128];

struct vmm {
	int ready;
	int iopf_fd;
};

static int connect_to_iopfd(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	strcpy(sa.sun_path, sock_path);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Sends a registration of @name with @fd (none if < 0); returns iopfd's answer. */
static void registration(int conn, const char *name, int fd, char *answer, size_t size)
{
	char control[CMSG_SPACE(sizeof(int))] = {};
	struct iovec iov = { .iov_base = (void *)name, .iov_len = strlen(name) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (fd >= 0) {
		struct cmsghdr *c;

		msg.msg_control = control;
		msg.msg_controllen = sizeof(control);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	ck_assert_int_eq(sendmsg(conn, &msg, 0), (ssize_t)iov.iov_len);
	n = recv(conn, answer, size - 1, 0);
	ck_assert_int_gt(n, 0);
	answer[n] = '\0';
}

static void *vmm_run(void *arg)
{
	struct vmm *v = arg;
	char answer[512], c;
	int conn, stranger;

	ck_assert_int_eq(read(v->ready, &c, 1), 1);
	conn = connect_to_iopfd();
	registration(conn, "guest-1", v->iopf_fd, answer, sizeof(answer));
	ck_assert_msg(strstr(answer, "\"ok\":true"), "%s", answer);

	/* No iopf fd: refused, and the connection closed. */
	stranger = connect_to_iopfd();
	registration(stranger, "guest-2", -1, answer, sizeof(answer));
	ck_assert_msg(strstr(answer, "\"errno\":74"), "%s", answer);
	ck_assert_int_eq(recv(stranger, &c, 1, 0), 0);
	close(stranger);

	close(conn);
	for (int i = 0; i < 5000 && fake_kernel_attached(); i++)
		usleep(1000);
	ck_assert(!fake_kernel_attached());
	kill(getpid(), SIGTERM);
	return NULL;
}

START_TEST(registration_events_carry_ids_and_fields)
{
	struct resolver_config rc = { .batch_max = 64, .timeout_ms = 5000 };
	struct register_stats stats;
	struct sim_config config;
	struct sim *sim;
	struct vmm v;
	const struct entry *e;
	char pid[16], uid[16];
	sigset_t term, old;
	pthread_t thread;
	int listen_fd, ready[2];

	strcpy(dir, "/tmp/test-journal.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sock_path, sizeof(sock_path), "%s/register", dir);
	unsetenv("NOTIFY_SOCKET");
	sim_config_default(&config);
	config.memory_bytes = 4u << 20;
	ck_assert_int_eq(sim_new(&config, &sim), 0);
	v.iopf_fd = fake_kernel_install(sim);
	ck_assert_int_ge(v.iopf_fd, 0);
	ck_assert_int_eq(pipe(ready), 0);
	v.ready = ready[0];
	iopf_policy_default(IOPF_POLICY_ADAPTIVE, &rc.policy);
	ck_assert_int_eq(register_listen(sock_path, &listen_fd), 0);

	journal_open();
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &term, &old);
	ck_assert_int_eq(pthread_create(&thread, NULL, vmm_run, &v), 0);
	ck_assert_int_eq(register_run(listen_fd, NULL, 0, &rc, NULL, ready[1], &stats), 0);
	pthread_join(thread, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	snprintf(uid, sizeof(uid), "%u", (unsigned)getuid());
	e = entry_of(IOPF_MESSAGE_VM_REGISTERED);
	ck_assert_field(e, "PRIORITY", "6");
	ck_assert_field(e, "VM", "guest-1");
	ck_assert_field(e, "VM_ID", "1");
	ck_assert_field(e, "VMM_PID", pid);
	ck_assert_field(e, "VMM_UID", uid);

	e = entry_of(IOPF_MESSAGE_REGISTRATION_REFUSED);
	ck_assert_field(e, "PRIORITY", "4");
	ck_assert_field(e, "ERRNO", "74");
	ck_assert_field(e, "VMM_PID", pid);
	ck_assert_field(e, "VMM_UID", uid);
	ck_assert_ptr_null(field(e, "VM"));

	/* The VMM hung up: the kernel answers the VM's faults from then on. */
	e = entry_of(IOPF_MESSAGE_VM_DISCONNECTED);
	ck_assert_field(e, "VM", "guest-1");
	ck_assert_field(e, "VM_ID", "1");
	ck_assert_field(e, "VMM_PID", pid);
	ck_assert_uint_eq(stats.registered, 1);
	ck_assert_uint_eq(stats.refused, 1);

	close(listen_fd);
	unlink(sock_path);
	ck_assert_int_eq(rmdir(dir), 0);
	close(ready[0]);
	close(ready[1]);
	sim_free(sim);
}
END_TEST

TEST_MAIN("journal", structured_message_carries_its_id_and_fields,
	  context_fields_join_each_message_once, rate_limit_keeps_the_structured_form,
	  stderr_gets_the_text_alone, registration_events_carry_ids_and_fields)
