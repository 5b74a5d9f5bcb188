/* The last steps before exec, shared by `run` and `exec`: rlimits, stdio or the pty,
 * the working directory, the user, capabilities, no_new_privs, clean signal state,
 * and (annotation berth.init) a tiny init that reaps zombies and forwards signals. */
#ifndef BERTH_PROCESS_H
#define BERTH_PROCESS_H

#include <stdbool.h>

#include "spec.h"

struct proc_ctx {
  const struct process_spec *p;
  int sync_fd;
  int in_fd, out_fd, err_fd; /* ignored with a terminal */
  bool console;              /* bind the pty slave on /dev/console */
  bool init;                 /* fork the tiny init first */
};

/* Never returns: on failure the error goes over sync_fd and the process exits
 * (127 when the program is missing, 126 when it cannot be run, 1 otherwise). */
__attribute__((noreturn)) void process_exec(const struct proc_ctx *c);
/* Clears every handler and the signal mask (Node ignores SIGPIPE; children inherit). */
void reset_signals(void);

#endif
