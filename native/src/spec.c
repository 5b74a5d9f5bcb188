#include "spec.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "util.h"

static const char *const cap_names[] = {
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
    "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
    "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
};

static int cap_from_name(const char *name) {
  for (size_t i = 0; i < sizeof cap_names / sizeof cap_names[0]; i++)
    if (strcasecmp(name, cap_names[i]) == 0 || strcasecmp(name, cap_names[i] + 4) == 0)
      return (int)i;
  return -1;
}

static const struct {
  const char *name;
  int resource;
} rlimit_names[] = {
    {"RLIMIT_AS", RLIMIT_AS},           {"RLIMIT_CORE", RLIMIT_CORE},       {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},       {"RLIMIT_FSIZE", RLIMIT_FSIZE},     {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},   {"RLIMIT_NPROC", RLIMIT_NPROC},     {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},   {"RLIMIT_RTTIME", RLIMIT_RTTIME},   {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

static const struct {
  const char *name;
  int flag;
} ns_names[] = {
    {"pid", CLONE_NEWPID}, {"network", CLONE_NEWNET}, {"mount", CLONE_NEWNS},       {"ipc", CLONE_NEWIPC},
    {"uts", CLONE_NEWUTS}, {"user", CLONE_NEWUSER},   {"cgroup", CLONE_NEWCGROUP},
};

static char *opt_str(json_t *obj, const char *key) {
  const char *s = json_string_value(json_object_get(obj, key));
  return s ? xstrdup(s) : NULL;
}

static int parse_strv(json_t *arr, const char *what, char ***out, struct berr *e) {
  if (arr == NULL || json_is_null(arr)) {
    *out = xcalloc(1, sizeof(char *));
    return 0;
  }
  if (!json_is_array(arr))
    return berr_code(e, "invalid-argument", "%s must be an array of strings", what);
  size_t n = json_array_size(arr);
  char **v = xcalloc(n + 1, sizeof(char *));
  for (size_t i = 0; i < n; i++) {
    const char *s = json_string_value(json_array_get(arr, i));
    if (s == NULL) {
      for (size_t j = 0; j < i; j++)
        free(v[j]);
      free(v);
      return berr_code(e, "invalid-argument", "%s[%zu] must be a string", what, i);
    }
    v[i] = xstrdup(s);
  }
  *out = v;
  return 0;
}

int spec_parse_idmaps(json_t *arr, const char *what, struct idmaps *out, struct berr *e) {
  out->v = NULL;
  out->n = 0;
  if (arr == NULL || json_is_null(arr))
    return 0;
  if (!json_is_array(arr))
    return berr_code(e, "invalid-argument", "%s must be an array", what);
  out->n = json_array_size(arr);
  out->v = xcalloc(out->n, sizeof *out->v);
  for (size_t i = 0; i < out->n; i++) {
    json_t *m = json_array_get(arr, i);
    json_t *c = json_object_get(m, "containerID"), *h = json_object_get(m, "hostID"), *s = json_object_get(m, "size");
    if (!json_is_integer(c) || !json_is_integer(h) || !json_is_integer(s) || json_integer_value(s) <= 0)
      return berr_code(e, "invalid-argument", "%s[%zu] needs integer containerID, hostID and a positive size", what, i);
    out->v[i].container_id = (uint32_t)json_integer_value(c);
    out->v[i].host_id = (uint32_t)json_integer_value(h);
    out->v[i].size = (uint32_t)json_integer_value(s);
  }
  return 0;
}

static int parse_capset(json_t *arr, const char *what, uint64_t *set, struct berr *e) {
  *set = 0;
  if (arr == NULL || json_is_null(arr))
    return 0;
  if (!json_is_array(arr))
    return berr_code(e, "invalid-argument", "process.capabilities.%s must be an array", what);
  for (size_t i = 0; i < json_array_size(arr); i++) {
    const char *name = json_string_value(json_array_get(arr, i));
    int cap = name ? cap_from_name(name) : -1;
    if (cap < 0)
      return berr_code(e, "invalid-argument", "process.capabilities.%s: unknown capability '%s'", what,
                       name ? name : "?");
    *set |= 1ULL << cap;
  }
  return 0;
}

static int parse_caps(json_t *obj, struct caps_spec *caps, struct berr *e) {
  static const char *const names[CAPSET_COUNT] = {"bounding", "effective", "inheritable", "permitted", "ambient"};
  caps->present = obj != NULL && json_is_object(obj);
  if (!caps->present)
    return 0;
  for (int i = 0; i < CAPSET_COUNT; i++)
    if (parse_capset(json_object_get(obj, names[i]), names[i], &caps->set[i], e) < 0)
      return -1;
  return 0;
}

static int parse_rlimits(json_t *arr, struct process_spec *p, struct berr *e) {
  if (arr == NULL || !json_is_array(arr))
    return 0;
  p->n_rlimits = json_array_size(arr);
  p->rlimits = xcalloc(p->n_rlimits, sizeof *p->rlimits);
  for (size_t i = 0; i < p->n_rlimits; i++) {
    json_t *r = json_array_get(arr, i);
    const char *type = json_string_value(json_object_get(r, "type"));
    int res = -1;
    for (size_t j = 0; type && j < sizeof rlimit_names / sizeof rlimit_names[0]; j++)
      if (strcmp(type, rlimit_names[j].name) == 0) {
        res = rlimit_names[j].resource;
        p->rlimits[i].name = rlimit_names[j].name;
      }
    if (res < 0)
      return berr_code(e, "invalid-argument", "process.rlimits[%zu]: unknown type '%s'", i, type ? type : "?");
    p->rlimits[i].resource = res;
    p->rlimits[i].soft = (uint64_t)json_integer_value(json_object_get(r, "soft"));
    p->rlimits[i].hard = (uint64_t)json_integer_value(json_object_get(r, "hard"));
  }
  return 0;
}

int spec_parse_process(json_t *obj, struct process_spec *p, struct berr *e) {
  memset(p, 0, sizeof *p);
  if (!json_is_object(obj))
    return berr_code(e, "invalid-argument", "process must be an object");
  p->terminal = json_is_true(json_object_get(obj, "terminal"));
  json_t *size = json_object_get(obj, "consoleSize");
  if (json_is_object(size)) {
    p->has_console_size = true;
    p->rows = (unsigned short)json_integer_value(json_object_get(size, "height"));
    p->cols = (unsigned short)json_integer_value(json_object_get(size, "width"));
  }
  if (parse_strv(json_object_get(obj, "args"), "process.args", &p->args, e) < 0 ||
      parse_strv(json_object_get(obj, "env"), "process.env", &p->env, e) < 0)
    return -1;
  if (p->args[0] == NULL)
    return berr_code(e, "invalid-argument", "process.args must name a program to run");
  p->cwd = opt_str(obj, "cwd");
  if (p->cwd == NULL)
    p->cwd = xstrdup("/");
  if (p->cwd[0] != '/')
    return berr_code(e, "invalid-argument", "process.cwd '%s' must be an absolute path", p->cwd);
  json_t *user = json_object_get(obj, "user");
  p->uid = (uid_t)json_integer_value(json_object_get(user, "uid"));
  p->gid = (gid_t)json_integer_value(json_object_get(user, "gid"));
  json_t *umask_v = json_object_get(user, "umask");
  p->has_umask = json_is_integer(umask_v);
  p->umask = (mode_t)json_integer_value(umask_v);
  json_t *gids = json_object_get(user, "additionalGids");
  p->n_add_gids = json_is_array(gids) ? json_array_size(gids) : 0;
  p->add_gids = xcalloc(p->n_add_gids, sizeof(gid_t));
  for (size_t i = 0; i < p->n_add_gids; i++)
    p->add_gids[i] = (gid_t)json_integer_value(json_array_get(gids, i));
  p->no_new_privs = json_is_true(json_object_get(obj, "noNewPrivileges"));
  if (parse_caps(json_object_get(obj, "capabilities"), &p->caps, e) < 0)
    return -1;
  return parse_rlimits(json_object_get(obj, "rlimits"), p, e);
}

static int parse_mounts(json_t *arr, struct spec *s, struct berr *e) {
  if (arr == NULL || !json_is_array(arr))
    return 0;
  s->n_mounts = json_array_size(arr);
  s->mounts = xcalloc(s->n_mounts, sizeof *s->mounts);
  for (size_t i = 0; i < s->n_mounts; i++) {
    json_t *m = json_array_get(arr, i);
    struct mount_spec *ms = &s->mounts[i];
    ms->destination = opt_str(m, "destination");
    if (ms->destination == NULL || ms->destination[0] != '/')
      return berr_code(e, "invalid-argument", "mounts[%zu].destination must be an absolute path", i);
    ms->type = opt_str(m, "type");
    ms->source = opt_str(m, "source");
    if (parse_strv(json_object_get(m, "options"), "mount options", &ms->options, e) < 0)
      return -1;
    if (ms->type == NULL) /* the spec lets a bind be said by options alone */
      ms->type = xstrdup("none");
  }
  return 0;
}

static int parse_namespaces(json_t *arr, struct spec *s, struct berr *e) {
  if (arr == NULL || !json_is_array(arr))
    return 0;
  s->n_ns = json_array_size(arr);
  s->ns = xcalloc(s->n_ns, sizeof *s->ns);
  for (size_t i = 0; i < s->n_ns; i++) {
    json_t *n = json_array_get(arr, i);
    const char *type = json_string_value(json_object_get(n, "type"));
    for (size_t j = 0; type && j < sizeof ns_names / sizeof ns_names[0]; j++)
      if (strcmp(type, ns_names[j].name) == 0)
        s->ns[i].flag = ns_names[j].flag;
    if (s->ns[i].flag == 0)
      return berr_code(e, "invalid-argument", "linux.namespaces[%zu]: unsupported type '%s'", i, type ? type : "?");
    s->ns[i].path = opt_str(n, "path");
  }
  return 0;
}

static void parse_resources(json_t *r, struct resources_spec *res) {
  json_t *mem = json_object_get(r, "memory"), *pids = json_object_get(r, "pids"), *cpu = json_object_get(r, "cpu");
  json_t *v;
#define GET(obj, key, has, field)          \
  if (json_is_integer(v = json_object_get(obj, key))) { \
    res->has = true;                      \
    res->field = json_integer_value(v);   \
  }
  GET(mem, "limit", has_memory, memory)
  GET(mem, "swap", has_swap, swap)
  GET(pids, "limit", has_pids, pids)
  GET(cpu, "quota", has_quota, quota)
  GET(cpu, "period", has_period, period)
  GET(cpu, "shares", has_shares, shares)
#undef GET
}

bool spec_has_limits(const struct resources_spec *r) {
  return (r->has_memory && r->memory > 0) || (r->has_pids && r->pids > 0) || (r->has_quota && r->quota > 0) ||
         r->has_shares;
}

static int parse_linux(json_t *lx, struct spec *s, struct berr *e) {
  if (parse_namespaces(json_object_get(lx, "namespaces"), s, e) < 0 ||
      spec_parse_idmaps(json_object_get(lx, "uidMappings"), "linux.uidMappings", &s->uid_maps, e) < 0 ||
      spec_parse_idmaps(json_object_get(lx, "gidMappings"), "linux.gidMappings", &s->gid_maps, e) < 0 ||
      parse_strv(json_object_get(lx, "maskedPaths"), "linux.maskedPaths", &s->masked, e) < 0 ||
      parse_strv(json_object_get(lx, "readonlyPaths"), "linux.readonlyPaths", &s->readonly, e) < 0)
    return -1;
  parse_resources(json_object_get(lx, "resources"), &s->res);
  s->cgroups_path = opt_str(lx, "cgroupsPath");
  s->rootfs_propagation = opt_str(lx, "rootfsPropagation");
  json_t *sysctl = json_object_get(lx, "sysctl");
  s->n_sysctl = json_is_object(sysctl) ? json_object_size(sysctl) : 0;
  s->sysctl = xcalloc(s->n_sysctl, sizeof *s->sysctl);
  const char *key;
  json_t *val;
  size_t i = 0;
  json_object_foreach(sysctl, key, val) {
    if (!json_is_string(val))
      return berr_code(e, "invalid-argument", "linux.sysctl.%s must be a string", key);
    s->sysctl[i].key = xstrdup(key);
    s->sysctl[i++].value = xstrdup(json_string_value(val));
  }
  return 0;
}

int spec_load(const char *bundle, struct spec *s, struct berr *e) {
  memset(s, 0, sizeof *s);
  _cleanup_free_ char *path = xasprintf("%s/config.json", bundle);
  json_error_t jerr;
  _cleanup_json_ json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
  if (root == NULL) {
    if (access(path, F_OK) < 0)
      return berr_sys(e, errno, "open '%s'", path);
    return berr_code(e, "invalid-argument", "%s:%d: %s", path, jerr.line, jerr.text);
  }
  json_t *rootobj = json_object_get(root, "root");
  const char *rp = json_string_value(json_object_get(rootobj, "path"));
  if (rp == NULL)
    return berr_code(e, "invalid-argument", "%s: root.path is required", path);
  _cleanup_free_ char *joined = rp[0] == '/' ? xstrdup(rp) : xasprintf("%s/%s", bundle, rp);
  s->root_path = realpath(joined, NULL);
  if (s->root_path == NULL)
    return berr_sys(e, errno, "root.path '%s'", joined);
  s->root_readonly = json_is_true(json_object_get(rootobj, "readonly"));
  s->hostname = opt_str(root, "hostname");
  json_t *annotations = json_object_get(root, "annotations");
  const char *init = json_string_value(json_object_get(annotations, "berth.init"));
  s->init = init != NULL && (strcmp(init, "true") == 0 || strcmp(init, "1") == 0);
  s->name = opt_str(annotations, "berth.container.name");
  if (spec_parse_process(json_object_get(root, "process"), &s->process, e) < 0 ||
      parse_mounts(json_object_get(root, "mounts"), s, e) < 0 || parse_linux(json_object_get(root, "linux"), s, e) < 0)
    return berr_wrap(e, "%s", path);
  return 0;
}

const struct ns_spec *spec_find_ns(const struct spec *s, int flag) {
  for (size_t i = 0; i < s->n_ns; i++)
    if (s->ns[i].flag == flag)
      return &s->ns[i];
  return NULL;
}

