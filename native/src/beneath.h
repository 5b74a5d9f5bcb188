/* Paths resolved beneath a root directory fd with no symlink followed anywhere: what the
 * ops that touch a layer or a container's tree for Node (fixup, tree) use, so a symlink a
 * container planted can never send them outside its root. */
#ifndef BERTH_BENEATH_H
#define BERTH_BENEATH_H

#include "error.h"

/* The directory holding `rel` (relative, no `..`) beneath rootfd, as an O_PATH fd; *name
 * is its last component. `rel` is modified while the call runs and restored after. */
int beneath_open_parent(int rootfd, char *rel, const char **name, struct berr *e);
/* `rel` itself ("." for the root), opened with `flags` | O_NOFOLLOW. */
int beneath_open(int rootfd, char *rel, int flags, struct berr *e);

#endif
