/*
** ts_series.c — regular series from rows, and season lengths (spec: ts_series.h).
*/
#include "ts_series.h"

#include "ts_time.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TS_DETECT_TAIL 20000 /* points used to detect a season (the latest) */
#define TS_DETECT_MAXLAG 1000

typedef struct ts_row {
  double t, v;
} ts_row;

static int cmp_row(const void *a, const void *b) {
  double x = ((const ts_row *)a)->t, y = ((const ts_row *)b)->t;
  return (x > y) - (x < y);
}

void ts_series_free(ts_series *s) {
  om_free(s->y);
  memset(s, 0, sizeof *s);
}

om_status ts_series_build(double *t, double *v, size_t n, int fill, ts_series *s, om_err *err) {
  ts_row *r;
  double step = INFINITY, span, t0_sec;
  size_t N, k;
  memset(s, 0, sizeof *s);
  if (n == 0) return om_errf(err, OM_INVALID, "no rows");
  r = om_malloc_array(n, sizeof *r);
  if (!r) return om_errf(err, OM_NOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    r[i].t = t[i];
    r[i].v = v[i];
  }
  qsort(r, n, sizeof *r, cmp_row);
  for (size_t i = 1; i < n; i++) {
    double d = r[i].t - r[i - 1].t;
    if (d == 0) {
      om_status st = om_errf(err, OM_INVALID, "duplicate timestamp %.17g; expected one value per time", r[i].t);
      om_free(r);
      return st;
    }
    if (d < step) step = d;
  }
  if (n == 1) step = 1;
  /* behaviour 6: a grid of calendar months */
  t0_sec = r[0].t;
  if (n >= 2 && step >= 28 * 86400.0) {
    int cal = 1;
    for (size_t i = 0; i < n && cal; i++) {
      double tt = r[i].t;
      int64_t y;
      int mo, d;
      if (tt != floor(tt) || fabs(tt) > 2.6e11 || fmod(tt, 86400) != 0) {
        cal = 0;
        break;
      }
      ts_civil_from_days(ts_floor_div((int64_t)tt, 86400), &y, &mo, &d);
      if (d != 1) cal = 0;
    }
    if (cal) {
      s->months = 1;
      step = INFINITY;
      for (size_t i = 0; i < n; i++) { /* times become month numbers */
        int64_t y;
        int mo, d;
        ts_civil_from_days(ts_floor_div((int64_t)r[i].t, 86400), &y, &mo, &d);
        r[i].t = (double)(y * 12 + mo - 1);
        if (i && r[i].t - r[i - 1].t < step) step = r[i].t - r[i - 1].t;
      }
    }
  }
  for (size_t i = 1; i < n; i++) {
    double q = (r[i].t - r[i - 1].t) / step;
    if (fabs(q - nearbyint(q)) > 1e-9 * q) {
      om_status st = om_errf(err, OM_INVALID,
                             "timestamps are not on a regular grid: %.17g to %.17g is %.6g steps of %.17g; "
                             "expected bucket times (time_bucket)",
                             r[i - 1].t, r[i].t, q, step);
      om_free(r);
      return st;
    }
  }
  span = (r[n - 1].t - r[0].t) / step;
  if (!(span + 1 <= (double)TS_SERIES_MAX) || span + 1 > 100.0 * (double)n) {
    om_status st = om_errf(err, OM_INVALID,
                           "the series is too sparse: %zu values over %.0f steps of %.17g (at most %d points and "
                           "100 steps a value)",
                           n, span + 1, step, TS_SERIES_MAX);
    om_free(r);
    return st;
  }
  N = (size_t)nearbyint(span) + 1;
  s->y = om_malloc_array(N, sizeof *s->y);
  if (!s->y) {
    om_free(r);
    return om_errf(err, OM_NOMEM, "out of memory");
  }
  s->t0 = t0_sec;
  s->step = step;
  s->n = N;
  k = 0;
  for (size_t i = 0; i < n; i++) {
    size_t at = (size_t)nearbyint((r[i].t - r[0].t) / step);
    if (i > 0) {
      size_t prev = (size_t)nearbyint((r[i - 1].t - r[0].t) / step);
      for (size_t j = prev + 1; j < at; j++) {
        double w = (double)(j - prev) / (double)(at - prev);
        s->y[j] = fill == TS_FILL_ZERO ? 0 : fill == TS_FILL_PREVIOUS ? r[i - 1].v : r[i - 1].v + w * (r[i].v - r[i - 1].v);
        k++;
      }
    }
    s->y[at] = r[i].v;
  }
  s->filled = k;
  om_free(r);
  return OM_OK;
}

