/*
** ts_ets.c — ETS models: filter, likelihood, admissibility, fit, automatic
** choice and forecasts (spec: ts_ets.h).
*/
#include "ts_ets.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lapacke.h>

#include "ts_dist.h"
#include "ts_optim.h"

#define ETS_LO 1e-4
#define ETS_HI 0.9999
#define ETS_PHI_LO 0.8
#define ETS_PHI_HI 0.98
#define ETS_MAX_EVALS 2000
#define ETS_RELTOL 1.4901161193847656e-08 /* sqrt(DBL_EPSILON), as forecast::ets */
#define ETS_MAX_PAR (4 + TS_ETS_MAX_STATE)
#define ETS_STARTS 4

int ts_ets_nstate(const ts_ets_spec *s) { return 1 + (s->trend != TS_NONE) + (s->season != TS_NONE ? s->m : 0); }

void ts_ets_name(const ts_ets_spec *s, char *buf) {
  static const char c[3] = {'N', 'A', 'M'};
  snprintf(buf, 16, "ETS(%c,%c%s,%c)", c[s->error], c[s->trend], s->damped ? "d" : "", c[s->season]);
}

/* ------------------------------------------------------------ filter (1, 2) */

int ts_ets_filter(const ts_ets_model *md, double *x, const double *y, size_t n, double *e, double *f, double *qo,
                  double *sse, double *sumlog) {
  const ts_ets_spec *sp = &md->spec;
  const int tr = sp->trend != TS_NONE, se = sp->season, m = se ? sp->m : 1, si = 1 + tr;
  const int mul_err = sp->error == TS_MUL;
  const double a = md->alpha, bs = tr ? md->beta / md->alpha : 0, g = md->gamma, phi = sp->damped ? md->phi : 1;
  double l = x[0], b = tr ? x[1] : 0, ring[TS_ETS_MAX_M];
  double s2 = 0, sl = 0;
  int pos = 0, bad = 0;
  if (se) /* canonical x[si + m - 1 - k] = ring[k]: ring[0] is used next */
    for (int k = 0; k < m; k++) ring[k] = x[si + m - 1 - k];
  for (size_t i = 0; i < n; i++) {
    double q = tr ? l + phi * b : l, sv = se == TS_ADD ? ring[pos] : se == TS_MUL ? ring[pos] : 0;
    double fc = se == TS_ADD ? q + sv : se == TS_MUL ? q * sv : q, err, p, ln;
    if (!isfinite(fc) || (mul_err && !(fc > 0)) || (se == TS_MUL && !(sv > 0 && q > 0))) {
      bad = 1;
      break;
    }
    err = mul_err ? (y[i] - fc) / fc : y[i] - fc;
    if (e) e[i] = err;
    if (f) f[i] = fc;
    if (qo) qo[i] = q;
    s2 += err * err;
    if (mul_err) sl += log(fc);
    p = se == TS_ADD ? y[i] - sv : se == TS_MUL ? y[i] / sv : y[i];
    ln = q + a * (p - q);
    if (tr) b = phi * b + bs * (ln - l - phi * b);
    if (se) {
      double t = se == TS_ADD ? y[i] - q : y[i] / q;
      ring[pos] = sv + g * (t - sv);
      pos = pos + 1 == m ? 0 : pos + 1;
    }
    l = ln;
  }
  x[0] = l;
  if (tr) x[1] = b;
  if (se)
    for (int k = 0; k < m; k++) x[si + m - 1 - k] = ring[(pos + k) % m];
  *sse = s2;
  *sumlog = sl;
  return bad || !isfinite(s2);
}

/* -------------------------------------------------------- admissibility (3) */

