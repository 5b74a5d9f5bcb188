/* The subset of an OCI runtime-spec config.json the helper honours, as plain C data
 * (parsed once with jansson; see native/README.md for the field list). */
#ifndef BERTH_SPEC_H
#define BERTH_SPEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

struct idmap {
  uint32_t container_id, host_id, size;
};

struct idmaps {
  struct idmap *v;
  size_t n;
};

struct rlimit_spec {
  const char *name; /* "RLIMIT_NOFILE", for messages */
  int resource;
  uint64_t soft, hard;
};

enum { CAPSET_BOUNDING, CAPSET_EFFECTIVE, CAPSET_INHERITABLE, CAPSET_PERMITTED, CAPSET_AMBIENT, CAPSET_COUNT };

struct caps_spec {
  bool present;                /* absent: the capability sets are left as they are */
  uint64_t set[CAPSET_COUNT];
};

struct process_spec {
  bool terminal;
  bool has_console_size;
  unsigned short rows, cols;
  char **args; /* NULL-terminated */
  char **env;  /* NULL-terminated */
  char *cwd;
  uid_t uid;
  gid_t gid;
  gid_t *add_gids;
  size_t n_add_gids;
  bool has_umask;
  mode_t umask;
  struct caps_spec caps;
  bool no_new_privs;
  struct rlimit_spec *rlimits;
  size_t n_rlimits;
};

struct mount_spec {
  char *destination, *type, *source;
  char **options; /* NULL-terminated */
};

struct ns_spec {
  int flag;   /* CLONE_NEW* */
  char *path; /* NULL: create a new one */
};

struct resources_spec {
  bool has_memory, has_swap, has_pids, has_quota, has_period, has_shares;
  int64_t memory, swap, pids, quota;
  uint64_t period, shares;
};

struct sysctl_spec {
  char *key, *value;
};

struct spec {
  char *root_path; /* absolute */
  bool root_readonly;
  char *hostname;
  struct process_spec process;
  struct mount_spec *mounts;
  size_t n_mounts;
  struct ns_spec *ns;
  size_t n_ns;
  struct idmaps uid_maps, gid_maps;
  struct resources_spec res;
  char *cgroups_path;
  char **masked;   /* NULL-terminated */
  char **readonly; /* NULL-terminated */
  struct sysctl_spec *sysctl;
  size_t n_sysctl;
  char *rootfs_propagation;
  bool init;  /* annotation berth.init: "true" or "1" */
  char *name; /* annotation berth.container.name, for events */
};

static inline void cleanup_jsonp(json_t **p) {
  if (*p)
    json_decref(*p);
}
#define _cleanup_json_ __attribute__((cleanup(cleanup_jsonp)))

/* Reads <bundle>/config.json. */
int spec_load(const char *bundle, struct spec *out, struct berr *e);
int spec_parse_process(json_t *obj, struct process_spec *out, struct berr *e);
int spec_parse_idmaps(json_t *arr, const char *what, struct idmaps *out, struct berr *e);

const struct ns_spec *spec_find_ns(const struct spec *s, int flag);
bool spec_has_limits(const struct resources_spec *r);

#endif
