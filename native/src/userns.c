#include "userns.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "util.h"

long idmap_to_host(const struct idmaps *m, uint32_t id) {
  for (size_t i = 0; i < m->n; i++)
    if (id >= m->v[i].container_id && id - m->v[i].container_id < m->v[i].size)
      return (long)m->v[i].host_id + (long)(id - m->v[i].container_id);
  return -1;
}

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

/* Runs newuidmap/newgidmap; their stderr becomes the error text. */
static int run_idmap_tool(const char *tool, pid_t pid, const struct idmaps *m, struct berr *e) {
  size_t argc = 2 + 3 * m->n + 1;
  char **argv = xcalloc(argc, sizeof(char *));
  argv[0] = (char *)tool;
  argv[1] = xasprintf("%d", pid);
  for (size_t i = 0; i < m->n; i++) {
    argv[2 + 3 * i] = xasprintf("%u", m->v[i].container_id);
    argv[3 + 3 * i] = xasprintf("%u", m->v[i].host_id);
    argv[4 + 3 * i] = xasprintf("%u", m->v[i].size);
  }
  int errpipe[2];
  if (pipe2(errpipe, O_CLOEXEC) < 0)
    return berr_sys(e, errno, "pipe");
  pid_t child = fork();
  if (child < 0)
    return berr_sys(e, errno, "fork %s", tool);
  if (child == 0) {
    dup2(errpipe[1], STDERR_FILENO);
    execvp(tool, argv);
    dprintf(STDERR_FILENO, "exec %s: %s (install the uidmap package)", tool, strerror(errno));
    _exit(127);
  }
  close(errpipe[1]);
  char out[512];
  ssize_t n = read_all(errpipe[0], out, sizeof out - 1);
  close(errpipe[0]);
  out[n > 0 ? n : 0] = '\0';
  for (size_t i = 1; i < argc - 1; i++)
    free(argv[i]);
  free(argv);
  int status;
  if (TEMP_FAILURE_RETRY(waitpid(child, &status, 0)) < 0)
    return berr_sys(e, errno, "wait for %s", tool);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    char *nl = strchr(out, '\n');
    if (nl)
      *nl = '\0';
    return berr_code(e, "permission-denied", "%s failed: %s (are the ids listed in /etc/sub%cid for this user?)", tool,
                     out[0] ? out : "no message", tool[3] == 'u' ? 'u' : 'g');
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
  if (run_idmap_tool("newgidmap", pid, &gids, e) < 0 || run_idmap_tool("newuidmap", pid, &uids, e) < 0)
    return -1;
  return 0;
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
