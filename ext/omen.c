/*
** omen.c — the extension's one entry point.  sqlite3_omen_init registers every
** SQL function from the table below; the table is the index of the SQL
** surface: each row names the file that implements it.
**
**   .load build/omen                 -- sqlite3 shell
**   SELECT load_extension('build/omen');
**
** Behaviours:
**   1. Only the entry points are exported from omen.so: sqlite3_omen_init,
**      and sqlite3_modomen_init, the same function under the name SQLite
**      derives from mod_omen.so, the file name of the Debian package
**      (docs/DEBIAN.md).
**   2. Registration stops at the first failure and reports
**      "omen: cannot register <name>: <reason>" in *pzErrMsg.
**   3. Each arity is registered separately, so SQLite itself rejects a wrong
**      argument count ("wrong number of arguments to function x()").
**   4. Flags, after SQLite's PRAGMA trusted_schema (docs/SECURITY.md): pure
**      functions are DETERMINISTIC|INNOCUOUS; functions that only read models
**      (any function taking a model reference, and the table-valued
**      functions that do) are neither DIRECTONLY nor INNOCUOUS: triggers and
**      views of a trusted schema may call them (score each run as it is
**      inserted), and SQLite refuses them there when trusted_schema is OFF;
**      functions that write the registry (model_save, model_alias, ...) are
**      DIRECTONLY and also pass omen_write_guard (guard.c), which refuses any
**      caller but a top-level query, also on SQLite versions that do not
**      enforce DIRECTONLY in CHECK constraints.
**   5. Each connection that loads the extension gets its own state (its
**      cache of decoded registry models, model.c), passed as the user data
**      of every function and freed when the connection closes; there is no
**      global mutable state.
**   6. Loading into SQLite older than 3.31.0 fails with "omen: needs SQLite
**      3.31.0 or later (for SQLITE_DIRECTONLY); this is <version>": those
**      versions ignore the flag that keeps registry functions out of views.
**   7. Loading into an SQLite without its JSON functions (built in from
**      3.38.0, the JSON1 extension before; absent when compiled with
**      SQLITE_OMIT_JSON) fails with "omen: needs SQLite's JSON functions
**      (json_extract, json_each: built in from SQLite 3.38.0, the JSON1
**      extension before); this SQLite <version> has none": the registry's
**      views and triggers, omen_model_health and run_history run SQL that
**      uses them.  The probe prepares `SELECT json_extract('{}', '$')` (no
**      table, so no schema read); any failure other than "no such function"
**      is ignored here and left to the first real use.
*/
#include <string.h>

#include "omen_ext.h"
SQLITE_EXTENSION_INIT1

#ifndef OMEN_MIN_SQLITE
#define OMEN_MIN_SQLITE 3031000 /* behaviour 6 */
#endif
#ifndef OMEN_JSON_PROBE
#define OMEN_JSON_PROBE "json_extract" /* behaviour 7 (tests name a function that does not exist) */
#endif
#define PURE (SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS)
/* Behaviour 4: reads models (trusted schema only), writes the registry (top-level SQL only). */
#define READS_MODELS SQLITE_UTF8
#define WRITES_REGISTRY (SQLITE_UTF8 | SQLITE_DIRECTONLY)

typedef struct omen_module {
  const char *name;
  sqlite3_module *module;
} omen_module;

