/*
** cf.h — conformal calibrations: signed residuals of a regression model on
** recent finished runs, pooled and per group (Mondrian conformal prediction,
** Vovk et al.), stored as a model of kind 'conformal' and used by
** predict_interval(model, fv, coverage, calib).  Pure C11, no SQLite; uses
** base/ only (never the gbt family: the SQL layer computes each run's raw
** score with the model and hands this family plain numbers).
**
**   SELECT interval_calibrate('runtime', fv, duration_s, '{"group": "user", "window": 2000}')
**     FROM (SELECT * FROM runs WHERE end_time >= :since ORDER BY end_time);
**
** Behaviours (tests/unit/test_cf.c cites them):
**   1. A residual is y' − raw: y' the actual value mapped into the model's
**      score space (space LOG1P: log1p(y), y ≥ 0; IDENTITY: y), raw the
**      model's raw score of the same row — the space of the model's own
**      calibration residuals (gbt.h point 5), so intervals of a 'duration'
**      model stay multiplicative.  cf_target() does the mapping; an actual
**      that is not finite, or negative in LOG1P space, is OM_INVALID.
**   2. Every residual goes to the pool; a row whose group value is present
**      (numeric: the value's bits, −0 as +0; categorical: its 64-bit hash)
**      also goes to that group.  The group feature keeps one type: a value
**      of the other type in a later row is OM_INVALID.
**   3. window W > 0 keeps only the W most recent residuals (input order) of
**      the pool and of each group (a ring per group: O(W) memory each);
**      W = 0 keeps them all.  Accumulating costs 8 bytes per kept residual
**      twice (pool and group) plus ~64 bytes per distinct group.
**   4. cf_accum_finish keeps the groups with at least min_group residuals
**      (after the window), at most max_groups of them: those with the most
**      residuals, ties by smaller key — deterministic.  The others are not
**      stored: their runs use the pool.  Each sample (pool and groups) is
**      stored as its n and at most CF_RESID_MAX ascending order statistics:
**      all of them when n ≤ CF_RESID_MAX, else those at 0-based ranks
**      round(j·(n−1)/(CF_RESID_MAX−1)), j = 0..CF_RESID_MAX−1 (gbt's rule).
**      An accumulator without residuals is OM_INVALID ("no rows").
**   4b. bins K (2..CF_MAX_BINS; not with a group): Mondrian by the level of
**      the model's own prediction.  Every residual is added with the row's
**      raw score (finite, else OM_INVALID); the finish sorts the raw scores
**      of the pool's kept residuals (after the window; n of them) and takes
**      the K − 1 edges e_j = the order statistic of 0-based rank
**      floor(j·n/K), j = 1..K−1 (non-decreasing; equal edges leave a bin
**      empty).  A raw score x is in bin b = the number of edges ≤ x
**      (0..K−1), so the bins hold about n/K residuals each and a tie goes
**      up.  Each kept residual then goes to its bin, and the bins are the
**      groups of behaviour 4 (key = b, key type CF_KEY_BIN; min_group and
**      max_groups apply; groups seen = the non-empty bins).  The edges are
**      stored, so a later row is binned with the calibration's edges.
**   4c. shrink K (> 0, finite; with group or bins, not alone): each stored
**      group (or bin) is pulled towards the pool.  A row whose group was
**      stored (n ≥ min_group, within max_groups: behaviour 4 decides, as
**      without shrink) uses the blend of its group's sample g and the pool
**      p with the weight w = n_g/(n_g + K) of the group; a row whose group
**      was not stored uses the pool alone, as without shrink.  The blend's
**      conformal quantile is w·Q_g(q) + (1 − w)·Q_p(q) (behaviour 5's
**      quantiles of each; +Inf or −Inf when the group's is); its
**      distribution is the Vincentization of the two of behaviour 10
**      (behaviour 11).  min_group keeps its meaning and its default (30).
**      Without shrink nothing changes: the same options JSON, payload
**      format and bytes as before shrink existed.
**   5. cf_sample_quantile(q): conformal rank k = ceil((n+1)q) for q ≥ 0.5
**      (+inf when k > n), floor((n+1)q) below (−inf when k < 1); the order
**      statistic of rank k, linearly interpolated between the two stored
**      ranks around it when the sample was thinned; NaN for q outside (0, 1)
**      or an empty sample.  The same rule as gbt_residual_quantile, so a
**      calibration over the model's own calibration rows reproduces its
**      built-in intervals.
**   6. cf_lookup(calib, has_key, type, key) returns the group's sample when
**      the group was stored (n ≥ min_group), else the pool (binary search
**      over keys ascending: O(log groups)).  cf_lookup_row does the same
**      for a scored row: for a calibration with bins its key is the bin of
**      the row's raw score (behaviour 4b; a NaN raw score: the pool), else
**      the row's group key.
**   7. cf_model_identity(view) = XXH3-64 of the model's payload, seeded by a
**      chain over its schema (each feature's name and type): unchanged by
**      model_save's created_at stamp, changed by any retraining that
**      changes a tree or a feature.  The calibration stores it; scoring
**      with another model is refused by the SQL layer.
**   8. Payload format 1 (written when there are no bins and no shrink, so
**      such a calibration keeps the bytes it had before format 2; little-endian;
**      the envelope, mdl.h, carries the checksum and a payload version equal
**      to the format; the schema section is empty):
**        u16 format (1)  u8 space (0 identity, 1 log1p)
**        u8 key type (0 none, 1 numeric, 2 categorical)
**        u32 min_group (≥ 1)  u64 window (0 = all)  u64 model identity
**        u32 max_groups (1..CF_MAX_GROUPS)  u32 reserved 0
**        u16 G + G bytes: the group feature's name (G = 0: no group;
**            valid UTF-8 without NUL; key type 0 when G = 0)
**        u64 groups seen (distinct groups that had a residual)
**        sample pool;  u32 n_groups (≤ max_groups, ≤ groups seen;
**        0 when key type is 0);  per group, keys strictly ascending:
**        u64 key, sample
**        sample: u64 n, u32 k = min(n, CF_RESID_MAX), k × f64 finite and
**            ascending (the pool: n ≥ 1; a group: n ≥ min_group)
**      and nothing after.  Payload format 2 (written when bins ≥ 2 without
**      shrink) is format 1 with key type 3 (bins; G = 0) and, right after
**      the group name, u16 K (2..CF_MAX_BINS) and (K − 1) × f64 edges,
**      finite and non-decreasing; its groups are bins (keys < K).  Format 1
**      never has key type 3, format 2 always.  cf_decode_payload reads all
**      three (a format-1 payload decodes as before, with bins 0 and shrink
**      0; a format-2 one with shrink 0) and checks every
**      field and never reads out of bounds: anything else is OM_CORRUPT; a
**      newer format is OM_UNSUPPORTED_VERSION.  Categorical values never
**      appear (only their hashes); encode(decode(p)) == p for every format.
**      Payload format 3 (written when shrink > 0, with or without bins; a
**      calibration without shrink keeps format 1 or 2, byte for byte) is
**      format 1 or 2 with key type 0..3 and, right after the group name
**      and (key type 3 only) the bins' K and edges, f64 shrink K (finite,
**      > 0).  It has a group feature (G > 0; key type 0..2) or bins (key
**      type 3, G = 0): a calibration with neither is OM_CORRUPT.
**   9. Deterministic: the same rows in the same order and the same options
**      give the same bytes.
**  10. Predictive distribution of a row's duration from a sample s (space
**      LOG1P; a row with raw score raw): T = max(expm1(raw + U), 0) with U
**      distributed as F below, in u = log1p(t) − raw.  The k stored order
**      statistics r_0 ≤ … ≤ r_(k−1) of the n residuals are knots (r_j, P_j)
**      with P_j = ρ_j/(n + 1), ρ_j = j + 1 when k = n, else 1 + j(n − 1)/(k −
**      1) — the (fractional) conformal rank of the stored order statistic,
**      so F(cf_sample_quantile(s, q)) = ceil((n + 1)q)/(n + 1) for q ≥ 0.5
**      and floor((n + 1)q)/(n + 1) below (behaviour 5's ranks; exact when
**      the residuals have no ties).  Between knots F is linear in u; at a
**      tie it takes the top of the jump (F(u) counts the residuals ≤ u).
**      The tails are exponential in u (Pareto in seconds): F(u) =
**      P_0·exp((u − r_0)/β_lo) below r_0 and 1 − F(u) = (1 − P_(k−1))·
**      exp(−(u − r_(k−1))/β_hi) above r_(k−1), with β_hi the mean of r_(k−1−i)
**      − r_(k−1−m), i = 0..m−1, m = min(ceil(√k), k − 1) (β_lo the same at
**      the bottom), at least CF_TAIL_MIN; k = 1: both CF_TAIL_MIN.  So F is
**      continuous, strictly increasing outside ties, 0 < F < 1.
**        cf_dist_cdf(s, raw, t, e) = P(T ≤ t | T ≥ e) for t > 0, e ≥ 0
**      finite: e = 0 is no condition, F(log1p(t) − raw) (T ≥ 0 always; the
**      part of U below −raw is T = 0, which "finished by t" counts); e > 0
**      is T > e (T has no mass there), computed as −expm1(log S(u_t) −
**      log S(u_e)) with log S = log(1 − F), exact in the upper tail: 0 when
**      t ≤ e, and when e is beyond every residual (u_e > r_(k−1)) the tail
**      is memoryless: 1 − ((1 + t)/(1 + e))^(−1/β_hi).
**        cf_dist_remaining(s, raw, e, q) = the q-quantile of T − e given
**      T ≥ e: expm1(raw + u) − e with log S(u) = log(1 − q) + log S(u_e)
**      (log S(u_e) = 0 when e = 0), at least 0, +inf when it overflows;
**      beyond every residual (1 + e)·((1 − q)^(−β_hi) − 1).
**      Both return NaN for an empty sample, NaN arguments, t ≤ 0, e < 0, q
**      outside (0, 1) or ±Inf t or e: the SQL layer checks its arguments
**      first, so a NaN never reaches a result.  Nothing allocates.
**  11. A blend (behaviour 4c, cf_mix): the group's sample g with weight w
**      and the pool p with 1 − w (w = 1: g alone, exactly behaviour 10).
**      Its quantile function is the weighted mean of the two quantile
**      functions of behaviour 10 (Vincentization), taken as functions of
**      L = log S = log(1 − F): Q(L) = w·Q_g(L) + (1 − w)·Q_p(L), continuous
**      and non-increasing in L, so log S of the blend at u is the L with
**      Q(L) = u (the smallest such L at a flat part: F takes the top of a
**      jump, as in behaviour 10).  Below both samples' first knots and
**      above both samples' last knots it is closed-form (each tail of Q
**      is a line in log F, resp. in L, so their weighted mean is one:
**      exponential tails with β = w·β_g + (1 − w)·β_p, memoryless beyond
**      both last knots); in between, a bisection over the bit patterns of
**      −L (at most 64 steps, deterministic) finds the adjacent doubles
**      around the root and keeps the smaller L.  cf_mix_cdf and
**      cf_mix_remaining are behaviour 10's two forms on it.  The blended
**      interval ends of behaviour 4c are not this distribution's exact
**      quantiles but lie outside them: F(lo) ≤ (1 − c)/2 and F(hi) ≥
**      (1 + c)/2, as behaviour 10 relates one sample's conformal quantile
**      to its F (each sample's conformal quantile lies at or beyond its own
**      q-quantile).
*/
#ifndef CF_H
#define CF_H