/* All roots of c[0] + c[1] z + ... + c[d] z^d (c[d] != 0) strictly inside
** the unit circle: the Schur–Cohn recursion. */
static int ets_schur_cohn(double *c, int d) {
  double t[TS_ETS_MAX_M + 2];
  while (d > 0) {
    double an = c[d], a0 = c[0];
    if (!(fabs(a0) < fabs(an))) return 0;
    for (int k = 0; k < d; k++) t[k] = (an * c[k + 1] - a0 * c[d - k - 1]) / an;
    memcpy(c, t, (size_t)d * sizeof *c);
    d--;
    /* keep the scale: divide by the new leading coefficient */
    {
      double lead = c[d];
      if (!(lead != 0) || !isfinite(lead)) return 0;
      for (int k = 0; k <= d; k++) c[k] /= lead;
    }
  }
  return 1;
}

int ts_ets_admissible(const ts_ets_model *md) {
  const ts_ets_spec *sp = &md->spec;
  double a = md->alpha, b = sp->trend ? md->beta : 0, g = md->gamma, phi = sp->damped ? md->phi : 1;
  int m = sp->m;
  if (phi < 0 || phi > 1 + 1e-8) return 0;
  if (sp->season == TS_NONE) {
    if (a < 1 - 1 / phi || a > 1 + 1 / phi) return 0;
    if (sp->trend && (b < a * (phi - 1) || b > (1 + phi) * (2 - a))) return 0;
    return 1;
  }
  {
    double lo = 1 - 1 / phi - a, c[TS_ETS_MAX_M + 2];
    if (g < (lo > 0 ? lo : 0) || g > 1 + 1 / phi - a) return 0;
    if (a < 1 - 1 / phi - g * (1 - m + phi + phi * m) / (2 * phi * m)) return 0;
    if (b < -(1 - phi) * (g / m + a)) return 0;
    /* the characteristic polynomial, constant term first */
    c[0] = phi * (1 - a - g);
    c[1] = a + b - a * phi + g - 1;
    for (int k = 2; k < m; k++) c[k] = a + b - a * phi;
    c[m] = a + b - phi;
    c[m + 1] = 1;
    if (sp->trend == TS_NONE) {
      /* no trend (beta 0, phi 1): P(1) = 0, a root on the circle that
      ** forecast::ets admits (|root| <= 1 + 1e-10); divide it out */
      double r = 0;
      for (int k = m + 1; k >= 1; k--) { /* synthetic division by (z - 1) */
        r = c[k] + r;
        c[k] = r;
      }
      for (int k = 0; k <= m; k++) c[k] = c[k + 1];
      return ets_schur_cohn(c, m);
    }
    return ets_schur_cohn(c, m + 1);
  }
}

/* ------------------------------------------------------------- fit (3, 4) */

typedef struct ets_obj {
  const double *y;
  size_t n;
  ts_ets_model md;
  int npar;
  int conc; /* the initial states are solved for, not searched (ets_ls_states) */
} ets_obj;

#define ETS_LS_MAX (1 + 1 + TS_ETS_MAX_M - 1) /* free initial states: l, b, m - 1 seasonal */

