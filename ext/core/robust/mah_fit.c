/*
** mah_fit.c — options and the streaming fit of the Mahalanobis detector
** (mah.h behaviours 1–5, 14, 15).
**
** Behaviours:
**   1. Rows are checked whole before anything changes: a missing numeric
**      value skips the row (rows_skipped), a non-finite one is OM_INVALID
**      "numeric feature N (schema position M) is not finite".
**   2. 'empirical' and 'ledoit_wolf' buffer MAH_BLOCK rows, then fold the
**      block into the totals: block mean and co-moments by two passes
**      (mah_rows_moments, shifted by the block's first row), merged by
**      Chan, Golub & LeVeque's formula M2 = M2a + M2b + δδᵀ·na·nb/n.
**      Ledoit–Wolf also needs M4 = Σ‖r‖⁴ (r = x − μ); with T = Σ‖r‖²·r,
**      moving a set S of n_S rows with co-moments M2_S from its mean to the
**      merged mean (shift e_S = μ − μ_S, c = ‖e_S‖²) gives
**        M4' = M4 + 4·e_SᵀM2_S e_S − 4·e_S·T + 2c·tr(M2_S) + n_S·c²
**        T'  = T − 2·M2_S e_S − tr(M2_S)·e_S − n_S·c·e_S
**      (expand ‖r − e‖⁴ and use Σr = 0); the merged M4, T are the sums of
**      both sets'.  Cost O(p²) per row, memory O(MAH_BLOCK·p + p²).
**      mah_accum_merge folds another accumulator's totals (a mergeable
**      state, mah_state.h) with the same code (fold_totals) as a block;
**      first/varies combine exactly (varies if either varies or the first
**      values differ).
**   3. Ledoit–Wolf from the totals, as sklearn's ledoit_wolf_shrinkage:
**      S = M2/n, m = tr(S)/p, β = (M4/n − ‖S‖²_F)/(p·n),
**      δ = ‖S − m·I‖²_F / p, β = min(β, δ), s = β/δ (0 when β = 0).
**      (sklearn computes δ as ‖S‖²_F − 2m·tr(S) + p·m², the same number up
**      to rounding.)  An M4 beyond the double range is OM_INVALID
**      ("values too large for ledoit_wolf"): ‖x − μ‖ must stay below ~1e75.
**   4. 'mcd' keeps the reservoir (algorithm R: row t > max_rows replaces
**      slot j = below(t) when j < max_rows), drops the columns constant in
**      the sample (mean = the value, zero (co)variance), and runs
**      mah_mcd_fit on the rest.
**   5. finish builds the model, derives its factor, encodes it and decodes
**      the bytes again (mah.h 14) before returning them.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../base/fv.h"
#include "mah_impl.h"

/* ------------------------------------------------------------ options */

static const char *const mah_method_names[] = {"empirical", "ledoit_wolf", "mcd"};
static const char mah_option_keys[] = "method, contamination, support_fraction, max_rows, seed";

const char *mah_method_name(mah_method m) { return (unsigned)m < 3 ? mah_method_names[m] : "unknown"; }

void mah_options_default(mah_options *o) {
  memset(o, 0, sizeof *o);
  o->method = MAH_EMPIRICAL;
  o->contamination = 0.01;
}

uint64_t mah_options_max_rows(const mah_options *o, uint32_t q) {
  uint64_t d;
  if (o->max_rows) return o->max_rows;
  d = q ? (((uint64_t)1 << 25) / q) : MAH_DEFAULT_MAX_ROWS;
  return d < MAH_DEFAULT_MAX_ROWS ? (d ? d : 1) : MAH_DEFAULT_MAX_ROWS;
}

