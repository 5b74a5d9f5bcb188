/* The tree op's requests: lstat, list, readlink, read, write, mkdir, symlink, link,
 * rename, remove, chown, chmod, utimes and opaque, each on a `path` relative to the root
 * ("" for the root itself). Every path is resolved beneath the root without following a
 * symlink (./beneath.c), and the last component is never followed either: a link the
 * container planted is read as a link, never through. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "beneath.h"
#include "ops.h"
#include "proto.h"
#include "spec.h"
#include "tree.h"
#include "util.h"

/* A path of a request: the directory holding it and its name ("" for the root). */
struct target {
  int dir;
  const char *name;
  char *rel; /* the path as given, "." for the root */
};

static void target_free(struct target *x) {
  if (x->dir >= 0)
    close(x->dir);
  free(x->rel);
}
#define _cleanup_target_ __attribute__((cleanup(target_free)))

static int resolve(struct tree_conn *t, json_t *req, const char *key, struct target *x, struct berr *e) {
  const char *p = json_string_value(json_object_get(req, key));
  if (p == NULL)
    return berr_code(e, "invalid-argument", "request field \"%s\" must be a string (\"\" for the root)", key);
  x->rel = xstrdup(p[0] ? p : ".");
  if (p[0] == '\0') {
    x->name = "";
    x->dir = TEMP_FAILURE_RETRY(fcntl(t->rootfd, F_DUPFD_CLOEXEC, 3));
    return x->dir < 0 ? berr_sys(e, errno, "dup the root") : 0;
  }
  x->dir = beneath_open_parent(t->rootfd, x->rel, &x->name, e);
  return x->dir < 0 ? -1 : 0;
}

/* For the requests that make, replace or remove `path`: never the root. */
static int resolve_named(struct tree_conn *t, json_t *req, const char *key, struct target *x, struct berr *e) {
  if (resolve(t, req, key, x, e) < 0)
    return -1;
  if (x->name[0] == '\0')
    return berr_code(e, "invalid-argument", "the root itself cannot be made, moved or removed");
  return 0;
}

static int req_uint(json_t *req, const char *key, unsigned long long max, unsigned long long *out, struct berr *e) {
  json_t *v = json_object_get(req, key);
  if (!json_is_integer(v) || json_integer_value(v) < 0 || (unsigned long long)json_integer_value(v) > max)
    return berr_code(e, "invalid-argument", "%s must be an integer from 0 to %llu", key, max);
  *out = (unsigned long long)json_integer_value(v);
  return 0;
}