/* Behaviour 4's concentrated initial states.  With additive trend and
** season, every one-step forecast is linear in the initial state x0 for
** given smoothing parameters: the filter is x_t = D x_{t-1} + g y_t with
** D = F - g w', so f_t = w' z_{t-1} + (w' D^{t-1}) x0, z the state of a
** run from x0 = 0.  The x0 (in the free parameterisation: the last
** seasonal state is minus the sum of the others) minimising the sum of
** squared residuals of the additive-error model is then a least-squares
** problem: its normal equations are accumulated in one pass (O(n p^2))
** and solved by Cholesky (LAPACK dposv, a tiny ridge if needed).  Exact
** for the additive-error models; a starting point for the others.
** Returns 0 when the system cannot be solved. */
static int ets_ls_states(const ts_ets_model *md, const double *y, size_t n, double *x0) {
  const ts_ets_spec *sp = &md->spec;
  const int tr = sp->trend != TS_NONE, se = sp->season == TS_ADD, m = se ? sp->m : 1;
  const double a = md->alpha, b = tr ? md->beta : 0, g = se ? md->gamma : 0, phi = sp->damped ? md->phi : 1;
  const int si = 1 + tr, ns = si + (se ? m : 0), np = si + (se ? m - 1 : 0);
  double G[ETS_LS_MAX * ETS_LS_MAX], c[ETS_LS_MAX], r[TS_ETS_MAX_STATE], rn[TS_ETS_MAX_STATE], A[ETS_LS_MAX];
  double x[TS_ETS_MAX_STATE], trace = 0;
  lapack_int info;
  if (sp->season == TS_MUL) return 0;
  memset(G, 0, sizeof G);
  memset(c, 0, sizeof c);
  memset(x, 0, sizeof x);
  memset(r, 0, sizeof r);
  /* r_1 = w' */
  r[0] = 1;
  if (tr) r[1] = phi;
  if (se) r[si + m - 1] = 1;
  for (size_t t = 0; t < n; t++) {
    double q = tr ? x[0] + phi * x[1] : x[0], sv = se ? x[si + m - 1] : 0, e0 = y[t] - (q + sv), rg;
    /* this point's row of the design: r_t P */
    A[0] = r[0];
    if (tr) A[1] = r[1];
    for (int k = 0; se && k < m - 1; k++) A[si + k] = r[si + k] - r[si + m - 1];
    for (int i = 0; i < np; i++) {
      c[i] += A[i] * e0;
      for (int j = 0; j <= i; j++) G[i * ETS_LS_MAX + j] += A[i] * A[j];
    }
    /* the zero-start filter */
    if (tr) x[1] = phi * x[1] + b * e0;
    x[0] = q + a * e0;
    if (se) {
      double ns0 = sv + g * e0;
      memmove(x + si + 1, x + si, (size_t)(m - 1) * sizeof *x);
      x[si] = ns0;
    }
    /* r_{t+1} = r_t F - (r_t g) w' */
    rg = a * r[0] + (tr ? b * r[1] : 0) + (se ? g * r[si] : 0);
    rn[0] = r[0] - rg;
    if (tr) rn[1] = phi * (r[0] + r[1]) - rg * phi;
    if (se) {
      for (int k = 0; k < m - 1; k++) rn[si + k] = r[si + k + 1];
      rn[si + m - 1] = r[si] - rg;
    }
    memcpy(r, rn, (size_t)ns * sizeof *r);
    if (!isfinite(r[0])) return 0;
  }
  for (int i = 0; i < np; i++) {
    for (int j = 0; j < i; j++) G[j * ETS_LS_MAX + i] = G[i * ETS_LS_MAX + j];
    trace += G[i * ETS_LS_MAX + i];
  }
  {
    double Gc[ETS_LS_MAX * ETS_LS_MAX], cc[ETS_LS_MAX];
    for (int attempt = 0; attempt < 2; attempt++) {
      memcpy(Gc, G, sizeof G);
      memcpy(cc, c, sizeof c);
      if (attempt)
        for (int i = 0; i < np; i++) Gc[i * ETS_LS_MAX + i] += 1e-10 * trace / np + 1e-300;
      info = LAPACKE_dposv(LAPACK_ROW_MAJOR, 'L', np, 1, Gc, ETS_LS_MAX, cc, 1);
      if (info == 0) break;
    }
    if (info != 0) return 0;
    x0[0] = cc[0];
    if (tr) x0[1] = cc[1];
    if (se) {
      double sum = 0;
      for (int k = 0; k < m - 1; k++) {
        x0[si + k] = cc[si + k];
        sum += cc[si + k];
      }
      x0[si + m - 1] = -sum;
    }
  }
  for (int k = 0; k < ns; k++)
    if (!isfinite(x0[k])) return 0;
  return 1;
}

