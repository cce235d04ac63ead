/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "control-protocol.h"
#include "macro.h"
#include "time-util.h"

int control_connect(const char *path, int *ret_fd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = -EBADF;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* Waits for @events on @fd until @deadline_ns; -ETIMEDOUT past it. */
static int wait_fd(int fd, short events, uint64_t deadline_ns)
{
	for (;;) {
		uint64_t now = now_ns();
		struct pollfd p = { .fd = fd, .events = events };
		int n;

		if (now >= deadline_ns)
			return -ETIMEDOUT;
		n = poll(&p, 1, (int)MIN((deadline_ns - now) / 1000000 + 1, (uint64_t)INT32_MAX));
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0)
			return 0;
	}
}

static int send_all(int fd, const void *buf, size_t len, uint64_t deadline_ns)
{
	for (size_t done = 0; done < len;) {
		ssize_t n = send(fd, (const char *)buf + done, len - done, MSG_NOSIGNAL | MSG_DONTWAIT);
		int r;

		if (n >= 0) {
			done += (size_t)n;
			continue;
		}
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
		r = wait_fd(fd, POLLOUT, deadline_ns);
		if (r < 0)
			return r;
	}
	return 0;
}

static int recv_all(int fd, void *buf, size_t len, uint64_t deadline_ns)
{
	for (size_t done = 0; done < len;) {
		ssize_t n = recv(fd, (char *)buf + done, len - done, MSG_DONTWAIT);
		int r;

		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n == 0)
			return -ECONNRESET;
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
		r = wait_fd(fd, POLLIN, deadline_ns);
		if (r < 0)
			return r;
	}
	return 0;
}

int control_call(int fd, json_object *request, int timeout_ms, json_object **ret_reply)
{
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000u;
	const char *text = json_object_to_json_string_ext(request, JSON_C_TO_STRING_PLAIN);
	_cleanup_free_ char *buf = NULL;
	json_object *reply;
	uint32_t len;
	int r;

	if (!text)
		return -ENOMEM;
	len = htole32((uint32_t)strlen(text));
	r = send_all(fd, &len, sizeof(len), deadline);
	if (r >= 0)
		r = send_all(fd, text, strlen(text), deadline);
	if (r >= 0)
		r = recv_all(fd, &len, sizeof(len), deadline);
	if (r < 0)
		return r;
	len = le32toh(len);
	if (len == 0 || len > CONTROL_REPLY_MAX)
		return -EBADMSG;
	buf = malloc((size_t)len + 1);
	if (!buf)
		return -ENOMEM;
	r = recv_all(fd, buf, len, deadline);
	if (r < 0)
		return r;
	buf[len] = '\0';
	reply = json_tokener_parse(buf);
	if (!json_object_is_type(reply, json_type_object)) {
		json_object_put(reply);
		return -EBADMSG;
	}
	*ret_reply = reply;
	return 0;
}
