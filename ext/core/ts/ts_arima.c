/*
** ts_arima.c — seasonal ARIMA: differencing, exact likelihood (Kalman
** filter with Chandrasekhar recursions), CSS, BFGS fits, forecasts, the
** root check (spec: ts_arima.h).
*/
#include "ts_arima.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ts_dist.h"

#define AR_NPAR (2 * TS_ARIMA_MAX_P + 2 * TS_ARIMA_MAX_SP + 1)
#define AR_NZ ((TS_ARIMA_MAX_P + 1) * (TS_ARIMA_MAX_SP + 1))
#define AR_MAXDEG (TS_ARIMA_MAX_P + TS_ARIMA_MAX_SP * TS_ARIMA_MAX_S)
#define AR_GRAD_H 1e-4
#define AR_RELTOL 1e-8
#define AR_ACCTOL 1e-4
#define AR_STEPREDN 0.2
#define AR_CONV 1e-26  /* behaviour 3's steady-state test, |w|^2 < AR_CONV F^2 */
#define AR_RAW_MAX 8.0 /* behaviour 5: |partial autocorrelation| <= tanh(8) = 1 - 2.3e-7 */

/* ------------------------------------------------------------- spec (1, 10) */

om_status ts_arima_check_spec(const ts_arima_spec *spec, ts_arima_spec *norm, om_err *err) {
  ts_arima_spec s = *spec;
  if (s.p < 0 || s.p > TS_ARIMA_MAX_P || s.q < 0 || s.q > TS_ARIMA_MAX_P)
    return om_errf(err, OM_INVALID, "ARIMA orders p = %d, q = %d are outside 0..%d", s.p, s.q, TS_ARIMA_MAX_P);
  if (s.P < 0 || s.P > TS_ARIMA_MAX_SP || s.Q < 0 || s.Q > TS_ARIMA_MAX_SP)
    return om_errf(err, OM_INVALID, "seasonal ARIMA orders P = %d, Q = %d are outside 0..%d", s.P, s.Q,
                   TS_ARIMA_MAX_SP);
  if (s.d < 0 || s.d > TS_ARIMA_MAX_D)
    return om_errf(err, OM_INVALID, "differencing order d = %d is outside 0..%d", s.d, TS_ARIMA_MAX_D);
  if (s.D < 0 || s.D > TS_ARIMA_MAX_SD)
    return om_errf(err, OM_INVALID, "seasonal differencing order D = %d is outside 0..%d", s.D, TS_ARIMA_MAX_SD);
  if (s.P || s.D || s.Q) {
    if (s.s < 2 || s.s > TS_ARIMA_MAX_S)
      return om_errf(err, OM_INVALID, "seasonal period %d is outside 2..%d", s.s, TS_ARIMA_MAX_S);
  } else {
    s.s = 1;
  }
  s.constant = s.constant != 0;
  if (s.constant && s.d + s.D > 1) return om_errf(err, OM_INVALID, "a constant needs d + D <= 1 (here %d)", s.d + s.D);
  if (norm) *norm = s;
  return OM_OK;
}

void ts_arima_name(const ts_arima_spec *s, char *buf) {
  int n = snprintf(buf, 48, "ARIMA(%d,%d,%d)", s->p, s->d, s->q);
  if (s->s > 1 && (s->P || s->D || s->Q) && n < 48)
    n += snprintf(buf + n, (size_t)(48 - n), "(%d,%d,%d)[%d]", s->P, s->D, s->Q, s->s);
  if (n < 48) {
    const char *tail = "";
    if (s->constant && s->d + s->D >= 1) tail = " with drift";
    else if (s->constant && s->d + s->D == 0) tail = " with non-zero mean";
    else if (!s->constant && s->d + s->D == 0) tail = " with zero mean";
    snprintf(buf + n, (size_t)(48 - n), "%s", tail);
  }
}

/* ------------------------------------------------------- polynomials (1, 2) */

/* The expanded model: phi[k] is the coefficient of lag k + 1 (k < pf),
** th[0] = 1 and th[k] that of lag k (k <= qf); the non-zero positions of
** each (th's from 1) in iphi / ith. */
typedef struct arima_poly {
  int pf, qf, r;
  double *phi, *th;
  int nphi, nth;
  int iphi[AR_NZ], ith[AR_NZ];
} arima_poly;

/* Scratch of one call: one block (behaviour 11). */
typedef struct arima_ws {
  arima_poly pl;
  double *psi, *gam, *A, *g, *wv, *a; /* r, r + 1, (pf + 1)(pf + 2), r, r, r */
  double *w;                          /* n: the differenced series (first nw) */
  double *e;                          /* n: CSS residuals, innovations */
  double *extra;
  void *block;
} arima_ws;

static void arima_orders(const ts_arima_spec *sp, int *pf, int *qf, int *r) {
  *pf = sp->p + sp->s * sp->P;
  *qf = sp->q + sp->s * sp->Q;
  *r = *pf > *qf + 1 ? *pf : *qf + 1;
}