/* Parameter vector -> model; 0 outside the usual region. */
static int ets_unpack(ets_obj *o, const double *p) {
  ts_ets_model *md = &o->md;
  const ts_ets_spec *sp = &md->spec;
  int i = 0, tr = sp->trend != TS_NONE, ns = ts_ets_nstate(sp), si = 1 + tr;
  md->alpha = p[i++];
  if (!(md->alpha >= ETS_LO && md->alpha <= ETS_HI)) return 0;
  md->beta = tr ? p[i++] : 0;
  if (tr && !(md->beta >= ETS_LO && md->beta <= ETS_HI && md->beta <= md->alpha)) return 0;
  md->gamma = sp->season ? p[i++] : 0;
  if (sp->season && !(md->gamma >= ETS_LO && md->gamma <= ETS_HI && md->gamma <= 1 - md->alpha)) return 0;
  md->phi = sp->damped ? p[i++] : 1;
  if (sp->damped && !(md->phi >= ETS_PHI_LO && md->phi <= ETS_PHI_HI)) return 0;
  if (o->conc) return 1; /* the states come from ets_ls_states */
  if (sp->season) {
    double sum = 0;
    for (int k = 0; k < si + sp->m - 1; k++) md->x0[k] = p[i++];
    for (int k = si; k < si + sp->m - 1; k++) sum += md->x0[k];
    md->x0[ns - 1] = (sp->season == TS_MUL ? sp->m : 0) - sum;
    if (sp->season == TS_MUL)
      for (int k = si; k < ns; k++)
        if (!(md->x0[k] > 0)) return 0;
  } else {
    for (int k = 0; k < ns; k++) md->x0[k] = p[i++];
  }
  for (int k = 0; k < ns; k++)
    if (!isfinite(md->x0[k])) return 0;
  return 1;
}

static double ets_negll(const double *p, void *ctx) {
  ets_obj *o = ctx;
  double x[TS_ETS_MAX_STATE], sse, sl, v;
  if (!ets_unpack(o, p)) return INFINITY;
  if (o->md.spec.season && !ts_ets_admissible(&o->md)) return INFINITY;
  if (o->conc && !ets_ls_states(&o->md, o->y, o->n, o->md.x0)) return INFINITY;
  memcpy(x, o->md.x0, sizeof x);
  if (ts_ets_filter(&o->md, x, o->y, o->n, NULL, NULL, NULL, &sse, &sl)) return INFINITY;
  if (!(sse > 0)) return -1e10;
  v = 0.5 * (double)o->n * (log(2 * M_PI * sse / (double)o->n) + 1) + sl;
  return v < -1e10 ? -1e10 : v;
}

/* Behaviour 4's starting states (forecast::ets's initstate). */
static om_status ets_init_states(const double *y, size_t n, const ts_ets_spec *sp, double *x0, double *ysa,
                                 om_err *err) {
  int m = sp->m, tr = sp->trend != TS_NONE, si = 1 + tr;
  size_t maxn;
  if (sp->season) {
    double idx[TS_ETS_MAX_M], cnt[TS_ETS_MAX_M], mean = 0;
    int h = m / 2;
    memset(idx, 0, sizeof idx);
    memset(cnt, 0, sizeof cnt);
    /* centred moving average of length m (2 x m when m is even) */
    for (size_t t = (size_t)h; t + (size_t)h < n; t++) {
      double ma = 0, d;
      if (m % 2) {
        for (int k = -h; k <= h; k++) ma += y[(size_t)((long)t + k)];
        ma /= m;
      } else {
        ma = 0.5 * y[t - (size_t)h] + 0.5 * y[t + (size_t)h];
        for (int k = -h + 1; k <= h - 1; k++) ma += y[(size_t)((long)t + k)];
        ma /= m;
      }
      d = sp->season == TS_ADD ? y[t] - ma : (ma != 0 ? y[t] / ma : 1);
      idx[t % (size_t)m] += d;
      cnt[t % (size_t)m] += 1;
    }
    for (int j = 0; j < m; j++) {
      if (cnt[j] == 0) return om_errf(err, OM_INVALID, "too few observations for a season of %d", m);
      idx[j] /= cnt[j];
      mean += idx[j] / m;
    }
    for (int j = 0; j < m; j++) {
      if (sp->season == TS_ADD) idx[j] -= mean;
      else idx[j] = mean > 0 ? idx[j] / mean : 1;
      if (sp->season == TS_MUL && idx[j] < 1e-2) idx[j] = 1e-2;
    }
    if (sp->season == TS_MUL) { /* back to a sum of m after the floor */
      double s = 0;
      for (int j = 0; j < m; j++) s += idx[j];
      for (int j = 0; j < m; j++) idx[j] *= m / s;
    }
    for (int j = 0; j < m; j++) x0[si + m - 1 - j] = idx[j]; /* idx[0]: the first observation's season */
    for (size_t t = 0; t < n; t++)
      ysa[t] = sp->season == TS_ADD ? y[t] - idx[t % (size_t)m] : y[t] / idx[t % (size_t)m];
  } else {
    memcpy(ysa, y, n * sizeof *ysa);
  }
  maxn = (size_t)(m > 5 ? 2 * m : 10);
  if (maxn > n) maxn = n;
  if (!tr) {
    double s = 0;
    for (size_t t = 0; t < maxn; t++) s += ysa[t];
    x0[0] = s / (double)maxn;
  } else {
    double tm = 0, ym = 0, sxx = 0, sxy = 0, b0, l0;
    for (size_t t = 0; t < maxn; t++) {
      tm += (double)(t + 1);
      ym += ysa[t];
    }
    tm /= (double)maxn;
    ym /= (double)maxn;
    for (size_t t = 0; t < maxn; t++) {
      sxx += ((double)(t + 1) - tm) * ((double)(t + 1) - tm);
      sxy += ((double)(t + 1) - tm) * (ysa[t] - ym);
    }
    b0 = sxx > 0 ? sxy / sxx : 0;
    l0 = ym - b0 * tm;
    if (fabs(l0 + b0) < 1e-8) {
      l0 *= 1 + 1e-3;
      b0 *= 1 - 1e-3;
    }
    x0[0] = l0;
    x0[1] = b0;
  }
  return OM_OK;
}

