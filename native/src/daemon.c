#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "ops.h"
#include "process.h"
#include "proto.h"
#include "util.h"

#define HELPER_VERSION "0.1.0"

static int op_ping(json_t *req, json_t *reply, struct berr *e) {
  json_object_set_new(reply, "protocol", json_integer(PROTO_VERSION));
  json_object_set_new(reply, "version", json_string(HELPER_VERSION));
  json_object_set_new(reply, "pid", json_integer(getppid()));
  return 0;
}

static int op_shutdown(json_t *req, json_t *reply, struct berr *e) {
  /* The daemon is our parent; it finishes when this answer is on its way. */
  if (kill(getppid(), SIGTERM) < 0)
    return berr_sys(e, errno, "signal the daemon");
  return 0;
}

static const struct {
  const char *name;
  int (*fn)(json_t *req, json_t *reply, struct berr *e);
} ops[] = {
    {"ping", op_ping}, {"fixup", op_fixup}, {"rmtree", op_rmtree},
    {"opaque", op_opaque}, {"freezer", op_freezer}, {"shutdown", op_shutdown},
};

/* Ops whose answer comes from the monitor the handler becomes, on the same connection. */
static const struct {
  const char *name;
  int (*fn)(int conn, json_t *req, struct berr *e);
} monitor_ops[] = {
    {"run", op_run}, {"exec", op_exec},
};

/* The answer to send. */
static json_t *dispatch(int conn, const char *line) {
  struct berr e;
  berr_clear(&e);
  json_error_t jerr;
  _cleanup_json_ json_t *req = json_loads(line, JSON_REJECT_DUPLICATES, &jerr);
  if (!json_is_object(req)) {
    berr_code(&e, "invalid-argument", "request is not a JSON object: %s", req ? "wrong type" : jerr.text);
    return proto_error(&e);
  }
  json_t *v = json_object_get(req, "v");
  if (v && (json_integer_value(v) < PROTO_OLDEST || json_integer_value(v) > PROTO_VERSION)) {
    berr_code(&e, "unsupported-version", "protocol version %lld requested, this helper speaks %d to %d; rebuild the helper (make -C native)",
              (long long)json_integer_value(v), PROTO_OLDEST, PROTO_VERSION);
    return proto_error(&e);
  }
  const char *op = req_string(req, "op", &e);
  if (op == NULL)
    return proto_error(&e);
  if (strcmp(op, "tree") == 0)
    op_tree(conn, req); /* the connection is the tree's from here on */
  for (size_t i = 0; i < sizeof monitor_ops / sizeof monitor_ops[0]; i++) {
    if (strcmp(op, monitor_ops[i].name) == 0) {
      monitor_ops[i].fn(conn, req, &e); /* returns only when it refuses the request */
      return proto_error(&e);
    }
  }
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
    if (strcmp(op, ops[i].name) != 0)
      continue;
    json_t *reply = proto_ok();
    if (ops[i].fn(req, reply, &e) == 0)
      return reply;
    json_decref(reply);
    return proto_error(&e);
  }
  berr_code(&e, "invalid-argument", "unknown op \"%s\" (known: ping, run, exec, fixup, rmtree, opaque, tree, freezer, shutdown)", op);
  return proto_error(&e);
}

__attribute__((noreturn)) static void serve_connection(int conn) {
  struct linebuf lb = {0};
  struct berr e;
  for (;;) {
    char *line = NULL;
    int r = proto_read_line(conn, &lb, &line, &e);
    if (r <= 0) {
      if (r < 0)
        proto_send(conn, proto_error(&e), &e);
      _exit(0);
    }
    json_t *reply = dispatch(conn, line);
    free(line);
    if (proto_send(conn, reply, &e) < 0)
      _exit(0);
  }
}

struct daemon {
  int listen_fd, sig_fd, lock_fd;
  int dir_fd;
  const char *name;
  struct stat sock_st;
  int idle_ms;
};

/* One daemon per socket: the lock decides which of two racing starters serves. */
static int take_lock(const char *socket_path, int *lock_fd, struct berr *e) {
  _cleanup_free_ char *lock = xasprintf("%s.lock", socket_path);
  _cleanup_fd_ int fd = TEMP_FAILURE_RETRY(open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (fd < 0)
    return berr_sys(e, errno, "open lock '%s'", lock);
  if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
    if (errno == EWOULDBLOCK)
      return berr_code(e, "already-exists", "another helper already serves '%s'", socket_path);
    return berr_sys(e, errno, "lock '%s'", lock);
  }
  *lock_fd = steal_fd(&fd);
  return 0;
}

