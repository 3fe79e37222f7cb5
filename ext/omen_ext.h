/*
** omen_ext.h — what the SQL-facing files of omen share: the SQLite extension
** API pointer, error helpers that name the SQL function, the per-statement
** model cache, registry look-ups, and the callbacks ext/omen.c registers.
**
** The SQL layer turns sqlite3_values into plain C data, calls ext/core, and
** turns core statuses into SQL results.  It holds no numerical logic.
*/
#ifndef OMEN_EXT_H
#define OMEN_EXT_H

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include "core/base/mdl_kind.h"
#include "core/base/om_buf.h"

/* Auxdata slots at negative indices live for the whole statement, whatever
** the arguments (SQLite keeps them; positive ones go when an argument is not
** constant).  Each use has its own index. */
#define OMEN_AUX_MODEL_CACHE (-101)
#define OMEN_AUX_FV_SCRATCH (-102)
#define OMEN_AUX_OUT_SCRATCH (-103)
#define OMEN_AUX_EV_SCRATCH (-104)
#define OMEN_AUX_CONF_ID (-105) /* conformal.c: model identities */
#define OMEN_AUX_PREDLOG (-106) /* predlog.c: the statement's log state */

/* "INTEGER", "REAL", "TEXT", "BLOB" or "NULL". */
const char *omen_type_name(sqlite3_value *v);

/* Set an error result "<fname>(): <formatted text>". */
void omen_errorf(sqlite3_context *ctx, const char *fname, const char *fmt, ...);
/* Map a core status to a result: NOMEM → sqlite3_result_error_nomem,
** anything else → "<fname>(): <err->msg>". */
void omen_result_status(sqlite3_context *ctx, const char *fname, om_status st, const om_err *err);

/* A decoded model (see model.c).  Shared, by reference count, between the
** per-statement caches of one connection and, for registry references, that
** connection's cache; only ever touched by calls on that one connection. */
typedef struct omen_model omen_model;
struct omen_model {
  uint8_t *blob;            /* owned copy of the BLOB the views point into */
  size_t n;
  mdl_view view;
  const mdl_kind_def *kind; /* its row of the kind table, once decoded */
  void *model;              /* the kind's decoded model (kind->open), or NULL
                            ** until a caller needs it; read-only */
  double *num;              /* row buffers [view.n_features], filled and used */
  uint64_t *cat;            /* within one call (omen_model_row): nothing */
  uint8_t *missing;         /* carries over from one call to the next */
  double *x;                /* the row as the kind scores it (row_prepare) */
  struct omen_row_shape *shape; /* the last vector's layout (model_row.c 4), or NULL */
  int refs;                 /* cache slots and constant-argument markers */
};
/* want_kind for a function that takes a model of any kind and needs it
** decoded (0: any kind, envelope only, as model_info). */
#define OMEN_KIND_ANY 0xFFFF
/* The model named by argv[argi] (a BLOB, or a TEXT registry reference), decoded
** once per statement, and a registry reference at most once per connection
** while its registry row holds the same BLOB (model.c).  want_kind 0 accepts
** any kind and decodes only the envelope; a kind code accepts only that kind
** and OMEN_KIND_ANY any kind, and both decode the payload through the kind
** table (m->kind, m->model).  On failure the error result is set and NULL is
** returned. */
const omen_model *omen_model_arg(sqlite3_context *ctx, const char *fname, sqlite3_value **argv, int argi,
                                 uint16_t want_kind);
/* The same for a registry reference the caller built (e.g. 'name@7'):
** cached per statement by its text and per connection by its bytes. */
const omen_model *omen_model_ref(sqlite3_context *ctx, const char *fname, const char *ref, uint16_t want_kind);
/* Fill m's row buffers from the feature vector fv (argument number argno, for
** messages), matching features by name: a feature the vector lacks or holds
** as NULL is missing; a feature of the other type (numeric vs categorical) is
** an error naming it; a vector holding none of the model's features is an
** error listing them (omen_no_features_error).  Then the kind's row_prepare
** fills m->x.  0 on success; otherwise the error result is set. */
int omen_model_row(sqlite3_context *ctx, const char *fname, const omen_model *m, sqlite3_value *fv, int argno);
/* The layout cache of omen_model_row (allocated with the row buffers; NULL
** on out of memory, then every row takes the full decode). */
struct omen_row_shape *omen_row_shape_new(void);
void omen_row_shape_free(struct omen_row_shape *shape);

