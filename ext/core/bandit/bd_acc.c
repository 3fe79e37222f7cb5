/*
** bd_acc.c — the exact sum of doubles behind a bandit arm's statistics
** (bd.h behaviours 2 and 3).
**
**   1. A finite double x = ±m·2^(p − 1074) with m < 2^53 and 0 ≤ p ≤ 2045
**      (p = the biased exponent − 1, or 0 for subnormals) is added as three
**      32-bit pieces to the digits p/32, p/32 + 1 and p/32 + 2 (exact).
**   2. A digit gains less than 2^34 per add, so the digits are normalised
**      (carries propagated so that every digit but the top one is in
**      [0, 2^32)) every 2^28 adds, long before an int64 could overflow.
**   3. 68 digits cover 2^(2176 − 1074): 2^64 adds of the largest double fit.
*/
#include <math.h>
#include <string.h>

#include "bd.h"

#define DIGIT_MASK 0xffffffffull
#define PENDING_MAX (1u << 28)

void bd_acc_normalize(bd_acc *a) {
  for (int k = 0; k < BD_ACC_DIGITS - 1; k++) {
    int64_t low = (int64_t)((uint64_t)a->d[k] & DIGIT_MASK);
    int64_t carry = (a->d[k] - low) / 4294967296LL; /* exact: d - low is a multiple of 2^32 */
    a->d[k] = low;
    a->d[k + 1] += carry;
  }
  a->pending = 0;
}

void bd_acc_add(bd_acc *a, double x) {
  uint64_t bits = om_f64_bits(x), m, lo, hi;
  unsigned e = (unsigned)(bits >> 52 & 0x7ff), p, idx, off;
  int neg = (int)(bits >> 63);
  if (e == 0x7ff) return; /* not finite: callers never pass it */
  m = bits & ((1ull << 52) - 1);
  if (e == 0) p = 0;
  else {
    m |= 1ull << 52;
    p = e - 1;
  }
  if (m == 0) return;
  if (a->pending >= PENDING_MAX) bd_acc_normalize(a);
  idx = p / 32;
  off = p % 32;
  lo = (m & DIGIT_MASK) << off; /* < 2^64 */
  hi = (m >> 32) << off;        /* < 2^53 */
  {
    int64_t d0 = (int64_t)(lo & DIGIT_MASK);
    int64_t d1 = (int64_t)(lo >> 32) + (int64_t)(hi & DIGIT_MASK);
    int64_t d2 = (int64_t)(hi >> 32);
    if (neg) {
      d0 = -d0;
      d1 = -d1;
      d2 = -d2;
    }
    a->d[idx] += d0;
    a->d[idx + 1] += d1;
    a->d[idx + 2] += d2;
  }
  a->pending++;
}

void bd_acc_merge(bd_acc *a, const bd_acc *b) {
  bd_acc t = *b;
  bd_acc_normalize(a);
  bd_acc_normalize(&t);
  for (int k = 0; k < BD_ACC_DIGITS; k++) a->d[k] += t.d[k];
  a->pending = 1;
  bd_acc_normalize(a);
}

int bd_acc_sign(const bd_acc *a) {
  bd_acc t = *a;
  bd_acc_normalize(&t);
  if (t.d[BD_ACC_DIGITS - 1] < 0) return -1;
  for (int k = 0; k < BD_ACC_DIGITS; k++)
    if (t.d[k]) return 1;
  return 0;
}

double bd_acc_value(const bd_acc *a) {
  bd_acc t = *a;
  int neg, h;
  double v = 0;
  bd_acc_normalize(&t);
  neg = t.d[BD_ACC_DIGITS - 1] < 0;
  if (neg) { /* the magnitude: negate every digit and normalise again */
    for (int k = 0; k < BD_ACC_DIGITS; k++) t.d[k] = -t.d[k];
    bd_acc_normalize(&t);
  }
  for (h = BD_ACC_DIGITS - 1; h >= 0 && t.d[h] == 0; h--) {
  }
  if (h < 0) return 0.0;
  for (int k = h; k >= 0 && k > h - 3; k--) v = v * 4294967296.0 + (double)t.d[k];
  v = ldexp(v, 32 * (h >= 2 ? h - 2 : 0) - 1074);
  return neg ? -v : v;
}
