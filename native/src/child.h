/* What runs in the forked container process, between clone and exec. */
#ifndef BERTH_CHILD_H
#define BERTH_CHILD_H

#include <stdbool.h>
#include <sys/types.h>

#include "spec.h"

struct child_args {
  const struct spec *spec;
  const char *bundle;
  int sync_fd;
  int in_fd, out_fd, err_fd;
  bool userns;          /* we were cloned into a new user namespace */
  int cgroup_version;
};

/* `run`: namespaces are already created by clone; sets up the root and execs. */
__attribute__((noreturn)) void child_run(const struct child_args *a);
/* `exec`: joins the namespaces of `target`, forks into its pid namespace; the
 * grandchild execs, this process reports its pid and exits. */
__attribute__((noreturn)) void child_exec(const struct child_args *a, const struct process_spec *p, pid_t target);

#endif