static int arima_ws_alloc(arima_ws *ws, const ts_arima_spec *sp, size_t n, size_t extra) {
  int pf, qf, r;
  size_t R, tot;
  double *p;
  arima_orders(sp, &pf, &qf, &r);
  R = (size_t)r;
  tot = R + (R + 1) + R + (R + 1) + (size_t)(pf + 1) * (size_t)(pf + 2) + 3 * R + 2 * n + extra;
  memset(ws, 0, sizeof *ws);
  ws->block = om_malloc_array(tot, sizeof(double));
  if (!ws->block) return 0;
  p = ws->block;
  ws->pl.pf = pf;
  ws->pl.qf = qf;
  ws->pl.r = r;
  ws->pl.phi = p;
  p += R;
  ws->pl.th = p;
  p += R + 1;
  ws->psi = p;
  p += R;
  ws->gam = p;
  p += R + 1;
  ws->A = p;
  p += (size_t)(pf + 1) * (size_t)(pf + 2);
  ws->g = p;
  p += R;
  ws->wv = p;
  p += R;
  ws->a = p;
  p += R;
  ws->w = p;
  p += n;
  ws->e = p;
  p += n;
  ws->extra = extra ? p : NULL;
  return 1;
}

/* Behaviour 2: multiply the polynomials out. */
static void arima_expand(const ts_arima_spec *sp, const double *ar, const double *ma, const double *sar,
                         const double *sma, arima_poly *pl) {
  int s = sp->s, pf = pl->pf, qf = pl->qf;
  memset(pl->phi, 0, (size_t)pl->r * sizeof *pl->phi);
  memset(pl->th, 0, (size_t)(pl->r + 1) * sizeof *pl->th);
  pl->th[0] = 1;
  for (int i = 0; i < sp->p; i++) pl->phi[i] += ar[i];
  for (int j = 0; j < sp->P; j++) {
    pl->phi[s * (j + 1) - 1] += sar[j];
    for (int i = 0; i < sp->p; i++) pl->phi[s * (j + 1) + i] -= ar[i] * sar[j];
  }
  for (int i = 0; i < sp->q; i++) pl->th[i + 1] += ma[i];
  for (int j = 0; j < sp->Q; j++) {
    pl->th[s * (j + 1)] += sma[j];
    for (int i = 0; i < sp->q; i++) pl->th[s * (j + 1) + i + 1] += ma[i] * sma[j];
  }
  pl->nphi = pl->nth = 0;
  for (int k = 0; k < pf; k++)
    if (pl->phi[k] != 0 && pl->nphi < AR_NZ) pl->iphi[pl->nphi++] = k;
  for (int k = 1; k <= qf; k++)
    if (pl->th[k] != 0 && pl->nth < AR_NZ) pl->ith[pl->nth++] = k;
}

/* x <- T x in place (T: phi in the first column, ones above the diagonal). */
static inline void arima_T(const arima_poly *pl, double *x) {
  double x0 = x[0];
  int r = pl->r;
  if (r > 1) memmove(x, x + 1, (size_t)(r - 1) * sizeof *x);
  x[r - 1] = 0;
  for (int n = 0; n < pl->nphi; n++) x[pl->iphi[n]] += pl->phi[pl->iphi[n]] * x0;
}

/* Solve the n x n system A x = b (row-major, b right after A) by Gaussian
** elimination with partial pivoting; x into b.  0 if singular.  Not LAPACK:
** the autocovariance system of a seasonal AR is sparse (non-zeros only at
** the AR lags), and skipping zero multipliers makes this 6x faster than
** LAPACKE_dgesv's dense LU for s = 168, P = 2 (measured 0.13 s against
** 0.8 s for a whole fit of 1,344 points). */
static int arima_solve(double *A, double *b, int n) {
  for (int c = 0; c < n; c++) {
    int piv = c;
    double best = fabs(A[(size_t)c * n + c]);
    for (int i = c + 1; i < n; i++)
      if (fabs(A[(size_t)i * n + c]) > best) {
        best = fabs(A[(size_t)i * n + c]);
        piv = i;
      }
    if (!(best > 0) || !isfinite(best)) return 0;
    if (piv != c) {
      for (int j = 0; j < n; j++) {
        double t = A[(size_t)c * n + j];
        A[(size_t)c * n + j] = A[(size_t)piv * n + j];
        A[(size_t)piv * n + j] = t;
      }
      {
        double t = b[c];
        b[c] = b[piv];
        b[piv] = t;
      }
    }
    for (int i = c + 1; i < n; i++) {
      double f = A[(size_t)i * n + c] / A[(size_t)c * n + c];
      if (f == 0) continue;
      for (int j = c + 1; j < n; j++) A[(size_t)i * n + j] -= f * A[(size_t)c * n + j];
      b[i] -= f * b[c];
    }
  }
  for (int i = n - 1; i >= 0; i--) {
    double v = b[i];
    for (int j = i + 1; j < n; j++) v -= A[(size_t)i * n + j] * b[j];
    b[i] = v / A[(size_t)i * n + i];
  }
  for (int i = 0; i < n; i++)
    if (!isfinite(b[i])) return 0;
  return 1;
}

