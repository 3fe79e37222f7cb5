/*
** gbt.h — histogram gradient-boosted trees (the engine behind gbt_train() and
** predict_duration()).  Pure C11, no SQLite.
**
** Public part (used by the SQL layer):
**   1. gbt_train() fits an ensemble of depth-wise regression trees by second-
**      order boosting (xgboost's gain and leaf weights) on quantile-binned
**      features.  Numeric columns may hold NaN (missing); categorical columns
**      hold 64-bit hashes of the text (the SQL layer hashes with XXH3).
**   2. Row split (input order):  rows [0, n_fit) fit the trees; the tail
**      [n_fit, n) is held out.  With validation_fraction > 0 the tail is
**      round(validation_fraction·n) rows (≥ 1) and serves early stopping AND
**      interval calibration; otherwise it is round(calibration_fraction·n)
**      rows used only for calibration (0 rows: no intervals; BINARY models
**      have no intervals, so they hold out nothing unless validating).
**   3. The trained model is a pure function of (data, options): gbt_encode()
**      gives the same bytes whatever `threads` is.
**   4. Prediction takes one row in the model's feature order: num[f] for
**      numeric features (NaN = missing), cat[f] for categorical ones, and
**      missing[f] (may be NULL) = 1 marks feature f missing.  It allocates
**      nothing and only reads the arrays at the model's feature indices.
**   5. gbt_predict_quantile(q) = T(raw + Q_q), T the objective's output map
**      and Q_q the split-conformal q-quantile of the signed calibration
**      residuals y − raw (log1p space for DURATION, so intervals are
**      multiplicative): rank ceil((n+1)q) for q ≥ 0.5, floor((n+1)q) below;
**      ±INFINITY when n is too small for the level, NaN without calibration
**      rows, for BINARY, or for q outside (0, 1).  [q=0.05, q=0.95] covers at
**      least 90% of new exchangeable rows.
**   6. gbt_decode() validates everything (see gbt_codec.c) and never reads
**      out of bounds; a corrupt payload gives OM_CORRUPT and a message.
**   7. Categorical features: the (at most 255) most frequent categories seen
**      at least GBT_CAT_MIN_COUNT times in the fit rows can be split on; the
**      others share the "missing" code and, like missing values and
**      categories unseen at training, go to each split's default side, which
**      is the child with at least half of the node's hessian.  A split lists
**      at most max_cat_threshold categories (the lighter side).
**   8. QUANTILE: gbt_predict is the boosted alpha-quantile (LightGBM-style
**      leaf refit), which over-fits like LightGBM's and covers less than
**      alpha on new rows; gbt_predict_quantile(q = alpha) is its conformally
**      calibrated version.
**   9. Memory while training: about n·(2F + 64) bytes, plus per thread
**      16·n_fit, plus two tree levels of histograms (Σ codes × 16 bytes per
**      node that may split), plus 32 bytes per node of the model (at most
**      gbt_payload_bound() / 10 nodes), plus, when some rows are not grown
**      on and a tree has at most 1023 nodes, 520 bytes per node of one tree
**      (the walk table of gbt_train.c point 3).
**  10. Targets of SQUARED and QUANTILE must lie in [−GBT_MAX_ABS_TARGET,
**      GBT_MAX_ABS_TARGET] (gbt_obj_transform_y): beyond it sums of squared
**      gradients overflow double precision.  Training fails (OM_INVALID,
**      "training diverged at round t ...") as soon as a tree has a leaf that
**      is not finite or larger than GBT_DIVERGE_FACTOR times the largest
**      initial residual (log-odds units for BINARY), and at the end unless
**      base score, leaves, importances, metric and residuals are finite and
**      |base| + Σ_trees max|leaf| is finite: every model gbt_train returns
**      encodes to a payload gbt_decode accepts, and its raw score is finite
**      for every row.
**  11. loss (SQUARED and DURATION objectives): 'squared' fits the mean, as
**      before; 'absolute' boosts the L1 loss (g = ±½, h = 1) and refits each
**      leaf to the median of its rows' residuals (LightGBM-style), so the
**      prediction is a conditional median — for DURATION the median in
**      log1p space, which is also the median in seconds; 'ratio' (DURATION)
**      boosts 1 − exp(−|r|/w) (g = sign(p − y)·exp(−|r|/w), h = 1) and
**      refits each leaf to the kernel mode argmax_v Σ exp(−|r_i − v|/w)
**      (attained at one of the r_i; ties: the smallest), so a leaf keeps
**      exact repeats (r = 0) when they dominate it.  w = ratio_width: 1
**      makes exp(−|r|) ≈ min(y, p)/max(y, p) exactly the accuracy people
**      measure; a larger w moves the point towards the median.  The base
**      score is the matching statistic of the fit rows; the holdout metric
**      is RMSE, mean |r| or mean 1 − exp(−|r|/w) respectively.
**  12. offset_feature: each row's starting score is its value of that
**      numeric feature mapped into the trees' space (log1p for DURATION,
**      which needs it ≥ 0; the value itself for SQUARED and QUANTILE); rows
**      where it is missing or unusable start from the base score.  The trees
**      then fit what the feature does not explain (xgboost's base_margin,
**      kept in the model so that prediction applies it too).  BINARY takes
**      no offset.  (Before payload format 4, a model with loss 'squared'
**      and no offset encoded in format 1; such models still decode and
**      re-encode byte-identically, point 16.)
**  13. AFT (accelerated failure time, xgboost's survival:aft): log T =
**      raw + sigma·Z, Z of distribution aft_dist (normal, logistic or
**      extreme = the minimum Gumbel, F(z) = 1 − exp(−e^z)).  Each row is an
**      interval [y, y_upper] of possible durations: y_upper = y uncensored
**      (y > 0), y_upper = +inf right-censored (still running, killed at a
**      limit, cancelled), y = 0 left-censored (known only to be ≤ y_upper);
**      gbt_data.y_upper NULL means every row is uncensored.  The trees
**      boost the negative log-likelihood (gbt_survival.c: xgboost's loss,
**      gradient and hessian, clipped to [−15, 15] and [1e−16, 15]); the
**      base score is the constant maximum-likelihood location under the
**      normal distribution with the same sigma (gbt_train.c 10); the holdout
**      metric is the mean negative log-likelihood (xgboost's aft-nloglik,
**      which may be negative); gbt_predict is exp(raw), the median for
**      'normal' and 'logistic'.  AFT models hold nothing out unless
**      validating and store no calibration residuals: their distribution is
**      the parametric one (gbt_predict_quantile = exp(raw + sigma·F⁻¹(q))).
**      An offset feature v starts a row at log(v) (v > 0).  Payload format
**      3 (aft_dist, aft_sigma) is written only for AFT models.
**  14. Predictive distribution of the duration T of one row (gbt_survival.c),
**      for AFT models (parametric) and DURATION models with calibration
**      residuals (any loss: the empirical distribution of the residuals in
**      log1p space, piecewise linear between order statistics with
**      exponential tails): gbt_dist_cdf = P(T ≤ t), gbt_dist_cond_cdf =
**      P(T ≤ t | T > e), gbt_dist_remaining = the q-quantile of T − e given
**      T > e.  gbt_has_dist says whether a model has one.
**  15. bag (1..GBT_BAG_MAX): the model averages `bag` boosted members whose
**      seeds are seed, seed + 1, ...; since every member starts from the
**      same scores, the average of their raw scores is itself one model of
**      the members' trees with leaves divided by bag: the payload format
**      does not change and every prediction, interval and distribution
**      works on it as on one model (gbt_train.c point 11).
**  16. Explanations (gbt_shap.c): every model gbt_train makes records each
**      node's cover (the hessian sum of the rows it was grown on, xgboost's
**      "cover"; the row count for squared error) and is written in payload
**      format 4; gbt_shap_x gives a prepared row's exact path-dependent
**      TreeSHAP values (Lundberg et al. 2020), which with the bias add up to
**      the raw score; gbt_shap_diff_x the exact baseline Shapley values of
**      raw(x) − raw(ref) (needs no covers); training stores the mean |SHAP|
**      per feature over a deterministic sample of fit rows (gbt_shap.c 6).
**      Models of formats 1 to 3 decode as before, without covers: they
**      cannot be explained (OM_INVALID) but can be diffed.
**
** Internal part (below the marker): the pieces shared by gbt_*.c and the unit
** tests.  Not for the SQL layer.
*/
#ifndef GBT_H
#define GBT_H