static int open_socket(struct daemon *d, const char *path, struct berr *e) {
  _cleanup_free_ char *dir = xstrdup(path);
  char *slash = strrchr(dir, '/');
  if (slash == NULL || slash[1] == '\0')
    return berr_code(e, "invalid-argument", "--socket '%s' must be a path to a file", path);
  d->name = path + (slash - dir) + 1;
  *slash = '\0';
  if (mkdir_p(*dir ? dir : "/", 0700, e) < 0)
    return -1;
  d->dir_fd = TEMP_FAILURE_RETRY(open(*dir ? dir : "/", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (d->dir_fd < 0)
    return berr_sys(e, errno, "open '%s'", dir);
  d->listen_fd = listen_unix_at(d->dir_fd, d->name, SOCK_STREAM, e);
  if (d->listen_fd < 0)
    return -1;
  if (fstatat(d->dir_fd, d->name, &d->sock_st, 0) < 0)
    return berr_sys(e, errno, "stat '%s'", path);
  return 0;
}

/* Removes the socket only while it is still ours: a successor may have replaced it. */
static void remove_socket(struct daemon *d) {
  struct stat st;
  if (fstatat(d->dir_fd, d->name, &st, 0) == 0 && st.st_ino == d->sock_st.st_ino && st.st_dev == d->sock_st.st_dev)
    unlinkat(d->dir_fd, d->name, 0);
}

static void accept_one(struct daemon *d) {
  int conn = accept4(d->listen_fd, NULL, NULL, SOCK_CLOEXEC);
  if (conn < 0)
    return;
  pid_t pid = fork();
  if (pid == 0) {
    close(d->listen_fd);
    close(d->sig_fd);
    reset_signals();
    signal(SIGPIPE, SIG_IGN);
    set_nonblock(conn, false);
    serve_connection(conn);
  }
  if (pid < 0)
    fprintf(stderr, "berth-helper: fork for a connection: %s\n", strerror(errno));
  close(conn);
}

/* 1 when asked to stop. */
static int on_signal(struct daemon *d) {
  struct signalfd_siginfo si;
  while (read(d->sig_fd, &si, sizeof si) == sizeof si) {
    if (si.ssi_signo != SIGCHLD)
      return 1;
  }
  while (waitpid(-1, NULL, WNOHANG) > 0)
    ;
  return 0;
}

static int serve(struct daemon *d) {
  for (;;) {
    struct pollfd fds[2] = {{.fd = d->listen_fd, .events = POLLIN}, {.fd = d->sig_fd, .events = POLLIN}};
    /* Idle means no new connection: the handlers, some of them monitors now, go on without
     * the daemon (init reaps them then). */
    int timeout = d->idle_ms > 0 ? d->idle_ms : -1;
    int n = poll(fds, 2, timeout);
    if (n < 0 && errno != EINTR)
      return -1;
    if (n == 0)
      return 0; /* idle */
    if (fds[1].revents & POLLIN && on_signal(d))
      return 0;
    if (fds[0].revents & POLLIN)
      accept_one(d);
  }
}

int daemon_main(const struct daemon_opts *o) {
  struct berr e;
  berr_clear(&e);
  struct daemon d = {.listen_fd = -1, .sig_fd = -1, .lock_fd = -1, .dir_fd = -1, .idle_ms = o->idle_seconds * 1000};
  reset_signals();
  setsid();
  _cleanup_fd_ int devnull = TEMP_FAILURE_RETRY(open("/dev/null", O_RDWR | O_CLOEXEC));
  if (devnull >= 0)
    dup2(devnull, STDIN_FILENO);
  if (chdir("/") < 0 || take_lock(o->socket, &d.lock_fd, &e) < 0 || open_socket(&d, o->socket, &e) < 0) {
    fprintf(stderr, "berth-helper daemon: %s\n", e.msg);
    /* A second starter losing the race is not an error: the winner serves. */
    return e.code && strcmp(e.code, "already-exists") == 0 ? 0 : 1;
  }
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGHUP);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  signal(SIGPIPE, SIG_IGN);
  d.sig_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  if (d.sig_fd < 0) {
    fprintf(stderr, "berth-helper daemon: signalfd: %s\n", strerror(errno));
    return 1;
  }
  int r = serve(&d);
  remove_socket(&d);
  return r < 0 ? 1 : 0;
}