om_status mah_options_parse(const char *text, size_t n, mah_options *o, om_err *err) {
  om_json_obj obj;
  om_status st;
  mah_options_default(o);
  if (!text) return OM_OK;
  st = om_json_parse_flat(text, n, &obj, err);
  if (st == OM_NOMEM) return st;
  if (st != OM_OK) {
    om_err inner = *err;
    return om_errf(err, OM_INVALID, "options are not a JSON object (%s); write them like '{\"method\": \"mcd\"}'",
                   inner.msg);
  }
  for (size_t i = 0; i < obj.count; i++) {
    const om_json_member *m = &obj.members[i];
    int num = m->type == OM_JSON_NUMBER && !m->is_bool && isfinite(m->num);
    double v = m->num;
    if (!strcmp(m->key, "method")) {
      int found = -1;
      if (m->type == OM_JSON_STRING)
        for (int k = 0; k < 3; k++)
          if (!strcmp(m->str, mah_method_names[k])) found = k;
      if (found < 0) {
        st = om_errf(err, OM_INVALID, "option method must be 'empirical', 'ledoit_wolf' or 'mcd'");
        goto done;
      }
      o->method = (mah_method)found;
    } else if (!strcmp(m->key, "contamination")) {
      if (!num || !(v > 0 && v <= 0.5)) {
        st = om_errf(err, OM_INVALID, "option contamination must be a number in (0, 0.5]");
        goto done;
      }
      o->contamination = v;
    } else if (!strcmp(m->key, "support_fraction")) {
      if (!num || !(v > 0 && v <= 1)) {
        st = om_errf(err, OM_INVALID, "option support_fraction must be a number in (0, 1]");
        goto done;
      }
      o->support_fraction = v;
    } else if (!strcmp(m->key, "max_rows")) {
      if (!num || v != floor(v) || !(v >= 1 && v <= 1e8)) {
        st = om_errf(err, OM_INVALID, "option max_rows must be an integer in [1, 100000000]");
        goto done;
      }
      o->max_rows = (uint64_t)v;
    } else if (!strcmp(m->key, "seed")) {
      if (!num || v != floor(v) || !(v >= 0 && v <= 9007199254740992.0)) {
        st = om_errf(err, OM_INVALID, "option seed must be an integer in [0, 2^53]");
        goto done;
      }
      o->seed = (uint64_t)v;
    } else {
      st = om_errf(err, OM_INVALID, "unknown option \"%.60s\"; accepted: %s", m->key, mah_option_keys);
      goto done;
    }
  }
  st = OM_OK;
done:
  om_json_obj_free(&obj);
  return st;
}

void mah_options_json(const mah_options *o, uint32_t q, om_wbuf *w) {
  om_jw j;
  om_jw_init(&j, w);
  om_jw_begin_object(&j);
  om_jw_key(&j, "method");
  om_jw_string(&j, mah_method_name(o->method));
  om_jw_key(&j, "contamination");
  om_jw_double(&j, o->contamination);
  if (o->method == MAH_MCD) {
    om_jw_key(&j, "support_fraction");
    if (o->support_fraction > 0) om_jw_double(&j, o->support_fraction);
    else om_jw_null(&j);
    om_jw_key(&j, "max_rows");
    om_jw_uint(&j, mah_options_max_rows(o, q));
  }
  om_jw_key(&j, "seed");
  om_jw_uint(&j, o->seed);
  om_jw_end_object(&j);
}

/* ------------------------------------------------------------ accumulator */

struct mah_accum {
  mah_options o;
  uint32_t n_features, q;
  uint8_t *types;     /* [n_features] copy */
  uint32_t *num_idx;  /* [q] */
  uint64_t rows_used, rows_skipped;
  double *first;      /* [q] first complete row */
  uint8_t *varies;    /* [q] a value differed from first[] */
  /* streaming moments (empirical, ledoit_wolf) */
  double *blk;        /* [MAH_BLOCK·q] */
  uint32_t nblk;
  uint64_t n;         /* rows folded into the totals */
  double *mean, *M2;  /* [q], [q·q] lower triangle used */
  double *T, M4;      /* ledoit_wolf */
  double *bmean, *bM2, *bT, *ea, *eb, *tmp; /* block scratch */
  /* mcd reservoir */
  double *sample;
  uint64_t ns, cap, max_rows;
  mah_rng rng;
  double raw_logdet;  /* mcd: of the raw h-subset (metrics) */
};