#include "../base/om_buf.h"
#include "../base/om_core.h"

typedef enum gbt_objective {
  GBT_SQUARED = 0,  /* squared error on y */
  GBT_DURATION = 1, /* squared error on log1p(y), y ≥ 0; predictions expm1'd */
  GBT_QUANTILE = 2, /* pinball loss at `alpha`, leaves refit to residual quantiles */
  GBT_BINARY = 3,   /* logistic loss, y in [0, 1]; predictions are probabilities */
  GBT_AFT = 4       /* accelerated failure time on log(y), censored labels (point 13) */
} gbt_objective;

/* The noise distribution of an AFT model (point 13): z = (log t − raw)/sigma. */
typedef enum gbt_aft_dist {
  GBT_AFT_NORMAL = 0,   /* standard normal */
  GBT_AFT_LOGISTIC = 1, /* standard logistic, F(z) = 1/(1 + e^−z) */
  GBT_AFT_EXTREME = 2   /* minimum Gumbel, F(z) = 1 − exp(−e^z) */
} gbt_aft_dist;
#define GBT_AFT_SIGMA_MAX 100.0 /* aft_sigma in (0, GBT_AFT_SIGMA_MAX] */

/* The point a SQUARED or DURATION model predicts (point 11).  The trees fit
** the same space (log1p for DURATION); only the statistic differs. */
typedef enum gbt_loss {
  GBT_LOSS_SQUARED = 0,  /* the conditional mean (of log1p for DURATION) */
  GBT_LOSS_ABSOLUTE = 1, /* the conditional median (the same in seconds and in log1p) */
  GBT_LOSS_RATIO = 2     /* DURATION only: the value that maximises the mean of
                            exp(−|log1p y − log1p p|) ≈ min(y, p)/max(y, p) (a mode) */
} gbt_loss;
#define GBT_NO_OFFSET UINT32_MAX