#include "../base/mdl.h"
#include "../base/om_buf.h"
#include "../base/om_core.h"
#include "../base/om_json.h"

#define CF_FORMAT 3             /* the newest payload format this build reads and writes */
#define CF_FORMAT_OLDEST 1      /* format 1: no bins, no shrink (still written when there are none) */
#define CF_RESID_MAX 512       /* order statistics stored per sample */
#define CF_MAX_BINS 1000       /* largest bins option */
#define CF_TAIL_MIN 0.01       /* smallest tail scale of behaviour 10 (log1p space) */
#define CF_MAX_GROUPS 100000   /* largest max_groups option */
#define CF_MAX_WINDOW 100000000ULL

typedef enum cf_space { CF_SPACE_IDENTITY = 0, CF_SPACE_LOG1P = 1 } cf_space;
typedef enum cf_key_type {
  CF_KEY_NONE = 0,
  CF_KEY_NUMERIC = 1,
  CF_KEY_CATEGORICAL = 2,
  CF_KEY_BIN = 3 /* behaviour 4b: the bin of the raw score (format 2) */
} cf_key_type;

typedef struct cf_options {
  const char *group;   /* borrowed; NULL = pooled only */
  size_t group_len;
  uint32_t min_group;  /* 30 (1..1000000) */
  uint64_t window;     /* 0 = every row (else 1..CF_MAX_WINDOW) */
  uint32_t max_groups; /* 10000 (1..CF_MAX_GROUPS) */
  uint32_t bins;       /* 0 = none, else 2..CF_MAX_BINS (behaviour 4b; not with group) */
  double shrink;       /* 0 = none, else K > 0 finite (behaviour 4c; needs group or bins) */
} cf_options;

