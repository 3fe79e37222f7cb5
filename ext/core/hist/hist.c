/*
** hist.c — the causal history sweep; the spec is hist.h (H1..H9).
**
** Two sorted orders drive it:
**   q: rows with a submit, by (submit, tie, row): the output order, and the
**      order in which rows become PRIOR (H5) of later submits;
**   a: finished rows (end and duration known), by their activation point:
**      row i is history of a submit t iff end_i <= t and submit_i < t (H2),
**      i.e. iff (a_i, phase_i) < (t, 1) lexicographically, where
**        end_i > submit_i:  a_i = end_i,    phase 0 (counts from t = end_i on)
**        end_i <= submit_i: a_i = submit_i, phase 1 (counts for t > submit_i).
** Before the record of a row submitted at t, the sweep moves every q row
** with submit < t into its key's prior sums and every a row with
** (a, phase) < (t, 1) into its key's history sums (both pointers only move
** forward), then reads the key's state.  Rows with equal submits all see
** the same state, so equal submits are never history of each other.
**
** When every finished row ends at or after its submit, the a order is the
** history order (H3): for one end value, phase 0 rows (submit < end) come
** before phase 1 rows (submit = end), as their submits do.  Then each new
** history row is the most recent one and goes to the front of its key's top
** list.  Otherwise a third sort gives each finished row its rank in history
** order and the top list is kept by insertion (the set only grows, so a row
** that does not make the top k never will).
*/
#include <math.h>
#include <string.h>

#include "hist.h"

#define HIST_POLL_MASK 0xFFFF /* poll the interrupt every 65,536 rows (H8) */

/* A sort record: compared by (k1, k2, k3, k4, row), a total order. */
typedef struct hist_sk {
  double k1;   /* q: submit; a: activation point; history order: end */
  double k3;   /* q: 0; a and history order: submit */
  int64_t k4;  /* tie */
  uint32_t k2; /* a: phase; else 0 */
  uint32_t row;
} hist_sk;

typedef struct hist_key {
  uint32_t n_hist;   /* history rows so far */
  uint32_t n_prior;  /* prior rows so far */
  uint32_t n_ratio;  /* history rows with requested > 0 */
  uint32_t n_top;    /* entries in its top list */
  double sum_dur;    /* sum of history durations, in activation order */
  double sum_ratio;  /* sum of dur / req over those rows */
  double base;       /* the key's first submit */
  double prior_rel;  /* sum of (submit - base) over prior rows */
  double hist_rel;   /* the same over history rows */
  double last_submit;/* the latest prior submit */
} hist_key;

struct hist_sweep {
  hist_input in;
  uint32_t *q;       /* [nq] rows with a submit, output order */
  size_t nq;
  uint32_t *a;       /* [na] finished rows, activation order */
  size_t na;
  uint32_t *rank;    /* [n] rank in history order, or NULL when a is that order */
  hist_key *keys;    /* [n_keys] */
  uint32_t *top;     /* [n_keys * kt] rows, most recent first */
  uint32_t kt;       /* top list length: max(k, 3) */
  size_t qi;         /* next record */
  size_t pi;         /* next q row to make prior */
  size_t ai;         /* next a row to activate */
  size_t prior_all;  /* rows of any key made prior */
  size_t active_all; /* rows of any key activated */
};

static int sk_less(const hist_sk *x, const hist_sk *y) {
  if (x->k1 != y->k1) return x->k1 < y->k1;
  if (x->k2 != y->k2) return x->k2 < y->k2;
  if (x->k3 != y->k3) return x->k3 < y->k3;
  if (x->k4 != y->k4) return x->k4 < y->k4;
  return x->row < y->row;
}