typedef struct gbt_options {
  uint32_t n_trees;               /* 100; boosting rounds (1..100000) */
  uint32_t max_depth;             /* 6 (1..GBT_MAX_DEPTH) */
  double learning_rate;           /* 0.1, in (0, 10] */
  double min_child_weight;        /* 1.0, minimum hessian sum of a child (≥ 0) */
  double lambda;                  /* 1.0, L2 on leaf weights (≥ 0) */
  double subsample;               /* 1.0, row fraction per tree, in (0, 1] */
  double colsample;               /* 1.0, feature fraction per tree, in (0, 1] */
  uint32_t max_bins;              /* 256 (2..256): value bins per feature, at most 255 */
  uint32_t max_cat_threshold;     /* 16 (1..255): categories listed per categorical split */
  uint64_t seed;                  /* 0; seeds subsample/colsample */
  gbt_objective objective;        /* GBT_DURATION */
  double alpha;                   /* 0.5, quantile level of GBT_QUANTILE, in (0, 1) */
  double validation_fraction;     /* 0 = none, else in (0, 1): the LAST rows are held out */
  uint32_t early_stopping_rounds; /* 0 = off; needs validation_fraction > 0 */
  double interval_coverage;       /* 0.9, in (0, 1); stored for the SQL layer */
  uint32_t threads;               /* 0 = auto (online CPUs, ≤ 4), else 1..64 */
  double calibration_fraction;    /* 0.1, in [0, 1): tail held out for intervals when
                                     validation_fraction = 0 */
  gbt_loss loss;                  /* GBT_LOSS_SQUARED (point 11) */
  uint32_t offset_feature;        /* GBT_NO_OFFSET, or a numeric feature whose value
                                     starts each row's score (point 12) */
  double ratio_width;             /* 1.0, in (0, 100]: w of loss RATIO (point 11) */
  gbt_aft_dist aft_dist;          /* GBT_AFT_NORMAL (point 13) */
  double aft_sigma;               /* 1.0, in (0, GBT_AFT_SIGMA_MAX]: the scale of log T */
  uint32_t bag;                   /* 1 (1..GBT_BAG_MAX): members averaged (point 15);
                                     n_trees · bag ≤ 100000 */
} gbt_options;

#define GBT_BAG_MAX 100

void gbt_options_default(gbt_options *o);

typedef struct gbt_column {
  int is_cat;                 /* 0 numeric, 1 categorical */
  const double *num;          /* numeric: n_rows values, NaN = missing */
  const uint64_t *cat;        /* categorical: n_rows hashes (XXH3 of the text) */
  const uint8_t *cat_missing; /* categorical: 1 = missing; may be NULL */
} gbt_column;

typedef struct gbt_data {
  size_t n_rows;
  uint32_t n_features;
  const gbt_column *cols; /* [n_features] */
  const double *y;        /* [n_rows], finite; AFT: the lower bounds, ≥ 0 */
  const double *y_upper;  /* AFT only (point 13): [n_rows] upper bounds ≥ y, +inf =
                             right-censored; NULL = every row uncensored */
} gbt_data;

typedef struct gbt_model gbt_model; /* opaque */

/* A hint for n bytes at p that the caller is about to fill (training's
** arrays, the SQL layer's columns): on Linux, asks for transparent huge
** pages on the whole pages inside, so filling them takes a page fault per
** 2 MiB instead of per 4 KiB (faults are dear in a VM); elsewhere, or when
** refused, nothing.  Changes no content. */
void gbt_hint_large(void *p, size_t n);

/* Trains a model; *out is owned by the caller (gbt_free).  On error *out is
** NULL, err says why, and nothing is leaked.  Polls intr once per tree and
** once per tree level (from the calling thread only). */
om_status gbt_train(const gbt_data *d, const gbt_options *o, const om_interrupt *intr,
                    gbt_model **out, om_err *err);
void gbt_free(gbt_model *m);

double gbt_predict_raw(const gbt_model *m, const double *num, const uint64_t *cat,
                       const uint8_t *missing);
double gbt_predict(const gbt_model *m, const double *num, const uint64_t *cat,
                   const uint8_t *missing);
double gbt_predict_quantile(const gbt_model *m, const double *num, const uint64_t *cat,
                            const uint8_t *missing, double q);
/* The same with a row prepared once: gbt_row_prepare fills x[n_features]
** (numeric: the value, NaN when missing; categorical: the model's code of the
** hash, 0 when missing, rare or unseen) and the _x functions score it.  This
** is the fast path (one dictionary look-up per categorical feature per row
** instead of one per categorical node visited); x must come from
** gbt_row_prepare with the same model.  Results are identical. */
void gbt_row_prepare(const gbt_model *m, const double *num, const uint64_t *cat,
                     const uint8_t *missing, double *x);
double gbt_predict_raw_x(const gbt_model *m, const double *x);
double gbt_predict_x(const gbt_model *m, const double *x);
double gbt_predict_quantile_x(const gbt_model *m, const double *x, double q);
/* gbt_predict_quantile for a row whose raw score is already known. */
double gbt_predict_quantile_raw(const gbt_model *m, double raw, double q);
/* A prepared row's prediction and its central interval at coverage c (c
** outside (0, 1): the model's interval_coverage): *lo and *hi are the
** quantiles (1 - c)/2 and (1 + c)/2 of gbt_predict_quantile_raw, NaN for
** BINARY and for a model without calibration residuals (what
** predict_interval, predict_log and model_scores give). */
void gbt_predict_interval_x(const gbt_model *m, const double *x, double c, double *pred, double *lo, double *hi);
/* The calibration-residual quantile Q_q of point 5 (raw/log1p space). */
double gbt_residual_quantile(const gbt_model *m, double q);
/* The objective's output map applied to a raw score. */
double gbt_transform(const gbt_model *m, double raw);

/* Point 14: the predictive distribution of the duration T of a row whose raw
** score is raw (from gbt_predict_raw or _raw_x).  gbt_has_dist: 1 for AFT
** models and DURATION models with calibration residuals, else 0 (then the
** others return NaN).  t and e are seconds since the run started (e ≥ 0,
** t ≥ 0, finite); q in (0, 1).  gbt_dist_cond_cdf is 0 when t ≤ e;
** gbt_dist_remaining is ≥ 0, +inf when T − e overflows. */
int gbt_has_dist(const gbt_model *m);
double gbt_dist_cdf(const gbt_model *m, double raw, double t);
double gbt_dist_cond_cdf(const gbt_model *m, double raw, double t, double e);
double gbt_dist_remaining(const gbt_model *m, double raw, double e, double q);

