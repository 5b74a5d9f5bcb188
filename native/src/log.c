#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

int log_open(int dirfd, const char *name, struct log_writer *lw, struct berr *e) {
  lw->fd = TEMP_FAILURE_RETRY(openat(dirfd, name, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
  if (lw->fd < 0)
    return berr_sys(e, errno, "open log '%s'", name);
  return 0;
}

void log_write(struct log_writer *lw, const char *stream, const char *buf, size_t len) {
  if (lw->fd < 0 || len == 0)
    return;
  char ts[64];
  format_time_nano(ts, sizeof ts);
  size_t prefix = strlen(ts) + strlen(stream) + 5;
  /* Worst case every byte is a newline: one prefix per byte. */
  size_t cap = len + (len + 1) * (prefix + 1);
  _cleanup_free_ char *out = xmalloc(cap);
  size_t used = 0;
  for (size_t start = 0; start < len;) {
    const char *nl = memchr(buf + start, '\n', len - start);
    size_t end = nl ? (size_t)(nl - buf) : len;
    used += (size_t)snprintf(out + used, cap - used, "%s %s %c ", ts, stream, nl ? 'F' : 'P');
    memcpy(out + used, buf + start, end - start);
    used += end - start;
    out[used++] = '\n';
    start = nl ? end + 1 : len;
  }
  /* A full disk must not stop the container: the log is best effort. */
  (void)write_all(lw->fd, out, used);
}

void log_close(struct log_writer *lw) {
  if (lw->fd >= 0)
    close(lw->fd);
  lw->fd = -1;
}
