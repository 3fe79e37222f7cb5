/*
** fuzz_forecast.c — libFuzzer target for the forecast kind (ext/core/ts): its
** payload decoder (payload versions 1 and 2), the envelope through the kind
** table, and the training core (ts_series_build + ts_fc_fit).  How to build
** and run: tests/fuzz/README.md (or `make fuzz-quick`).
**
** Input layout: byte 0 chooses.
**   bit 7 clear — DECODE: bit 6 set: the rest is a whole envelope for
**     mdl_decode (the kind table picks the decoder and the payload version
**     from the envelope); with bit 5 also set, its total-length field and
**     XXH3 footer are fixed up first, so mutations reach the payload decoder.
**     Bit 6 clear: the rest is a forecast payload for ts_fc_decode_version,
**     the version from bits 0-1: 0 version 2 (TS_FC_FORMAT), 1 version 1,
**     2 version 0 and 3 version 3 (both refused).
**   bit 7 set — TRAIN: a series of rows, then ts_series_build and ts_fc_fit.
**     byte 0: bits 0-3 the step (STEPS below: seconds, or calendar grids of
**       1, 3 and 12 months), bit 4 reverses the row order,
**       bits 5-6 the generator: 0 rows from records, else a synthetic series
**       edited by the records.
**     byte 1: method (bits 0-2: auto ets mstl naive snaive arima theta, 7 =
**       arima), fill (bits 3-4, mod 3), season lengths (bits 5-6: detect,
**       none, one, two).
**     bytes 2-3, 4-5: the season lengths, 2 + (u16 mod 299).
**     byte 6: ETS error (bits 0-1: Z A M Z), trend (bits 2-3: Z N A A),
**       season (bits 4-5: Z N A M), damped (bits 6-7: null false true null).
**     byte 7: first time (bits 0-1: 0, 1.7e9, -1e6, 1e15; calendar grids: bit
**       0, 1970-01-01 or 2024-01-01), value scale
**       (bits 2-4, SCALES below), ts_text (bit 5).
**     byte 8: transform (bits 0-1: 0 the default 'auto' (bit 2 clear) or
**       'none' (bit 2 set), log, boxcox with Guerrero's lambda, boxcox with
**       lambda min((bits 2-7 - 20) / 20, 2): -1 .. 2 by 0.05).
**     byte 9: ARIMA order p (bits 0-2, mod 6), q (bits 3-5, mod 6), d (bits
**       6-7: 0, 1, 2; 3 = no order: searched).
**     byte 10: seasonal order P (bits 0-1, mod 3), Q (bits 2-3, mod 3), D
**       (bit 4), given (bit 5); constant (bits 6-7: null false true null).
**       A fixed seasonal P or Q is kept only with one given season length s
**       and s (P + Q) <= 48 (else P = Q = 0: the exact likelihood costs
**       (p + s P)^3 an evaluation).
**     byte 11: max_models 1 + (bits 0-3 mod 10).
**     bytes 12-13: synthetic length (u16 mod 2001); bytes 14-37: synthetic
**       level, slope and amplitude (f64 each; non-finite = 0), byte 38: its
**       cycle length (2 + byte), byte 39: its noise (byte / 16, x scale).
**     generator 0 — records from byte 12 on, at most 2,000: a tag byte, bits
**       0-2 the gap before the point (0-4: one step; 5: 2 + bits 3-5 steps;
**       6: a duplicate time (bit 3 clear) or 1.37 steps (irregular); 7: a
**       NULL value, the row dropped as the SQL layer does); bits 6-7 the
**       value: 0 next byte (i8) x scale; 1 next 8 bytes (f64; non-finite
**       become +-DBL_MAX); 2 the previous value again (constant runs); 3 next
**       two bytes (i16) x scale.
**     generator 1-3 — records of 4 bytes from byte 40 on: op (bits 0-1: set
**       the value to i8 x scale; drop the row; move its time by arg / 256
**       steps (0: onto the previous row's time); hold the value for arg
**       rows), u16 row index (mod the length), u8 arg.
** Properties:
**   1. A version-2 payload that decodes re-encodes to exactly its bytes
**      (through the kind table: the envelope's payload bytes); a version-1
**      payload that decodes re-encodes (ts_fc_encode writes version 2 only)
**      to its 52 header bytes, the version-2 fields (core, no transform,
**      adjusted, no candidates, lambda 0), then the rest of its bytes, and
**      that version-2 payload decodes to a model that forecasts and replays
**      its fit bit for bit as the version-1 one.  A decoder failure is
**      OM_CORRUPT (OM_UNSUPPORTED_VERSION through the envelope) with a
**      UTF-8 message and leaves the model empty.  Versions 0 and 3 are
**      refused.
**   2. Every decoded or trained model: the core agrees with the method
**      (naive, snaive, ets, arima, theta: that core; auto and mstl: ets,
**      arima or theta, seasonal indices exactly for mstl), ts_fc_sigma2 is
**      finite and >= 0; ts_fc_info and ts_fc_metrics render
**      non-empty UTF-8 JSON (the metrics a flat object om_json reads back);
**      ts_fc_forecast at coverages 0.5, 0.9 and 0.999 (simulated intervals:
**      0.5 and 0.9) returns OM_OK, its rows do not depend on the horizon
**      (h = 1 is a prefix of h = H) nor yhat on the coverage, and for a tame
**      model (tame() below: magnitudes that cannot overflow in H steps; the
**      parameters anywhere the decoder accepts, since ts_fc_codec.c 1
**      promises NaN-free forecasts of what it decodes) yhat, lo and hi are
**      never NaN and lo <= hi; a wider coverage gives a wider interval.
**      yhat lies in [lo, hi] wherever that is exact arithmetic (additive-
**      error linear ETS, ARIMA, theta, naive, snaive; the indices and the
**      Box-Cox inverse are monotone); simulated intervals of multiplicative
**      ETS models are quantiles of paths and need not contain the point
**      forecast.  ts_fc_insample: NaN only at naive's first point, snaive's
**      first season and ARIMA's first d + s D points; for a decoded ETS
**      core also from the first step where the replayed filter has no
**      usable forecast on (a suffix; never for a trained model), for a
**      decoded ARIMA or theta core that is not tame anywhere.
**      ts_fc_crossing: OM_OK, a probability in [0, 1], first steps within
**      the horizon, the direction from the last value.  The times forecast()
**      would write as text format without overflow.
**   3. Training returns OM_OK or OM_INVALID (the allocator never fails);
**      duplicate and irregular times are OM_INVALID (what builds is a grid:
**      whole steps, or the months of a calendar grid); a constant series is a
**      naive model with sigma2 0 and no transform; the method is the one
**      asked (auto: auto or mstl); an ETS fit lies in forecast::ets's
**      region; an ARIMA fit has the orders asked (fixed orders; constant
**      false: none; searched: p + q + P + Q <= 5, at most max_models + 20
**      fits), theta's alpha lies in [1e-4, 0.9999]; the transform is the one
**      asked (Guerrero's lambda in [-1, 2]); the candidates name the chosen
**      core once, have the lowest AICc among them, and count at most the
**      models fitted; what trains writes an envelope (ts_fc_write) that
**      mdl_decode opens into the same payload bytes and that forecasts bit
**      for bit as the trained model.
** Findings fixed in the core (the seeds train_known_*.bin keep them
** covered): ts_boxcox_inv(NaN) was 0 / +inf; a Box-Cox transform that
** collapses a series into a constant one trained (now refused); fixed
** ARIMA orders whose likelihood overflows returned OM_SINGULAR;
** ts_fc_crossing refused an ARIMA whose memory exceeded its points.
** Work per input is bounded: a fit that may try seasonal ETS candidates
** takes at most 480 / candidates points (at least 60), fits with the ARIMA
** family (auto, arima) 240, mstl 600, other ETS and theta fits 1,000, naive
** and snaive 2,000 (fit_cap); max_models is 1..10; horizons of 13 steps (6
** for simulated intervals, two seasons + 1 up to 64 for snaive), crossings
** of 4.
** Seeds: tests/fuzz/corpus_forecast/ (the committed fixtures
** fixtures/models/forecast_v1.hex and forecast_v2.hex, each as an envelope
** and as a payload, and training inputs; written by
** tests/fuzz/forecast_seeds.py).
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
#define V1_HEADER 52 /* bytes of the payload header before version 2's fields */
#define TRAIN_HEADER 12

