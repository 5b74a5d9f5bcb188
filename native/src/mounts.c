#include "mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>

#include "sync.h"
#include "util.h"

static int openat2_in_root(int rootfd, const char *path, int flags) {
  struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC), .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
  return (int)TEMP_FAILURE_RETRY(syscall(SYS_openat2, rootfd, path, &how, sizeof how));
}

static int check_relative(const char *path, struct berr *e) {
  _cleanup_free_ char *copy = xstrdup(path);
  char *save = NULL;
  for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save))
    if (strcmp(c, "..") == 0)
      return berr_code(e, "invalid-argument", "path '%s' must not contain '..'", path);
  return 0;
}

int open_in_root(int rootfd, const char *path, int create, struct berr *e) {
  while (*path == '/')
    path++;
  if (check_relative(path, e) < 0)
    return -1;
  if (*path == '\0')
    return TEMP_FAILURE_RETRY(fcntl(rootfd, F_DUPFD_CLOEXEC, 3));
  int fd = openat2_in_root(rootfd, path, O_PATH);
  if (fd >= 0 || errno != ENOENT || create == CREATE_NONE) {
    if (fd < 0)
      berr_sys(e, errno, "open '/%s' in the container", path);
    return fd;
  }
  /* Create what is missing, one component at a time, re-resolving the prefix in the
   * root each time so an existing symlink is followed the way the container sees it. */
  _cleanup_free_ char *prefix = xstrdup(path);
  size_t len = strlen(prefix);
  for (size_t i = 0; i <= len; i++) {
    if (prefix[i] != '/' && prefix[i] != '\0')
      continue;
    bool last = prefix[i] == '\0';
    prefix[i] = '\0';
    fd = openat2_in_root(rootfd, prefix, O_PATH);
    if (fd < 0 && errno == ENOENT) {
      char *slash = strrchr(prefix, '/');
      const char *name = slash ? slash + 1 : prefix;
      _cleanup_fd_ int parent = -1;
      if (slash) {
        *slash = '\0';
        parent = openat2_in_root(rootfd, prefix, O_PATH | O_DIRECTORY);
        *slash = '/';
      } else {
        parent = TEMP_FAILURE_RETRY(fcntl(rootfd, F_DUPFD_CLOEXEC, 3));
      }
      if (parent < 0)
        return berr_sys(e, errno, "open parent of '/%s' in the container", prefix);
      int r;
      if (last && create == CREATE_FILE) {
        r = TEMP_FAILURE_RETRY(openat(parent, name, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644));
        if (r >= 0)
          close(r);
      } else {
        r = mkdirat(parent, name, 0755);
      }
      if (r < 0 && errno != EEXIST)
        return berr_sys(e, errno, "create '/%s' in the container", prefix);
      fd = openat2_in_root(rootfd, prefix, O_PATH);
    }
    if (fd < 0)
      return berr_sys(e, errno, "open '/%s' in the container", prefix);
    if (!last) {
      close(fd);
      prefix[i] = '/';
    }
  }
  return fd;
}

struct mount_opts {
  unsigned long flags;       /* applied with the mount (or the bind remount) */
  unsigned long clear;       /* flags explicitly turned off ("rw", "suid"...) */
  unsigned long propagation; /* MS_PRIVATE|MS_REC... applied after */
  bool bind, rbind;
  char data[4096];
};

static const struct {
  const char *name;
  bool clear;
  unsigned long flag;
} flag_table[] = {
    {"ro", false, MS_RDONLY},           {"rw", true, MS_RDONLY},           {"nosuid", false, MS_NOSUID},
    {"suid", true, MS_NOSUID},          {"nodev", false, MS_NODEV},        {"dev", true, MS_NODEV},
    {"noexec", false, MS_NOEXEC},       {"exec", true, MS_NOEXEC},         {"sync", false, MS_SYNCHRONOUS},
    {"async", true, MS_SYNCHRONOUS},    {"dirsync", false, MS_DIRSYNC},    {"noatime", false, MS_NOATIME},
    {"atime", true, MS_NOATIME},        {"nodiratime", false, MS_NODIRATIME}, {"diratime", true, MS_NODIRATIME},
    {"relatime", false, MS_RELATIME},   {"norelatime", true, MS_RELATIME}, {"strictatime", false, MS_STRICTATIME},
    {"nostrictatime", true, MS_STRICTATIME}, {"mand", false, MS_MANDLOCK}, {"nomand", true, MS_MANDLOCK},
};

