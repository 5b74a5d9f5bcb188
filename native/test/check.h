/* What the C unit tests share: CHECK records a failure with its place and goes on, so one
 * run reports every broken check; main returns `failures == 0 ? 0 : 1`. */
#ifndef BERTH_TEST_CHECK_H
#define BERTH_TEST_CHECK_H

#include <stdio.h>

static int failures;

#define CHECK(cond, ...)                                                                                               \
  do {                                                                                                                 \
    if (!(cond)) {                                                                                                     \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                                             \
      fprintf(stderr, __VA_ARGS__);                                                                                    \
      fputc('\n', stderr);                                                                                             \
      failures++;                                                                                                      \
    }                                                                                                                  \
  } while (0)

#endif
