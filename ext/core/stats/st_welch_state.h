/*
** st_welch_state.h — the mergeable state of Welch's t-test: the summary
** that welch_ttest_state() returns, welch_ttest_state(state) and
** welch_ttest_merge(state) combine (SQL layer: ext/welch_state.c; pages:
** docs/welch_ttest_state.md, docs/welch_ttest_merge.md), and its model kind
** 'welch_state' (MDL_KIND_WELCH_STATE, row in st_welch_kind.c).
**
** A state is, per group (at most 2): the group label, the count and the
** EXACT sums of x and x^2 that welch_ttest keeps (st_sums, st_welch.h
** behaviour 1), plus the alternative and the confidence.  Because the sums
** are exact integers, merging states is integer addition: the merged
** state's test is bit for bit welch_ttest over the union of the rows,
** whatever the split and the order of the merge.
**
** Payload, version 1 (inside the model envelope, mdl.h; little-endian):
**
**   0   1  u8 alternative: 0 two-sided, 1 less, 2 greater
**   1   1  u8 groups G: 1 or 2
**   2   6  reserved, 0
**   8   8  f64 confidence, 0 < c < 1
**   16     G groups, in SQLite's order of their labels (strictly increasing):
**          u8 label type (1 INTEGER, 2 REAL, 3 TEXT), u8 reserved 0,
**          u16 reserved 0, u32 text length L (0 for a number);
**          then i64 (INTEGER), f64 (REAL: not NaN) or L bytes of text
**          (valid UTF-8 without NUL; L may be 0);
**          u64 n, 1 <= n < 2^63;
**          S1 = sum of x * 2^1074, then S2 = sum of x^2 * 2^2148, each as
**            u8 sign (1: negative; 0 for S2), u8 reserved 0, u16 lo,
**            u16 count C, u16 reserved 0, then C u32 digits:
**            |S| = sum of digit[k] * 2^(32 (lo + k)); the first and the
**            last digit are non-zero; S = 0 is C = 0, lo = 0, sign 0.
**   end    nothing after the last group.
**
** Behaviours:
**   1. st_wlabel_cmp orders labels as SQLite does (numbers before text,
**      numbers by value, so 1 and 1.0 are equal, an INTEGER beyond 2^53
**      still differs from the REAL it rounds to; text bytewise), the order
**      of group_keys.h in the SQL layer.
**   2. st_sums_merge adds src's count and sums into dst exactly (both are
**      carried first, so no chunk can overflow); a total count beyond
**      2^63 - 1 is OM_INVALID "too many rows".
**   3. st_wstate_encode writes the canonical payload: the sums fully carried
**      into sign and 32-bit digits, only the non-zero span.  States of the
**      same rows give the same bytes, however they were accumulated or
**      merged.  Groups must be sorted and distinct, 1 or 2 of them, each
**      with n >= 1, and the settings valid: otherwise OM_INTERNAL.
**   4. st_wstate_decode validates everything before use and never reads
**      past the payload: field values, reserved bytes, label order and text,
**      digit spans, and bounds that the sums of n finite doubles obey
**      (|S1| < n 2^2098, S2 < n 2^4196, S2 = 0 only with S1 = 0), which also
**      keep every span inside st_sums' chunks.  A failure is OM_CORRUPT
**      "welch_state payload is corrupt (...)" and leaves nothing allocated
**      (text labels point into the payload, which the caller keeps alive).
**   5. st_wstate_write wraps the payload in an envelope: kind welch_state,
**      payload version ST_WSTATE_PAYLOAD_VERSION, no features, meta
**      rows_used = the sum of the counts, rows_skipped 0, seed 0,
**      created_at 0, options {"alternative": ..., "confidence": ...},
**      metrics {"groups": G, "rows": N}.  Deterministic: equal states give
**      equal BLOBs.
**   6. st_wstate_info writes model_info's detail members: alternative,
**      confidence, and groups: [{"group": label, "n": n}, ...].
**   7. The kind row (st_welch_kind.c) opens a payload of version 1 (a newer
**      one is OM_UNSUPPORTED_VERSION naming both versions) into an
**      om_malloc'd st_wstate, and checks rows_used against the counts.
*/
#ifndef ST_WELCH_STATE_H
#define ST_WELCH_STATE_H

#include "../base/mdl_kind.h"
#include "st_welch.h"

#define ST_WSTATE_PAYLOAD_VERSION 1 /* written, and the newest read */
#define ST_WSTATE_MAX_GROUPS 2

typedef enum st_wlabel_type { ST_WLABEL_INT = 1, ST_WLABEL_REAL = 2, ST_WLABEL_TEXT = 3 } st_wlabel_type;

/* A group label: an SQL value. */
typedef struct st_wlabel {
  uint8_t type;     /* st_wlabel_type */
  int64_t i;        /* ST_WLABEL_INT */
  double r;         /* ST_WLABEL_REAL (not NaN) */
  const char *text; /* ST_WLABEL_TEXT: borrowed (the payload, or the caller's) */
  uint32_t len;     /* bytes of text */
} st_wlabel;

typedef struct st_wgroup {
  st_wlabel label;
  st_sums sums; /* sums.n is the group's count */
} st_wgroup;

typedef struct st_wstate {
  st_alternative alt;
  double confidence;
  int n_groups;                       /* 1 or 2 (0: empty, never encoded) */
  st_wgroup g[ST_WSTATE_MAX_GROUPS]; /* sorted by label (behaviour 1) */
} st_wstate;

int st_wlabel_cmp(const st_wlabel *x, const st_wlabel *y);
om_status st_sums_merge(st_sums *dst, const st_sums *src, om_err *err);
om_status st_wstate_encode(const st_wstate *s, om_wbuf *w, om_err *err);
om_status st_wstate_decode(const uint8_t *p, size_t n, st_wstate *out, om_err *err);
om_status st_wstate_write(const st_wstate *s, om_wbuf *w, om_err *err);
om_status st_wstate_info(const st_wstate *s, om_jw *j, om_err *err);

#endif /* ST_WELCH_STATE_H */
