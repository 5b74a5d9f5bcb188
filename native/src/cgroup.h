/* cgroups for one container: v1 (one directory per controller), v2 (one directory in
 * the unified tree), and hybrid hosts (v1 controllers + an empty cgroup2 mount, treated
 * as v1). Limits that cannot be applied become warnings, never failures. */
#ifndef BERTH_CGROUP_H
#define BERTH_CGROUP_H

#include <stdbool.h>
#include <sys/types.h>

#include "spec.h"

#define CGROUP_MAX_PATHS 8

struct cgroup {
  int version; /* 0: none (not permitted here), 1 or 2 */
  size_t n;
  char *names[CGROUP_MAX_PATHS]; /* controller (v1) or "unified" (v2) */
  char *paths[CGROUP_MAX_PATHS];
};

struct warnings {
  char **v;
  size_t n;
};
void warn_add(struct warnings *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Creates linux.cgroupsPath (relative: below our own cgroup) and writes the limits. */
void cgroup_create(const struct spec *s, struct cgroup *cg, struct warnings *w);
/* The cgroup a container that has none gets when it is first paused: v1's freezer
 * controller, or a v2 cgroup named "freezer" in the record — its usage figures would
 * miss everything from before, so stats keep reading /proc. */
int cgroup_create_freezer(const char *rel, struct cgroup *cg, struct berr *e);
int cgroup_add_pid(const struct cgroup *cg, pid_t pid, struct berr *e);
/* state/cgroup.json: {"version":N,"paths":{"memory":"/sys/fs/cgroup/memory/…",…}} */
int cgroup_save(int statefd, const struct cgroup *cg, struct berr *e);
int cgroup_load(int statefd, struct cgroup *cg, struct berr *e);
bool cgroup_oom_killed(const struct cgroup *cg);
/* Kills what is left and removes the directories. */
void cgroup_destroy(struct cgroup *cg);

#endif
