/* The monitor's loop: container output to the log and to attach clients, client input
 * to the container, signals, and the end: exit.json, the exit frame, the die event. */
#include "monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#include "util.h"

/* After the process ends, output still in flight is read until this much quiet: a
 * background process that kept stdout open (no pid namespace) must not hold us. */
#define DRAIN_QUIET_MS 200

static void watch(struct monitor *m, int fd, uint32_t events) {
  struct epoll_event ev = {.events = events, .data.fd = fd};
  if (epoll_ctl(m->epoll_fd, EPOLL_CTL_MOD, fd, &ev) < 0)
    epoll_ctl(m->epoll_fd, EPOLL_CTL_ADD, fd, &ev);
}

static void unwatch_close(struct monitor *m, int *fd) {
  if (*fd < 0)
    return;
  epoll_ctl(m->epoll_fd, EPOLL_CTL_DEL, *fd, NULL);
  close(*fd);
  *fd = -1;
}

static void drop_client(struct monitor *m, size_t i) {
  epoll_ctl(m->epoll_fd, EPOLL_CTL_DEL, m->clients[i]->fd, NULL);
  client_free(m->clients[i]);
  m->clients[i] = m->clients[--m->n_clients];
}

static void flush_client(struct monitor *m, size_t i) {
  struct client *c = m->clients[i];
  int r = outq_flush(&c->q, c->fd, false);
  if (r < 0 || c->q.bytes > ATTACH_QUEUE_LIMIT) {
    drop_client(m, i);
    return;
  }
  watch(m, c->fd, EPOLLIN | (r == 0 ? EPOLLOUT : 0));
}

void relay_output(struct monitor *m, int frame, const char *buf, size_t len) {
  log_write(&m->log, frame == FRAME_STDERR ? "stderr" : "stdout", buf, len);
  for (size_t i = m->n_clients; i-- > 0;) {
    client_send(m->clients[i], frame, buf, len);
    flush_client(m, i);
  }
}

static void read_output(struct monitor *m, int *fd, int frame) {
  char buf[ATTACH_MAX_PAYLOAD];
  ssize_t n = read(*fd, buf, sizeof buf);
  if (n > 0) {
    relay_output(m, frame, buf, (size_t)n);
    return;
  }
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return;
  /* End of file, or EIO from a pty master once the last slave is gone. */
  if (*fd == m->pty && m->in_w >= 0)
    unwatch_close(m, &m->in_w);
  unwatch_close(m, fd);
}

static void flush_stdin(struct monitor *m) {
  if (m->in_w < 0)
    return;
  int r = outq_flush(&m->stdin_q, m->in_w, false);
  if (r < 0 || (r == 1 && m->stdin_closing && m->pty < 0)) {
    outq_clear(&m->stdin_q);
    unwatch_close(m, &m->in_w);
    return;
  }
  if (r == 0)
    watch(m, m->in_w, EPOLLOUT);
  else
    epoll_ctl(m->epoll_fd, EPOLL_CTL_DEL, m->in_w, NULL);
}

static void start_process(struct monitor *m) {
  struct berr e;
  if (!m->started && monitor_start(m, &e) < 0)
    fprintf(stderr, "berth-helper monitor %d: start: %s\n", getpid(), e.msg);
}

static void deliver_signal(struct monitor *m, int sig) {
  if (!m->exited && sig > 0 && sig < NSIG)
    kill(m->pid, sig);
}

