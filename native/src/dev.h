/* A minimal /dev: the OCI default devices bind-mounted from the host (mknod is not
 * allowed in a user namespace, and a bind works the same as root), the usual symlinks,
 * and devpts/shm when the spec does not mount them. */
#ifndef BERTH_DEV_H
#define BERTH_DEV_H

#include "spec.h"

int dev_setup(int rootfd, const struct spec *s, struct berr *e);
/* After pivot_root: a pty from the container's devpts. Returns the master; the slave
 * becomes stdio, the controlling terminal and (when `console`) /dev/console. */
int dev_open_pty(int *slave, struct berr *e);
int dev_bind_console(int slave, struct berr *e);

#endif