/* Per-connection state: the connection's cache of decoded registry models.
** sqlite3_omen_init makes one per connection and passes it as the user data
** of every function it registers; omen_conn_ref is called once per
** registration and omen_conn_unref is the xDestroy (it frees the state when
** the last function holding it goes, i.e. when the connection closes). */
typedef struct omen_conn omen_conn;
omen_conn *omen_conn_new(void); /* refs = 1; NULL when out of memory */
void omen_conn_ref(omen_conn *c);
void omen_conn_unref(void *c);

/* Registry: fetch the BLOB for reference `ref` ('name', 'name@3',
** 'name@staging').  On success *blob is sqlite3_malloc'd.  On failure returns
** non-zero and *errmsg (sqlite3_malloc'd) says why, without the function name;
** SQLITE_NOMEM is returned for out-of-memory. */
int omen_registry_fetch(sqlite3 *db, const char *ref, uint8_t **blob, int *n, char **errmsg);
/* Registry: the version `ref` resolves to now (*out >= 1) and the length of
** its name part (ref[0, *name_len)); on failure as omen_registry_fetch. */
int omen_registry_version(sqlite3 *db, const char *ref, sqlite3_int64 *out, int *name_len, char **errmsg);
/* Registry: does the table main.omen_models exist (a table, not a view;
** the name matched as SQL matches it, case-insensitively)?  SQLITE_OK with
** *exists set, or SQLITE_NOMEM. */
int omen_registry_exists(sqlite3 *db, int *exists);

/* Registry: resolve `ref` to its row with an indexed look-up that does not
** read the model BLOB, and open that BLOB for reading (flags 0).  SQLITE_OK:
** *h is open and the caller closes it.  SQLITE_NOMEM: out of memory.  Any
** other code: not resolvable this way (no table, no such row, not a BLOB, a
** table this fast path does not handle); call omen_registry_fetch, which
** either reads it or says why not. */
int omen_registry_open(sqlite3 *db, const char *ref, sqlite3_blob **h);

/* Registry schema, upgrade and aliases (aliases.c).  omen_registry_prepare
** creates what is missing of the registry's tables, triggers and views,
** upgrading a registry made before aliases (aliases.c behaviour 3); call it
** inside omen_registry_begin/_end (a savepoint; _end(db, 0) rolls back and
** returns SQLITE_OK, _end(db, 1) releases and returns its result).  *errmsg
** (sqlite3_malloc'd, may be NULL) explains a failure.
** omen_registry_has_aliases: does main.omen_aliases exist.
** omen_alias_problem: why a text is not an alias name, or NULL.
** omen_registry_point_alias: point (name, alias) at version (0 removes it),
** recording the event with note (may be NULL); inside a savepoint. */
int omen_registry_prepare(sqlite3 *db, char **errmsg);
int omen_registry_begin(sqlite3 *db);
int omen_registry_end(sqlite3 *db, int ok);
int omen_registry_has_aliases(sqlite3 *db, int *exists);
const char *omen_alias_problem(const char *alias, int n);
int omen_registry_point_alias(sqlite3 *db, const char *name, const char *alias, sqlite3_int64 version,
                              const char *note);
const char *omen_registry_schema_sql(void);
/* The version predict_log shadow-scores and model_compare compares: the
** 'challenger' alias, else 'staging' (*alias names the one used); 0 when
** neither exists or the registry has no aliases. */
int omen_registry_shadow(sqlite3 *db, const char *name, sqlite3_int64 *version, const char **alias);
/* Does the main database have a table or view of that name (any case)? */
int omen_main_has(sqlite3 *db, const char *name, int *exists);
void predictLogFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv); /* predlog.c */
extern sqlite3_module omen_health_module; /* health.c */
extern sqlite3_module omen_compare_module; /* compare.c */
void modelPromoteIfBetterFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void modelAliasFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void modelRollbackFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void modelTagFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv);