static void on_frame(void *ctx, struct client *c, int type, const char *p, size_t n) {
  struct monitor *m = ctx;
  char text[64];
  snprintf(text, sizeof text, "%.*s", (int)(n < sizeof text - 1 ? n : sizeof text - 1), p);
  switch (type) {
  case FRAME_STDIN:
    if (m->in_w >= 0 && !m->stdin_closing) {
      outq_push(&m->stdin_q, p, n);
      flush_stdin(m);
    }
    break;
  case FRAME_STDIN_CLOSE:
    /* A terminal stays open, as with Docker: the shell sees ^D if the user types it. */
    if (m->pty >= 0)
      break;
    m->stdin_closing = true;
    flush_stdin(m);
    break;
  case FRAME_RESIZE: {
    unsigned rows = 0, cols = 0;
    struct winsize ws;
    if (m->pty >= 0 && sscanf(text, "%u %u", &rows, &cols) == 2 && rows && cols) {
      ws = (struct winsize){.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
      ioctl(m->pty, TIOCSWINSZ, &ws);
    }
    break;
  }
  case FRAME_SIGNAL:
    deliver_signal(m, atoi(text));
    break;
  case FRAME_START:
    start_process(m);
    break;
  default:
    break; /* frames from a newer client: ignored */
  }
}

static void add_client(struct monitor *m, int fd) {
  struct client *c = xcalloc(1, sizeof *c);
  c->fd = fd;
  c->stream = true;
  m->clients = xrealloc(m->clients, (m->n_clients + 1) * sizeof *m->clients);
  m->clients[m->n_clients++] = c;
  watch(m, fd, EPOLLIN);
}

static void accept_client(struct monitor *m) {
  int fd = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (fd < 0)
    return;
  add_client(m, fd);
  /* waitAttach: the first client starts the process, so it misses no output. */
  start_process(m);
}

static void on_client(struct monitor *m, int fd, uint32_t events) {
  for (size_t i = 0; i < m->n_clients; i++) {
    if (m->clients[i]->fd != fd)
      continue;
    if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && client_read(m->clients[i], on_frame, m) < 0) {
      drop_client(m, i);
      return;
    }
    if (events & EPOLLOUT)
      flush_client(m, i);
    return;
  }
}

static void on_signal(struct monitor *m) {
  struct signalfd_siginfo si;
  while (read(m->sig_fd, &si, sizeof si) == sizeof si)
    if (si.ssi_signo != SIGCHLD)
      deliver_signal(m, (int)si.ssi_signo);
  int status;
  pid_t pid;
  /* Orphans reparented to us (exec's process among them) are reaped too. */
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
    if (pid == m->pid) {
      m->exited = true;
      m->status = status;
    }
}

static char *signal_name(int sig) {
  const char *abbrev = sigabbrev_np(sig);
  return abbrev ? xasprintf("SIG%s", abbrev) : xasprintf("%d", sig);
}

