/* run and exec: validate the request and start a detached monitor, which answers the
 * client on its connection (with `attach`, the connection then carries attach frames). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "monitor.h"
#include "ops.h"
#include "proto.h"
#include "util.h"

/* The monitor is this handler's child in a session of its own: killing the daemon or
 * the client leaves it running, and once the handler has left (right away), it is
 * init's (or a subreaper's) child. It answers the client itself: a handler relaying the
 * answer would cost the start a scheduling round, more on a busy machine; so would a
 * double fork. */
static int spawn_monitor(int conn, const struct monitor_opts *o, struct berr *e) {
  pid_t pid = fork();
  if (pid < 0)
    return berr_sys(e, errno, "fork the monitor");
  if (pid == 0) {
    setsid();
    /* Keep only stdio (stderr is the daemon's log) and the client's connection. */
    if (dup2(conn, 3) < 0)
      _exit(1);
    close_range(4, ~0U, 0);
    monitor_main(o, 3);
  }
  return 0;
}

/* Ids become path components: nothing that could climb out of the state dir. */
static const char *req_id(json_t *req, const char *key, struct berr *e) {
  const char *id = req_string(req, key, e);
  if (id == NULL)
    return NULL;
  if (strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != strlen(id) || strlen(id) > 128) {
    berr_code(e, "invalid-argument", "request field \"%s\" must be letters, digits, '_' or '-' (at most 128), got '%s'", key, id);
    return NULL;
  }
  return id;
}

static int common_fields(json_t *req, struct monitor_opts *o, struct berr *e) {
  o->tty = req_bool(req, "tty");
  o->stdin_open = req_bool(req, "stdin");
  o->wait_attach = req_bool(req, "waitAttach");
  o->attach = req_bool(req, "attach");
  if (json_object_get(req, "runtime") && req_absolute_path(req, "runtime", &o->runtime, e) < 0)
    return -1;
  return 0;
}

int op_run(int conn, json_t *req, struct berr *e) {
  struct monitor_opts o = {0};
  if (common_fields(req, &o, e) < 0)
    return -1;
  o.events = req_opt_string(req, "events");
  if ((o.id = req_id(req, "id", e)) == NULL || req_absolute_path(req, "bundle", &o.bundle, e) < 0 ||
      req_absolute_path(req, "state", &o.state, e) < 0)
    return -1;
  if (o.events && o.events[0] != '/')
    return berr_code(e, "invalid-argument", "request field \"events\" must be an absolute path, got '%s'", o.events);
  return spawn_monitor(conn, &o, e);
}

int op_exec(int conn, json_t *req, struct berr *e) {
  struct monitor_opts o = {0};
  if (common_fields(req, &o, e) < 0)
    return -1;
  if ((o.id = req_id(req, "id", e)) == NULL || (o.exec_id = req_id(req, "execId", e)) == NULL ||
      req_absolute_path(req, "state", &o.state, e) < 0)
    return -1;
  json_int_t pid = json_integer_value(json_object_get(req, "pid"));
  if (pid <= 0)
    return berr_code(e, "invalid-argument", "request field \"pid\" must be the container's init pid (a positive integer)");
  o.target_pid = (pid_t)pid;
  if (kill(o.target_pid, 0) < 0 && errno == ESRCH)
    return berr_code(e, "failed-precondition", "the container's process %lld is gone: the container has exited", (long long)pid);
  struct process_spec process;
  if (spec_parse_process(json_object_get(req, "process"), &process, e) < 0)
    return berr_wrap(e, "request field \"process\"");
  o.process = &process;
  int r = spawn_monitor(conn, &o, e);
  process_spec_free(&process);
  return r;
}
