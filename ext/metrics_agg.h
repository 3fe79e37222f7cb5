/*
** metrics_agg.h — the row readers and JSON renderers of the metrics
** aggregates (ext/metrics.c), shared with their mergeable states
** (ext/metrics_state.c), so that a state function checks its rows with the
** very code (and messages, named after it) of the direct aggregate, and a
** merge renders its result with the very code of the direct aggregate.
**
**   1. metrics_regression_row reads (actual, predicted) as
**      regression_metrics does (metrics.c behaviours 1, 2, 6): 0 use the
**      row, 1 skip it (a NULL), -1 an error named fname was set.
**   2. metrics_classification_row reads the threshold (argument 3, NULL or
**      absent = 0.5) of every row, checks it against current when
**      configured ("threshold changed from ... to ... between rows"), then
**      the label and probability (metrics.c behaviour 3): 0 use, 1 skip (a
**      NULL label or probability; *t is set), -1 error set.
**   3. metrics_coverage_row reads (actual, lo, hi) as interval_coverage
**      does (behaviour 4): 0 use, 1 skip, -1 error set.
**   4. metrics_regression_json / metrics_classification_json set the JSON
**      result of metrics.c behaviours 2 and 3 (SQLITE_NOMEM on failure).
*/
#ifndef OMEN_METRICS_AGG_H
#define OMEN_METRICS_AGG_H

#include "core/stats/st_metrics.h"
#include "omen_ext.h"

int metrics_regression_row(sqlite3_context *ctx, const char *fname, sqlite3_value **argv, double *actual,
                           double *predicted);
int metrics_classification_row(sqlite3_context *ctx, const char *fname, int argc, sqlite3_value **argv, int configured,
                               double current, double *t, int *label, double *prob);
int metrics_coverage_row(sqlite3_context *ctx, const char *fname, sqlite3_value **argv, double *actual, double *lo,
                         double *hi);
void metrics_regression_json(sqlite3_context *ctx, const st_regression_result *r);
void metrics_classification_json(sqlite3_context *ctx, const st_classification_result *r);

#endif /* OMEN_METRICS_AGG_H */
