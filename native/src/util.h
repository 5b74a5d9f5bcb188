/* Small helpers shared by every file: cleanup attributes, EINTR-safe I/O, atomic files. */
#ifndef BERTH_UTIL_H
#define BERTH_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <unistd.h>
#include <errno.h>
#include <stdlib.h>

#include "error.h"

static inline void cleanup_fdp(int *fd) {
  if (*fd >= 0) {
    int saved = errno;
    close(*fd);
    errno = saved;
  }
}
static inline void cleanup_freep(void *p) { free(*(void **)p); }

#define _cleanup_fd_ __attribute__((cleanup(cleanup_fdp)))
#define _cleanup_free_ __attribute__((cleanup(cleanup_freep)))

/* Hands ownership out of a cleanup variable. */
static inline int steal_fd(int *fd) {
  int r = *fd;
  *fd = -1;
  return r;
}
static inline void *steal_ptr(void *p) {
  void *r = *(void **)p;
  *(void **)p = NULL;
  return r;
}

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

ssize_t write_all(int fd, const void *buf, size_t len);
ssize_t read_all(int fd, void *buf, size_t len);
/* Reads a whole (small) file; NUL-terminated; NULL + berr on failure. */
char *read_file_at(int dirfd, const char *path, size_t *len, struct berr *e);
int write_file_at(int dirfd, const char *path, const char *data, size_t len, struct berr *e);
/* temp + rename: readers, and a process killed at any moment, see the old file or the
 * whole new one. Not fsynced: the callers' files (exit.json, cgroup.json) describe this
 * boot only, and a reader after a power loss takes a missing or torn one for "the host
 * went down" — while a sync here costs the start and the exit of every container a
 * journal commit (1–15 ms on a busy disk). */
int write_file_atomic_at(int dirfd, const char *name, const char *data, size_t len, struct berr *e);
int mkdir_p(const char *path, mode_t mode, struct berr *e);

/* Creates and listens on a unix socket `name` in dirfd's directory, mode 0600; any
 * stale socket of that name is replaced. */
int listen_unix_at(int dirfd, const char *name, int type, struct berr *e);

/* "2024-05-01T10:00:00.123456789Z" (RFC 3339 with nanoseconds, UTC); buf >= 40. */
void format_time_nano(char *buf, size_t size);
void set_nonblock(int fd, bool on);
/* Makes every fd >= `from` close-on-exec, so nothing of the monitor leaks into a container. */
void cloexec_from(int from);
/* Remembers where argv lives so that proctitle_set can rewrite what `ps` shows. */
void proctitle_init(int argc, char **argv);
/* Renames this process in `ps` (args and comm): monitors forked from the daemon would
 * otherwise look like daemons, and `pkill -f 'berth-helper daemon'` would take them too. */
void proctitle_set(const char *comm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