void cf_options_default(cf_options *o);
/* Parse a flat JSON object ("group", "min_group", "window", "max_groups", "bins", "shrink")
** into o (defaults first).  text NULL: defaults.  o->group points into *json,
** which the caller keeps and frees with om_json_obj_free after o is used. */
om_status cf_options_parse(const char *text, size_t n, cf_options *o, om_json_obj *json, om_err *err);
/* The resolved options as a JSON object (the envelope's options). */
om_status cf_options_json(const cf_options *o, om_wbuf *w);

/* One sample: n residuals, k ≤ CF_RESID_MAX stored order statistics. */
typedef struct cf_sample {
  uint64_t n;
  uint32_t k;
  double *r; /* [k] ascending; owned by the calibration */
} cf_sample;

typedef struct cf_group {
  uint64_t key;
  cf_sample s;
} cf_group;

/* A calibration (decoded, or just finished). */
typedef struct cf_calib {
  uint16_t format;    /* payload format: 1 plain, 2 bins, 3 shrink (cf_payload_format) */
  cf_space space;
  cf_key_type key_type;
  uint32_t min_group;
  uint64_t window;
  uint64_t model_id;
  uint32_t max_groups;
  uint32_t bins;      /* 0 = none, else K ≥ 2 (behaviour 4b) */
  double *edges;      /* [bins − 1] non-decreasing; owned; NULL without bins */
  double shrink;      /* 0 = none, else K > 0 (behaviour 4c; format 3) */
  char *group;        /* owned, NUL-terminated; NULL = no group */
  size_t group_len;
  uint64_t groups_seen;
  cf_sample pool;
  uint32_t n_groups;
  cf_group *groups;   /* [n_groups], keys ascending */
} cf_calib;

