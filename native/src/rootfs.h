/* The container's root: private propagation, the rootfs overlay, every mount,
 * pivot_root, then masked and read-only paths and sysctls. */
#ifndef BERTH_ROOTFS_H
#define BERTH_ROOTFS_H

#include "mounts.h"
#include "spec.h"

/* Before pivot_root, with host paths: returns an O_PATH fd of the bound rootfs. */
int rootfs_prepare(const struct spec *s, const struct mount_ctx *ctx, struct berr *e);
int rootfs_pivot(const char *root, struct berr *e);
/* After pivot_root. */
int rootfs_finish(const struct spec *s, struct berr *e);
int rootfs_make_readonly(struct berr *e);
int cgroup_fs_version(void);

#endif
