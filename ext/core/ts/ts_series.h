/*
** ts_series.h — from (time, value) rows in any order to a regular series,
** and its season lengths: the preparation step of forecast_train
** (ext/forecast.c; docs/forecast_train.md).
**
** Behaviours:
**   1. ts_series_build sorts the n rows by time (times and values finite;
**      the SQL layer drops NULL values).  Two rows with the same time are an
**      error naming it (OM_INVALID "duplicate timestamp ...").
**   2. The step is the smallest difference between consecutive times; every
**      difference must be a whole number of steps (within 1e-9 relative),
**      else OM_INVALID naming the first pair that is not.  So bucket times
**      (time_bucket, GROUP BY hour) with empty buckets missing are
**      accepted; irregular event times are not.  Calendar months (28-31
**      days) are not a regular grid: pass a month number as the time.
**   3. The series runs from the first to the last time, one value a step:
**      N = (last - first) / step + 1 points, at most TS_SERIES_MAX and at
**      most 100 n (OM_INVALID "too sparse": a stray timestamp far away).
**      Missing points are filled by the rule: 'linear' (between the
**      neighbours, the default), 'zero' (counts from GROUP BY, where an
**      empty bucket means none), 'previous' (the last value).  *filled
**      counts them.
**   6. Calendar grids: when every time is 00:00:00 UTC on the first day
**      of a month and the times are at least 28 days apart, the grid is in
**      calendar months (monthly, quarterly, yearly series written as the
**      first of the month or the year): step is a whole number of months,
**      checked as in 2 on the month numbers, and months is set.
**      ts_series_time gives the time of point k (k may be past the end).
**   4. ts_season_candidates: the calendar periods of a step, in steps, that
**      are whole numbers >= 2: a day and a week for steps that divide a
**      day (e.g. 24 and 168 for hours, 96 and 672 for 15 minutes), a week
**      for a day (7), a year of weeks for a week (52); for calendar grids
**      (ts_season_candidates_months) a year: 12 for months, 4 for quarters.
**   5. ts_season_detect: the autocorrelation of the series after removing
**      a least-squares line, at each candidate period p with N >= 3p (no
**      candidate, as for a step of 1 or a year: no season; a lag scan was
**      tried and took quasi-cycles such as sunspots' ~11 years for seasons,
**      which autoregressive models describe better); a period is kept when
**      its autocorrelation is at least 2 / sqrt(N) (the 95 % band of white
**      noise; a floor of 0.2 missed the weak daily cycle of hourly job
**      counts, tools/bench_forecast.py) and a local maximum; up to two kept, the
**      strongest first (the hourly day and week).  When the longer is a
**      multiple of the shorter (a week of 7 days), it is kept only if the
**      series still correlates at it after the shorter one's phase means
**      are taken out (a day-only series correlates at a week too).
**      Returns how many.
*/
#ifndef TS_SERIES_H
#define TS_SERIES_H

#include <stddef.h>
#include <stdint.h>

#include "../base/om_core.h"

#define TS_SERIES_MAX 10000000
#define TS_MAX_PERIODS 2

enum { TS_FILL_LINEAR = 0, TS_FILL_ZERO = 1, TS_FILL_PREVIOUS = 2 };

typedef struct ts_series {
  double t0, step; /* time of y[0] (unix seconds) and between points
                   ** (seconds, or months when months is set) */
  int months;      /* behaviour 6: a calendar grid, step in months */
  size_t n;        /* points */
  size_t filled;   /* of which filled */
  double *y;       /* om_malloc'd [n] */
} ts_series;

/* t and v: n rows (reordered in place).  On success s->y is allocated. */
om_status ts_series_build(double *t, double *v, size_t n, int fill, ts_series *s, om_err *err);
void ts_series_free(ts_series *s);

int ts_season_candidates(double step, int months, int *out /* [4] */);
int ts_season_detect(const double *y, size_t n, double step, int months, int *periods /* [TS_MAX_PERIODS] */,
                     double *acf /* [TS_MAX_PERIODS], may be NULL */);
double ts_series_time(double t0, double step, int months, double k);

#endif /* TS_SERIES_H */