static double ms(struct timespec ts) {
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* dev and ino as doubles, as Node's own lstat has them, so hard links match either way. */
static json_t *stat_json(const struct stat *st) {
  return json_pack("{s:I,s:I,s:I,s:I,s:I,s:f,s:f,s:I,s:f,s:f,s:f}", "mode", (json_int_t)st->st_mode, "uid",
                   (json_int_t)st->st_uid, "gid", (json_int_t)st->st_gid, "size", (json_int_t)st->st_size, "nlink",
                   (json_int_t)st->st_nlink, "dev", (double)st->st_dev, "ino", (double)st->st_ino, "rdev",
                   (json_int_t)st->st_rdev, "atimeMs", ms(st->st_atim), "mtimeMs", ms(st->st_mtim), "ctimeMs",
                   ms(st->st_ctim));
}

static int do_lstat(struct tree_conn *t, json_t *req, json_t *reply, struct berr *e) {
  _cleanup_target_ struct target x = {.dir = -1};
  struct stat st;
  if (resolve(t, req, "path", &x, e) < 0)
    return -1;
  if (fstatat(x.dir, x.name, &st, AT_SYMLINK_NOFOLLOW | (x.name[0] ? 0 : AT_EMPTY_PATH)) < 0)
    return berr_sys(e, errno, "lstat '%s'", x.rel);
  json_object_set_new(reply, "stat", stat_json(&st));
  return 0;
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Takes over fd. Entries removed while listed are left out. */
static int list_dir(int fd, const char *rel, json_t *entries, struct berr *e) {
  DIR *d = fdopendir(fd);
  if (d == NULL) {
    int err = errno;
    close(fd);
    return berr_sys(e, err, "read directory '%s'", rel);
  }
  size_t n = 0, cap = 64;
  char **names = xcalloc(cap, sizeof *names);
  struct dirent *de;
  while ((errno = 0, de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    if (n == cap)
      names = xrealloc(names, (cap *= 2) * sizeof *names);
    names[n++] = xstrdup(de->d_name);
  }
  int r = errno ? berr_sys(e, errno, "read directory '%s'", rel) : 0;
  qsort(names, n, sizeof *names, by_name);
  for (size_t i = 0; i < n; i++) {
    struct stat st;
    json_t *name = r == 0 ? json_string(names[i]) : NULL;
    if (r == 0 && name == NULL)
      r = berr_code(e, "invalid-argument", "a name in '%s' is not UTF-8", rel);
    if (name && fstatat(dirfd(d), names[i], &st, AT_SYMLINK_NOFOLLOW) == 0) {
      json_t *entry = stat_json(&st);
      json_object_set_new(entry, "name", name);
      json_array_append_new(entries, entry);
    } else if (name) {
      int err = errno;
      json_decref(name);
      if (err != ENOENT)
        r = berr_sys(e, err, "lstat '%s/%s'", rel, names[i]);
    }
    free(names[i]);
  }
  free(names);
  closedir(d);
  return r;
}

static int do_list(struct tree_conn *t, json_t *req, json_t *reply, struct berr *e) {
  _cleanup_target_ struct target x = {.dir = -1};
  if (resolve(t, req, "path", &x, e) < 0)
    return -1;
  int fd = TEMP_FAILURE_RETRY(openat(x.dir, x.name[0] ? x.name : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (fd < 0)
    return berr_sys(e, errno, "open directory '%s'", x.rel);
  json_t *entries = json_array();
  json_object_set_new(reply, "entries", entries);
  return list_dir(fd, x.rel, entries, e);
}

static int do_readlink(struct tree_conn *t, json_t *req, json_t *reply, struct berr *e) {
  _cleanup_target_ struct target x = {.dir = -1};
  char buf[4097];
  if (resolve_named(t, req, "path", &x, e) < 0)
    return -1;
  ssize_t n = readlinkat(x.dir, x.name, buf, sizeof buf - 1);
  if (n < 0)
    return berr_sys(e, errno, "readlink '%s'", x.rel);
  json_t *target = json_stringn(buf, (size_t)n);
  if (target == NULL)
    return berr_code(e, "invalid-argument", "the target of the link '%s' is not UTF-8", x.rel);
  json_object_set_new(reply, "target", target);
  return 0;
}

/* The file's bytes as data frames, up to `length` when given; the answer gives the count. */
static int do_read(struct tree_conn *t, json_t *req, json_t *reply, struct berr *e) {
  _cleanup_target_ struct target x = {.dir = -1};
  unsigned long long left = ~0ULL;
  if (resolve_named(t, req, "path", &x, e) < 0 || (json_object_get(req, "length") && req_uint(req, "length", ~0ULL >> 1, &left, e) < 0))
    return -1;
  /* O_NONBLOCK: opening a fifo must not wait for a writer. */
  _cleanup_fd_ int fd = TEMP_FAILURE_RETRY(openat(x.dir, x.name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  struct stat st;
  if (fd < 0 || fstat(fd, &st) < 0)
    return berr_sys(e, errno, "open '%s'", x.rel);
  if (!S_ISREG(st.st_mode))
    return berr_sys(e, EINVAL, "read '%s': not a regular file", x.rel);
  _cleanup_free_ char *buf = xmalloc(TREE_DATA_MAX);
  unsigned long long total = 0;
  while (left > 0) {
    ssize_t n = TEMP_FAILURE_RETRY(read(fd, buf, left < TREE_DATA_MAX ? left : TREE_DATA_MAX));
    if (n < 0)
      return berr_sys(e, errno, "read '%s'", x.rel);
    if (n == 0)
      break;
    if (tree_frame_write(t->conn, TREE_DATA, buf, (size_t)n, e) < 0)
      return -1;
    left -= (unsigned long long)n;
    total += (unsigned long long)n;
  }
  json_object_set_new(reply, "size", json_integer((json_int_t)total));
  return 0;
}

static int set_times(int dir, const char *name, json_t *req, struct berr *e) {
  json_t *v = json_object_get(req, "mtimeMs");
  if (v == NULL)
    return 0;
  if (!json_is_number(v))
    return berr_code(e, "invalid-argument", "mtimeMs must be a number");
  double t = json_number_value(v);
  struct timespec ts = {.tv_sec = (time_t)(t / 1e3), .tv_nsec = (long)((t / 1e3 - (double)(time_t)(t / 1e3)) * 1e9)};
  struct timespec both[2] = {ts, ts};
  if (name[0] == '\0') {
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", dir);
    return utimensat(AT_FDCWD, proc, both, 0) < 0 ? berr_sys(e, errno, "set the times of the root") : 0;
  }
  if (utimensat(dir, name, both, AT_SYMLINK_NOFOLLOW) < 0)
    return berr_sys(e, errno, "set the times of '%s'", name);
  return 0;
}

/* Reads the write's data frames up to its end frame, even after a failure, so the stream
 * stays in step; fd < 0: drained only. */
static int receive_data(struct tree_conn *t, int fd, const char *rel, struct berr *e) {
  int r = 0;
  for (;;) {
    uint8_t type;
    _cleanup_free_ char *payload = NULL;
    size_t len;
    struct berr frame_err;
    int got = tree_frame_read(t->conn, &type, &payload, &len, &frame_err);
    if (got <= 0 || type == TREE_JSON) {
      /* The client is gone or out of step: there is no one left to answer. */
      _exit(0);
    }
    if (type == TREE_END)
      return r;
    if (r == 0 && fd >= 0 && write_all(fd, payload, len) < 0)
      r = berr_sys(e, errno, "write '%s'", rel);
  }
}

/* The optional owner of a new entry: both ids or neither. 0: none given, 1: *uid and *gid set. */
static int req_owner(json_t *req, unsigned long long *uid, unsigned long long *gid, struct berr *e) {
  if (json_object_get(req, "uid") == NULL && json_object_get(req, "gid") == NULL)
    return 0;
  if (req_uint(req, "uid", 0xfffffffe, uid, e) < 0 || req_uint(req, "gid", 0xfffffffe, gid, e) < 0)
    return -1;
  return 1;
}

/* What is at the target goes first, a whole tree even: a new file or link replaces it. */
static int make_room(struct target *x, struct berr *e) {
  return rmtree_at(x->dir, x->name, x->rel, e);
}

/* A file of the data frames that follow, replacing what is at `path`; then its owner (when
 * given), mode (after the chown, which clears set-id bits) and times. */
static int do_write(struct tree_conn *t, json_t *req, json_t *reply, struct berr *e) {
  _cleanup_target_ struct target x = {.dir = -1};
  unsigned long long mode, uid, gid;
  int owner = 0;
  _cleanup_fd_ int fd = -1;
  if (resolve_named(t, req, "path", &x, e) == 0 && req_uint(req, "mode", 07777, &mode, e) == 0 &&
      (owner = req_owner(req, &uid, &gid, e)) >= 0 && make_room(&x, e) == 0) {
    fd = TEMP_FAILURE_RETRY(openat(x.dir, x.name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (fd < 0)
      berr_sys(e, errno, "create '%s'", x.rel);
  }
  if (fd < 0) {
    struct berr ignored;
    receive_data(t, -1, "", &ignored);
    return -1;
  }
  if (receive_data(t, fd, x.rel, e) < 0)
    return -1;
  if (owner && fchown(fd, (uid_t)uid, (gid_t)gid) < 0)
    return berr_sys(e, errno, "chown %llu:%llu '%s'", uid, gid, x.rel);
  if (fchmod(fd, (mode_t)mode) < 0)
    return berr_sys(e, errno, "chmod '%s'", x.rel);
  return set_times(x.dir, x.name, req, e);
}

static int do_mkdir(struct tree_conn *t, json_t *req, json_t *reply, struct berr *e) {
  _cleanup_target_ struct target x = {.dir = -1};
  unsigned long long mode;
  if (resolve_named(t, req, "path", &x, e) < 0 || req_uint(req, "mode", 07777, &mode, e) < 0)
    return -1;
  if (mkdirat(x.dir, x.name, (mode_t)mode) < 0)
    return berr_sys(e, errno, "mkdir '%s'", x.rel);
  return 0;
}

/* A symlink replacing what is at `path`; then its owner (when given) and times. */
static int do_symlink(struct tree_conn *t, json_t *req, json_t *reply, struct berr *e) {
  _cleanup_target_ struct target x = {.dir = -1};
  unsigned long long uid, gid;
  int owner;
  const char *target = req_string(req, "target", e);
  if (target == NULL || resolve_named(t, req, "path", &x, e) < 0 || (owner = req_owner(req, &uid, &gid, e)) < 0 ||
      make_room(&x, e) < 0)
    return -1;
  if (symlinkat(target, x.dir, x.name) < 0)
    return berr_sys(e, errno, "symlink '%s'", x.rel);
  if (owner && fchownat(x.dir, x.name, (uid_t)uid, (gid_t)gid, AT_SYMLINK_NOFOLLOW) < 0)
    return berr_sys(e, errno, "chown %llu:%llu '%s'", uid, gid, x.rel);
  return set_times(x.dir, x.name, req, e);
}

static int do_link(struct tree_conn *t, json_t *req, json_t *reply, struct berr *e) {
  _cleanup_target_ struct target from = {.dir = -1}, to = {.dir = -1};
  if (resolve_named(t, req, "from", &from, e) < 0 || resolve_named(t, req, "path", &to, e) < 0 || make_room(&to, e) < 0)
    return -1;
  if (linkat(from.dir, from.name, to.dir, to.name, 0) < 0)
    return berr_sys(e, errno, "link '%s' to '%s'", to.rel, from.rel);
  return 0;
}

static int do_rename(struct tree_conn *t, json_t *req, json_t *reply, struct berr *e) {
  _cleanup_target_ struct target from = {.dir = -1}, to = {.dir = -1};
  if (resolve_named(t, req, "from", &from, e) < 0 || resolve_named(t, req, "path", &to, e) < 0)
    return -1;
  if (renameat(from.dir, from.name, to.dir, to.name) < 0)
    return berr_sys(e, errno, "rename '%s' to '%s'", from.rel, to.rel);
  return 0;
}

/* Recursive, and fine when absent. */
static int do_remove(struct tree_conn *t, json_t *req, json_t *reply, struct berr *e) {
  _cleanup_target_ struct target x = {.dir = -1};
  if (resolve_named(t, req, "path", &x, e) < 0)
    return -1;
  return rmtree_at(x.dir, x.name, x.rel, e);
}

/* Container ids (this is their user namespace); `mode` is put back after chown cleared set-id bits. */
static int do_chown(struct tree_conn *t, json_t *req, json_t *reply, struct berr *e) {
  _cleanup_target_ struct target x = {.dir = -1};
  unsigned long long uid, gid, mode;
  if (resolve(t, req, "path", &x, e) < 0 || req_uint(req, "uid", 0xfffffffe, &uid, e) < 0 ||
      req_uint(req, "gid", 0xfffffffe, &gid, e) < 0 || req_uint(req, "mode", 07777, &mode, e) < 0)
    return -1;
  return fixup_chown(t->rootfd, (unsigned)uid, (unsigned)gid, (unsigned)mode, x.rel, e);
}

/* Mode and times of what is there (a symlink has no mode: only its times change). */
static int do_attributes(struct tree_conn *t, json_t *req, json_t *reply, struct berr *e) {
  _cleanup_target_ struct target x = {.dir = -1};
  unsigned long long mode;
  if (resolve(t, req, "path", &x, e) < 0 || req_uint(req, "mode", 07777, &mode, e) < 0)
    return -1;
  _cleanup_fd_ int fd = beneath_open(t->rootfd, x.rel, O_PATH, e);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) < 0)
    return fd < 0 ? -1 : berr_sys(e, errno, "lstat '%s'", x.rel);
  char proc[64];
  snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
  if (!S_ISLNK(st.st_mode) && chmod(proc, (mode_t)mode) < 0)
    return berr_sys(e, errno, "chmod '%s'", x.rel);
  return set_times(x.dir, x.name, req, e);
}

static int do_opaque(struct tree_conn *t, json_t *req, json_t *reply, struct berr *e) {
  _cleanup_target_ struct target x = {.dir = -1};
  if (resolve(t, req, "path", &x, e) < 0)
    return -1;
  int fd = beneath_open(t->rootfd, x.rel, O_RDONLY | O_DIRECTORY, e);
  if (fd < 0)
    return -1;
  json_t *dirs = json_array();
  json_object_set_new(reply, "dirs", dirs);
  return opaque_dirs_at(fd, x.rel, req_bool(req, "userxattr"), dirs, e);
}

static const struct {
  const char *name;
  int (*fn)(struct tree_conn *t, json_t *req, json_t *reply, struct berr *e);
} requests[] = {
    {"lstat", do_lstat},     {"list", do_list},     {"readlink", do_readlink}, {"read", do_read},
    {"write", do_write},     {"mkdir", do_mkdir},   {"symlink", do_symlink},   {"link", do_link},
    {"rename", do_rename},   {"remove", do_remove}, {"chown", do_chown},       {"attributes", do_attributes},
    {"opaque", do_opaque},
};

int tree_request(struct tree_conn *t, json_t *req, json_t *reply, struct berr *e) {
  const char *op = req_string(req, "op", e);
  if (op == NULL)
    return -1;
  for (size_t i = 0; i < sizeof requests / sizeof requests[0]; i++)
    if (strcmp(op, requests[i].name) == 0)
      return requests[i].fn(t, req, reply, e);
  return berr_code(e, "invalid-argument", "unknown tree request \"%s\"", op);
}
