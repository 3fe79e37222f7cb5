/*
** mdl_profile.h — the training profile a model carries in its envelope
** (mdl.h, format 2): per feature, what the training rows looked like, so
** new rows can be compared with them (input drift, PSI).
**
**   numeric      decile edges (at most 9 interior edges, fewer when values
**                repeat), the fraction of training rows in each bin, the
**                missing fraction, min and max;
**   categorical  the top MDL_PROF_TOP_K categories (their XXH3 hashes, as in
**                fv.h: category text never enters a model) with fractions,
**                the fraction of every other category, the missing fraction.
**
** Byte map (profile version 1; little-endian; inside the envelope's profile
** section, which the envelope checksum covers):
**
**   u16 profile version (1), u16 reserved 0, u32 n_features (= the schema's
**   count), u64 rows (training rows the profile describes), then per schema
**   feature, in schema order:
**     u8 type (= the schema's), u8 flags (bit 0 MDL_PROF_APPROX, others 0),
**     u16 count c, u32 reserved 0, u64 missing (<= rows), then
**     numeric:     f64 min, f64 max, c f64 edges, c + 1 f64 bin fractions
**     categorical: c times (u64 hash, f64 fraction), f64 other fraction
**
** Bins and slots.  Numeric bin j (0..c) holds x with e[j-1] < x <= e[j]
** (right-closed, as pandas.cut); bin 0 is open below, bin c open above.
** For PSI every feature has c + 2 "slots": numeric bins 0..c then missing;
** categorical categories 0..c-1, other (c), missing (c + 1).  A slot's
** expected fraction is its stored fraction, or missing / rows.
**
** Behaviours:
**   1. The builder (mdl_pb_*) takes one value at a time per feature slot
**      and counts rows separately (a feature absent from a row is missing in
**      it).  Memory is bounded whatever the row count: per numeric feature
**      at most MDL_PROF_EXACT_MAX doubles, per categorical feature
**      MDL_PROF_SS_CAP counters.  It is deterministic: the same values in
**      the same order per feature give the same profile (no clock, no
**      threads, a fixed-seed generator).
**   2. Numeric: up to MDL_PROF_EXACT_MAX values are kept and the edges are
**      exact: numpy.quantile(x, k/10), method 'linear' (Hyndman & Fan
**      type 7), k = 1..9, computed as numpy does (its _lerp), then equal
**      edges merged.  Beyond that, a reservoir sample (Vitter's algorithm R)
**      of MDL_PROF_EXACT_MAX values, drawn with splitmix64 from a fixed
**      seed, gives the edges and bin fractions; flag MDL_PROF_APPROX is set.
**      The standard error of an estimated quantile's rank is then about
**      sqrt(p(1-p)/65536) <= 0.002, and of a bin fraction the same.
**      min, max and the missing count are always exact.
**   3. Categorical: space-saving (Metwally, Agrawal & El Abbadi 2005) with
**      MDL_PROF_SS_CAP counters: exact while a feature has at most that many
**      distinct categories; beyond, MDL_PROF_APPROX is set and a count may
**      be over-estimated by at most rows / MDL_PROF_SS_CAP.  The top K by
**      count (ties: smaller hash first) are stored, fraction = count / rows;
**      other = (non-missing - their counts) / rows.
**   4. mdl_profile_check validates the bytes without allocating (lengths,
**      reserved bytes, types against the schema, counts, finite edges
**      strictly increasing within [min, max], fractions in [0, 1] summing,
**      with missing / rows, to 1 within 1e-6, distinct hashes with
**      non-increasing fractions).  Any failure is OM_CORRUPT with a message
**      naming the feature; a newer profile version is OM_UNSUPPORTED_VERSION.
**   5. PSI (mdl_prof_psi) = sum over slots (a - e) ln(a / e), a the new
**      rows' fraction, e the expected one, both first floored at
**      MDL_PROF_PSI_FLOOR (1e-4, so an empty slot on either side stays
**      finite; an empty slot on both sides adds 0).  Usual reading (Siddiqi,
**      Credit Risk Scorecards, 2006; Yurdakul, Statistical properties of the
**      population stability index, 2018): < 0.1 no significant shift,
**      0.1 - 0.25 moderate, > 0.25 significant (MDL_PROF_PSI_DRIFT).
*/
#ifndef MDL_PROFILE_H
#define MDL_PROFILE_H

#include "om_buf.h"

struct mdl_feature; /* mdl.h */

