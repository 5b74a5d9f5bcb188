#include "monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "child.h"
#include "ns.h"
#include "proto.h"
#include "rootfs.h"
#include "sync.h"
#include "userns.h"
#include "util.h"

static int open_dir(struct monitor *m, struct berr *e) {
  _cleanup_fd_ int state = TEMP_FAILURE_RETRY(open(m->o->state, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (state < 0)
    return berr_sys(e, errno, "open the state dir '%s'", m->o->state);
  const char *runtime = m->o->runtime ? m->o->runtime : m->o->state;
  _cleanup_fd_ int run = m->o->runtime ? TEMP_FAILURE_RETRY(open(runtime, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) : -1;
  if (m->o->runtime && run < 0)
    return berr_sys(e, errno, "open the runtime dir '%s'", runtime);
  if (!m->exec) {
    m->dirfd = steal_fd(&state);
    m->sockfd = run >= 0 ? steal_fd(&run) : m->dirfd;
    return 0;
  }
  _cleanup_free_ char *rel = xasprintf("exec/%s", m->o->exec_id);
  int at = run >= 0 ? run : state;
  if ((mkdirat(at, "exec", 0700) < 0 && errno != EEXIST) || (mkdirat(at, rel, 0700) < 0 && errno != EEXIST))
    return berr_sys(e, errno, "create '%s/%s'", runtime, rel);
  m->dirfd = m->sockfd = TEMP_FAILURE_RETRY(openat(at, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (m->dirfd < 0)
    return berr_sys(e, errno, "open '%s/%s'", runtime, rel);
  /* The exec joins the container's cgroup (there is none rootless on cgroup v1). */
  return cgroup_load(state, &m->cg, e);
}

static void setup_cgroup(struct monitor *m) {
  const struct spec *s = &m->spec;
  if (s->cgroups_path == NULL || *s->cgroups_path == '\0') {
    if (spec_has_limits(&s->res))
      warn_add(&m->warnings, "resource limits not applied: the spec has no linux.cgroupsPath");
    return;
  }
  cgroup_create(s, &m->cg, &m->warnings);
  struct berr e;
  if (m->cg.version != 0 && cgroup_save(m->dirfd, &m->cg, &e) < 0)
    warn_add(&m->warnings, "cgroup.json not written (pause and stats fall back to signals and /proc): %s", e.msg);
}

/* Our ends are kept non-blocking in `m`; the child's ends are returned in child[3]. */
static int make_stdio(struct monitor *m, int child[3], struct berr *e) {
  if (m->proc->terminal)
    return 0; /* the child opens a pty inside the container and sends us the master */
  int in[2] = {-1, -1}, out[2], err[2];
  if (m->o->stdin_open ? pipe2(in, O_CLOEXEC) < 0 : (in[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
    return berr_sys(e, errno, "stdin for the container");
  if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0)
    return berr_sys(e, errno, "stdout/stderr pipes for the container");
  child[0] = in[0], child[1] = out[1], child[2] = err[1];
  m->in_w = in[1], m->out_r = out[0], m->err_r = err[0];
  set_nonblock(m->out_r, true);
  set_nonblock(m->err_r, true);
  if (m->in_w >= 0)
    set_nonblock(m->in_w, true);
  return 0;
}

static void close_child_stdio(int child[3]) {
  for (int i = 0; i < 3; i++)
    if (child[i] >= 0)
      close(child[i]);
}

__attribute__((noreturn)) static void in_child(struct monitor *m, int child_sync, int child_fds[3], int result_fd) {
  close(result_fd); /* the client's connection: the container must not hold it open */
  close(m->sync_fd);
  struct child_args a = {.spec = &m->spec, .bundle = m->o->bundle, .sync_fd = child_sync, .in_fd = child_fds[0],
                         .out_fd = child_fds[1], .err_fd = child_fds[2], .cgroup_version = cgroup_fs_version()};
  if (m->exec)
    child_exec(&a, m->proc, m->o->target_pid);
  a.userns = spec_find_ns(&m->spec, CLONE_NEWUSER) != NULL;
  child_run(&a);
}

static int spawn(struct monitor *m, int result_fd, struct berr *e) {
  int child_fds[3] = {-1, -1, -1};
  int sp[2];
  int flags = m->exec ? 0 : ns_clone_flags(&m->spec, e);
  if (flags < 0 || make_stdio(m, child_fds, e) < 0)
    return -1;
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
    return berr_sys(e, errno, "socketpair");
  m->sync_fd = sp[0];
  pid_t pid = ns_clone(flags);
  if (pid < 0) {
    int err = errno;
    close(sp[1]);
    close_child_stdio(child_fds);
    return berr_sys(e, err, "create the container process (clone with namespaces 0x%x)", flags);
  }
  if (pid == 0)
    in_child(m, sp[1], child_fds, result_fd);
  close(sp[1]);
  close_child_stdio(child_fds);
  if (!m->exec) {
    m->pid = pid;
    if ((flags & CLONE_NEWUSER) && userns_write_maps(pid, &m->spec.uid_maps, &m->spec.gid_maps, e) < 0)
      return -1;
    if (cgroup_add_pid(&m->cg, pid, e) < 0)
      return -1;
  }
  return sync_send(m->sync_fd, SYNC_GO, 0, NULL, e);
}

static void set_window(int pty, unsigned short rows, unsigned short cols) {
  struct winsize ws = {.ws_row = rows, .ws_col = cols};
  if (rows && cols)
    ioctl(pty, TIOCSWINSZ, &ws);
}

/* Until the process is ready to exec: warnings, the pty, exec's pid; errors end it. */
static int handshake(struct monitor *m, struct berr *e) {
  bool ready = false;
  while (!ready || m->pid == 0) {
    struct sync_msg msg;
    int fd;
    int r = sync_recv(m->sync_fd, &msg, &fd, e);
    if (r < 0)
      return -1;
    if (r == 0)
      return berr_code(e, "internal", "the container process exited during set-up without saying why (see the helper log)");
    switch (msg.type) {
    case SYNC_WARN:
      warn_add(&m->warnings, "%s", msg.text);
      break;
    case SYNC_PTY:
      m->pty = fd;
      set_nonblock(m->pty, true);
      set_window(m->pty, m->proc->rows, m->proc->cols);
      if (m->o->stdin_open)
        m->in_w = TEMP_FAILURE_RETRY(fcntl(m->pty, F_DUPFD_CLOEXEC, 3));
      break;
    case SYNC_PID:
      m->pid = msg.value;
      if (cgroup_add_pid(&m->cg, m->pid, e) < 0)
        return -1;
      break;
    case SYNC_READY:
      ready = true;
      break;
    case SYNC_ERROR:
      return sync_error(&msg, e);
    default:
      return berr_code(e, "internal", "unexpected sync message %d during set-up", msg.type);
    }
  }
  return 0;
}

int monitor_start(struct monitor *m, struct berr *e) {
  m->started = true;
  if (sync_send(m->sync_fd, SYNC_START, 0, NULL, e) < 0)
    return -1;
  /* The channel is close-on-exec: end of file means exec succeeded. */
  struct sync_msg msg;
  int r = sync_recv(m->sync_fd, &msg, NULL, e);
  close(m->sync_fd);
  m->sync_fd = -1;
  if (r <= 0 || msg.type != SYNC_ERROR)
    return r < 0 ? -1 : 0;
  sync_error(&msg, e);
  _cleanup_free_ char *line = xasprintf("%s\n", e->msg);
  relay_output(m, FRAME_STDERR, line, strlen(line));
  return -1;
}

static int setup(struct monitor *m, int result_fd, struct berr *e) {
  if (open_dir(m, e) < 0)
    return -1;
  if (!m->exec) {
    if (spec_load(m->o->bundle, &m->spec, e) < 0 || log_open(m->dirfd, "ctr.log", &m->log, e) < 0)
      return -1;
    m->spec.process.terminal = m->o->tty;
    m->proc = &m->spec.process;
    setup_cgroup(m);
  } else {
    m->o->process->terminal = m->o->tty;
    m->proc = m->o->process;
  }
  if (spawn(m, result_fd, e) < 0 || handshake(m, e) < 0)
    return -1;
  m->listen_fd = listen_unix_at(m->sockfd, "attach.sock", SOCK_STREAM, e);
  if (m->listen_fd < 0)
    return -1;
  if (!m->o->wait_attach && !m->o->attach && monitor_start(m, e) < 0)
    return -1;
  return 0;
}

/* The answer to the request, on its connection; with `attach` the connection stays,
 * as the first attach client. */
static void report(struct monitor *m, int result_fd, json_t *obj, bool keep) {
  struct berr e;
  if (proto_send(result_fd, obj, &e) == 0 && keep) {
    m->first_client = result_fd;
    return;
  }
  close(result_fd);
}

/* Set-up failed: say why, end the process, and record an exit when it was the
 * program that could not run (127/126), as Docker does. */
__attribute__((noreturn)) static void setup_failed(struct monitor *m, int result_fd, struct berr *e) {
  if (m->pid > 0) {
    kill(m->pid, SIGKILL);
    while (waitpid(m->pid, &m->status, 0) < 0 && errno == EINTR)
      ;
  }
  if (e->exit_code && m->dirfd >= 0) {
    m->status = e->exit_code << 8;
    monitor_record_exit(m);
  }
  if (m->cg.n && !m->exec)
    cgroup_destroy(&m->cg);
  /* Last, so that whoever reads the answer finds exit.json already there. */
  report(m, result_fd, proto_error(e), false);
  _exit(1);
}

static void block_signals(void) {
  static const int forwarded[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
  sigset_t mask;
  sigemptyset(&mask);
  for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
    sigaddset(&mask, forwarded[i]);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  signal(SIGPIPE, SIG_IGN);
}

void monitor_main(const struct monitor_opts *o, int result_fd) {
  struct monitor m = {.o = o, .exec = o->exec_id != NULL, .dirfd = -1, .sockfd = -1, .first_client = -1,
                      .sync_fd = -1, .pty = -1, .in_w = -1, .out_r = -1, .err_r = -1, .listen_fd = -1,
                      .epoll_fd = -1, .sig_fd = -1, .log = {.fd = -1}};
  struct berr e;
  berr_clear(&e);
  if (m.exec)
    proctitle_set("berth-monitor", "berth-monitor %.12s exec %.12s", o->id, o->exec_id);
  else
    proctitle_set("berth-monitor", "berth-monitor %.12s", o->id);
  /* Exec's process is a grandchild: as subreaper we still get to wait for it. */
  prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  block_signals();
  if (setup(&m, result_fd, &e) < 0)
    setup_failed(&m, result_fd, &e);
  json_t *reply = json_pack("{s:b,s:i,s:i}", "ok", 1, "pid", (int)m.pid, "monitorPid", (int)getpid());
  if (!m.exec) {
    json_t *warnings = json_array();
    for (size_t i = 0; i < m.warnings.n; i++)
      json_array_append_new(warnings, json_string(m.warnings.v[i]));
    json_object_set_new(reply, "warnings", warnings);
  }
  report(&m, result_fd, reply, o->attach);
  relay_run(&m);
}
