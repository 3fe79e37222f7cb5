/*
** fuzz_forecast.c — libFuzzer target for the forecast kind (ext/core/ts): its
** payload decoder, the envelope through the kind table, and the training
** core (ts_series_build + ts_fc_fit).  How to build and run:
** tests/fuzz/README.md (or `make fuzz-quick`).
**
** Input layout: byte 0 chooses.
**   bit 7 clear — DECODE: bit 6 set: the rest is a whole envelope for
**     mdl_decode (the kind table picks the decoder); with bit 5 also set, its
**     total-length field and XXH3 footer are fixed up first, so mutations
**     reach the payload decoder.  Bit 6 clear: the rest is a forecast payload
**     for ts_fc_decode.
**   bit 7 set — TRAIN: a series of rows, then ts_series_build and ts_fc_fit.
**     byte 0: bits 0-3 the step (STEPS below: seconds, or calendar grids of
**       1, 3 and 12 months), bit 4 reverses the row order,
**       bits 5-6 the generator: 0 rows from records, else a synthetic series
**       edited by the records.
**     byte 1: method (bits 0-2, mod 5: auto ets mstl naive snaive), fill
**       (bits 3-4, mod 3), season lengths (bits 5-6: detect, none, one, two).
**     bytes 2-3, 4-5: the season lengths, 2 + (u16 mod 299).
**     byte 6: ETS error (bits 0-1: Z A M Z), trend (bits 2-3: Z N A A),
**       season (bits 4-5: Z N A M), damped (bits 6-7: null false true null).
**     byte 7: first time (bits 0-1: 0, 1.7e9, -1e6, 1e15; calendar grids: bit
**       0, 1970-01-01 or 2024-01-01), value scale
**       (bits 2-4, SCALES below), ts_text (bit 5).
**     bytes 8-9: synthetic length (u16 mod 2001); bytes 10-33: synthetic
**       level, slope and amplitude (f64 each; non-finite = 0), byte 34: its
**       cycle length (2 + byte), byte 35: its noise (byte / 16, x scale).
**     generator 0 — records from byte 8 on, at most 2,000: a tag byte, bits
**       0-2 the gap before the point (0-4: one step; 5: 2 + bits 3-5 steps;
**       6: a duplicate time (bit 3 clear) or 1.37 steps (irregular); 7: a
**       NULL value, the row dropped as the SQL layer does); bits 6-7 the
**       value: 0 next byte (i8) x scale; 1 next 8 bytes (f64; non-finite
**       become +-DBL_MAX); 2 the previous value again (constant runs); 3 next
**       two bytes (i16) x scale.
**     generator 1-3 — records of 4 bytes from byte 36 on: op (bits 0-1: set
**       the value to i8 x scale; drop the row; move its time by arg / 256
**       steps (0: onto the previous row's time); hold the value for arg
**       rows), u16 row index (mod the length), u8 arg.
** Properties:
**   1. A payload that decodes re-encodes to exactly its bytes (through the
**      kind table: the envelope's payload bytes); a decoder failure is
**      OM_CORRUPT (OM_UNSUPPORTED_VERSION through the envelope) with a
**      UTF-8 message and leaves the model empty.
**   2. Every decoded or trained model: ts_fc_info and ts_fc_metrics render
**      non-empty UTF-8 JSON (the metrics a flat object om_json reads back);
**      ts_fc_forecast at coverages 0.5, 0.9 and 0.999 (simulated intervals:
**      0.5 and 0.9) returns OM_OK, its rows do not depend on the horizon
**      (h = 1 is a prefix of h = H) nor yhat on the coverage, and for a tame
**      model (tame() below: magnitudes that cannot overflow in H steps; the
**      parameters anywhere the decoder accepts, since ts_fc_codec.c 1
**      promises NaN-free forecasts of what it decodes) yhat, lo and hi are
**      never NaN and lo <= hi; a wider coverage gives a wider interval.  yhat lies
**      in [lo, hi] only where that is exact arithmetic (additive-error
**      linear ETS, naive, snaive); simulated intervals of multiplicative
**      models are quantiles of paths and need not contain the point
**      forecast.  ts_fc_insample: NaN only at naive's first point and
**      snaive's first season; for a decoded ETS / mstl model also from the
**      first step where the replayed filter has no usable forecast on (a
**      suffix; never for a trained model).  ts_fc_crossing: OM_OK, a
**      probability in [0, 1], first steps within the horizon, the
**      direction from the last value.  The times forecast() would write as
**      text format without overflow.
**   3. Training returns OM_OK or OM_INVALID (the allocator never fails);
**      duplicate and irregular times are OM_INVALID (what builds is a grid:
**      whole steps, or the months of a calendar grid); a constant series is a
**      naive model with sigma2 0; an ETS fit lies in forecast::ets's
**      region; what trains writes an envelope (ts_fc_write) that mdl_decode
**      opens into the same payload bytes and that forecasts bit for bit as
**      the trained model.
** Work per input is bounded: a fit that may try seasonal ETS candidates
** takes at most 480 / candidates points (at least 60), other ETS and mstl
** fits 1,000, naive and snaive 2,000 (fit_cap); horizons of 13 steps (6 for
** simulated intervals, two seasons + 1 up to 64 for snaive), crossings of 4.
** Seeds: tests/fuzz/corpus_forecast/ (the committed fixtures
** fixtures/models/forecast_v1.hex, each as an envelope and as a payload, and
** training inputs; written by tests/fuzz/forecast_seeds.py).
*/
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "mdl_kind.h"
#include "om_json.h"
#include "om_text.h"
#include "ts_fc.h"
#include "ts_time.h"

