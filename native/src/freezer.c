/* The freezer op: a cgroup for a running container that was started without one.
 * Containers without limits get no cgroup at start (joining one costs the start an RCU
 * grace period, ~10 ms); pausing one makes a freezer cgroup then and moves the
 * container's processes into it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cgroup.h"
#include "ops.h"
#include "proto.h"
#include "util.h"

/* Sweeps of /proc before giving up on a container that forks faster than we move it. */
#define ADOPT_SWEEPS 100

static int pid_ns_of(const char *pid, char *buf, size_t size) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%s/ns/pid", pid);
  ssize_t n = readlink(path, buf, size - 1);
  if (n < 0)
    return -1;
  buf[n] = '\0';
  return 0;
}

struct pid_set {
  pid_t *v;
  size_t n;
};

static bool pid_set_has(const struct pid_set *s, pid_t pid) {
  for (size_t i = 0; i < s->n; i++)
    if (s->v[i] == pid)
      return true;
  return false;
}

/* Moves the processes of pid namespace `ns` not in `moved` yet; *found: how many. */
static int adopt_sweep(const struct cgroup *cg, const char *ns, struct pid_set *moved, size_t *found, struct berr *e) {
  DIR *proc = opendir("/proc");
  if (proc == NULL)
    return berr_sys(e, errno, "open /proc");
  *found = 0;
  int r = 0;
  struct dirent *de;
  while (r == 0 && (de = readdir(proc)) != NULL) {
    char their[64];
    pid_t pid = (pid_t)atoi(de->d_name);
    if (pid <= 0 || pid_set_has(moved, pid) || pid_ns_of(de->d_name, their, sizeof their) < 0 || strcmp(their, ns) != 0)
      continue;
    (*found)++;
    moved->v = xrealloc(moved->v, (moved->n + 1) * sizeof *moved->v);
    moved->v[moved->n++] = pid;
    /* A process that exited meanwhile is not an error. */
    if (cgroup_add_pid(cg, pid, e) < 0 && e->errnum != ESRCH)
      r = -1;
  }
  closedir(proc);
  return r;
}

/* Moves every process of the pid namespace whose init is `init` into `cg`. A child forked
 * by a process already moved is born inside; one forked by a process not moved yet shows
 * up in the next sweep, so a sweep that finds nobody new means everyone is in. */
static int adopt(const struct cgroup *cg, pid_t init, struct berr *e) {
  char pid[16], ns[64], ours[64];
  snprintf(pid, sizeof pid, "%d", init);
  if (pid_ns_of(pid, ns, sizeof ns) < 0)
    return berr_code(e, "failed-precondition", "the container's process %d is gone: the container has exited", init);
  if (pid_ns_of("self", ours, sizeof ours) == 0 && strcmp(ns, ours) == 0)
    return berr_code(e, "invalid-argument", "process %d is not a container's init: it shares the helper's pid namespace", init);
  struct pid_set moved = {0};
  int r = 1;
  for (int sweep = 0; r == 1 && sweep < ADOPT_SWEEPS; sweep++) {
    size_t found = 0;
    if (adopt_sweep(cg, ns, &moved, &found, e) < 0)
      r = -1;
    else if (found == 0)
      r = 0;
  }
  free(moved.v);
  if (r == 1)
    return berr_code(e, "conflict", "the container's processes kept forking faster than they could be moved into its cgroup");
  return r;
}

int op_freezer(json_t *req, json_t *reply, struct berr *e) {
  const char *state, *rel = req_string(req, "cgroupsPath", e);
  json_int_t init = json_integer_value(json_object_get(req, "pid"));
  if (rel == NULL || req_absolute_path(req, "state", &state, e) < 0)
    return -1;
  if (init <= 0)
    return berr_code(e, "invalid-argument", "request field \"pid\" must be the container's init pid (a positive integer)");
  _cleanup_fd_ int dir = TEMP_FAILURE_RETRY(open(state, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir < 0)
    return berr_sys(e, errno, "open the state dir '%s'", state);
  struct cgroup cg;
  if (cgroup_load(dir, &cg, e) < 0)
    return -1;
  if (cg.n > 0)
    return 0; /* it has one: made at start (limits) or by an earlier pause */
  if (cgroup_create_freezer(rel, &cg, e) < 0)
    return -1;
  if (adopt(&cg, (pid_t)init, e) < 0 || cgroup_save(dir, &cg, e) < 0) {
    cgroup_destroy(&cg);
    return -1;
  }
  /* The monitor removes the cgroups cgroup.json lists once it has reaped the init. If it
   * did so before the record was there, nobody else will. */
  if (kill((pid_t)init, 0) < 0 && errno == ESRCH) {
    cgroup_destroy(&cg);
    return berr_code(e, "failed-precondition", "the container exited while it was being paused");
  }
  return 0;
}