/* An upper bound of the gbt_encode() size of any model gbt_train(d-shaped
** data, o) can return: n_rows rows (fit and held out), n_features features
** of which any_cat say whether one is categorical.  Saturates at UINT64_MAX.
** *max_leaves (may be NULL) gets the bound on leaves per tree it used. */
uint64_t gbt_payload_bound(const gbt_options *o, size_t n_rows, uint32_t n_features, int any_cat,
                           uint64_t *max_leaves);

om_status gbt_encode(const gbt_model *m, om_wbuf *w);
om_status gbt_decode(const uint8_t *p, size_t n, uint32_t n_features, const uint8_t *is_cat,
                     gbt_model **out, om_err *err);

typedef struct gbt_importance {
  double gain;  /* sum over splits on the feature of ½[GL²/(HL+λ)+GR²/(HR+λ)−G²/(H+λ)] */
  double cover; /* sum of the hessian sums of those split nodes */
  uint64_t splits; /* number of splits on the feature */
} gbt_importance;
om_status gbt_feature_importance(const gbt_model *m, gbt_importance *out /* [n_features] */);

/* ---- explanations (point 16, gbt_shap.c) ----
** phi has n_features + 1 slots: phi[f] for feature f (schema order), then
** the bias.  x and ref are rows prepared by gbt_row_prepare for m. */
int gbt_has_covers(const gbt_model *m); /* 1: format 4 (gbt_shap_x works) */
/* Path-dependent TreeSHAP: Σ phi = raw(x).  OM_INVALID (with a message)
** for a model without covers.  Allocates nothing. */
om_status gbt_shap_x(const gbt_model *m, const double *x, double *phi, om_err *err);
/* Baseline Shapley of v(S) = raw(x on S, ref elsewhere): Σ_{f < F} phi[f] =
** raw(x) − raw(ref); phi[n_features] = 0.  Allocates nothing. */
void gbt_shap_diff_x(const gbt_model *m, const double *x, const double *ref, double *phi);
/* The stored mean |SHAP| per feature ([n_features]) and the rows it was
** measured on; NULL and 0 when the model has none. */
const double *gbt_model_shap_importance(const gbt_model *m, uint32_t *rows);

/* Accessors. */
uint32_t gbt_model_n_features(const gbt_model *m);
int gbt_model_is_cat(const gbt_model *m, uint32_t f);
gbt_objective gbt_model_objective(const gbt_model *m);
uint32_t gbt_model_n_trees(const gbt_model *m);        /* trees kept */
uint32_t gbt_model_n_rounds(const gbt_model *m);       /* trees trained before truncation */
uint32_t gbt_model_best_iteration(const gbt_model *m); /* trees at the best holdout metric */
uint32_t gbt_model_n_nodes(const gbt_model *m);
double gbt_model_valid_metric(const gbt_model *m); /* holdout metric of the kept model (RMSE
                                     for SQUARED, RMSE of log1p for DURATION, mean pinball
                                     loss for QUANTILE, log loss for BINARY); NaN if none */
double gbt_model_base_score(const gbt_model *m);
gbt_loss gbt_model_loss(const gbt_model *m);
uint32_t gbt_model_offset_feature(const gbt_model *m); /* GBT_NO_OFFSET when none */
gbt_aft_dist gbt_model_aft_dist(const gbt_model *m);   /* AFT models (point 13) */
double gbt_model_aft_sigma(const gbt_model *m);
/* The payload format gbt_encode writes for m (1, 2 or 3, gbt_codec.c); the
** envelope's payload version must be the same. */
uint16_t gbt_payload_format(const gbt_model *m);
double gbt_model_learning_rate(const gbt_model *m);
double gbt_model_alpha(const gbt_model *m);
double gbt_model_interval_coverage(const gbt_model *m);
uint64_t gbt_model_n_calibration(const gbt_model *m); /* calibration rows (0: no intervals) */
uint32_t gbt_model_n_residuals(const gbt_model *m);   /* residual sample stored (≤ 512) */

/* ======================= internal (gbt_*.c and unit tests) ======================= */

#define GBT_FORMAT 4     /* newest payload format: 4 for every trained model (node covers,
                            gbt.h 16); decoded older models re-encode as 3 for AFT, else 2,
                            or 1 when loss and offset are default */
#define GBT_SHAP_ROWS 256        /* SHAP importance: at most this many fit rows ... */
#define GBT_SHAP_BUDGET 1e8      /* ... and about this many path steps in all (gbt_shap.c 6), */
#define GBT_SHAP_MIN_ROWS 16     /* ... else none when fewer rows than this fit the budget */
#define GBT_MAX_DEPTH 16 /* max_depth limit (decoder: depth of any tree) */
/* n_features limit.  Training memory grows with it: 2 KiB of bins per feature,
** and a node's histogram takes Σ codes × 16 bytes (codes per feature: 2 to
** 256), with two tree levels of histograms alive at once. */
#define GBT_MAX_FEATURES 65536u
#define GBT_CAT_MIN_COUNT 3 /* categories seen fewer times in the fit rows → "other" */
#define GBT_CAT_SMOOTH 10.0 /* categories ordered by G/(H + GBT_CAT_SMOOTH) */
#define GBT_CAT_MAX_SET 16  /* default max_cat_threshold: categories listed per split */
#define GBT_RESID_MAX 512   /* calibration residuals stored (order statistics) */
/* |target| limit of SQUARED and QUANTILE (gbt.h point 10): with n ≤ 2^32 fit
** rows, 10^5 trees of depth ≤ 16 and predictions within a few times the
** targets' range, gradient sums stay below 1e154 and their squares, gains and
** importance sums below 1e300. */
#define GBT_MAX_ABS_TARGET 1e140
#define GBT_DIVERGE_FACTOR 1e3 /* a leaf this many times the initial residual: diverged */