#define FUZZ_ASSERT(c)                                                                                               \
  do {                                                                                                               \
    if (!(c)) {                                                                                                      \
      fprintf(stderr, "fuzz_forecast: property failed at line %d: %s\n", __LINE__, #c);                             \
      abort();                                                                                                       \
    }                                                                                                                \
  } while (0)

#define MAX_POINTS 2000
#define H 13     /* the horizon checked (simulated intervals: H_SIM; snaive: two seasons + 1, at most H_MAX) */
#define H_SIM 6
#define H_MAX 64

/* Steps in seconds; negative: a calendar grid of that many months (the
** first of the month at 00:00 UTC, ts_series.h 6). */
static const double STEPS[16] = {1, 60, 3600, 86400, 604800, 30 * 86400.0, 0.5, 1e-3,
                                 7, 900, 1e-300, 1e300, -1, -3, -12, 5e-324};
static const double SCALES[8] = {1, 1e-300, 5e-324, 1e300, 1e-8, 1e8, 0.01, 1e150};

static int is_simulated(const ts_fc *m) {
  return (m->method == TS_METHOD_ETS || m->method == TS_METHOD_MSTL) &&
         !(m->ets.spec.error == TS_ADD && m->ets.spec.season != TS_MUL);
}

static int moderate(double v, double lo, double hi) { return v == 0 || (fabs(v) >= lo && fabs(v) <= hi); }

/* A model whose forecasts cannot overflow within H_MAX steps: states,
** seasonal indices and values between 1e-20 and 1e20 in magnitude (or 0),
** multiplicative seasonal states in [1e-6, 1e6], sigma2 at most 1e30
** (additive errors) or 1 (multiplicative: a path grows at most ~10x a step).
** Only then is a NaN-free forecast a property (ts_fc_codec.c 1: the decoder
** checks the parameters' ranges so that a decoded model forecasts without
** NaN; what it lets through must not make one either). */
static int tame(const ts_fc *m) {
  for (size_t t = 0; t < m->n; t++)
    if (!moderate(m->y[t], 1e-20, 1e20)) return 0;
  if (m->method == TS_METHOD_ETS || m->method == TS_METHOD_MSTL) {
    const ts_ets_model *e = &m->ets;
    const ts_ets_spec *sp = &e->spec;
    int ns = ts_ets_nstate(sp), si = 1 + (sp->trend != TS_NONE);
    if (!(e->sigma2 <= (sp->error == TS_MUL ? 1 : 1e30))) return 0;
    for (int i = 0; i < ns; i++) {
      if (!moderate(e->x0[i], 1e-20, 1e20) || !moderate(e->xn[i], 1e-20, 1e20)) return 0;
      if (sp->season == TS_MUL && i >= si && !(e->xn[i] >= 1e-6 && e->xn[i] <= 1e6)) return 0;
    }
    if (m->method == TS_METHOD_MSTL)
      for (int k = 0; k < m->n_periods; k++)
        for (int j = 0; j < m->periods[k]; j++)
          if (!moderate(m->season[k][j], 1e-20, 1e20)) return 0;
  } else if (!(m->ets.sigma2 <= 1e30)) {
    return 0;
  }
  return 1;
}

static void check_json(const ts_fc *m) {
  om_wbuf w;
  om_jw j;
  om_json_obj obj;
  om_err err;
  om_wbuf_init(&w);
  om_jw_init(&j, &w);
  om_jw_begin_object(&j);
  ts_fc_info(m, &j);
  om_jw_end_object(&j);
  FUZZ_ASSERT(om_wbuf_status(&w) == OM_OK);
  FUZZ_ASSERT(w.len > 2 && w.data[0] == '{' && w.data[w.len - 1] == '}');
  FUZZ_ASSERT(om_utf8_check((const char *)w.data, w.len) == w.len);
  om_wbuf_reset(&w);
  om_jw_init(&j, &w);
  ts_fc_metrics(m, &j);
  FUZZ_ASSERT(om_wbuf_status(&w) == OM_OK);
  FUZZ_ASSERT(w.len > 2 && om_utf8_check((const char *)w.data, w.len) == w.len);
  FUZZ_ASSERT(om_json_parse_flat((const char *)w.data, w.len, &obj, &err) == OM_OK);
  FUZZ_ASSERT(om_json_obj_get(&obj, "points") && om_json_obj_get(&obj, "sigma"));
  om_json_obj_free(&obj);
  om_wbuf_free(&w);
}

static int same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

/* Property 2's forecasts; f/lo/hi of the 0.9 interval into out (3 x hmax). */
static void check_forecast(const ts_fc *m, int is_tame, size_t hmax, double *out) {
  static const double cov[3] = {0.5, 0.9, 0.999};
  double f[3][H_MAX], lo[3][H_MAX], hi[3][H_MAX], f1, lo1, hi1;
  om_err err;
  int exact = !is_simulated(m), nc = exact ? 3 : 2; /* 5,000 paths a coverage: two of them */
  for (int c = 0; c < nc; c++) {
    FUZZ_ASSERT(ts_fc_forecast(m, hmax, cov[c], f[c], lo[c], hi[c], &err) == OM_OK);
    FUZZ_ASSERT(ts_fc_forecast(m, 1, cov[c], &f1, &lo1, &hi1, &err) == OM_OK);
    FUZZ_ASSERT(same_bits(f1, f[c][0]) && same_bits(lo1, lo[c][0]) && same_bits(hi1, hi[c][0]));
    for (size_t i = 0; i < hmax; i++) {
      FUZZ_ASSERT(same_bits(f[c][i], f[0][i])); /* the point forecast does not depend on the coverage */
      if (is_tame) {
        FUZZ_ASSERT(!isnan(f[c][i]) && !isnan(lo[c][i]) && !isnan(hi[c][i]));
        FUZZ_ASSERT(lo[c][i] <= hi[c][i]);
      }
      if (exact && !isnan(lo[c][i]) && !isnan(hi[c][i]) && !isnan(f[c][i]))
        FUZZ_ASSERT(lo[c][i] <= f[c][i] && f[c][i] <= hi[c][i]);
      if (is_tame && c > 0) FUZZ_ASSERT(lo[c][i] <= lo[c - 1][i] && hi[c][i] >= hi[c - 1][i]);
    }
  }
  FUZZ_ASSERT(ts_fc_forecast(m, 1, 1.0, &f1, &lo1, &hi1, &err) == OM_INVALID);
  FUZZ_ASSERT(ts_fc_forecast(m, 1, NAN, &f1, &lo1, &hi1, &err) == OM_INVALID);
  if (out) {
    memcpy(out, f[1], hmax * sizeof *out);
    memcpy(out + hmax, lo[1], hmax * sizeof *out);
    memcpy(out + 2 * hmax, hi[1], hmax * sizeof *out);
  }
}

static void check_insample(const ts_fc *m, int trained) {
  size_t n = m->n, p = m->method == TS_METHOD_SNAIVE ? (size_t)m->periods[0] : 1;
  double *fit = malloc(3 * n * sizeof *fit), *lvl = fit + n, *sd = lvl + n;
  int broke = 0;
  om_err err;
  FUZZ_ASSERT(ts_fc_insample(m, fit, lvl, sd, &err) == OM_OK);
  for (size_t t = 0; t < n; t++) {
    if (m->method == TS_METHOD_NAIVE || m->method == TS_METHOD_SNAIVE) {
      FUZZ_ASSERT(isnan(fit[t]) == (t < p) && isnan(lvl[t]) == (t < p) && isnan(sd[t]) == (t < p));
      continue;
    }
    if (isnan(fit[t])) broke = 1;
    FUZZ_ASSERT(!trained || !broke);
    /* the undefined points are a suffix: the filter stops at its first
    ** unusable forecast */
    FUZZ_ASSERT(isnan(fit[t]) == broke && isnan(lvl[t]) == broke && isnan(sd[t]) == broke);
  }
  free(fit);
}

/* The decoded copy of a trained model replays its fit bit for bit. */
static void same_insample(const ts_fc *a, const ts_fc *b) {
  size_t n = a->n;
  double *x = malloc(6 * n * sizeof *x);
  om_err err;
  FUZZ_ASSERT(b->n == n);
  FUZZ_ASSERT(ts_fc_insample(a, x, x + n, x + 2 * n, &err) == OM_OK);
  FUZZ_ASSERT(ts_fc_insample(b, x + 3 * n, x + 4 * n, x + 5 * n, &err) == OM_OK);
  FUZZ_ASSERT(memcmp(x, x + 3 * n, 3 * n * sizeof *x) == 0);
  free(x);
}

static void check_crossing(const ts_fc *m, size_t h) {
  double last = m->y[m->n - 1], thr[4], prob;
  size_t first[3];
  int up, nt = is_simulated(m) ? 2 : 4; /* each simulates 5,000 paths twice */
  om_err err;
  thr[0] = last + fabs(last) * 0.01 + 1;
  thr[1] = last - fabs(last) * 0.01 - 1;
  thr[2] = last;
  thr[3] = -1e300;
  for (int k = 0; k < nt; k++) {
    FUZZ_ASSERT(ts_fc_crossing(m, h, thr[k], 0.9, &up, first, &prob, &err) == OM_OK);
    FUZZ_ASSERT(prob >= 0 && prob <= 1);
    FUZZ_ASSERT(up == (last < thr[k]));
    for (int b = 0; b < 3; b++) FUZZ_ASSERT(first[b] <= h);
  }
}

static void check_times(const ts_fc *m, size_t h) {
  for (size_t i = 0; i <= h; i++) {
    double t = ts_fc_time(m, (double)(m->n + i));
    int64_t us;
    ts_why why;
    char buf[TS_TEXT_MAX];
    if (ts_from_seconds(t, &us, &why, NULL) == OM_OK) FUZZ_ASSERT(ts_format(us, buf) < TS_TEXT_MAX);
  }
}

static size_t horizon(const ts_fc *m) {
  size_t h = is_simulated(m) ? H_SIM : H;
  if (m->method == TS_METHOD_SNAIVE) {
    size_t p2 = 2 * (size_t)m->periods[0] + 1;
    h = p2 < H_MAX ? p2 : H_MAX;
  }
  return h;
}

static void check_model(const ts_fc *m, const uint8_t *bytes, size_t n, int trained, double *out) {
  om_wbuf w;
  size_t h = horizon(m);
  om_wbuf_init(&w);
  ts_fc_encode(m, &w);
  FUZZ_ASSERT(om_wbuf_status(&w) == OM_OK);
  if (bytes) FUZZ_ASSERT(w.len == n && memcmp(w.data, bytes, n) == 0);
  om_wbuf_free(&w);
  FUZZ_ASSERT(m->n >= 3 && m->filled < m->n && m->y);
  check_json(m);
  check_forecast(m, tame(m), h, out);
  check_insample(m, trained);
  check_crossing(m, h < 4 ? h : 4);
  check_times(m, h);
}

static void decode_case(const uint8_t *data, size_t size) {
  om_err err;
  om_status st;
  if (data[0] & 0x40) {
    mdl_view v;
    const mdl_kind_def *k;
    void *m;
    uint8_t *copy = malloc(size);
    memcpy(copy, data + 1, size - 1);
    size--;
    if ((data[0] & 0x20) && size >= MDL_HEADER_SIZE + MDL_FOOTER_SIZE) {
      om_store_u64(copy + 16, (uint64_t)size);
      om_store_u64(copy + size - MDL_FOOTER_SIZE, XXH3_64bits(copy, size - MDL_FOOTER_SIZE));
    }
    st = mdl_decode(copy, size, &v, &k, &m, &err);
    if (st == OM_OK) {
      if (v.kind == MDL_KIND_FORECAST) check_model(m, v.payload, v.payload_len, 0, NULL);
      k->close(m);
      mdl_view_free(&v);
    } else {
      FUZZ_ASSERT(om_utf8_check(err.msg, strlen(err.msg)) == strlen(err.msg));
    }
    free(copy);
    return;
  }
  {
    ts_fc m;
    st = ts_fc_decode(data + 1, size - 1, &m, &err);
    if (st != OM_OK) {
      FUZZ_ASSERT(st == OM_CORRUPT);
      FUZZ_ASSERT(m.y == NULL && m.season[0] == NULL && m.season[1] == NULL);
      FUZZ_ASSERT(err.msg[0] && om_utf8_check(err.msg, strlen(err.msg)) == strlen(err.msg));
      return;
    }
    check_model(&m, data + 1, size - 1, 0, NULL);
    ts_fc_free(&m);
  }
}

/* ------------------------------------------------------------- training */

typedef struct rows {
  double *t, *v;
  size_t n, cap;
} rows;

static void push(rows *r, double t, double v) {
  if (r->n == r->cap) return;
  r->t[r->n] = t;
  r->v[r->n] = v;
  r->n++;
}

/* Values are finite (the SQL layer refuses others): NaN 0, +-Inf +-DBL_MAX. */
static double clamp_finite(double v) {
  if (isnan(v)) return 0;
  if (isinf(v)) return v > 0 ? DBL_MAX : -DBL_MAX;
  return v;
}

static double f64_at(const uint8_t *p) { return clamp_finite(om_f64_from_bits(om_load_u64(p))); }

/* Rows are made with a time index u (in steps) and mapped to times last. */
static void gen_records(const uint8_t *data, size_t size, double scale, rows *r) {
  size_t off = 8;
  double t = 0, prev = 0;
  int first = 1;
  while (off < size && r->n < MAX_POINTS) {
    uint8_t tag = data[off++];
    double v = prev;
    int drop = 0;
    switch (tag & 7) {
    case 5: t += (double)(2 + (tag >> 3 & 7)); break;
    case 6:
      if (first) break;
      if (tag & 8) t += 1.37; /* else a duplicate time */
      break;
    case 7: drop = 1; /* fall through: the gap is one step */
    default:
      if (!first) t += 1;
    }
    switch (tag >> 6) {
    case 0:
      if (off < size) v = (double)(int8_t)data[off++] * scale;
      break;
    case 1:
      if (off + 8 <= size) v = f64_at(data + off);
      off += 8;
      break;
    case 2: break;
    default:
      if (off + 2 <= size) v = (double)(int16_t)om_load_u16(data + off) * scale;
      off += 2;
    }
    prev = v;
    if (!drop) push(r, t, v);
    first = 0;
  }
}

static void gen_synthetic(const uint8_t *data, size_t size, double scale, rows *r) {
  size_t n = size >= 10 ? om_load_u16(data + 8) % (MAX_POINTS + 1) : 0;
  double level = size >= 18 ? f64_at(data + 10) : 0, slope = size >= 26 ? f64_at(data + 18) : 0;
  double amp = size >= 34 ? f64_at(data + 26) : 0, noise = size >= 36 ? data[35] / 16.0 * scale : 0;
  size_t cyc = size >= 35 ? 2 + (size_t)data[34] : 24;
  uint64_t h = 0x9E3779B97F4A7C15u;
  for (size_t i = 0; i < n; i++) {
    double ph = (double)(i % cyc) / (double)cyc, u;
    h ^= h >> 31;
    h *= 0xBF58476D1CE4E5B9u;
    h ^= i;
    u = (double)(h >> 11) * 0x1.0p-53 - 0.5;
    push(r, (double)i, clamp_finite(level + slope * (double)i + amp * (ph < 0.5 ? ph : 1 - ph) + noise * u));
  }
  for (size_t off = 36; off + 4 <= size && r->n > 0; off += 4) {
    uint8_t op = data[off] & 3, arg = data[off + 3];
    size_t i = om_load_u16(data + off + 1) % r->n;
    switch (op) {
    case 0: r->v[i] = (double)(int8_t)arg * scale; break;
    case 1:
      r->t[i] = r->t[r->n - 1];
      r->v[i] = r->v[r->n - 1];
      r->n--;
      break;
    case 2:
      if (i == 0) break;
      r->t[i] = arg == 0 ? r->t[i - 1] : r->t[i] + arg / 256.0;
      break;
    default:
      for (size_t j = i; j < r->n && j <= i + arg; j++) r->v[j] = r->v[i];
    }
  }
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* ts_series.h 1-3, 6 on a series that built: its rows' times are distinct
** and whole numbers of steps apart (1e-9 relative; a calendar grid: each
** row's time is a point of the grid), and the series spans them. */
static void check_grid(const rows *r, const ts_series *s) {
  double *t = malloc(r->n * sizeof *t);
  size_t k = 0;
  memcpy(t, r->t, r->n * sizeof *t);
  qsort(t, r->n, sizeof *t, cmp_double);
  FUZZ_ASSERT(s->t0 == t[0] && s->step > 0);
  for (size_t i = 1; i < r->n; i++) {
    double q = (t[i] - t[i - 1]) / s->step;
    FUZZ_ASSERT(t[i] > t[i - 1]);
    if (!s->months) FUZZ_ASSERT(q >= 1 - 1e-9 && fabs(q - nearbyint(q)) <= 1e-9 * q);
  }
  if (s->months) {
    FUZZ_ASSERT(s->step == floor(s->step) && s->step >= 1);
    for (size_t i = 0; i < r->n; i++) {
      while (k < s->n && ts_series_time(s->t0, s->step, 1, (double)k) < t[i]) k++;
      FUZZ_ASSERT(k < s->n && ts_series_time(s->t0, s->step, 1, (double)k) == t[i]);
    }
    FUZZ_ASSERT(k == s->n - 1);
  }
  free(t);
}

/* The most points a fit with these options may take, to keep each input's
** work bounded: a seasonal ETS candidate costs thousands of likelihood
** evaluations of up to 28 parameters, so fits that may try them get 480
** points over the candidates (at least 60), other ETS fits (non-seasonal,
** mstl) 1,000, naive and snaive 2,000. */
static size_t fit_cap(const ts_fc_options *o) {
  int errs = o->error < 0 ? 2 : 1, trends = o->trend < 0 ? 3 : (o->trend == TS_ADD && o->damped < 0 ? 2 : 1);
  int seas = o->season < 0 ? 2 : o->season == TS_NONE ? 0 : 1;
  size_t cap;
  if (o->method == TS_METHOD_NAIVE || o->method == TS_METHOD_SNAIVE) return MAX_POINTS;
  if (o->method == TS_METHOD_MSTL || o->n_periods == 0 || seas == 0) return 1000;
  cap = (size_t)(480 / (errs * trends * seas));
  return cap < 60 ? 60 : cap;
}

static void train_case(const uint8_t *data, size_t size) {
  ts_fc_options o;
  ts_series s;
  ts_fc m;
  rows r;
  om_err err;
  om_status st;
  double step, t0, scale;
  int gen = data[0] >> 5 & 3, constant = 1, ts_text, months;
  uint8_t b1, b6, b7;
  if (size < 8) return;
  b1 = data[1];
  b6 = data[6];
  b7 = data[7];
  step = STEPS[data[0] & 15];
  t0 = step < 0 ? (b7 & 1 ? 1704067200 : 0) /* 2024-01-01, 1970-01-01 */
                : (const double[4]){0, 1.7e9, -1e6, 1e15}[b7 & 3];
  scale = SCALES[b7 >> 2 & 7];
  ts_text = b7 >> 5 & 1;
  ts_fc_options_default(&o);
  o.method = (b1 & 7) % 5;
  o.fill = (b1 >> 3 & 3) % 3;
  switch (b1 >> 5 & 3) {
  case 0: o.n_periods = -1; break;
  case 1: o.n_periods = 0; break;
  case 2: o.n_periods = 1; break;
  default: o.n_periods = 2;
  }
  o.periods[0] = 2 + om_load_u16(data + 2) % 299;
  o.periods[1] = 2 + om_load_u16(data + 4) % 299;
  o.error = (const int[4]){-1, TS_ADD, TS_MUL, -1}[b6 & 3];
  o.trend = (const int[4]){-1, TS_NONE, TS_ADD, TS_ADD}[b6 >> 2 & 3];
  o.season = (const int[4]){-1, TS_NONE, TS_ADD, TS_MUL}[b6 >> 4 & 3];
  o.damped = (const int[4]){-1, 0, 1, -1}[b6 >> 6 & 3];
  memset(&r, 0, sizeof r);
  r.cap = MAX_POINTS;
  r.t = malloc(r.cap * sizeof *r.t);
  r.v = malloc(r.cap * sizeof *r.v);
  if (gen == 0) gen_records(data, size, scale, &r);
  else gen_synthetic(data, size, scale, &r);
  for (size_t i = 0; i < r.n; i++) /* a fraction of a month is truncated: the first of a month still */
    r.t[i] = step < 0 ? ts_series_time(t0, -step, 1, floor(r.t[i])) : t0 + step * r.t[i];
  if (data[0] & 0x10)
    for (size_t i = 0; i < r.n / 2; i++) {
      double a = r.t[i], b = r.v[i];
      r.t[i] = r.t[r.n - 1 - i];
      r.v[i] = r.v[r.n - 1 - i];
      r.t[r.n - 1 - i] = a;
      r.v[r.n - 1 - i] = b;
    }
  if (r.n == 0) goto done;
  st = ts_series_build(r.t, r.v, r.n, o.fill, &s, &err);
  FUZZ_ASSERT(st == OM_OK || st == OM_INVALID);
  if (st != OM_OK) {
    FUZZ_ASSERT(s.y == NULL);
    goto done;
  }
  check_grid(&r, &s); /* duplicate and irregular times were refused */
  FUZZ_ASSERT(s.n >= r.n && s.filled == s.n - r.n && s.step > 0);
  if (s.n > fit_cap(&o)) { /* bounded work (a sparse series has up to 100 steps a row) */
    ts_series_free(&s);
    goto done;
  }
  for (size_t t = 1; t < s.n; t++)
    if (s.y[t] != s.y[0]) constant = 0;
  months = s.months;
  st = ts_fc_fit(&s, ts_text, &o, NULL, &m, &err);
  FUZZ_ASSERT(s.y == NULL);
  FUZZ_ASSERT(st == OM_OK || st == OM_INVALID);
  if (st == OM_OK) {
    om_wbuf w, pw;
    mdl_view v;
    const mdl_kind_def *k;
    void *dm;
    static double fa[3 * H_MAX], fb[3 * H_MAX];
    size_t h = horizon(&m);
    FUZZ_ASSERT(m.method >= TS_METHOD_ETS && m.method <= TS_METHOD_SNAIVE);
    FUZZ_ASSERT(m.ts_text == ts_text && m.fill == o.fill && m.months == months);
    if (constant) FUZZ_ASSERT(m.method == TS_METHOD_NAIVE && m.ets.sigma2 == 0);
    if (m.method == TS_METHOD_ETS || m.method == TS_METHOD_MSTL) {
      const ts_ets_model *e = &m.ets;
      FUZZ_ASSERT(e->alpha >= 1e-4 && e->alpha <= 0.9999);
      FUZZ_ASSERT(!e->spec.trend || (e->beta >= 1e-4 && e->beta <= e->alpha));
      FUZZ_ASSERT(!e->spec.season || (e->gamma >= 1e-4 && e->gamma <= 1 - e->alpha));
      FUZZ_ASSERT(!e->spec.damped || (e->phi >= 0.8 && e->phi <= 0.98));
      FUZZ_ASSERT(!(e->spec.error == TS_ADD && e->spec.season == TS_MUL));
      FUZZ_ASSERT(m.tried >= 1);
    }
    /* the envelope it writes opens through the kind table, same bytes, same
    ** forecasts; a fit the decoder would refuse (values whose differences
    ** overflow) is refused by ts_fc_write itself (ts_kind.c 5) */
    om_wbuf_init(&w);
    om_wbuf_init(&pw);
    st = ts_fc_write(&m, "{}", 2, r.n, 0, &w, &err);
    FUZZ_ASSERT(st == OM_OK || st == OM_INVALID);
    if (st == OM_INVALID) {
      FUZZ_ASSERT(strstr(err.msg, "not usable") != NULL);
      om_wbuf_free(&w);
      om_wbuf_free(&pw);
      ts_fc_free(&m);
      goto done;
    }
    check_model(&m, NULL, 0, 1, fa);
    st = mdl_decode(w.data, w.len, &v, &k, &dm, &err);
    if (st != OM_OK) fprintf(stderr, "fuzz_forecast: the trained model does not decode: %s\n", err.msg);
    FUZZ_ASSERT(st == OM_OK);
    FUZZ_ASSERT(v.kind == MDL_KIND_FORECAST);
    ts_fc_encode(&m, &pw);
    FUZZ_ASSERT(pw.len == v.payload_len && memcmp(pw.data, v.payload, pw.len) == 0);
    FUZZ_ASSERT(ts_fc_forecast(dm, h, 0.9, fb, fb + h, fb + 2 * h, &err) == OM_OK);
    FUZZ_ASSERT(memcmp(fa, fb, 3 * h * sizeof *fa) == 0);
    same_insample(&m, dm);
    k->close(dm);
    mdl_view_free(&v);
    om_wbuf_free(&w);
    om_wbuf_free(&pw);
  } else {
    FUZZ_ASSERT(err.msg[0] && om_utf8_check(err.msg, strlen(err.msg)) == strlen(err.msg));
  }
  ts_fc_free(&m);
done:
  free(r.t);
  free(r.v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  if (data[0] & 0x80) train_case(data, size);
  else decode_case(data, size);
  return 0;
}