/* Registry, for table-valued functions that keep their last model: the
** bytes `ref` resolves to now.  SQLITE_OK with *buf NULL when they are the
** same bytes as last[0, last_n) (same length and stored checksum, read
** through omen_registry_open without reading the BLOB), else *buf
** (sqlite3_malloc'd, *n bytes).  Other codes and *errmsg (which may be
** NULL) as omen_registry_fetch. */
int omen_registry_read(sqlite3 *db, const char *ref, const uint8_t *last, size_t last_n, uint8_t **buf, int *n,
                       char **errmsg);

/* vtab_model.c: the model a table-valued function reads (decoded once and
** kept while the argument is the same bytes) and a feature vector matched
** to it; see its header for the behaviours. */
typedef struct omen_vt_model {
  int refs;
  uint8_t *blob; /* owned; the view points into it */
  size_t n;
  mdl_view view;
  const mdl_kind_def *kind; /* its row of the kind table */
  void *model;              /* the kind's decoded model */
} omen_vt_model;
typedef struct omen_vt_row {
  double *num;
  uint64_t *cat;
  uint8_t *missing;
  uint8_t *vtype; /* the vector's type of the entry (FV_*), FV_MISSING when absent */
  double *x;      /* the kind's prepared row */
  uint32_t cap;
} omen_vt_row;
int omen_vt_model_get(sqlite3 *db, sqlite3_value *arg, omen_vt_model **last, omen_vt_model **out, char **errmsg);
int omen_vt_model_ref(sqlite3 *db, const char *ref, omen_vt_model **last, omen_vt_model **out, char **errmsg);
void omen_vt_model_release(omen_vt_model *m);
int omen_vt_row_grow(omen_vt_row *r, uint32_t n);
void omen_vt_row_free(omen_vt_row *r);
int omen_vt_row_match(omen_vt_row *r, const omen_vt_model *m, sqlite3_value *fv, const char *what, int argno,
                      char **errmsg);
int omen_vt_error(sqlite3_vtab *vt, const char *fname, const char *fmt, ...);
int omen_vt_best_index(sqlite3_index_info *info, int col0, int nargs, int rows);

/* The registry row a bare name resolves to comes first in this order: the
** newest version in stage 'production', else the newest version (registry.c
** behaviour 3; also model_catalog's is_current). */
#define OMEN_REF_ORDER_DEFAULT " ORDER BY stage='production' DESC, version DESC LIMIT 1"

/* The error for a feature vector that holds none of the model's features
** (predict.c): "<fname>(): none of the model's N features (a, b, ...) is in
** the feature vector; check the names (they are case-sensitive)".  A name
** present with a NULL value counts as present.  omen_check_features_present
** makes one merge pass over fv (a BLOB; anything else, or a damaged vector,
** is left to the caller) and returns 1 after setting that error. */
void omen_no_features_error(sqlite3_context *ctx, const char *fname, const mdl_view *v);
int omen_check_features_present(sqlite3_context *ctx, const char *fname, const mdl_view *v, sqlite3_value *fv);

/* Writes from schema objects (guard.c, docs/SECURITY.md): non-zero when
** the calling statement may write; otherwise 0 after setting the error
** result "<fname>(): refused: ...".  Every function that writes calls it
** before it changes anything. */
int omen_write_guard(sqlite3_context *ctx, const char *fname);
/* " (... BEGIN IMMEDIATE ...)" when db's last error is SQLITE_BUSY, else "" (guard.c behaviour 4). */
const char *omen_busy_hint(sqlite3 *db);

/* The options argument of a training aggregate (agg_options.c): read it on
** the first row (v may be NULL when the call has no options argument), keep
** a copy, and refuse other options on a later row.  0 on success, 1 after
** setting the error result. */
int omen_agg_options_text(sqlite3_context *ctx, const char *fname, sqlite3_value *v, int argno, const char **text,
                          int *n);