/* Behaviour 3's start: psi weights, autocovariances (unit innovation
** variance) and the first column of the stationary covariance into ws->g. */
static int arima_init_cov(arima_ws *ws) {
  const arima_poly *pl = &ws->pl;
  int r = pl->r, pf = pl->pf, qf = pl->qf, N = pf + 1;
  double *psi = ws->psi, *gam = ws->gam, *A = ws->A, *b = ws->A + (size_t)N * N, *g = ws->g;
  psi[0] = 1;
  for (int m = 1; m < r; m++) {
    double v = m <= qf ? pl->th[m] : 0;
    for (int n = 0; n < pl->nphi; n++) {
      int lag = pl->iphi[n] + 1;
      if (lag > m) break;
      v += pl->phi[lag - 1] * psi[m - lag];
    }
    psi[m] = v;
  }
  /* gamma_k - sum_i phi_i gamma_|k-i| = sum_{j=k}^{qf} theta_j psi_{j-k}, k = 0..pf */
  memset(A, 0, (size_t)N * N * sizeof *A);
  for (int k = 0; k < N; k++) {
    double v = k == 0 ? 1 : 0; /* j = 0 */
    A[(size_t)k * N + k] += 1;
    for (int n = 0; n < pl->nphi; n++) {
      int lag = pl->iphi[n] + 1;
      A[(size_t)k * N + (k > lag ? k - lag : lag - k)] -= pl->phi[lag - 1];
    }
    for (int n = 0; n < pl->nth; n++) {
      int j = pl->ith[n];
      if (j >= k) v += pl->th[j] * psi[j - k];
    }
    b[k] = v;
  }
  if (!arima_solve(A, b, N)) return 0;
  memcpy(gam, b, (size_t)N * sizeof *gam);
  for (int k = N; k <= r; k++) {
    double v = 0;
    for (int n = 0; n < pl->nphi; n++) {
      int lag = pl->iphi[n] + 1;
      v += pl->phi[lag - 1] * gam[k - lag];
    }
    for (int n = 0; n < pl->nth; n++) {
      int j = pl->ith[n];
      if (j >= k) v += pl->th[j] * psi[j - k];
    }
    gam[k] = v;
  }
  /* P[0][j] = sum_{k=j}^{r-1} (phi[k] gamma_{k-j+1} + theta_k psi_{k-j}) */
  for (int j = 0; j < r; j++) {
    double v = j == 0 ? psi[0] : 0; /* theta_0 = 1 */
    for (int n = 0; n < pl->nphi; n++) {
      int k = pl->iphi[n];
      if (k >= j) v += pl->phi[k] * gam[k - j + 1];
    }
    for (int n = 0; n < pl->nth; n++) {
      int k = pl->ith[n];
      if (k >= j) v += pl->th[k] * psi[k - j];
    }
    g[j] = v;
  }
  return g[0] > 0 && isfinite(g[0]);
}

/* Behaviour 3: the filter over x = w - mu.  *ssq = sum v^2 / F, *sumlog =
** sum log F; v, F per point (may be NULL); ws->a ends as the predicted
** state after the last point.  0 if the likelihood cannot be evaluated. */
static int arima_kf(arima_ws *ws, const double *w, size_t nw, double mu, double *ssq, double *sumlog, double *vo,
                    double *Fo) {
  const arima_poly *pl = &ws->pl;
  int r = pl->r, conv = 0;
  double *g = ws->g, *wv = ws->wv, *a = ws->a, F, s2 = 0, sl = 0;
  if (!arima_init_cov(ws)) return 0;
  F = g[0];
  memcpy(wv, g, (size_t)r * sizeof *wv);
  arima_T(pl, wv);
  memset(a, 0, (size_t)r * sizeof *a);
  for (size_t t = 0; t < nw; t++) {
    double x = w[t] - mu, v = x - a[0], c;
    if (!(F > 0)) return 0;
    s2 += v * v / F;
    sl += log(F);
    if (vo) vo[t] = v;
    if (Fo) Fo[t] = F;
    c = v / F;
    for (int i = 0; i < r; i++) a[i] += g[i] * c;
    arima_T(pl, a);
    if (!conv) {
      double w0 = wv[0], c2 = w0 / F, nrm = 0;
      for (int i = 0; i < r; i++) {
        double wi = wv[i], gi = g[i];
        wv[i] = wi - c2 * gi;
        g[i] = gi - c2 * wi;
        nrm += wv[i] * wv[i];
      }
      F = g[0];
      arima_T(pl, wv);
      if (nrm < AR_CONV * F * F) conv = 1;
    }
  }
  if (!isfinite(s2) || !isfinite(sl)) return 0;
  *ssq = s2;
  *sumlog = sl;
  return 1;
}

/* Behaviour 4: the CSS residuals into e; SSE returned (inf if it blows
** up), *nu the number of residuals. */
static double arima_css_sse(const arima_poly *pl, const double *w, size_t nw, double mu, double *e, size_t *nu) {
  size_t pf = (size_t)pl->pf;
  double sse = 0;
  *nu = nw > pf ? nw - pf : 0;
  for (size_t t = 0; t < nw && t < pf; t++) e[t] = 0;
  for (size_t t = pf; t < nw; t++) {
    double v = w[t] - mu;
    for (int n = 0; n < pl->nphi; n++) {
      size_t lag = (size_t)pl->iphi[n] + 1;
      v -= pl->phi[lag - 1] * (w[t - lag] - mu);
    }
    for (int n = 0; n < pl->nth; n++) {
      size_t lag = (size_t)pl->ith[n];
      if (lag > t) break;
      v -= pl->th[lag] * e[t - lag];
    }
    e[t] = v;
    sse += v * v;
  }
  return isfinite(sse) ? sse : INFINITY;
}

/* Behaviour 1: w[0, n - d - sD) from y (w has room for n). */
static size_t arima_diff(const double *y, size_t n, const ts_arima_spec *sp, double *w) {
  size_t len = n, s = (size_t)sp->s;
  memcpy(w, y, n * sizeof *w);
  for (int k = 0; k < sp->d; k++) {
    for (size_t t = 0; t + 1 < len; t++) w[t] = w[t + 1] - w[t];
    len--;
  }
  for (int k = 0; k < sp->D; k++) {
    for (size_t t = 0; t + s < len; t++) w[t] = w[t + s] - w[t];
    len -= s;
  }
  return len;
}