double ts_series_time(double t0, double step, int months, double k) {
  int64_t y, m0, mi;
  int mo, d;
  if (!months) return t0 + step * k;
  ts_civil_from_days(ts_floor_div((int64_t)t0, 86400), &y, &mo, &d);
  m0 = y * 12 + mo - 1;
  mi = m0 + (int64_t)(step * k);
  return (double)ts_days_from_civil(ts_floor_div(mi, 12), (int)(mi - 12 * ts_floor_div(mi, 12)) + 1, 1) * 86400.0;
}

int ts_season_candidates(double step, int months, int *out) {
  int k = 0;
  const double day = 86400, week = 604800;
  if (!(step > 0)) return 0;
  if (months) {
    if (step < 12 && fmod(12, step) == 0) out[k++] = (int)(12 / step);
    return k;
  }
  if (step < day && day / step <= 1e6 && fmod(day, step) == 0) {
    if (day / step >= 2) out[k++] = (int)(day / step);
    if (week / step <= TS_DETECT_MAXLAG) out[k++] = (int)(week / step);
  } else if (step == day) {
    out[k++] = 7;
  } else if (step == week) {
    out[k++] = 52;
  }
  return k;
}

/* Autocorrelation at lag p of d[0, n) (sum of squares ss). */
static double acf_at(const double *d, size_t n, size_t p, double ss) {
  double a = 0;
  if (p >= n || !(ss > 0)) return 0;
  for (size_t i = 0; i + p < n; i++) a += d[i] * d[i + p];
  return a / ss;
}

int ts_season_detect(const double *y, size_t n, double step, int months, int *periods, double *acf) {
  int cand[4], nc = ts_season_candidates(step, months, cand), kept = 0;
  size_t N = n > TS_DETECT_TAIL ? TS_DETECT_TAIL : n;
  const double *x = y + (n - N);
  double *d, tm, ym = 0, sxx = 0, sxy = 0, b, ss = 0, thr, best[TS_MAX_PERIODS] = {0, 0};
  int bp[TS_MAX_PERIODS] = {0, 0};
  if (N < 6) return 0;
  d = om_malloc_array(N, sizeof *d);
  if (!d) return 0; /* no detection without memory: no season */
  tm = ((double)N - 1) / 2;
  for (size_t i = 0; i < N; i++) ym += x[i] / (double)N;
  for (size_t i = 0; i < N; i++) {
    sxx += ((double)i - tm) * ((double)i - tm);
    sxy += ((double)i - tm) * (x[i] - ym);
  }
  b = sxx > 0 ? sxy / sxx : 0;
  for (size_t i = 0; i < N; i++) {
    d[i] = x[i] - ym - b * ((double)i - tm);
    ss += d[i] * d[i];
  }
  thr = 2 / sqrt((double)N); /* a 95 % band for white noise */
  for (int c = 0; c < nc; c++) {
    size_t p = (size_t)cand[c];
    double a;
    if ((size_t)3 * p > N) continue;
    a = acf_at(d, N, p, ss);
    if (a < thr || a < acf_at(d, N, p - 1, ss) || a < acf_at(d, N, p + 1, ss)) continue;
    for (int k = 0; k < TS_MAX_PERIODS; k++)
      if (!bp[k] || a > best[k]) {
        for (int j = TS_MAX_PERIODS - 1; j > k; j--) {
          bp[j] = bp[j - 1];
          best[j] = best[j - 1];
        }
        bp[k] = (int)p;
        best[k] = a;
        break;
      }
  }
  /* nested lengths (168 = 7 x 24): a day-only series also correlates at a
  ** week, so the longer is kept only if it still correlates once the
  ** shorter one's phase means are taken out */
  if (bp[0] && bp[1]) {
    int ps = bp[0] < bp[1] ? bp[0] : bp[1], pl = bp[0] < bp[1] ? bp[1] : bp[0];
    if (pl % ps == 0) {
      double mean[TS_DETECT_MAXLAG], cnt[TS_DETECT_MAXLAG], ss2 = 0, a;
      memset(mean, 0, sizeof mean);
      memset(cnt, 0, sizeof cnt);
      for (size_t i = 0; i < N; i++) {
        mean[i % (size_t)ps] += d[i];
        cnt[i % (size_t)ps] += 1;
      }
      for (size_t i = 0; i < N; i++) {
        d[i] -= mean[i % (size_t)ps] / cnt[i % (size_t)ps];
        ss2 += d[i] * d[i];
      }
      a = acf_at(d, N, (size_t)pl, ss2);
      if (a < thr) {
        double aps = bp[0] == ps ? best[0] : best[1];
        bp[0] = ps;
        best[0] = aps;
        bp[1] = 0;
      }
    }
  }
  om_free(d);
  for (int k = 0; k < TS_MAX_PERIODS; k++)
    if (bp[k]) {
      periods[kept] = bp[k];
      if (acf) acf[kept] = best[k];
      kept++;
    }
  return kept;
}
