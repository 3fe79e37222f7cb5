/*
** bl.h — the baseline model kind (MDL_KIND_BASELINE): a robust summary of one
** metric (or of each numeric feature of a feature vector) over a job's history,
** the robust z-score of a new value against it, and an empirical-Bayes fleet
** prior that shrinks the dispersion of jobs with few runs.
**
**   baseline_train(value [, options])   aggregate, GROUP BY job   (bl_accum_*)
**   baseline_score(model, value [, fleet]) → robust z              (bl_score_x)
**   baseline_fleet(job_model)           aggregate over job models (bl_fleet_*)
**   baseline_shrink(job_model, fleet)   → a shrunk job model      (bl_shrink)
**
** Behaviours (tests/unit/test_bl.c cites them by number):
**   1. Summary.  Per numeric feature: n (values seen), n_kept (values behind
**      the order statistics), min, max, mean, sd (population, ddof 0, as
**      numpy.std), median, MAD = median(|x - median|) (raw, unscaled: scipy's
**      median_abs_deviation with scale 1), MeanAD = mean(|x - median|), and
**      the quantiles at the payload's levels (format 1 writes 1, 5, 25, 75,
**      95 and 99 %).  Medians and quantiles are numpy.percentile's default
**      ('linear': v[lo] + f·(v[lo+1] - v[lo]) at position q·(n - 1)).
**   2. Memory.  Exact order statistics need the values: each feature keeps
**      up to max_values of them (default 1,000,000: 8 MB), so a per-job group
**      costs O(its rows).  Beyond max_values a feature keeps a uniform
**      reservoir sample (Vitter's algorithm R, a splitmix64 stream seeded
**      with the seed option and the feature's name, so the same rows in the
**      same order give the same model): median, MAD, MeanAD and quantiles
**      then describe the sample (n_kept = max_values), while n, min, max,
**      mean and sd are exact over every value.
**   3. Robust z.  z = 0.6745·(x - median)/MAD (Iglewicz & Hoaglin 1993; the
**      constant is theirs, Φ⁻¹(0.75) rounded).  The scale a feature scores
**      with, in standard-deviation units, is its `source`:
**        MAD      MAD > 0:                     scale = MAD/0.6745
**        MEANAD   MAD = 0 < MeanAD:            scale = 1.253314·MeanAD and
**                 z = (x - median)/(1.253314·MeanAD) (IBM's modified z;
**                 1.253314 ≈ √(π/2), MeanAD's normal-consistency factor)
**        CONSTANT MAD = MeanAD = 0 (every kept value equal), median ≠ 0:
**                 scale = constant_cv·|median| (default constant_cv 0.01:
**                 a job that always took 60 s is one "sd" off at 60.6 s and
**                 an anomaly, with the default threshold, beyond 62.1 s)
**        CONSTANT_ZERO  the same with median = 0: scale 0, z = 0 for x = 0
**                 and ±Inf otherwise (any change from a constant zero)
**        SHRUNK   set by the fleet (behaviour 9)
**        NONE     the feature never had a value (n = 0): z is NaN.
**      z of x = ±Inf is ±Inf; of NaN (missing) NaN.  x - median that
**      overflows is computed on halves, so z is finite whenever it can be.
**   4. Several features: the score is the z of the feature with the largest
**      |z| (signed; the first in schema order on a tie); missing features and
**      NONE features are skipped; no feature to score gives NaN.  The
**      anomaly score (mdl_kind.h 6) is that largest |z|; the threshold is the
**      threshold option (default 3.5, Iglewicz & Hoaglin's cut-off); a row
**      is an anomaly when |z| > threshold.
**   5. Evidence (explain): per feature, the value, the expected range
**      median ± threshold·scale (the values whose |z| is at most the
**      threshold), deviation = the robust z itself, signed (so |deviation|
**      > threshold exactly when the value is outside the range; the table of
**      docs/anomaly_explain.md: "baseline ... robust z") and
**      contribution = |z|/Σ|z| over the scored features (0 when Σ is 0; when
**      some |z| are infinite they share 1 equally).  Missing: value NaN,
**      deviation NaN, contribution 0.
**   6. Training errors: a categorical feature ("a baseline summarises numeric
**      features only"), more than 65535 features, and statistics that are
**      not doubles (MAD, scale or sd beyond 1.8e308: values of ±1e308 mixed)
**      are OM_INVALID naming the feature; a corrupt vector OM_CORRUPT.  The
**      finished envelope is decoded with bl_decode before it is returned.
**   7. Payload (format BL_FORMAT = 1), little-endian:
**        u8 role (0 job baseline, 1 fleet prior), 7 reserved zero bytes,
**        f64 threshold, f64 constant_cv, u32 n_levels, u32 reserved 0,
**        f64 levels[n_levels];
**      then per schema feature, in schema order, for a job baseline:
**        u8 source, 7 reserved zero bytes, u64 n, u64 n_kept,
**        f64 min, max, mean, sd, median, mad, meanad, q[n_levels],
**        f64 scale, f64 weight, f64 prior_mu, f64 prior_tau2
**      or for a fleet prior (n_levels 0, threshold and constant_cv 0):
**        u8 has_prior, 7 reserved zero bytes, u64 jobs, u64 jobs_used,
**        f64 mu, f64 tau2, f64 var_u, f64 mean_v.
**   8. The decoder checks everything (OM_CORRUPT "baseline payload is
**      corrupt (...)"; a payload version other than 1 is
**      OM_UNSUPPORTED_VERSION): role, reserved bytes, exact length, every
**      schema feature numeric; threshold in (0, 1e6], constant_cv in (0, 1];
**      n_levels <= BL_MAX_LEVELS with levels strictly increasing in [0, 1];
**      per job feature: every f64 finite, n_kept <= n, n = 0 exactly when
**      n_kept = 0 and then all zeros with source NONE, otherwise min <= q[0]
**      <= ... <= max (the quantiles sorted), min <= median, mean <= max,
**      sd, mad, meanad >= 0, and the source agreeing bit for bit with the
**      statistics (MAD: mad > 0 and scale = mad/0.6745; MEANAD: mad = 0 <
**      meanad and scale = 1.253314·meanad; CONSTANT: mad = meanad = 0,
**      median ≠ 0, scale = constant_cv·|median|; CONSTANT_ZERO: scale 0 and
**      median 0; those four with weight 1 and no prior; SHRUNK: median ≠ 0,
**      scale > 0, weight in [0, 1], prior_tau2 >= 0, and the raw statistics'
**      own scale finite, so shrinking it again loads); per fleet feature:
**      jobs_used <= jobs, has_prior exactly when jobs_used >= 3, tau2 =
**      max(0, var_u - mean_v), var_u, mean_v >= 0, all zeros without a prior.
**   9. Fleet shrinkage (empirical Bayes, after Smyth 2004, limma's
**      squeezeVar, on the log scale).  Jobs differ in scale (10 minutes vs 2
**      hours), so what is shrunk is the relative dispersion.  For a job
**      feature with n_kept >= 2, MAD > 0 and median ≠ 0:
**          u = log(MAD / (0.6745·|median|)) - E_n,   sampling variance V_n
**      where E_n and V_n are the mean and variance of log(MAD/0.6745) -
**      log σ for n normal values (bl_moments.c; the part digamma and
**      trigamma play for log s² in limma).  The fleet (baseline_fleet over
**      the job models) takes, over its J jobs with such a u:
**          mu = mean(u),  tau2 = max(0, var(u) - mean(V_n))   (var: J - 1)
**      — the method of moments for the between-job variance — and holds a
**      prior when J >= 3.  A job is then shrunk to
**          w = tau2/(tau2 + V_n),  θ = w·u + (1 - w)·mu,
**          scale = |median|·exp(θ)        (source SHRUNK, weight w)
**      (w is 0 for a job without a u: one run, MAD = 0 or a constant
**      history gets the fleet's typical relative dispersion exp(mu)).  As
**      V_n ≈ C/n (C = 1.3605, the MAD's asymptotic variance of log), w ≈
**      n/(n + k) with k = C/tau2: the fleet is worth k runs.  The median is
**      never shrunk.  Shrinking starts from the raw statistics, so shrinking
**      a shrunk model again is the same as shrinking the original; a feature
**      the fleet has no prior for, or whose median is 0, keeps its own
**      scale (and exp(θ) that under- or overflows leaves it unchanged too).
**  10. Ownership.  A bl_model's names array is owned, its strings borrowed
**      (from the BLOB it was decoded from, or from the accumulator): keep
**      that alive while the model is used.  Scoring allocates nothing.
*/
#ifndef BL_H
#define BL_H