/* ------------------------------------------------ roots and transforms (5, 8) */

/* Every root of c[0] + ... + c[deg] z^deg (c[0] = 1) has modulus > rad:
** the trailing coefficients of modulus <= cut dropped first, then a
** Schur–Cohn test that the reversed, scaled polynomial has every root
** inside the unit circle. */
static int arima_roots_outside(const double *c, int deg, double rad, double cut) {
  double q[AR_MAXDEG + 1], t[AR_MAXDEG + 1], sc = 1;
  while (deg > 0 && !(fabs(c[deg]) > cut)) deg--;
  if (deg > AR_MAXDEG) return 0;
  for (int k = 0; k <= deg; k++) {
    q[deg - k] = c[k] * sc;
    sc *= rad;
  }
  while (deg > 0) {
    double an = q[deg], a0 = q[0], lead;
    if (!(fabs(a0) < fabs(an))) return 0;
    for (int k = 0; k < deg; k++) t[k] = (an * q[k + 1] - a0 * q[deg - k - 1]) / an;
    deg--;
    lead = t[deg];
    if (!(lead != 0) || !isfinite(lead)) return 0;
    for (int k = 0; k <= deg; k++) q[k] = t[k] / lead;
  }
  return 1;
}

/* 1 - sum ar z^i (sign -1) or 1 + sum ma z^i (sign +1), factor by factor
** with period s, multiplied out into c (degree returned). */
static int arima_full_poly(const double *a, int p, const double *sa, int P, int s, double sign, double *c) {
  int deg = p + s * P;
  memset(c, 0, (size_t)(deg + 1) * sizeof *c);
  c[0] = 1;
  for (int i = 0; i < p; i++) c[i + 1] += sign * a[i];
  for (int j = 0; j < P; j++) {
    c[s * (j + 1)] += sign * sa[j];
    for (int i = 0; i < p; i++) c[s * (j + 1) + i + 1] += a[i] * sa[j];
  }
  return deg;
}

int ts_arima_ok_roots(const ts_arima_model *md) {
  const ts_arima_spec *sp = &md->spec;
  double c[AR_MAXDEG + 1];
  int s = sp->P || sp->Q || sp->D ? sp->s : 1, deg;
  if (sp->p < 0 || sp->p > TS_ARIMA_MAX_P || sp->q < 0 || sp->q > TS_ARIMA_MAX_P || sp->P < 0 ||
      sp->P > TS_ARIMA_MAX_SP || sp->Q < 0 || sp->Q > TS_ARIMA_MAX_SP || s < 1 || s > TS_ARIMA_MAX_S)
    return 0;
  deg = arima_full_poly(md->ar, sp->p, md->sar, sp->P, s, -1, c);
  if (!arima_roots_outside(c, deg, 1.01, 1e-8)) return 0;
  deg = arima_full_poly(md->ma, sp->q, md->sma, sp->Q, s, 1, c);
  return arima_roots_outside(c, deg, 1.01, 1e-8);
}

/* R's partrans: partial autocorrelations tanh(raw), then Durbin–Levinson. */
static void arima_partrans(int p, const double *raw, double *out) {
  double work[TS_ARIMA_MAX_P];
  for (int j = 0; j < p; j++) out[j] = work[j] = tanh(raw[j]);
  for (int j = 1; j < p; j++) {
    double a = out[j];
    for (int k = 0; k < j; k++) work[k] -= a * out[j - k - 1];
    memcpy(out, work, (size_t)j * sizeof *out);
  }
}

/* The inverse; 0 when phi is not stationary. */
static int arima_invpartrans(int p, const double *phi, double *raw) {
  double cur[TS_ARIMA_MAX_P], work[TS_ARIMA_MAX_P];
  memcpy(cur, phi, (size_t)p * sizeof *cur);
  for (int j = p - 1; j > 0; j--) {
    double a = cur[j];
    if (!(fabs(a) < 1)) return 0;
    for (int k = 0; k < j; k++) work[k] = (cur[k] + a * cur[j - k - 1]) / (1 - a * a);
    memcpy(cur, work, (size_t)j * sizeof *cur);
  }
  for (int j = 0; j < p; j++) {
    if (!(fabs(cur[j]) < 1)) return 0;
    raw[j] = atanh(cur[j]);
  }
  return 1;
}

/* --------------------------------------------------------------- BFGS (5) */

typedef double (*arima_fn)(const double *x, void *ctx);

static void arima_grad(arima_fn f, void *ctx, const double *x, double fx, int n, double *g) {
  double xx[AR_NPAR];
  memcpy(xx, x, (size_t)n * sizeof *xx);
  for (int i = 0; i < n; i++) {
    double f1, f2;
    xx[i] = x[i] + AR_GRAD_H;
    f1 = f(xx, ctx);
    xx[i] = x[i] - AR_GRAD_H;
    f2 = f(xx, ctx);
    xx[i] = x[i];
    if (isfinite(f1) && isfinite(f2)) g[i] = (f1 - f2) / (2 * AR_GRAD_H);
    else if (isfinite(f1)) g[i] = (f1 - fx) / AR_GRAD_H;
    else if (isfinite(f2)) g[i] = (fx - f2) / AR_GRAD_H;
    else g[i] = 0;
  }
}

