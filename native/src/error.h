/* An error travels as the last parameter: the innermost failure records errno and a
 * sentence, each caller on the way up prefixes its context ("mount proc on '/proc': ..."). */
#ifndef BERTH_ERROR_H
#define BERTH_ERROR_H

#include <stddef.h>

#define BERR_MSG_MAX 1024

struct berr {
  int errnum;          /* errno value, 0 when `code` names a Berth condition instead */
  const char *code;    /* static Berth code ("invalid-request"…) when errnum is 0 */
  int exit_code;       /* the container process's status when the failure ends it (127, 126) */
  char msg[BERR_MSG_MAX];
};

/* All return -1 so callers can `return berr_sys(e, errno, "...")`. */
int berr_sys(struct berr *e, int errnum, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int berr_code(struct berr *e, const char *code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int berr_wrap(struct berr *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The protocol's "code": the errno name (ENOENT) or the Berth code. */
const char *berr_code_name(const struct berr *e);
void berr_clear(struct berr *e);

#endif
