#include "beneath.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/syscall.h>

#include "util.h"

int beneath_open_parent(int rootfd, char *rel, const char **name, struct berr *e) {
  if (rel[0] == '/' || rel[0] == '\0')
    return berr_code(e, "invalid-argument", "path '%s' must be relative to the root", rel);
  for (char *c = rel; c; c = strchr(c, '/')) {
    c += *c == '/';
    if (strncmp(c, "..", 2) == 0 && (c[2] == '/' || c[2] == '\0'))
      return berr_code(e, "invalid-argument", "path '%s' climbs out of the root with '..'", rel);
  }
  char *slash = strrchr(rel, '/');
  if (slash == NULL) {
    *name = rel;
    return TEMP_FAILURE_RETRY(fcntl(rootfd, F_DUPFD_CLOEXEC, 3));
  }
  *slash = '\0';
  *name = slash + 1;
  struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                         .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
  int fd = (int)TEMP_FAILURE_RETRY(syscall(SYS_openat2, rootfd, rel, &how, sizeof how));
  int err = errno;
  *slash = '/';
  if (fd < 0)
    return berr_sys(e, err, "open the directory of '%s' (a symlink on the way is refused)", rel);
  return fd;
}

int beneath_open(int rootfd, char *rel, int flags, struct berr *e) {
  if (strcmp(rel, ".") == 0) {
    int fd = TEMP_FAILURE_RETRY(openat(rootfd, ".", flags | O_CLOEXEC));
    return fd < 0 ? berr_sys(e, errno, "open the root") : fd;
  }
  const char *name;
  _cleanup_fd_ int parent = beneath_open_parent(rootfd, rel, &name, e);
  if (parent < 0)
    return -1;
  int fd = TEMP_FAILURE_RETRY(openat(parent, name, flags | O_NOFOLLOW | O_CLOEXEC));
  if (fd < 0)
    return berr_sys(e, errno, "open '%s'", rel);
  return fd;
}
