#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <time.h>

void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (p == NULL)
    abort();
  return p;
}

void *xcalloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (p == NULL)
    abort();
  return p;
}

void *xrealloc(void *p, size_t n) {
  void *r = realloc(p, n ? n : 1);
  if (r == NULL)
    abort();
  return r;
}

char *xstrdup(const char *s) {
  char *r = strdup(s ? s : "");
  if (r == NULL)
    abort();
  return r;
}

char *xasprintf(const char *fmt, ...) {
  char *r = NULL;
  va_list ap;
  va_start(ap, fmt);
  int n = vasprintf(&r, fmt, ap);
  va_end(ap);
  if (n < 0)
    abort();
  return r;
}

ssize_t write_all(int fd, const void *buf, size_t len) {
  const char *p = buf;
  size_t done = 0;
  while (done < len) {
    ssize_t n = TEMP_FAILURE_RETRY(write(fd, p + done, len - done));
    if (n < 0)
      return -1;
    done += (size_t)n;
  }
  return (ssize_t)done;
}

ssize_t read_all(int fd, void *buf, size_t len) {
  char *p = buf;
  size_t done = 0;
  while (done < len) {
    ssize_t n = TEMP_FAILURE_RETRY(read(fd, p + done, len - done));
    if (n < 0)
      return -1;
    if (n == 0)
      break;
    done += (size_t)n;
  }
  return (ssize_t)done;
}

char *read_file_at(int dirfd, const char *path, size_t *len, struct berr *e) {
  _cleanup_fd_ int fd = TEMP_FAILURE_RETRY(openat(dirfd, path, O_RDONLY | O_CLOEXEC));
  if (fd < 0) {
    berr_sys(e, errno, "open '%s'", path);
    return NULL;
  }
  size_t cap = 4096, used = 0;
  char *buf = xmalloc(cap);
  for (;;) {
    if (used + 1 >= cap)
      buf = xrealloc(buf, cap *= 2);
    ssize_t n = TEMP_FAILURE_RETRY(read(fd, buf + used, cap - used - 1));
    if (n < 0) {
      berr_sys(e, errno, "read '%s'", path);
      free(buf);
      return NULL;
    }
    if (n == 0)
      break;
    used += (size_t)n;
  }
  buf[used] = '\0';
  if (len)
    *len = used;
  return buf;
}

int write_file_at(int dirfd, const char *path, const char *data, size_t len, struct berr *e) {
  _cleanup_fd_ int fd = TEMP_FAILURE_RETRY(openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_TRUNC | O_CREAT, 0644));
  if (fd < 0)
    return berr_sys(e, errno, "open '%s'", path);
  if (write_all(fd, data, len) < 0)
    return berr_sys(e, errno, "write '%s'", path);
  return 0;
}

int write_file_atomic_at(int dirfd, const char *name, const char *data, size_t len, struct berr *e) {
  char tmp[4096];
  snprintf(tmp, sizeof tmp, ".%s.tmp-%d", name, getpid());
  _cleanup_fd_ int fd = TEMP_FAILURE_RETRY(openat(dirfd, tmp, O_WRONLY | O_CLOEXEC | O_TRUNC | O_CREAT, 0644));
  if (fd < 0)
    return berr_sys(e, errno, "create '%s'", tmp);
  if (write_all(fd, data, len) < 0) {
    int saved = errno;
    unlinkat(dirfd, tmp, 0);
    return berr_sys(e, saved, "write '%s'", tmp);
  }
  if (renameat(dirfd, tmp, dirfd, name) < 0) {
    int saved = errno;
    unlinkat(dirfd, tmp, 0);
    return berr_sys(e, saved, "rename '%s' to '%s'", tmp, name);
  }
  return 0;
}

int mkdir_p(const char *path, mode_t mode, struct berr *e) {
  _cleanup_free_ char *copy = xstrdup(path);
  for (char *p = copy + 1; *p; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    if (mkdir(copy, mode) < 0 && errno != EEXIST)
      return berr_sys(e, errno, "mkdir '%s'", copy);
    *p = '/';
  }
  if (mkdir(copy, mode) < 0 && errno != EEXIST)
    return berr_sys(e, errno, "mkdir '%s'", copy);
  return 0;
}

void format_time_nano(char *buf, size_t size) {
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf + n, size - n, ".%09ldZ", ts.tv_nsec);
}

static void set_cloexec(int fd, bool on) {
  int flags = fcntl(fd, F_GETFD);
  if (flags >= 0)
    fcntl(fd, F_SETFD, on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC);
}

void set_nonblock(int fd, bool on) {
  int flags = fcntl(fd, F_GETFL);
  if (flags >= 0)
    fcntl(fd, F_SETFL, on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK);
}

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

void cloexec_from(int from) {
  if (syscall(SYS_close_range, (unsigned)from, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
    return;
  /* Kernels before 5.11: walk the table. */
  long max = sysconf(_SC_OPEN_MAX);
  for (int fd = from; fd < max && fd < 65536; fd++)
    set_cloexec(fd, true);
}

int listen_unix_at(int dirfd, const char *name, int type, struct berr *e) {
  /* sun_path is 108 bytes; state dirs can be deeper, so bind through /proc/self/fd. */
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  int n = snprintf(addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/%s", dirfd, name);
  if (n < 0 || (size_t)n >= sizeof addr.sun_path)
    return berr_code(e, "invalid-argument", "socket name '%s' is too long", name);
  _cleanup_fd_ int fd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    return berr_sys(e, errno, "socket");
  unlinkat(dirfd, name, 0);
  mode_t old = umask(0077);
  int r = bind(fd, (struct sockaddr *)&addr, sizeof addr);
  umask(old);
  if (r < 0)
    return berr_sys(e, errno, "bind socket '%s'", name);
  if (listen(fd, 16) < 0)
    return berr_sys(e, errno, "listen on '%s'", name);
  return steal_fd(&fd);
}

static char *title_start;
static size_t title_len;

void proctitle_init(int argc, char **argv) {
  if (argc < 1)
    return;
  title_start = argv[0];
  /* The argument strings are contiguous; the title may use all of them. */
  title_len = (size_t)(argv[argc - 1] + strlen(argv[argc - 1]) - argv[0]);
}

void proctitle_set(const char *comm, const char *fmt, ...) {
  prctl(PR_SET_NAME, comm, 0, 0, 0);
  if (title_start == NULL || title_len == 0)
    return;
  memset(title_start, 0, title_len + 1);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(title_start, title_len + 1, fmt, ap);
  va_end(ap);
}