/* Sort v[0, n) with buf[0, n) as scratch: a pass that returns at once when
** v is already in order (a runs table kept in submit order), insertion sort
** of runs of 32, then bottom-up merges, a merge of two runs already in
** order being a copy; the interrupt is polled once per pass. */
static om_status sk_sort(hist_sk *v, hist_sk *buf, size_t n, const om_interrupt *it, om_err *err) {
  enum { RUN = 32 };
  hist_sk *src = v, *dst = buf;
  size_t i;
  for (i = 1; i < n && !sk_less(&v[i], &v[i - 1]); i++) {
  }
  if (i >= n) return OM_OK;
  for (size_t lo = 0; lo < n; lo += RUN) {
    size_t hi = lo + RUN < n ? lo + RUN : n;
    for (size_t a = lo + 1; a < hi; a++) {
      hist_sk x = v[a];
      size_t j = a;
      while (j > lo && sk_less(&x, &v[j - 1])) {
        v[j] = v[j - 1];
        j--;
      }
      v[j] = x;
    }
  }
  for (size_t w = RUN; w < n; w *= 2) {
    if (om_interrupted(it)) return om_errf(err, OM_INTERRUPTED, "interrupted");
    for (size_t lo = 0; lo < n; lo += 2 * w) {
      size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
      size_t a = lo, j = mid, o = lo;
      if (mid == hi || !sk_less(&src[mid], &src[mid - 1])) {
        memcpy(dst + lo, src + lo, (hi - lo) * sizeof *dst);
        continue;
      }
      while (a < mid && j < hi) dst[o++] = sk_less(&src[j], &src[a]) ? src[j++] : src[a++];
      while (a < mid) dst[o++] = src[a++];
      while (j < hi) dst[o++] = src[j++];
    }
    hist_sk *t = src;
    src = dst;
    dst = t;
  }
  if (src != v) memcpy(v, src, n * sizeof *v);
  return OM_OK;
}

static int finite_or_nan(double x) { return isnan(x) || isfinite(x); }

static om_status validate(const hist_input *in, const om_interrupt *it, om_err *err) {
  if (in->k < 1 || in->k > HIST_MAX_K) return om_errf(err, OM_INVALID, "k is %d; expected 1 to %d", in->k, HIST_MAX_K);
  if (in->n >= HIST_MAX_ROWS) return om_errf(err, OM_INVALID, "%zu rows; at most %u", in->n, HIST_MAX_ROWS - 1);
  for (size_t i = 0; i < in->n; i++) {
    if ((i & HIST_POLL_MASK) == HIST_POLL_MASK && om_interrupted(it)) return om_errf(err, OM_INTERRUPTED, "interrupted");
    if (in->key[i] != HIST_NO_KEY && in->key[i] >= in->n_keys)
      return om_errf(err, OM_INVALID, "row %zu: key %u out of range (%u keys)", i, in->key[i], in->n_keys);
    if (!finite_or_nan(in->submit[i]) || !finite_or_nan(in->end[i]) || !finite_or_nan(in->dur[i]) ||
        (in->req && !finite_or_nan(in->req[i])))
      return om_errf(err, OM_INVALID, "row %zu: a time is not finite", i);
    if (in->dur[i] < 0) return om_errf(err, OM_INVALID, "row %zu: negative duration", i);
  }
  return OM_OK;
}

void hist_close(hist_sweep *s) {
  if (!s) return;
  om_free(s->q);
  om_free(s->a);
  om_free(s->rank);
  om_free(s->keys);
  om_free(s->top);
  om_free(s);
}

