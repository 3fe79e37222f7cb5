/*
** bd_choose.c — choosing the next arm, per-arm statistics and model_info's
** detail for a bandit state (bd.h behaviours 8, 9 and 10).
**
**   1. Everything here reads the state only (s, q of every arm set by
**      bd_state_ready) and allocates nothing but bd_stats' counts.
**   2. Indices that are not finite (a NaN from degenerate sums) never win:
**      comparisons are strict "greater", starting from -Inf, and an arm
**      whose index is NaN is skipped; if every index is NaN the first arm is
**      chosen.
*/
#include <math.h>
#include <string.h>

#include "bd.h"

#define Z95 1.959963984540054

void bd_gauss_prior_of(const bd_state *s, bd_gauss_prior *p) {
  double S = 0, Q = 0, var;
  for (size_t i = 0; i < s->n_arms; i++) {
    S += s->arms[i].s;
    Q += s->arms[i].q;
  }
  p->mu0 = 0;
  p->beta0 = 1;
  if (s->pulls == 0) return;
  p->mu0 = S / (double)s->pulls;
  var = Q / (double)s->pulls - p->mu0 * p->mu0;
  if (var > 0 && isfinite(var)) p->beta0 = var;
}

double bd_posterior_draw(const bd_state *s, const bd_gauss_prior *p, const bd_arm *a, bd_rng *r) {
  double n = (double)a->n;
  if (s->opt.reward == BD_BERNOULLI) {
    double succ = a->s < 0 ? 0 : a->s > n ? n : a->s;
    return bd_rng_beta(r, 1.0 + succ, 1.0 + (n - succ));
  } else {
    double kappa = 1.0 + n, mean = a->n ? a->s / n : 0, m2 = a->n ? a->q - a->s * mean : 0;
    double mu, alpha, beta, tau;
    if (!(m2 > 0)) m2 = 0;
    mu = (p->mu0 + n * mean) / kappa;
    alpha = 1.0 + n / 2.0;
    beta = p->beta0 + m2 / 2.0 + n * (mean - p->mu0) * (mean - p->mu0) / (2.0 * kappa);
    tau = bd_rng_gamma(r, alpha) / beta;
    if (!(tau > 0)) return mu; /* underflow: the posterior is a point */
    return mu + bd_rng_normal(r) / sqrt(kappa * tau);
  }
}

static double arm_index(const bd_state *s, const bd_arm *a, double lnN) {
  double n = (double)a->n, mean = a->s / n, sc = s->opt.scale;
  switch (s->opt.policy) {
  case BD_UCB1: return mean + sc * sqrt(2.0 * lnN / n);
  case BD_UCB_TUNED: {
    double var = a->q / n - mean * mean, v, cap = sc * sc / 4.0;
    if (!(var > 0)) var = 0;
    v = var + sc * sc * sqrt(2.0 * lnN / n);
    return mean + sqrt(lnN / n * (v < cap ? v : cap));
  }
  default: return mean;
  }
}

size_t bd_choose(const bd_state *s, uint64_t seed) {
  bd_rng r;
  size_t best = 0, unplayed = 0, i;
  double best_v = -INFINITY;
  const bd_options *o = &s->opt;
  bd_rng_seed(&r, seed);
  for (i = 0; i < s->n_arms; i++) unplayed += s->arms[i].n == 0;
  if (unplayed) { /* behaviour 8: never-played arms first */
    uint64_t k = 0;
    if (o->policy == BD_THOMPSON || o->policy == BD_EPSILON_GREEDY) k = bd_rng_below(&r, unplayed);
    for (i = 0; i < s->n_arms; i++)
      if (s->arms[i].n == 0 && k-- == 0) return i;
  }
  if (o->policy == BD_EPSILON_GREEDY) {
    double eps = o->epsilon;
    if (o->c > 0) {
      double t = (double)s->pulls + 1.0;
      eps = o->c * (double)s->n_arms / (o->d * o->d * t);
      if (eps > 1) eps = 1;
    }
    if (bd_rng_open01(&r) < eps) return (size_t)bd_rng_below(&r, s->n_arms);
  }
  if (o->policy == BD_THOMPSON) {
    bd_gauss_prior p;
    bd_gauss_prior_of(s, &p);
    for (i = 0; i < s->n_arms; i++) {
      double v = bd_posterior_draw(s, &p, &s->arms[i], &r);
      if (v > best_v) {
        best_v = v;
        best = i;
      }
    }
    return best;
  }
  if (o->policy == BD_DISCOUNTED_UCB) {
    double total = 0, lnN;
    for (i = 0; i < s->n_arms; i++)
      total += s->arms[i].dn * pow(o->gamma, (double)(s->pulls - s->arms[i].last));
    lnN = total > 1 ? log(total) : 0;
    for (i = 0; i < s->n_arms; i++) {
      const bd_arm *a = &s->arms[i];
      double g = pow(o->gamma, (double)(s->pulls - a->last)), N = a->dn * g, v;
      if (!(N > 0)) return i; /* discounted away entirely: as unplayed */
      v = a->ds * g / N + 2.0 * o->scale * sqrt(o->xi * lnN / N);
      if (v > best_v) {
        best_v = v;
        best = i;
      }
    }
    return best;
  }
  {
    double lnN = log((double)s->pulls);
    for (i = 0; i < s->n_arms; i++) {
      double v = arm_index(s, &s->arms[i], lnN);
      if (v > best_v) {
        best_v = v;
        best = i;
      }
    }
  }
  return best;
}