static om_status nomem(om_err *err) { return om_errf(err, OM_NOMEM, "out of memory"); }

void mah_accum_free(mah_accum *a) {
  if (!a) return;
  om_free(a->types);
  om_free(a->num_idx);
  om_free(a->first);
  om_free(a->varies);
  om_free(a->blk);
  om_free(a->mean);
  om_free(a->M2);
  om_free(a->T);
  om_free(a->bmean);
  om_free(a->bM2);
  om_free(a->bT);
  om_free(a->ea);
  om_free(a->eb);
  om_free(a->tmp);
  om_free(a->sample);
  om_free(a);
}

uint64_t mah_accum_rows_used(const mah_accum *a) { return a->rows_used; }
uint64_t mah_accum_rows_skipped(const mah_accum *a) { return a->rows_skipped; }

om_status mah_accum_init(const mah_options *o, uint32_t n_features, const uint8_t *types, mah_accum **out,
                         om_err *err) {
  mah_accum *a;
  uint32_t q = 0;
  *out = NULL;
  if ((unsigned)o->method > MAH_MCD || !(o->contamination > 0 && o->contamination <= 0.5) ||
      !(o->support_fraction >= 0 && o->support_fraction <= 1))
    return om_errf(err, OM_INVALID, "invalid options");
  for (uint32_t i = 0; i < n_features; i++) {
    if (types[i] != FV_NUMERIC && types[i] != FV_CATEGORICAL)
      return om_errf(err, OM_INVALID, "feature %u has type %u; expected numeric or categorical", i + 1, types[i]);
    q += types[i] == FV_NUMERIC;
  }
  if (q == 0) return om_errf(err, OM_INVALID, "no numeric feature: the Mahalanobis distance needs at least one");
  if (q > MAH_MAX_FEATURES)
    return om_errf(err, OM_INVALID, "%u numeric features; at most %d are supported", q, MAH_MAX_FEATURES);
  if (o->method == MAH_MCD && mah_options_max_rows(o, q) * q > MAH_MAX_SAMPLE_DOUBLES)
    return om_errf(err, OM_INVALID, "option max_rows times the %u numeric features must be at most %llu", q,
                   (unsigned long long)MAH_MAX_SAMPLE_DOUBLES);
  a = om_calloc(1, sizeof *a);
  if (!a) return nomem(err);
  a->o = *o;
  a->n_features = n_features;
  a->q = q;
  a->types = om_malloc(n_features);
  a->num_idx = om_malloc_array(q, sizeof(uint32_t));
  a->first = om_malloc_array(q, sizeof(double));
  a->varies = om_calloc(q, 1);
  if (!a->types || !a->num_idx || !a->first || !a->varies) goto oom;
  memcpy(a->types, types, n_features);
  q = 0;
  for (uint32_t i = 0; i < n_features; i++)
    if (types[i] == FV_NUMERIC) a->num_idx[q++] = i;
  if (o->method == MAH_MCD) {
    a->max_rows = mah_options_max_rows(o, q);
    mah_rng_seed(&a->rng, o->seed);
  } else {
    a->blk = om_malloc_array((size_t)MAH_BLOCK * q, sizeof(double));
    a->mean = om_calloc(q, sizeof(double));
    a->M2 = om_calloc((size_t)q * q, sizeof(double));
    a->bmean = om_malloc_array(q, sizeof(double));
    a->bM2 = om_malloc_array((size_t)q * q, sizeof(double));
    if (!a->blk || !a->mean || !a->M2 || !a->bmean || !a->bM2) goto oom;
    if (o->method == MAH_LEDOIT_WOLF) {
      a->T = om_calloc(q, sizeof(double));
      a->bT = om_malloc_array(q, sizeof(double));
      a->ea = om_malloc_array(q, sizeof(double));
      a->eb = om_malloc_array(q, sizeof(double));
      a->tmp = om_malloc_array(q, sizeof(double));
      if (!a->T || !a->bT || !a->ea || !a->eb || !a->tmp) goto oom;
    }
  }
  *out = a;
  return OM_OK;
oom:
  mah_accum_free(a);
  return nomem(err);
}