#define MDL_PROF_VERSION 1
#define MDL_PROF_EXACT_MAX 65536 /* numeric values kept per feature (then a reservoir of this size) */
#define MDL_PROF_SS_CAP 1024     /* space-saving counters per categorical feature */
#define MDL_PROF_TOP_K 10        /* categories stored per categorical feature */
#define MDL_PROF_DECILES 10      /* numeric bins written (at most) */
#define MDL_PROF_MAX_EDGES 63    /* decoder limit on c for numeric features */
#define MDL_PROF_MAX_CATS 64     /* decoder limit on c for categorical features */
#define MDL_PROF_APPROX 1        /* flag: estimated from a sample or sketch */
#define MDL_PROF_PSI_FLOOR 1e-4
#define MDL_PROF_PSI_DRIFT 0.25
#define MDL_PB_NONE UINT32_MAX   /* mdl_pb_finish: a feature with no values */

typedef struct mdl_prof_feature {
  uint8_t type;     /* FV_NUMERIC or FV_CATEGORICAL */
  uint8_t flags;    /* MDL_PROF_APPROX or 0 */
  uint32_t count;   /* numeric: edges (bins = count + 1); categorical: top categories */
  uint64_t missing; /* training rows where it was missing */
  double min, max;  /* numeric: of the non-missing values (0, 0 when none) */
  double *edges;    /* numeric [count], strictly increasing */
  double *frac;     /* numeric [count + 1] bin fractions; categorical [count] */
  uint64_t *cat;    /* categorical [count] hashes */
  double other;     /* categorical: fraction of the other categories */
} mdl_prof_feature;

typedef struct mdl_profile {
  uint64_t rows;          /* training rows */
  uint32_t n_features;
  mdl_prof_feature *f;    /* [n_features], arrays inside one owned block */
} mdl_profile;

void mdl_profile_free(mdl_profile *p);

/* ------------------------------------------------------------- builder */
typedef struct mdl_pbuild mdl_pbuild;

om_status mdl_pb_new(mdl_pbuild **out, om_err *err);
void mdl_pb_free(mdl_pbuild *b);
/* A new feature slot (numbered 0, 1, ... in the order of these calls); the
** rows counted so far are missing for it. */
om_status mdl_pb_feature(mdl_pbuild *b, uint8_t type, uint32_t *slot, om_err *err);
om_status mdl_pb_num(mdl_pbuild *b, uint32_t slot, double x, om_err *err);   /* finite x */
om_status mdl_pb_cat(mdl_pbuild *b, uint32_t slot, uint64_t hash, om_err *err);
void mdl_pb_rows(mdl_pbuild *b, uint64_t n); /* n more training rows ended */
/* The profile of schema feats[0..nf): slots[i] is feature i's slot, or
** MDL_PB_NONE for one that never had a value (all missing).  OM_INTERNAL
** when a slot's type is not the schema's. */
om_status mdl_pb_finish(mdl_pbuild *b, const struct mdl_feature *feats, const uint32_t *slots, uint32_t nf,
                        mdl_profile *out, om_err *err);

/* ------------------------------------------------------------- codec */
/* Append the section bytes (byte map above) to w. */
void mdl_profile_encode(const mdl_profile *p, om_wbuf *w);
/* Behaviour 4: validate section bytes against the schema; *rows gets the
** row count.  Allocates nothing. */
om_status mdl_profile_check(const uint8_t *p, size_t n, const struct mdl_feature *feats, uint32_t nf,
                            uint64_t *rows, om_err *err);
/* Decode already checked bytes (mdl_view.profile) into *out. */
om_status mdl_profile_decode(const uint8_t *p, size_t n, mdl_profile *out, om_err *err);

/* ------------------------------------------------------------- PSI */
static inline uint32_t mdl_prof_slots(const mdl_prof_feature *f) { return f->count + 2; }
uint32_t mdl_prof_bin_num(const mdl_prof_feature *f, double x); /* 0..count */
uint32_t mdl_prof_bin_cat(const mdl_prof_feature *f, uint64_t h); /* 0..count (count = other) */
static inline uint32_t mdl_prof_slot_missing(const mdl_prof_feature *f) { return f->count + 1; }
double mdl_prof_expected(const mdl_prof_feature *f, uint64_t rows, uint32_t slot);
/* PSI of counts[mdl_prof_slots(f)] (summing to n > 0) against f; NaN when n = 0. */
double mdl_prof_psi(const mdl_prof_feature *f, uint64_t rows, const uint64_t *counts, uint64_t n);

#endif /* MDL_PROFILE_H */
