/*
** scl.h — the scaler model kind (MDL_KIND_SCALER): per-feature centring and
** scaling of feature vectors, trained by the scaler_train() aggregate and
** applied by scale().
**
** Methods (the same definitions as scikit-learn's preprocessing scalers):
**   standard  center = mean, scale = population standard deviation (ddof 0),
**             as StandardScaler;
**   robust    center = median, scale = q75 - q25 (linear interpolation between
**             order statistics, numpy's default), as RobustScaler;
**   minmax    center = min, scale = max - min, giving [0, 1], as MinMaxScaler.
**
** Behaviours:
**   1. Only numeric features are scaled.  Categorical features are recorded in
**      the schema (so a type mismatch at scale() time is reported) and passed
**      through unchanged; missing values stay missing and are ignored by
**      training, like NaN in scikit-learn.
**   2. A scale of exactly 0 (constant feature, or no values at all) is
**      stored as 1, as scikit-learn does; such a feature is only centred.
**      (scikit-learn's Robust/MinMax scalers also treat spreads below
**      ~2.2e-15 as zero; omen keeps the exact definition.)  A center or scale
**      that is not representable (minmax or robust with max − min or
**      q75 − q25 beyond 1.8e308) is an error naming the feature, never a
**      silent scale of 1.  Intermediate overflow is not an error: 'standard'
**      accumulates the EXACT sums of x and x^2 (om_xsum, ../base/om_xsum.h:
**      integers, so any order of the rows and any split and merge of them
**      gives the same bits) and takes the mean and the population standard
**      deviation from them with one final rounding each (om_xsum_mean_sd,
**      ddof 0), for any finite values (the sd of {-1.7e308, 1.7e308} is
**      1.7e308); percentiles interpolate as (1−f)·a + f·b when
**      a + f·(b − a) overflows.  (Before the exact sums, 'standard' used
**      Welford's update, whose result could differ in the last bits.)
**   8. scl_feature_fit is that computation for one numeric feature, and
**      scl_write_model the envelope around the results (payload, options
**      {"method": ...}, rows_used/rows_skipped, the profile, then the check
**      of point 6): scaler_train and scaler_merge (scl_state.h) share both,
**      so equal inputs give equal BLOBs.
**   6. scl_accum_finish opens the envelope it wrote with scl_model_open (the
**      decoder model_save() and scale() use) before returning it: a model
**      that would not load is an error, never a BLOB.
**   3. A feature that is numeric in one training row and categorical in
**      another is an error naming it.
**   4. scl_transform passes features the model does not know through
**      unchanged, and reports a feature whose type differs from the model's.
**      It computes (x − center) / scale, or x/scale − center/scale when
**      x − center overflows; a result beyond ±1.8e308 is an error.
**   7. The model carries the training profile of the rows used (envelope
**      format 2, ../base/mdl_profile.h), fed value by value.
**   5. Payload (version 1): u8 method, 7 reserved zero bytes, then for each
**      schema feature in schema order: f64 center, f64 scale (finite,
**      scale > 0; categorical features hold 0 and 1).
*/
#ifndef SCL_H
#define SCL_H

#include "../base/mdl_kind.h"
#include "../base/om_xsum.h"

#define SCL_PAYLOAD_VERSION 1

typedef enum scl_method { SCL_STANDARD = 0, SCL_ROBUST = 1, SCL_MINMAX = 2 } scl_method;

const char *scl_method_name(scl_method m);
/* Parse 'standard' | 'robust' | 'minmax'; returns 0 on success. */
int scl_method_parse(const char *s, size_t n, scl_method *out);

typedef struct scl_feat {
  char *name;        /* owned copy */
  size_t name_len;
  uint8_t type;      /* 0 not yet known (only missing so far), FV_NUMERIC, FV_CATEGORICAL */
  uint64_t n;        /* non-missing numeric values */
  om_xsum *sums;     /* standard: exact sums of x and x^2 (owned; point 2) */
  double min, max;   /* minmax */
  double *vals;      /* robust: every value (owned) */
  size_t cap;
  uint32_t prof;     /* its training-profile slot (MDL_PB_NONE until typed) */
} scl_feat;

typedef struct scl_accum {
  scl_method method;
  scl_feat *feats;   /* sorted by name */
  size_t n_feats, cap;
  uint64_t rows_used, rows_skipped;
  mdl_pbuild *prof;  /* point 7; created by the first row */
} scl_accum;

void scl_accum_init(scl_accum *a, scl_method method);
/* Add one row (a feature-vector BLOB).  OM_CORRUPT for a bad vector,
** OM_INVALID for a type conflict, OM_NOMEM. */
om_status scl_accum_add(scl_accum *a, const void *fv, size_t n, om_err *err);
/* Write the trained model (a complete envelope) to w. */
om_status scl_accum_finish(scl_accum *a, om_wbuf *w, om_err *err);
void scl_accum_free(scl_accum *a);

/* Point 8: center and scale of a numeric feature with n > 0 values:
** standard from sums (carried in place), minmax from min and max, robust
** from sorted[0..n).  A center or scale beyond the double range is
** OM_INVALID naming the feature (name, len). */
om_status scl_feature_fit(scl_method method, om_xsum *sums, double min, double max, const double *sorted, uint64_t n,
                          const char *name, size_t len, double *center, double *scale, om_err *err);
/* Point 8: the scaler envelope for schema feats[0..nf) (center/scale per
** feature, categorical 0/1), rows, and the profile (NULL: none). */
om_status scl_write_model(om_wbuf *w, scl_method method, const mdl_feature *feats, uint32_t nf, const double *center,
                          const double *scale, uint64_t rows_used, uint64_t rows_skipped, const mdl_profile *prof,
                          om_err *err);

typedef struct scl_model {
  mdl_view view;     /* owns the features array; borrows the BLOB */
  scl_method method;
  double *center;    /* [view.n_features] */
  double *scale;     /* [view.n_features] */
} scl_model;

/* Decode a scaler from a BLOB the caller keeps alive while the model is used. */
om_status scl_model_open(const uint8_t *blob, size_t n, scl_model *m, om_err *err);
/* Decode the payload of an already opened envelope (takes ownership of *v). */
om_status scl_model_from_view(mdl_view *v, scl_model *m, om_err *err);
void scl_model_free(scl_model *m);
/* Scale one feature vector into w (reset by the caller).  Allocation-free
** when w has room. */
om_status scl_transform(const scl_model *m, const void *fv, size_t n, om_wbuf *w, om_err *err);

#endif /* SCL_H */
