/*
** om_xsum.h — exact, order-free running sums of x and x^2 (fixed-point
** integers in 32-bit chunks), the moments they give, and a canonical byte
** form.  Base of every family that needs sums whose merge is exact: the
** stats family (welch_ttest, paired, group tests, sequential tests; there
** under the old names st_sums / st_moments, st_welch.h) and the prep family
** (scaler_train 'standard' and its mergeable state).
**
** Behaviours:
**   1. om_xsum holds the count and the EXACT sums of x and x^2, each a
**      fixed-point integer in 32-bit chunks (x as a multiple of 2^-1074,
**      x^2 of 2^-2148: every finite double and its square is such a
**      multiple).  Adding a value splits its 53-bit mantissa (and the
**      106-bit mantissa of its square) over 3 (and 5) chunks; chunks are
**      int64 and carried only every 2^30 updates and when read.
**      om_xsum_remove subtracts the same bits, so after any sequence of adds
**      and removes the state is bit for bit the state of adding only the
**      values still present (a sliding window equals its frame exactly).  A
**      zeroed struct is empty; a non-finite value is OM_INVALID and not
**      added.  Size: ~1.7 kB.
**   2. om_xsum_moments turns the sums into om_xmoments: mean = S1/n rounded
**      to a double plus the rest (mean_lo) from a 128-bit head of S1
**      (relative error < 1e-28; a mean so small that mean_lo would
**      underflow keeps both parts scaled, with mean_exp), and
**      m2 = (n*S2 - S1^2)/n, whose numerator is computed exactly in
**      integers (no cancellation, whatever the offset), rounded once to
**      m2 * 2^m2_exp so that it cannot overflow.  It carries the chunks in
**      place first (the value is unchanged).
**   3. om_xmoments_var is the sample variance (ddof = 1); NaN for n < 2;
**      +Inf if it exceeds the double range.
**   4. om_xsum_merge adds src into dst exactly (both carried first, so no
**      chunk can overflow): the merged state gives the same moments, bit for
**      bit, as adding all the values to one state, whatever the split and
**      the order.  A total count beyond 2^63 - 1 is OM_INVALID "too many
**      rows".
**   5. om_xsum_mean_sd gives the mean and the standard deviation with ddof
**      0 (population, numpy's default) or 1, each from the exact integers
**      with one final rounding of a double-double (mean: the correctly
**      rounded S1/n unless S1/n lies within ~2^-100 relative of a rounding
**      boundary; sd: sqrt of the double-double variance with one Newton
**      correction, within 1 ulp, almost always correctly rounded).  Values
**      anywhere in the double range give finite results when the results
**      are finite (the sd of {-1.7e308, 1.7e308} is 1.7e308).  n = 0: NaN,
**      NaN; n <= ddof: sd NaN.
**   6. om_xsum_encode appends the canonical form (the sums fully carried
**      into sign and 32-bit digits, only the non-zero span):
**        u64 n, then S1 = sum of x * 2^1074, then S2 = sum of x^2 * 2^2148,
**        each as u8 sign (1: negative; 0 for S2), u8 reserved 0, u16 lo,
**        u16 count C, u16 reserved 0, then C u32 digits:
**        |S| = sum of digit[k] * 2^(32 (lo + k)); the first and the last
**        digit are non-zero; S = 0 is C = 0, lo = 0, sign 0.
**      Equal sums give equal bytes, however they were accumulated.
**   7. om_xsum_decode reads that form into a zeroed om_xsum, checking
**      everything before use: reserved bytes, sign, canonical digits, that
**      the span fits the chunks, and bounds the sums of n finite doubles
**      obey (|S1| < n 2^2098, S2 < n 2^4196, S2 = 0 only with S1 = 0,
**      1 <= n < 2^63 unless allow_empty and n = S1 = S2 = 0).  A failure
**      returns a short reason (the caller words the OM_CORRUPT message);
**      NULL on success.
*/
#ifndef OM_XSUM_H
#define OM_XSUM_H

#include "om_buf.h"

/* Summary moments of one group (behaviour 2). */
typedef struct om_xmoments {
  double n;       /* number of values */
  double mean;    /* the mean is (mean + mean_lo) * 2^mean_exp; with mean_exp 0 */
  double m2;      /* sum of squared deviations from the mean is m2 * 2^m2_exp */
  double mean_lo; /* mean is the mean rounded to a double (0 when n == 0) */
  int m2_exp;     /* binary exponent of m2 (0 when m2 is the plain sum) */
  int mean_exp;   /* 0, or (means below ~1e-290, whose low part would underflow)
                  ** the exponent that keeps mean and mean_lo normal */
} om_xmoments;

#define OM_XSUM_C1 70  /* chunks of S1: 2098 bits of x * 2^1074, + 63 bits of count, + spare */
#define OM_XSUM_C2 136 /* chunks of S2: 4196 bits of x^2 * 2^2148, + 63 bits of count, + spare */

/* Exact running sums (behaviour 1).  Zeroed = empty. */
typedef struct om_xsum {
  int64_t n;              /* values added minus values removed */
  int64_t pending;        /* updates since the chunks were last carried */
  int lo1, hi1;           /* s1[lo1, hi1) may be non-zero (hi1 == 0: all zero) */
  int lo2, hi2;           /* likewise for s2 */
  int64_t s1[OM_XSUM_C1]; /* S1 * 2^1074 = sum of s1[k] * 2^(32k) */
  int64_t s2[OM_XSUM_C2]; /* S2 * 2^2148 = sum of s2[k] * 2^(32k) */
} om_xsum;

om_status om_xsum_add(om_xsum *s, double x, om_err *err);    /* OM_INVALID if x is not finite */
om_status om_xsum_remove(om_xsum *s, double x, om_err *err); /* the exact inverse of om_xsum_add */
void om_xsum_moments(om_xsum *s, om_xmoments *out);         /* behaviour 2; carries s in place */
double om_xmoments_var(const om_xmoments *m);               /* behaviour 3 */
om_status om_xsum_merge(om_xsum *dst, const om_xsum *src, om_err *err); /* behaviour 4 */
void om_xsum_mean_sd(om_xsum *s, int ddof, double *mean, double *sd);   /* behaviour 5; carries s */
void om_xsum_encode(const om_xsum *s, om_wbuf *w);                      /* behaviour 6 */
const char *om_xsum_decode(om_rbuf *r, om_xsum *out, int allow_empty); /* behaviour 7 */

#endif /* OM_XSUM_H */
