/*
** test_alloc.c — the om_malloc/om_realloc/om_free hooks for the unit tests:
** counts live blocks (leak checks) and can fail the Nth allocation (OOM loops).
*/
#include <stdlib.h>

#include "../../ext/core/base/om_core.h"
#include "om_test.h"

int om_test_passed, om_test_failed;
long om_test_alloc_count, om_test_alloc_live, om_test_alloc_fail_at;

void om_test_alloc_reset(void) {
  om_test_alloc_count = 0;
  om_test_alloc_fail_at = 0;
}

static int should_fail(void) {
  om_test_alloc_count++;
  if (om_test_alloc_fail_at > 0 && om_test_alloc_count == om_test_alloc_fail_at) return 1;
  return 0;
}

void *om_malloc(size_t n) {
  void *p;
  if (should_fail()) return NULL;
  p = malloc(n ? n : 1);
  if (p) om_test_alloc_live++;
  return p;
}

void *om_realloc(void *p, size_t n) {
  void *q;
  if (!p) return om_malloc(n);
  if (should_fail()) return NULL;
  q = realloc(p, n ? n : 1);
  return q;
}

void om_free(void *p) {
  if (!p) return;
  om_test_alloc_live--;
  free(p);
}