/* Minimise f from x (in place) in R's vmmin manner; *fx the value.
** OM_SINGULAR when f is not finite at the start. */
static om_status arima_bfgs(arima_fn f, void *ctx, double *x, int n, const om_interrupt *it, double *fx) {
  double B[AR_NPAR * AR_NPAR], g[AR_NPAR], gn[AR_NPAR], t[AR_NPAR], xn[AR_NPAR], X[AR_NPAR], f0, fn = 0;
  int reset = 1;
  f0 = f(x, ctx);
  if (!isfinite(f0)) return OM_SINGULAR;
  *fx = f0;
  if (n == 0) return OM_OK;
  arima_grad(f, ctx, x, f0, n, g);
  for (int iter = 0; iter < TS_ARIMA_MAXIT; iter++) {
    double gp = 0, step = 1, sy = 0, yBy = 0;
    int acc = 0, conv;
    if (om_interrupted(it)) return OM_INTERRUPTED;
    if (reset) {
      memset(B, 0, sizeof B);
      for (int i = 0; i < n; i++) B[i * n + i] = 1;
    }
    for (int i = 0; i < n; i++) {
      double v = 0;
      for (int j = 0; j < n; j++) v -= B[i * n + j] * g[j];
      t[i] = v;
      gp += v * g[i];
    }
    if (!(gp < 0)) {
      if (reset) break;
      reset = 1;
      continue;
    }
    for (int ls = 0; ls < 60; ls++) {
      int same = 0;
      for (int i = 0; i < n; i++) {
        xn[i] = x[i] + step * t[i];
        same += xn[i] == x[i];
      }
      if (same == n) break;
      fn = f(xn, ctx);
      if (isfinite(fn) && fn <= f0 + gp * step * AR_ACCTOL) {
        acc = 1;
        break;
      }
      step *= AR_STEPREDN;
    }
    if (!acc) {
      if (reset) break;
      reset = 1;
      continue;
    }
    conv = !(fabs(fn - f0) > AR_RELTOL * (fabs(f0) + AR_RELTOL));
    arima_grad(f, ctx, xn, fn, n, gn);
    for (int i = 0; i < n; i++) {
      t[i] = xn[i] - x[i]; /* s */
      gn[i] -= g[i];       /* y, for now */
      sy += t[i] * gn[i];
    }
    if (sy > 0) {
      for (int i = 0; i < n; i++) {
        double v = 0;
        for (int j = 0; j < n; j++) v += B[i * n + j] * gn[j];
        X[i] = v;
        yBy += v * gn[i];
      }
      yBy = 1 + yBy / sy;
      for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) B[i * n + j] += (yBy * t[i] * t[j] - X[i] * t[j] - t[i] * X[j]) / sy;
      reset = 0;
    } else {
      reset = 1;
    }
    for (int i = 0; i < n; i++) {
      g[i] += gn[i]; /* the new gradient */
      x[i] = xn[i];
    }
    f0 = fn;
    *fx = f0;
    if (conv) break;
  }
  return OM_OK;
}

/* ------------------------------------------------------------ objective (5) */

typedef struct arima_ctx {
  ts_arima_spec sp;
  arima_ws *ws;
  size_t nw;
  int css, trans;
  double mu0, musc;
  double ar[TS_ARIMA_MAX_P], ma[TS_ARIMA_MAX_P], sar[TS_ARIMA_MAX_SP], sma[TS_ARIMA_MAX_SP], mu;
} arima_ctx;

static int arima_npar(const ts_arima_spec *sp) { return sp->p + sp->q + sp->P + sp->Q + sp->constant; }

/* 0 when an AR partial autocorrelation is beyond tanh(AR_RAW_MAX). */
static int arima_unpack(arima_ctx *c, const double *x) {
  const ts_arima_spec *sp = &c->sp;
  int i = 0, ok = 1;
  if (c->trans) {
    for (int k = 0; k < sp->p; k++) ok &= fabs(x[k]) <= AR_RAW_MAX;
    for (int k = 0; k < sp->P; k++) ok &= fabs(x[sp->p + sp->q + k]) <= AR_RAW_MAX;
  }
  if (c->trans) arima_partrans(sp->p, x + i, c->ar);
  else memcpy(c->ar, x + i, (size_t)sp->p * sizeof *x);
  i += sp->p;
  memcpy(c->ma, x + i, (size_t)sp->q * sizeof *x);
  i += sp->q;
  if (c->trans) arima_partrans(sp->P, x + i, c->sar);
  else memcpy(c->sar, x + i, (size_t)sp->P * sizeof *x);
  i += sp->P;
  memcpy(c->sma, x + i, (size_t)sp->Q * sizeof *x);
  i += sp->Q;
  c->mu = sp->constant ? c->mu0 + c->musc * x[i] : 0;
  return ok;
}

static double arima_objective(const double *x, void *vc) {
  arima_ctx *c = vc;
  arima_ws *ws = c->ws;
  double ssq, sl;
  if (!arima_unpack(c, x)) return INFINITY;
  arima_expand(&c->sp, c->ar, c->ma, c->sar, c->sma, &ws->pl);
  if (c->css) {
    size_t nu;
    double sse = arima_css_sse(&ws->pl, ws->w, c->nw, c->mu, ws->e, &nu);
    if (!(sse > 0) || !isfinite(sse) || nu == 0) return INFINITY;
    return 0.5 * log(sse / (double)nu);
  }
  if (!arima_kf(ws, ws->w, c->nw, c->mu, &ssq, &sl, NULL, NULL) || !(ssq > 0)) return INFINITY;
  return 0.5 * (log(ssq / (double)c->nw) + sl / (double)c->nw);
}

