#include "ns.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "util.h"

int ns_clone_flags(const struct spec *s, struct berr *e) {
  int flags = 0;
  for (size_t i = 0; i < s->n_ns; i++) {
    const struct ns_spec *n = &s->ns[i];
    if (n->path && (n->flag == CLONE_NEWUSER || n->flag == CLONE_NEWPID))
      return berr_code(e, "invalid-argument",
                       "joining an existing %s namespace by path ('%s') is not supported; leave out the path to create one",
                       n->flag == CLONE_NEWUSER ? "user" : "pid", n->path);
    if (n->path == NULL && n->flag != CLONE_NEWCGROUP)
      flags |= n->flag;
  }
  if (geteuid() != 0 && !(flags & CLONE_NEWUSER))
    return berr_code(e, "permission-denied",
                     "running without root needs a user namespace: add {\"type\":\"user\"} to linux.namespaces");
  return flags;
}

pid_t ns_clone(int flags) {
  return (pid_t)syscall(SYS_clone, (unsigned long)flags | SIGCHLD, NULL, NULL, NULL, NULL);
}

int ns_join_paths(const struct spec *s, struct berr *e) {
  for (size_t i = 0; i < s->n_ns; i++) {
    const struct ns_spec *n = &s->ns[i];
    if (n->path == NULL)
      continue;
    _cleanup_fd_ int fd = TEMP_FAILURE_RETRY(open(n->path, O_RDONLY | O_CLOEXEC));
    if (fd < 0)
      return berr_sys(e, errno, "open namespace '%s'", n->path);
    if (setns(fd, n->flag) < 0)
      return berr_sys(e, errno, "setns '%s'", n->path);
  }
  return 0;
}

static const struct {
  const char *name;
  int flag;
} join_order[] = {
    {"user", CLONE_NEWUSER}, {"mnt", CLONE_NEWNS},       {"uts", CLONE_NEWUTS}, {"ipc", CLONE_NEWIPC},
    {"net", CLONE_NEWNET},   {"cgroup", CLONE_NEWCGROUP}, {"pid", CLONE_NEWPID},
};
#define N_JOIN (sizeof join_order / sizeof join_order[0])

int ns_join_process(pid_t pid, int *joined_user, struct berr *e) {
  int fds[N_JOIN];
  *joined_user = 0;
  /* Open them all first: once in the container's mount namespace, /proc/<pid> means
   * something else. */
  for (size_t i = 0; i < N_JOIN; i++) {
    char path[64], self[64];
    struct stat theirs, ours;
    fds[i] = -1;
    snprintf(path, sizeof path, "/proc/%d/ns/%s", pid, join_order[i].name);
    snprintf(self, sizeof self, "/proc/self/ns/%s", join_order[i].name);
    if (stat(path, &theirs) < 0) {
      if (errno == ENOENT && i > 0)
        continue;
      int saved = errno;
      for (size_t j = 0; j < i; j++)
        if (fds[j] >= 0)
          close(fds[j]);
      return berr_sys(e, saved, "container process %d", pid);
    }
    /* setns to the namespace we are already in fails (EINVAL for user): skip it. */
    if (stat(self, &ours) == 0 && ours.st_ino == theirs.st_ino && ours.st_dev == theirs.st_dev)
      continue;
    fds[i] = TEMP_FAILURE_RETRY(open(path, O_RDONLY | O_CLOEXEC));
  }
  int r = 0;
  for (size_t i = 0; i < N_JOIN && r == 0; i++) {
    if (fds[i] < 0)
      continue;
    if (setns(fds[i], join_order[i].flag) < 0)
      r = berr_sys(e, errno, "setns %s namespace of process %d", join_order[i].name, pid);
    else if (join_order[i].flag == CLONE_NEWUSER)
      *joined_user = 1;
  }
  for (size_t i = 0; i < N_JOIN; i++)
    if (fds[i] >= 0)
      close(fds[i]);
  return r;
}

int ns_loopback_up(struct berr *e) {
  _cleanup_fd_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return berr_sys(e, errno, "socket for the loopback interface");
  struct ifreq ifr = {.ifr_name = "lo"};
  if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
    return berr_sys(e, errno, "read the flags of 'lo'");
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
    return berr_sys(e, errno, "bring 'lo' up");
  return 0;
}
