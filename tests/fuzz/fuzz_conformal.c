/*
** fuzz_conformal.c — libFuzzer target for the conformal kind
** (ext/core/conformal): its payload decoder, the envelope through the kind
** table, and the accumulator.  How to build and run: tests/fuzz/README.md
** (or `make fuzz-quick`).
**
** Input layout: byte 0 chooses.
**   bit 7 clear — DECODE: bit 6 set: the rest is a whole envelope for
**     mdl_decode (the kind table picks the decoder); clear: the rest is a
**     conformal payload for cf_decode_payload.
**   bit 7 set — ACCUMULATE: byte 1 = min_group − 1 (low 4 bits), window
**     (bits 4-7: 0 = all, else that many rows), byte 2 = max_groups − 1
**     (low 3 bits) and bins (bits 3-6: 0 = none, else that + 1; then no
**     group) and shrink (bit 7: K = (byte 1 & 15) + 0.5, else none); then
**     records of 9 bytes: u8 group (0 = none, else key type
**     from bit 7, key = the low 7 bits; with bins it is the raw score),
**     f64 residual (non-finite values must be refused), at most 2048
**     records.
** Properties:
**   1. A payload (format 1, 2 or 3) that decodes re-encodes to exactly its
**      bytes, renders its model_info detail, and every lookup (its keys,
**      others, both types; by raw score when it has bins) gives a sample
**      whose quantiles at several levels are NaN-free unless the sample is
**      empty, ordered (lo ≤ hi) and ±Inf only at the conformal rank limits,
**      and whose distribution (cf.h 10) gives probabilities in [0, 1] and
**      remaining times ≥ 0, never NaN, at several raw scores, deadlines and
**      elapsed times (extreme ones included).  With shrink (format 3) the
**      same holds for every group's blend with the pool (cf.h 4c, 11),
**      whose quantiles also lie between the group's and the pool's.
**   2. Accumulating returns OM_OK or OM_INVALID (non-finite residual, group
**      type change); a finished calibration writes an envelope that
**      mdl_decode opens through the kind table into the same payload bytes.
** Seeds: tests/fuzz/corpus_conformal/ (the committed fixtures
** fixtures/models/conformal_v1.hex, conformal_v2.hex, conformal_v3.hex and
** conformal_v3_bins.hex, each as an envelope and as a payload, and
** accumulator records; written once by hand with the byte layout above).
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cf.h"
#include "mdl_kind.h"

#define FUZZ_ASSERT(c)                                                                                               \
  do {                                                                                                               \
    if (!(c)) {                                                                                                      \
      fprintf(stderr, "fuzz_conformal: property failed at line %d: %s\n", __LINE__, #c);                            \
      abort();                                                                                                       \
    }                                                                                                                \
  } while (0)

static void check_sample(const cf_sample *s) {
  static const double qs[] = {0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99};
  double prev = -INFINITY;
  for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
    double v = cf_sample_quantile(s, qs[i]);
    if (s->n == 0) {
      FUZZ_ASSERT(isnan(v));
      continue;
    }
    FUZZ_ASSERT(!isnan(v));
    FUZZ_ASSERT(v >= prev);
    prev = v;
  }
  if (s->n) { /* the distribution: never NaN on valid arguments */
    static const double raws[] = {-50, 0, 3.5, 12, 700};
    static const double ts[] = {1e-300, 0.5, 60, 3600, 1e9, 1e300};
    static const double es[] = {0, 1, 100, 1e7, 1e300};
    for (size_t a = 0; a < sizeof raws / sizeof raws[0]; a++)
      for (size_t b = 0; b < sizeof ts / sizeof ts[0]; b++)
        for (size_t e = 0; e < sizeof es / sizeof es[0]; e++) {
          double p = cf_dist_cdf(s, raws[a], ts[b], es[e]), r = cf_dist_remaining(s, raws[a], es[e], qs[b]);
          FUZZ_ASSERT(p >= 0 && p <= 1);
          FUZZ_ASSERT(r >= 0);
        }
  }
}

