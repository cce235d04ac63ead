/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The control protocol, between iopfd and iopfctl (see iopfctl(8), "PROTOCOL").
 *
 * A SOCK_STREAM AF_UNIX socket.  Each message is a little-endian 32-bit
 * length, then that many bytes of one JSON object.  The client sends
 *
 *     {"version":1,"command":"status"}      (and the command's arguments)
 *
 * and iopfd answers each request with one message,
 *
 *     {"version":1,"ok":true,...}
 *     {"version":1,"ok":false,"errno":ERRNO,"error":"TEXT"}
 *
 * in order, for as long as the client keeps the connection.  A request is at
 * most CONTROL_REQUEST_MAX bytes and must arrive whole within
 * CONTROL_DEADLINE_MS of its first byte; iopfd serves at most
 * CONTROL_CLIENTS_MAX clients (CONTROL_CLIENTS_PER_UID of one uid, the last
 * CONTROL_CLIENTS_PRIVILEGED for privileged ones) and closes one that stays idle
 * CONTROL_IDLE_MS or does not read its answer in CONTROL_DEADLINE_MS.
 */

#include <json-c/json.h>
#include <stdint.h>

#define CONTROL_SOCKET_PATH "/run/iopfd/control"
#define CONTROL_PROTOCOL_VERSION 1
#define CONTROL_CLIENTS_MAX 64u
/* Clients of one uid at most, and slots kept for privileged ones (iopfctl(8)). */
#define CONTROL_CLIENTS_PER_UID 8u
#define CONTROL_CLIENTS_PRIVILEGED 8u
#define CONTROL_REQUEST_MAX 4096u
#define CONTROL_REPLY_MAX (4u << 20)
#define CONTROL_DEADLINE_MS 5000u
#define CONTROL_IDLE_MS 60000u

/* Connects to @path; -ENOENT/-ECONNREFUSED when iopfd does not listen there. */
int control_connect(const char *path, int *ret_fd);
/* Sends @request and waits for its answer (at most @timeout_ms); blocking. */
int control_call(int fd, json_object *request, int timeout_ms, json_object **ret_reply);
