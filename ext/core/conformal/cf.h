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
**   5. cf_sample_quantile(q): conformal rank k = ceil((n+1)q) for q ≥ 0.5
**      (+inf when k > n), floor((n+1)q) below (−inf when k < 1); the order
**      statistic of rank k, linearly interpolated between the two stored
**      ranks around it when the sample was thinned; NaN for q outside (0, 1)
**      or an empty sample.  The same rule as gbt_residual_quantile, so a
**      calibration over the model's own calibration rows reproduces its
**      built-in intervals.
**   6. cf_lookup(calib, has_key, type, key) returns the group's sample when
**      the group was stored (n ≥ min_group), else the pool (binary search
**      over keys ascending: O(log groups)).
**   7. cf_model_identity(view) = XXH3-64 of the model's payload, seeded by a
**      chain over its schema (each feature's name and type): unchanged by
**      model_save's created_at stamp, changed by any retraining that
**      changes a tree or a feature.  The calibration stores it; scoring
**      with another model is refused by the SQL layer.
**   8. Payload format 1 (little-endian; the envelope, mdl.h, carries the
**      checksum; the schema section is empty):
**        u16 format (CF_FORMAT)  u8 space (0 identity, 1 log1p)
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
**      and nothing after.  cf_decode_payload checks every field and never
**      reads out of bounds: anything else is OM_CORRUPT; another format is
**      OM_UNSUPPORTED_VERSION.  Categorical values never appear (only their
**      hashes); encode(decode(p)) == p.
**   9. Deterministic: the same rows in the same order and the same options
**      give the same bytes.
*/
#ifndef CF_H
#define CF_H

#include "../base/mdl.h"
#include "../base/om_buf.h"
#include "../base/om_core.h"
#include "../base/om_json.h"

#define CF_FORMAT 1
#define CF_RESID_MAX 512       /* order statistics stored per sample */
#define CF_MAX_GROUPS 100000   /* largest max_groups option */
#define CF_MAX_WINDOW 100000000ULL

typedef enum cf_space { CF_SPACE_IDENTITY = 0, CF_SPACE_LOG1P = 1 } cf_space;
typedef enum cf_key_type { CF_KEY_NONE = 0, CF_KEY_NUMERIC = 1, CF_KEY_CATEGORICAL = 2 } cf_key_type;

typedef struct cf_options {
  const char *group;   /* borrowed; NULL = pooled only */
  size_t group_len;
  uint32_t min_group;  /* 30 (1..1000000) */
  uint64_t window;     /* 0 = every row (else 1..CF_MAX_WINDOW) */
  uint32_t max_groups; /* 10000 (1..CF_MAX_GROUPS) */
} cf_options;

void cf_options_default(cf_options *o);
/* Parse a flat JSON object ("group", "min_group", "window", "max_groups")
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
  cf_space space;
  cf_key_type key_type;
  uint32_t min_group;
  uint64_t window;
  uint64_t model_id;
  uint32_t max_groups;
  char *group;        /* owned, NUL-terminated; NULL = no group */
  size_t group_len;
  uint64_t groups_seen;
  cf_sample pool;
  uint32_t n_groups;
  cf_group *groups;   /* [n_groups], keys ascending */
} cf_calib;

void cf_calib_free(cf_calib *c);

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
/* Behaviour 4; *out is owned by the caller (cf_calib_free). */
om_status cf_accum_finish(const cf_accum *a, cf_calib *out, om_err *err);
void cf_accum_free(cf_accum *a);

/* The key of a numeric group value (−0 as +0). */
uint64_t cf_numeric_key(double v);

/* ---- use (behaviours 5-6) */
double cf_sample_quantile(const cf_sample *s, double q);
/* The sample for a row: the group's when stored, else the pool; *is_group
** says which. */
const cf_sample *cf_lookup(const cf_calib *c, int has_key, cf_key_type type, uint64_t key, int *is_group);

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
