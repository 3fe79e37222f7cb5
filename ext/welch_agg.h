/*
** welch_agg.h — welch_ttest's aggregate state (ext/welch.c), shared with
** the mergeable-state functions welch_ttest_state() and welch_ttest_merge()
** (ext/welch_state.c), so that a merged state is rendered by the very code
** that renders welch_ttest: the same JSON text, byte for byte.
**
**   1. welch_agg_step is welch_ttest's xStep with the function name of its
**      messages (welch.c behaviours 1-3, 5-6).
**   2. welch_agg_add_group folds a group of a decoded state (its label,
**      borrowed, and its exact sums) into a: matched by omen_key_cmp, a new
**      label is copied; the sums are added exactly (st_sums_merge).  Returns
**      0, or 1 with the error set (out of memory, too many rows).
**   3. welch_agg_groups returns the number of groups held (0: no rows), or
**      -1 with "<fname>(): group has more than 2 distinct values (...);
**      expected exactly 2" set.
**   4. welch_agg_result sets the result: NULL (no rows), the JSON object of
**      welch.c behaviour 4, or an error named after fname.
**   5. welch_agg_free releases what a holds (not a itself).
*/
#ifndef OMEN_WELCH_AGG_H
#define OMEN_WELCH_AGG_H

#include "core/stats/st_welch.h"
#include "group_keys.h"

#define WELCH_SLOTS 3      /* slots inside the aggregate context */
#define WELCH_MAX_SLOTS 64 /* at most this many groups held at once (welch.c behaviour 5) */

typedef struct welch_group {
  omen_key key; /* type 0: an empty slot; text owned (omen_key_own) */
  sqlite3_int64 rows;
} welch_group;

typedef struct welch_agg {
  int configured;
  st_alternative alt;
  double confidence;
  int overflow;                   /* a group arrived while WELCH_MAX_SLOTS were held */
  int cap;                        /* slots in g and s (0: not set up yet) */
  welch_group *g;                 /* g0, or a sqlite3_malloc'd array once more are needed */
  st_sums *s;                     /* exact sums of g[i]'s values (core/st_welch.h 1); kept
                                     apart from g so a row's key stays small */
  welch_group g0[WELCH_SLOTS];
  st_sums s0[WELCH_SLOTS];
} welch_agg;

void welch_agg_step(sqlite3_context *ctx, const char *fname, int argc, sqlite3_value **argv);
int welch_agg_add_group(sqlite3_context *ctx, const char *fname, welch_agg *a, const omen_key *key,
                        const st_sums *sums);
int welch_agg_groups(sqlite3_context *ctx, const char *fname, const welch_agg *a);
void welch_agg_result(sqlite3_context *ctx, const char *fname, welch_agg *a);
void welch_agg_free(welch_agg *a);

#endif /* OMEN_WELCH_AGG_H */
