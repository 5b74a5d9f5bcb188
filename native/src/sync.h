/* The sync channel between a monitor and the container process it forks: a
 * SOCK_SEQPACKET socketpair carrying fixed-size messages (and the pty master via
 * SCM_RIGHTS). The child reports every set-up failure here before it exits, so the
 * user reads "pivot_root '/x': Invalid argument" instead of a bare exit status. */
#ifndef BERTH_SYNC_H
#define BERTH_SYNC_H

#include "error.h"

enum sync_type {
  SYNC_GO = 1,   /* monitor -> child: id maps written, cgroup joined; carry on */
  SYNC_READY,    /* child -> monitor: set up, the next step is exec */
  SYNC_START,    /* monitor -> child: exec now (sent at once, or on the first attach) */
  SYNC_ERROR,    /* child -> monitor: errnum, text, value = the status it exits with next */
  SYNC_WARN,     /* child -> monitor: text for the response's warnings */
  SYNC_PID,      /* exec's first child -> monitor: host pid of the process that will exec */
  SYNC_PTY,      /* child -> monitor: the pty master, as SCM_RIGHTS */
};

struct sync_msg {
  int type;
  int errnum;
  int value;
  char text[BERR_MSG_MAX];
};

int sync_send(int fd, int type, int value, const char *text, struct berr *e);
int sync_send_fd(int fd, int type, int passfd, struct berr *e);
/* Reports `err` to the other side (best effort: used on the way out). */
void sync_send_error(int fd, const struct berr *err);
/* 1: message (and *passfd set when one came along, else -1); 0: peer closed; -1: error. */
int sync_recv(int fd, struct sync_msg *m, int *passfd, struct berr *e);
/* Turns a received SYNC_ERROR into `e` (exit_code from the message); returns -1. */
int sync_error(const struct sync_msg *m, struct berr *e);
/* Waits for one message of `type`; an SYNC_ERROR from the peer becomes `e`. */
int sync_expect(int fd, int type, struct berr *e);

#endif
