#include "cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "rootfs.h"
#include "util.h"

/* Overridable only so that native/test can run the v2 code on a fake tree (there it is
 * a variable set at run time). */
#ifndef CG_ROOT
#define CG_ROOT "/sys/fs/cgroup"
#endif

void warn_add(struct warnings *w, const char *fmt, ...) {
  char *text = NULL;
  va_list ap;
  va_start(ap, fmt);
  if (vasprintf(&text, fmt, ap) < 0)
    abort();
  va_end(ap);
  for (size_t i = 0; i < w->n; i++)
    if (strcmp(w->v[i], text) == 0) {
      free(text);
      return;
    }
  w->v = xrealloc(w->v, (w->n + 1) * sizeof(char *));
  w->v[w->n++] = text;
}

/* Our own cgroup for `controller` ("" for v2's "0::" line) from /proc/self/cgroup. */
static char *own_cgroup(const char *controller) {
  struct berr e;
  _cleanup_free_ char *data = read_file_at(AT_FDCWD, "/proc/self/cgroup", NULL, &e);
  if (data == NULL)
    return xstrdup("/");
  char *save = NULL;
  for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char *c1 = strchr(line, ':');
    char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (c2 == NULL)
      continue;
    *c2 = '\0';
    const char *list = c1 + 1;
    if (*controller == '\0' ? *list == '\0' : false)
      return xstrdup(c2 + 1);
    _cleanup_free_ char *copy = xstrdup(list);
    char *s2 = NULL;
    for (char *name = strtok_r(copy, ",", &s2); name; name = strtok_r(NULL, ",", &s2))
      if (strcmp(name, controller) == 0)
        return xstrdup(c2 + 1);
  }
  return xstrdup("/");
}

static int write_cg(const char *dir, const char *file, const char *value, struct berr *e) {
  _cleanup_free_ char *path = xasprintf("%s/%s", dir, file);
  return write_file_at(AT_FDCWD, path, value, strlen(value), e);
}

static bool cg_file_exists(const char *dir, const char *file) {
  _cleanup_free_ char *path = xasprintf("%s/%s", dir, file);
  return access(path, F_OK) == 0;
}

static const char *const v1_controllers[] = {"memory", "pids", "cpu", "cpuacct", "freezer"};

static void add_path(struct cgroup *cg, const char *name, char *path) {
  cg->names[cg->n] = xstrdup(name);
  cg->paths[cg->n++] = path;
}

static void v1_limits(struct cgroup *cg, const struct resources_spec *r, struct warnings *w) {
  struct berr e;
  char buf[64];
  for (size_t i = 0; i < cg->n; i++) {
    const char *name = cg->names[i], *dir = cg->paths[i];
    if (strcmp(name, "memory") == 0 && r->has_memory && r->memory != 0) {
      snprintf(buf, sizeof buf, "%lld", (long long)r->memory);
      if (write_cg(dir, "memory.limit_in_bytes", buf, &e) < 0)
        warn_add(w, "memory limit not applied: %s", e.msg);
      /* OCI's swap is memory+swap, v1's memsw exactly; absent without swap accounting. */
      if (r->has_swap && r->swap != 0 && cg_file_exists(dir, "memory.memsw.limit_in_bytes")) {
        snprintf(buf, sizeof buf, "%lld", (long long)r->swap);
        if (write_cg(dir, "memory.memsw.limit_in_bytes", buf, &e) < 0)
          warn_add(w, "swap limit not applied: %s", e.msg);
      }
    } else if (strcmp(name, "pids") == 0 && r->has_pids && r->pids != 0) {
      snprintf(buf, sizeof buf, r->pids > 0 ? "%lld" : "max", (long long)r->pids);
      if (write_cg(dir, "pids.max", buf, &e) < 0)
        warn_add(w, "pids limit not applied: %s", e.msg);
    } else if (strcmp(name, "cpu") == 0) {
      if (r->has_period && r->period) {
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)r->period);
        if (write_cg(dir, "cpu.cfs_period_us", buf, &e) < 0)
          warn_add(w, "cpu period not applied: %s", e.msg);
      }
      if (r->has_quota && r->quota) {
        snprintf(buf, sizeof buf, "%lld", (long long)r->quota);
        if (write_cg(dir, "cpu.cfs_quota_us", buf, &e) < 0)
          warn_add(w, "cpu quota not applied: %s", e.msg);
      }
      if (r->has_shares && r->shares) {
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)r->shares);
        if (write_cg(dir, "cpu.shares", buf, &e) < 0)
          warn_add(w, "cpu shares not applied: %s", e.msg);
      }
    }
  }
}