/* Node flags (in-memory form and payload kinds). */
#define GBT_NODE_LEAF 1u
#define GBT_NODE_DEFAULT_LEFT 2u
#define GBT_NODE_CAT 4u

/* One node of a tree in prediction form (16 bytes).  Children are tree-local
** indices and siblings are adjacent (right = left + 1).  Numeric: x < thr
** goes left, missing goes the default way.  Categorical: hashes in
** cat_hashes[off, off+n) go left, everything else (other, unseen, missing)
** goes right (default_left is always 0). */
typedef struct gbt_node {
  union {
    double thr;  /* numeric split threshold (may be ±inf, never NaN) */
    double leaf; /* leaf value (raw-score units, learning rate applied) */
    struct {
      uint32_t off, n;
    } cat; /* categorical set in gbt_model.cat_hashes */
  } u;
  uint32_t ff;   /* split feature << 3 | GBT_NODE_* flags */
  uint32_t left; /* left child within the tree; right child = left + 1 */
} gbt_node;
#define GBT_NODE_FEATURE(nd) ((nd)->ff >> 3)

struct gbt_model {
  uint32_t n_features;
  uint8_t *is_cat; /* [n_features] */
  gbt_objective objective;
  gbt_loss loss;
  uint32_t offset_feature; /* GBT_NO_OFFSET or a numeric feature */
  double base_score, learning_rate, alpha, interval_coverage;
  gbt_aft_dist aft_dist; /* AFT only */
  double aft_sigma;      /* AFT only, > 0 */
  uint32_t n_trees, n_rounds, best_iteration;
  double valid_metric;
  uint32_t *tree_off;  /* [n_trees + 1] node offsets */
  uint8_t *tree_depth; /* [n_trees] depth of the deepest leaf */
  gbt_node *nodes;     /* [n_nodes] */
  uint32_t n_nodes;
  uint64_t *cat_hashes; /* [n_cat_hashes] */
  uint32_t n_cat_hashes;
  uint64_t n_calib; /* calibration rows */
  uint32_t n_resid; /* = min(n_calib, GBT_RESID_MAX) */
  double *resid;    /* [n_resid] ascending order statistics of y − raw */
  double *imp_gain; /* [n_features] */
  double *imp_cover;
  /* scoring index (gbt_index.c), built by gbt_model_index() */
  gbt_node *pnodes;       /* [n_nodes] nodes as scored; categorical u.cat: n == 0 → a
                             bitset at cat_bits + off, else n codes at cat_codes + off */
  uint64_t *cat_dict;     /* per categorical feature, its split hashes ascending */
  uint32_t *cat_dict_off; /* [n_features + 1] */
  uint64_t *cat_bits;
  uint32_t *cat_codes;
  struct gbt_score *score; /* compact scoring layout (gbt_score.c), or NULL: node walk */
  /* format 4 (point 16) */
  double *cover;      /* [n_nodes] hessian sum of each node's rows, or NULL (formats 1-3) */
  double *shap_imp;   /* [n_features] mean |SHAP| over shap_rows fit rows, or NULL */
  uint32_t shap_rows; /* 0 when shap_imp is NULL */
};

/* ---- gbt_rng.c: xoshiro256** seeded by splitmix64 ---- */
typedef struct gbt_rng {
  uint64_t s[4];
} gbt_rng;
void gbt_rng_seed(gbt_rng *r, uint64_t seed);
uint64_t gbt_rng_next(gbt_rng *r);
double gbt_rng_uniform(gbt_rng *r);             /* [0, 1) */
uint64_t gbt_rng_below(gbt_rng *r, uint64_t n); /* [0, n), n ≥ 1 */
/* k of n indices without replacement, ascending, into out[k]; marks flag[i]=1
** for chosen i (flag may be NULL).  Knuth's selection sampling. */
void gbt_rng_sample_sorted(gbt_rng *r, size_t n, size_t k, uint32_t *out, uint8_t *flag);

/* ---- gbt_sort.c ---- */
void gbt_sort_u64(uint64_t *a, uint64_t *tmp, size_t n); /* LSD radix, ascending */
void gbt_sort_f64(double *a, double *tmp, size_t n);     /* ascending, no NaN allowed */
/* The type-7 (linear interpolation) q-quantile of a[0..n), n ≥ 1; reorders a. */
double gbt_quantile_inplace(double *a, size_t n, double q);

