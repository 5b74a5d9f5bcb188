/* The tree op: one directory tree (an upper dir, a running container's root, or a stopped
 * container's overlay mounted for the occasion) served to Node over the request's
 * connection by a process that is root of a user namespace holding the container's ids.
 * Rootless, Node runs as container root only: files of the container's other users that
 * their modes keep from others (a 0700 home, apt's partial/, a 0640 shadow) are out of its
 * reach, and this is how it reads and writes them, the way `podman unshare` works.
 *
 * After the JSON answer to the request, both sides speak frames: [type u8][length u32
 * big-endian][payload]. Each request frame gets exactly one answer frame; a read's data
 * frames come before its answer, a write's data frames follow its request and end with an
 * end frame. See native/README.md ("tree"). */
#ifndef BERTH_TREE_H
#define BERTH_TREE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

enum tree_frame { TREE_JSON = 1, TREE_DATA = 2, TREE_END = 3 };

#define TREE_DATA_MAX (1u << 20)

struct tree_conn {
  int conn;
  int rootfd; /* O_PATH */
};

/* 1: a frame (*payload NUL-terminated, the caller frees it); 0: the peer closed; -1: error. */
int tree_frame_read(int fd, uint8_t *type, char **payload, size_t *len, struct berr *e);
int tree_frame_write(int fd, uint8_t type, const void *payload, size_t len, struct berr *e);

/* tree_fs.c: carries out one request; `reply` starts as {"ok":true}. */
int tree_request(struct tree_conn *t, json_t *req, json_t *reply, struct berr *e);

#endif
