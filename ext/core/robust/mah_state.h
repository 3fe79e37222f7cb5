/*
** mah_state.h — the mergeable state of mahalanobis_train: what
** mahalanobis_train_state() returns, mahalanobis_train_state(state) merges
** and mahalanobis_merge(state) turns into a 'mahalanobis' model (SQL layer:
** ext/mahalanobis_state.c; pages: docs/mahalanobis_train_state.md,
** docs/mahalanobis_merge.md), and its model kind 'mahalanobis_state'
** (MDL_KIND_MAHALANOBIS_STATE, row in mah_state_kind.c).
**
** A state is the schema (names and types, as mahalanobis_train fixes them),
** the options that matter (method 'empirical' or 'ledoit_wolf',
** contamination, seed), the row counts and the streaming totals of
** mah_fit.c behaviour 2 (mah_moments: n, mean, co-moments M2, and for
** ledoit_wolf T and M4; first / varies for constant features).  'mcd' fits
** a subsample and has no state.
**
** Payload, version 1 (inside the model envelope, mdl.h; little-endian,
** doubles as IEEE-754 bit patterns; F schema features, p numeric ones):
**
**   0   1  u8 method: 0 empirical, 1 ledoit_wolf
**   1   7  reserved, 0
**   8   8  f64 contamination, in (0, 0.5]
**   16  8  u64 seed, <= 2^53
**   24  8  u64 rows_used (= the envelope meta's; <= 2^63 - 1)
**   32  8  u64 rows_skipped (= the envelope meta's)
**   40  8  u64 rows_incomplete: of those, the rows with features but a
**          missing numeric value (<= rows_skipped; the rest had NULL
**          features: mahalanobis_train's metrics count only these)
**   48  4  u32 F (= the schema's count; 0: no row had features)
**   52  4  u32 p (= the schema's numeric features; 0 iff F = 0)
**   56     when rows_used > 0 (F > 0):
**            f64 first[p], f64 mean[p], f64 M2 lower triangle row by row
**            (M2_00, M2_10, M2_11, ...; p(p+1)/2 values), and for
**            ledoit_wolf f64 M4 then f64 T[p]; then u8 varies[p] (0 or 1).
**   end    nothing after.
**
** Behaviours:
**   1. mah_state_set_schema fixes the schema (at most once) and creates the
**      accumulator (mah_accum_init's checks and messages: no numeric
**      feature, too many); mah_state_add adds one row exactly as
**      mahalanobis_train's accumulator does (mah_accum_add); mah_state_skip
**      counts a row without features (NULL).
**   2. mah_state_merge(dst, src): the options must be equal (else
**      OM_INVALID "states have different options: method 'empirical',
**      contamination 0.01, seed 0 and method 'ledoit_wolf', ...; merge
**      states made with the same options"); when both have a schema, the
**      same names and types (else OM_INVALID "states have different
**      features: 'cpu' is in one and not the other", the first such name in
**      name order, or "... 'host' is numeric in one and categorical in the
**      other"; a state with no schema, from NULL rows only, merges with
**      any).  The totals fold by mah_accum_merge (Chan, Golub & LeVeque, as
**      blocks fold): merging is exact in exact arithmetic; in floating
**      point the result depends on the split and order within rounding.
**   3. mah_state_model(s) finishes a copy of the totals with
**      mah_accum_finish (the code of mahalanobis_train) and writes a
**      'mahalanobis' model (MAH_FORMAT) with meta rows_used, rows_skipped,
**      seed, options and metrics as mahalanobis_train writes them, and no
**      training profile (envelope format 1).  A state built from all rows
**      in one part gives a payload byte-identical to mahalanobis_train's
**      (the same blocks fold in the same order and merging one state into
**      an empty accumulator is a copy).  No rows used → OM_INVALID with
**      mahalanobis_train's messages (the caller returns NULL first when no
**      row at all was seen).
**   4. mah_state_encode writes the payload above (the pending block folded
**      first); decode(encode(s)) encodes to the same bytes.
**   5. mah_state_decode validates every field against the byte map and the
**      envelope (schema count and types, meta rows and seed) before use:
**      finite numbers, M2's diagonal >= 0 and |M2_ij| <= sqrt(M2_ii M2_jj)
**      (within 1e-9 relative), M4 >= 0, a constant feature (varies 0) with
**      mean = first and M2_jj = 0, never reading past the payload; a
**      failure is OM_CORRUPT "mahalanobis_state payload is corrupt
**      (<reason>)" and leaves nothing allocated.
**   6. mah_state_write wraps the payload in an envelope: kind
**      mahalanobis_state, payload version MAH_STATE_PAYLOAD_VERSION, the
**      schema, meta rows_used, rows_skipped, seed, created_at 0, options
**      (mah_options_json), no metrics, no profile.
**   7. mah_state_info writes model_info's members: method, contamination,
**      seed, numeric_features, ignored_features, rows (complete rows in the
**      totals).
*/
#ifndef MAH_STATE_H
#define MAH_STATE_H

#include "../base/mdl.h"
#include "mah.h"

#define MAH_STATE_PAYLOAD_VERSION 1 /* written, and the newest read */

typedef struct mah_state {
  mah_options o;      /* method, contamination, seed matter */
  uint32_t n_features;
  mdl_feature *feats; /* [n_features], names owned (om_malloc'd) */
  uint8_t *types;     /* [n_features] */
  mah_accum *acc;     /* NULL until the schema is set */
  uint64_t null_rows; /* rows without features (mah_state_skip) */
} mah_state;

/* o: method must be empirical or ledoit_wolf (the caller checks). */
void mah_state_init(mah_state *s, const mah_options *o);
void mah_state_free(mah_state *s);
om_status mah_state_set_schema(mah_state *s, const mdl_feature *feats, uint32_t n, om_err *err); /* 1 */
om_status mah_state_add(mah_state *s, const double *num, const uint8_t *missing, om_err *err);  /* 1 */
void mah_state_skip(mah_state *s);
uint64_t mah_state_rows_used(const mah_state *s);
uint64_t mah_state_rows_skipped(const mah_state *s);
om_status mah_state_merge(mah_state *dst, mah_state *src, om_err *err); /* behaviour 2 */
/* behaviour 3; it may be NULL. */
om_status mah_state_model(mah_state *s, const om_interrupt *it, om_wbuf *w, om_err *err);
om_status mah_state_encode(mah_state *s, om_wbuf *w, om_err *err);          /* behaviour 4 */
om_status mah_state_decode(const mdl_view *v, mah_state *out, om_err *err); /* behaviour 5 */
om_status mah_state_write(mah_state *s, om_wbuf *w, om_err *err);           /* behaviour 6 */
om_status mah_state_info(mah_state *s, om_jw *j, om_err *err);              /* behaviour 7 */

#endif /* MAH_STATE_H */
