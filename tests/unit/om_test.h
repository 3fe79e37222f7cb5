/*
** om_test.h — a minimal harness for the C unit tests of ext/core.
**
** Each tests/unit/test_*.c is its own program, linked with every core file and
** tests/unit/test_alloc.c (the counting/failing allocator).  It uses CHECK* to
** assert and returns om_test_finish(), which prints the plain line
** "N passed, M failed" and gives the exit status (non-zero if anything failed
** or nothing was checked).  The Makefile adds the per-program totals up.
*/
#ifndef OM_TEST_H
#define OM_TEST_H

#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

extern int om_test_passed, om_test_failed;

#define CHECK(cond)                                                             \
  do {                                                                          \
    if (cond) om_test_passed++;                                                 \
    else {                                                                      \
      om_test_failed++;                                                         \
      fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);           \
    }                                                                           \
  } while (0)

#define CHECK_MSG(cond, ...)                                                    \
  do {                                                                          \
    if (cond) om_test_passed++;                                                 \
    else {                                                                      \
      om_test_failed++;                                                         \
      fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);           \
      fprintf(stderr, __VA_ARGS__);                                             \
      fputc('\n', stderr);                                                      \
    }                                                                           \
  } while (0)

/* |got - want| <= rel * |want| (or both NaN, or equal infinities). */
static inline int om_close(double got, double want, double rel, double abs_tol) {
  if (isnan(want)) return isnan(got);
  if (isinf(want)) return got == want;
  return fabs(got - want) <= rel * fabs(want) || fabs(got - want) <= abs_tol;
}

#define CHECK_CLOSE(got, want, rel)                                             \
  CHECK_MSG(om_close((got), (want), (rel), 0.0), "got %.17g want %.17g", (double)(got), (double)(want))

#define CHECK_STR(got, want)                                                    \
  CHECK_MSG(strcmp((got), (want)) == 0, "got \"%s\" want \"%s\"", (got), (want))

/* Test data: a uniform double in [0, 1) from a splitmix64 stream whose
** state the caller keeps (the same sequence the tests wrote by hand). */
static inline double om_test_unif(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return (double)(z >> 11) * 0x1.0p-53;
}

static inline int om_test_finish(void) {
  printf("%d passed, %d failed\n", om_test_passed, om_test_failed);
  return (om_test_failed || om_test_passed == 0) ? 1 : 0;
}

/* The test allocator (tests/unit/test_alloc.c). */
extern long om_test_alloc_count;   /* allocations made so far */
extern long om_test_alloc_live;    /* blocks not yet freed */
extern long om_test_alloc_fail_at; /* fail the Nth allocation from now (0 = never) */
void om_test_alloc_reset(void);

#endif
