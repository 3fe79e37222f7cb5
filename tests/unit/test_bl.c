/*
** test_bl.c — unit tests of the baseline model kind (ext/core/baseline/bl.h).
**
**   make build/unit/test_bl && ./build/unit/test_bl
**
** Covers, by the numbered behaviours of bl.h (and of the files they name):
**   1. order statistics against hand values (odd and even counts, one value,
**      the quantile levels, MeanAD, mean and population sd);
**   2. the reservoir beyond max_values: exact n, min, max and mean, n_kept
**      = max_values, deterministic for a seed and different for another;
**   3. every scale source (MAD, MeanAD, constant, constant zero, none), the
**      exact z formulas, ±Inf and NaN values, x - median overflowing;
**   4. several features: largest |z| signed, ties, missing, nothing to score;
**   5. evidence: ranges, deviation = z, contributions (sum 1,
**      infinite ones sharing);
**   6. training errors (categorical, values too large) and -0.0;
**   7/8. codec: decode∘encode is the identity; every single-byte change of a
**      payload is OM_CORRUPT or decodes and re-encodes to itself; every
**      single-byte change of an envelope fails mdl_open; hand-made payloads
**      for each decoder check; kind and version errors;
**   9. the shrinkage formula against a hand computation from the moments
**      table (bl_moments.c 1), on-the-fly shrinking equal to bl_shrink,
**      shrinking twice equal to once, no prior below 3 jobs;
**   the kind row: anomaly_score, anomaly_threshold, explain and info
**   through mdl_kind_get / mdl_decode (bl_kind.c 3, 4);
**   and OOM loops over train → finish → open → score and over fleet →
**   shrink: every failure is OM_NOMEM and leaves no block allocated.
*/
#include <math.h>
#include <stdlib.h>

#include "bl.h"
#include "fv.h"
#include "mdl.h"
#include "om_test.h"

/* ------------------------------------------------------------ helpers */

static om_status train_values(const double *x, size_t n, const bl_options *opt, om_wbuf *w, om_err *err) {
  bl_accum a;
  om_status st = OM_OK;
  bl_accum_init(&a, opt);
  for (size_t i = 0; i < n && st == OM_OK; i++) st = bl_accum_add_value(&a, x[i], err);
  if (st == OM_OK) st = bl_accum_finish(&a, w, err);
  bl_accum_free(&a);
  return st;
}

typedef struct opened {
  mdl_view v;
  bl_model *m;
  om_wbuf w;
} opened;

/* Train on x and open the result; 1 on success. */
static int open_values(const double *x, size_t n, const bl_options *opt, opened *o) {
  om_err err;
  om_wbuf_init(&o->w);
  o->m = NULL;
  if (train_values(x, n, opt, &o->w, &err) != OM_OK) {
    fprintf(stderr, "train: %s\n", err.msg);
    return 0;
  }
  if (bl_open(o->w.data, o->w.len, &o->v, &o->m, &err) != OM_OK) {
    fprintf(stderr, "open: %s\n", err.msg);
    return 0;
  }
  return 1;
}

static void close_opened(opened *o) {
  if (o->m) {
    bl_model_free(o->m);
    mdl_view_free(&o->v);
  }
  om_wbuf_free(&o->w);
}

/* A feature vector from "name=1.5" (numeric), "name:text" (categorical) and
** "name" (missing) specs. */
static om_status fv_from(const char *const *spec, size_t n, om_wbuf *w) {
  fv_entry e[16];
  static char names[16][32];
  om_err err;
  om_wbuf_reset(w);
  for (size_t i = 0; i < n; i++) {
    const char *s = spec[i];
    size_t k = strcspn(s, "=:");
    memcpy(names[i], s, k);
    names[i][k] = 0;
    memset(&e[i], 0, sizeof e[i]);
    e[i].name = names[i];
    e[i].name_len = k;
    if (s[k] == '=') {
      e[i].type = FV_NUMERIC;
      e[i].num = strtod(s + k + 1, NULL);
    } else if (s[k] == ':') {
      e[i].type = FV_CATEGORICAL;
      e[i].cat = fv_hash_category(s + k + 1, strlen(s + k + 1));
    } else {
      e[i].type = FV_MISSING;
    }
  }
  return fv_encode(e, n, w, &err);
}

/* ------------------------------------------------------------ 1. order statistics */

static void test_order_statistics(void) {
  opened o;
  static const double odd[] = {10, 2, 4, 1, 3}; /* sorted 1 2 3 4 10 */
  static const double even[] = {4, 1, 3, 2};
  static const double one[] = {42.5};
  const bl_feat *f;
  CHECK(open_values(odd, 5, NULL, &o));
  CHECK(o.m->role == BL_ROLE_JOB && o.m->n_features == 1 && o.m->n_levels == 6);
  CHECK(o.v.n_features == 1 && o.v.features[0].name_len == 5 && memcmp(o.v.features[0].name, "value", 5) == 0);
  CHECK(o.v.meta.rows_used == 5 && o.v.meta.created_at == 0);
  f = &o.m->feats[0];
  CHECK(f->n == 5 && f->n_kept == 5);
  CHECK(f->min == 1 && f->max == 10);
  CHECK(f->median == 3);
  CHECK(f->mad == 1);              /* |x-3| = 2 1 0 1 7 → 0 1 1 2 7 */
  CHECK_CLOSE(f->meanad, 2.2, 1e-15);
  CHECK_CLOSE(f->mean, 4, 1e-15);
  CHECK_CLOSE(f->sd, sqrt(10.0), 1e-15); /* (9+4+1+0+36)/5 */
  CHECK_CLOSE(f->q[0], 1.04, 1e-15);     /* 1%: position 0.04 */
  CHECK_CLOSE(f->q[1], 1.2, 1e-15);      /* 5%: 0.2 */
  CHECK(f->q[2] == 2 && f->q[3] == 4);   /* 25%, 75%: positions 1 and 3 */
  CHECK_CLOSE(f->q[4], 8.8, 1e-15);      /* 95%: 3.8 → 4 + 0.8·6 */
  CHECK_CLOSE(f->q[5], 9.76, 1e-15);     /* 99%: 3.96 */
  CHECK(f->source == BL_SRC_MAD && f->scale == 1 / BL_MAD_K && f->weight == 1);
  close_opened(&o);

  CHECK(open_values(even, 4, NULL, &o));
  f = &o.m->feats[0];
  CHECK(f->median == 2.5);      /* mean of the middle two */
  CHECK(f->mad == 1);           /* 1.5 .5 .5 1.5 → .5 .5 1.5 1.5 → 1 */
  CHECK(f->meanad == 1);
  CHECK_CLOSE(f->q[2], 1.75, 1e-15);
  close_opened(&o);

  CHECK(open_values(one, 1, NULL, &o));
  f = &o.m->feats[0];
  CHECK(f->n == 1 && f->median == 42.5 && f->mad == 0 && f->meanad == 0 && f->sd == 0);
  for (int k = 0; k < 6; k++) CHECK(f->q[k] == 42.5);
  CHECK(f->source == BL_SRC_CONSTANT);
  close_opened(&o);
}

