/* berth-helper: the isolation helper of Berth. See native/README.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "util.h"

static int usage(FILE *out) {
  fprintf(out,
          "usage: berth-helper daemon --socket PATH [--idle-timeout SECONDS]\n"
          "       berth-helper version\n"
          "The daemon serves JSON-line requests (protocol v2) on PATH; see native/README.md.\n");
  return out == stderr ? 2 : 0;
}

static int cmd_daemon(int argc, char **argv) {
  struct daemon_opts o = {.socket = NULL, .idle_seconds = 60};
  for (int i = 2; i < argc; i++) {
    if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc) {
      o.socket = argv[++i];
    } else if (strcmp(argv[i], "--idle-timeout") == 0 && i + 1 < argc) {
      char *end;
      long v = strtol(argv[++i], &end, 10);
      if (*end || v < 0 || v > 86400) {
        fprintf(stderr, "berth-helper: --idle-timeout wants seconds (0 to 86400), got '%s'\n", argv[i]);
        return 2;
      }
      o.idle_seconds = (int)v;
    } else {
      fprintf(stderr, "berth-helper: unknown daemon option '%s'\n", argv[i]);
      return usage(stderr);
    }
  }
  if (o.socket == NULL || o.socket[0] != '/') {
    fprintf(stderr, "berth-helper: daemon needs --socket with an absolute path\n");
    return 2;
  }
  return daemon_main(&o);
}

int main(int argc, char **argv) {
  proctitle_init(argc, argv);
  if (argc >= 2 && strcmp(argv[1], "daemon") == 0)
    return cmd_daemon(argc, argv);
  if (argc >= 2 && strcmp(argv[1], "version") == 0) {
    puts("berth-helper 0.1.0 (protocol 2)");
    return 0;
  }
  if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0))
    return usage(stdout);
  return usage(stderr);
}