int omen_agg_options_keep(sqlite3_context *ctx, const char *text, int n, char **saved);
int omen_agg_options_changed(sqlite3_context *ctx, const char *fname, sqlite3_value *v, const char *saved);

/* An om_interrupt that reports sqlite3_interrupt() on ctx's connection
** (omen_interrupt_for_db: on db, for virtual tables). */
om_interrupt omen_interrupt_for(sqlite3_context *ctx);
om_interrupt omen_interrupt_for_db(sqlite3 *db);

/* A reusable per-statement output buffer (auxdata OMEN_AUX_OUT_SCRATCH). */
om_wbuf *omen_out_scratch(sqlite3_context *ctx);

/* A mergeable state argument, opened (state_arg.c): returns 1 after reporting
** an error named fname; 0 with st->model NULL for SQL NULL; else 0 with
** st->view and st->model open until omen_state_close. */
typedef struct omen_state {
  mdl_view view;
  const mdl_kind_def *kind;
  void *model;
} omen_state;
int omen_state_open(sqlite3_context *ctx, const char *fname, sqlite3_value *arg, uint16_t want, const char *maker,
                    omen_state *st);
void omen_state_close(omen_state *st);

/* ---- callbacks registered by omen.c ---- */
void omenVersionFunc(sqlite3_context *, int, sqlite3_value **);
void omenBuildInfoFunc(sqlite3_context *, int, sqlite3_value **);
void featureVectorFunc(sqlite3_context *, int, sqlite3_value **);
void featureVectorJsonFunc(sqlite3_context *, int, sqlite3_value **);
void hashUniformFunc(sqlite3_context *, int, sqlite3_value **);
int omen_value_bytes(sqlite3_value *v, uint8_t buf[8], const void **p, size_t *n); /* hash_uniform.c */
void modelInfoFunc(sqlite3_context *, int, sqlite3_value **);
void modelSaveFunc(sqlite3_context *, int, sqlite3_value **);
void modelLoadFunc(sqlite3_context *, int, sqlite3_value **);
void scalerTrainStep(sqlite3_context *, int, sqlite3_value **);
void scalerTrainFinal(sqlite3_context *);
void scaleFunc(sqlite3_context *, int, sqlite3_value **);
/* baseline.c */
void baselineTrainStep(sqlite3_context *, int, sqlite3_value **);
void baselineTrainFinal(sqlite3_context *);
void baselineScoreFunc(sqlite3_context *, int, sqlite3_value **);
void baselineIsAnomalyFunc(sqlite3_context *, int, sqlite3_value **);
void baselineFleetStep(sqlite3_context *, int, sqlite3_value **);
void baselineFleetFinal(sqlite3_context *);
void baselineShrinkFunc(sqlite3_context *, int, sqlite3_value **);
void gbtTrainStep(sqlite3_context *, int, sqlite3_value **);
void gbtTrainFinal(sqlite3_context *);
void predictDurationFunc(sqlite3_context *, int, sqlite3_value **);
void predictIntervalFunc(sqlite3_context *, int, sqlite3_value **);
void predictFailureFunc(sqlite3_context *, int, sqlite3_value **);
void predictFunc(sqlite3_context *, int, sqlite3_value **);
void predictCdfFunc(sqlite3_context *, int, sqlite3_value **);
void predictRemainingFunc(sqlite3_context *, int, sqlite3_value **);
/* predict.c: a seconds argument (t, elapsed) of predict_cdf/predict_remaining,
** finite and > 0 (strict) or >= 0; 0 on success, 1 after setting the error
** (one text for every form, conformal.c's 5-argument ones too). */
int omen_seconds_arg(sqlite3_context *ctx, const char *fname, sqlite3_value *v, const char *what, int argi,
                     int strict, double *out);
