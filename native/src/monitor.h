/* The monitor (conmon's role): one per container or exec session, detached from whoever
 * asked for it (own session, never waited for), so it outlives the daemon and the
 * client. It creates the container process, relays stdio to the log and to attach
 * clients, delivers signals, and records how the process ended. monitor.c sets up;
 * relay.c runs the loop. */
#ifndef BERTH_MONITOR_H
#define BERTH_MONITOR_H

#include <stdbool.h>
#include <sys/types.h>

#include "attach.h"
#include "cgroup.h"
#include "log.h"
#include "spec.h"

struct monitor_opts {
  const char *id;
  const char *state;            /* the container's state dir: log, exit.json, cgroup.json */
  const char *runtime;          /* where attach.sock and exec/ go (default: state) */
  const char *bundle;           /* run only */
  const char *events;           /* optional events file (run only) */
  const char *exec_id;          /* exec only */
  pid_t target_pid;             /* exec only: the container's init */
  struct process_spec *process; /* exec only */
  bool tty, stdin_open, wait_attach;
  /* The request's connection becomes the first attach client once answered; the
   * process starts then, or with wait_attach at the client's start frame. */
  bool attach;
};

struct monitor {
  const struct monitor_opts *o;
  bool exec;
  int dirfd;   /* where exit.json lives: the state dir, or exec/<id> */
  int sockfd;  /* where attach.sock lives: the runtime dir, or exec/<id> */
  int first_client; /* the request's connection with `attach`, until the loop takes it */
  struct spec spec;                 /* run only */
  const struct process_spec *proc;  /* what runs */
  pid_t pid;                        /* its host pid */
  int sync_fd;
  int pty;                  /* master, or -1 */
  int in_w, out_r, err_r;   /* our ends; in_w is a dup of the master with a terminal */
  struct outq stdin_q;
  bool stdin_closing;
  int listen_fd, epoll_fd, sig_fd;
  struct client **clients;
  size_t n_clients;
  struct log_writer log;
  struct cgroup cg;
  struct warnings warnings;
  bool started, exited;
  int status; /* waitpid status */
};

/* Runs in the freshly forked monitor; reports the outcome of set-up as one JSON line
 * on result_fd (the client's connection), then supervises until the process exits.
 * Never returns. */
__attribute__((noreturn)) void monitor_main(const struct monitor_opts *o, int result_fd);

/* monitor.c: sends START and learns whether exec worked (an exec failure is shown on
 * the process's stderr; its status arrives with SIGCHLD). */
int monitor_start(struct monitor *m, struct berr *e);
/* Writes exit.json (atomically) and, for a container, its container.die event. */
void monitor_record_exit(struct monitor *m);
/* relay.c */
__attribute__((noreturn)) void relay_run(struct monitor *m);
void relay_output(struct monitor *m, int frame, const char *buf, size_t len);

#endif