/* ------------------------------------------------------------------ fit (5, 6) */

static om_status arima_check_y(const double *y, size_t n, const ts_arima_spec *sp, size_t *nw, om_err *err) {
  size_t nd = (size_t)sp->d + (size_t)sp->s * (size_t)sp->D;
  int need = arima_npar(sp) + 3;
  if (!y && n) return om_errf(err, OM_INVALID, "no series");
  for (size_t t = 0; t < n; t++)
    if (!isfinite(y[t])) return om_errf(err, OM_INVALID, "the series has a non-finite value at position %zu", t + 1);
  if (n <= nd || n - nd < (size_t)need)
    return om_errf(err, OM_INVALID,
                   "%zu observations are too few for this ARIMA model (at least %d after differencing, which takes "
                   "%zu)",
                   n, need, nd);
  *nw = n - nd;
  return OM_OK;
}

static void arima_finish(arima_ctx *c, int method, double loglik, double sigma2, ts_arima_model *out) {
  const ts_arima_spec *sp = &c->sp;
  memset(out, 0, sizeof *out);
  out->spec = *sp;
  memcpy(out->ar, c->ar, (size_t)sp->p * sizeof *c->ar);
  memcpy(out->ma, c->ma, (size_t)sp->q * sizeof *c->ma);
  memcpy(out->sar, c->sar, (size_t)sp->P * sizeof *c->sar);
  memcpy(out->sma, c->sma, (size_t)sp->Q * sizeof *c->sma);
  out->mu = sp->constant ? c->mu : 0;
  out->sigma2 = sigma2;
  out->loglik = loglik;
  out->k = arima_npar(sp) + 1;
  out->n_used = (int)c->nw;
  out->method = method;
  out->aic = -2 * loglik + 2 * out->k;
  out->aicc = out->aic + 2.0 * out->k * (out->k + 1) / ((double)c->nw - out->k - 1);
  out->bic = -2 * loglik + out->k * log((double)c->nw);
}

om_status ts_arima_fit(const double *y, size_t n, const ts_arima_spec *spec, int method, const om_interrupt *it,
                       ts_arima_model *out, om_err *err) {
  ts_arima_spec sp;
  arima_ws ws;
  arima_ctx c;
  double x[AR_NPAR], fx, mean = 0, var = 0, wmin, wmax;
  size_t nw, ncss;
  int np, pf, qf, r;
  om_status st;
  if ((st = ts_arima_check_spec(spec, &sp, err)) != OM_OK) return st;
  if (method != TS_ARIMA_ML && method != TS_ARIMA_CSS && method != TS_ARIMA_CSS_ML)
    return om_errf(err, OM_INVALID, "unknown ARIMA fitting method %d", method);
  if ((st = arima_check_y(y, n, &sp, &nw, err)) != OM_OK) return st;
  arima_orders(&sp, &pf, &qf, &r);
  np = arima_npar(&sp);
  ncss = nw > (size_t)pf ? nw - (size_t)pf : 0;
  if (method == TS_ARIMA_CSS && ncss < (size_t)np + 3)
    return om_errf(err, OM_INVALID, "%zu observations are too few for a CSS fit of this ARIMA model", n);
  if (!arima_ws_alloc(&ws, &sp, n, 0)) return om_errf(err, OM_NOMEM, "out of memory");
  arima_diff(y, n, &sp, ws.w);
  wmin = wmax = ws.w[0];
  for (size_t t = 0; t < nw; t++) {
    mean += ws.w[t];
    if (ws.w[t] < wmin) wmin = ws.w[t];
    if (ws.w[t] > wmax) wmax = ws.w[t];
  }
  mean /= (double)nw;
  for (size_t t = 0; t < nw; t++) var += (ws.w[t] - mean) * (ws.w[t] - mean);
  var /= (double)nw;
  if (!(wmax > wmin)) {
    om_free(ws.block);
    return om_errf(err, OM_INVALID, "the differenced series is constant");
  }
  memset(&c, 0, sizeof c);
  c.sp = sp;
  c.ws = &ws;
  c.nw = nw;
  c.mu0 = sp.constant ? mean : 0;
  c.musc = sqrt(var / (double)nw);
  memset(x, 0, sizeof x);
  if (method == TS_ARIMA_CSS || (method == TS_ARIMA_CSS_ML && ncss >= (size_t)np + 3)) {
    c.css = 1;
    c.trans = 0;
    st = arima_bfgs(arima_objective, &c, x, np, it, &fx);
    if (st == OM_INTERRUPTED) goto done;
    if (method == TS_ARIMA_CSS) {
      size_t nu;
      double sse, s2;
      if (st != OM_OK) {
        om_errf(err, st, "the CSS sum of squares cannot be evaluated");
        goto done;
      }
      arima_unpack(&c, x);
      arima_expand(&sp, c.ar, c.ma, c.sar, c.sma, &ws.pl);
      sse = arima_css_sse(&ws.pl, ws.w, nw, c.mu, ws.e, &nu);
      s2 = sse / (double)nu;
      arima_finish(&c, TS_ARIMA_CSS, -0.5 * (double)nu * (log(2 * M_PI * s2) + 1), s2, out);
      goto done;
    }
    if (st == OM_OK) { /* behaviour 5: the ML start from the CSS fit */
      double y0[AR_NPAR], poly[AR_MAXDEG + 1];
      int iq = sp.p, iP = sp.p + sp.q, iQ = sp.p + sp.q + sp.P, ar_ok, sar_ok, ma_ok;
      memset(y0, 0, sizeof y0);
      arima_unpack(&c, x);
      ar_ok = arima_invpartrans(sp.p, c.ar, y0);
      sar_ok = arima_invpartrans(sp.P, c.sar, y0 + iP);
      for (int k = 0; k < sp.p; k++) ar_ok &= fabs(y0[k]) <= AR_RAW_MAX;
      for (int k = 0; k < sp.P; k++) sar_ok &= fabs(y0[iP + k]) <= AR_RAW_MAX;
      if (!ar_ok) memset(y0, 0, (size_t)sp.p * sizeof *y0);
      if (!sar_ok) memset(y0 + iP, 0, (size_t)sp.P * sizeof *y0);
      ma_ok = arima_roots_outside(poly, arima_full_poly(c.ma, sp.q, c.sma, sp.Q, sp.s, 1, poly), 1.0, 0);
      if (ma_ok) {
        memcpy(y0 + iq, c.ma, (size_t)sp.q * sizeof *y0);
        memcpy(y0 + iQ, c.sma, (size_t)sp.Q * sizeof *y0);
      }
      if (sp.constant) y0[np - 1] = x[np - 1];
      memcpy(x, y0, sizeof x);
    } else {
      memset(x, 0, sizeof x);
    }
  }
  c.css = 0;
  c.trans = 1;
  st = arima_bfgs(arima_objective, &c, x, np, it, &fx);
  if (st == OM_SINGULAR && method == TS_ARIMA_CSS_ML) { /* the CSS start failed: the usual one */
    memset(x, 0, sizeof x);
    st = arima_bfgs(arima_objective, &c, x, np, it, &fx);
  }
  if (st == OM_SINGULAR) om_errf(err, st, "the ARIMA likelihood cannot be evaluated");
  if (st != OM_OK) goto done;
  {
    double ssq, sl, s2;
    arima_unpack(&c, x);
    arima_expand(&sp, c.ar, c.ma, c.sar, c.sma, &ws.pl);
    if (!arima_kf(&ws, ws.w, nw, c.mu, &ssq, &sl, NULL, NULL) || !(ssq > 0)) {
      st = om_errf(err, OM_SINGULAR, "the ARIMA likelihood cannot be evaluated at the fit");
      goto done;
    }
    s2 = ssq / (double)nw;
    arima_finish(&c, TS_ARIMA_ML, -0.5 * ((double)nw * log(2 * M_PI * s2) + sl + (double)nw), s2, out);
  }
done:
  if (st == OM_INTERRUPTED) om_errf(err, st, "interrupted");
  om_free(ws.block);
  return st;
}

