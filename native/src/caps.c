#include "caps.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "util.h"

static int last_cap(void) {
  struct berr e;
  _cleanup_free_ char *s = read_file_at(AT_FDCWD, "/proc/sys/kernel/cap_last_cap", NULL, &e);
  int n = s ? atoi(s) : CAP_LAST_CAP;
  return n > 0 && n < 64 ? n : CAP_LAST_CAP;
}

int caps_drop_bounding(const struct caps_spec *c, struct berr *e) {
  if (!c->present)
    return 0;
  int last = last_cap();
  for (int cap = 0; cap <= last; cap++) {
    if (c->set[CAPSET_BOUNDING] & (1ULL << cap))
      continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
      return berr_sys(e, errno, "drop capability %d from the bounding set", cap);
  }
  return 0;
}

int caps_apply(const struct caps_spec *c, struct berr *e) {
  if (!c->present)
    return 0;
  int last = last_cap();
  uint64_t valid = last >= 63 ? ~0ULL : (1ULL << (last + 1)) - 1;
  struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[2];
  uint64_t eff = c->set[CAPSET_EFFECTIVE] & valid, perm = c->set[CAPSET_PERMITTED] & valid,
           inh = c->set[CAPSET_INHERITABLE] & valid;
  for (int i = 0; i < 2; i++) {
    data[i].effective = (uint32_t)(eff >> (32 * i));
    data[i].permitted = (uint32_t)(perm >> (32 * i));
    data[i].inheritable = (uint32_t)(inh >> (32 * i));
  }
  if (syscall(SYS_capset, &hdr, data) < 0)
    return berr_sys(e, errno, "capset");
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return berr_sys(e, errno, "clear ambient capabilities");
  for (int cap = 0; cap <= last; cap++) {
    if (!(c->set[CAPSET_AMBIENT] & (1ULL << cap)))
      continue;
    /* The kernel wants an ambient cap in permitted and inheritable too; skip it otherwise
     * as runc does. */
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0 && errno != EPERM)
      return berr_sys(e, errno, "raise ambient capability %d", cap);
  }
  return 0;
}