static const struct {
  const char *name;
  unsigned long flag;
} propagation_table[] = {
    {"private", MS_PRIVATE},         {"rprivate", MS_PRIVATE | MS_REC},       {"shared", MS_SHARED},
    {"rshared", MS_SHARED | MS_REC}, {"slave", MS_SLAVE},                     {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE},   {"runbindable", MS_UNBINDABLE | MS_REC},
};

static void parse_options(char **options, struct mount_opts *o) {
  memset(o, 0, sizeof *o);
  size_t used = 0;
  for (char **p = options; p && *p; p++) {
    const char *opt = *p;
    bool known = false;
    for (size_t i = 0; !known && i < sizeof flag_table / sizeof flag_table[0]; i++) {
      if (strcmp(opt, flag_table[i].name) != 0)
        continue;
      known = true;
      if (flag_table[i].clear) {
        o->flags &= ~flag_table[i].flag;
        o->clear |= flag_table[i].flag;
      } else {
        o->flags |= flag_table[i].flag;
      }
    }
    for (size_t i = 0; !known && i < sizeof propagation_table / sizeof propagation_table[0]; i++)
      if (strcmp(opt, propagation_table[i].name) == 0) {
        known = true;
        o->propagation = propagation_table[i].flag;
      }
    if (known)
      continue;
    if (strcmp(opt, "bind") == 0) {
      o->bind = true;
    } else if (strcmp(opt, "rbind") == 0) {
      o->bind = o->rbind = true;
    } else if (strncmp(opt, "x-", 2) == 0 || strcmp(opt, "tmpcopyup") == 0 || strcmp(opt, "defaults") == 0) {
      /* userspace-only hints: nothing for the kernel */
    } else {
      used += (size_t)snprintf(o->data + used, sizeof o->data - used, "%s%s", used ? "," : "", opt);
      if (used >= sizeof o->data)
        used = sizeof o->data - 1;
    }
  }
}

bool mount_list_has(const struct spec *s, const char *destination) {
  for (size_t i = 0; i < s->n_mounts; i++) {
    const char *d = s->mounts[i].destination;
    while (d[0] == '/' && d[1] == '/')
      d++;
    size_t n = strlen(d);
    while (n > 1 && d[n - 1] == '/')
      n--;
    if (strlen(destination) == n && strncmp(d, destination, n) == 0)
      return true;
  }
  return false;
}

int remount_bind(const char *target, unsigned long flags, struct berr *e) {
  struct statvfs sv;
  if (statvfs(target, &sv) < 0)
    return berr_sys(e, errno, "statvfs '%s'", target);
  unsigned long locked = 0;
  if (sv.f_flag & ST_NOSUID)
    locked |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV)
    locked |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC)
    locked |= MS_NOEXEC;
  if (sv.f_flag & ST_NOATIME)
    locked |= MS_NOATIME;
  if (sv.f_flag & ST_NODIRATIME)
    locked |= MS_NODIRATIME;
  if (sv.f_flag & ST_RELATIME)
    locked |= MS_RELATIME;
  if (mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | flags | locked, NULL) < 0)
    return berr_sys(e, errno, "remount '%s'", target);
  return 0;
}

/* Binds only; the flags come with a remount once the new mount is reachable (an fd of
 * the mount point still names the covered directory, not the new mount's root). */
static int do_bind(const char *source, const char *target, const struct mount_opts *o, unsigned long *remount,
                   struct berr *e) {
  if (mount(source, target, NULL, MS_BIND | (o->rbind ? MS_REC : 0), NULL) < 0)
    return berr_sys(e, errno, "bind mount '%s'", source);
  *remount = o->flags & ~(unsigned long)MS_REC;
  return 0;
}

/* Mounts a fresh filesystem, with the fallbacks a rootless container needs. */
/* Fallbacks are documented in native/README.md rather than reported per run: they are
 * the expected path for rootless containers that share the host's network. */
