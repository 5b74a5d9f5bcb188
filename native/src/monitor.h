/* The monitor (conmon's role): one per container or exec, detached from whoever asked
 * for it. It creates the container process, relays stdio to the log and to attached
 * clients, delivers signals, and records how the process ended. */
#ifndef BERTH_MONITOR_H
#define BERTH_MONITOR_H

#include <stdbool.h>
#include <sys/types.h>

#include "spec.h"

struct monitor_opts {
  const char *id;
  const char *state;      /* the container's state dir */
  const char *bundle;     /* run only */
  const char *events;     /* optional events file */
  const char *exec_id;    /* exec only */
  pid_t target_pid;       /* exec only: the container's init */
  struct process_spec *process; /* exec only */
  bool tty, stdin_open, wait_attach;
};

/* Runs in the freshly forked monitor; reports the outcome of set-up as one JSON line
 * on result_fd, then supervises until the process exits. Never returns. */
__attribute__((noreturn)) void monitor_main(const struct monitor_opts *o, int result_fd);

#endif