om_status ts_ets_fit(const double *y, size_t n, const ts_ets_spec *spec, const om_interrupt *it, ts_ets_model *out,
                     om_err *err) {
  ets_obj o;
  ts_ets_spec sp = *spec;
  double p[ETS_MAX_PAR], step[ETS_MAX_PAR], *work = NULL, *ysa = NULL, sd = 0, mean = 0, x[TS_ETS_MAX_STATE];
  double heur_x0[TS_ETS_MAX_STATE], init_x0[TS_ETS_MAX_STATE];
  double sse, sl;
  int np = 0, tr, ns, si;
  ts_optim_result res = {0};
  om_status st;
  if (sp.season == TS_NONE) sp.m = 1;
  if (sp.trend == TS_NONE) sp.damped = 0;
  if (sp.season && (sp.m < 2 || sp.m > TS_ETS_MAX_M))
    return om_errf(err, OM_INVALID, "season length %d is outside 2..%d for an ETS model", sp.m, TS_ETS_MAX_M);
  if (sp.season && n < (size_t)(2 * sp.m + 2))
    return om_errf(err, OM_INVALID, "%zu observations are too few for a season of %d (at least %d)", n, sp.m,
                   2 * sp.m + 2);
  tr = sp.trend != TS_NONE;
  ns = ts_ets_nstate(&sp);
  si = 1 + tr;
  memset(&o, 0, sizeof o);
  o.y = y;
  o.n = n;
  o.md.spec = sp;
  for (size_t t = 0; t < n; t++) mean += y[t] / (double)n;
  for (size_t t = 0; t < n; t++) sd += (y[t] - mean) * (y[t] - mean) / (double)n;
  sd = sqrt(sd);
  ysa = om_malloc_array(n, sizeof *ysa);
  if (!ysa) return om_errf(err, OM_NOMEM, "out of memory");
  st = ets_init_states(y, n, &sp, o.md.x0, ysa, err);
  om_free(ysa);
  if (st != OM_OK) return st;
  memcpy(heur_x0, o.md.x0, sizeof heur_x0);
  memcpy(init_x0, o.md.x0, sizeof init_x0);
  /* smoothing parameters: forecast::ets's initparam, then more starts
  ** (behaviour 4): the likelihood has local optima (a trend model of a
  ** seasonal series) */
  {
    static const double starts[ETS_STARTS][2] = {{-1, -1}, {0.5, 0.1}, {0.9, 0.02}, {0.9, 0.9}};
    double best[ETS_MAX_PAR], fbest = INFINITY;
    int nsm;
    work = om_malloc_array(TS_OPTIM_WORK(ETS_MAX_PAR), sizeof *work);
    if (!work) return om_errf(err, OM_NOMEM, "out of memory");
    int nstarts = sp.season ? 2 : ETS_STARTS; /* behaviour 4 */
    for (int r = 0; r < nstarts; r++) {
      double a = r == 0 ? ETS_LO + 0.2 * (ETS_HI - ETS_LO) / sp.m : starts[r][0];
      np = 0;
      p[np] = a;
      step[np++] = 0.1;
      if (tr) {
        double ub = ETS_HI < a ? ETS_HI : a;
        p[np] = r == 0 ? ETS_LO + 0.1 * (ub - ETS_LO) : starts[r][1] * a;
        step[np++] = 0.05;
      }
      if (sp.season) {
        double ug = ETS_HI < 1 - a ? ETS_HI : 1 - a;
        p[np] = ETS_LO + 0.05 * (ug - ETS_LO);
        step[np++] = 0.05;
      }
      if (sp.damped) {
        p[np] = ETS_PHI_LO + 0.99 * (ETS_PHI_HI - ETS_PHI_LO);
        step[np++] = -0.05;
      }
      nsm = np;
      o.conc = sp.error == TS_ADD && sp.season != TS_MUL;
      if (!o.conc) {
        /* additive components, multiplicative error: start from the
        ** least-squares states of these smoothing parameters */
        double xs[TS_ETS_MAX_STATE];
        ts_ets_model tmp = o.md;
        int k = 0;
        tmp.alpha = p[k++];
        tmp.beta = tr ? p[k++] : 0;
        tmp.gamma = sp.season ? p[k++] : 0;
        tmp.phi = sp.damped ? p[k++] : 1;
        if (sp.season != TS_MUL && ets_ls_states(&tmp, y, n, xs)) memcpy(init_x0, xs, sizeof xs);
        else memcpy(init_x0, heur_x0, sizeof xs);
      }
      {
        int last = o.conc ? 0 : sp.season ? si + sp.m - 1 : ns;
        for (int k = 0; k < last; k++) {
          double v = init_x0[k], sc = (k >= si && sp.season == TS_MUL) ? 0.1 : 0.2 * sd;
          if (!(sc > 0)) sc = 1e-3 * (fabs(v) + 1);
          p[np] = v;
          step[np++] = 0.1 * (fabs(v) > sc ? fabs(v) : sc);
        }
      }
      (void)nsm;
      o.npar = np;
      if ((size_t)(nsm + (sp.season ? si + sp.m - 1 : ns)) >= n - 1 || n < 3) {
        om_free(work);
        return om_errf(err, OM_INVALID, "%zu observations are too few for %s (%d parameters)", n,
                       sp.season ? "a seasonal model" : "this model", np);
      }
      st = ts_nelder_mead(ets_negll, &o, p, step, np, ETS_RELTOL, ETS_MAX_EVALS, work, it, &res, err);
      if (st == OM_INVALID) continue; /* this start is not admissible */
      if (st != OM_OK) {
        om_free(work);
        return st;
      }
      if (res.f < fbest) {
        fbest = res.f;
        memcpy(best, p, sizeof best);
      }
    }
    om_free(work);
    if (!isfinite(fbest)) return om_errf(err, OM_INVALID, "no admissible starting point for this model");
    memcpy(p, best, sizeof best);
    res.f = fbest;
  }
  if (!isfinite(res.f) || !ets_unpack(&o, p)) return om_errf(err, OM_INVALID, "the fit did not converge");
  if (o.conc && !ets_ls_states(&o.md, y, n, o.md.x0))
    return om_errf(err, OM_INVALID, "the initial states cannot be solved for");
  *out = o.md;
  memcpy(x, out->x0, sizeof x);
  if (ts_ets_filter(out, x, y, n, NULL, NULL, NULL, &sse, &sl)) return om_errf(err, OM_INVALID, "the fit is not usable");
  memcpy(out->xn, x, sizeof x);
  out->n = (int)n;
  /* smoothing parameters, free initial states (searched or solved), sigma */
  out->k = 1 + tr + (sp.season != TS_NONE) + sp.damped + (sp.season ? si + sp.m - 1 : ns) + 1;
  out->loglik = -res.f;
  out->aic = -2 * out->loglik + 2 * out->k;
  out->aicc = (double)n - out->k - 1 > 0 ? out->aic + 2.0 * out->k * (out->k + 1) / ((double)n - out->k - 1) : INFINITY;
  out->bic = -2 * out->loglik + out->k * log((double)n);
  out->mse = sse / (double)n;
  out->sigma2 = sse / ((double)n - out->k + 1);
  if (sp.error == TS_MUL) { /* sigma2 of the relative errors; mse of y */
    double *f = om_malloc_array(n, sizeof *f), s = 0;
    if (!f) return om_errf(err, OM_NOMEM, "out of memory");
    memcpy(x, out->x0, sizeof x);
    ts_ets_filter(out, x, y, n, NULL, f, NULL, &sse, &sl);
    for (size_t t = 0; t < n; t++) s += (y[t] - f[t]) * (y[t] - f[t]);
    out->mse = s / (double)n;
    om_free(f);
  }
  return OM_OK;
}

