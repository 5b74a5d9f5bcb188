/* rmtree: removes a tree whatever its owners and modes, never following a symlink. A
 * directory we may not enter or change (a layer's 0555 dirs) is made writable first. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "ops.h"
#include "proto.h"
#include "userns.h"
#include "util.h"

static int empty_dir(int fd, const char *path, struct berr *e) {
  int dupfd = TEMP_FAILURE_RETRY(fcntl(fd, F_DUPFD_CLOEXEC, 3));
  DIR *d = dupfd >= 0 ? fdopendir(dupfd) : NULL;
  if (d == NULL) {
    if (dupfd >= 0)
      close(dupfd);
    return berr_sys(e, errno, "read directory '%s'", path);
  }
  int r = 0;
  struct dirent *de;
  while (r == 0 && (errno = 0, de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    _cleanup_free_ char *child = xasprintf("%s/%s", path, de->d_name);
    r = rmtree_at(fd, de->d_name, child, e);
  }
  if (r == 0 && errno != 0)
    r = berr_sys(e, errno, "read directory '%s'", path);
  closedir(d);
  return r;
}

static int remove_dir(int dirfd, const char *name, const char *path, struct berr *e) {
  int fd = TEMP_FAILURE_RETRY(openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (fd < 0 && errno == EACCES && fchmodat(dirfd, name, 0700, 0) == 0)
    fd = TEMP_FAILURE_RETRY(openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  /* Gone meanwhile: another remover (a recursive rm that gave up on one entry may still
   * be at work on the others) got there first. */
  if (fd < 0)
    return errno == ENOENT ? 0 : berr_sys(e, errno, "open directory '%s'", path);
  _cleanup_fd_ int owned = fd;
  struct stat st;
  /* Removing entries needs write permission on the directory itself. */
  if (fstat(fd, &st) == 0 && (st.st_mode & 0300) != 0300)
    fchmod(fd, st.st_mode | 0700);
  if (empty_dir(fd, path, e) < 0)
    return -1;
  if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT) {
    if (errno == EBUSY)
      return berr_sys(e, errno, "remove '%s' (something is mounted there: unmount it first)", path);
    return berr_sys(e, errno, "remove directory '%s'", path);
  }
  return 0;
}

int rmtree_at(int dirfd, const char *name, const char *path, struct berr *e) {
  if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
    return 0;
  if (errno == EISDIR)
    return remove_dir(dirfd, name, path, e);
  return berr_sys(e, errno, "remove '%s'", path);
}

static int rmtree(void *arg, struct berr *e) {
  const char *path = arg;
  _cleanup_free_ char *copy = xstrdup(path);
  char *slash = strrchr(copy, '/');
  *slash = '\0';
  _cleanup_fd_ int parent = TEMP_FAILURE_RETRY(open(*copy ? copy : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (parent < 0)
    return errno == ENOENT ? 0 : berr_sys(e, errno, "open '%s'", *copy ? copy : "/");
  return rmtree_at(parent, slash + 1, path, e);
}

int op_rmtree(json_t *req, json_t *reply, struct berr *e) {
  const char *path;
  struct idmaps uids, gids;
  if (req_absolute_path(req, "path", &path, e) < 0 || req_maps(req, &uids, &gids, e) < 0)
    return -1;
  _cleanup_free_ char *clean = xstrdup(path);
  for (size_t n = strlen(clean); n > 1 && clean[n - 1] == '/'; n--)
    clean[n - 1] = '\0';
  if (strcmp(clean, "/") == 0 || strstr(clean, "/../") || strstr(clean, "/./") ||
      (strlen(clean) >= 3 && strcmp(clean + strlen(clean) - 3, "/..") == 0))
    return berr_code(e, "invalid-argument", "rmtree refuses '%s': give the tree's own absolute path", path);
  int r = userns_run(&uids, &gids, rmtree, clean, e);
  free(uids.v);
  free(gids.v);
  return r;
}