/* ------------------------------------------------------------ 2. reservoir */

static void test_reservoir(void) {
  enum { N = 1000 };
  double x[N], sum = 0;
  bl_options opt;
  opened a, b, c;
  om_wbuf w2;
  om_err err;
  for (int i = 0; i < N; i++) {
    x[i] = (double)((i * 7919) % N) + 0.5; /* a permutation of 0.5 .. 999.5 */
    sum += x[i];
  }
  bl_options_default(&opt);
  opt.max_values = 10;
  CHECK(open_values(x, N, &opt, &a));
  CHECK(a.m->feats[0].n == N && a.m->feats[0].n_kept == 10);
  CHECK(a.m->feats[0].min == 0.5 && a.m->feats[0].max == 999.5);
  CHECK_CLOSE(a.m->feats[0].mean, sum / N, 1e-12);
  /* the sample's median is one of the middle values of 10 kept ones: not the exact 500 */
  CHECK(a.m->feats[0].median >= 0.5 && a.m->feats[0].median <= 999.5);
  /* same seed, same bytes */
  om_wbuf_init(&w2);
  CHECK(train_values(x, N, &opt, &w2, &err) == OM_OK);
  CHECK(w2.len == a.w.len && memcmp(w2.data, a.w.data, w2.len) == 0);
  om_wbuf_free(&w2);
  opt.seed = 7;
  CHECK(open_values(x, N, &opt, &b));
  CHECK(b.m->feats[0].median != a.m->feats[0].median || b.m->feats[0].q[2] != a.m->feats[0].q[2]);
  /* max_values >= n: exact */
  opt.max_values = N;
  CHECK(open_values(x, N, &opt, &c));
  CHECK(c.m->feats[0].n_kept == N && c.m->feats[0].median == 500);
  close_opened(&a);
  close_opened(&b);
  close_opened(&c);
}

/* ------------------------------------------------------------ 3. scale sources and z */

static void test_sources(void) {
  opened o;
  static const double mad[] = {1, 2, 3, 4, 10};
  static const double meanad[] = {5, 5, 5, 5, 9};
  static const double constant[] = {7, 7, 7};
  static const double zero[] = {0, 0, -0.0};
  const bl_feat *f;
  bl_feat none;

  CHECK(open_values(mad, 5, NULL, &o));
  f = &o.m->feats[0];
  CHECK(bl_feat_z(f, 10) == 0.6745 * (10 - 3) / 1.0);
  CHECK(bl_feat_z(f, 3) == 0);
  CHECK(bl_feat_z(f, -1) == 0.6745 * (-1 - 3) / 1.0);
  CHECK(bl_feat_z(f, INFINITY) == INFINITY && bl_feat_z(f, -INFINITY) == -INFINITY);
  CHECK(isnan(bl_feat_z(f, NAN)));
  close_opened(&o);

  CHECK(open_values(meanad, 5, NULL, &o));
  f = &o.m->feats[0];
  CHECK(f->mad == 0 && f->source == BL_SRC_MEANAD);
  CHECK_CLOSE(f->meanad, 0.8, 1e-15);
  CHECK(f->scale == 1.253314 * f->meanad);
  CHECK(bl_feat_z(f, 9) == (9 - 5) / (1.253314 * f->meanad));
  close_opened(&o);

  CHECK(open_values(constant, 3, NULL, &o));
  f = &o.m->feats[0];
  CHECK(f->source == BL_SRC_CONSTANT && f->scale == 0.01 * 7);
  CHECK_CLOSE(bl_feat_z(f, 7.07), 1, 1e-12);
  CHECK(bl_feat_z(f, 7) == 0);
  close_opened(&o);

  CHECK(open_values(zero, 3, NULL, &o));
  f = &o.m->feats[0];
  CHECK(f->source == BL_SRC_CONSTANT_ZERO && f->scale == 0 && !signbit(f->median) && !signbit(f->min));
  CHECK(bl_feat_z(f, 0) == 0 && bl_feat_z(f, 1e-300) == INFINITY && bl_feat_z(f, -2) == -INFINITY);
  close_opened(&o);

  memset(&none, 0, sizeof none);
  CHECK(isnan(bl_feat_z(&none, 1)));

  /* x - median overflows for a finite x: computed on halves */
  {
    bl_feat g;
    memset(&g, 0, sizeof g);
    g.n = g.n_kept = 3;
    g.median = -1e308;
    g.mad = 1e308;
    bl_feat_plain(&g, 0.01);
    CHECK(g.source == BL_SRC_MAD);
    CHECK_CLOSE(bl_feat_z(&g, 1e308), 0.6745 * 2, 1e-15);
  }
}

