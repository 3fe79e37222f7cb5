/*
** mdl_kind.h — the table of model kinds: what every part of omen that handles
** a model (the registry, model_info, the model caches, model_importance,
** model_features, the scorers) needs to know about a kind, in one row per
** kind, the way sqlite3_module describes a virtual table.
**
** A kind is its own files (a codec and scorer in its core family, its SQL
** functions in ext/) plus one row: a `const mdl_kind_def` defined by the
** family (e.g. gbt_kind in core/gbt/gbt_kind.c) and listed in mdl_kinds.c.
** Nothing else switches on kinds: callers look a row up by the envelope's
** code and call through it.
**
** Behaviours:
**   1. Codes are file-format constants (mdl_kind below): never reused,
**      never renumbered.  Names are what model_info, the registry's `kind`
**      column and error messages show.
**   2. mdl_kind_get(code) returns the row, or NULL for a code this build does
**      not know; mdl_kind_name(code) its name or NULL.
**   3. open() decodes and validates the payload of an envelope that mdl_open
**      already validated (it checks the payload version itself, and never
**      reads out of bounds: a bad payload is OM_CORRUPT, a newer version
**      OM_UNSUPPORTED_VERSION).  The decoded model does not keep the view;
**      it may point into the BLOB, which the caller keeps alive (and
**      unchanged) until close().  A decoded model is read-only: scoring it
**      from several statements in turn is safe.
**   4. mdl_decode(blob, n) = mdl_open + the row's open: what the registry
**      checks before it stores a model, and what every scorer uses.  An
**      unknown code is OM_UNSUPPORTED_VERSION "model kind N is not
**      supported by this build".
**   5. Optional hooks (NULL when a kind has none):
**      - row_prepare: turn one row of the view's features (num/cat by
**        position, missing[i] = 1 when the row gives no value) into the
**        kind's scoring row x[n_features].  For a categorical feature,
**        x[i] == 0 means "a category the model does not know" (unseen,
**        too rare, or missing): model_features reports it as
**        'other_category'.
**      - info: extra members written into model_info's JSON object (the
**        caller opened the object; the hook writes key/value pairs).
**      - importance: per-feature importance, n_features rows in schema
**        order (model_importance).
**   6. Anomaly detectors (isolation forest, baseline, Mahalanobis, ensemble)
**      fill three more hooks, which is all that isolation-score-like
**      functions, anomaly_explain, anomaly_report and anomaly_ensemble use:
**      - anomaly_score(model, x): the kind's own score of a prepared row,
**        higher = more anomalous (iforest: 2^-E[h]/c, in (0, 1]; baseline:
**        the largest |robust z|; Mahalanobis: the distance); NaN when the
**        row gives nothing to score.
**      - anomaly_threshold(model): the row is an anomaly when its score is
**        strictly greater.  score / threshold is the kind-free "severity"
**        the ensemble combines (> 1: beyond the threshold).
**      - explain(model, x, out): one mdl_evidence per feature (schema
**        order): what the row gave, the range the model expected, how far
**        outside it the value is, and the feature's share of the score.
**        Writes only into out; allocates nothing.
**      - report (optional): members the kind adds to anomaly_report's JSON
**        object for the row last scored by anomaly_score (Mahalanobis: the
**        distance's chi-square tail; ensemble: its members' votes).
**   7. contributions (optional; explain.c, gbt: gbt_shap.c): additive
**      contributions of the features of a prepared row x to the kind's raw
**      score, out[n_features] the constant (bias) and Σ out = raw(x); with
**      ref (a prepared row, may be NULL) the contributions to raw(x) −
**      raw(ref) instead, out[n_features] = 0.  Allocates nothing; a model
**      that cannot be explained is OM_INVALID with a message.  A kind with
**      this hook also fills mdl_importance.shap (mean |contribution| over a
**      sample of training rows, NaN when the model has none); importance
**      callers set shap to NaN before calling the hook.
**   8. Mergeable states (a *_state() aggregate's BLOB: welch_state, ...) are
**      kinds like models.  mdl_kind_mismatch words a wrong kind for a model
**      argument, mdl_state_mismatch for a state argument (naming the SQL
**      function that makes the expected state); an unknown code is named by
**      its number in both.
*/
#ifndef MDL_KIND_H
#define MDL_KIND_H

#include "mdl.h"
#include "om_json.h"