/* Steps in seconds; negative: a calendar grid of that many months (the
** first of the month at 00:00 UTC, ts_series.h 6). */
static const double STEPS[16] = {1, 60, 3600, 86400, 604800, 30 * 86400.0, 0.5, 1e-3,
                                 7, 900, 1e-300, 1e300, -1, -3, -12, 5e-324};
static const double SCALES[8] = {1, 1e-300, 5e-324, 1e300, 1e-8, 1e8, 0.01, 1e150};

/* Intervals by simulation: an ETS core other than additive error with no
** or an additive season. */
static int is_simulated(const ts_fc *m) {
  return m->core == TS_METHOD_ETS && !(m->ets.spec.error == TS_ADD && m->ets.spec.season != TS_MUL);
}

static const double *core_x(const ts_fc *m) { return m->x ? m->x : m->y; }

static int moderate(double v, double lo, double hi) { return v == 0 || (fabs(v) >= lo && fabs(v) <= hi); }

/* A model whose forecasts cannot overflow within H_MAX steps: values (and
** the transformed values the core models), states, seasonal indices and
** levels between 1e-20 and 1e20 in magnitude (or 0), multiplicative
** seasonal states and indices in [1e-6, 1e6], sigma2 at most 1e30
** (additive errors) or 1 (multiplicative: a path grows at most ~10x a
** step), an ARIMA mean of at most 1e20.  Only then is a NaN-free forecast
** a property (ts_fc_codec.c 1: the decoder checks the parameters' ranges so
** that a decoded model forecasts without NaN; what it lets through must
** not make one either). */
static int tame(const ts_fc *m) {
  const double *x = core_x(m);
  for (size_t t = 0; t < m->n; t++)
    if (!moderate(m->y[t], 1e-20, 1e20) || !moderate(x[t], 1e-20, 1e20)) return 0;
  if (m->adjusted)
    for (int k = 0; k < m->n_periods; k++)
      for (int j = 0; j < m->periods[k]; j++)
        if (!moderate(m->season[k][j], 1e-20, 1e20)) return 0;
  switch (m->core) {
  case TS_METHOD_ETS: {
    const ts_ets_model *e = &m->ets;
    const ts_ets_spec *sp = &e->spec;
    int ns = ts_ets_nstate(sp), si = 1 + (sp->trend != TS_NONE);
    if (!(e->sigma2 <= (sp->error == TS_MUL ? 1 : 1e30))) return 0;
    for (int i = 0; i < ns; i++) {
      if (!moderate(e->x0[i], 1e-20, 1e20) || !moderate(e->xn[i], 1e-20, 1e20)) return 0;
      if (sp->season == TS_MUL && i >= si && !(e->xn[i] >= 1e-6 && e->xn[i] <= 1e6)) return 0;
    }
    return 1;
  }
  case TS_METHOD_ARIMA: return m->arima.sigma2 <= 1e30 && moderate(m->arima.mu, 1e-20, 1e20);
  case TS_METHOD_THETA: {
    const ts_theta_model *t = &m->theta;
    if (!(t->sigma2 <= 1e30) || !moderate(t->level, 1e-20, 1e20) || !moderate(t->b0, 1e-20, 1e20)) return 0;
    if (t->season != TS_NONE)
      for (int j = 0; j < t->m; j++)
        if (t->season == TS_MUL ? !(t->idx[j] >= 1e-6 && t->idx[j] <= 1e6) : !moderate(t->idx[j], 1e-20, 1e20))
          return 0;
    return 1;
  }
  default: return m->ets.sigma2 <= 1e30;
  }
}

