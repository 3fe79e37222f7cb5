/*
** st_tdist.h — Student's t and the standard normal distribution: CDF,
** survival function (upper tail) and quantile, to near full double precision
** in both tails.  Used by the Welch t-test (st_welch.c) for p-values and
** confidence intervals; written for real-valued degrees of freedom, since the
** Welch–Satterthwaite df is not an integer.
**
** Behaviours:
**   1. st_t_cdf(t, df) = P(T <= t), st_t_sf(t, df) = P(T > t) for T ~ t(df).
**      The sf is computed directly from the tail (never as 1 - cdf), so both
**      tails keep their relative accuracy down to the smallest doubles.
**      When the true value underflows the result is 0 or a denormal.
**   2. NaN t, NaN df or df <= 0 give NaN.  t = -inf gives cdf 0 / sf 1,
**      t = +inf gives cdf 1 / sf 0 (for any valid df).
**   3. df = +inf, and any df >= 1e20, use the normal distribution: there the
**      relative difference t(df) vs normal is below ~t^4/(4 df) < 1e-14 for
**      every |t| at which the tail is still a normal double.
**   4. st_t_ppf(p, df) is the quantile: NaN for NaN p, p < 0, p > 1, NaN or
**      df <= 0; -inf for p = 0 and +inf for p = 1 (as scipy); 0 for p = 0.5;
**      ±inf when the quantile is beyond the double range (tiny df, tiny p).
**      It is antisymmetric: ppf(p) = -ppf(1 - p) for p >= 0.5 (1 - p is
**      exact there).  The result is polished by safeguarded Newton steps on
**      the accurate CDF: relative error <= 2e-13 measured (the CDF's error
**      divided by the tail's elasticity: worst for tiny df), typically 1e-15.
**   5. st_norm_cdf / st_norm_sf / st_norm_ppf are the same three for the
**      standard normal (erfc-based, with the argument x/sqrt(2) carried in
**      double-double so the deep tails lose no accuracy to its rounding).
**   6. Accuracy (measured against mpmath at 50 digits for df in [0.1, 1e20],
**      |t| up to 1e300, tails to 1e-300; tests/unit/test_st_tdist.c prints
**      the worst): relative error of cdf/sf below 1e-14 for |t| < 10; the
**      worst, 1.9e-13, at |t| ~ 35..38 where the answer is ~1e-300 and the
**      error ~|t|^2 * 1e-16 is the conditioning of the problem itself (one
**      ulp of t moves the answer that much).
**
** Method (P(T < -s), s >= 0, written L(s); a = df/2, x = df/(df+s^2),
** u = -log x = log1p(s^2/df)):
**   - central region (s^2/df <= 1.5/(a+1)): P(0 < T < s) = I_y(1/2, a)/2 by
**     the hypergeometric series of the incomplete beta (positive terms), and
**     L = 1/2 - that (the subtraction loses at most a factor ~10);
**   - tail, a >= 15 and u <= 2: a uniform expansion for large a (Temme's
**     idea): with T = a - 1/4 and (1-e^-v)^(-1/2) = v^(-1/2) e^(v/4) phi(v),
**     phi(v) = (sinh(v/2)/(v/2))^(-1/2) = sum c_k v^(2k),
**       I_x(a,1/2) = Gamma(a+1/2)/(Gamma(a) sqrt(T)) *
**                    sum_k c_k Gamma(2k+1/2, T u) / (sqrt(pi) T^(2k)),
**     the first term being erfc(sqrt(T u)); the incomplete gammas of
**     half-integer order come from erfc by a positive recurrence;
**   - tail otherwise: the continued fraction of I_x(a, 1/2) (modified Lentz).
**   The prefactor 1/B(a,1/2) = Gamma(a+1/2)/(Gamma(a) sqrt(pi)) is never
**   formed from lgamma differences: Gamma(a+1/2)/Gamma(a) comes from its
**   asymptotic series in 1/a (a >= 20, after an upward recurrence for
**   smaller a), and x^a is exp(-a*log1p(s^2/df)).
*/
#ifndef ST_TDIST_H
#define ST_TDIST_H

double st_t_cdf(double t, double df); /* P(T <= t) */
double st_t_sf(double t, double df);  /* P(T > t), computed directly */
double st_t_ppf(double p, double df); /* quantile; see behaviour 4 */

double st_norm_cdf(double x); /* P(Z <= x) */
double st_norm_sf(double x);  /* P(Z > x) */
double st_norm_ppf(double p); /* quantile; NaN outside [0,1], ±inf at 0 and 1 */

#endif /* ST_TDIST_H */