static int do_mount_fs(const struct mount_spec *m, const char *target, struct mount_opts *o, const struct mount_ctx *ctx,
                       unsigned long *remount, struct berr *e) {
  const char *type = m->type;
  const char *source = m->source ? m->source : type;
  if (strcmp(type, "cgroup") == 0 || strcmp(type, "cgroup2") == 0) {
    /* v1 hierarchies cannot be mounted in a user namespace; show the host's, read-only. */
    if (ctx->cgroup_version == 2 && mount("cgroup2", target, "cgroup2", o->flags, NULL) == 0)
      return 0;
    struct mount_opts b = {.flags = o->flags | MS_RDONLY, .rbind = true, .bind = true};
    return do_bind("/sys/fs/cgroup", target, &b, remount, e);
  }
  if (mount(source, target, type, o->flags, o->data[0] ? o->data : NULL) == 0)
    return 0;
  int err = errno;
  if (strcmp(type, "sysfs") == 0 && (err == EPERM || err == EACCES)) {
    /* sysfs in a user namespace needs its own network namespace; crun's fallback:
     * the host's /sys, recursively bound and read-only. */
    struct mount_opts b = {.flags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, .rbind = true, .bind = true};
    return do_bind("/sys", target, &b, remount, e);
  }
  if (strcmp(type, "mqueue") == 0 && (err == EPERM || err == EACCES)) {
    struct mount_opts b = {.flags = o->flags, .rbind = true, .bind = true};
    return do_bind("/dev/mqueue", target, &b, remount, e);
  }
  if (strcmp(type, "devpts") == 0 && err == EINVAL && strstr(o->data, "gid=")) {
    /* gid=5 fails when the user namespace maps no group 5: drop the option. */
    char data[sizeof o->data];
    size_t used = 0;
    _cleanup_free_ char *copy = xstrdup(o->data);
    char *save = NULL;
    for (char *opt = strtok_r(copy, ",", &save); opt; opt = strtok_r(NULL, ",", &save))
      if (strncmp(opt, "gid=", 4) != 0)
        used += (size_t)snprintf(data + used, sizeof data - used, "%s%s", used ? "," : "", opt);
    data[used < sizeof data ? used : sizeof data - 1] = '\0';
    if (mount(source, target, type, o->flags, data) == 0)
      return 0;
    err = errno;
  }
  return berr_sys(e, err, "mount %s", type);
}

int mount_entry(int rootfd, const struct mount_spec *m, const struct mount_ctx *ctx, struct berr *e) {
  struct mount_opts o;
  parse_options(m->options, &o);
  bool bind = o.bind || strcmp(m->type, "bind") == 0 || strcmp(m->type, "rbind") == 0;
  if (strcmp(m->type, "rbind") == 0)
    o.rbind = true;
  _cleanup_free_ char *source = NULL;
  int create = CREATE_DIR;
  if (bind) {
    if (m->source == NULL)
      return berr_code(e, "invalid-argument", "bind mount on '%s' has no source", m->destination);
    source = m->source[0] == '/' || ctx->bundle == NULL ? xstrdup(m->source) : xasprintf("%s/%s", ctx->bundle, m->source);
    struct stat st;
    if (stat(source, &st) < 0)
      return berr_sys(e, errno, "bind mount source '%s'", source);
    if (!S_ISDIR(st.st_mode))
      create = CREATE_FILE;
  }
  _cleanup_fd_ int fd = open_in_root(rootfd, m->destination, create, e);
  if (fd < 0)
    return berr_wrap(e, "mount %s on '%s'", m->type, m->destination);
  char target[64];
  snprintf(target, sizeof target, "/proc/self/fd/%d", fd);
  unsigned long remount = 0;
  int r = bind ? do_bind(source, target, &o, &remount, e) : do_mount_fs(m, target, &o, ctx, &remount, e);
  if (r < 0)
    return berr_wrap(e, "on '%s'", m->destination);
  if (remount == 0 && o.propagation == 0)
    return 0;
  /* The new mount sits on top of fd's directory: reopen to reach it. */
  _cleanup_fd_ int top = open_in_root(rootfd, m->destination, CREATE_NONE, e);
  if (top < 0)
    return -1;
  snprintf(target, sizeof target, "/proc/self/fd/%d", top);
  if (remount && remount_bind(target, remount, e) < 0)
    return berr_wrap(e, "mount %s on '%s'", m->type, m->destination);
  if (o.propagation && mount(NULL, target, NULL, o.propagation, NULL) < 0)
    return berr_sys(e, errno, "set propagation of '%s'", m->destination);
  return 0;
}