/* The method names its core (ts_fc.h; the decoder's check, and the fit's). */
static void check_core(const ts_fc *m) {
  switch (m->method) {
  case TS_METHOD_AUTO:
  case TS_METHOD_MSTL:
    FUZZ_ASSERT(m->core == TS_METHOD_ETS || m->core == TS_METHOD_ARIMA || m->core == TS_METHOD_THETA);
    FUZZ_ASSERT(m->adjusted == (m->method == TS_METHOD_MSTL));
    break;
  default:
    FUZZ_ASSERT(m->method >= TS_METHOD_ETS && m->method <= TS_METHOD_LAST);
    FUZZ_ASSERT(m->core == m->method && !m->adjusted);
  }
  if (m->adjusted) {
    FUZZ_ASSERT(m->n_periods >= 1);
    for (int k = 0; k < m->n_periods; k++) FUZZ_ASSERT(m->season[k] != NULL);
  } else {
    FUZZ_ASSERT(m->season[0] == NULL && m->season[1] == NULL);
  }
  FUZZ_ASSERT((m->x != NULL) == (m->transform || m->adjusted));
  FUZZ_ASSERT(m->transform ? m->lambda >= -1 && m->lambda <= 2 : m->lambda == 0);
  FUZZ_ASSERT(m->n_cand >= 0 && m->n_cand <= TS_FC_MAX_CAND);
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

/* The points with no one-step forecast: naive's first, snaive's first
** season, ARIMA's first d + s D. */
static size_t burn_in(const ts_fc *m) {
  switch (m->core) {
  case TS_METHOD_NAIVE: return 1;
  case TS_METHOD_SNAIVE: return (size_t)m->periods[0];
  case TS_METHOD_ARIMA: return (size_t)(m->arima.spec.d + m->arima.spec.s * m->arima.spec.D);
  default: return 0;
  }
}

static void check_insample(const ts_fc *m, int trained, int is_tame) {
  size_t n = m->n, p = burn_in(m);
  double *fit = malloc(3 * n * sizeof *fit), *lvl = fit + n, *sd = lvl + n;
  int broke = 0;
  om_err err;
  FUZZ_ASSERT(ts_fc_insample(m, fit, lvl, sd, &err) == OM_OK);
  for (size_t t = 0; t < n; t++) {
    if (t < p) {
      FUZZ_ASSERT(isnan(fit[t]));
      FUZZ_ASSERT(isnan(lvl[t]));
      FUZZ_ASSERT(isnan(sd[t]));
      continue;
    }
    if (m->core != TS_METHOD_ETS) { /* closed forms and the Kalman filter: defined from the burn-in on */
      if (trained || is_tame) FUZZ_ASSERT(!isnan(fit[t]) && !isnan(lvl[t]) && !isnan(sd[t]));
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

/* Two models replay their fits bit for bit. */
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
  /* each simulates 5,000 paths (an ARIMA path runs the whole recursion in
  ** levels, up to p + s P + d + s D terms a step) */
  int up, nt = is_simulated(m) || m->core == TS_METHOD_ARIMA ? 2 : 4;
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
  if (m->core == TS_METHOD_SNAIVE) {
    size_t p2 = 2 * (size_t)m->periods[0] + 1;
    h = p2 < H_MAX ? p2 : H_MAX;
  }
  return h;
}

/* Property 1 for a decoded version-1 payload (bytes, n): ts_fc_encode
** writes version 2, the same fields with version 2's inserted after the
** header, and that decodes to a model that forecasts the same. */
static void check_v1_reencode(const ts_fc *m, const uint8_t *bytes, size_t n, const uint8_t *w, size_t wlen) {
  static const uint8_t zero8[8];
  ts_fc m2;
  om_err err;
  om_status st;
  size_t h = horizon(m);
  double a[3 * H_MAX], b[3 * H_MAX];
  FUZZ_ASSERT(n >= V1_HEADER && wlen == n + 12);
  FUZZ_ASSERT(memcmp(w, bytes, V1_HEADER) == 0);
  FUZZ_ASSERT(w[V1_HEADER] == m->core && w[V1_HEADER + 1] == 0 && w[V1_HEADER + 2] == m->adjusted &&
              w[V1_HEADER + 3] == 0 && memcmp(w + V1_HEADER + 4, zero8, 8) == 0);
  FUZZ_ASSERT(memcmp(w + V1_HEADER + 12, bytes + V1_HEADER, n - V1_HEADER) == 0);
  st = ts_fc_decode(w, wlen, &m2, &err);
  if (st != OM_OK) fprintf(stderr, "fuzz_forecast: a version-1 model re-encoded does not decode: %s\n", err.msg);
  FUZZ_ASSERT(st == OM_OK);
  FUZZ_ASSERT(m2.method == m->method && m2.core == m->core && m2.adjusted == m->adjusted && m2.n == m->n);
  FUZZ_ASSERT(ts_fc_forecast(m, h, 0.9, a, a + h, a + 2 * h, &err) == OM_OK);
  FUZZ_ASSERT(ts_fc_forecast(&m2, h, 0.9, b, b + h, b + 2 * h, &err) == OM_OK);
  FUZZ_ASSERT(memcmp(a, b, 3 * h * sizeof *a) == 0);
  same_insample(m, &m2);
  ts_fc_free(&m2);
}

/* bytes: the payload m was decoded from (version 1 or 2), NULL for a
** trained model. */
static void check_model(const ts_fc *m, const uint8_t *bytes, size_t n, unsigned version, int trained, double *out) {
  om_wbuf w;
  size_t h = horizon(m);
  int is_tame = tame(m);
  check_core(m);
  FUZZ_ASSERT(isfinite(ts_fc_sigma2(m)) && ts_fc_sigma2(m) >= 0); /* the decoder's check (a trained model: written) */
  om_wbuf_init(&w);
  ts_fc_encode(m, &w);
  FUZZ_ASSERT(om_wbuf_status(&w) == OM_OK);
  if (bytes && version == TS_FC_FORMAT) FUZZ_ASSERT(w.len == n && memcmp(w.data, bytes, n) == 0);
  if (bytes && version == 1) check_v1_reencode(m, bytes, n, w.data, w.len);
  om_wbuf_free(&w);
  FUZZ_ASSERT(m->n >= 3 && m->filled < m->n && m->y);
  check_json(m);
  check_forecast(m, is_tame, h, out);
  check_insample(m, trained, is_tame);
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
      if (v.kind == MDL_KIND_FORECAST) {
        FUZZ_ASSERT(v.payload_version >= 1 && v.payload_version <= TS_FC_FORMAT);
        check_model(m, v.payload, v.payload_len, v.payload_version, 0, NULL);
      }
      k->close(m);
      mdl_view_free(&v);
    } else {
      FUZZ_ASSERT(om_utf8_check(err.msg, strlen(err.msg)) == strlen(err.msg));
    }
    free(copy);
    return;
  }
  {
    static const unsigned VERSIONS[4] = {TS_FC_FORMAT, 1, 0, TS_FC_FORMAT + 1};
    unsigned version = VERSIONS[data[0] & 3];
    ts_fc m;
    st = ts_fc_decode_version(data + 1, size - 1, version, &m, &err);
    if (st != OM_OK) {
      FUZZ_ASSERT(st == OM_CORRUPT);
      FUZZ_ASSERT(m.y == NULL && m.x == NULL && m.season[0] == NULL && m.season[1] == NULL && m.theta.idx == NULL);
      FUZZ_ASSERT(err.msg[0] && om_utf8_check(err.msg, strlen(err.msg)) == strlen(err.msg));
      return;
    }
    FUZZ_ASSERT(version == 1 || version == TS_FC_FORMAT);
    if (version == 1)
      FUZZ_ASSERT(m.method >= TS_METHOD_ETS && m.method <= TS_METHOD_SNAIVE && m.n_cand == 0 && !m.transform);
    check_model(&m, data + 1, size - 1, version, 0, NULL);
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
  size_t off = TRAIN_HEADER;
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
  const uint8_t *d = data + TRAIN_HEADER; /* the synthetic fields */
  size_t sz = size - TRAIN_HEADER;
  size_t n = sz >= 2 ? om_load_u16(d) % (MAX_POINTS + 1) : 0;
  double level = sz >= 10 ? f64_at(d + 2) : 0, slope = sz >= 18 ? f64_at(d + 10) : 0;
  double amp = sz >= 26 ? f64_at(d + 18) : 0, noise = sz >= 28 ? d[27] / 16.0 * scale : 0;
  size_t cyc = sz >= 27 ? 2 + (size_t)d[26] : 24;
  uint64_t h = 0x9E3779B97F4A7C15u;
  for (size_t i = 0; i < n; i++) {
    double ph = (double)(i % cyc) / (double)cyc, u;
    h ^= h >> 31;
    h *= 0xBF58476D1CE4E5B9u;
    h ^= i;
    u = (double)(h >> 11) * 0x1.0p-53 - 0.5;
    push(r, (double)i, clamp_finite(level + slope * (double)i + amp * (ph < 0.5 ? ph : 1 - ph) + noise * u));
  }
  for (size_t off = TRAIN_HEADER + 28; off + 4 <= size && r->n > 0; off += 4) {
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
** points over the candidates (at least 60); fits with the ARIMA family
** (auto, arima: a search of up to max_models CSS or exact fits, then up to
** 20 exact refits) 240, which also keeps a detected season at most 80
** (ts_season_detect needs 3 seasons); mstl (ETS, ARIMA and theta without a
** season) 600; other ETS fits and theta 1,000; naive and snaive 2,000. */
static size_t fit_cap(const ts_fc_options *o) {
  int errs = o->error < 0 ? 2 : 1, trends = o->trend < 0 ? 3 : (o->trend == TS_ADD && o->damped < 0 ? 2 : 1);
  int seas = o->season < 0 ? 2 : o->season == TS_NONE ? 0 : 1;
  size_t cap = 1000;
  switch (o->method) {
  case TS_METHOD_NAIVE:
  case TS_METHOD_SNAIVE: return MAX_POINTS;
  case TS_METHOD_MSTL: return 600;
  case TS_METHOD_THETA: return 1000;
  case TS_METHOD_ARIMA: return 240;
  case TS_METHOD_AUTO: cap = 240; /* fall through: and its ETS candidates */
  default:
    if (o->n_periods != 0 && seas != 0) {
      size_t c = (size_t)(480 / (errs * trends * seas));
      if (c < 60) c = 60;
      if (c < cap) cap = c;
    }
  }
  return cap;
}

static void train_case(const uint8_t *data, size_t size) {
  ts_fc_options o;
  ts_series s;
  ts_fc m;
  rows r;
  om_err err;
  om_status st;
  double step, t0, scale;
  int gen = data[0] >> 5 & 3, constant = 1, nonneg = 1, ts_text, months, fixed_order, fixed_sorder;
  uint8_t b1, b6, b7, b8, b9, b10, b11;
  if (size < TRAIN_HEADER) return;
  b1 = data[1];
  b6 = data[6];
  b7 = data[7];
  b8 = data[8];
  b9 = data[9];
  b10 = data[10];
  b11 = data[11];
  step = STEPS[data[0] & 15];
  t0 = step < 0 ? (b7 & 1 ? 1704067200 : 0) /* 2024-01-01, 1970-01-01 */
                : (const double[4]){0, 1.7e9, -1e6, 1e15}[b7 & 3];
  scale = SCALES[b7 >> 2 & 7];
  ts_text = b7 >> 5 & 1;
  ts_fc_options_default(&o);
  o.method = (const int[8]){TS_METHOD_AUTO, TS_METHOD_ETS,   TS_METHOD_MSTL,  TS_METHOD_NAIVE,
                            TS_METHOD_SNAIVE, TS_METHOD_ARIMA, TS_METHOD_THETA, TS_METHOD_ARIMA}[b1 & 7];
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
  /* the options of forecast.c 2 that the SQL layer accepts */
  switch (b8 & 3) {
  case 0: o.transform = b8 & 4 ? TS_TRANSFORM_NONE : TS_TRANSFORM_AUTO; break;
  case 1: o.transform = TS_TRANSFORM_BOXCOX, o.lambda = 0; break;   /* 'log' */
  case 2: o.transform = TS_TRANSFORM_BOXCOX, o.lambda = NAN; break; /* 'boxcox' */
  default: o.transform = TS_TRANSFORM_BOXCOX, o.lambda = fmin(((double)(b8 >> 2) - 20) / 20, 2); /* a number */
  }
  fixed_order = (b9 >> 6) != 3;
  if (fixed_order) {
    o.order[0] = (b9 & 7) % 6;
    o.order[1] = b9 >> 6;
    o.order[2] = (b9 >> 3 & 7) % 6;
  }
  fixed_sorder = (b10 >> 5) & 1;
  if (fixed_sorder) {
    int P = (b10 & 3) % 3, Q = (b10 >> 2 & 3) % 3;
    /* the exact likelihood solves a (p + s P + 1)-equation system an
    ** evaluation: long seasons only without seasonal ARMA terms */
    if (!(o.n_periods == 1 && o.periods[0] * (P + Q) <= 48)) P = Q = 0;
    o.sorder[0] = P;
    o.sorder[1] = b10 >> 4 & 1;
    o.sorder[2] = Q;
  }
  o.constant = (const int[4]){-1, 0, 1, -1}[b10 >> 6];
  o.max_models = 1 + (b11 & 15) % 10;
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
  for (size_t t = 0; t < s.n; t++)
    if (!(s.y[t] >= 0)) nonneg = 0;
  months = s.months;
  st = ts_fc_fit(&s, ts_text, &o, NULL, &m, &err);
  FUZZ_ASSERT(s.y == NULL);
  FUZZ_ASSERT(st == OM_OK || st == OM_INVALID);
#ifdef FUZZ_FORECAST_TRACE /* what a seed trains: -DFUZZ_FORECAST_TRACE */
  if (st == OM_OK) {
    om_wbuf tw;
    om_jw tj;
    om_wbuf_init(&tw);
    om_jw_init(&tj, &tw);
    om_jw_begin_object(&tj);
    ts_fc_info(&m, &tj);
    om_jw_end_object(&tj);
    fprintf(stderr, "fuzz_forecast: %zu points: %.*s\n", m.n, (int)tw.len, (const char *)tw.data);
    om_wbuf_free(&tw);
  } else {
    fprintf(stderr, "fuzz_forecast: %s\n", err.msg);
  }
#endif
  if (st == OM_OK) {
    om_wbuf w, pw;
    mdl_view v;
    const mdl_kind_def *k;
    void *dm;
    static double fa[3 * H_MAX], fb[3 * H_MAX];
    size_t h = horizon(&m);
    int chosen = 0, cand_tried = 0;
    FUZZ_ASSERT(m.ts_text == ts_text && m.fill == o.fill && m.months == months);
    if (constant) {
      FUZZ_ASSERT(m.method == TS_METHOD_NAIVE && m.core == TS_METHOD_NAIVE && m.ets.sigma2 == 0 && !m.transform);
    } else if (o.method == TS_METHOD_AUTO) {
      FUZZ_ASSERT(m.method == TS_METHOD_AUTO || m.method == TS_METHOD_MSTL);
    } else {
      FUZZ_ASSERT(m.method == o.method);
    }
    check_core(&m);
    if (!constant && o.transform == TS_TRANSFORM_BOXCOX) {
      FUZZ_ASSERT(m.transform == TS_TRANSFORM_BOXCOX);
      if (!isnan(o.lambda)) FUZZ_ASSERT(m.lambda == o.lambda);
    } else if (m.transform) { /* 'auto' (ts_fc.h 9): the square root, only when it may */
      FUZZ_ASSERT(o.transform == TS_TRANSFORM_AUTO && o.method == TS_METHOD_AUTO && nonneg && !constant &&
                  m.transform == TS_TRANSFORM_BOXCOX && m.lambda == 0.5 && o.error < 0 && o.trend < 0 &&
                  o.season < 0 && o.damped < 0 && o.order[0] < 0 && o.sorder[0] < 0 && o.constant < 0);
    } else {
      FUZZ_ASSERT(!m.transform);
    }
    if (m.core == TS_METHOD_ETS) {
      const ts_ets_model *e = &m.ets;
      FUZZ_ASSERT(e->alpha >= 1e-4 && e->alpha <= 0.9999);
      FUZZ_ASSERT(!e->spec.trend || (e->beta >= 1e-4 && e->beta <= e->alpha));
      FUZZ_ASSERT(!e->spec.season || (e->gamma >= 1e-4 && e->gamma <= 1 - e->alpha));
      FUZZ_ASSERT(!e->spec.damped || (e->phi >= 0.8 && e->phi <= 0.98));
      FUZZ_ASSERT(!(e->spec.error == TS_ADD && e->spec.season == TS_MUL));
      FUZZ_ASSERT(!m.adjusted || !e->spec.season);
      FUZZ_ASSERT(m.tried >= 1);
    } else if (m.core == TS_METHOD_ARIMA) {
      const ts_arima_spec *sp = &m.arima.spec;
      FUZZ_ASSERT(sp->p <= TS_ARIMA_MAX_P && sp->q <= TS_ARIMA_MAX_P && sp->P <= TS_ARIMA_MAX_SP &&
                  sp->Q <= TS_ARIMA_MAX_SP && sp->d <= TS_ARIMA_MAX_D && sp->D <= TS_ARIMA_MAX_SD);
      FUZZ_ASSERT(sp->s == 1 || (!m.adjusted && m.n_periods == 1 && sp->s == m.periods[0]));
      FUZZ_ASSERT(sp->constant == 0 || sp->d + sp->D <= 1);
      if (o.constant == 0) FUZZ_ASSERT(sp->constant == 0);
      if (fixed_order || fixed_sorder) {
        FUZZ_ASSERT(sp->p == (fixed_order ? o.order[0] : 0) && sp->d == (fixed_order ? o.order[1] : 0) &&
                    sp->q == (fixed_order ? o.order[2] : 0));
        if (sp->s > 1)
          FUZZ_ASSERT(sp->P == (fixed_sorder ? o.sorder[0] : 0) && sp->D == (fixed_sorder ? o.sorder[1] : 0) &&
                      sp->Q == (fixed_sorder ? o.sorder[2] : 0));
        if (o.constant == 1 && sp->d + sp->D <= 1) FUZZ_ASSERT(sp->constant == 1);
      } else {
        FUZZ_ASSERT(sp->p + sp->q + sp->P + sp->Q <= 5);
      }
      FUZZ_ASSERT(m.tried >= 1);
    } else if (m.core == TS_METHOD_THETA) {
      const ts_theta_model *t = &m.theta;
      FUZZ_ASSERT(t->alpha >= 1e-4 && t->alpha <= 0.9999);
      FUZZ_ASSERT(t->n == m.n && (t->season == TS_NONE || (t->idx && !m.adjusted && t->m == m.periods[0])));
      FUZZ_ASSERT(m.tried >= 1);
    }
    /* the candidates: the chosen family once, with the lowest AICc */
    if (m.core == TS_METHOD_ETS || m.core == TS_METHOD_ARIMA || m.core == TS_METHOD_THETA) {
      const ts_fc_cand *best = NULL;
      FUZZ_ASSERT(m.n_cand >= 1 && m.n_cand <= 3);
      for (int i = 0; i < m.n_cand; i++) {
        const ts_fc_cand *c = &m.cand[i];
        FUZZ_ASSERT(c->family == TS_METHOD_ETS || c->family == TS_METHOD_ARIMA || c->family == TS_METHOD_THETA);
        for (int j = 0; j < i; j++) FUZZ_ASSERT(m.cand[j].family != c->family);
        if (c->family == m.core) {
          chosen++;
          best = c;
        }
        if (c->family == TS_METHOD_ARIMA && !fixed_order && !fixed_sorder)
          FUZZ_ASSERT(c->tried >= 1 && c->tried <= o.max_models + 20);
        cand_tried += c->tried;
      }
      FUZZ_ASSERT(chosen == 1 && cand_tried <= m.tried);
      if (m.n_cand > 1)
        for (int i = 0; i < m.n_cand; i++) FUZZ_ASSERT(!(m.cand[i].aicc < best->aicc));
    } else {
      FUZZ_ASSERT(m.n_cand == 0);
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
    check_model(&m, NULL, 0, TS_FC_FORMAT, 1, fa);
    st = mdl_decode(w.data, w.len, &v, &k, &dm, &err);
    if (st != OM_OK) fprintf(stderr, "fuzz_forecast: the trained model does not decode: %s\n", err.msg);
    FUZZ_ASSERT(st == OM_OK);
    FUZZ_ASSERT(v.kind == MDL_KIND_FORECAST && v.payload_version == TS_FC_FORMAT);
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