static const omen_module omen_modules[] = {
    /* importance.c */
    {"model_importance", &omen_importance_module},
    /* model_features.c */
    {"model_features", &omen_features_module},
    {"anomaly_explain", &omen_explain_module},
    /* model_catalog.c */
    {"model_catalog", &omen_catalog_module},
    {"model_metrics", &omen_metrics_module},
    {"model_options", &omen_options_module},
    /* run_history.c */
    {"run_history", &omen_history_module},
    /* forecast.c */
    {"forecast", &omen_forecast_module},
    /* series_views.c */
    {"decompose", &omen_decompose_module},
    {"series_anomalies", &omen_anomalies_module},
    {"forecast_crossing", &omen_crossing_module},
    /* health.c */
    {"omen_model_health", &omen_health_module},
    /* compare.c */
    {"model_compare", &omen_compare_module},
    /* bandit.c */
    {"bandit_stats", &omen_bandit_stats_module},
    /* experiment.c */
    {"experiment_variants", &omen_experiment_variants_module},
    /* explain.c (read-only: no SQLITE_VTAB_DIRECTONLY) */
    {"explain", &omen_explain_shap_module},
    {"explain_diff", &omen_explain_diff_module},
    /* model_scores.c (read-only: no SQLITE_VTAB_DIRECTONLY) */
    {"model_scores", &omen_model_scores_module},
    /* drift.c (read-only: no SQLITE_VTAB_DIRECTONLY) */
    {"model_profile", &omen_profile_module},
};

typedef struct omen_func {
  const char *name;
  int n_arg;
  int flags;
  void (*xFunc)(sqlite3_context *, int, sqlite3_value **);
  void (*xStep)(sqlite3_context *, int, sqlite3_value **);
  void (*xFinal)(sqlite3_context *);
  void (*xValue)(sqlite3_context *);
  void (*xInverse)(sqlite3_context *, int, sqlite3_value **);
} omen_func;