/* y = S·e for S stored as a lower triangle (row-major q×q). */
static void symv_lower(const double *S, uint32_t q, const double *e, double *y) {
  for (uint32_t i = 0; i < q; i++) y[i] = 0;
  for (uint32_t i = 0; i < q; i++) {
    const double *row = S + (size_t)i * q;
    for (uint32_t j = 0; j < i; j++) {
      y[i] += row[j] * e[j];
      y[j] += row[j] * e[i];
    }
    y[i] += row[i] * e[i];
  }
}

/* Behaviour 2: shift (M4, T) of a set with (n_s, M2_s) by e (see header). */
static void shift_m4(uint32_t q, double n_s, const double *M2s, double *Ts, double *M4s, const double *e, double *tmp) {
  double c = 0, tr = 0, eMe = 0, eT = 0;
  symv_lower(M2s, q, e, tmp);
  for (uint32_t i = 0; i < q; i++) {
    c += e[i] * e[i];
    tr += M2s[(size_t)i * q + i];
    eMe += e[i] * tmp[i];
    eT += e[i] * Ts[i];
  }
  *M4s = *M4s + 4 * eMe - 4 * eT + 2 * c * tr + n_s * c * c;
  for (uint32_t i = 0; i < q; i++) Ts[i] = Ts[i] - 2 * tmp[i] - tr * e[i] - n_s * c * e[i];
}

/* Fold a set of nb rows with mean bmean, co-moments bM2 (lower triangle)
** and, for ledoit_wolf, bT / bM4 into the totals (behaviour 2).  bT is
** overwritten (shifted to the merged mean). */
static void fold_totals(mah_accum *a, uint64_t b, const double *bmean, const double *bM2, double *bT, double bM4) {
  uint32_t q = a->q;
  double nb = (double)b, na = (double)a->n, n = na + nb;
  if (a->n == 0) {
    memcpy(a->mean, bmean, q * sizeof(double));
    for (uint32_t i = 0; i < q; i++)
      for (uint32_t j = 0; j <= i; j++) a->M2[(size_t)i * q + j] = bM2[(size_t)i * q + j];
    if (a->T) {
      memcpy(a->T, bT, q * sizeof(double));
      a->M4 = bM4;
    }
  } else {
    double wb = nb / n, wa = na / n, f = na * nb / n;
    if (a->T) {
      for (uint32_t i = 0; i < q; i++) {
        double d = bmean[i] - a->mean[i];
        a->ea[i] = d * wb;
        a->eb[i] = -d * wa;
      }
      shift_m4(q, na, a->M2, a->T, &a->M4, a->ea, a->tmp);
      shift_m4(q, nb, bM2, bT, &bM4, a->eb, a->tmp);
      a->M4 += bM4;
      for (uint32_t i = 0; i < q; i++) a->T[i] += bT[i];
    }
    for (uint32_t i = 0; i < q; i++) {
      double di = bmean[i] - a->mean[i];
      double *row = a->M2 + (size_t)i * q;
      const double *brow = bM2 + (size_t)i * q;
      for (uint32_t j = 0; j <= i; j++) row[j] += brow[j] + di * (bmean[j] - a->mean[j]) * f;
    }
    for (uint32_t i = 0; i < q; i++) a->mean[i] += (bmean[i] - a->mean[i]) * wb;
  }
  a->n += b;
}

