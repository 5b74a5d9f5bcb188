/* opaque: the directories of an overlay upper dir that carry overlay's opaque mark.
 *
 * A directory deleted and made again in a container is opaque: it hides everything the
 * lower layers have below it. Overlay records that only in an xattr (trusted.overlay.opaque,
 * or user.overlay.opaque with `userxattr`), and Node has no xattr API, so packing an upper
 * dir into a layer asks here, once, for the whole list.
 *
 * The walk runs as the daemon is: root reads trusted.*, a rootless user the user.* xattrs
 * of what it may read; where the container's other users keep a directory from it, Node
 * asks the tree op (./tree_fs.c) for the same walk as the container's root.
 * Symlinks are never followed. Only "y" marks a directory opaque; kernels >= 6.7 also
 * know "x" ("holds xattr whiteouts, not opaque") and xattr whiteouts, but only read them
 * from lower layers that userspace made: overlay never writes either into an upper dir. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "ops.h"
#include "proto.h"
#include "util.h"

struct scan {
  const char *root;
  const char *xattr;
  json_t *dirs;
  char *path; /* the directory being read, relative to root ("" for root itself) */
  size_t len, cap;
};

static int is_opaque(const struct scan *s, int fd, struct berr *e) {
  char value[2];
  ssize_t n = fgetxattr(fd, s->xattr, value, sizeof value);
  if (n < 0)
    return errno == ENODATA || errno == ENOTSUP || errno == ERANGE ? 0
           : berr_sys(e, errno, "read %s of '%s/%s'", s->xattr, s->root, s->path);
  return n == 1 && value[0] == 'y';
}

static int add_dir(struct scan *s, struct berr *e) {
  json_t *p = s->len == 0 ? json_string(".") : json_stringn(s->path, s->len);
  if (p == NULL)
    return berr_code(e, "invalid-argument", "an opaque directory in '%s' has a name that is not UTF-8", s->root);
  json_array_append_new(s->dirs, p);
  return 0;
}

static bool is_dir(int fd, const struct dirent *de) {
  struct stat st;
  if (de->d_type != DT_UNKNOWN)
    return de->d_type == DT_DIR;
  return fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

static int scan_dir(struct scan *s, int fd, struct berr *e);

/* Appends "/name" (or "name" at the root) to s->path for the child's walk, then cuts it off. */
static int scan_child(struct scan *s, int parent, const char *name, struct berr *e) {
  size_t saved = s->len, n = strlen(name);
  if (s->len + n + 2 > s->cap) {
    s->cap = (s->len + n + 2) * 2;
    s->path = xrealloc(s->path, s->cap);
  }
  if (s->len > 0)
    s->path[s->len++] = '/';
  memcpy(s->path + s->len, name, n + 1);
  s->len += n;
  int fd = TEMP_FAILURE_RETRY(openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  int r = fd < 0 ? (errno == ENOENT ? 0 : berr_sys(e, errno, "open directory '%s/%s'", s->root, s->path)) : scan_dir(s, fd, e);
  s->len = saved;
  s->path[saved] = '\0';
  return r;
}

/* Takes over fd. */
static int scan_dir(struct scan *s, int fd, struct berr *e) {
  int opaque = is_opaque(s, fd, e);
  DIR *d = opaque < 0 ? NULL : fdopendir(fd);
  if (d == NULL) {
    int err = errno;
    close(fd);
    return opaque < 0 ? -1 : berr_sys(e, err, "read directory '%s/%s'", s->root, s->path);
  }
  int r = opaque ? add_dir(s, e) : 0;
  struct dirent *de;
  while (r == 0 && (errno = 0, de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 && is_dir(dirfd(d), de))
      r = scan_child(s, dirfd(d), de->d_name, e);
  }
  if (r == 0 && errno != 0)
    r = berr_sys(e, errno, "read directory '%s/%s'", s->root, s->path);
  closedir(d);
  return r;
}

int opaque_dirs_at(int fd, const char *root, bool userxattr, json_t *dirs, struct berr *e) {
  struct scan s = {.root = root, .xattr = userxattr ? "user.overlay.opaque" : "trusted.overlay.opaque", .dirs = dirs};
  s.cap = 256;
  s.path = xcalloc(1, s.cap);
  int r = scan_dir(&s, fd, e);
  free(s.path);
  return r;
}

static int opaque_dirs(const char *root, bool userxattr, json_t *dirs, struct berr *e) {
  int fd = TEMP_FAILURE_RETRY(open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  /* No upper dir yet (a container never started): nothing is opaque. */
  if (fd < 0)
    return errno == ENOENT ? 0 : berr_sys(e, errno, "open directory '%s'", root);
  return opaque_dirs_at(fd, root, userxattr, dirs, e);
}

int op_opaque(json_t *req, json_t *reply, struct berr *e) {
  const char *root;
  if (req_absolute_path(req, "root", &root, e) < 0)
    return -1;
  json_t *dirs = json_array();
  json_object_set_new(reply, "dirs", dirs);
  return opaque_dirs(root, req_bool(req, "userxattr"), dirs, e);
}
