/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What 2000 hostile connections cost iopfd: starts iopfd on a registration
 * socket, keeps 2000 connections to it open from 125 uids (16 each, the
 * per-uid allowance of unregistered connections) for FLOOD_SECONDS, opening
 * a new one whenever iopfd closes one (refused, or past its deadline), and
 * prints iopfd's CPU time and the lines it logged.  Twice: with the unit's
 * LimitNOFILE (4096, iopfd's own limits bind) and with 1024 (iopfd runs out
 * of fds first and pauses accepting).  Needs root (setresuid per connect).
 *
 * Usage: iopfd-flood [IOPFD] [SECONDS]
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CONNECTIONS	2000
#define PER_UID		16
#define UID_BASE	20000

static char dir[] = "/tmp/iopfd-flood-XXXXXX";
static char sock_path[64], log_path[64];

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* utime + stime of @pid, in milliseconds */
static double cpu_ms(pid_t pid)
{
	unsigned long utime, stime;
	char path[64], buf[1024], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f || !fgets(buf, sizeof(buf), f)) {
		perror(path);
		exit(1);
	}
	fclose(f);
	/* the fields after the command name, which may hold spaces */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
			 &utime, &stime) != 2) {
		fprintf(stderr, "cannot parse %s\n", path);
		exit(1);
	}
	return (utime + stime) * 1000.0 / sysconf(_SC_CLK_TCK);
}

static double self_cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static bool log_says(const char *path, const char *text)
{
	char line[512];
	bool found = false;
	FILE *f = fopen(path, "re");

	while (f && !found && fgets(line, sizeof(line), f))
		found = strstr(line, text);
	if (f)
		fclose(f);
	return found;
}