/* Codes in the envelope (behaviour 1). */
typedef enum mdl_kind {
  MDL_KIND_SCALER = 1,
  MDL_KIND_GBT = 2,
  MDL_KIND_IFOREST = 3,
  MDL_KIND_BASELINE = 4,
  MDL_KIND_MAHALANOBIS = 5,
  MDL_KIND_ENSEMBLE = 6,
  MDL_KIND_CONFORMAL = 7,
  MDL_KIND_FORECAST = 8,
  MDL_KIND_BANDIT = 9, /* core/bandit/bd_kind.c */
  MDL_KIND_WELCH_STATE = 10, /* core/stats/st_welch_kind.c: welch_ttest_state() */
  MDL_KIND_METRICS_STATE = 11, /* core/stats/st_metrics_kind.c: *_metrics_state(), interval_coverage_state() */
  MDL_KIND_SCALER_STATE = 12, /* core/prep/scl_state_kind.c: scaler_train_state() */
  MDL_KIND_BASELINE_STATE = 13, /* core/baseline/bl_state_kind.c: baseline_train_state() */
  MDL_KIND_MAHALANOBIS_STATE = 14 /* core/robust/mah_state_kind.c: mahalanobis_train_state() */
} mdl_kind;

typedef struct mdl_importance {
  double gain;     /* the kind's measure of how much the feature matters */
  double cover;    /* the kind's measure of how many rows it touched */
  uint64_t splits; /* number of splits (or uses) of the feature */
  double shap;     /* mean |contribution| (behaviour 7), NaN when none */
} mdl_importance;

/* One feature's evidence for one row (behaviour 6; anomaly_explain's row). */
typedef struct mdl_evidence {
  double value;        /* the value as the model scored it (NaN: missing; a
                       ** category: its frequency or code, kind-defined) */
  double expected_lo;  /* the range the model expected (NaN when none) */
  double expected_hi;
  double deviation;    /* signed, in the kind's units: baseline the robust z,
                       ** Mahalanobis (x - mean)/sd, iforest the distance
                       ** outside the range in range widths (0 inside) */
  double contribution; /* the feature's share of the score, >= 0 for most
                       ** kinds; the kind documents how they add up */
} mdl_evidence;

typedef struct mdl_kind_def {
  uint16_t code;
  const char *name;
  uint16_t payload_version; /* the version this build writes (and the newest it reads) */
  uint16_t payload_oldest;  /* the oldest payload version it reads */
  om_status (*open)(const mdl_view *v, void **model, om_err *err);
  void (*close)(void *model);
  void (*row_prepare)(const void *model, const double *num, const uint64_t *cat, const uint8_t *missing,
                      double *x);
  om_status (*info)(const void *model, om_jw *j, om_err *err);
  om_status (*importance)(const void *model, mdl_importance *out /* [n_features] */, om_err *err);
  double (*anomaly_score)(const void *model, const double *x);
  double (*anomaly_threshold)(const void *model);
  void (*explain)(const void *model, const double *x, mdl_evidence *out /* [n_features] */);
  void (*report)(const void *model, om_jw *j);
  om_status (*contributions)(const void *model, const double *x, const double *ref,
                             double *out /* [n_features + 1] */, om_err *err);
} mdl_kind_def;

const mdl_kind_def *mdl_kind_get(uint16_t code);
const char *mdl_kind_name(uint16_t code);
/* The rows, in code order, for listings (omen_build_info). */
size_t mdl_kind_count(void);
const mdl_kind_def *mdl_kind_at(size_t i);

/* Behaviour 4.  On OM_OK *view is open (mdl_view_free), *kind is its row and
** *model is decoded (kind->close); on failure nothing is left to free. */
om_status mdl_decode(const uint8_t *blob, size_t n, mdl_view *view, const mdl_kind_def **kind, void **model,
                     om_err *err);

/* "model is a gbt model; expected a scaler model" (or "has unknown kind N")
** into err with status OM_INVALID, for a view whose kind is not want. */
om_status mdl_kind_mismatch(uint16_t have, uint16_t want, om_err *err);
/* The same for a mergeable state (a *_state() BLOB): "the state is a bandit
** state; expected a welch_state, from welch_ttest_state()" (or "the state has
** unknown kind N; ..."), naming maker, the SQL function that makes want. */
om_status mdl_state_mismatch(uint16_t have, uint16_t want, const char *maker, om_err *err);

#endif /* MDL_KIND_H */