/* ---- gbt_bin.c: quantile binning ----
** Every feature maps a value to a code: 0 = missing (numeric NaN; categorical
** missing, rare or unseen), 1..n_codes-1 = value bins. */
typedef struct gbt_bins {
  int is_cat;
  uint32_t n_codes; /* ≥ 2 and ≤ 256 */
  /* from the fit rows, for histograms over few features (gbt_hist.c point 6): */
  uint8_t runs;     /* ≥ GBT_RUNS_SHARE of the rows have the code of the row before */
  double hot_share; /* the share of the rows that have the most frequent code */
  union {
    double cuts[255];     /* numeric: n_codes-2 strictly increasing cut points */
    uint64_t hashes[255]; /* categorical: n_codes-1 kept hashes, ascending; code = 1+index */
  } u;
} gbt_bins;
/* Cut points of sorted non-missing values v[0..m): at most max_value_bins−1
** cuts written to cuts[] (greedy equal-count quantiles; every distinct value
** its own bin when they fit; cuts are midpoints between neighbouring distinct
** values).  Returns the number of cuts. */
uint32_t gbt_bin_cuts(const double *v, size_t m, uint32_t max_value_bins, double *cuts);
static inline uint8_t gbt_bin_code_num(const double *cuts, uint32_t n_cuts, double v) {
  uint32_t lo = 0, n = n_cuts;
  if (v != v) return 0;
  while (n > 0) { /* lo = #cuts ≤ v */
    uint32_t half = n / 2;
    if (cuts[lo + half] <= v) {
      lo += half + 1;
      n -= half + 1;
    } else
      n = half;
  }
  return (uint8_t)(1 + lo);
}
uint8_t gbt_bin_code_cat(const uint64_t *hashes, uint32_t n_hashes, uint64_t h);

/* ---- gbt_pool.c: a tiny fork-join thread pool ---- */
typedef struct gbt_pool gbt_pool;
typedef void (*gbt_task_fn)(void *ctx, size_t task, unsigned worker);
/* n_threads ≥ 1 (the caller counts as one).  Threads that cannot be started
** are simply not used. */
om_status gbt_pool_create(unsigned n_threads, gbt_pool **out);
unsigned gbt_pool_size(const gbt_pool *p); /* threads including the caller */
/* Runs fn(ctx, t, worker) for t in [0, n_tasks) and returns when all are done. */
void gbt_pool_run(gbt_pool *p, size_t n_tasks, gbt_task_fn fn, void *ctx);
void gbt_pool_destroy(gbt_pool *p);

/* ---- gbt_shap.c ---- */
/* Computes and stores the SHAP importance of m over rows of d (gbt_train
** calls it last; gbt_shap.c 6); pool may be NULL.  OM_NOMEM only. */
om_status gbt_shap_importance_train(gbt_model *m, const gbt_data *d, size_t n_fit, gbt_pool *pool);

/* Builds the bins of every feature from the fit rows [0, n_fit), the
** row-major code matrix codes[r * n_features + f] for all n_rows rows and,
** when codes_col is not NULL, its column-major copy codes_col[f * n_rows + r].
** scratch: per pool thread, 2·n_fit 8-byte words. */
om_status gbt_bin_build(const gbt_data *d, size_t n_fit, uint32_t max_bins, gbt_pool *pool,
                        uint64_t **scratch, gbt_bins *bins, uint8_t *codes, uint8_t *codes_col,
                        om_err *err);

#define GBT_RUNS_SHARE 0.75
#define GBT_HOT_SHARE 0.35 /* a bin this full makes a chain (gbt_tree.c point 4) */

/* ---- gbt_hist.c ---- */
#if defined(__GNUC__)
#define GBT_PREFETCH_ADDR(p) __builtin_prefetch((p), 0, 3)
#else
#define GBT_PREFETCH_ADDR(p) ((void)0)
#endif
typedef struct gbt_gh {
  double g, h;
} gbt_gh;
/* hist[off[f] + code] += gh[row] for rows[0..n) and features sel[j0..j1);
** zeroes those features' ranges first.  codes is row-major with stride F. */
void gbt_hist_build(gbt_gh *hist, const uint32_t *off, const uint8_t *codes, uint32_t F,
                    const uint32_t *sel, uint32_t j0, uint32_t j1, const uint32_t *rows, size_t n,
                    const gbt_gh *gh);
/* The same, and when sum is not NULL also sum = Σ gh[rows[i]] in row order.
** With bins (may be NULL) and codes_col (column-major, stride n_total), a
** feature with bins[f].runs gets its own pass (point 6), for passes over few
** features; the sums are the same. */
void gbt_hist_build_sum(gbt_gh *hist, const uint32_t *off, const uint8_t *codes, uint32_t F,
                        const uint32_t *sel, uint32_t j0, uint32_t j1, const uint32_t *rows,
                        size_t n, const gbt_gh *gh, gbt_gh *sum, const gbt_bins *bins,
                        const uint8_t *codes_col, size_t n_total);
/* dst = parent − child over the ranges of features sel[j0..j1). */
void gbt_hist_subtract(gbt_gh *dst, const gbt_gh *parent, const gbt_gh *child, const uint32_t *off,
                       const uint32_t *sel, uint32_t j0, uint32_t j1);

/* ---- gbt_split.c ---- */
typedef struct gbt_split {
  double gain; /* ≤ 0: none found */
  double GL, HL, GR, HR;
  uint32_t feature;
  uint32_t bin;         /* numeric: codes 1..bin go left (0: only missing left) */
  uint8_t default_left; /* where code 0 goes */
  uint8_t is_cat;
  uint8_t cat_left[32]; /* categorical: bitset of codes going left */
} gbt_split;
typedef struct gbt_split_params {
  double lambda, min_child_weight;
  uint32_t max_cat_set; /* categories listed per categorical split (1..255) */
} gbt_split_params;
static inline double gbt_gain(double GL, double HL, double GR, double HR, double lambda) {
  double G = GL + GR, H = HL + HR;
  return 0.5 * (GL * GL / (HL + lambda) + GR * GR / (HR + lambda) - G * G / (H + lambda));
}
/* Best split of one feature's histogram h[0..n_codes) at a node with sums
** (G, H); replaces *best only when strictly better.  Numeric scans the bins in
** order trying missing right then left; categorical sorts the present codes
** by G/(H+GBT_CAT_SMOOTH) and tries the first and the last j ≤ p->max_cat_set
** as the left set, as long as the left side is not heavier than the right. */
void gbt_split_numeric(const gbt_gh *h, uint32_t n_codes, double G, double H,
                       const gbt_split_params *p, uint32_t feature, gbt_split *best);