static void limits_not_applied(const struct resources_spec *r, struct warnings *w, const char *why) {
  if (r->has_memory && r->memory > 0)
    warn_add(w, "memory limit not applied: %s", why);
  if (r->has_pids && r->pids > 0)
    warn_add(w, "pids limit not applied: %s", why);
  if ((r->has_quota && r->quota > 0) || r->has_shares)
    warn_add(w, "cpu limit not applied: %s", why);
}

static const char *const v1_needs_root = "cgroup v1 needs root; run as root or use a cgroup v2 system with delegation";

/* One directory per controller in `names`; what fails becomes a warning (with the limits
 * of `r` it costs). */
static void create_v1(const char *rel, const struct resources_spec *r, const char *const *names, size_t n_names,
                      struct cgroup *cg, struct warnings *w) {
  cg->version = 1;
  for (size_t i = 0; i < n_names; i++) {
    const char *name = names[i];
    _cleanup_free_ char *mount = xasprintf("%s/%s", CG_ROOT, name);
    if (access(mount, F_OK) < 0)
      continue;
    _cleanup_free_ char *own = own_cgroup(name);
    /* A relative cgroupsPath lives under our own cgroup (runc's rule), so containers
     * stay inside whatever limits the session already has. */
    char *dir = rel[0] == '/' ? xasprintf("%s%s", mount, rel)
                              : xasprintf("%s%s/%s", mount, strcmp(own, "/") ? own : "", rel);
    struct berr e;
    if (mkdir_p(dir, 0755, &e) < 0) {
      free(dir);
      if (geteuid() != 0) {
        limits_not_applied(r, w, v1_needs_root);
        break;
      }
      warn_add(w, "cgroup %s not created: %s", name, e.msg);
      continue;
    }
    add_path(cg, name, dir);
  }
  if (cg->n == 0)
    cg->version = 0;
  v1_limits(cg, r, w);
}

/* The topmost ancestor of our cgroup that we own: systemd's delegation point
 * (user@UID.service). NULL when nothing is delegated to us. */
static char *v2_delegated_root(const char *own) {
  _cleanup_free_ char *path = xasprintf("%s%s", CG_ROOT, strcmp(own, "/") ? own : "");
  char *found = NULL;
  for (;;) {
    struct stat st;
    if (stat(path, &st) < 0 || st.st_uid != geteuid())
      break;
    _cleanup_free_ char *procs = xasprintf("%s/cgroup.procs", path);
    if (access(procs, W_OK) < 0)
      break;
    free(found);
    found = xstrdup(path);
    char *slash = strrchr(path, '/');
    if (slash == NULL || slash == path + strlen(CG_ROOT) - 1 || strlen(path) <= strlen(CG_ROOT))
      break;
    *slash = '\0';
  }
  return found;
}

static void v2_enable_in(const char *dir, struct warnings *w) {
  static const char *const want[] = {"memory", "pids", "cpu"};
  struct berr e;
  _cleanup_free_ char *ctl = xasprintf("%s/cgroup.controllers", dir);
  _cleanup_free_ char *avail = read_file_at(AT_FDCWD, ctl, NULL, &e);
  _cleanup_free_ char *sc = xasprintf("%s/cgroup.subtree_control", dir);
  for (size_t i = 0; avail && i < sizeof want / sizeof want[0]; i++) {
    if (!strstr(avail, want[i]))
      continue;
    char op[32];
    snprintf(op, sizeof op, "+%s", want[i]);
    if (write_file_at(AT_FDCWD, sc, op, strlen(op), &e) < 0)
      warn_add(w, "enable the %s controller in '%s': %s", want[i], dir, e.msg);
  }
}

/* Creates dir below `top`, enabling our controllers in the subtree_control of each
 * level on the way (the no-internal-processes rule: only process-free cgroups can). */
