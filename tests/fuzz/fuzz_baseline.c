/*
** fuzz_baseline.c — libFuzzer target for the baseline kind (ext/core/baseline):
** its payload decoder and its training core.  How to build and run:
** tests/fuzz/README.md (or `make fuzz-quick`).
**
** Input layout: byte 0 chooses.
**   bit 7 clear — DECODE: F = (byte 0 & 15) + 1 numeric features named f00,
**     f01, ...; the rest is a baseline payload for bl_decode_payload.
**   bit 7 set — TRAIN: byte 1 = max_values − 1 (low 4 bits) and the number
**     of features F − 1 (bits 4-5); then rows of F little-endian doubles
**     (non-finite = missing, −0 = +0, as feature vectors hold them), at most
**     512 rows.
** Properties:
**   1. A payload that decodes re-encodes to exactly its bytes, renders its
**      model_info detail, scores rows of ordinary, huge, ±Inf and NaN values
**      (explain's contributions each in [0, 1], summing to at most 1), and
**      a job baseline shrinks with a fixed fleet prior (a fleet prior
**      shrinks a fixed job baseline) into a model that encodes, decodes and
**      scores the same bits as shrinking on the fly.
**   2. Training returns OM_OK or OM_INVALID (values too large), never
**      anything else; a model returned opens with bl_open and scores its own
**      rows; a fleet over it (three times) opens too.
** Seeds: tests/fuzz/corpus_baseline/ (the committed fixtures' payloads, a
** fleet prior, shrunk models, training rows).
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl.h"
#include "fv.h"

#define FUZZ_ASSERT(c)                                                                                               \
  do {                                                                                                               \
    if (!(c)) {                                                                                                      \
      fprintf(stderr, "fuzz_baseline: property failed at line %d: %s\n", __LINE__, #c);                             \
      abort();                                                                                                       \
    }                                                                                                                \
  } while (0)

static char names_text[16][4];
static mdl_feature names[16];

static void init_names(void) {
  for (int i = 0; i < 16; i++) {
    snprintf(names_text[i], sizeof names_text[i], "f%02d", i);
    names[i].name = names_text[i];
    names[i].name_len = 3;
    names[i].type = FV_NUMERIC;
  }
}

/* A fixed job baseline and fleet prior over the same 16 names. */
static bl_model *fixed_job(void) {
  static bl_model m;
  static bl_feat f[16];
  memset(&m, 0, sizeof m);
  m.role = BL_ROLE_JOB;
  m.threshold = 3.5;
  m.constant_cv = 0.01;
  m.n_features = 16;
  m.names = names;
  m.feats = f;
  for (int i = 0; i < 16; i++) {
    memset(&f[i], 0, sizeof f[i]);
    f[i].n = f[i].n_kept = (uint64_t)(i % 5);
    if (f[i].n) {
      f[i].min = 1;
      f[i].max = 1000;
      f[i].mean = f[i].median = 10 * i - 40;
      if (f[i].median < 1) f[i].mean = f[i].median = 1;
      f[i].mad = (i % 3) * 0.5;
      f[i].meanad = (i % 2) * 0.25;
    }
    bl_feat_plain(&f[i], m.constant_cv);
  }
  return &m;
}

static bl_model *fixed_fleet(void) {
  static bl_model m;
  static bl_prior p[16];
  memset(&m, 0, sizeof m);
  m.role = BL_ROLE_FLEET;
  m.n_features = 16;
  m.names = names;
  m.priors = p;
  for (int i = 0; i < 16; i++) {
    memset(&p[i], 0, sizeof p[i]);
    p[i].jobs = p[i].jobs_used = 3 + (uint64_t)i;
    p[i].has_prior = 1;
    p[i].mu = -2 + 0.2 * i;
    p[i].var_u = 0.05 * i;
    p[i].mean_v = 0.3;
    p[i].tau2 = p[i].var_u > p[i].mean_v ? p[i].var_u - p[i].mean_v : 0;
  }
  return &m;
}

static void score_rows(const bl_model *m, const bl_model *fleet) {
  static const double values[] = {0.0, -1.0, 1e300, -1e300, 3.5, NAN, INFINITY, -INFINITY, 5e-324, 60};
  double x[16];
  mdl_evidence ev[16];
  for (size_t v = 0; v < sizeof values / sizeof values[0]; v++) {
    double sum = 0;
    for (uint32_t f = 0; f < m->n_features; f++) x[f] = values[(v + f) % 10];
    (void)bl_score_x(m, fleet, x, NULL);
    bl_explain_x(m, fleet, x, ev);
    for (uint32_t f = 0; f < m->n_features; f++) {
      FUZZ_ASSERT(ev[f].contribution >= 0 && ev[f].contribution <= 1);
      sum += ev[f].contribution;
    }
    FUZZ_ASSERT(sum <= 1 + 1e-9);
  }
}