static void flush_block(mah_accum *a) {
  uint32_t q = a->q, b = a->nblk;
  double bM4 = 0;
  if (b == 0) return;
  mah_rows_moments(a->blk, q, NULL, b, 0, a->bmean, a->bM2);
  if (a->T) {
    for (uint32_t i = 0; i < q; i++) a->bT[i] = 0;
    for (uint32_t t = 0; t < b; t++) {
      const double *x = a->blk + (size_t)t * q;
      double s = 0;
      for (uint32_t i = 0; i < q; i++) {
        double r = x[i] - a->bmean[i];
        a->tmp[i] = r;
        s += r * r;
      }
      for (uint32_t i = 0; i < q; i++) a->bT[i] += s * a->tmp[i];
      bM4 += s * s;
    }
  }
  fold_totals(a, b, a->bmean, a->bM2, a->bT, bM4);
  a->nblk = 0;
}

om_status mah_accum_moments(mah_accum *a, mah_moments *out, om_err *err) {
  memset(out, 0, sizeof *out);
  if (a->o.method == MAH_MCD) return om_errf(err, OM_INVALID, "method 'mcd' has no mergeable totals");
  flush_block(a);
  out->q = a->q;
  out->rows_used = a->rows_used;
  out->rows_skipped = a->rows_skipped;
  out->mean = a->mean;
  out->M2 = a->M2;
  out->T = a->T;
  out->M4 = a->M4;
  out->first = a->first;
  out->varies = a->varies;
  return OM_OK;
}

om_status mah_accum_merge(mah_accum *a, const mah_moments *src, om_err *err) {
  uint32_t q = a->q;
  if (a->o.method == MAH_MCD) return om_errf(err, OM_INVALID, "method 'mcd' has no mergeable totals");
  if (src->q != q || (a->T && src->rows_used && !src->T))
    return om_errf(err, OM_INVALID, "the totals have %u numeric features; expected %u", src->q, q);
  if (a->rows_used > (uint64_t)INT64_MAX - src->rows_used || a->rows_skipped > UINT64_MAX - src->rows_skipped)
    return om_errf(err, OM_INVALID, "too many rows");
  flush_block(a);
  if (src->rows_used) {
    if (a->T) memcpy(a->bT, src->T, q * sizeof(double));
    for (uint32_t j = 0; j < q; j++) {
      if (a->rows_used == 0) {
        a->first[j] = src->first[j];
        a->varies[j] = src->varies[j] != 0;
      } else if (src->varies[j] || src->first[j] != a->first[j]) {
        a->varies[j] = 1;
      }
    }
    fold_totals(a, src->rows_used, src->mean, src->M2, a->bT, a->T ? src->M4 : 0);
    a->rows_used += src->rows_used;
  }
  a->rows_skipped += src->rows_skipped;
  return OM_OK;
}

om_status mah_accum_add(mah_accum *a, const double *num, const uint8_t *missing, om_err *err) {
  uint32_t q = a->q;
  double *dst;
  for (uint32_t j = 0; j < q; j++) {
    uint32_t i = a->num_idx[j];
    if (missing && missing[i]) {
      a->rows_skipped++;
      return OM_OK;
    }
    if (!isfinite(num[i]))
      return om_errf(err, OM_INVALID, "numeric feature %u (schema position %u) is not finite", j + 1, i + 1);
  }
  if (a->o.method == MAH_MCD) {
    uint64_t t = a->rows_used + 1;
    if (a->ns < a->max_rows) {
      if (a->ns == a->cap) {
        uint64_t cap = a->cap ? a->cap * 2 : 64;
        double *p;
        if (cap > a->max_rows) cap = a->max_rows;
        p = om_realloc(a->sample, (size_t)cap * q * sizeof(double));
        if (!p) return nomem(err);
        a->sample = p;
        a->cap = cap;
      }
      dst = a->sample + (size_t)a->ns * q;
      a->ns++;
    } else {
      uint64_t j = mah_rng_below(&a->rng, t);
      dst = j < a->max_rows ? a->sample + (size_t)j * q : NULL;
    }
  } else {
    if (a->nblk == MAH_BLOCK) flush_block(a);
    dst = a->blk + (size_t)a->nblk * q;
    a->nblk++;
  }
  for (uint32_t j = 0; j < q; j++) {
    double v = num[a->num_idx[j]];
    if (dst) dst[j] = v;
    if (a->rows_used == 0) a->first[j] = v;
    else if (v != a->first[j]) a->varies[j] = 1;
  }
  a->rows_used++;
  return OM_OK;
}

