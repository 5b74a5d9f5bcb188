/* User namespace id maps: written directly when the kernel lets us (root, or one
 * mapping of our own id), else through the setuid newuidmap/newgidmap helpers that
 * check /etc/subuid and /etc/subgid. */
#ifndef BERTH_USERNS_H
#define BERTH_USERNS_H

#include <stdbool.h>
#include <sys/types.h>

#include "spec.h"

/* Called in the parent once `pid` sits in its new user namespace. Empty maps mean
 * "map container root to me", the minimal rootless mapping. */
int userns_write_maps(pid_t pid, const struct idmaps *uids, const struct idmaps *gids, struct berr *e);
/* True when /proc/self/setgroups says "deny" (a rootless single-id user namespace). */
bool userns_setgroups_denied(void);
/* Runs fn in a forked child that is root of a new user namespace with these maps
 * (newuidmap/newgidmap for ranges), so it can own and remove subordinate-id files
 * without privileges; with no maps, fn runs here, as we are. */
int userns_run(const struct idmaps *uids, const struct idmaps *gids, int (*fn)(void *arg, struct berr *e), void *arg,
               struct berr *e);
/* Becomes root of the user namespace we were just placed in. */
int userns_become_root(struct berr *e);

#endif