/* Property 1's shrink: encode, decode, same scores as on the fly. */
static void shrink_check(const bl_model *job, const bl_model *fleet) {
  bl_model *s = NULL, *back = NULL;
  om_wbuf w;
  om_err err;
  mdl_meta meta;
  mdl_view v;
  FUZZ_ASSERT(bl_shrink(job, fleet, &s, NULL, &err) == OM_OK);
  memset(&meta, 0, sizeof meta);
  om_wbuf_init(&w);
  FUZZ_ASSERT(bl_write(s, &meta, &w, &err) == OM_OK);
  if (bl_open(w.data, w.len, &v, &back, &err) != OM_OK) {
    fprintf(stderr, "shrunk model does not open: %s\n", err.msg);
    abort();
  }
  {
    double x[16];
    for (uint32_t f = 0; f < job->n_features; f++) x[f] = 7.5 * f - 20;
    double a = bl_score_x(job, fleet, x, NULL), b = bl_score_x(back, NULL, x, NULL);
    FUZZ_ASSERT(memcmp(&a, &b, sizeof a) == 0 || (isnan(a) && isnan(b)));
  }
  bl_model_free(back);
  mdl_view_free(&v);
  om_wbuf_free(&w);
  bl_model_free(s);
}

static void decode_case(const uint8_t *data, size_t size) {
  uint32_t nf = (data[0] & 15) + 1;
  bl_model *m = NULL;
  om_err err;
  om_wbuf w;
  om_jw j;
  om_status st = bl_decode_payload(data + 1, size - 1, names, nf, &m, &err);
  if (st != OM_OK) {
    FUZZ_ASSERT(m == NULL && (st == OM_CORRUPT || st == OM_NOMEM));
    return;
  }
  om_wbuf_init(&w);
  bl_encode_payload(m, &w);
  FUZZ_ASSERT(w.len == size - 1 && memcmp(w.data, data + 1, size - 1) == 0);
  om_wbuf_reset(&w);
  om_jw_init(&j, &w);
  om_jw_begin_object(&j);
  FUZZ_ASSERT(bl_info_json(m, &j, &err) == OM_OK);
  om_jw_end_object(&j);
  FUZZ_ASSERT(om_wbuf_status(&w) == OM_OK);
  om_wbuf_free(&w);
  if (m->role == BL_ROLE_JOB) {
    score_rows(m, NULL);
    score_rows(m, fixed_fleet());
    shrink_check(m, fixed_fleet());
  } else {
    bl_model *job = fixed_job();
    bl_model sub = *job;
    sub.n_features = nf; /* the same first nf names */
    score_rows(&sub, m);
    shrink_check(&sub, m);
  }
  bl_model_free(m);
}

static void train_case(const uint8_t *data, size_t size) {
  bl_options opt;
  bl_accum a;
  bl_fleet_accum fa;
  om_wbuf w, fw, row;
  om_err err;
  om_status st = OM_OK;
  uint32_t nf = size > 1 ? ((data[1] >> 4) & 3) + 1 : 1;
  size_t rows, off = 2;
  bl_options_default(&opt);
  opt.max_values = size > 1 ? (uint64_t)(data[1] & 15) + 1 : 1;
  bl_accum_init(&a, &opt);
  om_wbuf_init(&w);
  om_wbuf_init(&fw);
  om_wbuf_init(&row);
  rows = size > off ? (size - off) / (8 * nf) : 0;
  if (rows > 512) rows = 512;
  for (size_t r = 0; r < rows && st == OM_OK; r++) {
    fv_entry e[4];
    for (uint32_t f = 0; f < nf; f++) {
      double x = om_f64_from_bits(om_load_u64(data + off + (r * nf + f) * 8));
      memset(&e[f], 0, sizeof e[f]);
      e[f].name = names_text[f];
      e[f].name_len = 3;
      if (isfinite(x)) {
        e[f].type = FV_NUMERIC;
        e[f].num = x == 0 ? 0.0 : x;
      } else {
        e[f].type = FV_MISSING;
      }
    }
    om_wbuf_reset(&row);
    FUZZ_ASSERT(fv_encode(e, nf, &row, &err) == OM_OK);
    st = bl_accum_add_fv(&a, row.data, row.len, &err);
    FUZZ_ASSERT(st == OM_OK);
  }
  st = bl_accum_finish(&a, &w, &err);
  FUZZ_ASSERT(st == OM_OK || st == OM_INVALID);
  if (st == OM_OK) {
    mdl_view v;
    bl_model *m = NULL;
    FUZZ_ASSERT(bl_open(w.data, w.len, &v, &m, &err) == OM_OK);
    score_rows(m, NULL);
    bl_fleet_init(&fa);
    for (int k = 0; k < 3; k++) FUZZ_ASSERT(bl_fleet_add(&fa, w.data, w.len, &err) == OM_OK);
    st = bl_fleet_finish(&fa, &fw, &err);
    FUZZ_ASSERT(st == OM_OK || st == OM_INVALID);
    if (st == OM_OK) {
      mdl_view fv_;
      bl_model *fl = NULL;
      FUZZ_ASSERT(bl_open(fw.data, fw.len, &fv_, &fl, &err) == OM_OK);
      score_rows(m, fl);
      shrink_check(m, fl);
      bl_model_free(fl);
      mdl_view_free(&fv_);
    }
    bl_fleet_free(&fa);
    bl_model_free(m);
    mdl_view_free(&v);
  }
  bl_accum_free(&a);
  om_wbuf_free(&w);
  om_wbuf_free(&fw);
  om_wbuf_free(&row);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int ready;
  if (!ready) {
    init_names();
    ready = 1;
  }
  if (size < 1) return 0;
  if (data[0] & 0x80) train_case(data, size);
  else decode_case(data, size);
  return 0;
}