/* Sort the rows selected by want (0 = q, 1 = a, 2 = history order) and
** return their row indices in that order (*out, *count).  v and buf are
** scratch arrays of in->n records, shared by the sorts (one allocation of
** each: fresh pages cost page faults). */
static om_status sorted_rows(const hist_input *in, int want, hist_sk *v, hist_sk *buf, const om_interrupt *it,
                             uint32_t **out, size_t *count, om_err *err) {
  size_t m = 0;
  om_status st;
  *out = NULL;
  *count = 0;
  for (size_t i = 0; i < in->n; i++) {
    double s = in->submit[i], e = in->end[i];
    hist_sk *r = &v[m];
    if (isnan(s)) continue;
    if (want != 0 && (isnan(e) || isnan(in->dur[i]))) continue;
    r->k4 = in->tie ? in->tie[i] : 0;
    r->row = (uint32_t)i;
    if (want == 0) {
      r->k1 = s;
      r->k2 = 0;
      r->k3 = 0;
    } else if (want == 1) {
      r->k1 = e > s ? e : s;
      r->k2 = e > s ? 0 : 1;
      r->k3 = s;
    } else {
      r->k1 = e;
      r->k2 = 0;
      r->k3 = s;
    }
    m++;
  }
  st = sk_sort(v, buf, m, it, err);
  if (st == OM_OK) {
    uint32_t *rows = om_malloc_array(m ? m : 1, sizeof *rows);
    if (!rows) st = om_errf(err, OM_NOMEM, "out of memory");
    else {
      for (size_t i = 0; i < m; i++) rows[i] = v[i].row;
      *out = rows;
      *count = m;
    }
  }
  return st;
}

om_status hist_open(const hist_input *in, const om_interrupt *it, hist_sweep **out, om_err *err) {
  hist_sweep *s;
  hist_sk *v = NULL, *buf = NULL;
  om_status st;
  int monotone = 1;
  *out = NULL;
  st = validate(in, it, err);
  if (st != OM_OK) return st;
  s = om_calloc(1, sizeof *s);
  v = om_malloc_array(in->n ? in->n : 1, sizeof *v);
  buf = om_malloc_array(in->n ? in->n : 1, sizeof *buf);
  if (!s || !v || !buf) {
    st = om_errf(err, OM_NOMEM, "out of memory");
    goto fail;
  }
  s->in = *in;
  st = sorted_rows(in, 0, v, buf, it, &s->q, &s->nq, err);
  if (st == OM_OK) st = sorted_rows(in, 1, v, buf, it, &s->a, &s->na, err);
  if (st != OM_OK) goto fail;
  for (size_t i = 0; i < s->na && monotone; i++) {
    uint32_t r = s->a[i];
    if (in->end[r] < in->submit[r]) monotone = 0;
  }
  if (!monotone) {
    uint32_t *order = NULL;
    size_t m = 0;
    st = sorted_rows(in, 2, v, buf, it, &order, &m, err);
    if (st != OM_OK) goto fail;
    s->rank = om_malloc_array(in->n ? in->n : 1, sizeof *s->rank);
    if (!s->rank) {
      om_free(order);
      st = om_errf(err, OM_NOMEM, "out of memory");
      goto fail;
    }
    for (size_t i = 0; i < m; i++) s->rank[order[i]] = (uint32_t)i;
    om_free(order);
  }
  om_free(v);
  om_free(buf);
  v = buf = NULL;
  s->keys = om_calloc(in->n_keys ? in->n_keys : 1, sizeof *s->keys);
  s->kt = in->k > 3 ? (uint32_t)in->k : 3;
  s->top = om_malloc_array(in->n_keys ? (size_t)in->n_keys * s->kt : 1, sizeof *s->top);
  if (!s->keys || !s->top) {
    st = om_errf(err, OM_NOMEM, "out of memory");
    goto fail;
  }
  /* each key's base: its first submit (q is in submit order) */
  for (size_t i = s->nq; i-- > 0;) {
    uint32_t r = s->q[i], key = in->key[r];
    if (key != HIST_NO_KEY) s->keys[key].base = in->submit[r];
  }
  *out = s;
  return OM_OK;
fail:
  om_free(v);
  om_free(buf);
  hist_close(s);
  return st;
}

void hist_rewind(hist_sweep *s) {
  const hist_input *in = &s->in;
  for (uint32_t k = 0; k < in->n_keys; k++) {
    double base = s->keys[k].base;
    memset(&s->keys[k], 0, sizeof s->keys[k]);
    s->keys[k].base = base;
  }
  s->qi = s->pi = s->ai = 0;
  s->prior_all = s->active_all = 0;
}