void cf_calib_free(cf_calib *c);
/* The payload format c is written in: 3 with shrink, else 2 with bins, else 1. */
uint16_t cf_payload_format(const cf_calib *c);

/* Behaviour 1: y mapped into the space, or OM_INVALID with a message. */
om_status cf_target(cf_space space, double y, double *out, om_err *err);

/* ---- accumulation (behaviours 2-4) */
typedef struct cf_ring {
  double *v;      /* [cap] */
  uint64_t cap;   /* allocated */
  uint64_t len;   /* kept (≤ window when windowed) */
  uint64_t head;  /* next slot to overwrite once full (windowed) */
} cf_ring;

typedef struct cf_slot {
  uint64_t key;
  uint32_t index; /* into groups + 1; 0 = empty slot */
} cf_slot;

typedef struct cf_accum {
  cf_options opt;     /* group copied into group_copy */
  char *group_copy;
  cf_space space;
  uint64_t model_id;
  cf_key_type key_type;
  cf_ring pool;
  cf_ring pool_raw;   /* raw scores in step with pool (bins only) */
  cf_ring *rings;     /* [n_groups] */
  uint64_t *keys;     /* [n_groups] */
  uint32_t n_groups, cap_groups;
  cf_slot *table;     /* open addressing, size table_size (power of 2) */
  uint32_t table_size;
  uint64_t rows;      /* residuals added */
} cf_accum;

