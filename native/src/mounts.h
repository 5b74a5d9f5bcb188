/* Mounting the entries of config.json's `mounts` inside the new root. Targets are
 * opened with openat2(RESOLVE_IN_ROOT) and mounted through /proc/self/fd, so a symlink
 * in the image can never redirect a mount onto the host. */
#ifndef BERTH_MOUNTS_H
#define BERTH_MOUNTS_H

#include <stdbool.h>

#include "spec.h"

enum { CREATE_NONE, CREATE_DIR, CREATE_FILE };

struct mount_ctx {
  const char *bundle;
  int cgroup_version; /* 2 when /sys/fs/cgroup is cgroup2, else 1 */
};

/* An O_PATH fd for `path` (leading '/' allowed) resolved inside rootfd; `..` refused. */
int open_in_root(int rootfd, const char *path, int create, struct berr *e);
int mount_entry(int rootfd, const struct mount_spec *m, const struct mount_ctx *ctx, struct berr *e);
/* Re-applies `flags` to a bind mount, keeping the flags the kernel locks in a user
 * namespace (nosuid, nodev, noexec, atime) or the remount fails with EPERM. */
int remount_bind(const char *target, unsigned long flags, struct berr *e);
bool mount_list_has(const struct spec *s, const char *destination);

#endif
