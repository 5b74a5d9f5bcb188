#include "userns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "util.h"

static char *format_map(const struct idmaps *m) {
  size_t cap = 64 * (m->n + 1), used = 0;
  char *buf = xmalloc(cap);
  buf[0] = '\0';
  for (size_t i = 0; i < m->n; i++)
    used += (size_t)snprintf(buf + used, cap - used, "%u %u %u\n", m->v[i].container_id, m->v[i].host_id, m->v[i].size);
  return buf;
}

static int write_proc(pid_t pid, const char *file, const char *data, struct berr *e) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/%s", pid, file);
  _cleanup_fd_ int fd = TEMP_FAILURE_RETRY(open(path, O_WRONLY | O_CLOEXEC));
  if (fd < 0)
    return berr_sys(e, errno, "open '%s'", path);
  if (write_all(fd, data, strlen(data)) < 0)
    return berr_sys(e, errno, "write '%s' to '%s'", data, path);
  return 0;
}

/* A running newuidmap or newgidmap. */
struct idmap_tool {
  const char *name;
  pid_t pid;
  int err_fd; /* its stderr: the error text */
};

static int idmap_tool_start(struct idmap_tool *t, pid_t target, const struct idmaps *m, struct berr *e) {
  size_t argc = 2 + 3 * m->n + 1;
  char **argv = xcalloc(argc, sizeof(char *));
  argv[0] = (char *)t->name;
  argv[1] = xasprintf("%d", target);
  for (size_t i = 0; i < m->n; i++) {
    argv[2 + 3 * i] = xasprintf("%u", m->v[i].container_id);
    argv[3 + 3 * i] = xasprintf("%u", m->v[i].host_id);
    argv[4 + 3 * i] = xasprintf("%u", m->v[i].size);
  }
  int errpipe[2] = {-1, -1};
  t->pid = pipe2(errpipe, O_CLOEXEC) < 0 ? -1 : fork();
  if (t->pid == 0) {
    dup2(errpipe[1], STDERR_FILENO);
    execvp(t->name, argv);
    dprintf(STDERR_FILENO, "exec %s: %s (install the uidmap package)", t->name, strerror(errno));
    _exit(127);
  }
  int err = errno;
  for (size_t i = 1; i < argc - 1; i++)
    free(argv[i]);
  free(argv);
  close(errpipe[1]);
  t->err_fd = errpipe[0];
  if (t->pid < 0) {
    close(t->err_fd);
    return berr_sys(e, err, "start %s", t->name);
  }
  return 0;
}

static int idmap_tool_wait(struct idmap_tool *t, struct berr *e) {
  char out[512];
  ssize_t n = read_all(t->err_fd, out, sizeof out - 1);
  close(t->err_fd);
  out[n > 0 ? n : 0] = '\0';
  int status;
  if (TEMP_FAILURE_RETRY(waitpid(t->pid, &status, 0)) < 0)
    return berr_sys(e, errno, "wait for %s", t->name);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    char *nl = strchr(out, '\n');
    if (nl)
      *nl = '\0';
    return berr_code(e, "permission-denied", "%s failed: %s (are the ids listed in /etc/sub%cid for this user?)", t->name,
                     out[0] ? out : "no message", t->name[3] == 'u' ? 'u' : 'g');
  }
  return 0;
}

static bool single_own(const struct idmaps *m, uint32_t own) {
  return m->n == 1 && m->v[0].host_id == own && m->v[0].size == 1;
}