static const omen_func omen_funcs[] = {
    /* info.c */
    {"omen_version", 0, PURE, omenVersionFunc, 0, 0, 0, 0},
    {"omen_build_info", 0, SQLITE_UTF8 | SQLITE_INNOCUOUS, omenBuildInfoFunc, 0, 0, 0, 0},
    /* feature_vector.c */
    {"feature_vector", -1, PURE, featureVectorFunc, 0, 0, 0, 0},
    {"feature_vector_json", 1, PURE, featureVectorJsonFunc, 0, 0, 0, 0},
    /* hash_uniform.c */
    {"hash_uniform", 1, PURE, hashUniformFunc, 0, 0, 0, 0},
    {"hash_uniform", 2, PURE, hashUniformFunc, 0, 0, 0, 0},
    /* model.c */
    {"model_info", 1, READS_MODELS, modelInfoFunc, 0, 0, 0, 0},
    /* registry.c */
    {"model_save", 2, WRITES_REGISTRY, modelSaveFunc, 0, 0, 0, 0},
    {"model_save", 3, WRITES_REGISTRY, modelSaveFunc, 0, 0, 0, 0},
    {"model_load", 1, READS_MODELS, modelLoadFunc, 0, 0, 0, 0},
    {"model_load", 2, READS_MODELS, modelLoadFunc, 0, 0, 0, 0},
    /* aliases.c */
    {"model_alias", 3, WRITES_REGISTRY, modelAliasFunc, 0, 0, 0, 0},
    {"model_alias", 4, WRITES_REGISTRY, modelAliasFunc, 0, 0, 0, 0},
    {"model_rollback", 1, WRITES_REGISTRY, modelRollbackFunc, 0, 0, 0, 0},
    {"model_rollback", 2, WRITES_REGISTRY, modelRollbackFunc, 0, 0, 0, 0},
    {"model_tag", 4, WRITES_REGISTRY, modelTagFunc, 0, 0, 0, 0},
    /* predlog.c */
    {"predict_log", 3, WRITES_REGISTRY, predictLogFunc, 0, 0, 0, 0},
    {"predict_log", 4, WRITES_REGISTRY, predictLogFunc, 0, 0, 0, 0},
    /* compare.c */
    {"model_promote_if_better", 1, WRITES_REGISTRY, modelPromoteIfBetterFunc, 0, 0, 0, 0},
    {"model_promote_if_better", 2, WRITES_REGISTRY, modelPromoteIfBetterFunc, 0, 0, 0, 0},
    /* scaler.c */
    {"scaler_train", 1, PURE, 0, scalerTrainStep, scalerTrainFinal, 0, 0},
    {"scaler_train", 2, PURE, 0, scalerTrainStep, scalerTrainFinal, 0, 0},
    {"scale", 2, READS_MODELS, scaleFunc, 0, 0, 0, 0},
    /* baseline.c */
    {"baseline_train", 1, PURE, 0, baselineTrainStep, baselineTrainFinal, 0, 0},
    {"baseline_train", 2, PURE, 0, baselineTrainStep, baselineTrainFinal, 0, 0},
    {"baseline_score", 2, READS_MODELS, baselineScoreFunc, 0, 0, 0, 0},
    {"baseline_score", 3, READS_MODELS, baselineScoreFunc, 0, 0, 0, 0},
    {"baseline_is_anomaly", 2, READS_MODELS, baselineIsAnomalyFunc, 0, 0, 0, 0},
    {"baseline_is_anomaly", 3, READS_MODELS, baselineIsAnomalyFunc, 0, 0, 0, 0},
    {"baseline_fleet", 1, PURE, 0, baselineFleetStep, baselineFleetFinal, 0, 0},
    {"baseline_shrink", 2, READS_MODELS, baselineShrinkFunc, 0, 0, 0, 0},
    /* gbt_train.c */
    {"gbt_train", 2, PURE, 0, gbtTrainStep, gbtTrainFinal, 0, 0},
    {"gbt_train", 3, PURE, 0, gbtTrainStep, gbtTrainFinal, 0, 0},
    {"gbt_train", 4, PURE, 0, gbtTrainStep, gbtTrainFinal, 0, 0},
    /* predict.c */
    {"predict_duration", 2, READS_MODELS, predictDurationFunc, 0, 0, 0, 0},
    {"predict_duration", 3, READS_MODELS, predictDurationFunc, 0, 0, 0, 0},
    {"predict_interval", 2, READS_MODELS, predictIntervalFunc, 0, 0, 0, 0},
    {"predict_interval", 3, READS_MODELS, predictIntervalFunc, 0, 0, 0, 0},
    {"predict_failure", 2, READS_MODELS, predictFailureFunc, 0, 0, 0, 0},
    {"predict", 2, READS_MODELS, predictFunc, 0, 0, 0, 0},
    {"predict_cdf", 3, READS_MODELS, predictCdfFunc, 0, 0, 0, 0},
    {"predict_cdf", 4, READS_MODELS, predictCdfFunc, 0, 0, 0, 0},
    {"predict_remaining", 3, READS_MODELS, predictRemainingFunc, 0, 0, 0, 0},
    {"predict_remaining", 4, READS_MODELS, predictRemainingFunc, 0, 0, 0, 0},
    /* conformal.c */
    {"interval_calibrate", 3, READS_MODELS, 0, intervalCalibrateStep, intervalCalibrateFinal, 0, 0},
    {"interval_calibrate", 4, READS_MODELS, 0, intervalCalibrateStep, intervalCalibrateFinal, 0, 0},
    {"predict_interval", 4, READS_MODELS, predictIntervalCalibFunc, 0, 0, 0, 0},
    {"predict_cdf", 5, READS_MODELS, predictCdfCalibFunc, 0, 0, 0, 0},
    {"predict_remaining", 5, READS_MODELS, predictRemainingCalibFunc, 0, 0, 0, 0},
    /* iforest.c */
    {"isolation_forest_train", 1, PURE, 0, isolationForestTrainStep, isolationForestTrainFinal, 0, 0},
    {"isolation_forest_train", 2, PURE, 0, isolationForestTrainStep, isolationForestTrainFinal, 0, 0},
    {"isolation_score", 2, READS_MODELS, isolationScoreFunc, 0, 0, 0, 0},
    /* mahalanobis.c */
    {"mahalanobis_train", 1, PURE, 0, mahalanobisTrainStep, mahalanobisTrainFinal, 0, 0},
    {"mahalanobis_train", 2, PURE, 0, mahalanobisTrainStep, mahalanobisTrainFinal, 0, 0},
    {"mahalanobis_score", 2, READS_MODELS, mahalanobisScoreFunc, 0, 0, 0, 0},
    /* anomaly.c */
    {"anomaly_score", 2, READS_MODELS, anomalyScoreFunc, 0, 0, 0, 0},
    {"is_anomaly", 2, READS_MODELS, isAnomalyFunc, 0, 0, 0, 0},
    {"anomaly_report", 2, READS_MODELS, anomalyReportFunc, 0, 0, 0, 0},
    {"anomaly_ensemble", -1, READS_MODELS, anomalyEnsembleFunc, 0, 0, 0, 0},
    /* metrics.c */
    {"regression_metrics", 2, PURE, 0, regressionMetricsStep, regressionMetricsFinal, 0, 0},
    {"classification_metrics", 2, PURE, 0, classificationMetricsStep, classificationMetricsFinal, 0, 0},
    {"classification_metrics", 3, PURE, 0, classificationMetricsStep, classificationMetricsFinal, 0, 0},
    {"interval_coverage", 3, PURE, 0, intervalCoverageStep, intervalCoverageFinal, intervalCoverageValue,
     intervalCoverageInverse},
    /* welch.c */
    {"welch_ttest", 2, PURE, 0, welchStep, welchFinal, welchValue, welchInverse},
    {"welch_ttest", 3, PURE, 0, welchStep, welchFinal, welchValue, welchInverse},
    {"welch_ttest", 4, PURE, 0, welchStep, welchFinal, welchValue, welchInverse},
    /* forecast.c */
    {"forecast_train", 2, PURE, 0, forecastTrainStep, forecastTrainFinal, 0, 0},
    {"forecast_train", 3, PURE, 0, forecastTrainStep, forecastTrainFinal, 0, 0},
    /* trend.c */
    {"trend_test", 2, PURE, 0, trendTestStep, trendTestFinal, 0, 0},
    {"trend_test", 3, PURE, 0, trendTestStep, trendTestFinal, 0, 0},
    /* robust_agg.c */
    {"omen_median", 1, PURE, 0, medianStep, medianFinal, medianValue, medianInverse},
    {"omen_percentile", 2, PURE, 0, percentileStep, percentileFinal, percentileValue, percentileInverse},
    {"omen_mad", 1, PURE, 0, madStep, madFinal, madValue, madInverse},
    {"omen_iqr", 1, PURE, 0, iqrStep, iqrFinal, iqrValue, iqrInverse},
    {"omen_mean", 1, PURE, 0, meanStep, meanValue, meanValue, meanInverse},
    {"omen_variance", 1, PURE, 0, varianceStep, varianceValue, varianceValue, varianceInverse},
    {"omen_stddev", 1, PURE, 0, stddevStep, stddevValue, stddevValue, stddevInverse},
    {"omen_skewness", 1, PURE, 0, skewnessStep, skewnessValue, skewnessValue, skewnessInverse},
    {"omen_kurtosis", 1, PURE, 0, kurtosisStep, kurtosisValue, kurtosisValue, kurtosisInverse},
    /* time_bucket.c */
    {"time_bucket", 2, PURE, timeBucketFunc, 0, 0, 0, 0},
    {"time_bucket", 3, PURE, timeBucketFunc, 0, 0, 0, 0},
    /* sparkline.c */
    {"sparkline", 1, PURE, 0, sparklineStep, sparklineFinal, sparklineValue, sparklineInverse},
    {"sparkline", 2, PURE, 0, sparklineStep, sparklineFinal, sparklineValue, sparklineInverse},
    /* sequential.c (xInverse only refuses sliding frames) */
    {"sequential_test", 2, PURE, 0, sequentialStep, sequentialFinal, sequentialValue, sequentialInverse},
    {"sequential_test", 3, PURE, 0, sequentialStep, sequentialFinal, sequentialValue, sequentialInverse},
    /* power.c */
    {"sample_size_means", 2, PURE, sampleSizeMeansFunc, 0, 0, 0, 0},
    {"sample_size_means", 3, PURE, sampleSizeMeansFunc, 0, 0, 0, 0},
    {"sample_size_means", 4, PURE, sampleSizeMeansFunc, 0, 0, 0, 0},
    {"sample_size_means", 5, PURE, sampleSizeMeansFunc, 0, 0, 0, 0},
    {"sample_size_means", 6, PURE, sampleSizeMeansFunc, 0, 0, 0, 0},
    {"power_means", 3, PURE, powerMeansFunc, 0, 0, 0, 0},
    {"power_means", 4, PURE, powerMeansFunc, 0, 0, 0, 0},
    {"power_means", 5, PURE, powerMeansFunc, 0, 0, 0, 0},
    {"power_means", 6, PURE, powerMeansFunc, 0, 0, 0, 0},
    {"mde_means", 2, PURE, mdeMeansFunc, 0, 0, 0, 0},
    {"mde_means", 3, PURE, mdeMeansFunc, 0, 0, 0, 0},
    {"mde_means", 4, PURE, mdeMeansFunc, 0, 0, 0, 0},
    {"mde_means", 5, PURE, mdeMeansFunc, 0, 0, 0, 0},
    {"mde_means", 6, PURE, mdeMeansFunc, 0, 0, 0, 0},
    {"sample_size_proportions", 2, PURE, sampleSizeProportionsFunc, 0, 0, 0, 0},
    {"sample_size_proportions", 3, PURE, sampleSizeProportionsFunc, 0, 0, 0, 0},
    {"sample_size_proportions", 4, PURE, sampleSizeProportionsFunc, 0, 0, 0, 0},
    {"sample_size_proportions", 5, PURE, sampleSizeProportionsFunc, 0, 0, 0, 0},
    {"sample_size_proportions", 6, PURE, sampleSizeProportionsFunc, 0, 0, 0, 0},
    {"power_proportions", 3, PURE, powerProportionsFunc, 0, 0, 0, 0},
    {"power_proportions", 4, PURE, powerProportionsFunc, 0, 0, 0, 0},
    {"power_proportions", 5, PURE, powerProportionsFunc, 0, 0, 0, 0},
    {"power_proportions", 6, PURE, powerProportionsFunc, 0, 0, 0, 0},
    /* ab_assign.c */
    {"ab_assign", 2, PURE, abAssignFunc, 0, 0, 0, 0},
    {"ab_assign", 3, PURE, abAssignFunc, 0, 0, 0, 0},
    {"ab_assign", 4, PURE, abAssignFunc, 0, 0, 0, 0},
    {"ab_bucket", 2, PURE, abBucketFunc, 0, 0, 0, 0},
    {"ab_bucket", 3, PURE, abBucketFunc, 0, 0, 0, 0},
    /* group_tests.c */
    {"proportions_ztest", 2, PURE, 0, proportionsZtestStep, proportionsZtestFinal, proportionsZtestValue, proportionsZtestInverse},
    {"proportions_ztest", 3, PURE, 0, proportionsZtestStep, proportionsZtestFinal, proportionsZtestValue, proportionsZtestInverse},
    {"proportions_ztest", 4, PURE, 0, proportionsZtestStep, proportionsZtestFinal, proportionsZtestValue, proportionsZtestInverse},
    {"chi2_test", 2, PURE, 0, chi2TestStep, chi2TestFinal, chi2TestValue, chi2TestInverse},
    {"chi2_test", 3, PURE, 0, chi2TestStep, chi2TestFinal, chi2TestValue, chi2TestInverse},
    {"anova_oneway", 2, PURE, 0, anovaOnewayStep, anovaOnewayFinal, anovaOnewayValue, anovaOnewayInverse},
    {"anova_oneway", 3, PURE, 0, anovaOnewayStep, anovaOnewayFinal, anovaOnewayValue, anovaOnewayInverse},
    /* ranktests.c */
    {"mann_whitney", 2, PURE, 0, mannWhitneyStep, mannWhitneyFinal, mannWhitneyValue, mannWhitneyInverse},
    {"mann_whitney", 3, PURE, 0, mannWhitneyStep, mannWhitneyFinal, mannWhitneyValue, mannWhitneyInverse},
    {"mann_whitney", 4, PURE, 0, mannWhitneyStep, mannWhitneyFinal, mannWhitneyValue, mannWhitneyInverse},
    {"ks_2samp", 2, PURE, 0, ks2sampStep, ks2sampFinal, ks2sampValue, ks2sampInverse},
    {"ks_2samp", 3, PURE, 0, ks2sampStep, ks2sampFinal, ks2sampValue, ks2sampInverse},
    /* bandit.c */
    {"bandit_update", 2, PURE, 0, banditUpdateStep, banditUpdateFinal, 0, 0},
    {"bandit_update", 3, PURE, 0, banditUpdateStep, banditUpdateFinal, 0, 0},
    {"bandit_merge", 1, PURE, 0, banditMergeStep, banditMergeFinal, 0, 0},
    {"bandit_choose", 1, READS_MODELS, banditChooseFunc, 0, 0, 0, 0},
    {"bandit_choose", 2, READS_MODELS, banditChooseFunc, 0, 0, 0, 0},
    {"linucb_update", 3, PURE, 0, linucbUpdateStep, linucbUpdateFinal, 0, 0},
    {"linucb_update", 4, PURE, 0, linucbUpdateStep, linucbUpdateFinal, 0, 0},
    {"linucb_choose", 2, READS_MODELS, linucbChooseFunc, 0, 0, 0, 0},
    {"linucb_choose", 3, READS_MODELS, linucbChooseFunc, 0, 0, 0, 0},
    /* experiment.c */
    {"experiment_report", 2, PURE, 0, experimentReportStep, experimentReportFinal, experimentReportValue,
     experimentReportInverse},
    {"experiment_report", 3, PURE, 0, experimentReportStep, experimentReportFinal, experimentReportValue,
     experimentReportInverse},
    {"experiment_report", 4, PURE, 0, experimentReportStep, experimentReportFinal, experimentReportValue,
     experimentReportInverse},
    /* paired.c */
    {"paired_ttest", 2, PURE, 0, pairedTtestStep, pairedTtestFinal, pairedTtestValue, pairedTtestInverse},
    {"paired_ttest", 3, PURE, 0, pairedTtestStep, pairedTtestFinal, pairedTtestValue, pairedTtestInverse},
    {"paired_ttest", 4, PURE, 0, pairedTtestStep, pairedTtestFinal, pairedTtestValue, pairedTtestInverse},
    {"wilcoxon_signed_rank", 2, PURE, 0, wilcoxonSignedRankStep, wilcoxonSignedRankFinal, wilcoxonSignedRankValue,
     wilcoxonSignedRankInverse},
    {"wilcoxon_signed_rank", 3, PURE, 0, wilcoxonSignedRankStep, wilcoxonSignedRankFinal, wilcoxonSignedRankValue,
     wilcoxonSignedRankInverse},
    {"wilcoxon_signed_rank", 4, PURE, 0, wilcoxonSignedRankStep, wilcoxonSignedRankFinal, wilcoxonSignedRankValue,
     wilcoxonSignedRankInverse},
    /* drift.c */
    {"feature_drift", 2, READS_MODELS, 0, featureDriftStep, featureDriftFinal, 0, 0},
    /* welch_state.c: mergeable states of welch_ttest */
    {"welch_ttest_state", 1, PURE, 0, welchStateStep, welchStateFinal, 0, 0},
    {"welch_ttest_state", 2, PURE, 0, welchStateStep, welchStateFinal, 0, 0},
    {"welch_ttest_state", 3, PURE, 0, welchStateStep, welchStateFinal, 0, 0},
    {"welch_ttest_state", 4, PURE, 0, welchStateStep, welchStateFinal, 0, 0},
    {"welch_ttest_merge", 1, PURE, 0, welchMergeStep, welchMergeFinal, 0, 0},
    /* metrics_state.c: mergeable states of the metrics aggregates */
    {"interval_coverage_state", 1, PURE, 0, intervalCoverageStateStep, intervalCoverageStateFinal, 0, 0},
    {"interval_coverage_state", 3, PURE, 0, intervalCoverageStateStep, intervalCoverageStateFinal, 0, 0},
    {"interval_coverage_merge", 1, PURE, 0, intervalCoverageMergeStep, metricsMergeFinal, 0, 0},
    {"regression_metrics_state", 1, PURE, 0, regressionMetricsStateStep, regressionMetricsStateFinal, 0, 0},
    {"regression_metrics_state", 2, PURE, 0, regressionMetricsStateStep, regressionMetricsStateFinal, 0, 0},
    {"regression_metrics_merge", 1, PURE, 0, regressionMetricsMergeStep, metricsMergeFinal, 0, 0},
    {"classification_metrics_state", 1, PURE, 0, classificationMetricsStateStep, classificationMetricsStateFinal, 0, 0},
    {"classification_metrics_state", 2, PURE, 0, classificationMetricsStateStep, classificationMetricsStateFinal, 0, 0},
    {"classification_metrics_state", 3, PURE, 0, classificationMetricsStateStep, classificationMetricsStateFinal, 0, 0},
    {"classification_metrics_merge", 1, PURE, 0, classificationMetricsMergeStep, metricsMergeFinal, 0, 0},
    /* scaler_state.c: mergeable states of scaler_train */
    {"scaler_train_state", 1, PURE, 0, scalerTrainStateStep, scalerTrainStateFinal, 0, 0},
    {"scaler_train_state", 2, PURE, 0, scalerTrainStateStep, scalerTrainStateFinal, 0, 0},
    {"scaler_merge", 1, PURE, 0, scalerMergeStep, scalerMergeFinal, 0, 0},
    /* baseline_state.c: mergeable states of baseline_train */
    {"baseline_train_state", 1, PURE, 0, baselineTrainStateStep, baselineTrainStateFinal, 0, 0},
    {"baseline_train_state", 2, PURE, 0, baselineTrainStateStep, baselineTrainStateFinal, 0, 0},
    {"baseline_merge", 1, PURE, 0, baselineMergeStep, baselineMergeFinal, 0, 0},
    /* mahalanobis_state.c: mergeable states of mahalanobis_train */
    {"mahalanobis_train_state", 1, PURE, 0, mahalanobisTrainStateStep, mahalanobisTrainStateFinal, 0, 0},
    {"mahalanobis_train_state", 2, PURE, 0, mahalanobisTrainStateStep, mahalanobisTrainStateFinal, 0, 0},
    {"mahalanobis_merge", 1, PURE, 0, mahalanobisMergeStep, mahalanobisMergeFinal, 0, 0},
};