void intervalCalibrateStep(sqlite3_context *, int, sqlite3_value **); /* conformal.c */
void intervalCalibrateFinal(sqlite3_context *);
void predictIntervalCalibFunc(sqlite3_context *, int, sqlite3_value **);
void predictCdfCalibFunc(sqlite3_context *, int, sqlite3_value **);
void predictRemainingCalibFunc(sqlite3_context *, int, sqlite3_value **);
void isolationForestTrainStep(sqlite3_context *, int, sqlite3_value **); /* iforest.c */
void isolationForestTrainFinal(sqlite3_context *);
void isolationScoreFunc(sqlite3_context *, int, sqlite3_value **);
void mahalanobisTrainStep(sqlite3_context *, int, sqlite3_value **); /* mahalanobis.c */
void mahalanobisTrainFinal(sqlite3_context *);
void mahalanobisScoreFunc(sqlite3_context *, int, sqlite3_value **);
void anomalyScoreFunc(sqlite3_context *, int, sqlite3_value **);   /* anomaly.c */
void isAnomalyFunc(sqlite3_context *, int, sqlite3_value **);
void anomalyReportFunc(sqlite3_context *, int, sqlite3_value **);
void anomalyEnsembleFunc(sqlite3_context *, int, sqlite3_value **);
extern sqlite3_module omen_importance_module;
extern sqlite3_module omen_features_module;  /* model_features.c */
extern sqlite3_module omen_explain_module;   /* model_features.c: anomaly_explain */
extern sqlite3_module omen_catalog_module;   /* model_catalog.c: model_catalog */
extern sqlite3_module omen_metrics_module;    /* model_catalog.c */
extern sqlite3_module omen_options_module;    /* model_catalog.c */
extern sqlite3_module omen_history_module;    /* run_history.c */
void regressionMetricsStep(sqlite3_context *, int, sqlite3_value **);
void regressionMetricsFinal(sqlite3_context *);
void classificationMetricsStep(sqlite3_context *, int, sqlite3_value **);
void classificationMetricsFinal(sqlite3_context *);
void intervalCoverageStep(sqlite3_context *, int, sqlite3_value **);
void intervalCoverageInverse(sqlite3_context *, int, sqlite3_value **);
void intervalCoverageValue(sqlite3_context *);
void intervalCoverageFinal(sqlite3_context *);
void welchStep(sqlite3_context *, int, sqlite3_value **);
void welchInverse(sqlite3_context *, int, sqlite3_value **);
void welchValue(sqlite3_context *);
void welchFinal(sqlite3_context *);
/* forecast.c */
void forecastTrainStep(sqlite3_context *, int, sqlite3_value **);
void forecastTrainFinal(sqlite3_context *);
extern sqlite3_module omen_forecast_module;
/* A forecast model (core/ts/ts_fc.h) from a BLOB or registry reference:
** SQLITE_OK with *out decoded (ts_fc_free), else an error code and, unless
** SQLITE_NOMEM, *errmsg (sqlite3_free) without the function's name. */
struct ts_fc;
int omen_forecast_load(sqlite3 *db, sqlite3_value *v, struct ts_fc *out, char **errmsg);
/* The time of point k of a forecast model's series (k >= n: forecast step
** k - n + 1) as the result: TEXT 'YYYY-MM-DD HH:MM:SS' for a model trained
** on ISO-8601 text (NULL outside the years 0000-9999), else INTEGER when
** whole, else REAL. */
void omen_forecast_time(sqlite3_context *ctx, const struct ts_fc *m, double k);
/* series_views.c */
extern sqlite3_module omen_decompose_module;
extern sqlite3_module omen_anomalies_module;
extern sqlite3_module omen_crossing_module;
/* trend.c */
void trendTestStep(sqlite3_context *, int, sqlite3_value **);
void trendTestFinal(sqlite3_context *);
/* robust_agg.c (moments: xFinal is xValue, there is nothing to free) */
void medianStep(sqlite3_context *, int, sqlite3_value **);
void medianInverse(sqlite3_context *, int, sqlite3_value **);
void medianValue(sqlite3_context *);
void medianFinal(sqlite3_context *);
void percentileStep(sqlite3_context *, int, sqlite3_value **);
void percentileInverse(sqlite3_context *, int, sqlite3_value **);
void percentileValue(sqlite3_context *);
void percentileFinal(sqlite3_context *);
void madStep(sqlite3_context *, int, sqlite3_value **);
void madInverse(sqlite3_context *, int, sqlite3_value **);
void madValue(sqlite3_context *);
void madFinal(sqlite3_context *);
void iqrStep(sqlite3_context *, int, sqlite3_value **);
void iqrInverse(sqlite3_context *, int, sqlite3_value **);
void iqrValue(sqlite3_context *);
void iqrFinal(sqlite3_context *);
void meanStep(sqlite3_context *, int, sqlite3_value **);
void meanInverse(sqlite3_context *, int, sqlite3_value **);
void meanValue(sqlite3_context *);
void varianceStep(sqlite3_context *, int, sqlite3_value **);
void varianceInverse(sqlite3_context *, int, sqlite3_value **);
void varianceValue(sqlite3_context *);
void stddevStep(sqlite3_context *, int, sqlite3_value **);
void stddevInverse(sqlite3_context *, int, sqlite3_value **);
void stddevValue(sqlite3_context *);
void skewnessStep(sqlite3_context *, int, sqlite3_value **);
void skewnessInverse(sqlite3_context *, int, sqlite3_value **);
void skewnessValue(sqlite3_context *);
void kurtosisStep(sqlite3_context *, int, sqlite3_value **);
void kurtosisInverse(sqlite3_context *, int, sqlite3_value **);
void kurtosisValue(sqlite3_context *);
/* time_bucket.c */
void timeBucketFunc(sqlite3_context *, int, sqlite3_value **);
/* sparkline.c */
void sparklineStep(sqlite3_context *, int, sqlite3_value **);
void sparklineInverse(sqlite3_context *, int, sqlite3_value **);
void sparklineValue(sqlite3_context *);
void sparklineFinal(sqlite3_context *);
/* sequential.c */
void sequentialStep(sqlite3_context *, int, sqlite3_value **);
void sequentialInverse(sqlite3_context *, int, sqlite3_value **);
void sequentialValue(sqlite3_context *);
void sequentialFinal(sqlite3_context *);
/* power.c */
void sampleSizeMeansFunc(sqlite3_context *, int, sqlite3_value **);
void powerMeansFunc(sqlite3_context *, int, sqlite3_value **);
void mdeMeansFunc(sqlite3_context *, int, sqlite3_value **);
void sampleSizeProportionsFunc(sqlite3_context *, int, sqlite3_value **);
void powerProportionsFunc(sqlite3_context *, int, sqlite3_value **);
/* ab_assign.c */
void abAssignFunc(sqlite3_context *, int, sqlite3_value **);
void abBucketFunc(sqlite3_context *, int, sqlite3_value **);
/* group_tests.c */
void proportionsZtestStep(sqlite3_context *, int, sqlite3_value **);
void proportionsZtestInverse(sqlite3_context *, int, sqlite3_value **);
void proportionsZtestValue(sqlite3_context *);
void proportionsZtestFinal(sqlite3_context *);
void chi2TestStep(sqlite3_context *, int, sqlite3_value **);
void chi2TestInverse(sqlite3_context *, int, sqlite3_value **);
void chi2TestValue(sqlite3_context *);
void chi2TestFinal(sqlite3_context *);
void anovaOnewayStep(sqlite3_context *, int, sqlite3_value **);
void anovaOnewayInverse(sqlite3_context *, int, sqlite3_value **);
void anovaOnewayValue(sqlite3_context *);
void anovaOnewayFinal(sqlite3_context *);
/* ranktests.c */
void mannWhitneyStep(sqlite3_context *, int, sqlite3_value **);
void mannWhitneyInverse(sqlite3_context *, int, sqlite3_value **);
void mannWhitneyValue(sqlite3_context *);
void mannWhitneyFinal(sqlite3_context *);
void ks2sampStep(sqlite3_context *, int, sqlite3_value **);
void ks2sampInverse(sqlite3_context *, int, sqlite3_value **);
void ks2sampValue(sqlite3_context *);
void ks2sampFinal(sqlite3_context *);
/* bandit.c */
void banditUpdateStep(sqlite3_context *, int, sqlite3_value **);
void banditUpdateFinal(sqlite3_context *);
void banditMergeStep(sqlite3_context *, int, sqlite3_value **);
void banditMergeFinal(sqlite3_context *);
void banditChooseFunc(sqlite3_context *, int, sqlite3_value **);
void linucbUpdateStep(sqlite3_context *, int, sqlite3_value **);
void linucbUpdateFinal(sqlite3_context *);
void linucbChooseFunc(sqlite3_context *, int, sqlite3_value **);
extern sqlite3_module omen_bandit_stats_module;

