/*
** st_ks.h — the two-sample Kolmogorov–Smirnov test and the distributions
** behind its p-values: the numerical core of the SQL aggregate
** ks_2samp(value, group [, alternative]) (ext/ranktests.c).
**
** The test is scipy.stats.ks_2samp(x, y, alternative=alt, method='auto') of
** scipy 1.10, x the first sample.
**
** Behaviours:
**   1. F_x, F_y are the right-continuous empirical CDFs.  D+ = max(F_x - F_y),
**      D- = max(F_y - F_x), both over the pooled values, computed exactly as
**      integers (c_x n_y - c_y n_x) / (n_x n_y) and rounded once.  The
**      statistic: 'greater' D+, 'less' D-, 'two-sided' max(D+, D-).  sign is
**      +1 for D+ and -1 for D-; location is the value where it is attained.
**      As scipy, these choices compare the float differences
**      c_x/n_x - c_y/n_y (so equal rationals may differ by rounding): D- is
**      chosen only if its float exceeds D+'s; the location is the smallest
**      x value attaining the float extreme if any, else the smallest y value
**      (scipy's argmax over the sorted x values, then the y values).  The
**      reported statistic is h / lcm (exact method, and after the switch of
**      behaviour 3) or scipy's float difference (asymptotic method).
**   2. Method: 'exact' when max(n_x, n_y) <= 10000 (scipy's MAX_AUTO_N),
**      else 'asymptotic'.  Exact p = P(D >= d) for d = h / lcm(n_x, n_y):
**      the probability that a uniformly random lattice path from (0,0) to
**      (n_x, n_y) leaves the band |x/n_x - y/n_y| < d (two-sided) or
**      reaches x/n_x - y/n_y >= d (one-sided), by the recursion on the
**      exit probability Q(x,y) = (x Q(x-1,y) + y Q(x,y-1)) / (x+y), Q = 1
**      outside (Viehmann 2021, arXiv:2102.08037: convex combinations, so no
**      cancellation; two-sided costs O(n_x * band), one-sided O(n_x n_y),
**      ~0.3 s at 10000 x 10000).  One-sided with n_x == n_y:
**      prod_{j<h} (n-j)/(n+j+1) = C(2n, n-h)/C(2n, n).
**   3. As scipy 1.10: a one-sided exact test with n_x != n_y whose
**      C(n_x+n_y, n_x) overflows a double switches to the asymptotic p
**      (scipy's counting overflows there); `exact` is then 0.
**   4. Asymptotic (m >= n the two sizes, en = m n / (m + n)): two-sided
**      p = st_kstwo_sf(d, round(en)); one-sided p = exp(-2 z^2 -
**      2 z (m + 2n) / sqrt(m n (m+n)) / 3), z = sqrt(en) d (Hodges 1958,
**      eq. 5.3).  p is clipped to [0, 1].
**   5. st_kstwo_sf(d, n) = P(D_n >= d) for the one-sample two-sided
**      statistic (scipy.stats.kstwo.sf), with the method choices of Simard
**      & L'Ecuyer (2011) as scipy makes them: Ruben–Gambino closed forms
**      for n d <= 1 and n d >= n - 1; 2 * smirnov for d >= 0.5, for n > 140
**      with n d^2 >= 2.2, and for n <= 140 with n d^2 > 4 (Miller); 0 for
**      n > 140 and n d^2 >= 370; otherwise 1 - CDF with the CDF from the
**      Durbin matrix (Marsaglia, Tsang & Wang 2003) when n <= 140 (scipy
**      uses Pomeranz for 0.754693 < n d^2 <= 4: both exact) or
**      n <= 100000 with n d^1.5 <= 1.4, else the Pelz–Good (1976)
**      asymptotic series.
**   6. st_smirnov_sf(n, d) = P(D+_n >= d) by the Smirnov / Birnbaum–Tingey
**      sum d * sum_{v=0}^{floor(n(1-d))} b(v; n, d + v/n) / (d + v/n),
**      b the binomial pmf computed by Loader's (2000) saddle-point form
**      (stirlerr, bd0), so each term keeps ~1e-14 relative accuracy for
**      any n.
**   7. Sizes n_x, n_y >= 1 (else OM_INVALID); NaN is OM_INVALID.  The inputs
**      are sorted in place.  The exact recursions poll `it` every ~2^20
**      cells and return OM_INTERRUPTED.
*/
#ifndef ST_KS_H
#define ST_KS_H

#include "../base/om_core.h"
#include "st_welch.h" /* st_alternative */

#define ST_KS_MAX_EXACT 10000 /* behaviour 2 */

typedef struct st_ks_result {
  double statistic;      /* D for the alternative */
  double d_plus;         /* max(F_x - F_y) */
  double d_minus;        /* max(F_y - F_x) */
  double p;              /* p-value */
  int exact;             /* 1: exact p, 0: asymptotic */
  int sign;              /* +1: statistic is D+, -1: D- */
  double location;       /* the value where the statistic is attained */
} st_ks_result;

om_status st_ks_2samp(double *x, size_t nx, double *y, size_t ny, st_alternative alt, const om_interrupt *it,
                      st_ks_result *out, om_err *err);

double st_kstwo_sf(double d, int64_t n);   /* behaviour 5; NaN for n < 1 or NaN d */
double st_smirnov_sf(int64_t n, double d); /* behaviour 6 */

#endif /* ST_KS_H */