void gbt_split_categorical(const gbt_gh *h, uint32_t n_codes, double G, double H,
                           const gbt_split_params *p, uint32_t feature, gbt_split *best);
static inline int gbt_split_goes_left(const gbt_split *s, uint8_t code) {
  if (code == 0) return s->default_left;
  if (s->is_cat) return (s->cat_left[code >> 3] >> (code & 7)) & 1;
  return code <= s->bin;
}

/* ---- gbt_tree.c: growing one tree depth-wise ---- */
typedef struct gbt_tnode {
  uint32_t left; /* 0: leaf; else the left child (right child = left + 1) */
  uint32_t depth;
  int32_t slot;      /* histogram slot at its level, −1 when none */
  int32_t sub_parent; /* ≥ 0: its histogram is the parent's (this slot of the
                         previous level) − its sibling's, made by its split tasks */
  uint32_t sub_sibling; /* that sibling */
  gbt_split split;   /* when left != 0 */
  double G, H;       /* gradient and hessian sums of its rows */
  double value;      /* leaf: raw-score increment, learning rate applied */
  size_t begin, end; /* its rows are rows[begin, end) */
} gbt_tnode;

typedef struct gbt_range {
  uint32_t node;
  size_t begin, end; /* rows[begin, end) */
  size_t nl;         /* partition: rows going left */
  size_t lpos, rpos; /* partition: where they go */
} gbt_range;

typedef struct gbt_task3 {
  uint32_t a, b;   /* node (or pair) and its sibling/slot */
  uint32_t j0, j1; /* selected-feature range */
} gbt_task3;

typedef struct gbt_grower {
  /* set once by the caller */
  uint32_t F;          /* stride of codes */
  const uint32_t *off; /* [F+1] histogram offsets per feature */
  uint32_t total_codes;
  const gbt_bins *bins;
  const uint8_t *codes;     /* row-major [n_total × F] (histograms) */
  const uint8_t *codes_col; /* column-major [F × n_total] (partitioning) */
  size_t n_total;
  gbt_split_params sp;
  uint32_t max_depth;
  double eta;
  gbt_pool *pool;
  const om_interrupt *intr;
  size_t row_cap; /* capacity of rows / rows_tmp */
  /* per tree, set by the caller */
  const gbt_gh *gh;
  uint32_t *rows, *rows_tmp; /* rows[0, n_rows) sampled, ascending */
  size_t n_rows;
  const uint32_t *sel; /* selected features, ascending */
  uint32_t n_sel;
  /* the tree */
  gbt_tnode *nodes;
  uint32_t n_nodes, cap_nodes;
  /* working memory (gbt_grower_init / gbt_grower_free) */
  uint32_t *level, *next_level, cap_level;
  gbt_gh *hist_cur, *hist_next;
  size_t cap_cur, cap_next; /* slots */
  gbt_range *ranges;
  size_t cap_ranges, n_ranges;
  gbt_task3 *tasks;
  size_t cap_tasks;
  uint32_t *order;     /* [cap_tasks] histogram tasks in dispatch order (costliest first) */
  uint32_t *hsel;      /* [F] the selected features in histogram order (gbt_tree.c point 4) */
  uint64_t *cost;      /* [cap_tasks] their estimated costs */
  gbt_split *split_tmp;
  gbt_gh root_sum; /* G and H of the root's rows, summed in row order */
  double *pred;    /* per tree, may be NULL: predictions the last level's leaves
                      are added to (gbt_tree.c point 8) */
  int pred_fused;  /* this level adds to pred instead of partitioning */
} gbt_grower;

om_status gbt_grower_init(gbt_grower *g, size_t n_fit, unsigned threads);
void gbt_grower_free(gbt_grower *g);
/* Grows the tree for the current gh/rows/sel; leaves get −G/(H+λ)·eta.
** Leaves' rows are rows[begin, end) afterwards, except, when g->pred is set,
** those of leaves at max_depth, whose values are added to pred instead.
** OM_NOMEM or OM_INTERRUPTED. */
om_status gbt_grow_tree(gbt_grower *g);
/* Row ranges of the leaves cut into blocks of ≤ block rows (into g->ranges),
** without the leaves whose values gbt_grow_tree already added to g->pred. */
void gbt_grower_leaf_blocks(gbt_grower *g, size_t block);
static inline double gbt_tree_value_codes(const gbt_tnode *t, const uint8_t *row_codes) {
  uint32_t i = 0;
  while (t[i].left) {
    const gbt_split *s = &t[i].split;
    i = gbt_split_goes_left(s, row_codes[s->feature]) ? t[i].left : t[i].left + 1;
  }
  return t[i].value;
}

/* ---- gbt_objective.c ---- */
/* y → the space the trees fit (log1p for DURATION); OM_INVALID with a message
** for labels outside the objective's domain. */
om_status gbt_obj_transform_y(gbt_objective obj, const double *y, size_t n, double *out,
                              om_err *err);
/* width: ratio_width of loss RATIO (ignored by the others). */
double gbt_obj_base_score(gbt_objective obj, gbt_loss loss, double alpha, double width,
                          const double *ty, size_t n, double *scratch /* [2n] */);