om_status ts_ets_select(const double *y, size_t n, int m, const ts_ets_choice *f, const om_interrupt *it,
                        ts_ets_model *out, int *tried, om_err *err) {
  static const ts_ets_choice any = {-1, -1, -1, -1};
  int positive = 1, fitted = 0;
  double best = INFINITY;
  om_err e1;
  if (!f) f = &any;
  e1.msg[0] = 0;
  for (size_t t = 0; t < n; t++)
    if (!(y[t] > 0)) positive = 0;
  for (int er = TS_ADD; er <= TS_MUL; er++) {
    if ((f->error >= 0 && er != f->error) || (er == TS_MUL && !positive)) continue;
    for (int tk = 0; tk < 3; tk++) {
      int trend = tk == 0 ? TS_NONE : TS_ADD, damped = tk == 2;
      if (f->trend >= 0 && trend != f->trend) continue;
      if (f->damped >= 0 && trend != TS_NONE && damped != f->damped) continue;
      for (int se = TS_NONE; se <= TS_MUL; se++) {
        ts_ets_spec sp = {er, trend, damped, se, se ? m : 1};
        ts_ets_model md;
        om_status st;
        if (f->season >= 0 && se != f->season) continue;
        if (se && (m < 2 || m > TS_ETS_MAX_M || n < (size_t)(2 * m + 2))) continue;
        if (er == TS_ADD && se == TS_MUL) continue;
        if (se == TS_MUL && !positive) continue;
        st = ts_ets_fit(y, n, &sp, it, &md, &e1);
        if (st == OM_NOMEM || st == OM_INTERRUPTED) return om_errf(err, st, "%s", e1.msg);
        if (st != OM_OK) continue;
        fitted++;
        if (fitted == 1 || md.aicc < best) { /* the first even when its AICc is infinite */
          best = md.aicc;
          *out = md;
        }
      }
    }
  }
  if (tried) *tried = fitted;
  if (!fitted) return om_errf(err, OM_INVALID, "%s", e1.msg);
  return OM_OK;
}

