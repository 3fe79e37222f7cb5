/*
** st_welch.c — Welch's t-test on moments of exact sums (the sums themselves
** moved to ../base/om_xsum.c; st_welch.h keeps their stats names).
** The spec (numbered behaviours, edge cases) is the header comment of
** st_welch.h.
*/
#include "st_welch.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "st_tdist.h"

static void st_welch_result_nan(st_welch_result *r) {
  r->n_a = r->n_b = r->mean_a = r->mean_b = r->var_a = r->var_b = NAN;
  r->diff = r->t = r->df = r->p = r->ci_low = r->ci_high = NAN;
}

/* p-value of the statistic t at df (df may be NaN when t is infinite). */
static double st_welch_p(double t, double df, st_alternative alt) {
  if (isnan(t)) return NAN;
  if (isinf(t)) {
    if (alt == ST_TWO_SIDED) return 0.0;
    if (alt == ST_LESS) return t > 0 ? 1.0 : 0.0;
    return t > 0 ? 0.0 : 1.0;
  }
  if (alt == ST_TWO_SIDED) return 2.0 * st_t_cdf(-fabs(t), df);
  if (alt == ST_LESS) return st_t_cdf(t, df);
  return st_t_sf(t, df);
}

/* Behaviour 9: `name` = frac * 2^exp2 is beyond the double range. */
static om_status st_too_big(om_err *err, st_welch_result *out, const char *name, double frac,
                            int exp2) {
  double l10 = log10(fabs(frac)) + exp2 * 0.30102999566398120, ex = floor(l10);
  st_welch_result_nan(out);
  return om_errf(err, OM_INVALID,
                 "%s is about %.2ge%+.0f, beyond the range of a double; divide the values by a "
                 "constant first",
                 name, (frac < 0 ? -1.0 : 1.0) * pow(10.0, l10 - ex), ex);
}

om_status st_welch_ttest(const st_moments *a, const st_moments *b, st_alternative alt,
                         double confidence, st_welch_result *out, om_err *err) {
  double vas, vbs, s2, ses, q, dh = 0.0, half;
  int k, de = 0, m;
  if (!out) return om_errf(err, OM_INVALID, "no result structure");
  st_welch_result_nan(out);
  if (!a || !b) return om_errf(err, OM_INVALID, "missing moments");
  if (alt != ST_TWO_SIDED && alt != ST_LESS && alt != ST_GREATER)
    return om_errf(err, OM_INVALID, "alternative must be two-sided, less or greater");
  if (!(confidence > 0.0 && confidence < 1.0))
    return om_errf(err, OM_INVALID, "confidence must be strictly between 0 and 1 (got %g)",
                   confidence);

  out->n_a = a->n;
  out->n_b = b->n;
  if (a->n > 0.0) out->mean_a = ldexp(a->mean + a->mean_lo, a->mean_exp);
  if (b->n > 0.0) out->mean_b = ldexp(b->mean + b->mean_lo, b->mean_exp);
  out->var_a = st_moments_var(a);
  out->var_b = st_moments_var(b);
  if (isinf(out->var_a)) return st_too_big(err, out, "var_a", a->m2 / (a->n - 1.0), a->m2_exp);
  if (isinf(out->var_b)) return st_too_big(err, out, "var_b", b->m2 / (b->n - 1.0), b->m2_exp);
  if (a->n > 0.0 && b->n > 0.0) {
    /* diff = dh * 2^(de + 1): in halves, so that means near +-DBL_MAX cannot
    ** overflow (9), and at a common exponent de for tiny means (2) */
    de = a->mean_exp > b->mean_exp ? a->mean_exp : b->mean_exp;
    dh = (ldexp(0.5 * a->mean, a->mean_exp - de) - ldexp(0.5 * b->mean, b->mean_exp - de)) +
         0.5 * (ldexp(a->mean_lo, a->mean_exp - de) - ldexp(b->mean_lo, b->mean_exp - de));
    out->diff = ldexp(dh, de + 1);
    if (isinf(out->diff)) return st_too_big(err, out, "diff", dh, de + 1);
  }
  if (!(a->n >= 2.0 && b->n >= 2.0)) return OM_OK; /* 4.1 */
  if (isnan(dh)) return OM_OK;                      /* non-finite moments */

  /* var_a/n_a + var_b/n_b = (vas + vbs) * 2^k, k even, so se = sqrt(vas + vbs) * 2^(k/2) (9) */
  k = a->m2 != 0.0 && (b->m2 == 0.0 || a->m2_exp >= b->m2_exp) ? a->m2_exp
      : b->m2 != 0.0                                           ? b->m2_exp
                                                               : 0;
  if (k & 1) k++;
  vas = a->m2 != 0.0 ? ldexp(a->m2 / (a->n - 1.0) / a->n, a->m2_exp - k) : 0.0;
  vbs = b->m2 != 0.0 ? ldexp(b->m2 / (b->n - 1.0) / b->n, b->m2_exp - k) : 0.0;
  s2 = vas + vbs;
  if (isnan(s2)) return OM_OK; /* non-finite moments */
  ses = sqrt(s2);
  if (s2 > 0.0) {
    int ed;
    double fd = frexp(dh, &ed), ra = vas / s2, rb = vbs / s2;
    out->t = ldexp(fd / ses, ed + de + 1 - k / 2); /* diff / se; +-inf beyond the range (4.5) */
    out->df = 1.0 / (ra * ra / (a->n - 1.0) + rb * rb / (b->n - 1.0));
  } else {
    out->t = dh / 0.0; /* 4.2, 4.3: 0/0 = NaN, x/0 = ±inf */
  }
  out->p = st_welch_p(out->t, out->df, alt);

  if (s2 == 0.0) { /* 4.2, 4.3: zero width */
    out->ci_low = alt == ST_LESS ? -INFINITY : out->diff;
    out->ci_high = alt == ST_GREATER ? INFINITY : out->diff;
    return OM_OK;
  }
  q = st_t_ppf(alt == ST_TWO_SIDED ? (1.0 + confidence) / 2.0 : confidence, out->df);
  /* ci = (diff/2 -+ q*se/2) * 2, both halves at the common exponent m */
  m = de > k / 2 ? de : k / 2;
  half = ldexp(q * ses, k / 2 - 1 - m); /* q * se / 2, times 2^-m */
  dh = ldexp(dh, de - m);               /* diff / 2, times 2^-m */
  out->ci_low = alt == ST_LESS ? -INFINITY : ldexp(dh - half, m + 1);
  out->ci_high = alt == ST_GREATER ? INFINITY : ldexp(dh + half, m + 1);
  if (alt != ST_LESS && isinf(out->ci_low)) return st_too_big(err, out, "ci_low", dh - half, m + 1);
  if (alt != ST_GREATER && isinf(out->ci_high)) return st_too_big(err, out, "ci_high", dh + half, m + 1);
  return OM_OK;
}