static int exit_code(int status) {
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

static void append_event(struct monitor *m, int code, const char *time) {
  _cleanup_json_ json_t *ev = json_pack("{s:s,s:s,s:i,s:s,s:i}", "type", "container.die", "id", m->o->id, "exitCode",
                                        code, "time", time, "pid", (int)getpid());
  if (m->spec.name)
    json_object_set_new(ev, "name", json_string(m->spec.name));
  _cleanup_free_ char *text = json_dumps(ev, JSON_COMPACT);
  _cleanup_free_ char *line = xasprintf("%s\n", text);
  /* O_APPEND and one write: lines from many processes never interleave. */
  _cleanup_fd_ int fd = TEMP_FAILURE_RETRY(open(m->o->events, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
  if (fd < 0 || write_all(fd, line, strlen(line)) < 0)
    fprintf(stderr, "berth-helper monitor %d: append to '%s': %s\n", getpid(), m->o->events, strerror(errno));
}

void monitor_record_exit(struct monitor *m) {
  char time[64];
  format_time_nano(time, sizeof time);
  int code = exit_code(m->status);
  _cleanup_free_ char *sig = WIFSIGNALED(m->status) ? signal_name(WTERMSIG(m->status)) : NULL;
  _cleanup_json_ json_t *obj = json_pack("{s:i,s:s?,s:s,s:b}", "exitCode", code, "signal", sig, "finishedAt", time,
                                         "oomKilled", !m->exec && cgroup_oom_killed(&m->cg));
  _cleanup_free_ char *text = json_dumps(obj, JSON_COMPACT);
  struct berr e;
  if (write_file_atomic_at(m->dirfd, "exit.json", text, strlen(text), &e) < 0)
    fprintf(stderr, "berth-helper monitor %d: %s\n", getpid(), e.msg);
  if (!m->exec && m->o->events)
    append_event(m, code, time);
}

/* After the exit frame, waits (briefly) for each client to close its end. Closing ours
 * first would make a client's next write (a resize sent right after connecting, say)
 * fail with EPIPE, and Node then drops the socket with the output it has not read yet —
 * a short process's whole output. Clients close as soon as they see our EOF. */
#define LINGER_MS 1000
static void linger_for_clients(struct monitor *m) {
  struct timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (size_t i = 0; i < m->n_clients; i++) {
    struct pollfd p = {.fd = m->clients[i]->fd, .events = POLLIN};
    for (;;) {
      struct timespec now;
      clock_gettime(CLOCK_MONOTONIC, &now);
      long left = LINGER_MS - ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000);
      if (left <= 0 || poll(&p, 1, (int)left) <= 0)
        return;
      char sink[4096];
      ssize_t n = recv(p.fd, sink, sizeof sink, MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
        break; /* closed (or gone): next client */
    }
  }
}

/* Tells every client the exit code, waiting a little for slow readers. */
static void send_exit(struct monitor *m) {
  char code[16];
  snprintf(code, sizeof code, "%d", exit_code(m->status));
  for (size_t i = 0; i < m->n_clients; i++) {
    struct client *c = m->clients[i];
    client_send(c, FRAME_EXIT, code, strlen(code));
    set_nonblock(c->fd, false);
    struct timeval tv = {.tv_sec = 2};
    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    outq_flush(&c->q, c->fd, false);
    shutdown(c->fd, SHUT_WR);
  }
  linger_for_clients(m);
}

__attribute__((noreturn)) static void finish(struct monitor *m) {
  /* Written, not synced: readers that see exit.json find the whole log in the page
   * cache; only a power loss could lose its tail, and then the container reads as
   * ended by the host going down anyway. */
  log_close(&m->log);
  /* New clients find no socket and read exit.json instead. */
  unlinkat(m->sockfd, "attach.sock", 0);
  monitor_record_exit(m);
  send_exit(m);
  if (!m->exec) {
    struct berr e;
    /* A container started without a cgroup may have got one since (a pause). */
    if (m->cg.n == 0)
      cgroup_load(m->dirfd, &m->cg, &e);
    cgroup_destroy(&m->cg);
  }
  _exit(0);
}

static int make_loop(struct monitor *m) {
  sigset_t mask;
  sigprocmask(SIG_BLOCK, NULL, &mask);
  m->sig_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  m->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  if (m->sig_fd < 0 || m->epoll_fd < 0)
    return -1;
  watch(m, m->sig_fd, EPOLLIN);
  watch(m, m->listen_fd, EPOLLIN);
  int outputs[] = {m->out_r, m->err_r, m->pty};
  for (size_t i = 0; i < 3; i++)
    if (outputs[i] >= 0)
      watch(m, outputs[i], EPOLLIN);
  return 0;
}

static void dispatch(struct monitor *m, int fd, uint32_t events) {
  if (fd == m->sig_fd)
    on_signal(m);
  else if (fd == m->listen_fd)
    accept_client(m);
  else if (fd == m->out_r)
    read_output(m, &m->out_r, FRAME_STDOUT);
  else if (fd == m->err_r)
    read_output(m, &m->err_r, FRAME_STDERR);
  else if (fd == m->pty)
    read_output(m, &m->pty, FRAME_STDOUT);
  else if (fd == m->in_w)
    flush_stdin(m);
  else
    on_client(m, fd, events);
}

void relay_run(struct monitor *m) {
  /* Nothing of the client or the daemon stays with us. */
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull >= 0) {
    dup2(devnull, STDIN_FILENO);
    dup2(devnull, STDOUT_FILENO);
    close(devnull);
  }
  if (make_loop(m) < 0) {
    fprintf(stderr, "berth-helper monitor %d: event loop: %s\n", getpid(), strerror(errno));
    kill(m->pid, SIGKILL);
  }
  if (m->first_client >= 0) {
    set_nonblock(m->first_client, true);
    add_client(m, m->first_client);
    m->first_client = -1;
    /* With waitAttach, the client says when (a start frame): once it has recorded the start. */
    if (!m->o->wait_attach)
      start_process(m);
  }
  /* A signal that came before the loop existed is still pending in the signalfd. */
  for (;;) {
    bool outputs_open = m->out_r >= 0 || m->err_r >= 0 || m->pty >= 0;
    if (m->exited && !outputs_open)
      finish(m);
    struct epoll_event evs[16];
    int n = epoll_wait(m->epoll_fd, evs, 16, m->exited ? DRAIN_QUIET_MS : -1);
    if (n < 0 && errno != EINTR)
      finish(m);
    if (n == 0 && m->exited)
      finish(m);
    for (int i = 0; i < n; i++)
      dispatch(m, evs[i].data.fd, evs[i].events);
  }
}
