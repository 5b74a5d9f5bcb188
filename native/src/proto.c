#include "proto.h"

#include <errno.h>
#include <string.h>

#include "spec.h"
#include "util.h"

int proto_read_line(int fd, struct linebuf *lb, char **line, struct berr *e) {
  for (;;) {
    char *nl = lb->len ? memchr(lb->buf, '\n', lb->len) : NULL;
    if (nl) {
      size_t n = (size_t)(nl - lb->buf);
      *line = xmalloc(n + 1);
      memcpy(*line, lb->buf, n);
      (*line)[n] = '\0';
      memmove(lb->buf, nl + 1, lb->len - n - 1);
      lb->len -= n + 1;
      return 1;
    }
    if (lb->len >= PROTO_MAX_LINE)
      return berr_code(e, "invalid-argument", "request line longer than %u bytes", PROTO_MAX_LINE);
    if (lb->cap - lb->len < 4096)
      lb->buf = xrealloc(lb->buf, lb->cap = lb->cap ? lb->cap * 2 : 8192);
    ssize_t n = TEMP_FAILURE_RETRY(read(fd, lb->buf + lb->len, lb->cap - lb->len));
    if (n < 0)
      return berr_sys(e, errno, "read request");
    if (n == 0)
      return 0;
    lb->len += (size_t)n;
  }
}

int proto_send(int fd, json_t *obj, struct berr *e) {
  _cleanup_json_ json_t *owned = obj;
  _cleanup_free_ char *text = json_dumps(owned, JSON_COMPACT);
  if (text == NULL)
    return berr_code(e, "internal", "encode response");
  size_t n = strlen(text);
  text[n] = '\n'; /* replaces the NUL: write exactly n + 1 bytes */
  if (write_all(fd, text, n + 1) < 0)
    return berr_sys(e, errno, "write response");
  return 0;
}

json_t *proto_ok(void) {
  return json_pack("{s:b}", "ok", 1);
}

json_t *proto_error(const struct berr *err) {
  json_t *error = json_pack("{s:s,s:s}", "code", berr_code_name(err), "message", err->msg);
  if (err->exit_code)
    json_object_set_new(error, "exitCode", json_integer(err->exit_code));
  return json_pack("{s:b,s:o}", "ok", 0, "error", error);
}

const char *req_opt_string(json_t *req, const char *key) {
  return json_string_value(json_object_get(req, key));
}

const char *req_string(json_t *req, const char *key, struct berr *e) {
  const char *s = req_opt_string(req, key);
  if (s == NULL || *s == '\0')
    berr_code(e, "invalid-argument", "request field \"%s\" must be a non-empty string", key);
  return s && *s ? s : NULL;
}

int req_absolute_path(json_t *req, const char *key, const char **out, struct berr *e) {
  *out = req_string(req, key, e);
  if (*out == NULL)
    return -1;
  if ((*out)[0] != '/')
    return berr_code(e, "invalid-argument", "request field \"%s\" must be an absolute path, got '%s'", key, *out);
  return 0;
}

bool req_bool(json_t *req, const char *key) {
  return json_is_true(json_object_get(req, key));
}
