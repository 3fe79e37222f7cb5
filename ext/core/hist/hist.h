/*
** hist.h — causal per-entity history of runs: the numeric sweep behind
** run_history() (ext/run_history.c, docs/run_history.md).  Plain C, no
** SQLite; uses core/base only.
**
** Input: n rows, each with a key (a dense index from hist_keymap, or
** HIST_NO_KEY), submit, end, duration and optionally requested times
** (doubles; NaN stands for SQL NULL), and a tie-break rank (the order of the
** rows' ids).  Output, streamed by hist_next: one record per row with a
** submit time, in (submit, tie, row) order.
**
** Behaviours (H-numbers; tests/unit/test_hist.c cites them):
**   H1. Rows with a NaN submit produce no record, are nobody's history and
**       are never running.  Every other row produces exactly one record.
**   H2. Causality.  Row i is HISTORY of row j iff i != j, key_i = key_j !=
**       HIST_NO_KEY, submit_i < submit_j, end_i and dur_i are not NaN, and
**       end_i <= submit_j.  Equal submits are never history of each other
**       (strict <); a run that ends exactly at submit_j is history.
**   H3. Order of history: by end, then submit, then tie, then row index;
**       the greatest is "the most recently finished" (last1).  The order
**       holds for any data, including rows whose end precedes their submit.
**   H4. Per record: n = |history|; the rows of the min(n, max(k, 3)) most
**       recently finished, last1 first (top); mean = mean duration over
**       history (NaN when n = 0); mean_last2 = (d(last1) + d(last2)) / 2,
**       d(last1) when n = 1; mean_last_k = mean of the durations of the
**       min(n, k) most recently finished (summed last1 first); ratio_last =
**       d(last1) / req(last1) when that req > 0, else NaN; ratio_mean = mean
**       of d/req over history rows whose req > 0 (NaN when none);
**       since_last_end = submit_j - end(last1) (NaN when n = 0).
**   H5. PRIOR rows of j: same key (not HIST_NO_KEY), i != j, submit_i <
**       submit_j (any end).  running = |prior| - n: prior rows not finished
**       by submit_j (end or duration NaN, or end > submit_j);
**       running_elapsed = sum over them of (submit_j - submit_i), 0 when
**       there are none; since_last_submit = submit_j - max submit over
**       prior (NaN when none).  A row without a key has n = running = 0,
**       running_elapsed = 0 and the rest NaN.
**   H6. all_running = rows of ANY key (keyless included), i != j, with
**       submit_i < submit_j, not finished by submit_j (as H5): the load.
**   H7. Sums are accumulated in history order (H3) when every finished row
**       ends at or after its submit (then the activation order is the
**       history order): mean and ratio_mean are then the same doubles as a
**       window avg() over the history in that order.  running_elapsed uses
**       sums of (submit - the key's first submit): exact for integer times
**       while those sums stay below 2^53.
**   H8. Cost: O(n log n) time (two merge sorts of the rows, a third one
**       only when some row ends before its submit) and O(n + keys * k)
**       memory; hist_next is O(1) amortised plus O(k) per record.  The
**       interrupt is polled once per merge pass and every 65,536 rows.
**   H9. Validation: k in 1..HIST_MAX_K, every key < n_keys or HIST_NO_KEY,
**       values finite or NaN, durations >= 0, n < HIST_MAX_ROWS:
**       OM_INVALID naming the row index otherwise (the SQL layer checks
**       first and names the id).  OM_NOMEM on allocation failure, with
**       nothing leaked; OM_INTERRUPTED when the interrupt says so.
**
** hist_keymap: interns byte strings (a composite key serialised by the
** caller) to dense indices 0, 1, 2, ... in first-seen order.
**   K1. Hashing is XXH3-64 (or the hash function given, for tests); equal
**       hashes are compared byte for byte, so distinct keys never merge.
**   K2. Open addressing, load factor <= 1/2; O(1) expected per call.
*/
#ifndef HIST_H
#define HIST_H

#include "../base/om_core.h"

#define HIST_NO_KEY UINT32_MAX
#define HIST_MAX_K 16
#define HIST_MAX_ROWS 0xFFFFFFF0u

typedef struct hist_input {
  size_t n;               /* rows */
  const uint32_t *key;    /* [n] dense key index (< n_keys) or HIST_NO_KEY */
  uint32_t n_keys;        /* distinct keys */
  const double *submit;   /* [n] NaN = NULL */
  const double *end;      /* [n] NaN = NULL */
  const double *dur;      /* [n] NaN = NULL, else >= 0 */
  const double *req;      /* [n] NaN = NULL; NULL pointer: no requested time */
  const int64_t *tie;     /* [n] tie-break rank (ids' order); NULL: all equal */
  int k;                  /* 1..HIST_MAX_K: rows in mean_last_k (top keeps max(k, 3)) */
} hist_input;

typedef struct hist_out {
  size_t row;             /* source row index */
  uint32_t n;             /* history rows (H4) */
  uint32_t n_top;         /* min(n, max(k, 3)) */
  const uint32_t *top;    /* [n_top] rows, last1 first; valid until the next call */
  double mean;            /* NaN = NULL (H4) */
  double mean_last2;
  double mean_last_k;
  double ratio_last;
  double ratio_mean;
  double since_last_end;
  uint32_t running;       /* H5 */
  double running_elapsed;
  double since_last_submit;
  uint32_t all_running;   /* H6 */
} hist_out;

typedef struct hist_sweep hist_sweep;

/* Sort the rows and get ready to stream (H8, H9).  The input arrays must
** outlive the sweep.  On success *out is set (free it with hist_close). */
om_status hist_open(const hist_input *in, const om_interrupt *it, hist_sweep **out, om_err *err);
/* The next record in (submit, tie, row) order: 1, or 0 when done. */
int hist_next(hist_sweep *s, hist_out *rec);
/* Start the records again from the first, without sorting again: O(n_keys). */
void hist_rewind(hist_sweep *s);
void hist_close(hist_sweep *s);

typedef uint64_t (*hist_hash_fn)(const void *p, size_t n);
typedef struct hist_keymap hist_keymap;

/* hash NULL: XXH3-64 with seed 0. */
om_status hist_keymap_new(hist_hash_fn hash, hist_keymap **out);
/* The index of the key bytes p[0, n), added if new (K1). */
om_status hist_keymap_intern(hist_keymap *m, const void *p, size_t n, uint32_t *idx);
uint32_t hist_keymap_count(const hist_keymap *m);
void hist_keymap_free(hist_keymap *m);

#endif /* HIST_H */