/* ------------------------------------------------------------ 4, 5. rows and evidence */

static void test_rows_and_evidence(void) {
  static const char *const r1[] = {"a=1", "b=10", "c"};
  static const char *const r2[] = {"a=2", "b=20", "c"};
  static const char *const r3[] = {"a=3", "b=30", "c"};
  static const char *const r4[] = {"a=4", "b=40"};
  static const char *const *rows[] = {r1, r2, r3, r4};
  static const size_t lens[] = {3, 3, 3, 2};
  bl_accum acc;
  om_wbuf fv, w;
  om_err err;
  mdl_view v;
  bl_model *m = NULL;
  mdl_evidence ev[3];
  double x[3];
  long which;
  om_wbuf_init(&fv);
  om_wbuf_init(&w);
  bl_accum_init(&acc, NULL);
  for (int i = 0; i < 4; i++) {
    CHECK(fv_from(rows[i], lens[i], &fv) == OM_OK);
    CHECK(bl_accum_add_fv(&acc, fv.data, fv.len, &err) == OM_OK);
  }
  CHECK(bl_accum_finish(&acc, &w, &err) == OM_OK);
  CHECK(bl_open(w.data, w.len, &v, &m, &err) == OM_OK);
  CHECK(m->n_features == 3);                                /* a b c */
  CHECK(m->feats[2].n == 0 && m->feats[2].source == BL_SRC_NONE); /* c only ever missing */
  /* a: 1 2 3 4 → median 2.5, MAD 1; b: 10·a → median 25, MAD 10 */
  x[0] = 5.5;   /* z = 0.6745·3 = 2.0235 */
  x[1] = -15;   /* z = 0.6745·(-40)/10 = -2.698 */
  x[2] = 1;     /* c has no values: skipped */
  CHECK(bl_score_x(m, NULL, x, &which) == 0.6745 * (-15 - 25) / 10 && which == 1);
  x[1] = NAN;
  CHECK(bl_score_x(m, NULL, x, &which) == 0.6745 * 3 / 1 && which == 0);
  /* a tie: the first in schema order */
  x[0] = 1.5;
  x[1] = 35; /* both |z| = 0.6745 */
  CHECK(bl_score_x(m, NULL, x, &which) == -0.6745 && which == 0);
  x[0] = x[1] = NAN;
  CHECK(isnan(bl_score_x(m, NULL, x, &which)) && which == -1);

  /* evidence */
  x[0] = 2.5 + 10 / 0.6745; /* z = 10 */
  x[1] = 25;                /* z = 0 */
  x[2] = NAN;
  bl_explain_x(m, NULL, x, ev);
  CHECK_CLOSE(ev[0].expected_lo, 2.5 - 3.5 / 0.6745, 1e-15);
  CHECK_CLOSE(ev[0].expected_hi, 2.5 + 3.5 / 0.6745, 1e-15);
  CHECK_CLOSE(ev[0].deviation, 10, 1e-12);
  CHECK(ev[0].contribution == 1 && ev[1].contribution == 0 && ev[1].deviation == 0);
  CHECK(isnan(ev[2].value) && isnan(ev[2].deviation) && isnan(ev[2].expected_lo) && ev[2].contribution == 0);
  x[1] = 25 - 10 * 4 / 0.6745; /* z = -4 */
  bl_explain_x(m, NULL, x, ev);
  CHECK_CLOSE(ev[1].deviation, -4, 1e-12);
  CHECK_CLOSE(ev[0].contribution, 10.0 / 14, 1e-12);
  CHECK_CLOSE(ev[1].contribution, 4.0 / 14, 1e-12);
  x[0] = INFINITY;
  bl_explain_x(m, NULL, x, ev);
  CHECK(ev[0].contribution == 1 && ev[1].contribution == 0 && ev[0].deviation == INFINITY);
  x[0] = 2.5;
  x[1] = 25;
  bl_explain_x(m, NULL, x, ev);
  CHECK(ev[0].contribution == 0 && ev[1].contribution == 0);

  bl_model_free(m);
  mdl_view_free(&v);
  bl_accum_free(&acc);
  om_wbuf_free(&fv);
  om_wbuf_free(&w);
}

/* ------------------------------------------------------------ 6. training errors */

static void test_training_errors(void) {
  static const char *const cat[] = {"a=1", "host:web-1"};
  static const char *const ok[] = {"a=1"};
  bl_accum acc;
  om_wbuf fv, w;
  om_err err;
  opened o;
  om_wbuf_init(&fv);
  om_wbuf_init(&w);
  bl_accum_init(&acc, NULL);
  CHECK(fv_from(ok, 1, &fv) == OM_OK);
  CHECK(bl_accum_add_fv(&acc, fv.data, fv.len, &err) == OM_OK);
  CHECK(fv_from(cat, 2, &fv) == OM_OK);
  CHECK(bl_accum_add_fv(&acc, fv.data, fv.len, &err) == OM_INVALID);
  CHECK_STR(err.msg, "feature \"host\" is categorical; a baseline summarises numeric features only (leave it out of "
                     "the vector)");
  CHECK(acc.n_cols == 1 && acc.cols[0].n == 1 && acc.rows_used == 1); /* the refused row changed nothing */
  fv.data[9] = 1; /* a reserved byte: corrupt */
  CHECK(bl_accum_add_fv(&acc, fv.data, fv.len, &err) == OM_CORRUPT);
  CHECK(acc.n_cols == 1 && acc.rows_used == 1);
  bl_accum_free(&acc);

  { /* a spread beyond the largest double */
    static const double big[] = {-1.7e308, -1.7e308, 1.7e308, 1.7e308};
    CHECK(train_values(big, 4, NULL, &w, &err) == OM_INVALID);
    CHECK_STR(err.msg, "feature \"value\" has values too large for a baseline (its scale is beyond ±1.8e308; "
                       "rescale the feature)");
  }
  { /* huge values that still summarise: deviations on halves */
    static const double big[] = {-1.7e308, 1.7e308, 1.7e308};
    CHECK(open_values(big, 3, NULL, &o));
    CHECK(o.m->feats[0].median == 1.7e308 && o.m->feats[0].mad == 0);
    CHECK_CLOSE(o.m->feats[0].meanad, 1.7e308 / 3 * 2, 1e-15);
    CHECK(isfinite(o.m->feats[0].sd) && isfinite(o.m->feats[0].mean));
    close_opened(&o);
  }
  om_wbuf_free(&fv);
  om_wbuf_free(&w);
}