/* ------------------------------------------------------------ finish */

/* S (q·q full) from M2's lower triangle / n; constant columns exactly 0. */
static void comoments_to_cov(const mah_accum *a, double *S) {
  uint32_t q = a->q;
  for (uint32_t i = 0; i < q; i++)
    for (uint32_t j = 0; j <= i; j++) {
      double c = a->varies[i] && a->varies[j] ? a->M2[(size_t)i * q + j] / (double)a->n : 0.0;
      S[(size_t)i * q + j] = c;
      S[(size_t)j * q + i] = c;
    }
}

/* Behaviour 3. */
static double ledoit_wolf(const mah_accum *a, double *S) {
  uint32_t q = a->q;
  double n = (double)a->n, tr = 0, fro = 0, dev = 0, m, beta, delta, s;
  if (q == 1) return 0.0;
  for (uint32_t i = 0; i < q; i++) tr += S[(size_t)i * q + i];
  m = tr / q;
  for (uint32_t i = 0; i < q; i++)
    for (uint32_t j = 0; j < q; j++) {
      double c = S[(size_t)i * q + j], d = i == j ? c - m : c;
      fro += c * c;
      dev += d * d;
    }
  beta = (a->M4 / n - fro) / ((double)q * n);
  delta = dev / q;
  if (beta > delta) beta = delta;
  s = beta == 0 || !(delta > 0) ? 0.0 : beta / delta;
  if (s < 0) s = 0;
  if (s > 1) s = 1;
  for (uint32_t i = 0; i < q; i++)
    for (uint32_t j = 0; j < q; j++) S[(size_t)i * q + j] *= 1.0 - s;
  for (uint32_t i = 0; i < q; i++) S[(size_t)i * q + i] += s * m;
  return s;
}