om_status ts_ets_auto(const double *y, size_t n, int m, const om_interrupt *it, ts_ets_model *out, int *tried,
                      om_err *err) {
  om_status st = ts_ets_select(y, n, m, NULL, it, out, tried, err);
  if (st == OM_INVALID) return om_errf(err, OM_INVALID, "no ETS model could be fitted to %zu observations", n);
  return st;
}

/* --------------------------------------------------------------- forecasts (6) */

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* numpy's default (linear) quantile of sorted v[0, n). */
static double quantile_sorted(const double *v, size_t n, double q) {
  double h = (double)(n - 1) * q, fl = floor(h);
  size_t i = (size_t)fl;
  if (i + 1 >= n) return v[n - 1];
  return v[i] + (h - fl) * (v[i + 1] - v[i]);
}

om_status ts_ets_forecast(const ts_ets_model *md, size_t h, double coverage, double *f, double *lo, double *hi,
                          om_err *err) {
  const ts_ets_spec *sp = &md->spec;
  const int ns = ts_ets_nstate(sp), tr = sp->trend != TS_NONE, m = sp->season ? sp->m : 1;
  double x[TS_ETS_MAX_STATE], sse, sl;
  /* point forecasts: the recursion with zero errors (y = f) */
  memcpy(x, md->xn, sizeof x);
  for (size_t i = 0; i < h; i++) {
    double yy[1], ff[1];
    /* one step: the forecast is f; feeding y = f leaves the errors 0 */
    double q = tr ? x[0] + (sp->damped ? md->phi : 1) * x[1] : x[0];
    double sv = sp->season ? x[1 + tr + m - 1] : 0;
    ff[0] = sp->season == TS_ADD ? q + sv : sp->season == TS_MUL ? q * sv : q;
    f[i] = ff[0];
    yy[0] = ff[0];
    if (!isfinite(ff[0])) {
      for (size_t j = i; j < h; j++) f[j] = NAN;
      break;
    }
    ts_ets_filter(md, x, yy, 1, NULL, NULL, NULL, &sse, &sl);
  }
  if (!lo || !hi) return OM_OK;
  if (!(coverage > 0 && coverage < 1)) return om_errf(err, OM_INVALID, "coverage %g is outside (0, 1)", coverage);
  if (sp->error == TS_ADD && sp->season != TS_MUL) { /* class 1: exact variance */
    double z = ts_norm_ppf(0.5 + coverage / 2), acc = 0, phij = 0, phik = 1;
    for (size_t i = 0; i < h; i++) {
      double v = md->sigma2 * (1 + acc), c;
      lo[i] = f[i] - z * sqrt(v);
      hi[i] = f[i] + z * sqrt(v);
      /* c_j for j = i + 1 */
      phik *= sp->damped ? md->phi : 1;
      phij += phik;
      c = md->alpha + (tr ? md->beta * phij : 0) + (sp->season && (i + 1) % (size_t)m == 0 ? md->gamma : 0);
      acc += c * c;
    }
    return OM_OK;
  }
  {
    /* simulation: TS_ETS_PATHS paths advanced together, one step at a time */
    size_t P = TS_ETS_PATHS;
    double *xs = om_malloc_array(P * (size_t)ns, sizeof *xs), *v = om_malloc_array(P, sizeof *v);
    double sd = sqrt(md->sigma2), ql = 0.5 - coverage / 2, qh = 0.5 + coverage / 2;
    ts_rng g = {0x6f6d656e45545321u};
    if (!xs || !v) {
      om_free(xs);
      om_free(v);
      return om_errf(err, OM_NOMEM, "out of memory");
    }
    for (size_t p = 0; p < P; p++) memcpy(xs + p * (size_t)ns, md->xn, (size_t)ns * sizeof *xs);
    for (size_t i = 0; i < h; i++) {
      for (size_t p = 0; p < P; p++) {
        double *xp = xs + p * (size_t)ns, q = tr ? xp[0] + (sp->damped ? md->phi : 1) * xp[1] : xp[0];
        double sv = sp->season ? xp[1 + tr + m - 1] : 0, fc, yy;
        fc = sp->season == TS_ADD ? q + sv : sp->season == TS_MUL ? q * sv : q;
        yy = sp->error == TS_MUL ? fc * (1 + sd * ts_rng_norm(&g)) : fc + sd * ts_rng_norm(&g);
        v[p] = yy;
        if (isfinite(yy)) ts_ets_filter(md, xp, &yy, 1, NULL, NULL, NULL, &sse, &sl);
      }
      qsort(v, P, sizeof *v, cmp_double);
      lo[i] = quantile_sorted(v, P, ql);
      hi[i] = quantile_sorted(v, P, qh);
    }
    om_free(xs);
    om_free(v);
  }
  return OM_OK;
}