static unsigned count_lines(const char *path)
{
	unsigned n = 0;
	FILE *f = fopen(path, "re");
	int c;

	if (!f)
		return 0;
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/*
 * A connection as @uid (SO_PEERCRED records the effective uid at connect()),
 * or -1 while iopfd's backlog is full.
 */
static int connect_as(uid_t uid)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		perror("socket");
		exit(1);
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	if (syscall(SYS_setresuid, -1, uid, -1) < 0) {
		perror("setresuid");
		exit(1);
	}
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	if (r < 0 && errno != EAGAIN) {
		perror("connect");
		exit(1);
	}
	if (syscall(SYS_setresuid, -1, 0, -1) < 0) {
		perror("setresuid");
		exit(1);
	}
	if (r < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static pid_t start_iopfd(const char *iopfd, rlim_t nofile)
{
	pid_t pid;

	/* the last iopfd's log says it listened too */
	unlink(log_path);
	pid = fork();

	if (pid < 0) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		struct rlimit rl = { nofile, nofile };
		char listen[160];
		int log_fd;

		log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (log_fd < 0 || dup2(log_fd, STDERR_FILENO) < 0 || setrlimit(RLIMIT_NOFILE, &rl) < 0)
			_exit(127);
		unsetenv("JOURNAL_STREAM");
		snprintf(listen, sizeof(listen), "--listen=%s", sock_path);
		execl(iopfd, "iopfd", listen, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; !log_says(log_path, "Waiting for VMs to register."); i++) {
		if (i == 500) {
			fprintf(stderr, "iopfd did not listen on %s; its log: %s\n", sock_path, log_path);
			exit(1);
		}
		usleep(10000);
	}
	/* other uids need the way in; iopfd makes the socket 0660 */
	if (chmod(dir, 0755) < 0 || chmod(sock_path, 0666) < 0) {
		perror("chmod");
		exit(1);
	}
	return pid;
}

static void flood(const char *iopfd, rlim_t nofile, double seconds, bool churn)
{
	static int conns[CONNECTIONS];
	static struct pollfd pfd[CONNECTIONS];
	static bool hung[CONNECTIONS];
	unsigned reconnects = 0, open_min = CONNECTIONS;
	double cpu0, self0, self1, t0, t_end, retry = 0;
	pid_t pid;
	int status;

	memset(hung, 0, sizeof(hung));
	pid = start_iopfd(iopfd, nofile);
	self0 = self_cpu_ms();
	for (unsigned i = 0; i < CONNECTIONS; i++)
		conns[i] = connect_as(UID_BASE + i / PER_UID);
	/* CPU measured from here, every connection open; log lines from the start */
	cpu0 = cpu_ms(pid);
	self1 = self_cpu_ms();
	t0 = now_s();
	t_end = t0 + seconds;
	while (now_s() < t_end) {
		unsigned open = 0;

		/* a connection the backlog had no room for: again, ten times a second */
		for (unsigned i = 0; i < CONNECTIONS && churn && now_s() >= retry; i++)
			if (conns[i] < 0)
				conns[i] = connect_as(UID_BASE + i / PER_UID);
		if (now_s() >= retry)
			retry = now_s() + 0.1;
		for (unsigned i = 0; i < CONNECTIONS; i++) {
			pfd[i] = (struct pollfd) { .fd = hung[i] ? -1 : conns[i], .events = POLLIN };
			open += conns[i] >= 0;
		}
		if (open < open_min)
			open_min = open;
		if (poll(pfd, CONNECTIONS, 100) < 0 && errno != EINTR) {
			perror("poll");
			exit(1);
		}
		for (unsigned i = 0; i < CONNECTIONS; i++) {
			char buf[512];

			if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			/* a refusal (or a deadline): read it, then come back */
			if (recv(conns[i], buf, sizeof(buf), MSG_DONTWAIT) > 0)
				continue;
			/* held: the end iopfd closed stays open here, not polled */
			if (!churn) {
				hung[i] = true;
				continue;
			}
			close(conns[i]);
			conns[i] = connect_as(UID_BASE + i / PER_UID);
			reconnects++;
			open -= conns[i] < 0;
		}
	}
	printf("IOPF-BENCH: flood %s nofile=%-5lu %u connections (at least %u open) for %.0f s: "
	       "iopfd CPU %.0f ms (%.1f %%), %u log lines from its start; %u reconnects; "
	       "the clients' CPU %.0f ms, %.0f ms to connect\n",
	       churn ? "churn" : "held ", (unsigned long)nofile, CONNECTIONS, open_min, seconds,
	       cpu_ms(pid) - cpu0, (cpu_ms(pid) - cpu0) / (seconds * 10), count_lines(log_path),
	       reconnects, self_cpu_ms() - self1, self1 - self0);
	for (unsigned i = 0; i < CONNECTIONS; i++)
		if (conns[i] >= 0)
			close(conns[i]);
	kill(pid, SIGTERM);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "iopfd did not exit cleanly (status 0x%x); its log: %s\n", status,
			log_path);
		exit(1);
	}
}

int main(int argc, char *argv[])
{
	const char *iopfd = argc > 1 ? argv[1] : "./iopfd";
	double seconds = argc > 2 ? atof(argv[2]) : 10;
	struct rlimit rl = { 4 * CONNECTIONS, 4 * CONNECTIONS };

	if (geteuid() != 0) {
		fprintf(stderr, "iopfd-flood: needs root (it connects as %u uids)\n",
			CONNECTIONS / PER_UID);
		return 77;
	}
	if (seconds <= 0 || setrlimit(RLIMIT_NOFILE, &rl) < 0 || !mkdtemp(dir)) {
		fprintf(stderr, "usage: iopfd-flood [IOPFD] [SECONDS > 0]\n");
		return 2;
	}
	snprintf(sock_path, sizeof(sock_path), "%s/register", dir);
	snprintf(log_path, sizeof(log_path), "%s/iopfd.log", dir);
	flood(iopfd, 4096, seconds, false);
	flood(iopfd, 1024, seconds, false);
	flood(iopfd, 4096, seconds, true);
	flood(iopfd, 1024, seconds, true);
	unlink(log_path);
	rmdir(dir);
	return 0;
}
