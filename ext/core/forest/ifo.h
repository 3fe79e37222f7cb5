/*
** ifo.h — the isolation forest (Liu, Ting & Zhou 2008) as scikit-learn's
** IsolationForest grows and scores it, trained from a stream of rows in
** bounded memory, with categorical features, missing values and per-row
** evidence.  Pure C11, no SQLite; the SQL layer (isolation_forest_train,
** isolation_score, is_anomaly) sits on top.
**
** Public part (for the SQL layer):
**   1. Training is an accumulator: ifo_accum_init(options, features) →
**      ifo_accum_add(row) for every row, in a deterministic order →
**      ifo_accum_finish() → the payload bytes (ifo_codec.c's format) and a
**      flat metrics JSON object; ifo_accum_free() always.  Memory is
**      O((n_trees × sample_size + IFO_SCORE_SAMPLE) × features), whatever
**      the number of rows (ifo_train.c behaviours 1-4).
**   2. Features may be discovered while rows stream in (the SQL layer's
**      union of names): ifo_accum_add_feature() appends one; the rows kept
**      so far lack it (missing).  finish() takes the final schema order.
**   3. The payload is a pure function of (rows in order, options minus
**      threads): byte-identical whatever `threads` is.
**   4. A decoded model (ifo_decode, or the kind row ifo_kind in ifo_kind.c)
**      scores a row prepared once by ifo_row_prepare: ifo_score is
**      scikit-learn's -score_samples, in (0, 1], higher = more anomalous;
**      ifo_is_anomaly compares it with the stored threshold; ifo_explain
**      splits log2(2·score) over the features (ifo_score.c behaviour 5).
**      Scoring allocates nothing and only reads the model.
**   5. Options come from a flat JSON object through ifo_options_parse (the
**      messages name the key and what it accepts); ifo_options_json writes
**      the resolved options (without threads, which does not change the
**      model) for the envelope's meta.
**
** Internal part (below the marker): the model layout shared by ifo_*.c, the
** fuzz target and the unit tests.
*/
#ifndef IFO_H
#define IFO_H

#include "../base/om_buf.h"
#include "../base/om_core.h"

#define IFO_FORMAT 1 /* payload version written by ifo_encode (the kind's payload_version) */

typedef struct ifo_options {
  uint32_t n_trees;     /* 100; 1..IFO_MAX_TREES */
  uint32_t sample_size; /* 256; 1..IFO_MAX_SAMPLE; ψ = min(sample_size, rows) */
  uint32_t max_depth;   /* 0 = automatic, ceil(log2(max(ψ, 2))) as scikit-learn; else 1..IFO_MAX_DEPTH */
  double contamination; /* 0 = 'auto' (threshold 0.5); else in (0, 0.5] */
  uint64_t seed;        /* 0; 0..2^53 through JSON */
  uint32_t threads;     /* 0 = automatic (online CPUs, at most 4); else 1..64 */
} ifo_options;

void ifo_options_default(ifo_options *o);
/* Checks every field (OM_INVALID naming it). */
om_status ifo_options_check(const ifo_options *o, om_err *err);
/* Defaults, then the members of a flat JSON object (text may be NULL: the
** defaults).  Keys: n_trees, sample_size, max_depth, contamination ('auto'
** or a number), seed, threads.  Errors (OM_INVALID, or OM_NOMEM): 'options
** are not a JSON object (...)', 'unknown option "k"; accepted: ...',
** 'option n_trees must be an integer from 1 to 10000', ... */
om_status ifo_options_parse(const char *text, size_t n, ifo_options *o, om_err *err);
/* The resolved options as a flat JSON object (no threads), appended to w. */
om_status ifo_options_json(const ifo_options *o, om_wbuf *w);

/* ---- training (ifo_train.c) ---- */
typedef struct ifo_accum ifo_accum;

/* types[i] is FV_NUMERIC (1) or FV_CATEGORICAL (2) (fv.h); types may be NULL
** when n_features is 0.  OM_INVALID for bad options, a bad type or a sample
** that could outgrow IFO_MAX_SAMPLE_BYTES; OM_NOMEM. */
om_status ifo_accum_init(ifo_accum **out, const ifo_options *o, uint32_t n_features, const uint8_t *types,
                         om_err *err);
