/*
** ts_arima_auto.c — the stepwise ARIMA search (spec: ts_arima_auto.h).
*/
#include "ts_arima_auto.h"

#include <math.h>
#include <string.h>

#include "ts_unitroot.h"

#define AUTO_MAX_KEPT 128  /* models remembered for the ML refit (behaviour 5) */
#define AUTO_MAX_REFITS 20 /* refits tried (behaviour 5) */

void ts_arima_auto_defaults(ts_arima_auto_opts *o, int s) {
  memset(o, 0, sizeof *o);
  o->s = s >= 2 ? s : 1;
  o->p = o->q = o->P = o->Q = -1;
  o->d = o->D = -1;
  o->constant = -1;
  o->max_p = o->max_q = 5;
  o->max_P = o->max_Q = 2;
  o->max_order = 5;
  o->max_models = 94; /* auto.arima's nmodels */
  o->approx = -1;
}

typedef struct tried_model {
  int p, q, P, Q, c;
  double ic; /* AICc of the search's fit (CSS or exact); INFINITY when refused */
} tried_model;

typedef struct search {
  const double *y;
  size_t n;
  const ts_arima_auto_opts *o;
  const om_interrupt *it;
  int d, D, s, method;
  int max_p, max_q, max_P, max_Q, max_order;
  int fitted;
  int nk;
  tried_model kept[AUTO_MAX_KEPT];
  ts_arima_model best;
  double best_ic;
  om_err last;
  om_status fatal; /* OM_NOMEM / OM_INTERRUPTED */
} search;

static int seen(const search *S, int p, int q, int P, int Q, int c) {
  for (int i = 0; i < S->nk; i++)
    if (S->kept[i].p == p && S->kept[i].q == q && S->kept[i].P == P && S->kept[i].Q == Q && S->kept[i].c == c)
      return 1;
  return 0;
}

/* Fit one model of the search; returns 1 when it lowers the best AICc. */
static int try_model(search *S, int p, int q, int P, int Q, int c) {
  ts_arima_spec sp;
  ts_arima_model md;
  om_status st;
  double ic = INFINITY;
  if (S->fatal != OM_OK || S->fitted >= S->o->max_models) return 0;
  if (p < 0 || q < 0 || P < 0 || Q < 0 || p > S->max_p || q > S->max_q || P > S->max_P || Q > S->max_Q) return 0;
  if (p + q + P + Q > S->max_order) return 0;
  if (seen(S, p, q, P, Q, c)) return 0;
  memset(&sp, 0, sizeof sp);
  sp.p = p;
  sp.d = S->d;
  sp.q = q;
  sp.P = P;
  sp.D = S->D;
  sp.Q = Q;
  sp.s = S->s;
  sp.constant = c;
  S->fitted++;
  st = ts_arima_fit(S->y, S->n, &sp, S->method, S->it, &md, &S->last);
  if (st == OM_NOMEM || st == OM_INTERRUPTED) {
    S->fatal = st;
    return 0;
  }
  if (st == OM_OK && isfinite(md.aicc) && ts_arima_ok_roots(&md)) ic = md.aicc;
  if (S->nk < AUTO_MAX_KEPT) S->kept[S->nk++] = (tried_model){p, q, P, Q, c, ic};
  if (ic < S->best_ic) {
    S->best_ic = ic;
    S->best = md;
    return 1;
  }
  return 0;
}

static int cmp_ic(const void *a, const void *b) {
  double x = ((const tried_model *)a)->ic, y = ((const tried_model *)b)->ic;
  return x < y ? -1 : x > y ? 1 : 0;
}

/* Insertion sort: stable, so ties keep the search's order (qsort is not
** stable and its order of equal keys may differ between C libraries). */
static void sort_kept(tried_model *k, int n) {
  for (int i = 1; i < n; i++) {
    tried_model x = k[i];
    int j = i;
    while (j > 0 && cmp_ic(&k[j - 1], &x) > 0) {
      k[j] = k[j - 1];
      j--;
    }
    k[j] = x;
  }
}

static int imin(int a, int b) { return a < b ? a : b; }

