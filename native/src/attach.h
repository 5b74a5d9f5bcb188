/* Attach sockets of one monitor. Two listeners serve the same frames:
 *   attach.sock         SOCK_SEQPACKET, one frame per packet: [type:1][payload]
 *   attach-stream.sock  SOCK_STREAM, length-prefixed: [type:1][len:4, big endian][payload]
 * The stream form exists for Node, whose `net` cannot open SEQPACKET sockets; the
 * packet form is the conmon-style interface for C and shell tools. */
#ifndef BERTH_ATTACH_H
#define BERTH_ATTACH_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define ATTACH_MAX_PAYLOAD 32768
#define ATTACH_QUEUE_LIMIT (8u << 20) /* a client further behind than this is dropped */

enum frame_type {
  FRAME_STDIN = 0,
  FRAME_STDOUT = 1,
  FRAME_STDERR = 2,
  FRAME_EXIT = 3,
  FRAME_STDIN_CLOSE = 4,
  FRAME_RESIZE = 5,
  FRAME_SIGNAL = 6,
  FRAME_START = 7,
};

struct qbuf {
  struct qbuf *next;
  size_t len, off;
  char data[];
};

/* A byte (stream) or packet (seqpacket) queue for a non-blocking fd. */
struct outq {
  struct qbuf *head, *tail;
  size_t bytes;
};

void outq_push(struct outq *q, const void *data, size_t len);
/* Writes what it can: 1 when empty, 0 when more is left (wait for EPOLLOUT), -1 on error. */
int outq_flush(struct outq *q, int fd, bool packets);
void outq_clear(struct outq *q);

struct client {
  int fd;
  bool stream;
  char *in;
  size_t in_len;
  struct outq q;
};

void client_send(struct client *c, int type, const void *payload, size_t len);
/* Parses what arrived; calls on_frame for each complete frame. 0: open, -1: closed. */
int client_read(struct client *c, void (*on_frame)(void *ctx, struct client *c, int type, const char *p, size_t n),
                void *ctx);
void client_free(struct client *c);

#endif