/* ------------------------------------------------------------ 7, 8. codec */

static void test_codec(void) {
  static const double x[] = {3, 1, 4, 1, 5, 9, 2, 6};
  opened o;
  om_wbuf p;
  om_err err;
  size_t corrupt = 0, ok_again = 0;
  CHECK(open_values(x, 8, NULL, &o));
  om_wbuf_init(&p);
  bl_encode_payload(o.m, &p);
  CHECK(p.len == o.v.payload_len && memcmp(p.data, o.v.payload, p.len) == 0); /* codec 1 */
  /* every single-byte change of the payload */
  for (size_t i = 0; i < p.len; i++) {
    for (int b = 0; b < 8; b++) {
      bl_model *m = NULL;
      long live = om_test_alloc_live;
      om_status st;
      p.data[i] ^= (uint8_t)(1u << b);
      st = bl_decode_payload(p.data, p.len, o.v.features, o.v.n_features, &m, &err);
      CHECK_MSG(st == OM_OK || st == OM_CORRUPT, "byte %zu bit %d: status %d", i, b, st);
      if (st == OM_OK) {
        om_wbuf q;
        om_wbuf_init(&q);
        bl_encode_payload(m, &q);
        CHECK_MSG(q.len == p.len && memcmp(q.data, p.data, q.len) == 0, "byte %zu bit %d re-encodes", i, b);
        om_wbuf_free(&q);
        bl_model_free(m);
        ok_again++;
      } else {
        CHECK(m == NULL);
        CHECK_MSG(strncmp(err.msg, "baseline payload is corrupt (", 29) == 0, "%s", err.msg);
        corrupt++;
      }
      CHECK(om_test_alloc_live == live);
      p.data[i] ^= (uint8_t)(1u << b);
    }
  }
  printf("payload bit flips: %zu corrupt, %zu still valid (and re-encode to themselves)\n", corrupt, ok_again);
  CHECK(corrupt > 0 && ok_again > 0); /* low bits of a statistic may change within its checks */
  /* truncation and a trailing byte */
  for (size_t n = 0; n < p.len; n++) {
    bl_model *m = NULL;
    CHECK_MSG(bl_decode_payload(p.data, n, o.v.features, o.v.n_features, &m, &err) == OM_CORRUPT, "length %zu", n);
  }
  {
    bl_model *m = NULL;
    om_wbuf_u8(&p, 0);
    CHECK(bl_decode_payload(p.data, p.len, o.v.features, o.v.n_features, &m, &err) == OM_CORRUPT);
    CHECK_STR(err.msg, "baseline payload is corrupt (length does not match the features)");
  }
  /* every byte of the envelope: mdl_open refuses it (checksum or structure) */
  {
    size_t bad = 0;
    for (size_t i = 0; i < o.w.len; i++) {
      mdl_view v;
      bl_model *m = NULL;
      o.w.data[i] ^= 0x20;
      if (bl_open(o.w.data, o.w.len, &v, &m, &err) != OM_OK) bad++;
      else {
        bl_model_free(m);
        mdl_view_free(&v);
      }
      o.w.data[i] ^= 0x20;
    }
    CHECK_MSG(bad == o.w.len, "%zu of %zu flips refused", bad, o.w.len);
  }
  om_wbuf_free(&p);
  close_opened(&o);
}

/* Hand-made payloads for the decoder's checks, behind a valid envelope. */
static om_status open_payload(uint16_t kind, uint16_t pver, const uint8_t *payload, size_t plen, om_err *err) {
  mdl_feature f[1] = {{"value", 5, FV_NUMERIC}};
  mdl_meta meta;
  om_wbuf w;
  mdl_view v;
  bl_model *m = NULL;
  om_status st;
  long live = om_test_alloc_live;
  memset(&meta, 0, sizeof meta);
  om_wbuf_init(&w);
  CHECK(mdl_write(&w, kind, pver, f, 1, &meta, payload, plen, err) == OM_OK);
  st = bl_open(w.data, w.len, &v, &m, err);
  if (st == OM_OK) {
    bl_model_free(m);
    mdl_view_free(&v);
  } else {
    CHECK(m == NULL);
  }
  om_wbuf_free(&w);
  CHECK(om_test_alloc_live == live);
  return st;
}

/* A valid one-feature job payload with n_levels 0 (values 1 2 3). */
static void job_payload(om_wbuf *p, uint8_t source, double mad, double meanad, double median, double scale) {
  om_wbuf_reset(p);
  om_wbuf_u8(p, BL_ROLE_JOB);
  om_wbuf_zeros(p, 7);
  om_wbuf_f64(p, 3.5);
  om_wbuf_f64(p, 0.01);
  om_wbuf_u32(p, 0);
  om_wbuf_u32(p, 0);
  om_wbuf_u8(p, source);
  om_wbuf_zeros(p, 7);
  om_wbuf_u64(p, 3);
  om_wbuf_u64(p, 3);
  om_wbuf_f64(p, 1);      /* min */
  om_wbuf_f64(p, 3);      /* max */
  om_wbuf_f64(p, 2);      /* mean */
  om_wbuf_f64(p, 0.8);    /* sd */
  om_wbuf_f64(p, median);
  om_wbuf_f64(p, mad);
  om_wbuf_f64(p, meanad);
  om_wbuf_f64(p, scale);
  om_wbuf_f64(p, 1);      /* weight */
  om_wbuf_f64(p, 0);
  om_wbuf_f64(p, 0);
}