om_status ts_arima_auto(const double *y, size_t n, const ts_arima_auto_opts *o, const om_interrupt *it,
                        ts_arima_model *out, int *tried, om_err *err) {
  search *S;
  om_status st = OM_OK;
  int allow_c, c, p, q, P, Q, nd;
  *tried = 0;
  S = om_calloc(1, sizeof *S);
  if (!S) return om_errf(err, OM_NOMEM, "out of memory");
  S->y = y;
  S->n = n;
  S->o = o;
  S->it = it;
  S->s = o->s >= 2 ? o->s : 1;
  S->best_ic = INFINITY;
  S->fatal = OM_OK;
  /* behaviour 1: differences */
  S->D = o->D >= 0 ? o->D : 0;
  if (o->D < 0 && S->s >= 2 && n > (size_t)(2 * S->s + 2)) {
    st = ts_nsdiffs(y, n, S->s, &S->D, err);
    if (st != OM_OK) goto done;
  }
  /* a given D stays as given: too few points for it is the error below */
  if (o->d >= 0) {
    S->d = o->d;
  } else {
    size_t nw = n > (size_t)(S->s * S->D) ? n - (size_t)(S->s * S->D) : 0;
    double *w;
    if (nw < 4) {
      st = om_errf(err, OM_INVALID, "%zu points are too few for ARIMA with D = %d", n, S->D);
      goto done;
    }
    w = om_malloc_array(nw, sizeof *w);
    if (!w) {
      st = om_errf(err, OM_NOMEM, "out of memory");
      goto done;
    }
    for (size_t t = 0; t < nw; t++) w[t] = S->D ? y[t + (size_t)S->s] - y[t] : y[t];
    st = ts_ndiffs(w, nw, 2, &S->d, err);
    om_free(w);
    if (st != OM_OK) goto done;
  }
  /* behaviour 3: limits */
  nd = n > (size_t)S->d + (size_t)(S->s * S->D) ? (int)(n - (size_t)S->d - (size_t)(S->s * S->D)) : 0;
  if (nd < 4) {
    st = om_errf(err, OM_INVALID, "%zu points are too few for ARIMA with d = %d, D = %d", n, S->d, S->D);
    goto done;
  }
  S->max_p = imin(o->max_p, nd / 3);
  S->max_q = imin(o->max_q, nd / 3);
  S->max_P = S->s >= 2 ? imin(o->max_P, nd / 3 / S->s) : 0;
  S->max_Q = S->s >= 2 ? imin(o->max_Q, nd / 3 / S->s) : 0;
  if (S->s >= 2 && (S->max_P > 0 || S->max_Q > 0)) {
    S->max_p = imin(S->max_p, S->s - 1);
    S->max_q = imin(S->max_q, S->s - 1);
  }
  if (S->max_p > TS_ARIMA_MAX_P) S->max_p = TS_ARIMA_MAX_P;
  if (S->max_q > TS_ARIMA_MAX_P) S->max_q = TS_ARIMA_MAX_P;
  if (S->max_P > TS_ARIMA_MAX_SP) S->max_P = TS_ARIMA_MAX_SP;
  if (S->max_Q > TS_ARIMA_MAX_SP) S->max_Q = TS_ARIMA_MAX_SP;
  S->max_order = o->max_order;
  /* behaviour 2 */
  allow_c = S->d + S->D <= 1 && o->constant != 0;
  /* behaviour 5 */
  S->method = o->approx == 1 || (o->approx < 0 && (n > 150 || S->s > 12)) ? TS_ARIMA_CSS : TS_ARIMA_CSS_ML;
  /* fixed orders: one model */
  if (o->p >= 0 && o->q >= 0 && o->P >= 0 && o->Q >= 0) {
    S->method = TS_ARIMA_CSS_ML;
    S->max_p = S->max_q = TS_ARIMA_MAX_P;
    S->max_P = S->max_Q = TS_ARIMA_MAX_SP;
    S->max_order = 4 * TS_ARIMA_MAX_P;
    c = o->constant == 1 || (o->constant < 0 && allow_c);
    if (c && S->d + S->D > 1) c = 0;
    try_model(S, o->p, o->q, o->P, o->Q, c);
    if (S->fatal != OM_OK) {
      st = om_errf(err, S->fatal, "%s", S->last.msg);
      goto done;
    }
    if (!isfinite(S->best_ic)) {
      /* a fixed model is kept even with roots near the circle, if it fit */
      ts_arima_spec sp = {o->p, S->d, o->q, o->P, S->D, o->Q, S->s, c};
      st = ts_arima_fit(y, n, &sp, TS_ARIMA_CSS_ML, it, out, err);
      if (st != OM_OK && st != OM_NOMEM && st != OM_INTERRUPTED) st = OM_INVALID; /* behaviour 6 */
      *tried = S->fitted;
      goto done;
    }
    *out = S->best;
    *tried = S->fitted;
    goto done;
  }
  /* behaviour 4: the starting models */
  c = o->constant == 1 ? 1 : allow_c;
  p = imin(2, S->max_p);
  q = imin(2, S->max_q);
  P = imin(1, S->max_P);
  Q = imin(1, S->max_Q);
  try_model(S, p, q, P, Q, c);
  if (try_model(S, 0, 0, 0, 0, c)) p = q = P = Q = 0;
  if (try_model(S, S->max_p > 0, 0, S->max_P > 0, 0, c)) {
    p = S->max_p > 0;
    q = 0;
    P = S->max_P > 0;
    Q = 0;
  }
  if (try_model(S, 0, S->max_q > 0, 0, S->max_Q > 0, c)) {
    p = 0;
    q = S->max_q > 0;
    P = 0;
    Q = S->max_Q > 0;
  }
  if (c && o->constant < 0 && try_model(S, 0, 0, 0, 0, 0)) {
    p = q = P = Q = 0;
    c = 0;
  }
  /* the best start (the search may have improved on several) */
  for (int i = 0; i < S->nk; i++)
    if (S->kept[i].ic == S->best_ic) {
      p = S->kept[i].p;
      q = S->kept[i].q;
      P = S->kept[i].P;
      Q = S->kept[i].Q;
      c = S->kept[i].c;
      break;
    }
  for (;;) {
    static const signed char mv[16][4] = {{0, 0, -1, 0},  {0, 0, 0, -1}, {0, 0, 1, 0},   {0, 0, 0, 1},
                                          {0, 0, -1, -1}, {0, 0, -1, 1}, {0, 0, 1, -1},  {0, 0, 1, 1},
                                          {-1, 0, 0, 0},  {0, -1, 0, 0}, {1, 0, 0, 0},   {0, 1, 0, 0},
                                          {-1, -1, 0, 0}, {-1, 1, 0, 0}, {1, -1, 0, 0},  {1, 1, 0, 0}};
    int moved = 0;
    if (S->fatal != OM_OK || S->fitted >= o->max_models) break;
    for (int k = 0; k < 16 && !moved; k++) {
      int np = p + mv[k][0], nq = q + mv[k][1], nP = P + mv[k][2], nQ = Q + mv[k][3];
      if (try_model(S, np, nq, nP, nQ, c)) {
        p = np;
        q = nq;
        P = nP;
        Q = nQ;
        moved = 1;
      }
    }
    if (!moved && allow_c && o->constant < 0 && try_model(S, p, q, P, Q, !c)) {
      c = !c;
      moved = 1;
    }
    if (!moved) break;
  }
  if (S->fatal != OM_OK) {
    st = om_errf(err, S->fatal, "%s", S->last.msg);
    goto done;
  }
  if (!isfinite(S->best_ic)) {
    st = om_errf(err, OM_INVALID, "no ARIMA model fits%s%s", S->last.msg[0] ? ": " : "", S->last.msg);
    goto done;
  }
  if (S->method != TS_ARIMA_CSS) {
    *out = S->best;
  } else {
    /* behaviour 5: refit by exact likelihood, best CSS first */
    int ok = 0;
    sort_kept(S->kept, S->nk);
    for (int i = 0; i < S->nk && i < AUTO_MAX_REFITS && !ok; i++) {
      tried_model *t = &S->kept[i];
      ts_arima_spec sp = {t->p, S->d, t->q, t->P, S->D, t->Q, S->s, t->c};
      om_status s2;
      if (!isfinite(t->ic)) break;
      S->fitted++;
      s2 = ts_arima_fit(y, n, &sp, TS_ARIMA_CSS_ML, it, out, &S->last);
      if (s2 == OM_NOMEM || s2 == OM_INTERRUPTED) {
        st = om_errf(err, s2, "%s", S->last.msg);
        goto done;
      }
      ok = s2 == OM_OK && isfinite(out->aicc) && ts_arima_ok_roots(out);
    }
    if (!ok) *out = S->best; /* the CSS fit itself */
  }
  *tried = S->fitted;
done:
  om_free(S);
  return st;
}
