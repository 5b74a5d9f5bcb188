/* The container log in the CRI format kubelet and podman use:
 *   <RFC3339Nano UTC> <stdout|stderr> <F|P> <text>\n
 * F ends a line; P marks a piece of a line that continues in the next record. */
#ifndef BERTH_LOG_H
#define BERTH_LOG_H

#include <stddef.h>

#include "error.h"

struct log_writer {
  int fd;
};

int log_open(int dirfd, const char *name, struct log_writer *lw, struct berr *e);
void log_write(struct log_writer *lw, const char *stream, const char *buf, size_t len);
void log_close(struct log_writer *lw);

#endif
