/*
** st_seq.h — the mixture sequential probability ratio test (mSPRT) for the
** difference of two means: an always-valid p-value and a confidence sequence
** that may be read after every row.  The numerical core of the SQL aggregate
** and window function sequential_test(value, group [, options])
** (ext/sequential.c, docs/sequential_test.md).
**
**   st_seq q;  st_seq_options o;
**   st_seq_options_default(&o);  o.min_n = 10;
**   st_seq_init(&q, &o);
**   st_seq_add(&q, 0, 3.1, &err);  st_seq_add(&q, 1, 2.7, &err);  ...
**   st_seq_result(&q, &r, &err);   r.p, r.ci_low, r.ci_high
**
** Method: Johari, Koomen, Pekelis & Walsh, "Peeking at A/B tests: why it
** matters, and what to do about it", KDD 2017, and Johari, Pekelis & Walsh,
** "Always valid inference: continuous monitoring of A/B tests", Operations
** Research 70(3), 2022 — the normal-mixture SPRT with a plug-in variance.
** With diff = mean_a - mean_b (welch_ttest's order and sign), its plug-in
** variance v = var_a/n_a + var_b/n_b (sample variances, ddof 1) and the
** mixture theta ~ N(theta0, tau^2) over the alternatives, the likelihood
** ratio of the normal approximation diff ~ N(theta, v) is
**   Lambda = sqrt(v / (v + tau^2)) * exp(tau^2 (diff - theta0)^2 / (2 v (v + tau^2)))
** and, with r = tau^2 / v and z = (diff - theta0) / sqrt(v),
**   log Lambda = -log(1 + r) / 2 + z^2 r / (2 (1 + r)).
** Lambda >= 1/alpha  <=>  |diff - theta0| >= w with
**   w = sqrt(v (v + tau^2) / tau^2 * (2 log(1/alpha) + log((v + tau^2) / v)))
**     = sqrt(v) * sqrt((1 + 1/r) * (2 log(1/alpha) + log(1 + r))),
** so {theta : Lambda(theta) < 1/alpha} is the open interval (diff - w, diff + w).
**
** Behaviours:
**   1. Every st_seq_add adds one value to one group's EXACT sums (st_sums,
**      st_welch.h 1), refreshes that group's moments (st_sums_moments) and,
**      once both groups have at least min_n values, makes a LOOK: it
**      evaluates log Lambda and the interval at the current moments.  So the
**      running results cover every row at which anyone could have peeked.
**      Cost O(1) per value: one update of the sums, one conversion of them
**      (a few 32-bit digit products) and a handful of log/exp/sqrt.
**   2. Burn-in: no look while a group has fewer than min_n values (default
**      100, at least 2): the plug-in variance of a few values is too noisy
**      for the normal approximation (the delayed-start mSPRT of Bibaut,
**      Kallus & Lindon, 2022, whose type-I error is asymptotically alpha as
**      the burn-in grows).  A look at which v = 0 (both groups constant so
**      far) is skipped too: it carries no information about the noise.
**   3. tau: a fixed number (option tau > 0, in the units of the values), or,
**      by default, tau_sd (default 0.1) times the pooled standard deviation
**      sqrt((m2_a + m2_b) / (n_a + n_b - 2)) at the FIRST look, then frozen
**      (a mixture over a fixed tau is what makes Lambda a martingale; a
**      scale-free default means the same option fits seconds or hours).
**      A mixture N(theta0, tau^2) is most powerful against effects of about
**      tau (Johari et al. 2017, sec. 4: match the mixing distribution to the
**      anticipated effect sizes); 0.1 sd is a small effect for an A/B test.
**      The interval is tightest where v ~ tau^2 / (2 log(1/alpha) +
**      log(1 + 2 log(1/alpha))) (Howard, Ramdas, McAuliffe & Sekhon, Ann.
**      Statist. 2021, sec. 3.5): for alpha 0.05 and tau_sd 0.1, near 1,600
**      rows per group.
**   4. p (always valid) = min(1, 1 / max Lambda) over the looks so far: the
**      running minimum of min(1, 1/Lambda); 1 before the first look.  By
**      Ville's inequality P(p ever <= alpha) <= alpha under the null (for
**      the normal approximation), so rejecting when p <= alpha at ANY look,
**      chosen after seeing the data, keeps the type-I error at alpha.
**   5. The confidence sequence is the intersection of the intervals of
**      every look so far: ci_low = max (diff - w), ci_high = min (diff + w),
**      (-inf, +inf) before the first look.  Intersecting keeps it dual to p:
**      theta0 lies strictly inside (ci_low, ci_high) exactly when p > alpha
**      (up to rounding), so `reject` (p <= alpha) and "theta0 outside the
**      interval" agree.  When the intersection is empty (ci_low >= ci_high:
**      possible with probability <= alpha if the model holds, more often if
**      the difference drifted over time), ci_low and ci_high are NaN and
**      ci_empty is 1.  An end that is beyond the double range at a look
**      (an infinite w: tau tiny next to sqrt(v)) does not narrow the interval.
**   6. Numerics: variances are combined scaled by a power of two and
**      diff - theta0 is formed in halves (as st_welch.c), log Lambda is
**      computed from log r (never r itself), so no intermediate overflows:
**      z^2 beyond the double range is log Lambda = +inf, p = 0.  diff and se
**      of the result that are finite in truth but beyond the double range
**      are OM_INVALID ("diff is about 3e+308, beyond the range of a double;
**      divide the values by a constant first"), as welch_ttest.
**   7. Options: alpha in (0, 1) (default 0.05), theta0 finite (default 0),
**      min_n an integer >= 2 (default 100), tau finite > 0 or NaN (the
**      default: use tau_sd), tau_sd finite > 0 (default 0.1).
**      st_seq_options_check returns OM_INVALID naming the first bad one.
**   8. Groups are slots 0 (a) and 1 (b).  Values may arrive in any order of
**      slots; st_seq_swap exchanges the two slots (the SQL layer learns which
**      label is a only when the second label appears).  A non-finite value
**      is OM_INVALID and is not added.
*/
#ifndef ST_SEQ_H
#define ST_SEQ_H