/* The entry points are the only names omen.so exports (behaviour 1). */
#ifdef _WIN32
#define OMEN_EXPORT __declspec(dllexport)
#else
#define OMEN_EXPORT __attribute__((visibility("default")))
#endif

/* The registration both entry points share.  Called directly (never through
** the exported name, which a preloaded build/libomen_auto.so also defines and
** would interpose), so each file registers its own copy of omen. */
static int omen_register(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi) {
  size_t i;
  int rc = SQLITE_OK;
  omen_conn *conn;
  SQLITE_EXTENSION_INIT2(pApi);
  /* Behaviour 6: older versions ignore SQLITE_DIRECTONLY, so a view could
  ** call model_save() (docs/SECURITY.md). */
  if (sqlite3_libversion_number() < OMEN_MIN_SQLITE) {
    if (pzErrMsg)
      *pzErrMsg = sqlite3_mprintf("omen: needs SQLite 3.31.0 or later (for SQLITE_DIRECTONLY); this is %s",
                                  sqlite3_libversion());
    return SQLITE_ERROR;
  }
  { /* behaviour 7 */
    sqlite3_stmt *st = NULL;
    int prc = sqlite3_prepare_v2(db, "SELECT " OMEN_JSON_PROBE "('{}', '$')", -1, &st, 0);
    int missing = prc == SQLITE_ERROR && strstr(sqlite3_errmsg(db), "no such function") != NULL;
    sqlite3_finalize(st);
    if (missing) {
      if (pzErrMsg)
        *pzErrMsg = sqlite3_mprintf("omen: needs SQLite's JSON functions (json_extract, json_each: built in from "
                                    "SQLite 3.38.0, the JSON1 extension before); this SQLite %s has none",
                                    sqlite3_libversion());
      return SQLITE_ERROR;
    }
  }
  /* Per-connection state (the connection's model cache, model.c): the user
  ** data of every function, one reference per registration, freed by
  ** omen_conn_unref when the last of them goes (the connection closes, or
  ** the extension is loaded again).  SQLite calls the destructor itself when
  ** a registration fails. */
  conn = omen_conn_new();
  if (!conn) {
    if (pzErrMsg) *pzErrMsg = sqlite3_mprintf("omen: cannot register %s: %s", omen_funcs[0].name,
                                              sqlite3_errstr(SQLITE_NOMEM));
    return SQLITE_NOMEM;
  }
  for (i = 0; i < sizeof omen_funcs / sizeof omen_funcs[0]; i++) {
    const omen_func *f = &omen_funcs[i];
    omen_conn_ref(conn);
    if (f->xValue)
      rc = sqlite3_create_window_function(db, f->name, f->n_arg, f->flags, conn, f->xStep, f->xFinal, f->xValue,
                                          f->xInverse, omen_conn_unref);
    else
      rc = sqlite3_create_function_v2(db, f->name, f->n_arg, f->flags, conn, f->xFunc, f->xStep, f->xFinal,
                                      omen_conn_unref);
    if (rc != SQLITE_OK) {
      if (pzErrMsg) *pzErrMsg = sqlite3_mprintf("omen: cannot register %s: %s", f->name, sqlite3_errstr(rc));
      goto done;
    }
  }
  for (i = 0; i < sizeof omen_modules / sizeof omen_modules[0]; i++) {
    rc = sqlite3_create_module_v2(db, omen_modules[i].name, omen_modules[i].module, 0, 0);
    if (rc != SQLITE_OK) {
      if (pzErrMsg) *pzErrMsg = sqlite3_mprintf("omen: cannot register %s: %s", omen_modules[i].name, sqlite3_errstr(rc));
      goto done;
    }
  }
done:
  omen_conn_unref(conn); /* ours; the registered functions hold the rest */
  return rc;
}

OMEN_EXPORT int sqlite3_omen_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi) {
  return omen_register(db, pzErrMsg, pApi);
}

/* Behaviour 1: the Debian package installs omen.so as mod_omen.so, Debian's
** name for SQLite modules (mod_spatialite.so), so that `.load mod_omen` finds
** it; SQLite then looks for sqlite3_modomen_init (the letters of the file
** name up to the first '.', after any "lib"). */
OMEN_EXPORT int sqlite3_modomen_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi) {
  return omen_register(db, pzErrMsg, pApi);
}