/* experiment.c */
void experimentReportStep(sqlite3_context *, int, sqlite3_value **);
void experimentReportInverse(sqlite3_context *, int, sqlite3_value **);
void experimentReportValue(sqlite3_context *);
void experimentReportFinal(sqlite3_context *);
extern sqlite3_module omen_experiment_variants_module;
/* explain.c */
extern sqlite3_module omen_explain_shap_module;
extern sqlite3_module omen_explain_diff_module;
extern sqlite3_module omen_model_scores_module; /* model_scores.c */

/* paired.c */
void pairedTtestStep(sqlite3_context *, int, sqlite3_value **);
void pairedTtestInverse(sqlite3_context *, int, sqlite3_value **);
void pairedTtestValue(sqlite3_context *);
void pairedTtestFinal(sqlite3_context *);
void wilcoxonSignedRankStep(sqlite3_context *, int, sqlite3_value **);
void wilcoxonSignedRankInverse(sqlite3_context *, int, sqlite3_value **);
void wilcoxonSignedRankValue(sqlite3_context *);
void wilcoxonSignedRankFinal(sqlite3_context *);

/* drift.c */
extern sqlite3_module omen_profile_module;
void featureDriftStep(sqlite3_context *, int, sqlite3_value **);
void featureDriftFinal(sqlite3_context *);

