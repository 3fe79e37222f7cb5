/*
** mah.h — the Mahalanobis detector (model kind MDL_KIND_MAHALANOBIS,
** "mahalanobis"): a location μ and covariance Σ of the numeric features,
** fitted from a stream of rows, and per row the distance
** d = sqrt((x−μ)ᵀ Σ⁻¹ (x−μ)), its chi-square tail probability and
** per-feature evidence.  The SQL layer (mahalanobis_train, an aggregate,
** and mahalanobis_score) feeds rows and scores them; this core never sees
** SQLite.
**
**   mah_options o;  mah_accum *a;  mah_model *m;  mah_result r;
**   mah_options_parse("{\"method\":\"mcd\"}", 17, &o, &err);
**   mah_accum_init(&o, n_features, types, &a, &err);
**   for each row: mah_accum_add(a, num, missing, &err);
**   mah_accum_finish(a, NULL, &payload, &metrics, &err);   -> payload bytes
**   mah_decode(payload.data, payload.len, n_features, types, &m, &err);
**   mah_row_prepare(m, num, NULL, missing, x);
**   mah_score(m, x, scratch, &r, &err);          r.d, r.p_value, r.is_anomaly
**
** Behaviours (tests/unit/test_mah.c cites these numbers):
**
** Fitting
**   1. Methods, as scikit-learn 1.2 defines them:
**      'empirical'   EmpiricalCovariance: μ = mean, Σ = co-moments / n (MLE).
**      'ledoit_wolf' LedoitWolf (assume_centered=False): the same shrinkage
**                    formula, Σ = (1−s)·S + s·tr(S)/p·I.  For p = 1 the
**                    shrinkage is 0 (as sklearn).  The shrinkage is clamped
**                    to [0, 1] (it leaves that range only by rounding).
**      'mcd'         MinCovDet: FastMCD (Rousseeuw & Van Driessen 1999) for
**                    the raw h-subset estimate, h = ceil((n+p+1)/2) or
**                    int(support_fraction·n); the consistency correction
**                    median(d²)/χ²_p.isf(0.5) applied to the raw distances;
**                    then the reweighting step: μ, Σ = mean and MLE
**                    covariance of the rows whose corrected d² is below
**                    χ²_p.isf(0.025).  As in sklearn 1.2, the final Σ is the
**                    reweighted one, uncorrected.  mah_mcd.c's header lists
**                    where its search differs from sklearn's (random starts,
**                    subset count); both find the same optimum where the MCD
**                    is well separated.
**   2. Features.  Only numeric features enter the model (at most
**      MAH_MAX_FEATURES).  Categorical features are ignored: they stay in
**      the schema, are counted in the metrics (ignored_features) and get
**      status MAH_EV_IGNORED in the evidence.  No numeric feature at all is
**      OM_INVALID.
**   3. Missing values (training).  A row with any numeric feature missing
**      is skipped and counted (rows_skipped): listwise deletion, what
**      sklearn users do with dropna().  A non-finite value is OM_INVALID
**      (feature vectors never carry one).  No complete row at all is
**      OM_INVALID.
**   4. Streaming.  'empirical' and 'ledoit_wolf' are exact over every row
**      in one pass with O(p²) memory: rows are buffered in blocks of
**      MAH_BLOCK, each block's mean and co-moments are computed by two
**      passes, and blocks are merged with Chan's pairwise formulas extended
**      to the fourth-moment sum Σ‖x−μ‖⁴ that Ledoit–Wolf needs (mah_fit.c).
**      'mcd' needs the rows: it keeps a uniform reservoir sample (Vitter's
**      algorithm R, deterministic from the seed) of at most max_rows rows
**      (default min(100000, 2^25 / p), so at most 256 MiB) and fits on it;
**      metrics report sample_rows.  The same rows, options and seed give the
**      same payload bytes.
**   5. Constant features.  A numeric feature whose training values are all
**      equal (exactly: min = max) gets mean = that value and variance and
**      covariances exactly 0 (empirical, mcd; Ledoit–Wolf gives it the
**      shrinkage target's variance, as sklearn).  Values too large for a
**      covariance (spread beyond ~1e150) or a spread too small to square
**      (below ~1e-150) are OM_INVALID naming the feature, never Inf/NaN.
**
** Singular covariance (mah_factor.c)
**   6. Σ is factored in standardised coordinates: σ_i = sqrt(Σ_ii),
**      R = D⁻¹ΣD⁻¹ over the features with σ_i > 0 (so mixed units, 1e-6
**      next to 1e9, do not look singular).  If LAPACK's dpotrf succeeds on
**      R and dpocon's reciprocal condition is ≥ MAH_RCOND_MIN the Cholesky
**      factor L is used.  Otherwise R's eigen-decomposition (dsyevd) is
**      used as a pseudo-inverse: eigenvalues ≤ MAH_EIG_TOL·λmax are
**      dropped, like sklearn's pinvh (whose cutoff is p·eps·λmax on Σ).
**      The rank k (number of kept dimensions) is the chi-square degrees of
**      freedom.  Distances of points in the span of the training data equal
**      sklearn's (EmpiricalCovariance.mahalanobis uses pinvh(Σ)); features
**      with σ_i = 0 and dropped directions contribute 0 to d², as there.
**   7. Outside the training subspace.  A point that leaves it — a constant
**      feature with another value, or a component along a dropped direction
**      larger than MAH_OUTSIDE_K·sqrt(MAH_EIG_TOL·λmax) standard deviations
**      — has `outside` = 1 and is an anomaly whatever its d².  (For such
**      points sklearn's pinvh distance depends on the features' units;
**      ours is the unit-free one above.)
**
** Scoring (mah_score.c), on a row prepared by mah_row_prepare
**   8. d² = zᵀR⁺z with z_i = (x_i−μ_i)/σ_i (forward substitution with L, or
**      the kept eigenvectors); d = sqrt(d²).  sklearn's mahalanobis()
**      returns d².  p_value = P(χ²_df ≥ d²) (mah_chi2_sf, df = k, or fewer
**      with missing values, 9); p_value = 1 when df = 0.
**   9. Missing values (NaN in x).  A missing feature is replaced by its
**      conditional expectation given the observed ones under the fitted
**      Gaussian; for a full-rank model d² is then exactly the Mahalanobis
**      distance of the observed sub-vector under its marginal distribution,
**      and df = the number of observed non-constant features.  (Singular
**      models: the completion uses R with its eigenvalues floored at
**      MAH_EIG_TOL·λmax, and df = min(k, observed), an upper bound.)  A row
**      with every feature missing has d = 0, p_value = 1.
**   10. is_anomaly = outside or p_value < contamination (option, default
**      0.01); for a complete row this is d² > χ²_k.isf(contamination),
**      precomputed (threshold in mah_info).  ±Inf in x is OM_INVALID; a
**      deviation that overflows gives d = +Inf, p_value = 0, an anomaly.
**      Never NaN.
**   11. No allocation per row: the caller passes scratch of
**      mah_scratch_doubles(model) doubles (the SQL layer keeps one per
**      statement); the model is read-only while scoring.
**   12. mah_explain fills one mah_evidence per schema feature: value,
**      expected (μ_i; the conditional expectation for a missing feature),
**      the range μ_i ± c·σ_i with c = sqrt(χ²_1.isf(contamination)) (the
**      two-sided normal quantile, 2.576 for 0.01), z = (x_i−μ_i)/σ_i (±Inf
**      for a constant feature that moved, 0 if it did not, NaN when missing
**      or ignored), and contribution c_i = z_i·(R⁺z)_i, which sum to d²
**      (exactly in exact arithmetic).  A contribution can be negative: two
**      correlated features that deviate against their correlation share the
**      blame unevenly.  Missing features contribute 0 (full-rank models).
**      After an overflow (10) the contributions are +Inf for the features
**      whose z overflowed and 0 elsewhere; when only the quadratic form
**      overflows, a contribution that is not finite is +Inf (0 for a
**      missing feature, whose expected value is then μ_i).
**
** Codec (mah_codec.c)
**   13. The payload (MAH_FORMAT) is little-endian via om_buf; its byte map
**      is in mah_codec.c.  It stores μ and Σ, never the factor: mah_decode
**      checks every field, that n_features and the numeric count match the
**      envelope's schema, that every number is finite, Σ symmetric with a
**      non-negative diagonal and |R_ij| ≤ 1, and re-derives the factor,
**      rejecting a Σ that is not positive semi-definite (an eigenvalue of R
**      below −MAH_PSD_TOL·λmax).  Anything wrong is OM_CORRUPT, never a
**      crash; another payload version is OM_UNSUPPORTED_VERSION.
**      mah_encode(mah_decode(b)) == b.
**   14. mah_accum_finish decodes the payload it wrote before returning it:
**      a model that would not load is an error, never a BLOB.
**
** Options (mah_options_parse, a flat JSON object; the SQL layer passes the
** user's text): method ('empirical' | 'ledoit_wolf' | 'mcd', default
** 'empirical'), contamination (0 < c ≤ 0.5, default 0.01),
** support_fraction (mcd: 0 < f ≤ 1, default (n+p+1)/2n), max_rows (mcd:
** integer 1..10^8, with max_rows·p ≤ 2^27), seed (integer ≥ 0, default 0).
**   15. An unknown key, a wrong type or an out-of-range value is OM_INVALID
**      naming the key ("unknown option \"x\"; accepted: ...").
**      mah_options_json writes the resolved options (canonical JSON) for
**      the envelope's meta.
*/
#ifndef MAH_H
#define MAH_H

