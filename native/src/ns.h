/* Namespaces: which to create when cloning the container process, which to join by
 * path, and joining a running container's set for exec. */
#ifndef BERTH_NS_H
#define BERTH_NS_H

#include <sys/types.h>

#include "spec.h"

/* The CLONE_NEW* flags to create at clone time. The cgroup namespace is left out: it
 * is unshared later, once the monitor has moved the child into its cgroup. */
int ns_clone_flags(const struct spec *s, struct berr *e);
/* fork() with namespace flags; the child returns 0 (no new stack: we are single-threaded). */
pid_t ns_clone(int flags);
/* setns() for each namespace given by path (network, ipc, uts, mount, cgroup). */
int ns_join_paths(const struct spec *s, struct berr *e);
/* A new network namespace starts with `lo` down; Docker's containers have it up. */
int ns_loopback_up(struct berr *e);
/* Joins every namespace of `pid` that differs from ours: user first (it owns the rest),
 * pid last (it takes effect for our children only). Sets *joined_user. */
int ns_join_process(pid_t pid, int *joined_user, struct berr *e);

#endif