static int v2_mkdir(const char *top, const char *dir, struct warnings *w, struct berr *e) {
  _cleanup_free_ char *path = xstrdup(dir);
  for (char *p = path + strlen(top); *p == '/';) {
    *p = '\0';
    v2_enable_in(path, w);
    *p = '/';
    char *next = strchr(p + 1, '/');
    if (next)
      *next = '\0';
    if (mkdir(path, 0755) < 0 && errno != EEXIST)
      return berr_sys(e, errno, "mkdir '%s'", path);
    if (next == NULL)
      break;
    *next = '/';
    p = next;
  }
  return 0;
}

/* The directory of cgroupsPath `rel` in the unified tree (relative: below the delegated
 * root, or the root of the tree for root), made; NULL and why not in `e`. */
static char *v2_make_dir(const char *rel, struct warnings *w, struct berr *e) {
  _cleanup_free_ char *own = own_cgroup("");
  _cleanup_free_ char *top = NULL;
  if (geteuid() == 0) {
    top = xstrdup(CG_ROOT);
  } else {
    top = v2_delegated_root(own);
    if (top == NULL) {
      berr_code(e, "permission-denied", "no cgroup v2 subtree is delegated to this user (systemd: Delegate=yes)");
      return NULL;
    }
  }
  char *dir = rel[0] == '/' ? xasprintf("%s%s", CG_ROOT, rel) : xasprintf("%s/%s", top, rel);
  if (strncmp(dir, top, strlen(top)) != 0) {
    berr_code(e, "permission-denied", "cgroupsPath is outside the delegated cgroup subtree");
    free(dir);
    return NULL;
  }
  if (v2_mkdir(top, dir, w, e) < 0) {
    free(dir);
    return NULL;
  }
  return dir;
}

static void create_v2(const struct spec *s, struct cgroup *cg, struct warnings *w) {
  const struct resources_spec *r = &s->res;
  struct berr e;
  char *dir = v2_make_dir(s->cgroups_path, w, &e);
  if (dir == NULL) {
    limits_not_applied(r, w, e.msg);
    return;
  }
  cg->version = 2;
  add_path(cg, "unified", dir);
  char buf[64];
  if (r->has_memory && r->memory > 0) {
    snprintf(buf, sizeof buf, "%lld", (long long)r->memory);
    if (write_cg(dir, "memory.max", buf, &e) < 0)
      warn_add(w, "memory limit not applied: %s", e.msg);
    if (r->has_swap && r->swap >= r->memory) {
      snprintf(buf, sizeof buf, "%lld", (long long)(r->swap - r->memory));
      if (cg_file_exists(dir, "memory.swap.max") && write_cg(dir, "memory.swap.max", buf, &e) < 0)
        warn_add(w, "swap limit not applied: %s", e.msg);
    }
  }
  if (r->has_pids && r->pids > 0) {
    snprintf(buf, sizeof buf, "%lld", (long long)r->pids);
    if (write_cg(dir, "pids.max", buf, &e) < 0)
      warn_add(w, "pids limit not applied: %s", e.msg);
  }
  if (r->has_quota && r->quota > 0) {
    snprintf(buf, sizeof buf, "%lld %llu", (long long)r->quota, (unsigned long long)(r->period ? r->period : 100000));
    if (write_cg(dir, "cpu.max", buf, &e) < 0)
      warn_add(w, "cpu limit not applied: %s", e.msg);
  }
  if (r->has_shares && r->shares >= 2) {
    /* runc's conversion of v1 shares [2, 262144] to v2 weight [1, 10000]. */
    snprintf(buf, sizeof buf, "%llu", 1 + ((unsigned long long)r->shares - 2) * 9999 / 262142);
    if (write_cg(dir, "cpu.weight", buf, &e) < 0)
      warn_add(w, "cpu shares not applied: %s", e.msg);
  }
}

void cgroup_create(const struct spec *s, struct cgroup *cg, struct warnings *w) {
  memset(cg, 0, sizeof *cg);
  if (cgroup_fs_version() == 2)
    create_v2(s, cg, w);
  else
    create_v1(s->cgroups_path, &s->res, v1_controllers, sizeof v1_controllers / sizeof v1_controllers[0], cg, w);
}