#include "../base/mdl_kind.h"

#define BL_FORMAT 1
#define BL_MAX_LEVELS 16
/* The quantile levels a job baseline of format 1 stores (1, 5, 25, 75, 95,
** 99 %): baseline_train's and baseline_merge's (bl_train.c). */
#define BL_N_LEVELS_V1 6
extern const double bl_levels_v1[BL_N_LEVELS_V1];
#define BL_MAD_K 0.6745          /* Iglewicz & Hoaglin's normal-consistency constant */
#define BL_MEANAD_K 1.253314     /* IBM's MeanAD factor, ≈ sqrt(pi/2) */
#define BL_MAD_LOGVAR_C 1.3605   /* n·Var(log MAD) as n → ∞ at the normal */
#define BL_MIN_FLEET_JOBS 3      /* jobs with a usable dispersion a prior needs */
#define BL_DEFAULT_THRESHOLD 3.5
#define BL_DEFAULT_CONSTANT_CV 0.01
#define BL_DEFAULT_MAX_VALUES 1000000
#define BL_MAX_THRESHOLD 1e6
#define BL_MAX_MAX_VALUES 100000000

typedef enum bl_role { BL_ROLE_JOB = 0, BL_ROLE_FLEET = 1 } bl_role;

typedef enum bl_source {
  BL_SRC_NONE = 0,
  BL_SRC_MAD = 1,
  BL_SRC_MEANAD = 2,
  BL_SRC_CONSTANT = 3,
  BL_SRC_CONSTANT_ZERO = 4,
  BL_SRC_SHRUNK = 5
} bl_source;

