#include "process.h"

#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "caps.h"
#include "dev.h"
#include "sync.h"
#include "userns.h"
#include "util.h"

/* The status is the error's exit code (127, 126 for exec failures) or 1. */
__attribute__((noreturn)) static void fail(const struct proc_ctx *c, struct berr *e) {
  sync_send_error(c->sync_fd, e);
  _exit(e->exit_code ? e->exit_code : 1);
}

void reset_signals(void) {
  for (int sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP)
      signal(sig, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
}

/* This machine (and many CI hosts) lacks CAP_SYS_RESOURCE even for root: raising a hard
 * limit fails with EPERM, so clamp to the current hard limit and say so. */
static int set_rlimits(const struct proc_ctx *c, struct berr *e) {
  for (size_t i = 0; i < c->p->n_rlimits; i++) {
    const struct rlimit_spec *r = &c->p->rlimits[i];
    struct rlimit want = {.rlim_cur = r->soft, .rlim_max = r->hard};
    if (setrlimit(r->resource, &want) == 0)
      continue;
    if (errno != EPERM)
      return berr_sys(e, errno, "setrlimit %s", r->name);
    struct rlimit cur;
    if (getrlimit(r->resource, &cur) < 0)
      return berr_sys(e, errno, "getrlimit %s", r->name);
    struct rlimit clamped = {.rlim_max = want.rlim_max < cur.rlim_max ? want.rlim_max : cur.rlim_max};
    clamped.rlim_cur = want.rlim_cur < clamped.rlim_max ? want.rlim_cur : clamped.rlim_max;
    if (setrlimit(r->resource, &clamped) < 0)
      return berr_sys(e, errno, "setrlimit %s", r->name);
    char text[160];
    snprintf(text, sizeof text, "%s clamped to soft %llu hard %llu (the host's hard limit): raising it needs CAP_SYS_RESOURCE",
             r->name, (unsigned long long)clamped.rlim_cur, (unsigned long long)clamped.rlim_max);
    struct berr ignored;
    sync_send(c->sync_fd, SYNC_WARN, 0, text, &ignored);
  }
  return 0;
}

static int setup_stdio(const struct proc_ctx *c, struct berr *e) {
  if (setsid() < 0)
    return berr_sys(e, errno, "setsid");
  if (!c->p->terminal) {
    if (dup2(c->in_fd, 0) < 0 || dup2(c->out_fd, 1) < 0 || dup2(c->err_fd, 2) < 0)
      return berr_sys(e, errno, "dup2 stdio");
    return 0;
  }
  int slave = -1;
  _cleanup_fd_ int master = dev_open_pty(&slave, e);
  if (master < 0)
    return -1;
  _cleanup_fd_ int slave_fd = slave;
  if (sync_send_fd(c->sync_fd, SYNC_PTY, master, e) < 0)
    return -1;
  if (ioctl(slave_fd, TIOCSCTTY, 0) < 0)
    return berr_sys(e, errno, "make the pty the controlling terminal");
  if (c->console && dev_bind_console(slave_fd, e) < 0)
    return -1;
  if (dup2(slave_fd, 0) < 0 || dup2(slave_fd, 1) < 0 || dup2(slave_fd, 2) < 0)
    return berr_sys(e, errno, "dup2 the terminal");
  return 0;
}

static int set_user(const struct process_spec *p, struct berr *e) {
  /* A rootless single-id user namespace has setgroups denied: the groups cannot be
   * changed there, and keeping them is the only option. */
  if (!userns_setgroups_denied() && setgroups(p->n_add_gids, p->add_gids) < 0)
    return berr_sys(e, errno, "setgroups");
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return berr_sys(e, errno, "prctl(PR_SET_KEEPCAPS)");
  if (setresgid(p->gid, p->gid, p->gid) < 0)
    return berr_sys(e, errno, "setgid %u (is it mapped in the user namespace?)", p->gid);
  if (setresuid(p->uid, p->uid, p->uid) < 0)
    return berr_sys(e, errno, "setuid %u (is it mapped in the user namespace?)", p->uid);
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    return berr_sys(e, errno, "prctl(PR_SET_KEEPCAPS)");
  return 0;
}

static const char *env_path(char **env) {
  for (char **p = env; *p; p++)
    if (strncmp(*p, "PATH=", 5) == 0)
      return *p + 5;
  return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

static int check_executable(const char *path) {
  struct stat st;
  if (stat(path, &st) < 0)
    return -errno;
  if (S_ISDIR(st.st_mode))
    return -EACCES;
  if (access(path, X_OK) < 0)
    return -errno;
  return 0;
}

/* Resolved before READY, so `run` answers ENOENT/EACCES even when exec waits for attach. */
static char *find_executable(const struct process_spec *p, struct berr *e) {
  const char *name = p->args[0];
  if (strchr(name, '/')) {
    int r = check_executable(name);
    if (r < 0) {
      berr_sys(e, -r, "exec \"%s\"", name);
      return NULL;
    }
    return xstrdup(name);
  }
  _cleanup_free_ char *dirs = xstrdup(env_path(p->env));
  int denied = 0;
  char *save = NULL;
  for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
    char *candidate = xasprintf("%s/%s", *d ? d : ".", name);
    int r = check_executable(candidate);
    if (r == 0)
      return candidate;
    if (r == -EACCES)
      denied = 1;
    free(candidate);
  }
  if (denied)
    berr_sys(e, EACCES, "exec \"%s\"", name);
  else
    berr_sys(e, ENOENT, "exec \"%s\": executable file not found in $PATH", name);
  if (!denied) /* keep the sentence Docker users know, without strerror's suffix */
    snprintf(e->msg, sizeof e->msg, "exec \"%s\": executable file not found in $PATH", name);
  return NULL;
}

static int exit_status_for(int errnum) {
  return errnum == ENOENT ? 127 : 126;
}

__attribute__((noreturn)) static void do_exec(const struct proc_ctx *c, const char *path) {
  reset_signals();
  execve(path, c->p->args, c->p->env);
  struct berr e;
  int err = errno;
  berr_sys(&e, err, "exec \"%s\"", path);
  e.exit_code = exit_status_for(err);
  fail(c, &e);
}

/* PID 1 for `--init`: forwards every signal to the child, reaps every zombie, and
 * leaves with the child's status (128+signal when it was killed, as tini does). */
__attribute__((noreturn)) static void run_init(const struct proc_ctx *c, const char *path) {
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, NULL);
  pid_t child = fork();
  if (child < 0) {
    struct berr e;
    berr_sys(&e, errno, "fork the init's child");
    fail(c, &e);
  }
  if (child == 0) {
    setpgid(0, 0);
    if (c->p->terminal)
      tcsetpgrp(0, getpid());
    do_exec(c, path);
  }
  close(c->sync_fd);
  for (;;) {
    siginfo_t si;
    int sig = sigwaitinfo(&all, &si);
    if (sig < 0)
      continue;
    if (sig != SIGCHLD) {
      kill(child, sig);
      continue;
    }
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
      if (pid != child)
        continue;
      _exit(WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status));
    }
  }
}

void process_exec(const struct proc_ctx *c) {
  struct berr e;
  berr_clear(&e);
  const struct process_spec *p = c->p;
  umask(p->has_umask ? p->umask : 022);
  if (set_rlimits(c, &e) < 0 || setup_stdio(c, &e) < 0)
    fail(c, &e);
  if (chdir(p->cwd) < 0) {
    berr_sys(&e, errno, "chdir to the working directory '%s'", p->cwd);
    fail(c, &e);
  }
  if (caps_drop_bounding(&p->caps, &e) < 0 || set_user(p, &e) < 0 || caps_apply(&p->caps, &e) < 0)
    fail(c, &e);
  if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
    berr_sys(&e, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
    fail(c, &e);
  }
  _cleanup_free_ char *path = find_executable(p, &e);
  if (path == NULL) {
    e.exit_code = exit_status_for(e.errnum);
    fail(c, &e);
  }
  if (sync_send(c->sync_fd, SYNC_READY, 0, NULL, &e) < 0 || sync_expect(c->sync_fd, SYNC_START, &e) < 0)
    _exit(1);
  cloexec_from(3);
  if (c->init)
    run_init(c, path);
  do_exec(c, path);
}