#include "../base/om_buf.h"
#include "../base/om_json.h"

#define MAH_FORMAT 1          /* payload version this build writes and reads */
#define MAH_MAX_FEATURES 1024 /* numeric features in one model */
#define MAH_BLOCK 256         /* rows per block of the streaming co-moments */
#define MAH_RCOND_MIN 1e-12   /* Cholesky only when dpocon's rcond of R is at least this */
#define MAH_EIG_TOL 1e-13     /* pseudo-inverse: eigenvalues of R ≤ this·λmax are dropped */
#define MAH_PSD_TOL 1e-9      /* decode: an eigenvalue of R below −this·λmax is corrupt */
#define MAH_OUTSIDE_K 1000.0  /* behaviour 7 */
#define MAH_DEFAULT_MAX_ROWS 100000
#define MAH_MAX_SAMPLE_DOUBLES ((uint64_t)1 << 27) /* max_rows·p bound: 1 GiB */

typedef enum mah_method { MAH_EMPIRICAL = 0, MAH_LEDOIT_WOLF = 1, MAH_MCD = 2 } mah_method;

const char *mah_method_name(mah_method m); /* "empirical", "ledoit_wolf", "mcd" */

typedef struct mah_options {
  mah_method method;
  double contamination;    /* (0, 0.5] */
  double support_fraction; /* mcd: 0 = default (n+p+1)/2n, else (0, 1] */
  uint64_t max_rows;       /* mcd sample bound; 0 = default */
  uint64_t seed;
} mah_options;