static void test_payload_errors(void) {
  om_wbuf p;
  om_err err;
  om_wbuf_init(&p);
  job_payload(&p, BL_SRC_MAD, 1, 2.0 / 3, 2, 1 / 0.6745);
  CHECK(open_payload(MDL_KIND_BASELINE, 1, p.data, p.len, &err) == OM_OK);
  CHECK(open_payload(MDL_KIND_BASELINE, 2, p.data, p.len, &err) == OM_UNSUPPORTED_VERSION);
  CHECK_STR(err.msg, "baseline payload version 2 is not supported (this build reads 1)");
  CHECK(open_payload(MDL_KIND_SCALER, 1, p.data, p.len, &err) == OM_INVALID);
  CHECK_STR(err.msg, "model is a scaler model; expected a baseline model");
  /* the source must agree bit for bit with the statistics */
  job_payload(&p, BL_SRC_MAD, 1, 2.0 / 3, 2, 1 / 0.6745 + 1e-15);
  CHECK(open_payload(MDL_KIND_BASELINE, 1, p.data, p.len, &err) == OM_CORRUPT);
  CHECK_STR(err.msg, "baseline payload is corrupt (feature 1: scale does not match the statistics)");
  job_payload(&p, BL_SRC_MEANAD, 1, 2.0 / 3, 2, 1 / 0.6745);
  CHECK(open_payload(MDL_KIND_BASELINE, 1, p.data, p.len, &err) == OM_CORRUPT);
  CHECK_STR(err.msg, "baseline payload is corrupt (feature 1: scale source does not match the statistics)");
  job_payload(&p, BL_SRC_MEANAD, 0, 2.0 / 3, 2, 1.253314 * (2.0 / 3));
  CHECK(open_payload(MDL_KIND_BASELINE, 1, p.data, p.len, &err) == OM_OK);
  job_payload(&p, BL_SRC_CONSTANT, 0, 0, 2, 0.02);
  CHECK(open_payload(MDL_KIND_BASELINE, 1, p.data, p.len, &err) == OM_OK);
  job_payload(&p, BL_SRC_CONSTANT_ZERO, 0, 0, 2, 0);
  CHECK(open_payload(MDL_KIND_BASELINE, 1, p.data, p.len, &err) == OM_CORRUPT);
  job_payload(&p, BL_SRC_SHRUNK, 1, 2.0 / 3, 2, 0.3);
  CHECK(open_payload(MDL_KIND_BASELINE, 1, p.data, p.len, &err) == OM_OK);
  job_payload(&p, BL_SRC_SHRUNK, 1, 2.0 / 3, 2, 0);
  CHECK(open_payload(MDL_KIND_BASELINE, 1, p.data, p.len, &err) == OM_CORRUPT);
  CHECK_STR(err.msg, "baseline payload is corrupt (feature 1: inconsistent shrinkage)");
  job_payload(&p, 6, 1, 2.0 / 3, 2, 1 / 0.6745);
  CHECK(open_payload(MDL_KIND_BASELINE, 1, p.data, p.len, &err) == OM_CORRUPT);
  CHECK_STR(err.msg, "baseline payload is corrupt (feature 1: source)");
  job_payload(&p, BL_SRC_MAD, 1, 2.0 / 3, 3.5, 1 / 0.6745); /* median above max */
  CHECK(open_payload(MDL_KIND_BASELINE, 1, p.data, p.len, &err) == OM_CORRUPT);
  CHECK_STR(err.msg, "baseline payload is corrupt (feature 1: median outside [min, max])");
  job_payload(&p, BL_SRC_MAD, NAN, 2.0 / 3, 2, 1 / 0.6745);
  CHECK(open_payload(MDL_KIND_BASELINE, 1, p.data, p.len, &err) == OM_CORRUPT);
  CHECK_STR(err.msg, "baseline payload is corrupt (feature 1: a statistic is not finite)");
  job_payload(&p, BL_SRC_MAD, 1, 2.0 / 3, 2, 1 / 0.6745);
  p.data[0] = 2; /* role */
  CHECK(open_payload(MDL_KIND_BASELINE, 1, p.data, p.len, &err) == OM_CORRUPT);
  CHECK_STR(err.msg, "baseline payload is corrupt (header)");
  job_payload(&p, BL_SRC_MAD, 1, 2.0 / 3, 2, 1 / 0.6745);
  om_store_u64(p.data + 8, om_f64_bits(0)); /* threshold 0 */
  CHECK(open_payload(MDL_KIND_BASELINE, 1, p.data, p.len, &err) == OM_CORRUPT);
  CHECK_STR(err.msg, "baseline payload is corrupt (threshold or constant_cv out of range)");
  job_payload(&p, BL_SRC_MAD, 1, 2.0 / 3, 2, 1 / 0.6745);
  om_store_u64(p.data + 32 + 16, 4); /* n_kept 4 > n 3 */
  CHECK(open_payload(MDL_KIND_BASELINE, 1, p.data, p.len, &err) == OM_CORRUPT);
  CHECK_STR(err.msg, "baseline payload is corrupt (feature 1: more values kept than seen)");
  { /* a categorical schema feature */
    mdl_feature f[1] = {{"value", 5, FV_CATEGORICAL}};
    bl_model *m = NULL;
    job_payload(&p, BL_SRC_MAD, 1, 2.0 / 3, 2, 1 / 0.6745);
    CHECK(bl_decode_payload(p.data, p.len, f, 1, &m, &err) == OM_CORRUPT);
    CHECK_STR(err.msg, "baseline payload is corrupt (feature 1: a baseline feature must be numeric)");
  }
  { /* quantile levels must increase; values must be sorted */
    bl_model *m = NULL;
    mdl_feature f[1] = {{"value", 5, FV_NUMERIC}};
    om_wbuf_reset(&p);
    om_wbuf_u8(&p, 0);
    om_wbuf_zeros(&p, 7);
    om_wbuf_f64(&p, 3.5);
    om_wbuf_f64(&p, 0.01);
    om_wbuf_u32(&p, 2);
    om_wbuf_u32(&p, 0);
    om_wbuf_f64(&p, 0.25);
    om_wbuf_f64(&p, 0.75);
    om_wbuf_u8(&p, BL_SRC_MAD);
    om_wbuf_zeros(&p, 7);
    om_wbuf_u64(&p, 3);
    om_wbuf_u64(&p, 3);
    om_wbuf_f64(&p, 1);
    om_wbuf_f64(&p, 3);
    om_wbuf_f64(&p, 2);
    om_wbuf_f64(&p, 0.8);
    om_wbuf_f64(&p, 2);
    om_wbuf_f64(&p, 1);
    om_wbuf_f64(&p, 2.0 / 3);
    om_wbuf_f64(&p, 1.5); /* q25 */
    om_wbuf_f64(&p, 2.5); /* q75 */
    om_wbuf_f64(&p, 1 / 0.6745);
    om_wbuf_f64(&p, 1);
    om_wbuf_f64(&p, 0);
    om_wbuf_f64(&p, 0);
    CHECK(bl_decode_payload(p.data, p.len, f, 1, &m, &err) == OM_OK);
    bl_model_free(m);
    om_store_u64(p.data + 48 + 24 + 8 * 7, om_f64_bits(2.5)); /* q25 above the median */
    CHECK(bl_decode_payload(p.data, p.len, f, 1, &m, &err) == OM_CORRUPT);
    CHECK_STR(err.msg, "baseline payload is corrupt (feature 1: quantiles not sorted)");
    om_store_u64(p.data + 48 + 24 + 8 * 7, om_f64_bits(1.5));
    om_store_u64(p.data + 32, om_f64_bits(0.75)); /* levels 0.75, 0.75 */
    CHECK(bl_decode_payload(p.data, p.len, f, 1, &m, &err) == OM_CORRUPT);
    CHECK_STR(err.msg, "baseline payload is corrupt (quantile levels)");
  }
  om_wbuf_free(&p);
}

