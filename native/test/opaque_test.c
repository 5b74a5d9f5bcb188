/* Unit test of the opaque op's walk on a tree marked by hand with setxattr: user.overlay.*
 * as anyone (the rootless form), trusted.overlay.* too when run as root. Built by
 * `make -C native test`; includes opaque.c to reach its static walk.
 *   opaque_test DIR   (DIR: an absent or disposable directory for the tree) */
#include "../src/opaque.c"

#include <assert.h>

#include "check.h"

static void mark(const char *root, const char *rel, const char *name, const char *value) {
  _cleanup_free_ char *path = xasprintf("%s/%s", root, rel);
  int r = setxattr(path, name, value, strlen(value), 0);
  assert(r == 0);
}

/* The walk's answer as one "a,b,c" string, sorted (readdir order is the filesystem's). */
static char *scan(const char *root, bool userxattr, struct berr *e) {
  _cleanup_json_ json_t *dirs = json_array();
  if (opaque_dirs(root, userxattr, dirs, e) < 0)
    return NULL;
  size_t n = json_array_size(dirs);
  const char **v = xcalloc(n + 1, sizeof *v);
  for (size_t i = 0; i < n; i++)
    v[i] = json_string_value(json_array_get(dirs, i));
  for (size_t i = 0; i < n; i++)
    for (size_t j = i + 1; j < n; j++)
      if (strcmp(v[j], v[i]) < 0) {
        const char *t = v[i];
        v[i] = v[j];
        v[j] = t;
      }
  char *out = xstrdup("");
  for (size_t i = 0; i < n; i++) {
    char *next = xasprintf("%s%s%s", out, i ? "," : "", v[i]);
    free(out);
    out = next;
  }
  free(v);
  return out;
}

static void check_scan(const char *root, bool userxattr, const char *want) {
  struct berr e;
  berr_clear(&e);
  _cleanup_free_ char *got = scan(root, userxattr, &e);
  CHECK(got != NULL && strcmp(got, want) == 0, "%s: got '%s' (%s), want '%s'", userxattr ? "user" : "trusted",
        got ? got : "error", got ? "" : e.msg, want);
}

int main(int argc, char **argv) {
  if (argc != 2 || argv[1][0] != '/') {
    fprintf(stderr, "usage: opaque_test /ABSOLUTE/DIR\n");
    return 2;
  }
  const char *dir = argv[1];
  /* etc/foo and a deep dir are opaque; usr is marked "x" (xattr whiteouts inside, not
   * opaque); a symlink to an opaque dir and a file are not walked or reported. */
  _cleanup_free_ char *make = xasprintf("rm -rf '%1$s' && mkdir -p '%1$s/etc/foo/sub' '%1$s/usr/lib' '%1$s/var/a/b/c' && "
                                        "touch '%1$s/etc/file' && ln -s ../etc/foo '%1$s/usr/link'",
                                        dir);
  assert(system(make) == 0);
  mark(dir, "etc/foo", "user.overlay.opaque", "y");
  mark(dir, "var/a/b/c", "user.overlay.opaque", "y");
  mark(dir, "usr", "user.overlay.opaque", "x");
  check_scan(dir, true, "etc/foo,var/a/b/c");
  check_scan(dir, false, "");

  mark(dir, ".", "user.overlay.opaque", "y");
  check_scan(dir, true, ".,etc/foo,var/a/b/c");

  if (geteuid() == 0) {
    mark(dir, "etc/foo/sub", "trusted.overlay.opaque", "y");
    check_scan(dir, false, "etc/foo/sub");
  }

  /* No upper dir yet: nothing is opaque. A file is not a directory to scan. */
  _cleanup_free_ char *absent = xasprintf("%s/absent", dir);
  check_scan(absent, true, "");
  _cleanup_free_ char *file = xasprintf("%s/etc/file", dir);
  struct berr e;
  berr_clear(&e);
  _cleanup_free_ char *none = scan(file, true, &e);
  CHECK(none == NULL && e.errnum == ENOTDIR, "a file as the root: %s", none ? none : e.msg);

  _cleanup_free_ char *cleanup = xasprintf("rm -rf '%s'", dir);
  assert(system(cleanup) == 0);
  if (failures == 0)
    printf("opaque: all checks passed\n");
  return failures == 0 ? 0 : 1;
}