/* Row r becomes prior of every later submit (H5, H6). */
static void make_prior(hist_sweep *s, uint32_t r) {
  const hist_input *in = &s->in;
  uint32_t key = in->key[r];
  s->prior_all++;
  if (key == HIST_NO_KEY) return;
  hist_key *ks = &s->keys[key];
  ks->n_prior++;
  ks->prior_rel += in->submit[r] - ks->base;
  ks->last_submit = in->submit[r];
}

/* Row r becomes history of every later submit (H2..H4). */
static void activate(hist_sweep *s, uint32_t r) {
  const hist_input *in = &s->in;
  uint32_t key = in->key[r], *t, m, pos = 0, k = s->kt;
  double d = in->dur[r];
  s->active_all++;
  if (key == HIST_NO_KEY) return;
  hist_key *ks = &s->keys[key];
  ks->n_hist++;
  ks->sum_dur += d;
  if (in->req && in->req[r] > 0) {
    ks->n_ratio++;
    ks->sum_ratio += d / in->req[r];
  }
  ks->hist_rel += in->submit[r] - ks->base;
  t = s->top + (size_t)key * k;
  m = ks->n_top;
  if (s->rank)
    while (pos < m && s->rank[t[pos]] > s->rank[r]) pos++;
  if (pos >= k) return;
  if (m == k) m--; /* the oldest falls off */
  memmove(t + pos + 1, t + pos, (m - pos) * sizeof *t);
  t[pos] = r;
  ks->n_top = m + 1;
}

int hist_next(hist_sweep *s, hist_out *rec) {
  const hist_input *in = &s->in;
  const double nan = (double)NAN;
  uint32_t j, key;
  double t;
  if (s->qi >= s->nq) return 0;
  j = s->q[s->qi++];
  t = in->submit[j];
  while (s->pi < s->nq && in->submit[s->q[s->pi]] < t) make_prior(s, s->q[s->pi++]);
  while (s->ai < s->na) {
    uint32_t r = s->a[s->ai];
    double e = in->end[r], sub = in->submit[r];
    double at = e > sub ? e : sub;
    if (!(at < t || (at == t && e > sub))) break;
    activate(s, r);
    s->ai++;
  }
  memset(rec, 0, sizeof *rec);
  rec->row = j;
  rec->all_running = (uint32_t)(s->prior_all - s->active_all);
  rec->mean = rec->mean_last2 = rec->mean_last_k = rec->ratio_last = rec->ratio_mean = nan;
  rec->since_last_end = rec->since_last_submit = nan;
  rec->running_elapsed = 0;
  key = in->key[j];
  if (key == HIST_NO_KEY) return 1;
  const hist_key *ks = &s->keys[key];
  const uint32_t *top = s->top + (size_t)key * s->kt;
  rec->n = ks->n_hist;
  rec->n_top = ks->n_top;
  rec->top = top;
  if (ks->n_hist > 0) {
    double d1 = in->dur[top[0]], sum = 0;
    uint32_t nk = ks->n_top < (uint32_t)in->k ? ks->n_top : (uint32_t)in->k;
    rec->mean = ks->sum_dur / ks->n_hist;
    rec->mean_last2 = ks->n_hist == 1 ? d1 : (d1 + in->dur[top[1]]) / 2.0;
    for (uint32_t i = 0; i < nk; i++) sum += in->dur[top[i]];
    rec->mean_last_k = sum / nk;
    if (in->req && in->req[top[0]] > 0) rec->ratio_last = d1 / in->req[top[0]];
    rec->since_last_end = t - in->end[top[0]];
  }
  if (ks->n_ratio > 0) rec->ratio_mean = ks->sum_ratio / ks->n_ratio;
  rec->running = ks->n_prior - ks->n_hist;
  if (rec->running > 0)
    rec->running_elapsed = (double)rec->running * (t - ks->base) - (ks->prior_rel - ks->hist_rel);
  if (ks->n_prior > 0) rec->since_last_submit = t - ks->last_submit;
  return 1;
}