/* Appends feature number ifo_accum_n_features() (behaviour 2). */
om_status ifo_accum_add_feature(ifo_accum *a, uint8_t type, om_err *err);
/* One row in accumulator feature order: num[i] for numeric features (NaN =
** missing; ±Inf is kept and saturates to ±FLT_MAX like any huge value),
** cat[i] (XXH3 hash of the text) for categorical ones, missing[i] = 1 when
** the row has no value (missing may be NULL).  Only the slots of present
** features are read.  OM_NOMEM only (the row is then not counted). */
om_status ifo_accum_add(ifo_accum *a, const double *num, const uint64_t *cat, const uint8_t *missing,
                        om_err *err);
uint64_t ifo_accum_rows(const ifo_accum *a);
uint32_t ifo_accum_n_features(const ifo_accum *a);
/* Grows the forest and appends the payload to `payload` and the metrics JSON
** object to `metrics` (either may hold bytes already).  order[s] is the
** accumulator feature at schema position s (a permutation; NULL = the
** identity): the payload's features are in schema order.  Polls intr once
** per tree (OM_INTERRUPTED).  OM_INVALID with no rows or no features.  The
** accumulator must still be freed. */
om_status ifo_accum_finish(ifo_accum *a, const uint32_t *order, const om_interrupt *intr, om_wbuf *payload,
                           om_wbuf *metrics, om_err *err);
void ifo_accum_free(ifo_accum *a);

/* For tests: the value kept for accumulator feature f in slot `slot` of
** reservoir r (trees 0..n_trees-1, then the score sample); returns 0 when
** the slot is empty, else 1 with *missing set and *bits the stored double
** bits or hash. */
int ifo_accum_peek(const ifo_accum *a, uint32_t r, uint32_t slot, uint32_t f, uint64_t *bits, int *missing);
/* Rows currently kept in the shared store (behaviour 3 of ifo_train.c). */
uint32_t ifo_accum_kept_rows(const ifo_accum *a);

/* ---- models (ifo_codec.c, ifo_score.c) ---- */
typedef struct ifo_model ifo_model; /* read-only once decoded */

/* Validates everything (ifo_codec.c); is_cat[i] non-zero for categorical
** schema features (NULL: none).  OM_CORRUPT / OM_UNSUPPORTED_VERSION / OM_NOMEM. */
om_status ifo_decode(const uint8_t *p, size_t n, uint32_t n_features, const uint8_t *is_cat, ifo_model **out,
                     om_err *err);
om_status ifo_encode(const ifo_model *m, om_wbuf *w);
void ifo_free(ifo_model *m);

/* x[n_features] from one row in schema order (num/cat/missing as for
** ifo_accum_add): numeric → the value rounded to float32 (saturating at
** ±FLT_MAX), as scikit-learn's float32 X; categorical → its training
** frequency (0 for a category unseen or too rare in training: mdl_kind.h
** behaviour 5); missing (or NaN) → NaN. */
void ifo_row_prepare(const ifo_model *m, const double *num, const uint64_t *cat, const uint8_t *missing,
                     double *x);
double ifo_score(const ifo_model *m, const double *x);      /* in (0, 1] */
int ifo_is_anomaly(const ifo_model *m, const double *x);    /* score > threshold */
void ifo_explain(const ifo_model *m, const double *x, double *out /* [n_features] */);
/* The same into out[f · stride] (for evidence records). */
void ifo_explain_strided(const ifo_model *m, const double *x, double *out, size_t stride);
/* The expected range of feature f (ifo_train.c behaviour 10); NaN when none. */
double ifo_model_expected_lo(const ifo_model *m, uint32_t f);
double ifo_model_expected_hi(const ifo_model *m, uint32_t f);

typedef struct ifo_importance {
  double gain;     /* mean positive evidence (ifo_explain) over the top-scored rows of the training score sample */
  double cover;    /* Σ over splits on the feature of node samples / (n_trees × ψ) */
  uint64_t splits; /* splits on the feature */
} ifo_importance;
void ifo_feature_importance(const ifo_model *m, ifo_importance *out /* [n_features] */);