int userns_write_maps(pid_t pid, const struct idmaps *uids_in, const struct idmaps *gids_in, struct berr *e) {
  struct idmap own_uid = {0, geteuid(), 1}, own_gid = {0, getegid(), 1};
  struct idmaps uids = uids_in->n ? *uids_in : (struct idmaps){&own_uid, 1};
  struct idmaps gids = gids_in->n ? *gids_in : (struct idmaps){&own_gid, 1};
  _cleanup_free_ char *umap = format_map(&uids);
  _cleanup_free_ char *gmap = format_map(&gids);
  if (geteuid() == 0) {
    if (write_proc(pid, "gid_map", gmap, e) < 0 || write_proc(pid, "uid_map", umap, e) < 0)
      return berr_wrap(e, "write id maps");
    return 0;
  }
  if (single_own(&uids, geteuid()) && single_own(&gids, getegid())) {
    /* Unprivileged gid_map writes need setgroups denied first (CVE-2014-8989). */
    if (write_proc(pid, "setgroups", "deny", e) < 0 || write_proc(pid, "gid_map", gmap, e) < 0 ||
        write_proc(pid, "uid_map", umap, e) < 0)
      return berr_wrap(e, "write id maps");
    return 0;
  }
  /* Side by side: the two maps are independent, and each tool is a setuid exec that
   * costs the start a millisecond or more. */
  struct idmap_tool gid = {.name = "newgidmap"}, uid = {.name = "newuidmap"};
  if (idmap_tool_start(&gid, pid, &gids, e) < 0)
    return -1;
  struct berr uid_err;
  berr_clear(&uid_err);
  int uid_started = idmap_tool_start(&uid, pid, &uids, &uid_err);
  int r = idmap_tool_wait(&gid, e);
  if (uid_started == 0 && idmap_tool_wait(&uid, &uid_err) == 0)
    return r;
  if (r == 0)
    *e = uid_err;
  return -1;
}

bool userns_setgroups_denied(void) {
  struct berr e;
  _cleanup_free_ char *s = read_file_at(AT_FDCWD, "/proc/self/setgroups", NULL, &e);
  return s != NULL && strncmp(s, "deny", 4) == 0;
}

int userns_become_root(struct berr *e) {
  if (setresgid(0, 0, 0) < 0)
    return berr_sys(e, errno, "setresgid(0) in the user namespace (is gid 0 mapped?)");
  if (setresuid(0, 0, 0) < 0)
    return berr_sys(e, errno, "setresuid(0) in the user namespace (is uid 0 mapped?)");
  return 0;
}

struct userns_result {
  int r;
  struct berr e;
};

/* The child's half of userns_run: unshare, wait for the maps, run, report. */
__attribute__((noreturn)) static void userns_child(int to_parent, int from_parent, int (*fn)(void *, struct berr *),
                                                   void *arg) {
  struct userns_result res = {.r = -1};
  berr_clear(&res.e);
  char go = 0;
  if (unshare(CLONE_NEWUSER) < 0)
    berr_sys(&res.e, errno, "unshare a user namespace");
  else if (write_all(to_parent, "u", 1) < 0 || read_all(from_parent, &go, 1) != 1 || go != 'g')
    berr_code(&res.e, "internal", "the helper stopped while mapping ids");
  else if (userns_become_root(&res.e) == 0)
    res.r = fn(arg, &res.e);
  write_all(to_parent, &res, sizeof res);
  _exit(0);
}

int userns_run(const struct idmaps *uids, const struct idmaps *gids, int (*fn)(void *arg, struct berr *e), void *arg,
               struct berr *e) {
  if (uids->n == 0)
    return fn(arg, e);
  int up[2], down[2];
  if (pipe2(up, O_CLOEXEC) < 0)
    return berr_sys(e, errno, "pipe");
  if (pipe2(down, O_CLOEXEC) < 0) {
    close(up[0]);
    close(up[1]);
    return berr_sys(e, errno, "pipe");
  }
  pid_t pid = fork();
  if (pid == 0) {
    close(up[0]);
    close(down[1]);
    userns_child(up[1], down[0], fn, arg);
  }
  close(up[1]);
  close(down[0]);
  _cleanup_fd_ int rd = up[0];
  _cleanup_fd_ int wr = down[1];
  if (pid < 0)
    return berr_sys(e, errno, "fork");
  char ready = 0;
  int r = 0;
  if (read_all(rd, &ready, 1) == 1 && ready == 'u') {
    r = userns_write_maps(pid, uids, gids, e);
    if (r == 0)
      write_all(wr, "g", 1);
  }
  close(steal_fd(&wr));
  struct userns_result child;
  ssize_t n = read_all(rd, &child, sizeof child);
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
    ;
  if (r < 0)
    return -1;
  if (n != (ssize_t)sizeof child)
    return berr_code(e, "internal", "the user-namespace helper process died without reporting");
  *e = child.e;
  return child.r;
}