/* Behaviour 4: MCD on the sample; writes mu[q], S[q·q]. */
static om_status fit_mcd(mah_accum *a, const om_interrupt *it, double *mu, double *S, uint64_t *support,
                         uint64_t *raw_h, om_err *err) {
  uint32_t q = a->q, qv = 0;
  size_t ns = (size_t)a->ns, h;
  uint32_t *keep = NULL;
  double *X = NULL, *loc = NULL, *cv = NULL;
  om_status st = OM_OK;
  int *varies = NULL;
  keep = om_malloc_array(q, sizeof(uint32_t));
  varies = om_calloc(q, sizeof(int));
  if (!keep || !varies) {
    st = nomem(err);
    goto done;
  }
  for (size_t t = 1; t < ns; t++)
    for (uint32_t j = 0; j < q; j++)
      if (a->sample[t * q + j] != a->sample[j]) varies[j] = 1;
  for (uint32_t j = 0; j < q; j++)
    if (varies[j]) keep[qv++] = j;
  memset(S, 0, (size_t)q * q * sizeof(double));
  for (uint32_t j = 0; j < q; j++) mu[j] = a->sample[j];
  *support = ns;
  *raw_h = ns;
  a->raw_logdet = -INFINITY;
  if (qv == 0) goto done;
  if (qv == q) X = a->sample;
  else {
    X = om_malloc_array(ns, (size_t)qv * sizeof(double));
    if (!X) {
      st = nomem(err);
      goto done;
    }
    for (size_t t = 0; t < ns; t++)
      for (uint32_t c = 0; c < qv; c++) X[t * qv + c] = a->sample[t * q + keep[c]];
  }
  if (a->o.support_fraction > 0) h = (size_t)(a->o.support_fraction * (double)ns);
  else h = (ns + qv + 2) / 2; /* ceil((n + p + 1) / 2) */
  if (h < (size_t)qv + 1) h = (size_t)qv + 1;
  if (h > ns) h = ns;
  *raw_h = h;
  loc = om_malloc_array(qv, sizeof(double));
  cv = om_malloc_array((size_t)qv * qv, sizeof(double));
  if (!loc || !cv) {
    st = nomem(err);
    goto done;
  }
  st = mah_mcd_fit(X, ns, qv, h, a->o.seed, it, loc, cv, support, &a->raw_logdet, err);
  if (st != OM_OK) goto done;
  for (uint32_t c = 0; c < qv; c++) {
    mu[keep[c]] = loc[c];
    for (uint32_t d = 0; d < qv; d++) S[(size_t)keep[c] * q + keep[d]] = cv[(size_t)c * qv + d];
  }
done:
  if (X != a->sample) om_free(X);
  om_free(keep);
  om_free(varies);
  om_free(loc);
  om_free(cv);
  return st;
}

static void write_metrics(const mah_accum *a, const mah_model *m, om_wbuf *w) {
  om_jw j;
  mah_info in;
  uint32_t n_cat = a->n_features - a->q;
  mah_get_info(m, &in);
  om_jw_init(&j, w);
  om_jw_begin_object(&j);
  om_jw_key(&j, "method");
  om_jw_string(&j, mah_method_name(a->o.method));
  om_jw_key(&j, "rows_used");
  om_jw_uint(&j, a->rows_used);
  om_jw_key(&j, "rows_skipped");
  om_jw_uint(&j, a->rows_skipped);
  om_jw_key(&j, "numeric_features");
  om_jw_uint(&j, in.n_numeric);
  om_jw_key(&j, "ignored_features");
  om_jw_uint(&j, n_cat);
  om_jw_key(&j, "constant_features");
  om_jw_uint(&j, in.n_constant);
  om_jw_key(&j, "rank");
  om_jw_uint(&j, in.rank);
  om_jw_key(&j, "cholesky");
  om_jw_bool(&j, in.cholesky);
  if (isfinite(m->f.logdet)) {
    om_jw_key(&j, "log_det");
    om_jw_double(&j, m->f.logdet);
  }
  om_jw_key(&j, "contamination");
  om_jw_double(&j, in.contamination);
  om_jw_key(&j, "threshold");
  if (isfinite(in.threshold)) om_jw_double(&j, in.threshold);
  else om_jw_null(&j);
  if (a->o.method == MAH_LEDOIT_WOLF) {
    om_jw_key(&j, "shrinkage");
    om_jw_double(&j, in.shrinkage);
  }
  if (a->o.method == MAH_MCD) {
    om_jw_key(&j, "support");
    om_jw_uint(&j, in.n_rows);
    om_jw_key(&j, "raw_support");
    om_jw_uint(&j, in.raw_support);
    om_jw_key(&j, "sample_rows");
    om_jw_uint(&j, in.sample_rows);
    if (isfinite(a->raw_logdet)) { /* of the non-constant columns' raw h-subset covariance */
      om_jw_key(&j, "raw_log_det");
      om_jw_double(&j, a->raw_logdet);
    }
  }
  om_jw_end_object(&j);
}

