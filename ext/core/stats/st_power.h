/*
** st_power.h — power, sample size and minimum detectable effect of the
** two-sample t-test (pooled variance) and of the two-sample z-test on
** Cohen's h, the numerical core of the SQL scalars sample_size_means,
** power_means, mde_means, sample_size_proportions and power_proportions
** (ext/power.c).
**
** Behaviours (the semantics are statsmodels 0.13's
** statsmodels.stats.power.TTestIndPower and NormalIndPower):
**   1. Sizes: n1 observations in group 1 and n2 = ratio * n1 in group 2
**      (ratio > 0); the effective size is n = n1 n2 / (n1 + n2)
**      = n1 ratio / (1 + ratio).  Sizes are REAL, never rounded.
**   2. t-test (ST_POW_T), standardised effect d (Cohen's d):
**      df = n1 + n2 - 2, nc = d sqrt(n), and with c(a) = t quantile
**      t_{1-a}(df):
**        larger     power = P(T' > c(alpha))
**        smaller    power = P(T' < -c(alpha))
**        two-sided  power = P(T' > c(alpha/2)) + P(T' < -c(alpha/2))
**      (statsmodels adds the opposite tail), T' ~ non-central t(df, nc)
**      (st_special.h).  The power is NaN when df <= 0.  When df is so small
**      (df -> 0, n1 (1 + ratio) just above 2) that c is beyond the double
**      range, the power is its limit, alpha (the shift nc is negligible
**      against the spread of T'); when nc overflows (huge d sqrt(n)), each
**      tail is its limit, 1 or 0.
**   3. z-test (ST_POW_NORMAL), standardised effect h, z(a) = z_{1-a}:
**        larger     power = P(Z > z(alpha) - h sqrt(n))
**        smaller    power = P(Z < -z(alpha) - h sqrt(n))
**        two-sided  the sum of both with alpha/2.
**      For proportions h is Cohen's h = 2 asin(sqrt(p1)) - 2 asin(sqrt(p2))
**      (statsmodels.stats.proportion.proportion_effectsize(p1, p2)).
**   4. st_power_solve_n finds n1 with power(n1) = target by bracketing
**      (doubling from the smallest valid n1) and Brent's method to a
**      relative width of ~1e-15; the power is increasing in n1 for an
**      effect in the direction of the alternative.  Errors (OM_INVALID,
**      message in err): d = 0 ("no finite sample size"), d of the wrong
**      sign for a one-sided alternative (the power never exceeds alpha),
**      target power <= alpha, a root beyond 1e300.  For the t-test the
**      search starts at n1 = 2/(1+ratio) (df -> 0), where the power is alpha
**      (behaviour 2), so a root always exists; it can be below 2 for a huge
**      effect (statsmodels' semantics: the root of the power equation).
**   5. st_power_solve_d finds the standardised effect |d| > 0 with
**      power = target for the given n1 (the 'smaller' alternative gives the
**      same magnitude, the effect being negative); errors for df <= 0
**      (t-test) and target <= alpha.
**   6. Every entry checks its arguments (finite, alpha and power strictly
**      in (0, 1), ratio > 0, n1 > 0, the alternative) and returns
**      OM_INVALID with a message naming the argument otherwise.
*/
#ifndef ST_POWER_H
#define ST_POWER_H

#include "../base/om_core.h"

typedef enum st_pow_test { ST_POW_T = 0, ST_POW_NORMAL = 1 } st_pow_test;
typedef enum st_pow_alt { ST_POW_TWO_SIDED = 0, ST_POW_LARGER = 1, ST_POW_SMALLER = 2 } st_pow_alt;

/* Cohen's h for two proportions in [0, 1] (NaN outside). */
double st_cohen_h(double p1, double p2);

/* Power (behaviours 2, 3); arguments checked as in behaviour 6. */
om_status st_power_calc(st_pow_test test, double d, double n1, double ratio, double alpha,
                        st_pow_alt alt, double *power, om_err *err);

/* n1 with the target power (behaviour 4). */
om_status st_power_solve_n(st_pow_test test, double d, double ratio, double alpha, double power,
                           st_pow_alt alt, double *n1, om_err *err);

/* |d| with the target power at n1 (behaviour 5). */
om_status st_power_solve_d(st_pow_test test, double n1, double ratio, double alpha, double power,
                           st_pow_alt alt, double *d, om_err *err);

#endif /* ST_POWER_H */
