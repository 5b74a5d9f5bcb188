/* run and exec: validate the request, start a detached monitor, answer with its
 * set-up report. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "monitor.h"
#include "ops.h"
#include "proto.h"
#include "util.h"

/* Reads the monitor's one-line report: its fields join the reply, or it is the error. */
static int read_report(int fd, json_t *reply, struct berr *e) {
  struct linebuf lb = {0};
  _cleanup_free_ char *line = NULL;
  int r = proto_read_line(fd, &lb, &line, e);
  linebuf_free(&lb);
  if (r <= 0)
    return r < 0 ? -1 : berr_code(e, "internal", "the container monitor exited during set-up (see the helper log)");
  _cleanup_json_ json_t *report = json_loads(line, 0, NULL);
  if (json_is_true(json_object_get(report, "ok"))) {
    json_object_update(reply, report);
    return 0;
  }
  json_t *err = json_object_get(report, "error");
  const char *code = json_string_value(json_object_get(err, "code"));
  const char *msg = json_string_value(json_object_get(err, "message"));
  return berr_relay(e, code ? code : "internal", msg ? msg : "the container monitor failed without a message",
                    (int)json_integer_value(json_object_get(err, "exitCode")));
}

/* The monitor is this handler's child in a session of its own: killing the daemon or
 * the client leaves it running, and once the handler has answered and left (the client
 * sends one request per connection), it is init's (or a subreaper's) child. No double
 * fork: every process on the way costs the start a scheduling round, more on a busy
 * machine. */
static int spawn_monitor(const struct monitor_opts *o, json_t *reply, struct berr *e) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0)
    return berr_sys(e, errno, "pipe");
  pid_t pid = fork();
  if (pid < 0) {
    close(p[0]);
    close(p[1]);
    return berr_sys(e, errno, "fork the monitor");
  }
  if (pid == 0) {
    setsid();
    /* Keep only stdio (stderr is the daemon's log) and the report pipe. */
    if (dup2(p[1], 3) < 0)
      _exit(1);
    close_range(4, ~0U, 0);
    monitor_main(o, 3);
  }
  close(p[1]);
  _cleanup_fd_ int rd = p[0];
  return read_report(rd, reply, e);
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

static void common_flags(json_t *req, struct monitor_opts *o) {
  o->tty = req_bool(req, "tty");
  o->stdin_open = req_bool(req, "stdin");
  o->wait_attach = req_bool(req, "waitAttach");
}

int op_run(json_t *req, json_t *reply, struct berr *e) {
  struct monitor_opts o = {0};
  common_flags(req, &o);
  o.events = req_opt_string(req, "events");
  if ((o.id = req_id(req, "id", e)) == NULL || req_absolute_path(req, "bundle", &o.bundle, e) < 0 ||
      req_absolute_path(req, "state", &o.state, e) < 0)
    return -1;
  if (o.events && o.events[0] != '/')
    return berr_code(e, "invalid-argument", "request field \"events\" must be an absolute path, got '%s'", o.events);
  return spawn_monitor(&o, reply, e);
}

int op_exec(json_t *req, json_t *reply, struct berr *e) {
  struct monitor_opts o = {0};
  common_flags(req, &o);
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
  int r = spawn_monitor(&o, reply, e);
  process_spec_free(&process);
  return r;
}
