/* Unit test of the cgroup v2 code paths on a fake unified tree (this machine is v1
 * hybrid, so they never run for real here). Built by `make -C native test` with CG_ROOT
 * pointing at a temp dir; includes cgroup.c to reach its static functions. Run as root
 * (limits below the root) and as a user (limits below the delegated subtree).
 *   cgroup_v2_test DIR   (DIR: an absent or disposable directory for the fake tree) */
static const char *test_cg_root;
#define CG_ROOT test_cg_root
#include "../src/cgroup.c"

#include <assert.h>

#include "check.h"

static void put(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  assert(f != NULL);
  fputs(text, f);
  fclose(f);
}

static char *get(const char *dir, const char *file) {
  _cleanup_free_ char *path = xasprintf("%s/%s", dir, file);
  struct berr e;
  char *text = read_file_at(AT_FDCWD, path, NULL, &e);
  return text ? text : xstrdup("<missing>");
}

/* Our cgroup as the kernel names it (the "0::" line), made under the fake root. */
static char *fake_own_cgroup(void) {
  char *own = own_cgroup("");
  _cleanup_free_ char *cmd = xasprintf("mkdir -p '%s%s'", CG_ROOT, own);
  assert(system(cmd) == 0);
  _cleanup_free_ char *root_controllers = xasprintf("%s/cgroup.controllers", CG_ROOT);
  _cleanup_free_ char *root_procs = xasprintf("%s/cgroup.procs", CG_ROOT);
  put(root_controllers, "cpuset cpu io memory pids\n");
  put(root_procs, "");
  for (char *p = own + 1; *p; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    _cleanup_free_ char *controllers = xasprintf("%s%s/cgroup.controllers", CG_ROOT, own);
    _cleanup_free_ char *procs = xasprintf("%s%s/cgroup.procs", CG_ROOT, own);
    put(controllers, "cpu memory pids\n");
    put(procs, "");
    *p = '/';
  }
  return own;
}

int main(int argc, char **argv) {
  if (argc != 2 || argv[1][0] != '/') {
    fprintf(stderr, "usage: cgroup_v2_test /ABSOLUTE/DIR\n");
    return 2;
  }
  test_cg_root = argv[1];
  _cleanup_free_ char *fresh = xasprintf("rm -rf '%s' && mkdir -p '%s'", CG_ROOT, CG_ROOT);
  assert(system(fresh) == 0);
  _cleanup_free_ char *own = fake_own_cgroup();

  struct spec s = {0};
  s.cgroups_path = "berth/test-container";
  s.res = (struct resources_spec){.has_memory = true, .memory = 64 << 20, .has_pids = true, .pids = 32,
                                  .has_quota = true, .quota = 50000, .has_period = true, .period = 100000,
                                  .has_shares = true, .shares = 1024};
  struct cgroup cg = {0};
  struct warnings w = {0};
  create_v2(&s, &cg, &w);
  for (size_t i = 0; i < w.n; i++)
    fprintf(stderr, "warning: %s\n", w.v[i]);

  CHECK(cg.version == 2, "version %d, want 2", cg.version);
  CHECK(cg.n == 1 && strcmp(cg.names[0], "unified") == 0, "one unified path");
  if (cg.n == 1) {
    const char *dir = cg.paths[0];
    /* Root creates below the root of the tree; a user below the topmost cgroup it owns. */
    CHECK(strncmp(dir, CG_ROOT, strlen(CG_ROOT)) == 0 && strstr(dir, "/berth/test-container") != NULL, "dir %s", dir);
    _cleanup_free_ char *memory = get(dir, "memory.max");
    _cleanup_free_ char *pids = get(dir, "pids.max");
    _cleanup_free_ char *cpu = get(dir, "cpu.max");
    _cleanup_free_ char *weight = get(dir, "cpu.weight");
    CHECK(strcmp(memory, "67108864") == 0, "memory.max = %s", memory);
    CHECK(strcmp(pids, "32") == 0, "pids.max = %s", pids);
    CHECK(strcmp(cpu, "50000 100000") == 0, "cpu.max = %s", cpu);
    CHECK(strcmp(weight, "39") == 0, "cpu.weight = %s (runc's shares conversion of 1024)", weight);
    /* The top of the new path enabled the controllers for its children (the kernel's
     * no-internal-process rule); a fake tree has no cgroup.controllers further down. */
    _cleanup_free_ char *subtree = get(CG_ROOT, "cgroup.subtree_control");
    CHECK(strncmp(subtree, "+", 1) == 0, "%s/cgroup.subtree_control = %s", CG_ROOT, subtree);
  }
  CHECK(w.n == 0, "%zu warnings", w.n);

  /* A user with nothing delegated (the cgroup is not writable for it) gets warnings,
   * never a failure. Root may write anywhere, so this case is the user's alone. */
  if (geteuid() != 0) {
    _cleanup_free_ char *procs = xasprintf("%s%s/cgroup.procs", CG_ROOT, strcmp(own, "/") ? own : "");
    chmod(procs, 0444);
    struct cgroup none = {0};
    struct warnings w2 = {0};
    create_v2(&s, &none, &w2);
    CHECK(none.version == 0, "nothing delegated: version %d, want 0", none.version);
    CHECK(w2.n == 3 && strstr(w2.v[0], "not applied") != NULL, "nothing delegated: %zu warnings (%s)", w2.n, w2.n ? w2.v[0] : "");
  }

  _cleanup_free_ char *cleanup = xasprintf("rm -rf '%s'", CG_ROOT);
  assert(system(cleanup) == 0);
  if (failures == 0)
    printf("cgroup v2: all checks passed\n");
  return failures == 0 ? 0 : 1;
}