const char *bl_source_name(bl_source s); /* "none", "mad", "meanad", "constant", "constant_zero", "shrunk" */

typedef struct bl_options {
  double threshold;    /* |z| above it is an anomaly */
  double constant_cv;  /* the relative scale of a constant history */
  uint64_t max_values; /* values kept per feature (reservoir beyond) */
  uint64_t seed;       /* of the reservoir */
} bl_options;

void bl_options_default(bl_options *o);

/* One feature of a job baseline (behaviours 1, 3, 9). */
typedef struct bl_feat {
  uint8_t source;       /* bl_source */
  uint64_t n;           /* values seen */
  uint64_t n_kept;      /* values behind median, MAD, MeanAD, quantiles */
  double min, max, mean, sd;
  double median, mad, meanad;
  double q[BL_MAX_LEVELS]; /* at the model's levels */
  double scale;         /* what z divides by, in sd units (see source) */
  double weight;        /* the job's weight after shrinkage; 1 unshrunk, 0 for NONE */
  double prior_mu;      /* the fleet prior it was shrunk with (SHRUNK only) */
  double prior_tau2;
} bl_feat;

/* One feature of a fleet prior (behaviour 9). */
typedef struct bl_prior {
  uint8_t has_prior;  /* jobs_used >= BL_MIN_FLEET_JOBS */
  uint64_t jobs;      /* job models that had the feature with a value */
  uint64_t jobs_used; /* of which with a usable dispersion u */
  double mu;          /* mean of u */
  double tau2;        /* between-job variance of u */
  double var_u;       /* sample variance of u (J - 1) */
  double mean_v;      /* mean sampling variance V_n */
} bl_prior;

typedef struct bl_model {
  uint8_t role;         /* bl_role */
  double threshold;
  double constant_cv;
  uint32_t n_levels;
  double levels[BL_MAX_LEVELS];
  uint32_t n_features;
  mdl_feature *names;   /* [n_features], owned array of borrowed names (behaviour 10) */
  bl_feat *feats;       /* [n_features] for a job baseline, else NULL */
  bl_prior *priors;     /* [n_features] for a fleet prior, else NULL */
} bl_model;

void bl_model_free(bl_model *m); /* frees the model itself too; NULL is fine */

/* ---- training (bl_train.c) ---- */

typedef struct bl_col {
  char *name;          /* owned */
  size_t name_len;
  uint64_t n;          /* values seen */
  double *vals;        /* kept values [len] (owned) */
  size_t len, cap;
  double mean, m2;     /* Welford */
  double smean, sm2;   /* the same on x·2^-BL_SHIFT, used when those overflow */
  double min, max;
  uint64_t rng;        /* reservoir stream */
} bl_col;

