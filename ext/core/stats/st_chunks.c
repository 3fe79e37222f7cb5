/*
** st_chunks.c — chunk arithmetic of the exact sums; the spec is st_chunks.h.
*/
#include "st_chunks.h"

void st_chunk_touch(int *lo, int *hi, int k, int w) {
  if (*hi == 0) {
    *lo = k;
    *hi = k + w;
    return;
  }
  if (k < *lo) *lo = k;
  if (k + w > *hi) *hi = k + w;
}

void st_chunk_carry(int64_t *c, int cap, int *lo, int *hi) {
  int64_t carry = 0;
  int i;
  if (*hi == 0) return;
  for (i = *lo;; i++) {
    int64_t v = c[i] + carry, d;
    if (i == cap - 1 || (i >= *hi - 1 && v > -ST_CHUNK_TOP_LIMIT && v < ST_CHUNK_TOP_LIMIT)) {
      c[i] = v;
      break;
    }
    d = v & INT64_C(0xffffffff);
    c[i] = d;
    carry = (v - d) / INT64_C(4294967296);
  }
  *hi = i + 1;
  while (*hi > *lo && c[*hi - 1] == 0) (*hi)--;
  while (*lo < *hi && c[*lo] == 0) (*lo)++;
  if (*hi == *lo) *lo = *hi = 0;
}
