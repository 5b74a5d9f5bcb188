#include "attach.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "util.h"

void outq_push(struct outq *q, const void *data, size_t len) {
  struct qbuf *b = xmalloc(sizeof *b + len);
  b->next = NULL;
  b->len = len;
  b->off = 0;
  memcpy(b->data, data, len);
  if (q->tail)
    q->tail->next = b;
  else
    q->head = b;
  q->tail = b;
  q->bytes += len;
}

int outq_flush(struct outq *q, int fd, bool packets) {
  while (q->head) {
    struct qbuf *b = q->head;
    ssize_t n = packets ? send(fd, b->data, b->len, MSG_NOSIGNAL | MSG_DONTWAIT)
                        : write(fd, b->data + b->off, b->len - b->off);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN)
        return 0;
      return -1;
    }
    b->off += packets ? b->len : (size_t)n;
    if (b->off < b->len)
      continue;
    q->head = b->next;
    if (q->head == NULL)
      q->tail = NULL;
    q->bytes -= b->len;
    free(b);
  }
  return 1;
}

void outq_clear(struct outq *q) {
  while (q->head) {
    struct qbuf *b = q->head;
    q->head = b->next;
    free(b);
  }
  q->tail = NULL;
  q->bytes = 0;
}

void client_send(struct client *c, int type, const void *payload, size_t len) {
  char hdr[5];
  hdr[0] = (char)type;
  if (c->stream) {
    hdr[1] = (char)(len >> 24);
    hdr[2] = (char)(len >> 16);
    hdr[3] = (char)(len >> 8);
    hdr[4] = (char)len;
    outq_push(&c->q, hdr, 5);
    if (len)
      outq_push(&c->q, payload, len);
    return;
  }
  _cleanup_free_ char *pkt = xmalloc(len + 1);
  pkt[0] = (char)type;
  memcpy(pkt + 1, payload, len);
  outq_push(&c->q, pkt, len + 1);
}

int client_read(struct client *c, void (*on_frame)(void *ctx, struct client *c, int type, const char *p, size_t n),
                void *ctx) {
  char buf[ATTACH_MAX_PAYLOAD + 5];
  ssize_t n = TEMP_FAILURE_RETRY(recv(c->fd, buf, sizeof buf, MSG_DONTWAIT));
  if (n < 0)
    return errno == EAGAIN ? 0 : -1;
  if (n == 0)
    return -1;
  if (!c->stream) {
    on_frame(ctx, c, (unsigned char)buf[0], buf + 1, (size_t)n - 1);
    return 0;
  }
  c->in = xrealloc(c->in, c->in_len + (size_t)n);
  memcpy(c->in + c->in_len, buf, (size_t)n);
  c->in_len += (size_t)n;
  size_t off = 0;
  while (c->in_len - off >= 5) {
    const unsigned char *h = (const unsigned char *)c->in + off;
    size_t len = (size_t)h[1] << 24 | (size_t)h[2] << 16 | (size_t)h[3] << 8 | h[4];
    if (len > ATTACH_MAX_PAYLOAD)
      return -1; /* not our protocol */
    if (c->in_len - off < 5 + len)
      break;
    on_frame(ctx, c, h[0], c->in + off + 5, len);
    off += 5 + len;
  }
  memmove(c->in, c->in + off, c->in_len - off);
  c->in_len -= off;
  return 0;
}

void client_free(struct client *c) {
  if (c->fd >= 0)
    close(c->fd);
  free(c->in);
  outq_clear(&c->q);
  free(c);
}