/* welch_state.c */
void welchStateStep(sqlite3_context *, int, sqlite3_value **);
void welchStateFinal(sqlite3_context *);
void welchMergeStep(sqlite3_context *, int, sqlite3_value **);
void welchMergeFinal(sqlite3_context *);

/* metrics_state.c */
void intervalCoverageStateStep(sqlite3_context *, int, sqlite3_value **);
void intervalCoverageStateFinal(sqlite3_context *);
void intervalCoverageMergeStep(sqlite3_context *, int, sqlite3_value **);
void regressionMetricsStateStep(sqlite3_context *, int, sqlite3_value **);
void regressionMetricsStateFinal(sqlite3_context *);
void regressionMetricsMergeStep(sqlite3_context *, int, sqlite3_value **);
void classificationMetricsStateStep(sqlite3_context *, int, sqlite3_value **);
void classificationMetricsStateFinal(sqlite3_context *);
void classificationMetricsMergeStep(sqlite3_context *, int, sqlite3_value **);
void metricsMergeFinal(sqlite3_context *);

/* scaler_state.c */
void scalerTrainStateStep(sqlite3_context *, int, sqlite3_value **);
void scalerTrainStateFinal(sqlite3_context *);
void scalerMergeStep(sqlite3_context *, int, sqlite3_value **);
void scalerMergeFinal(sqlite3_context *);

/* baseline_state.c */
void baselineTrainStateStep(sqlite3_context *, int, sqlite3_value **);
void baselineTrainStateFinal(sqlite3_context *);
void baselineMergeStep(sqlite3_context *, int, sqlite3_value **);
void baselineMergeFinal(sqlite3_context *);

/* mahalanobis_state.c */
void mahalanobisTrainStateStep(sqlite3_context *, int, sqlite3_value **);
void mahalanobisTrainStateFinal(sqlite3_context *);
void mahalanobisMergeStep(sqlite3_context *, int, sqlite3_value **);
void mahalanobisMergeFinal(sqlite3_context *);

#endif /* OMEN_EXT_H */
