/* run and exec: validate the request, and the handler becomes the monitor, which
 * answers the client on its connection (with `attach`, the connection then carries
 * attach frames). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "monitor.h"
#include "ops.h"
#include "proto.h"
#include "util.h"

/* The handler (a process of its own already, the daemon's child) becomes the monitor, in
 * a session of its own: killing the daemon or the client leaves it running, and if the
 * daemon leaves first, it is init's (or a subreaper's) child. No fork, no relay: every
 * process on the way costs the start a scheduling round, more on a busy machine. */
__attribute__((noreturn)) static void become_monitor(int conn, const struct monitor_opts *o) {
  setsid();
  /* Keep only stdio (stderr is the daemon's log) and the client's connection: above all
   * not the daemon's lock, which a long-lived monitor would keep from its successor. */
  if (dup2(conn, 3) < 0)
    _exit(1);
  close_range(4, ~0U, 0);
  monitor_main(o, 3);
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
  become_monitor(conn, &o);
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
  become_monitor(conn, &o);
}
