#include "rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

#include "dev.h"
#include "util.h"

int cgroup_fs_version(void) {
  struct statfs sf;
  if (statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
    return 2;
  return 1;
}

static bool is_root_overlay(const struct mount_spec *m) {
  return strcmp(m->destination, "/") == 0 && strcmp(m->type, "overlay") == 0;
}

static int mount_root_overlay(const struct spec *s, const struct mount_spec *m, struct berr *e) {
  _cleanup_free_ char *data = NULL;
  size_t len = 0;
  unsigned long flags = 0;
  for (char **o = m->options; *o; o++) {
    if (strcmp(*o, "ro") == 0) {
      flags |= MS_RDONLY;
      continue;
    }
    if (strcmp(*o, "rw") == 0)
      continue;
    size_t add = strlen(*o) + 2;
    data = xrealloc(data, len + add);
    len += (size_t)sprintf(data + len, "%s%s", len ? "," : "", *o);
  }
  if (len >= 4096)
    return berr_code(e, "invalid-argument", "overlay options for '/' are %zu bytes; the kernel takes at most 4095 (use shorter layer paths)", len);
  if (mount(m->source ? m->source : "overlay", s->root_path, "overlay", flags, data) < 0)
    return berr_sys(e, errno, "mount overlay on '%s' (%s)", s->root_path, data ? data : "");
  return 0;
}

static unsigned long root_propagation(const struct spec *s) {
  const char *p = s->rootfs_propagation;
  if (p == NULL)
    return MS_REC | MS_PRIVATE;
  if (strstr(p, "slave"))
    return MS_REC | MS_SLAVE;
  if (strstr(p, "shared"))
    return MS_REC | MS_SHARED;
  return MS_REC | MS_PRIVATE;
}

int rootfs_prepare(const struct spec *s, const struct mount_ctx *ctx, struct berr *e) {
  /* Nothing we mount may propagate back to the host. */
  if (mount(NULL, "/", NULL, root_propagation(s) & MS_SHARED ? MS_REC | MS_SLAVE : root_propagation(s), NULL) < 0)
    return berr_sys(e, errno, "make '/' private");
  for (size_t i = 0; i < s->n_mounts; i++)
    if (is_root_overlay(&s->mounts[i]) && mount_root_overlay(s, &s->mounts[i], e) < 0)
      return -1;
  /* pivot_root needs the new root to be a mount point. */
  if (mount(s->root_path, s->root_path, NULL, MS_BIND | MS_REC, NULL) < 0)
    return berr_sys(e, errno, "bind '%s' onto itself", s->root_path);
  _cleanup_fd_ int rootfd = TEMP_FAILURE_RETRY(open(s->root_path, O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (rootfd < 0)
    return berr_sys(e, errno, "open rootfs '%s'", s->root_path);
  for (size_t i = 0; i < s->n_mounts; i++) {
    if (is_root_overlay(&s->mounts[i]))
      continue;
    if (mount_entry(rootfd, &s->mounts[i], ctx, e) < 0)
      return -1;
  }
  if (dev_setup(rootfd, s, e) < 0)
    return -1;
  return 0;
}

int rootfs_pivot(const char *root, struct berr *e) {
  _cleanup_fd_ int newroot = TEMP_FAILURE_RETRY(open(root, O_DIRECTORY | O_RDONLY | O_CLOEXEC));
  if (newroot < 0)
    return berr_sys(e, errno, "open '%s'", root);
  if (fchdir(newroot) < 0)
    return berr_sys(e, errno, "chdir '%s'", root);
  /* pivot_root(".", "."): the old root ends up stacked under the new one, where a lazy
   * unmount drops it without needing a directory to park it in. */
  if (syscall(SYS_pivot_root, ".", ".") < 0)
    return berr_sys(e, errno, "pivot_root '%s'", root);
  /* The old root may be shared with the host: stop propagation before detaching. */
  if (mount(NULL, ".", NULL, MS_REC | MS_SLAVE, NULL) < 0)
    return berr_sys(e, errno, "make old root a slave");
  if (umount2(".", MNT_DETACH) < 0)
    return berr_sys(e, errno, "unmount old root");
  if (chdir("/") < 0)
    return berr_sys(e, errno, "chdir '/'");
  return 0;
}

static int mask_path(const char *path, struct berr *e) {
  struct stat st;
  if (lstat(path, &st) < 0) {
    if (errno == ENOENT)
      return 0;
    return berr_sys(e, errno, "mask '%s'", path);
  }
  int r = S_ISDIR(st.st_mode) ? mount("tmpfs", path, "tmpfs", MS_RDONLY, "size=0k")
                              : mount("/dev/null", path, NULL, MS_BIND, NULL);
  if (r < 0 && errno != ENOENT)
    return berr_sys(e, errno, "mask '%s'", path);
  return 0;
}

static int readonly_path(const char *path, struct berr *e) {
  if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) {
    if (errno == ENOENT)
      return 0;
    return berr_sys(e, errno, "bind '%s' read-only", path);
  }
  if (remount_bind(path, MS_RDONLY, e) < 0)
    return berr_wrap(e, "read-only path");
  return 0;
}

static int write_sysctl(const struct sysctl_spec *kv, struct berr *e) {
  _cleanup_free_ char *path = xasprintf("/proc/sys/%s", kv->key);
  for (char *p = path + strlen("/proc/sys/"); *p; p++)
    if (*p == '.')
      *p = '/';
  if (write_file_at(AT_FDCWD, path, kv->value, strlen(kv->value), e) < 0)
    return berr_wrap(e, "sysctl %s=%s", kv->key, kv->value);
  return 0;
}

int rootfs_finish(const struct spec *s, struct berr *e) {
  /* sysctls first: /proc/sys becomes read-only below. */
  for (size_t i = 0; i < s->n_sysctl; i++)
    if (write_sysctl(&s->sysctl[i], e) < 0)
      return -1;
  for (char **p = s->masked; *p; p++)
    if (mask_path(*p, e) < 0)
      return -1;
  for (char **p = s->readonly; *p; p++)
    if (readonly_path(*p, e) < 0)
      return -1;
  return 0;
}

int rootfs_make_readonly(struct berr *e) {
  if (remount_bind("/", MS_RDONLY, e) < 0)
    return berr_wrap(e, "make root read-only");
  return 0;
}
