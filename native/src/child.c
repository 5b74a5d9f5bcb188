#include "child.h"

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/prctl.h>
#include <signal.h>

#include "ns.h"
#include "process.h"
#include "rootfs.h"
#include "sync.h"
#include "userns.h"
#include "util.h"

__attribute__((noreturn)) static void child_fail(int sync_fd, struct berr *e) {
  sync_send_error(sync_fd, e);
  _exit(1);
}

static int setup_container(const struct child_args *a, struct berr *e) {
  const struct spec *s = a->spec;
  if (a->userns && userns_become_root(e) < 0)
    return -1;
  if (ns_join_paths(s, e) < 0)
    return -1;
  const struct ns_spec *cg = spec_find_ns(s, CLONE_NEWCGROUP);
  if (cg && cg->path == NULL && unshare(CLONE_NEWCGROUP) < 0)
    return berr_sys(e, errno, "unshare the cgroup namespace");
  const struct ns_spec *net = spec_find_ns(s, CLONE_NEWNET);
  if (net && net->path == NULL && ns_loopback_up(e) < 0)
    return -1;
  const struct ns_spec *uts = spec_find_ns(s, CLONE_NEWUTS);
  if (s->hostname && *s->hostname) {
    if (uts == NULL)
      return berr_code(e, "invalid-argument", "hostname '%s' needs a uts namespace in linux.namespaces", s->hostname);
    if (sethostname(s->hostname, strlen(s->hostname)) < 0)
      return berr_sys(e, errno, "sethostname '%s'", s->hostname);
  }
  struct mount_ctx ctx = {.bundle = a->bundle, .cgroup_version = a->cgroup_version};
  if (rootfs_prepare(s, &ctx, e) < 0 || rootfs_pivot(s->root_path, e) < 0 || rootfs_finish(s, e) < 0)
    return -1;
  /* Docker creates a missing working directory; do it while the root is still writable. */
  if (mkdir_p(s->process.cwd, 0755, e) < 0)
    return berr_wrap(e, "create the working directory");
  if (s->root_readonly && rootfs_make_readonly(e) < 0)
    return -1;
  return 0;
}

void child_run(const struct child_args *a) {
  struct berr e;
  berr_clear(&e);
  /* If the monitor dies during set-up, do not linger as an orphan. */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (sync_expect(a->sync_fd, SYNC_GO, &e) < 0)
    _exit(1);
  if (setup_container(a, &e) < 0)
    child_fail(a->sync_fd, &e);
  prctl(PR_SET_PDEATHSIG, 0);
  struct proc_ctx pc = {.p = &a->spec->process, .sync_fd = a->sync_fd, .in_fd = a->in_fd, .out_fd = a->out_fd,
                        .err_fd = a->err_fd, .console = true, .init = a->spec->init};
  process_exec(&pc);
}

void child_exec(const struct child_args *a, const struct process_spec *p, pid_t target) {
  struct berr e;
  berr_clear(&e);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (sync_expect(a->sync_fd, SYNC_GO, &e) < 0)
    _exit(1);
  int joined_user = 0;
  if (ns_join_process(target, &joined_user, &e) < 0)
    child_fail(a->sync_fd, &e);
  if (joined_user && userns_become_root(&e) < 0)
    child_fail(a->sync_fd, &e);
  /* The pid namespace applies to children only. */
  pid_t pid = fork();
  if (pid < 0) {
    berr_sys(&e, errno, "fork into the container's pid namespace");
    child_fail(a->sync_fd, &e);
  }
  if (pid > 0) {
    if (sync_send(a->sync_fd, SYNC_PID, pid, NULL, &e) < 0)
      _exit(1);
    _exit(0);
  }
  /* The grandchild outlives its parent; the monitor (a subreaper) inherits it. */
  prctl(PR_SET_PDEATHSIG, 0);
  struct proc_ctx pc = {.p = p, .sync_fd = a->sync_fd, .in_fd = a->in_fd, .out_fd = a->out_fd, .err_fd = a->err_fd,
                        .console = false, .init = false};
  process_exec(&pc);
}