/* ------------------------------------------------- loglik at given parameters */

/* Common set-up of the calls that take a model: checks, scratch,
** differencing, the expanded polynomials; 0 with *st on failure. */
static int arima_prepare(const ts_arima_model *md, const double *y, size_t n, size_t extra, arima_ws *ws, size_t *nw,
                         om_status *st, om_err *err) {
  ts_arima_spec sp;
  if ((*st = ts_arima_check_spec(&md->spec, &sp, err)) != OM_OK) return 0;
  if ((*st = arima_check_y(y, n, &sp, nw, err)) != OM_OK) return 0;
  if (!arima_ws_alloc(ws, &sp, n, extra)) {
    *st = om_errf(err, OM_NOMEM, "out of memory");
    return 0;
  }
  arima_diff(y, n, &sp, ws->w);
  arima_expand(&sp, md->ar, md->ma, md->sar, md->sma, &ws->pl);
  return 1;
}

static int arima_stationary(const ts_arima_model *md) {
  double raw[TS_ARIMA_MAX_P];
  return arima_invpartrans(md->spec.p, md->ar, raw) && arima_invpartrans(md->spec.P, md->sar, raw);
}

double ts_arima_loglik(const ts_arima_model *md, const double *y, size_t n) {
  arima_ws ws;
  size_t nw;
  om_status st;
  double ssq, sl, r = NAN, mu = md->spec.constant ? md->mu : 0;
  if (!arima_prepare(md, y, n, 0, &ws, &nw, &st, NULL)) return NAN;
  if (arima_stationary(md) && arima_kf(&ws, ws.w, nw, mu, &ssq, &sl, NULL, NULL) && ssq > 0)
    r = -0.5 * ((double)nw * log(2 * M_PI * ssq / (double)nw) + sl + (double)nw);
  om_free(ws.block);
  return r;
}

double ts_arima_css(const ts_arima_model *md, const double *y, size_t n, double *sigma2) {
  arima_ws ws;
  size_t nw, nu;
  om_status st;
  double sse, r = NAN, mu = md->spec.constant ? md->mu : 0;
  if (!arima_prepare(md, y, n, 0, &ws, &nw, &st, NULL)) return NAN;
  sse = arima_css_sse(&ws.pl, ws.w, nw, mu, ws.e, &nu);
  if (nu > 0 && sse > 0 && isfinite(sse)) {
    r = -0.5 * (double)nu * (log(2 * M_PI * sse / (double)nu) + 1);
    if (sigma2) *sigma2 = sse / (double)nu;
  }
  om_free(ws.block);
  return r;
}