/* ------------------------------------------------------------ 9. shrinkage */

/* The BLOBs of jobs j = 0..n_jobs-1 with n values each. */
static void make_jobs(size_t n_jobs, size_t n, om_wbuf *jobs) {
  om_err err;
  for (size_t j = 0; j < n_jobs; j++) {
    double x[64];
    double scale = 60.0 * (double)(j + 1);
    for (size_t i = 0; i < n; i++) /* a fixed spread per job, different relative dispersions */
      x[i] = scale * (1 + 0.05 * (double)((j % 3) + 1) * ((double)((i * 37 + j * 11) % 17) / 8.0 - 1));
    om_wbuf_init(&jobs[j]);
    CHECK(train_values(x, n, NULL, &jobs[j], &err) == OM_OK);
  }
}

static void test_moments_table(void) {
  double e, v;
  bl_mad_moments(3, &e, &v);
  CHECK(e == -0.8643 && v > 1.3 && v < 1.5);
  bl_mad_moments(64, &e, &v);
  CHECK(e < 0 && e > -0.03);
  {
    double e64 = e, v64 = v;
    bl_mad_moments(128, &e, &v);
    CHECK(e == e64 * 0.5);
    CHECK(v == BL_MAD_LOGVAR_C / 128 + (v64 - BL_MAD_LOGVAR_C / 64) * 0.25);
  }
  bl_mad_moments(1, &e, &v);
  CHECK(e == 0 && v == 0);
  /* n·V_n approaches C from above (the MAD's asymptotic variance) */
  bl_mad_moments(1000000, &e, &v);
  CHECK_CLOSE(v * 1000000, BL_MAD_LOGVAR_C, 1e-4);
}

