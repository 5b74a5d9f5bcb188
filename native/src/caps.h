/* Capabilities without libcap: the bounding set with PR_CAPBSET_DROP, the rest with
 * capset(2) (version 3, two 32-bit words) and PR_CAP_AMBIENT. */
#ifndef BERTH_CAPS_H
#define BERTH_CAPS_H

#include "spec.h"

/* Needs CAP_SETPCAP: call before changing uid. */
int caps_drop_bounding(const struct caps_spec *c, struct berr *e);
/* After the uid change (done with PR_SET_KEEPCAPS). */
int caps_apply(const struct caps_spec *c, struct berr *e);

#endif