/* ------------------------------------------------------------ forecasts (7) */

om_status ts_arima_forecast(const ts_arima_model *md, const double *y, size_t n, size_t h, double coverage, double *f,
                            double *lo, double *hi, om_err *err) {
  arima_ws ws;
  size_t nw, nd;
  om_status st;
  double ssq, sl, mu = md->spec.constant ? md->mu : 0, *ext, *psi, *delta, *phs;
  int pf, qf, nds, ls;
  if ((lo != NULL) != (hi != NULL)) return om_errf(err, OM_INVALID, "give both interval bounds or neither");
  if (lo && !(coverage > 0 && coverage < 1)) return om_errf(err, OM_INVALID, "coverage %g is outside (0, 1)", coverage);
  if (h == 0) return OM_OK;
  if (h > ((size_t)1 << 31)) return om_errf(err, OM_INVALID, "horizon %zu is too long", h);
  if (!(md->sigma2 >= 0) || !isfinite(md->sigma2))
    return om_errf(err, OM_INVALID, "the model's variance %g is not usable", md->sigma2);
  {
    ts_arima_spec sp;
    int a, b, c;
    if ((st = ts_arima_check_spec(&md->spec, &sp, err)) != OM_OK) return st;
    arima_orders(&sp, &a, &b, &c);
    nd = (size_t)sp.d + (size_t)sp.s * (size_t)sp.D;
    ls = a + (int)nd; /* degree of the full AR polynomial */
  }
  /* extra: ext (n + h), psi (h), delta (nd + 1), phs (ls + 1) */
  if (!arima_prepare(md, y, n, n + 2 * h + nd + 1 + (size_t)ls + 1, &ws, &nw, &st, err)) return st;
  pf = ws.pl.pf;
  qf = ws.pl.qf;
  nds = (int)nd;
  ext = ws.extra;
  psi = ext + n + h;
  delta = psi + h;
  phs = delta + nd + 1;
  if (!arima_stationary(md) || !arima_kf(&ws, ws.w, nw, mu, &ssq, &sl, NULL, NULL)) {
    om_free(ws.block);
    return om_errf(err, OM_INVALID, "the model's AR part is not stationary");
  }
  /* the ARMA forecasts, then the differences undone */
  for (size_t i = 0; i < h; i++) {
    f[i] = mu + ws.a[0];
    arima_T(&ws.pl, ws.a);
  }
  memset(delta, 0, (nd + 1) * sizeof *delta);
  delta[0] = 1;
  {
    int deg = 0;
    for (int k = 0; k < md->spec.d; k++, deg++)
      for (int i = deg + 1; i >= 1; i--) delta[i] -= delta[i - 1];
    for (int k = 0; k < md->spec.D; k++, deg += md->spec.s)
      for (int i = deg + md->spec.s; i >= md->spec.s; i--) delta[i] -= delta[i - md->spec.s];
  }
  memcpy(ext, y, n * sizeof *ext);
  for (size_t i = 0; i < h; i++) {
    double v = f[i];
    for (int k = 1; k <= nds; k++) v -= delta[k] * ext[n + i - (size_t)k];
    ext[n + i] = v;
    f[i] = v;
  }
  if (!lo) {
    om_free(ws.block);
    return OM_OK;
  }
  /* 1 - sum phs_k B^k = phi(B) Phi(B^s) delta(B) */
  memset(phs, 0, (size_t)(ls + 1) * sizeof *phs);
  for (int i = 0; i <= nds; i++) {
    phs[i] += delta[i];
    for (int k = 0; k < pf; k++) phs[i + k + 1] -= ws.pl.phi[k] * delta[i];
  }
  {
    double z = ts_norm_ppf(0.5 + coverage / 2), acc = 0;
    for (size_t j = 0; j < h; j++) {
      double v = j == 0 ? 1 : (j <= (size_t)qf ? ws.pl.th[j] : 0), sd;
      for (int k = 1; k <= ls && (size_t)k <= j; k++) v -= phs[k] * psi[j - (size_t)k];
      psi[j] = v;
      acc += v * v;
      sd = sqrt(md->sigma2 * acc);
      lo[j] = f[j] - z * sd;
      hi[j] = f[j] + z * sd;
    }
  }
  om_free(ws.block);
  return OM_OK;
}

/* ------------------------------------------------------------ in-sample (9) */

om_status ts_arima_insample(const ts_arima_model *md, const double *y, size_t n, double *fit, double *sd, om_err *err) {
  arima_ws ws;
  size_t nw, nd;
  om_status st;
  double ssq, sl, mu = md->spec.constant ? md->mu : 0, *F;
  if (!arima_prepare(md, y, n, n, &ws, &nw, &st, err)) return st;
  nd = n - nw;
  F = ws.extra;
  if (!arima_stationary(md) || !arima_kf(&ws, ws.w, nw, mu, &ssq, &sl, ws.e, F)) {
    om_free(ws.block);
    return om_errf(err, OM_INVALID, "the model's AR part is not stationary");
  }
  for (size_t t = 0; t < n; t++) {
    if (t < nd) {
      fit[t] = NAN;
      if (sd) sd[t] = NAN;
      continue;
    }
    fit[t] = y[t] - ws.e[t - nd];
    if (sd) sd[t] = sqrt(md->sigma2 * F[t - nd]);
  }
  om_free(ws.block);
  return OM_OK;
}