om_status bd_stats(const bd_state *s, bd_arm_stats *out, om_err *err) {
  uint32_t *wins;
  bd_gauss_prior p;
  bd_rng r;
  wins = om_calloc(s->n_arms ? s->n_arms : 1, sizeof *wins);
  if (!wins) return om_errf(err, OM_NOMEM, "out of memory");
  for (size_t i = 0; i < s->n_arms; i++) {
    const bd_arm *a = &s->arms[i];
    bd_arm_stats *o = &out[i];
    double n = (double)a->n;
    o->n = a->n;
    o->mean = o->ci_low = o->ci_high = NAN;
    if (a->n == 0) continue;
    o->mean = a->s / n;
    if (s->opt.reward == BD_BERNOULLI) { /* Wilson score interval */
      double ph = o->mean < 0 ? 0 : o->mean > 1 ? 1 : o->mean, z2 = Z95 * Z95;
      double den = 1.0 + z2 / n, centre = (ph + z2 / (2.0 * n)) / den;
      double half = Z95 / den * sqrt(ph * (1.0 - ph) / n + z2 / (4.0 * n * n));
      o->ci_low = centre - half;
      o->ci_high = centre + half;
      if (o->ci_low < 0) o->ci_low = 0;
      if (o->ci_high > 1) o->ci_high = 1;
    } else if (a->n >= 2) {
      double m2 = a->q - a->s * o->mean, sd;
      if (!(m2 > 0)) m2 = 0;
      sd = sqrt(m2 / (n - 1.0));
      o->ci_low = o->mean - Z95 * sd / sqrt(n);
      o->ci_high = o->mean + Z95 * sd / sqrt(n);
    }
  }
  bd_gauss_prior_of(s, &p);
  bd_rng_seed(&r, BD_PBEST_SEED);
  for (int d = 0; d < BD_PBEST_DRAWS; d++) {
    size_t best = 0;
    double best_v = -INFINITY;
    for (size_t i = 0; i < s->n_arms; i++) {
      double v = bd_posterior_draw(s, &p, &s->arms[i], &r);
      if (v > best_v) {
        best_v = v;
        best = i;
      }
    }
    wins[best]++;
  }
  for (size_t i = 0; i < s->n_arms; i++) out[i].p_best = (double)wins[i] / BD_PBEST_DRAWS;
  om_free(wins);
  return OM_OK;
}

om_status bd_info_json(const bd_state *s, om_jw *j, om_err *err) {
  const bd_options *o = &s->opt;
  om_jw_key(j, "policy");
  om_jw_string(j, bd_policy_name(o->policy));
  om_jw_key(j, "reward");
  om_jw_string(j, bd_reward_name(o->reward));
  om_jw_key(j, "arms");
  om_jw_uint(j, (uint64_t)s->n_arms);
  om_jw_key(j, "pulls");
  om_jw_uint(j, s->pulls);
  {
    size_t unplayed = 0;
    for (size_t i = 0; i < s->n_arms; i++) unplayed += s->arms[i].n == 0;
    om_jw_key(j, "unplayed");
    om_jw_uint(j, (uint64_t)unplayed);
  }
  return OM_OK;
}