void gbt_obj_gradients(gbt_objective obj, gbt_loss loss, double alpha, double width,
                       const double *ty, const double *pred, size_t n, gbt_gh *gh);
/* Holdout metric (see gbt_model_valid_metric); n ≥ 1. */
double gbt_obj_metric(gbt_objective obj, gbt_loss loss, double alpha, double width,
                      const double *ty, const double *pred, size_t n);
double gbt_obj_output(gbt_objective obj, double raw);
/* A feature value mapped to a starting raw score (point 12); NaN when unusable. */
double gbt_obj_offset(gbt_objective obj, double v);
/* The leaf statistic of a loss over residuals r[0..n), n ≥ 1 (reorders r;
** scratch: [n]): median for ABSOLUTE, kernel mode for RATIO, alpha-quantile
** for QUANTILE. */
double gbt_obj_leaf_stat(gbt_objective obj, gbt_loss loss, double alpha, double width, double *r,
                         size_t n, double *scratch);
/* argmax_v Σ exp(−|r_i − v|/width) over v ∈ {r_i}; sorts r (tmp: [n]); n ≥ 1, width > 0. */
double gbt_kernel_mode(double *r, double *tmp, size_t n, double width);

/* ---- gbt_survival.c: AFT (point 13) and predictive distributions (point 14) ---- */
/* The standard distributions: cdf, survival 1 − cdf, log survival (accurate
** far in the right tail), pdf and the quantile function (p in (0, 1)). */
double gbt_std_cdf(gbt_aft_dist d, double z);
double gbt_std_sf(gbt_aft_dist d, double z);
double gbt_std_logsf(gbt_aft_dist d, double z);
double gbt_std_pdf(gbt_aft_dist d, double z);
double gbt_std_quantile(gbt_aft_dist d, double p);
/* z with gbt_std_logsf(d, z) = L (L < 0, may be far below log DBL_MIN). */
double gbt_std_logsf_inv(gbt_aft_dist d, double L);
/* Labels (y, y_upper) → log bounds lo = log y (−inf for 0), hi = log y_upper
** (+inf when right-censored; hi = lo for uncensored rows); OM_INVALID with
** a message naming the row for a label outside point 13's rules. */
om_status gbt_aft_bounds(const double *y, const double *y_upper, size_t n, double *lo, double *hi,
                         om_err *err);
/* xgboost's per-row AFT negative log-likelihood, gradient and hessian (with
** respect to the raw score) for the log bounds [lo, hi]. */
double gbt_aft_loss(gbt_aft_dist d, double sigma, double lo, double hi, double pred);
void gbt_aft_grad_hess(gbt_aft_dist d, double sigma, double lo, double hi, double pred, gbt_gh *gh);
void gbt_aft_gradients(gbt_aft_dist d, double sigma, const double *lo, const double *hi,
                       const double *pred, size_t n, gbt_gh *gh);
double gbt_aft_metric(gbt_aft_dist d, double sigma, const double *lo, const double *hi,
                      const double *pred, size_t n);
/* The constant that maximises the likelihood of rows [0, n) (point 13). */
double gbt_aft_base_score(gbt_aft_dist d, double sigma, const double *lo, const double *hi,
                          size_t n);

/* ---- gbt_index.c ---- */
#define GBT_BITSET_MAX_WORDS 8 /* bitset per node up to 511 categories, else code lists */
/* (Re)builds the scoring index from nodes/cat_hashes; OM_NOMEM leaves none.
** gbt_train and gbt_decode call it: a model that scores has one. */
om_status gbt_model_index(gbt_model *m);
void gbt_model_index_free(gbt_model *m);
/* 1 + position of h in the ascending a[0..n); 0 when absent. */
uint32_t gbt_index_code(const uint64_t *a, uint32_t n, uint64_t h);

/* ---- gbt_score.c: the compact scoring layout (derived, never encoded) ---- */
#define GBT_LOCKSTEP 8           /* trees walked together (gbt_predict.c 4) */
#define GBT_SCORE_MAX_SLOTS 4095 /* features used by splits, else no layout */
#define GBT_SCORE_MAX_THRESHOLDS 65533u /* distinct thresholds of a numeric feature */
typedef struct gbt_score gbt_score;
/* (Re)builds m->score from pnodes (gbt_model_index calls it last); a model
** outside the layout's limits gets none (OM_OK).  OM_NOMEM leaves none. */
om_status gbt_score_build(gbt_model *m);
void gbt_score_free(gbt_model *m);
/* start + Σ leaves for a prepared row x (m->score must be set). */
double gbt_score_raw_x(const gbt_model *m, const double *x, double start);
/* gbt_predict_raw_x through the node walk (pnodes), whatever m->score: the
** reference the layout is tested against. */
double gbt_predict_raw_x_nodes(const gbt_model *m, const double *x);
/* The child of node i of tree t (tree-local index, pnodes) a prepared row x
** goes to; i must not be a leaf (gbt_shap.c). */
uint32_t gbt_node_child_x(const gbt_model *m, uint32_t t, uint32_t i, const double *x);
/* The starting score of a prepared row: base score or its offset (gbt_predict.c 1). */
double gbt_start_x(const gbt_model *m, const double *x);

/* ---- gbt_model.c ---- */
gbt_model *gbt_model_alloc(uint32_t n_features); /* zeroed, arrays per feature allocated */
/* Order-statistic sample of sorted residuals s[0..n) into m->resid. */
om_status gbt_model_set_residuals(gbt_model *m, const double *sorted, size_t n);

#endif /* GBT_H */