static void test_shrinkage(void) {
  enum { J = 6, N = 5 };
  om_wbuf jobs[J], fw, sw;
  bl_fleet_accum fa;
  om_err err;
  mdl_view fv_, jv;
  bl_model *fleet = NULL, *job = NULL, *shrunk = NULL, *twice = NULL;
  double u[J], vn[J], mean = 0, var = 0, meanv = 0;
  uint32_t k;
  make_jobs(J, N, jobs);
  bl_fleet_init(&fa);
  for (int j = 0; j < J; j++) CHECK(bl_fleet_add(&fa, jobs[j].data, jobs[j].len, &err) == OM_OK);
  om_wbuf_init(&fw);
  CHECK(bl_fleet_finish(&fa, &fw, &err) == OM_OK);
  CHECK(bl_open(fw.data, fw.len, &fv_, &fleet, &err) == OM_OK);
  CHECK(fleet->role == BL_ROLE_FLEET && fleet->n_features == 1);
  CHECK(fv_.meta.rows_used == J);
  /* the hand computation: u = log(MAD/(0.6745|median|)) - E_n, moments */
  for (int j = 0; j < J; j++) {
    mdl_view v;
    bl_model *m;
    double e;
    CHECK(bl_open(jobs[j].data, jobs[j].len, &v, &m, &err) == OM_OK);
    bl_mad_moments(N, &e, &vn[j]);
    u[j] = log(m->feats[0].mad / (0.6745 * fabs(m->feats[0].median))) - e;
    CHECK(bl_feat_log_dispersion(&m->feats[0], &e, &var) && e == u[j]);
    bl_model_free(m);
    mdl_view_free(&v);
    mean += u[j] / J;
    meanv += vn[j] / J;
  }
  var = 0;
  for (int j = 0; j < J; j++) var += (u[j] - mean) * (u[j] - mean) / (J - 1);
  CHECK(fleet->priors[0].has_prior && fleet->priors[0].jobs == J && fleet->priors[0].jobs_used == J);
  CHECK_CLOSE(fleet->priors[0].mu, mean, 1e-12);
  CHECK_CLOSE(fleet->priors[0].var_u, var, 1e-12);
  CHECK_CLOSE(fleet->priors[0].mean_v, meanv, 1e-12);
  CHECK(fleet->priors[0].tau2 == (var - meanv > 0 ? fleet->priors[0].var_u - fleet->priors[0].mean_v : 0));

  /* shrink job 2 and compare with the formula */
  CHECK(bl_open(jobs[2].data, jobs[2].len, &jv, &job, &err) == OM_OK);
  CHECK(bl_shrink(job, fleet, &shrunk, &k, &err) == OM_OK && k == 1);
  {
    const bl_prior *p = &fleet->priors[0];
    double w = p->tau2 / (p->tau2 + vn[2]);
    double want = fabs(job->feats[0].median) * exp(w * u[2] + (1 - w) * p->mu);
    CHECK(shrunk->feats[0].source == BL_SRC_SHRUNK);
    CHECK_CLOSE(shrunk->feats[0].weight, w, 1e-15);
    CHECK_CLOSE(shrunk->feats[0].scale, want, 1e-12);
    CHECK(shrunk->feats[0].median == job->feats[0].median && shrunk->feats[0].mad == job->feats[0].mad);
    /* on the fly = shrunk model, bit for bit */
    for (double x = 0; x < 600; x += 37.5) {
      double a = bl_score_x(job, fleet, &x, NULL), b = bl_score_x(shrunk, NULL, &x, NULL);
      CHECK(memcmp(&a, &b, sizeof a) == 0);
    }
  }
  /* shrinking again starts from the raw statistics */
  CHECK(bl_shrink(shrunk, fleet, &twice, &k, &err) == OM_OK);
  CHECK(memcmp(twice->feats, shrunk->feats, sizeof *twice->feats) == 0);
  /* the shrunk model encodes and decodes */
  {
    mdl_meta meta;
    mdl_view v;
    bl_model *back;
    memset(&meta, 0, sizeof meta);
    om_wbuf_init(&sw);
    CHECK(bl_write(shrunk, &meta, &sw, &err) == OM_OK);
    CHECK(bl_open(sw.data, sw.len, &v, &back, &err) == OM_OK);
    CHECK(back->feats[0].source == BL_SRC_SHRUNK && back->feats[0].scale == shrunk->feats[0].scale);
    bl_model_free(back);
    mdl_view_free(&v);
    om_wbuf_free(&sw);
  }
  /* a fleet cannot be fed to the fleet, nor be scored */
  CHECK(bl_fleet_add(&fa, fw.data, fw.len, &err) == OM_INVALID);
  CHECK_STR(err.msg, "model is a fleet prior; baseline_fleet() summarises job baselines");
  {
    double x = 1;
    CHECK(isnan(bl_score_x(fleet, NULL, &x, NULL)));
  }
  bl_model_free(twice);
  bl_model_free(shrunk);
  bl_model_free(job);
  mdl_view_free(&jv);
  bl_model_free(fleet);
  mdl_view_free(&fv_);
  om_wbuf_free(&fw);
  bl_fleet_free(&fa);

  /* two jobs: no prior, shrinking leaves the job as it is */
  bl_fleet_init(&fa);
  for (int j = 0; j < 2; j++) CHECK(bl_fleet_add(&fa, jobs[j].data, jobs[j].len, &err) == OM_OK);
  om_wbuf_init(&fw);
  CHECK(bl_fleet_finish(&fa, &fw, &err) == OM_OK);
  CHECK(bl_open(fw.data, fw.len, &fv_, &fleet, &err) == OM_OK);
  CHECK(!fleet->priors[0].has_prior && fleet->priors[0].jobs_used == 2 && fleet->priors[0].mu == 0);
  CHECK(bl_open(jobs[0].data, jobs[0].len, &jv, &job, &err) == OM_OK);
  CHECK(bl_shrink(job, fleet, &shrunk, &k, &err) == OM_OK && k == 0);
  CHECK(memcmp(shrunk->feats, job->feats, sizeof *job->feats) == 0);
  bl_model_free(shrunk);
  bl_model_free(job);
  mdl_view_free(&jv);
  bl_model_free(fleet);
  mdl_view_free(&fv_);
  om_wbuf_free(&fw);
  bl_fleet_free(&fa);

  /* a one-run job gets the fleet's typical relative dispersion (w = 0) */
  {
    static const double one[] = {100};
    opened o;
    bl_fleet_init(&fa);
    for (int j = 0; j < J; j++) CHECK(bl_fleet_add(&fa, jobs[j].data, jobs[j].len, &err) == OM_OK);
    om_wbuf_init(&fw);
    CHECK(bl_fleet_finish(&fa, &fw, &err) == OM_OK);
    CHECK(bl_open(fw.data, fw.len, &fv_, &fleet, &err) == OM_OK);
    CHECK(open_values(one, 1, NULL, &o));
    CHECK(bl_shrink(o.m, fleet, &shrunk, &k, &err) == OM_OK && k == 1);
    CHECK(shrunk->feats[0].weight == 0);
    CHECK(shrunk->feats[0].scale == 100 * exp(fleet->priors[0].mu));
    bl_model_free(shrunk);
    close_opened(&o);
    bl_model_free(fleet);
    mdl_view_free(&fv_);
    om_wbuf_free(&fw);
    bl_fleet_free(&fa);
  }
  for (int j = 0; j < J; j++) om_wbuf_free(&jobs[j]);
}

/* ------------------------------------------------------------ the kind row (bl_kind.c) */

