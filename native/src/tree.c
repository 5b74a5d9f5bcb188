/* tree: sets up the root and the user namespace, answers the request, then serves the
 * tree's requests (./tree_fs.c) until the client closes the connection. */
#include "tree.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "ops.h"
#include "proto.h"
#include "spec.h"
#include "userns.h"
#include "util.h"

#define TREE_JSON_MAX (64u << 20)

int tree_frame_read(int fd, uint8_t *type, char **payload, size_t *len, struct berr *e) {
  unsigned char head[5];
  ssize_t n = read_all(fd, head, sizeof head);
  if (n == 0)
    return 0;
  if (n != (ssize_t)sizeof head)
    return n < 0 ? berr_sys(e, errno, "read a frame") : berr_code(e, "invalid-argument", "the connection ended inside a frame");
  uint32_t size;
  memcpy(&size, head + 1, sizeof size);
  size = ntohl(size);
  *type = head[0];
  if (size > (*type == TREE_JSON ? TREE_JSON_MAX : TREE_DATA_MAX))
    return berr_code(e, "invalid-argument", "a frame of %u bytes is over the limit", size);
  *payload = xmalloc(size + 1);
  if (read_all(fd, *payload, size) != (ssize_t)size) {
    free(*payload);
    *payload = NULL;
    return berr_code(e, "invalid-argument", "the connection ended inside a frame");
  }
  (*payload)[size] = '\0';
  *len = size;
  return 1;
}

int tree_frame_write(int fd, uint8_t type, const void *payload, size_t len, struct berr *e) {
  unsigned char head[5] = {type};
  uint32_t size = htonl((uint32_t)len);
  memcpy(head + 1, &size, sizeof size);
  if (write_all(fd, head, sizeof head) < 0 || write_all(fd, payload, len) < 0)
    return berr_sys(e, errno, "write a frame");
  return 0;
}

static int send_json(int fd, json_t *obj, struct berr *e) {
  _cleanup_json_ json_t *owned = obj;
  _cleanup_free_ char *text = json_dumps(owned, JSON_COMPACT);
  if (text == NULL)
    return berr_code(e, "internal", "encode an answer");
  return tree_frame_write(fd, TREE_JSON, text, strlen(text), e);
}

/* Requests until the client closes; 0 then, -1 when the connection broke. */
static int serve(struct tree_conn *t) {
  for (;;) {
    struct berr e;
    berr_clear(&e);
    uint8_t type;
    _cleanup_free_ char *payload = NULL;
    size_t len;
    int r = tree_frame_read(t->conn, &type, &payload, &len, &e);
    if (r <= 0)
      return r;
    if (type != TREE_JSON)
      return -1; /* out of step with the client: nothing it sends now can be trusted */
    json_error_t jerr;
    _cleanup_json_ json_t *req = json_loadb(payload, len, JSON_REJECT_DUPLICATES, &jerr);
    json_t *reply = proto_ok();
    if (!json_is_object(req))
      berr_code(&e, "invalid-argument", "a tree request is not a JSON object: %s", req ? "wrong type" : jerr.text);
    if (json_is_object(req) && tree_request(t, req, reply, &e) == 0) {
      if (send_json(t->conn, reply, &e) < 0)
        return -1;
      continue;
    }
    json_decref(reply);
    if (send_json(t->conn, proto_error(&e), &e) < 0)
      return -1;
  }
}

struct setup {
  int conn;
  int rootfd;
  const char *target;  /* overlay: the mount point */
  char *overlay;       /* overlay: the mount options */
};

/* A stopped container's overlay, mounted in a mount namespace of our own: it goes away
 * with this process, and the kernel does overlay's copy-ups, whiteouts and opaque
 * directories exactly as in the running container. */
static int mount_overlay(struct setup *s, struct berr *e) {
  if (unshare(CLONE_NEWNS) < 0)
    return berr_sys(e, errno, "unshare a mount namespace");
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    return berr_sys(e, errno, "make '/' private");
  if (mount("overlay", s->target, "overlay", 0, s->overlay) < 0)
    return berr_sys(e, errno, "mount the container's overlay on '%s'", s->target);
  s->rootfd = TEMP_FAILURE_RETRY(open(s->target, O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (s->rootfd < 0)
    return berr_sys(e, errno, "open '%s'", s->target);
  return 0;
}

/* Runs as root of the user namespace: set-up failures are the request's error; after the
 * answer, whatever happens is the connection's business. */
static int run_tree(void *arg, struct berr *e) {
  struct setup *s = arg;
  if (s->overlay && mount_overlay(s, e) < 0)
    return -1;
  /* Modes are exactly what the client asks for. */
  umask(0);
  if (proto_send(s->conn, proto_ok(), e) < 0)
    return 0;
  struct tree_conn t = {.conn = s->conn, .rootfd = s->rootfd};
  serve(&t);
  return 0;
}

static char *overlay_options(json_t *overlay, const char **target, struct berr *e) {
  if (req_absolute_path(overlay, "target", target, e) < 0)
    return NULL;
  json_t *options = json_object_get(overlay, "options");
  size_t i, len = 0;
  json_t *o;
  char *data = xstrdup("");
  json_array_foreach(options, i, o) {
    const char *v = json_string_value(o);
    if (v == NULL || strchr(v, ',')) {
      free(data);
      berr_code(e, "invalid-argument", "overlay.options[%zu] must be a string without ','", i);
      return NULL;
    }
    char *next = xasprintf("%s%s%s", data, len ? "," : "", v);
    free(data);
    data = next;
    len = strlen(data);
  }
  if (len == 0 || len >= 4096) {
    free(data);
    berr_code(e, "invalid-argument", "overlay.options must be a list of 1 to 4095 bytes in all");
    return NULL;
  }
  return data;
}

/* The root as the daemon's user opens it: a running container's /proc/<pid>/root is out
 * of the user namespace's reach (fixup.c does the same). */
static int open_root(json_t *req, struct setup *s, struct berr *e) {
  json_t *pid = json_object_get(req, "pid");
  json_t *overlay = json_object_get(req, "overlay");
  const char *path = req_opt_string(req, "path");
  if ((pid != NULL) + (overlay != NULL) + (path != NULL) != 1)
    return berr_code(e, "invalid-argument", "a tree request needs exactly one of path, pid and overlay");
  if (overlay) {
    s->overlay = overlay_options(overlay, &s->target, e);
    return s->overlay ? 0 : -1;
  }
  _cleanup_free_ char *proc = NULL;
  if (pid) {
    if (!json_is_integer(pid) || json_integer_value(pid) <= 0)
      return berr_code(e, "invalid-argument", "pid must be a positive integer");
    proc = xasprintf("/proc/%lld/root", (long long)json_integer_value(pid));
    path = proc;
  } else if (path[0] != '/') {
    return berr_code(e, "invalid-argument", "path must be absolute, got '%s'", path);
  }
  s->rootfd = TEMP_FAILURE_RETRY(open(path, O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (s->rootfd < 0)
    return berr_sys(e, errno, "open '%s'", path);
  return 0;
}

void op_tree(int conn, json_t *req) {
  struct berr e;
  berr_clear(&e);
  struct setup s = {.conn = conn, .rootfd = -1};
  struct idmaps uids = {0}, gids = {0};
  if (req_maps(req, &uids, &gids, &e) < 0 || open_root(req, &s, &e) < 0 || userns_run(&uids, &gids, run_tree, &s, &e) < 0)
    proto_send(conn, proto_error(&e), &e);
  _exit(0);
}