om_status cf_accum_init(cf_accum *a, const cf_options *o, cf_space space, uint64_t model_id, om_err *err);
/* Add one residual; has_key 0 = pooled only; type CF_KEY_NUMERIC or
** CF_KEY_CATEGORICAL (key = the double's bits, −0 normalised, or the hash). */
om_status cf_accum_add(cf_accum *a, double resid, int has_key, cf_key_type type, uint64_t key, om_err *err);
/* The same with the row's raw score, which bins need (behaviour 4b; ignored
** without bins; cf_accum_add passes NaN, which bins refuse). */
om_status cf_accum_add_scored(cf_accum *a, double resid, double raw, int has_key, cf_key_type type, uint64_t key,
                              om_err *err);
/* Behaviour 4; *out is owned by the caller (cf_calib_free). */
om_status cf_accum_finish(const cf_accum *a, cf_calib *out, om_err *err);
void cf_accum_free(cf_accum *a);

/* The key of a numeric group value (−0 as +0). */
uint64_t cf_numeric_key(double v);

/* ---- use (behaviours 4b-6) */
double cf_sample_quantile(const cf_sample *s, double q);
/* The sample for a row: the group's when stored, else the pool; *is_group
** says which. */
const cf_sample *cf_lookup(const cf_calib *c, int has_key, cf_key_type type, uint64_t key, int *is_group);
/* The bin of a raw score (behaviour 4b; c has bins). */
uint32_t cf_bin_of(const cf_calib *c, double raw);
/* cf_lookup for a scored row (behaviour 6): bins by raw, else the group key. */
const cf_sample *cf_lookup_row(const cf_calib *c, int has_key, cf_key_type type, uint64_t key, double raw,
                               int *is_group);

/* A row's calibration (behaviours 4c, 11): the sample s with weight w,
** blended with pool with weight 1 − w when w < 1. */
typedef struct cf_mix {
  const cf_sample *s;    /* the group's (or bin's) sample, or the pool */
  const cf_sample *pool; /* the pool when blended (w < 1), else NULL */
  double w;              /* the weight of s: 1 = s alone */
} cf_mix;
/* cf_lookup_row, then the blend when the calibration has shrink and the
** row's group (bin) was stored; *is_group as cf_lookup_row's. */
void cf_lookup_mix(const cf_calib *c, int has_key, cf_key_type type, uint64_t key, double raw, cf_mix *m,
                   int *is_group);
/* Behaviour 4c: w·Q_s(q) + (1 − w)·Q_pool(q) with cf_sample_quantile. */
double cf_mix_quantile(const cf_mix *m, double q);

/* ---- distribution (behaviour 10, cf_dist.c) */
double cf_sample_cdf(const cf_sample *s, double u);    /* F(u) */
double cf_sample_logsf(const cf_sample *s, double u);  /* log(1 − F(u)) */
double cf_sample_logsf_inv(const cf_sample *s, double L); /* u with log(1 − F(u)) = L ≤ 0 */
double cf_dist_cdf(const cf_sample *s, double raw, double t, double e);
double cf_dist_remaining(const cf_sample *s, double raw, double e, double q);
/* Behaviour 11: the same on a blend (w = 1 or no pool: exactly the above). */
double cf_mix_logsf(const cf_mix *m, double u);        /* log(1 − F(u)) of the blend */
double cf_mix_logsf_inv(const cf_mix *m, double L);    /* its quantile function Q(L), L ≤ 0 */
double cf_mix_cdf(const cf_mix *m, double raw, double t, double e);
double cf_mix_remaining(const cf_mix *m, double raw, double e, double q);

/* ---- identity and codec (behaviours 7-8) */
uint64_t cf_model_identity(const mdl_view *model);
void cf_encode_payload(const cf_calib *c, om_wbuf *w);
om_status cf_decode_payload(const uint8_t *p, size_t n, cf_calib *out, om_err *err);
/* A whole envelope of kind MDL_KIND_CONFORMAL: meta's rows_used /
** rows_skipped from the caller, options JSON from cf_options_json. */
om_status cf_write(const cf_calib *c, uint64_t rows_used, uint64_t rows_skipped, om_wbuf *w, om_err *err);
/* model_info "detail" members (cf_kind.c). */
om_status cf_info_json(const cf_calib *c, om_jw *j, om_err *err);

#endif /* CF_H */
