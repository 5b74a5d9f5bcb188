#include "sync.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "util.h"

int sync_send(int fd, int type, int value, const char *text, struct berr *e) {
  struct sync_msg m = {.type = type, .value = value};
  if (text)
    snprintf(m.text, sizeof m.text, "%s", text);
  if (TEMP_FAILURE_RETRY(send(fd, &m, sizeof m, MSG_NOSIGNAL)) < 0)
    return berr_sys(e, errno, "sync send");
  return 0;
}

int sync_send_fd(int fd, int type, int passfd, struct berr *e) {
  struct sync_msg m = {.type = type};
  struct iovec iov = {.iov_base = &m, .iov_len = sizeof m};
  char control[CMSG_SPACE(sizeof(int))];
  memset(control, 0, sizeof control);
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &passfd, sizeof(int));
  if (TEMP_FAILURE_RETRY(sendmsg(fd, &msg, MSG_NOSIGNAL)) < 0)
    return berr_sys(e, errno, "sync send fd");
  return 0;
}

void sync_send_error(int fd, const struct berr *err) {
  struct sync_msg m = {.type = SYNC_ERROR, .errnum = err->errnum, .value = err->exit_code};
  snprintf(m.text, sizeof m.text, "%s", err->msg);
  TEMP_FAILURE_RETRY(send(fd, &m, sizeof m, MSG_NOSIGNAL));
}

int sync_recv(int fd, struct sync_msg *m, int *passfd, struct berr *e) {
  struct iovec iov = {.iov_base = m, .iov_len = sizeof *m};
  char control[CMSG_SPACE(sizeof(int))];
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
  if (passfd)
    *passfd = -1;
  ssize_t n = TEMP_FAILURE_RETRY(recvmsg(fd, &msg, MSG_CMSG_CLOEXEC));
  if (n < 0)
    return berr_sys(e, errno, "sync receive");
  if (n == 0)
    return 0;
  if ((size_t)n != sizeof *m)
    return berr_code(e, "internal", "sync receive: short message (%zd bytes)", n);
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      int got;
      memcpy(&got, CMSG_DATA(c), sizeof got);
      if (passfd)
        *passfd = got;
      else
        close(got);
    }
  }
  m->text[sizeof m->text - 1] = '\0';
  return 1;
}

int sync_error(const struct sync_msg *m, struct berr *e) {
  berr_clear(e);
  e->errnum = m->errnum;
  e->code = m->errnum ? NULL : "internal";
  e->exit_code = m->value;
  snprintf(e->msg, sizeof e->msg, "%s", m->text);
  return -1;
}

int sync_expect(int fd, int type, struct berr *e) {
  struct sync_msg m;
  int r = sync_recv(fd, &m, NULL, e);
  if (r < 0)
    return -1;
  if (r == 0)
    return berr_code(e, "internal", "the other side of the sync channel exited early");
  if (m.type == SYNC_ERROR)
    return sync_error(&m, e);
  if (m.type != type)
    return berr_code(e, "internal", "sync: expected message %d, got %d", type, m.type);
  return 0;
}
