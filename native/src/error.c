#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void berr_clear(struct berr *e) {
  e->errnum = 0;
  e->code = NULL;
  e->exit_code = 0;
  e->msg[0] = '\0';
}

int berr_sys(struct berr *e, int errnum, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  va_end(ap);
  if (n >= 0 && (size_t)n < sizeof e->msg && errnum != 0)
    snprintf(e->msg + n, sizeof e->msg - (size_t)n, ": %s", strerror(errnum));
  e->errnum = errnum;
  e->code = NULL;
  e->exit_code = 0;
  return -1;
}

int berr_code(struct berr *e, const char *code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  va_end(ap);
  e->errnum = 0;
  e->code = code;
  e->exit_code = 0;
  return -1;
}

int berr_wrap(struct berr *e, const char *fmt, ...) {
  char prefix[BERR_MSG_MAX];
  char old[BERR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  memcpy(old, e->msg, sizeof old);
  snprintf(e->msg, sizeof e->msg, "%s: %s", prefix, old);
  return -1;
}

const char *berr_code_name(const struct berr *e) {
  if (e->errnum > 0) {
    const char *name = strerrorname_np(e->errnum);
    return name ? name : "EIO";
  }
  return e->code ? e->code : "internal";
}