int cgroup_create_freezer(const char *rel, struct cgroup *cg, struct berr *e) {
  static const struct resources_spec no_limits;
  static const char *const freezer[] = {"freezer"};
  memset(cg, 0, sizeof *cg);
  struct warnings w = {0};
  if (cgroup_fs_version() == 2) {
    char *dir = v2_make_dir(rel, &w, e);
    if (dir == NULL)
      return berr_wrap(e, "make a cgroup to freeze the container in");
    cg->version = 2;
    add_path(cg, "freezer", dir);
  } else {
    create_v1(rel, &no_limits, freezer, 1, cg, &w);
    if (cg->version == 0)
      berr_code(e, "permission-denied", "make a freezer cgroup: %s", w.n ? w.v[0] : v1_needs_root);
  }
  for (size_t i = 0; i < w.n; i++)
    free(w.v[i]);
  free(w.v);
  return cg->version == 0 ? -1 : 0;
}

int cgroup_add_pid(const struct cgroup *cg, pid_t pid, struct berr *e) {
  char buf[32];
  snprintf(buf, sizeof buf, "%d", pid);
  for (size_t i = 0; i < cg->n; i++)
    if (write_cg(cg->paths[i], "cgroup.procs", buf, e) < 0)
      return berr_wrap(e, "join cgroup '%s'", cg->paths[i]);
  return 0;
}

int cgroup_save(int statefd, const struct cgroup *cg, struct berr *e) {
  _cleanup_json_ json_t *paths = json_object();
  for (size_t i = 0; i < cg->n; i++)
    json_object_set_new(paths, cg->names[i], json_string(cg->paths[i]));
  _cleanup_json_ json_t *obj = json_pack("{s:i,s:O}", "version", cg->version, "paths", paths);
  _cleanup_free_ char *text = json_dumps(obj, JSON_COMPACT);
  return write_file_atomic_at(statefd, "cgroup.json", text, strlen(text), e);
}

int cgroup_load(int statefd, struct cgroup *cg, struct berr *e) {
  memset(cg, 0, sizeof *cg);
  _cleanup_free_ char *text = read_file_at(statefd, "cgroup.json", NULL, e);
  if (text == NULL)
    return e->errnum == ENOENT ? 0 : -1;
  _cleanup_json_ json_t *obj = json_loads(text, 0, NULL);
  cg->version = (int)json_integer_value(json_object_get(obj, "version"));
  const char *key;
  json_t *val;
  json_object_foreach(json_object_get(obj, "paths"), key, val) {
    if (cg->n < CGROUP_MAX_PATHS && json_is_string(val))
      add_path(cg, key, xstrdup(json_string_value(val)));
  }
  return 0;
}

bool cgroup_oom_killed(const struct cgroup *cg) {
  for (size_t i = 0; i < cg->n; i++) {
    const char *file = cg->version == 2 ? "memory.events" : strcmp(cg->names[i], "memory") == 0 ? "memory.oom_control" : NULL;
    if (file == NULL)
      continue;
    struct berr e;
    _cleanup_free_ char *path = xasprintf("%s/%s", cg->paths[i], file);
    _cleanup_free_ char *text = read_file_at(AT_FDCWD, path, NULL, &e);
    const char *p = text ? strstr(text, "oom_kill ") : NULL;
    if (p && atoll(p + strlen("oom_kill ")) > 0)
      return true;
  }
  return false;
}

static bool kill_all(const char *dir) {
  struct berr e;
  _cleanup_free_ char *path = xasprintf("%s/cgroup.procs", dir);
  _cleanup_free_ char *text = read_file_at(AT_FDCWD, path, NULL, &e);
  if (text == NULL || *text == '\0')
    return false;
  char *save = NULL;
  for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
    kill((pid_t)atoi(line), SIGKILL);
  return true;
}

void cgroup_destroy(struct cgroup *cg) {
  for (size_t i = 0; i < cg->n; i++) {
    /* Stragglers (a daemon the container left behind without a pid namespace) go too. */
    for (int tries = 0; tries < 100; tries++) {
      if (rmdir(cg->paths[i]) == 0 || errno == ENOENT)
        break;
      if (errno != EBUSY)
        break;
      kill_all(cg->paths[i]);
      struct timespec ts = {0, 10 * 1000 * 1000};
      nanosleep(&ts, NULL);
    }
  }
}

