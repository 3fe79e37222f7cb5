/*
** ens.h — the anomaly ensemble kind (MDL_KIND_ENSEMBLE): several detector
** models packed into one, scored together with weighted votes.
**
**   SELECT anomaly_ensemble(iforest_blob, baseline_blob, '{"min_votes": 2}');
**
** Payload (ENS_FORMAT 1, little-endian):
**   u32 n members (2..ENS_MAX_MEMBERS), u32 reserved 0, f64 min_votes,
**   then per member: f64 weight, u64 length L, L bytes = the member's whole
**   model envelope (checksum included).
**
** Behaviours:
**   1. Members are anomaly detectors: kinds whose row of the kind table has
**      anomaly_score, anomaly_threshold and explain (mdl_kind.h 6), and are
**      not ensembles themselves (no nesting), with a positive finite
**      threshold (a baseline fleet prior has none: it scores nothing and
**      could never vote).  Each is validated in full by mdl_decode when
**      packed and again when the ensemble is opened.
**   2. The ensemble's schema is the union of its members' schemas (sorted
**      by name); a feature that is numeric in one member and categorical in
**      another is an error when packing and corrupt when opening.  A row is
**      matched to the union once; each member sees its own features.
**   3. Votes: member i votes when its score is strictly above its own
**      threshold (severity s_i = score_i / threshold_i > 1).  The ensemble
**      flags a row when the weights of the members that vote add up to at
**      least min_votes (default: more than half the total weight, i.e.
**      floor(n/2)+1 with unit weights; "flag only when 2 agree" is
**      min_votes 2).
**   4. Score: the weighted order statistic of the severities, the largest s
**      such that the members with s_i >= s weigh at least min_votes.  So the
**      score is above 1 exactly when the row is flagged (threshold 1), and
**      with unit weights it is the min_votes-th largest severity.  A member
**      whose score is NaN (nothing to score) neither votes nor counts; when
**      the remaining weight is below min_votes the score is the largest
**      severity times (remaining weight / min_votes) — never above 1 — and
**      NaN when no member scored.
**   5. Evidence per feature of the union: value from the row; expected
**      range, deviation from the member (using that feature) with the
**      largest |deviation| (NaN, as in the members, when none has one: a
**      missing value, or no member scored); contribution = sum over members of
**      weight · severity · (the member's contribution share of that
**      feature), normalised to sum to 1 over the features (all 0 when no
**      member scored).
**   6. Scoring reuses buffers inside the decoded ensemble (per member: row,
**      prepared row, evidence): ens_row_prepare fills them and the score,
**      flag and evidence functions read them, within one call.  Like every
**      decoded model, an ensemble is used by one connection, one call at a
**      time (ext/model.c); it allocates nothing per row.
*/
#ifndef ENS_H
#define ENS_H

#include "../base/mdl_kind.h"

#define ENS_FORMAT 1
#define ENS_MAX_MEMBERS 16

typedef struct ens_model ens_model;

/* Pack n member envelopes (blobs[i], lens[i]) into a complete ensemble
** envelope in out.  weights may be NULL (all 1); min_votes <= 0 means the
** default of behaviour 3.  Errors: OM_INVALID with a message naming the
** member by its 1-based position ("model 2 is a gbt model, which is not an
** anomaly detector"), the failing member's own status otherwise. */
om_status ens_pack(const uint8_t *const *blobs, const size_t *lens, uint32_t n, const double *weights,
                   double min_votes, om_wbuf *out, om_err *err);

extern const mdl_kind_def ens_kind;

#endif /* ENS_H */