void mah_options_default(mah_options *o);
/* Parse a flat JSON object over the defaults (text NULL: defaults). */
om_status mah_options_parse(const char *text, size_t n, mah_options *o, om_err *err);
/* The resolved options (max_rows resolved for n_numeric features) as one
** JSON object appended to w, for the envelope's meta. */
void mah_options_json(const mah_options *o, uint32_t n_numeric, om_wbuf *w);
/* max_rows as used for n_numeric features (the default resolved). */
uint64_t mah_options_max_rows(const mah_options *o, uint32_t n_numeric);

/* ------------------------------------------------------------ fitting */

typedef struct mah_accum mah_accum;

/* types[n_features]: FV_NUMERIC (1) or FV_CATEGORICAL (2), schema order.
** OM_INVALID for no numeric feature, too many, bad options; OM_NOMEM. */
om_status mah_accum_init(const mah_options *o, uint32_t n_features, const uint8_t *types, mah_accum **out,
                         om_err *err);
/* One row: num[i] for numeric features (ignored for categorical ones),
** missing[i] non-zero when the row has no value (may be NULL).  A row that
** fails changes nothing. */
om_status mah_accum_add(mah_accum *a, const double *num, const uint8_t *missing, om_err *err);
/* Fit, then append the payload to *payload and one flat JSON object of
** metrics to *metrics.  it may be NULL.  The accumulator stays valid (and
** must still be freed); finishing twice gives the same bytes. */
om_status mah_accum_finish(mah_accum *a, const om_interrupt *it, om_wbuf *payload, om_wbuf *metrics, om_err *err);
uint64_t mah_accum_rows_used(const mah_accum *a);
uint64_t mah_accum_rows_skipped(const mah_accum *a);
void mah_accum_free(mah_accum *a);

/* The totals of 'empirical' / 'ledoit_wolf' (behaviour 4), for the mergeable
** state (mah_state.h): n = rows_used complete rows, their mean, co-moment
** sums M2 (q·q row-major, lower triangle i ≥ j used), and for ledoit_wolf
** T = Σ‖r‖²·r and M4 = Σ‖r‖⁴ (T NULL otherwise); first[j] the first row's
** value and varies[j] (0/1) whether a later value differed (behaviour 5). */
typedef struct mah_moments {
  uint32_t q;
  uint64_t rows_used, rows_skipped;
  double *mean, *M2, *T, M4;
  double *first;
  uint8_t *varies;
} mah_moments;
/* Fold the pending block into the totals (as finish does) and point *out
** at them (valid until the next add, merge or free).  OM_INVALID for mcd. */
om_status mah_accum_moments(mah_accum *a, mah_moments *out, om_err *err);
/* Fold totals src (same q, from mah_accum_moments or a decoded state) into
** a with the formulas that fold a block (mah_fit.c 2): into an empty
** accumulator it is a copy, so finishing gives the bytes finishing the
** source accumulator gives.  OM_INVALID for mcd, another q, too many rows. */
om_status mah_accum_merge(mah_accum *a, const mah_moments *src, om_err *err);

