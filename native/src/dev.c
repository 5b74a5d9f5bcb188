#include "dev.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "mounts.h"
#include "util.h"

static const char *const default_devices[] = {"null", "zero", "full", "random", "urandom", "tty"};

static const struct {
  const char *target, *name;
} dev_links[] = {
    {"/proc/self/fd", "fd"},     {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"},
    {"/proc/self/fd/2", "stderr"}, {"pts/ptmx", "ptmx"},      {"/proc/kcore", "core"},
};

/* Mounts onto `dest` inside the root, through the fd, so a symlink cannot redirect it. */
static int mount_in_root(int rootfd, const char *dest, int create, const char *source, const char *type,
                         unsigned long flags, const char *data, struct berr *e) {
  _cleanup_fd_ int fd = open_in_root(rootfd, dest, create, e);
  if (fd < 0)
    return -1;
  char target[64];
  snprintf(target, sizeof target, "/proc/self/fd/%d", fd);
  if (mount(source, target, type, flags, data) < 0)
    return berr_sys(e, errno, "mount %s on '/%s'", type ? type : source, dest);
  return 0;
}

static int bind_device(int rootfd, const char *name, struct berr *e) {
  _cleanup_free_ char *host = xasprintf("/dev/%s", name);
  _cleanup_free_ char *rel = xasprintf("dev/%s", name);
  return mount_in_root(rootfd, rel, CREATE_FILE, host, NULL, MS_BIND, NULL, e);
}

static int make_link(int devfd, const char *target, const char *name, struct berr *e) {
  struct stat st;
  if (fstatat(devfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISLNK(st.st_mode))
      return 0;
    /* A device node from the image (say a host-ptmx node) would bypass our devpts. */
    if (unlinkat(devfd, name, 0) < 0)
      return berr_sys(e, errno, "replace /dev/%s", name);
  }
  if (symlinkat(target, devfd, name) < 0 && errno != EEXIST)
    return berr_sys(e, errno, "symlink /dev/%s", name);
  return 0;
}

int dev_setup(int rootfd, const struct spec *s, struct berr *e) {
  if (!mount_list_has(s, "/dev/pts") &&
      mount_in_root(rootfd, "dev/pts", CREATE_DIR, "devpts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620", e) < 0)
    return -1;
  if (!mount_list_has(s, "/dev/shm") &&
      mount_in_root(rootfd, "dev/shm", CREATE_DIR, "shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k", e) < 0)
    return -1;
  for (size_t i = 0; i < sizeof default_devices / sizeof default_devices[0]; i++)
    if (bind_device(rootfd, default_devices[i], e) < 0)
      return -1;
  /* An O_PATH fd will not do for *at calls that change the directory. */
  _cleanup_fd_ int devpath = open_in_root(rootfd, "dev", CREATE_DIR, e);
  if (devpath < 0)
    return -1;
  char proc[64];
  snprintf(proc, sizeof proc, "/proc/self/fd/%d", devpath);
  _cleanup_fd_ int devfd = TEMP_FAILURE_RETRY(open(proc, O_DIRECTORY | O_RDONLY | O_CLOEXEC));
  if (devfd < 0)
    return berr_sys(e, errno, "open the container's /dev");
  for (size_t i = 0; i < sizeof dev_links / sizeof dev_links[0]; i++)
    if (make_link(devfd, dev_links[i].target, dev_links[i].name, e) < 0)
      return -1;
  if (s->process.terminal) {
    _cleanup_fd_ int c = TEMP_FAILURE_RETRY(openat(devfd, "console", O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (c < 0)
      return berr_sys(e, errno, "create /dev/console");
  }
  return 0;
}

int dev_open_pty(int *slave, struct berr *e) {
  _cleanup_fd_ int master = TEMP_FAILURE_RETRY(open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (master < 0)
    return berr_sys(e, errno, "open /dev/ptmx");
  if (unlockpt(master) < 0)
    return berr_sys(e, errno, "unlockpt");
  char name[64];
  if (ptsname_r(master, name, sizeof name) != 0)
    return berr_sys(e, errno, "ptsname");
  *slave = TEMP_FAILURE_RETRY(open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (*slave < 0)
    return berr_sys(e, errno, "open '%s'", name);
  return steal_fd(&master);
}

int dev_bind_console(int slave, struct berr *e) {
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", slave);
  if (mount(path, "/dev/console", NULL, MS_BIND, NULL) < 0)
    return berr_sys(e, errno, "bind the terminal on /dev/console");
  return 0;
}