typedef struct bl_accum {
  bl_options opt;
  bl_col *cols;        /* sorted by name */
  size_t n_cols, cap;
  uint64_t rows_used, rows_skipped;
} bl_accum;

void bl_accum_init(bl_accum *a, const bl_options *opt);
void bl_accum_free(bl_accum *a);
/* One value of the single feature "value" (finite; the caller checks). */
om_status bl_accum_add_value(bl_accum *a, double x, om_err *err);
/* One feature vector: numeric entries add a value, missing ones nothing. */
om_status bl_accum_add_fv(bl_accum *a, const void *fv, size_t n, om_err *err);
/* Write the model (a complete envelope) to w and check that it decodes. */
om_status bl_accum_finish(bl_accum *a, om_wbuf *w, om_err *err);

/* ---- codec (bl_codec.c) ---- */

/* Decode a payload under a schema of n_features numeric features named
** names[] (copied into the model's own array; the strings stay borrowed). */
om_status bl_decode_payload(const uint8_t *p, size_t n, const mdl_feature *names, uint32_t n_features,
                            bl_model **out, om_err *err);
/* The payload of an envelope mdl_open validated (version, numeric schema). */
om_status bl_decode(const mdl_view *v, bl_model **out, om_err *err);
/* Decode a whole BLOB (envelope + payload); *view stays open for the names. */
om_status bl_open(const uint8_t *blob, size_t n, mdl_view *view, bl_model **out, om_err *err);
void bl_encode_payload(const bl_model *m, om_wbuf *w);
/* A complete envelope for m (its names as the schema) with meta. */
om_status bl_write(const bl_model *m, const mdl_meta *meta, om_wbuf *w, om_err *err);

/* ---- scoring (bl_score.c) ---- */

/* z of x against one feature (behaviour 3). */
double bl_feat_z(const bl_feat *f, double x);
/* The plain (unshrunk) source and scale of f from its statistics. */
void bl_feat_plain(bl_feat *f, double constant_cv);
/* f shrunk with prior p (p may be NULL or without a prior: plain). */
void bl_feat_shrink(const bl_feat *f, const bl_prior *p, double constant_cv, bl_feat *out);
/* u and V_n of f (behaviour 9): 1 when f has a usable dispersion. */
int bl_feat_log_dispersion(const bl_feat *f, double *u, double *v);
/* E_n, V_n of log(MAD/0.6745) for n normal values (bl_moments.c). */
void bl_mad_moments(uint64_t n, double *e, double *v);

/* Behaviour 4: the signed z of the feature with the largest |z| of the row
** x[n_features] (NaN = missing), shrunk on the fly with fleet when it is
** not NULL; *which (may be NULL) gets its index, or -1.  NaN when nothing
** scores.  A fleet role model scores NaN. */
double bl_score_x(const bl_model *m, const bl_model *fleet, const double *x, long *which);
/* Behaviour 5, with the same fleet rule. */
void bl_explain_x(const bl_model *m, const bl_model *fleet, const double *x, mdl_evidence *out);

/* Behaviour 9: a new job model, every feature shrunk with the fleet's
** prior of the same name.  *shrunk gets the number of features that were. */
om_status bl_shrink(const bl_model *job, const bl_model *fleet, bl_model **out, uint32_t *shrunk, om_err *err);

/* ---- the fleet prior (bl_fleet.c) ---- */

typedef struct bl_fleet_col {
  char *name;         /* owned */
  size_t name_len;
  uint64_t jobs, jobs_used;
  double mean_u, m2_u; /* Welford over u */
  double sum_v;
} bl_fleet_col;

typedef struct bl_fleet_accum {
  bl_fleet_col *cols; /* sorted by name */
  size_t n_cols, cap;
  uint64_t rows_used, rows_skipped;
} bl_fleet_accum;

void bl_fleet_init(bl_fleet_accum *a);
void bl_fleet_free(bl_fleet_accum *a);
/* One job baseline (a model BLOB): OM_INVALID for another kind or a fleet. */
om_status bl_fleet_add(bl_fleet_accum *a, const uint8_t *blob, size_t n, om_err *err);
/* Write the fleet prior (a complete envelope) to w. */
om_status bl_fleet_finish(bl_fleet_accum *a, om_wbuf *w, om_err *err);

/* ---- JSON for model_info (bl_kind.c) ---- */
om_status bl_info_json(const bl_model *m, om_jw *j, om_err *err);

#endif /* BL_H */