/* ------------------------------------------------------------ the model */

typedef struct mah_model mah_model;

om_status mah_decode(const uint8_t *payload, size_t n, uint32_t n_features, const uint8_t *types, mah_model **out,
                     om_err *err);
om_status mah_encode(const mah_model *m, om_wbuf *w);
void mah_free(mah_model *m);

/* Read-only views for info, tests and the SQL layer. */
typedef struct mah_info {
  mah_method method;
  uint32_t n_features;   /* schema features */
  uint32_t n_numeric;    /* numeric features (p) */
  uint32_t n_constant;   /* numeric features with σ = 0 */
  uint32_t rank;         /* k: chi-square degrees of freedom of a complete row */
  int cholesky;          /* 1 when R was factored by Cholesky, 0 for the pseudo-inverse */
  double contamination;
  double threshold;      /* distance d above which a complete row is an anomaly */
  double shrinkage;      /* ledoit_wolf; 0 otherwise */
  uint64_t n_rows;       /* rows behind μ and Σ (mcd: the reweighted support) */
  uint64_t raw_support;  /* mcd: h; 0 otherwise */
  uint64_t sample_rows;  /* mcd: rows in the sample; 0 otherwise */
} mah_info;

void mah_get_info(const mah_model *m, mah_info *out);
/* μ and Σ of numeric feature j (0-based among numeric features); the schema
** index of numeric feature j. */
const double *mah_location(const mah_model *m);   /* [p] */
const double *mah_covariance(const mah_model *m); /* [p·p], row-major, symmetric */
uint32_t mah_numeric_feature(const mah_model *m, uint32_t j);
/* Writes the info members into an open JSON object (the kind's info hook). */
void mah_info_json(const mah_model *m, om_jw *j);

/* ------------------------------------------------------------ scoring */

/* x[n_features]: num[i] for present numeric features, NaN for missing
** ones, 0 for categorical ones (cat and missing may be NULL). */
void mah_row_prepare(const mah_model *m, const double *num, const uint64_t *cat, const uint8_t *missing, double *x);

size_t mah_scratch_doubles(const mah_model *m);

typedef struct mah_result {
  double d2;       /* squared distance (sklearn's mahalanobis()) */
  double d;        /* distance */
  double p_value;  /* P(χ²_df ≥ d²) */
  uint32_t df;     /* degrees of freedom used */
  uint32_t n_missing; /* numeric features missing in x */
  int outside;     /* behaviour 7 */
  int is_anomaly;  /* behaviour 10 */
} mah_result;

typedef enum mah_ev_status {
  MAH_EV_USED = 0,     /* a numeric feature with σ > 0 */
  MAH_EV_CONSTANT = 1, /* σ = 0 */
  MAH_EV_MISSING = 2,  /* NaN in x: completed (behaviour 9) */
  MAH_EV_IGNORED = 3   /* categorical */
} mah_ev_status;

typedef struct mah_evidence {
  double value;        /* x_i; NaN when missing or ignored */
  double expected;     /* μ_i, or the conditional expectation when missing */
  double lo, hi;       /* μ_i ∓ c·σ_i (behaviour 12) */
  double z;            /* (x_i − μ_i)/σ_i */
  double contribution; /* z_i·(R⁺z)_i; the sum over features is d² */
  uint8_t status;      /* mah_ev_status */
} mah_evidence;

/* OM_INVALID when x holds ±Inf (message names the feature). */
om_status mah_score(const mah_model *m, const double *x, double *scratch, mah_result *r, om_err *err);
om_status mah_explain(const mah_model *m, const double *x, double *scratch, mah_result *r,
                      mah_evidence *out /* [n_features] */, om_err *err);

/* ------------------------------------------------------------ chi-square */

/* P(χ²_df ≥ x) = Q(df/2, x/2), the regularised upper incomplete gamma
** (mah_chi2.c).  df > 0; x ≤ 0 gives 1, +Inf gives 0; NaN in gives NaN. */
double mah_chi2_sf(double x, double df);
/* The x with mah_chi2_sf(x, df) = q, 0 < q < 1 (bisection to the last bit). */
double mah_chi2_isf(double q, double df);
/* The regularised incomplete gammas themselves, a > 0, x ≥ 0. */
double mah_gamma_q(double a, double x);
double mah_gamma_p(double a, double x);

/* ------------------------------------------------------------ kind row */
/* The last row scored through the kind row's anomaly hooks (mah_kind.c
** behaviour 5), for a model decoded by the kind table. */
const mah_result *mah_kind_last_result(const void *kind_model);

#endif /* MAH_H */
