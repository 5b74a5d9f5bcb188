/* The request protocol, version 2: JSON lines over a unix stream socket. Each request is
 * one object {"op": ..., ...}; each answer is one line, {"ok":true, ...} or
 * {"ok":false, "error":{"code", "message"}}. See native/README.md for the ops. Version 1
 * clients are served too: 2 only added run's and exec's `runtime` and `attach`. */
#ifndef BERTH_PROTO_H
#define BERTH_PROTO_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define PROTO_VERSION 2
#define PROTO_OLDEST 1
#define PROTO_MAX_LINE (4u << 20)

struct linebuf {
  char *buf;
  size_t len, cap;
};

/* 1: *line is the next line (NUL-terminated, the caller frees it);
 * 0: the peer closed; -1: error or a line over PROTO_MAX_LINE. */
int proto_read_line(int fd, struct linebuf *lb, char **line, struct berr *e);
/* Writes `obj` as one line and drops the reference. */
int proto_send(int fd, json_t *obj, struct berr *e);
json_t *proto_ok(void);
json_t *proto_error(const struct berr *err);

/* Field readers that name the field in their error. */
const char *req_string(json_t *req, const char *key, struct berr *e);
const char *req_opt_string(json_t *req, const char *key);
int req_absolute_path(json_t *req, const char *key, const char **out, struct berr *e);
bool req_bool(json_t *req, const char *key);

#endif
