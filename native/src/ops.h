/* The requests the daemon serves besides ping and shutdown. Each op reads its fields
 * from `req` and adds its results to `reply` ({"ok":true}); failures go to `e`. */
#ifndef BERTH_OPS_H
#define BERTH_OPS_H

#include <jansson.h>

#include "error.h"
#include "spec.h"

/* container_ops.c: the handler becomes the monitor of a container or an exec session,
 * which answers on `conn`; these return only when the request is refused. */
int op_run(int conn, json_t *req, struct berr *e);
int op_exec(int conn, json_t *req, struct berr *e);
/* fixup.c: apply a layer's fixup records. */
int op_fixup(json_t *req, json_t *reply, struct berr *e);
/* Sets the owner of `rel` beneath rootfd, then `mode` again (chown clears set-id bits). */
int fixup_chown(int rootfd, unsigned uid, unsigned gid, unsigned mode, char *rel, struct berr *e);
/* rmtree.c: remove a tree that may hold files of subordinate ids. */
int op_rmtree(json_t *req, json_t *reply, struct berr *e);
/* Removes `name` in dirfd, a whole tree if it is a directory; `path` names it in errors. */
int rmtree_at(int dirfd, const char *name, const char *path, struct berr *e);
/* opaque.c: list the opaque directories of an overlay upper dir. */
int op_opaque(json_t *req, json_t *reply, struct berr *e);
/* The opaque directories below the directory fd (taken over), relative to it; `root` names it in errors. */
int opaque_dirs_at(int fd, const char *root, bool userxattr, json_t *dirs, struct berr *e);
/* tree.c: serve one directory tree on the connection, as root of the container's ids;
 * answers the request itself and never returns. */
__attribute__((noreturn)) void op_tree(int conn, json_t *req);
/* freezer.c: a freezer cgroup for a running container that has none. */
int op_freezer(json_t *req, json_t *reply, struct berr *e);
/* The optional uidMappings/gidMappings pair of fixup and rmtree. */
int req_maps(json_t *req, struct idmaps *uids, struct idmaps *gids, struct berr *e);

#endif
