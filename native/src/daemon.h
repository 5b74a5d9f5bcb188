/* The resident helper: one per user, listening on a unix socket. It keeps no state of
 * its own (containers belong to their monitors), so it can be killed at any time and
 * restarted by the next client; it leaves by itself after an idle period. Each
 * connection is served by a forked handler process, so a slow request (a big fixup)
 * never holds up another client and a crash takes down one connection only. */
#ifndef BERTH_DAEMON_H
#define BERTH_DAEMON_H

struct daemon_opts {
  const char *socket;
  int idle_seconds; /* exit after this long with no connection; 0: never */
};

int daemon_main(const struct daemon_opts *o);

#endif