/* A blend of a group with the pool (cf.h 4c, 11): as check_sample. */
static void check_mix(const cf_mix *m) {
  static const double qs[] = {0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99};
  static const double raws[] = {-50, 0, 3.5, 12, 700};
  static const double ts[] = {1e-300, 0.5, 60, 3600, 1e9, 1e300};
  static const double es[] = {0, 1, 100, 1e7, 1e300};
  double prev = -INFINITY;
  FUZZ_ASSERT(m->w > 0 && m->w <= 1);
  for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
    double v = cf_mix_quantile(m, qs[i]), a = cf_sample_quantile(m->s, qs[i]), b = cf_sample_quantile(m->pool, qs[i]);
    FUZZ_ASSERT(!isnan(v) && v >= prev);
    FUZZ_ASSERT(isinf(a) || isinf(b) || (v >= fmin(a, b) - 1e-9 * (1 + fabs(a) + fabs(b)) &&
                                          v <= fmax(a, b) + 1e-9 * (1 + fabs(a) + fabs(b))));
    prev = v;
  }
  for (size_t a = 0; a < sizeof raws / sizeof raws[0]; a++)
    for (size_t b = 0; b < sizeof ts / sizeof ts[0]; b++)
      for (size_t e = 0; e < sizeof es / sizeof es[0]; e++) {
        double p = cf_mix_cdf(m, raws[a], ts[b], es[e]), r = cf_mix_remaining(m, raws[a], es[e], qs[b]);
        FUZZ_ASSERT(p >= 0 && p <= 1);
        FUZZ_ASSERT(r >= 0);
      }
}

static void check_calib(const cf_calib *c, const uint8_t *bytes, size_t n) {
  om_wbuf w;
  om_jw j;
  om_err err;
  int is_group;
  om_wbuf_init(&w);
  cf_encode_payload(c, &w);
  FUZZ_ASSERT(om_wbuf_status(&w) == OM_OK);
  if (bytes) FUZZ_ASSERT(w.len == n && memcmp(w.data, bytes, n) == 0);
  om_wbuf_reset(&w);
  om_jw_init(&j, &w);
  om_jw_begin_object(&j);
  FUZZ_ASSERT(cf_info_json(c, &j, &err) == OM_OK);
  om_jw_end_object(&j);
  FUZZ_ASSERT(om_wbuf_status(&w) == OM_OK);
  om_wbuf_free(&w);
  check_sample(&c->pool);
  if (c->bins) {
    static const double raws[] = {-1e300, -1, 0, 0.5, 3, 100, 1e300};
    for (uint32_t i = 0; i + 2 < c->bins; i++) FUZZ_ASSERT(c->edges[i] <= c->edges[i + 1]);
    for (size_t i = 0; i < sizeof raws / sizeof raws[0]; i++) {
      const cf_sample *s = cf_lookup_row(c, 0, CF_KEY_NONE, 0, raws[i], &is_group);
      cf_mix m;
      FUZZ_ASSERT(cf_bin_of(c, raws[i]) < c->bins);
      FUZZ_ASSERT(s == &c->pool || is_group);
      cf_lookup_mix(c, 0, CF_KEY_NONE, 0, raws[i], &m, &is_group);
      FUZZ_ASSERT(m.s == s && (m.pool != NULL) == (is_group && c->shrink > 0));
    }
  }
  FUZZ_ASSERT(c->shrink == 0 || (isfinite(c->shrink) && c->shrink > 0));
  for (uint32_t i = 0; i < c->n_groups; i++) {
    const cf_sample *s = cf_lookup(c, 1, c->key_type, c->groups[i].key, &is_group);
    FUZZ_ASSERT(is_group && s == &c->groups[i].s);
    check_sample(s);
    if (c->shrink > 0) {
      cf_mix m;
      cf_lookup_mix(c, 1, c->key_type, c->groups[i].key, c->bins ? NAN : 0, &m, &is_group);
      if (!c->bins) {
        FUZZ_ASSERT(is_group && m.s == s && m.pool == &c->pool);
        check_mix(&m);
      }
      m.s = s; /* bins are looked up by raw score: blend this bin directly */
      m.pool = &c->pool;
      m.w = (double)s->n / ((double)s->n + c->shrink);
      if (m.w > 0) check_mix(&m);
    }
    s = cf_lookup(c, 1, c->key_type == CF_KEY_NUMERIC ? CF_KEY_CATEGORICAL : CF_KEY_NUMERIC, c->groups[i].key,
                  &is_group);
    FUZZ_ASSERT(!is_group && s == &c->pool);
    s = cf_lookup(c, 1, c->key_type, c->groups[i].key + 1, &is_group);
    FUZZ_ASSERT(s == &c->pool || is_group);
  }
}