uint32_t ifo_model_n_features(const ifo_model *m);
uint32_t ifo_model_n_trees(const ifo_model *m);
uint32_t ifo_model_sample_size(const ifo_model *m); /* ψ, the sample size actually used */
uint32_t ifo_model_max_depth(const ifo_model *m);
uint32_t ifo_model_n_nodes(const ifo_model *m);
double ifo_model_contamination(const ifo_model *m); /* 0 = 'auto' */
double ifo_model_threshold(const ifo_model *m);

/* c(n): the average path length of an unsuccessful search in a binary
** search tree of n keys: 0 for n ≤ 1, 1 for n = 2, else
** 2(ln(n−1) + γ) − 2(n−1)/n (scikit-learn's _average_path_length). */
double ifo_c(double n);

/* ======================= internal (ifo_*.c, fuzz target, unit tests) ======================= */

#define IFO_MAX_TREES 10000u
#define IFO_MAX_SAMPLE (1u << 20)
#define IFO_MAX_DEPTH 64u
#define IFO_MAX_FEATURES 65535u
#define IFO_SCORE_SAMPLE 8192u            /* rows kept to set the threshold and the importance */
#define IFO_MAX_SAMPLE_BYTES (1ull << 30) /* bound on the rows a training may keep */
#define IFO_CAT_MIN_COUNT 2               /* a category kept rarer than this encodes as 0 */
#define IFO_RANGE_K 1.5                   /* expected range: Tukey's fences, Q1 − k·IQR .. Q3 + k·IQR */
#define IFO_FEATURE_THRESHOLD 1e-7f       /* scikit-learn: max ≤ min + this (float32) is constant */
#define IFO_EULER_GAMMA 0.57721566490153286060651209008240243

/* Node flags. */
#define IFO_NODE_LEAF 1u
#define IFO_NODE_MISSING_LEFT 2u

/* One node (16 bytes).  A tree's nodes are in preorder: a split's left child
** is the next node, its right child is u.s.right (tree-local); a leaf holds
** its path length h = depth + c(size) (computed as scikit-learn does:
** (depth + 1) + c(size) − 1). */
typedef struct ifo_node {
  union {
    struct {
      float thr;      /* go left when x <= thr (float32) */
      uint32_t right; /* right child, tree-local */
    } s;
    double h; /* leaf */
  } u;
  uint32_t ff;   /* feature << 2 | IFO_NODE_* flags */
  uint32_t size; /* training samples that reached the node */
} ifo_node;
#define IFO_NODE_FEATURE(nd) ((nd)->ff >> 2)

struct ifo_model {
  uint32_t n_features;
  uint8_t *is_cat;           /* [n_features] */
  uint32_t n_trees;
  uint32_t sample_size;      /* ψ */
  uint32_t max_depth;
  double contamination;      /* 0 = auto */
  double threshold;
  double c_psi;              /* c(ψ) */
  double *gain;              /* [n_features], importance */
  double *exp_lo, *exp_hi;   /* [n_features] expected range (NaN: none), ifo_train.c behaviour 10 */
  uint32_t *cat_off;         /* [n_features + 1]: feature f's table is [cat_off[f], cat_off[f+1]) */
  uint64_t *cat_hash;        /* ascending within a feature */
  double *cat_freq;          /* in (0, 1] */
  uint32_t n_cat;
  uint32_t *tree_off;        /* [n_trees + 1] */
  ifo_node *nodes;           /* [n_nodes] */
  uint32_t n_nodes;
  uint32_t deepest;          /* depth of the deepest leaf (ifo_model_index) */
};

/* Zeroed model with is_cat, gain, cat_off, tree_off allocated (NULL on OOM). */
ifo_model *ifo_model_alloc(uint32_t n_features, uint32_t n_trees);
/* Leaf path lengths and c(ψ) from the nodes; returns the deepest leaf's
** depth, or −1 when a tree is not a well-formed preorder tree. */
int ifo_model_index(ifo_model *m);

