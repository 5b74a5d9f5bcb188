/* fixup and rmtree: what Node cannot do to an extracted layer or a removed container.
 * Paths are resolved beneath the given root with no symlink followed anywhere, and run
 * as root of a user namespace holding the caller's subordinate ids when maps are given. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "beneath.h"
#include "ops.h"
#include "proto.h"
#include "spec.h"
#include "userns.h"
#include "util.h"

struct fixup {
  const char *root;
  int rootfd; /* opened before entering the user namespace: a container's /proc/<pid>/root is not reachable from it */
  char *list; /* the records, read before entering the user namespace */
  bool userxattr;
};

int fixup_chown(int rootfd, unsigned uid, unsigned gid, unsigned mode, char *rel, struct berr *e) {
  _cleanup_fd_ int fd = beneath_open(rootfd, rel, O_PATH, e);
  if (fd < 0)
    return -1;
  struct stat st;
  if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH) < 0 || fstat(fd, &st) < 0)
    return berr_sys(e, errno, "chown %u:%u '%s'", uid, gid, rel);
  if (S_ISLNK(st.st_mode))
    return 0; /* a link has no mode of its own */
  /* chown cleared set-id bits: put the mode back, on the very inode we opened. */
  char proc[64];
  snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
  if (chmod(proc, mode & 07777) < 0)
    return berr_sys(e, errno, "chmod %o '%s'", mode, rel);
  return 0;
}

static int fix_whiteout(int rootfd, char *rel, struct berr *e) {
  const char *name;
  _cleanup_fd_ int parent = beneath_open_parent(rootfd, rel, &name, e);
  if (parent < 0)
    return -1;
  if (mknodat(parent, name, S_IFCHR | 0, makedev(0, 0)) == 0)
    return 0;
  struct stat st;
  if (errno != EEXIST || fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return berr_sys(e, errno, "create whiteout '%s'", rel);
  if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0))
    return 0;
  if (S_ISDIR(st.st_mode))
    return berr_code(e, "conflict", "whiteout '%s': a directory of that name is in the layer", rel);
  if (unlinkat(parent, name, 0) < 0 || mknodat(parent, name, S_IFCHR | 0, makedev(0, 0)) < 0)
    return berr_sys(e, errno, "replace '%s' with a whiteout", rel);
  return 0;
}

static int set_xattr(int rootfd, const char *name, const void *value, size_t len, char *rel, struct berr *e) {
  _cleanup_fd_ int fd = beneath_open(rootfd, rel, O_PATH, e);
  if (fd < 0)
    return -1;
  char proc[64];
  snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
  if (setxattr(proc, name, value, len, 0) < 0)
    return berr_sys(e, errno, "set xattr %s on '%s'", name, rel);
  return 0;
}

static int fix_xattr(int rootfd, const char *name, const char *hex, char *rel, struct berr *e) {
  size_t n = strlen(hex);
  if (n % 2)
    return berr_code(e, "invalid-argument", "xattr %s on '%s': the value is not hex", name, rel);
  _cleanup_free_ unsigned char *value = xmalloc(n / 2);
  for (size_t i = 0; i < n / 2; i++)
    if (sscanf(hex + 2 * i, "%2hhx", &value[i]) != 1)
      return berr_code(e, "invalid-argument", "xattr %s on '%s': the value is not hex", name, rel);
  return set_xattr(rootfd, name, value, n / 2, rel, e);
}

/* One record; `line` is modified. The path is the rest of the line (spaces allowed). */
static int apply_record(int rootfd, char *line, bool userxattr, struct berr *e) {
  unsigned uid, gid, mode;
  int off = 0;
  if (sscanf(line, "chown %u %u %o %n", &uid, &gid, &mode, &off) == 3 && off > 0)
    return fixup_chown(rootfd, uid, gid, mode, line + off, e);
  if (strncmp(line, "whiteout ", 9) == 0)
    return fix_whiteout(rootfd, line + 9, e);
  if (strncmp(line, "opaque ", 7) == 0)
    return set_xattr(rootfd, userxattr ? "user.overlay.opaque" : "trusted.overlay.opaque", "y", 1, line + 7, e);
  if (strncmp(line, "xattr ", 6) == 0) {
    char *name = line + 6, *hex = strchr(name, ' '), *rel = hex ? strchr(hex + 1, ' ') : NULL;
    if (rel == NULL)
      return berr_code(e, "invalid-argument", "an xattr record needs a name, a hex value and a path");
    *hex++ = '\0';
    *rel++ = '\0';
    return fix_xattr(rootfd, name, hex, rel, e);
  }
  return berr_code(e, "invalid-argument", "unknown record");
}

static int apply_fixups(void *arg, struct berr *e) {
  struct fixup *f = arg;
  int rootfd = f->rootfd;
  size_t n = 0;
  char *save = NULL;
  for (char *line = strtok_r(f->list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    n++;
    _cleanup_free_ char *shown = xstrdup(line);
    if (apply_record(rootfd, line, f->userxattr, e) < 0)
      return berr_wrap(e, "fixup record %zu (%.200s) in '%s'", n, shown, f->root);
  }
  return 0;
}

int req_maps(json_t *req, struct idmaps *uids, struct idmaps *gids, struct berr *e) {
  if (spec_parse_idmaps(json_object_get(req, "uidMappings"), "uidMappings", uids, e) < 0 ||
      spec_parse_idmaps(json_object_get(req, "gidMappings"), "gidMappings", gids, e) < 0)
    return -1;
  if ((uids->n == 0) != (gids->n == 0))
    return berr_code(e, "invalid-argument", "give both uidMappings and gidMappings, or neither");
  return 0;
}

int op_fixup(json_t *req, json_t *reply, struct berr *e) {
  struct fixup f = {.userxattr = req_bool(req, "userxattr")};
  const char *list;
  struct idmaps uids, gids;
  if (req_absolute_path(req, "root", &f.root, e) < 0 || req_absolute_path(req, "list", &list, e) < 0 ||
      req_maps(req, &uids, &gids, e) < 0)
    return -1;
  _cleanup_fd_ int rootfd = TEMP_FAILURE_RETRY(open(f.root, O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (rootfd < 0)
    return berr_sys(e, errno, "open fixup root '%s'", f.root);
  f.rootfd = rootfd;
  f.list = read_file_at(AT_FDCWD, list, NULL, e);
  if (f.list == NULL)
    return berr_wrap(e, "fixup list");
  int r = userns_run(&uids, &gids, apply_fixups, &f, e);
  free(f.list);
  free(uids.v);
  free(gids.v);
  return r;
}