#include "../base/om_core.h"
#include "st_welch.h"

typedef struct st_seq_options {
  double alpha;  /* level of the confidence sequence and of `reject` (0.05) */
  double theta0; /* the null difference mean_a - mean_b (0) */
  double tau;    /* mixing sd in value units; NaN: tau_sd times the pooled sd */
  double tau_sd; /* tau as a multiple of the pooled sd at the first look (0.1) */
  int64_t min_n; /* burn-in: no look before both groups have this many (100) */
} st_seq_options;

/* One look at given moments (st_seq_eval). */
typedef struct st_seq_look {
  int ok;        /* 0: no look possible (a group below 2 values, v = 0, non-finite) */
  double log_lr; /* log Lambda */
  double lo, hi; /* diff -+ w (±inf when beyond the double range) */
} st_seq_look;

typedef struct st_seq {
  st_seq_options opt;
  st_sums s[2];       /* exact sums of group a (0) and b (1) */
  st_moments m[2];    /* their moments, refreshed on every add */
  double log_tau;     /* log of the tau in use; NaN until fixed (behaviour 3) */
  int64_t looks;      /* looks made (behaviour 1) */
  double max_log_lr;  /* running max of log Lambda over the looks (-inf: none) */
  double last_log_lr; /* log Lambda at the latest look (NaN: none) */
  double ci_low;      /* running intersection (behaviour 5) */
  double ci_high;
} st_seq;

typedef struct st_seq_result {
  double n_a, n_b;       /* group sizes */
  double mean_a, mean_b; /* NaN for an empty group */
  double diff;           /* mean_a - mean_b (NaN unless both groups have values) */
  double se;             /* sqrt(var_a/n_a + var_b/n_b) now (NaN below 2 values) */
  double log_lr;         /* log Lambda at the latest look (NaN: no look yet) */
  double p;              /* always-valid p-value (behaviour 4) */
  double ci_low, ci_high; /* confidence sequence (behaviour 5) */
  int ci_empty;          /* 1 when the intersection is empty (ci NaN) */
  int reject;            /* p <= alpha */
  int64_t looks;
  double tau;            /* tau in use (NaN until fixed) */
} st_seq_result;

void st_seq_options_default(st_seq_options *o);
om_status st_seq_options_check(const st_seq_options *o, om_err *err);
void st_seq_init(st_seq *q, const st_seq_options *o); /* options must pass the check */
om_status st_seq_add(st_seq *q, int slot, double x, om_err *err);
void st_seq_swap(st_seq *q);
om_status st_seq_result_get(const st_seq *q, st_seq_result *out, om_err *err);

/* One look (behaviours 1, 6) at moments a, b with log(tau), theta0 and
** alpha; also what st_seq_add uses. */
void st_seq_eval(const st_moments *a, const st_moments *b, double log_tau, double theta0, double alpha,
                 st_seq_look *out);
/* log of the pooled sd sqrt((m2_a + m2_b) / (n_a + n_b - 2)); NaN if it is 0
** or undefined. */
double st_seq_log_pooled_sd(const st_moments *a, const st_moments *b);

#endif /* ST_SEQ_H */