/* A forest given as scikit-learn's arrays (tree_.children_left/right with
** −1 for leaves, feature, threshold, n_node_samples), for the parity tests
** and hand-built trees.  Nodes may be in any order where children come after
** their parent; they are re-laid in preorder and thresholds rounded down to
** float32 (x <= t for a float32 x is then the same test).  OM_INVALID names
** the first thing wrong. */
typedef struct ifo_tree_arrays {
  uint32_t n_nodes;
  const int64_t *left, *right; /* −1 for a leaf */
  const int64_t *feature;
  const double *threshold;
  const int64_t *n_samples;
  const uint8_t *missing_left; /* may be NULL (all missing go right) */
} ifo_tree_arrays;
typedef struct ifo_forest_arrays {
  uint32_t n_features;
  const uint8_t *is_cat; /* may be NULL */
  uint32_t n_trees;
  const ifo_tree_arrays *trees;
  uint32_t sample_size;
  uint32_t max_depth;
  double contamination; /* 0 = auto */
  double threshold;
  const uint32_t *cat_count; /* per feature, may be NULL: no tables */
  const uint64_t *cat_hash;  /* concatenated, ascending per feature */
  const double *cat_freq;
  const double *gain; /* may be NULL: zeros */
  const double *expected_lo, *expected_hi; /* may be NULL: no expected range (NaN) */
} ifo_forest_arrays;
om_status ifo_model_from_arrays(const ifo_forest_arrays *a, ifo_model **out, om_err *err);

/* The type-7 (linear) q-quantile of scores[0..n), n ≥ 1; sorts scores.  The
** contamination threshold is its (1 − contamination) quantile, which is
** −offset_ of scikit-learn (np.percentile of score_samples at 100·c). */
double ifo_quantile_inplace(double *scores, size_t n, double q);

/* x rounded to float32 the way numpy's astype does, but saturating at
** ±FLT_MAX instead of overflowing (NaN stays NaN). */
float ifo_to_f32(double x);
/* The largest float32 ≤ t (t finite). */
float ifo_f32_down(double t);

/* ---- ifo_rng.c: xoshiro256** seeded through splitmix64 ---- */
typedef struct ifo_rng {
  uint64_t s[4];
} ifo_rng;
/* Independent streams: (seed, stream) → state. */
void ifo_rng_seed(ifo_rng *r, uint64_t seed, uint64_t stream);
uint64_t ifo_rng_next(ifo_rng *r);
double ifo_rng_uniform(ifo_rng *r);             /* [0, 1) */
double ifo_rng_open01(ifo_rng *r);              /* (0, 1) */
uint64_t ifo_rng_below(ifo_rng *r, uint64_t n); /* [0, n), n ≥ 1, unbiased */

/* ---- ifo_tree.c: growing one tree (scikit-learn's random splitter) ---- */
typedef struct ifo_grow {
  /* inputs */
  const float *X;      /* column-major [n_features × n]: X[f·n + r]; NaN = missing */
  uint32_t n;          /* samples (ψ) */
  uint32_t n_features;
  uint32_t max_depth;  /* 1..IFO_MAX_DEPTH */
  ifo_rng *rng;        /* the tree's own stream */
  /* scratch, (max_depth + 1)·n_features + n words, from the caller */
  uint32_t *idx;       /* [n] */
  uint32_t *cand;      /* [(max_depth + 1) × n_features] */
  /* output: preorder nodes (leaf h not set: ifo_model_index does it) */
  ifo_node *nodes;     /* capacity 2n − 1 */
  uint32_t n_nodes;
} ifo_grow;
void ifo_grow_tree(ifo_grow *g);

/* ---- ifo_pool.c: run tasks on threads, joined before return ---- */
typedef void (*ifo_task_fn)(void *ctx, size_t task, unsigned worker);
/* Runs fn(ctx, t, worker) for t in [0, n_tasks) on up to n_threads threads
** (the caller is worker 0; threads that cannot start are not used) and
** returns when every started task is done.  The caller polls intr before
** each task it takes; once it says stop no new task starts and the result
** is OM_INTERRUPTED.  *used gets the number of threads used (may be NULL). */
om_status ifo_run_tasks(unsigned n_threads, size_t n_tasks, ifo_task_fn fn, void *ctx, const om_interrupt *intr,
                        unsigned *used);
unsigned ifo_auto_threads(void);

#endif /* IFO_H */