/* Behaviour 5 of mah.h: representable (co)variances. */
static om_status check_cov(const mah_accum *a, const double *mu, const double *S, om_err *err) {
  uint32_t q = a->q;
  for (uint32_t j = 0; j < q; j++) {
    double v = S[(size_t)j * q + j];
    if (!isfinite(mu[j]) || !isfinite(v) || v > 1e300)
      return om_errf(err, OM_INVALID,
                     "numeric feature %u (schema position %u) has values too large for a covariance (spread beyond "
                     "about 1e150); rescale the feature",
                     j + 1, a->num_idx[j] + 1);
    if (a->varies[j] && v < 1e-300 && (a->o.method != MAH_MCD || v != 0))
      return om_errf(err, OM_INVALID,
                     "numeric feature %u (schema position %u) has a spread too small to square (below about "
                     "1e-150); rescale the feature",
                     j + 1, a->num_idx[j] + 1);
  }
  for (size_t i = 0; i < (size_t)q * q; i++)
    if (!isfinite(S[i]))
      return om_errf(err, OM_INVALID, "the covariance overflows (values beyond about 1e150); rescale the features");
  return OM_OK;
}

om_status mah_accum_finish(mah_accum *a, const om_interrupt *it, om_wbuf *payload, om_wbuf *metrics, om_err *err) {
  mah_model *m = NULL, *back = NULL;
  om_wbuf pw;
  om_status st;
  uint32_t q = a->q;
  om_wbuf_init(&pw);
  if (a->rows_used == 0 && a->rows_skipped)
    return om_errf(err, OM_INVALID, "no complete row: each of the %llu rows has a missing numeric feature",
                   (unsigned long long)a->rows_skipped);
  if (a->rows_used == 0) return om_errf(err, OM_INVALID, "no rows to fit");
  st = mah_model_alloc(a->n_features, a->types, &m, err);
  if (st != OM_OK) return st;
  m->method = a->o.method;
  m->contamination = a->o.contamination;
  if (a->o.method == MAH_MCD) {
    st = fit_mcd(a, it, m->mu, m->cov, &m->n_rows, &m->raw_support, err);
    if (st != OM_OK) goto done;
    m->sample_rows = a->ns;
  } else {
    flush_block(a);
    memcpy(m->mu, a->mean, q * sizeof(double));
    for (uint32_t j = 0; j < q; j++)
      if (!a->varies[j]) m->mu[j] = a->first[j];
    comoments_to_cov(a, m->cov);
    m->n_rows = a->rows_used;
    if ((st = check_cov(a, m->mu, m->cov, err)) != OM_OK) goto done;
    if (a->o.method == MAH_LEDOIT_WOLF) {
      if (!isfinite(a->M4)) {
        st = om_errf(err, OM_INVALID,
                     "values too large for ledoit_wolf (the fourth moments overflow beyond 1.8e308); rescale the "
                     "features");
        goto done;
      }
      m->shrinkage = ledoit_wolf(a, m->cov);
    }
  }
  if ((st = check_cov(a, m->mu, m->cov, err)) != OM_OK) goto done;
  st = mah_model_derive(m, err);
  if (st == OM_CORRUPT) st = om_errf(err, OM_INTERNAL, "the fitted covariance is invalid (%s)", err->msg);
  if (st != OM_OK) goto done;
  if ((st = mah_encode(m, &pw)) != OM_OK) {
    st = nomem(err);
    goto done;
  }
  {
    om_err inner;
    st = mah_decode(pw.data, pw.len, a->n_features, a->types, &back, &inner);
    if (st == OM_NOMEM) st = nomem(err);
    else if (st != OM_OK) st = om_errf(err, OM_INTERNAL, "the fitted model would not load (%s)", inner.msg);
    if (st != OM_OK) goto done;
  }
  om_wbuf_bytes(payload, pw.data, pw.len);
  write_metrics(a, m, metrics);
  if (om_wbuf_status(payload) != OM_OK || om_wbuf_status(metrics) != OM_OK) st = nomem(err);
done:
  mah_free(back);
  mah_free(m);
  om_wbuf_free(&pw);
  return st;
}