static void decode_case(const uint8_t *data, size_t size) {
  cf_calib c;
  om_err err;
  om_status st;
  if (data[0] & 0x40) {
    mdl_view v;
    const mdl_kind_def *k;
    void *m;
    st = mdl_decode(data + 1, size - 1, &v, &k, &m, &err);
    if (st != OM_OK) return;
    if (v.kind == MDL_KIND_CONFORMAL) check_calib(m, v.payload, v.payload_len);
    k->close(m);
    mdl_view_free(&v);
    return;
  }
  st = cf_decode_payload(data + 1, size - 1, &c, &err);
  if (st != OM_OK) {
    FUZZ_ASSERT(st == OM_CORRUPT || st == OM_UNSUPPORTED_VERSION || st == OM_NOMEM);
    FUZZ_ASSERT(c.groups == NULL && c.pool.r == NULL && c.group == NULL && c.edges == NULL);
    return;
  }
  check_calib(&c, data + 1, size - 1);
  cf_calib_free(&c);
}

static void accumulate_case(const uint8_t *data, size_t size) {
  cf_options o;
  cf_accum a;
  cf_calib c;
  om_err err;
  om_status st = OM_OK;
  size_t off = 3, recs;
  cf_options_default(&o);
  o.group = "g";
  o.group_len = 1;
  o.min_group = size > 1 ? (uint32_t)(data[1] & 15) + 1 : 1;
  o.window = size > 1 ? (uint64_t)(data[1] >> 4) : 0;
  o.max_groups = size > 2 ? (uint32_t)(data[2] & 7) + 1 : 1;
  o.bins = size > 2 && (data[2] >> 3 & 15) ? (uint32_t)(data[2] >> 3 & 15) + 1 : 0;
  o.shrink = size > 2 && (data[2] & 0x80) ? (double)(data[1] & 15) + 0.5 : 0;
  if (o.bins) {
    o.group = NULL;
    o.group_len = 0;
  }
  FUZZ_ASSERT(cf_accum_init(&a, &o, CF_SPACE_LOG1P, 7, &err) == OM_OK);
  recs = size > off ? (size - off) / 9 : 0;
  if (recs > 2048) recs = 2048;
  for (size_t r = 0; r < recs && st == OM_OK; r++) {
    const uint8_t *p = data + off + r * 9;
    double x = om_f64_from_bits(om_load_u64(p + 1));
    st = cf_accum_add_scored(&a, x, (double)p[0] - 100, p[0] != 0, (p[0] & 0x80) ? CF_KEY_NUMERIC : CF_KEY_CATEGORICAL,
                             p[0] & 0x7f, &err);
    FUZZ_ASSERT(st == OM_OK || st == OM_INVALID);
    if (st == OM_INVALID) FUZZ_ASSERT(!isfinite(x) || (p[0] && !o.bins));
  }
  if (st == OM_OK) {
    st = cf_accum_finish(&a, &c, &err);
    FUZZ_ASSERT(st == OM_OK || (st == OM_INVALID && a.rows == 0));
    if (st == OM_OK) {
      om_wbuf w, pw;
      mdl_view v;
      const mdl_kind_def *k;
      void *m;
      FUZZ_ASSERT(c.n_groups <= o.max_groups && c.bins == o.bins && c.shrink == o.shrink &&
                  c.format == (o.shrink > 0 ? 3 : o.bins ? 2 : 1));
      om_wbuf_init(&w);
      om_wbuf_init(&pw);
      FUZZ_ASSERT(cf_write(&c, a.rows, 0, &w, &err) == OM_OK);
      FUZZ_ASSERT(mdl_decode(w.data, w.len, &v, &k, &m, &err) == OM_OK);
      cf_encode_payload(&c, &pw);
      FUZZ_ASSERT(pw.len == v.payload_len && memcmp(pw.data, v.payload, pw.len) == 0);
      check_calib(m, v.payload, v.payload_len);
      k->close(m);
      mdl_view_free(&v);
      om_wbuf_free(&w);
      om_wbuf_free(&pw);
      cf_calib_free(&c);
    }
  }
  cf_accum_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  if (data[0] & 0x80) accumulate_case(data, size);
  else decode_case(data, size);
  return 0;
}