static void test_kind_row(void) {
  static const double x[] = {1, 2, 3, 4, 10};
  opened o;
  mdl_view v;
  const mdl_kind_def *k;
  void *model;
  om_err err;
  om_wbuf j;
  mdl_evidence ev[1];
  double row[1];
  CHECK(open_values(x, 5, NULL, &o));
  CHECK(mdl_decode(o.w.data, o.w.len, &v, &k, &model, &err) == OM_OK);
  CHECK(k == mdl_kind_get(MDL_KIND_BASELINE) && strcmp(k->name, "baseline") == 0);
  CHECK(k->payload_version == BL_FORMAT && k->row_prepare == NULL && k->importance == NULL);
  row[0] = 10;
  CHECK(k->anomaly_score(model, row) == 0.6745 * 7);
  row[0] = -4;
  CHECK(k->anomaly_score(model, row) == 0.6745 * 7); /* |z| */
  CHECK(k->anomaly_threshold(model) == 3.5);
  row[0] = NAN;
  CHECK(isnan(k->anomaly_score(model, row)));
  row[0] = 10;
  k->explain(model, row, ev);
  CHECK(ev[0].value == 10 && ev[0].contribution == 1);
  CHECK(ev[0].deviation == 0.6745 * 7);
  CHECK_CLOSE(ev[0].expected_hi, 3 + 3.5 / 0.6745, 1e-15);
  /* model_info's detail through the hook */
  om_wbuf_init(&j);
  CHECK(mdl_info_json(&v, model, &j, &err) == OM_OK);
  om_wbuf_u8(&j, 0);
  CHECK(strstr((const char *)j.data, "\"detail\":{\"role\":\"job\",\"threshold\":3.5,\"constant_cv\":0.01,"
                                     "\"features\":{\"value\":{\"n\":5,\"n_kept\":5,\"min\":1,\"max\":10,") != NULL);
  CHECK(strstr((const char *)j.data, "\"p1\":1.04,\"p5\":1.2,\"p25\":2,\"p75\":4,") != NULL);
  CHECK(strstr((const char *)j.data, "\"scale_source\":\"mad\",\"weight\":1}}}") != NULL);
  om_wbuf_free(&j);
  k->close(model);
  mdl_view_free(&v);
  close_opened(&o);
}

/* ------------------------------------------------------------ OOM */

static void test_oom(void) {
  static const char *const r1[] = {"a=1", "b=2"};
  static const char *const r2[] = {"a=3", "b", "c=4"};
  static const char *const r3[] = {"a=5", "b=8", "c=4"};
  static const char *const *rows[] = {r1, r2, r3};
  static const size_t lens[] = {2, 3, 3};
  om_wbuf encoded[3];
  long start = om_test_alloc_live, k;
  int done = 0;
  for (int i = 0; i < 3; i++) {
    om_wbuf_init(&encoded[i]);
    CHECK(fv_from(rows[i], lens[i], &encoded[i]) == OM_OK);
  }
  for (k = 1; k < 2000 && !done; k++) {
    bl_accum a;
    bl_fleet_accum fa;
    om_wbuf model, fleetw;
    bl_model *m = NULL, *fl = NULL, *sh = NULL;
    mdl_view v, fv_;
    om_err err;
    om_status st = OM_OK;
    int opened_m = 0, opened_f = 0;
    bl_options opt;
    om_wbuf_init(&model);
    om_wbuf_init(&fleetw);
    bl_options_default(&opt);
    opt.max_values = 2; /* the reservoir too */
    om_test_alloc_reset();
    om_test_alloc_fail_at = k;
    bl_accum_init(&a, &opt);
    bl_fleet_init(&fa);
    for (int r = 0; r < 3 && st == OM_OK; r++) st = bl_accum_add_fv(&a, encoded[r].data, encoded[r].len, &err);
    if (st == OM_OK) st = bl_accum_finish(&a, &model, &err);
    if (st == OM_OK) st = bl_open(model.data, model.len, &v, &m, &err);
    opened_m = st == OM_OK;
    for (int j = 0; j < 3 && st == OM_OK; j++) st = bl_fleet_add(&fa, model.data, model.len, &err);
    if (st == OM_OK) st = bl_fleet_finish(&fa, &fleetw, &err);
    if (st == OM_OK) {
      st = bl_open(fleetw.data, fleetw.len, &fv_, &fl, &err);
      opened_f = st == OM_OK;
    }
    if (st == OM_OK) st = bl_shrink(m, fl, &sh, NULL, &err);
    if (st == OM_OK) {
      double x[3] = {1, NAN, 4};
      mdl_evidence ev[3];
      (void)bl_score_x(m, fl, x, NULL);
      bl_explain_x(m, fl, x, ev);
    }
    om_test_alloc_fail_at = 0;
    if (st == OM_OK) done = 1;
    else CHECK_MSG(st == OM_NOMEM, "failing allocation %ld: status %d (%s)", k, st, err.msg);
    bl_model_free(sh);
    if (opened_f) {
      bl_model_free(fl);
      mdl_view_free(&fv_);
    }
    if (opened_m) {
      bl_model_free(m);
      mdl_view_free(&v);
    }
    bl_accum_free(&a);
    bl_fleet_free(&fa);
    om_wbuf_free(&model);
    om_wbuf_free(&fleetw);
    CHECK_MSG(om_test_alloc_live == start + 3, "failing allocation %ld: %ld blocks leaked", k,
              om_test_alloc_live - start - 3);
  }
  CHECK(done);
  printf("OOM loop: allocations 1..%ld failed one at a time, each gave OM_NOMEM without a leak\n", k - 2);
  for (int i = 0; i < 3; i++) om_wbuf_free(&encoded[i]);
  om_test_alloc_reset();
}

int main(void) {
  test_order_statistics();
  test_reservoir();
  test_sources();
  test_rows_and_evidence();
  test_training_errors();
  test_codec();
  test_payload_errors();
  test_moments_table();
  test_shrinkage();
  test_kind_row();
  test_oom();
  return om_test_finish();
}
