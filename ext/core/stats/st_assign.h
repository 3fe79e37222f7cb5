/*
** st_assign.h — reproducible experiment assignment, the numerical core of the
** SQL functions ab_bucket(unit, experiment [, salt]) and
** ab_assign(unit, experiment [, weights [, salt]]) (ext/ab_assign.c).
**
** Behaviours (docs/ab_assign.md, docs/ab_bucket.md):
**   1. The message hashed for a unit is
**        u64le(len(experiment)) ‖ experiment ‖ u64le(len(salt)) ‖ salt ‖ unit
**      (lengths in bytes, 8 bytes little-endian each; the unit's bytes last,
**      so its length is implied).  Every message splits back into exactly one
**      (experiment, salt, unit): ("ab", "c") and ("a", "bc") differ.
**      st_ab_hash is XXH3_64bits (seed 0) of that message; messages up to
**      ST_AB_STACK_MSG bytes are built on the stack and hashed in one call,
**      longer ones are streamed (the same hash); nothing is allocated.
**   2. st_ab_position(...) = (st_ab_hash(...) >> 11) * 2^-53: a multiple of
**      2^-53 in [0, 1), the rule of hash_uniform().
**   3. A layout (st_ab_layout_parse) comes from a flat JSON object
**      {"name": weight, ...} (om_json.h reader): at least one member; names
**      non-empty (valid UTF-8, no NUL: the reader's rules); weights JSON
**      numbers (not true/false/null/strings), finite, >= 0 (-0 reads as 0),
**      summing to 1 within ST_AB_SUM_TOL (|sum - 1| <= 1e-9, the sum taken
**      in name order as in 4).  Anything else is OM_INVALID with a message
**      naming the variant; out of memory is OM_NOMEM.  Duplicate names are
**      the reader's error ("duplicate key \"A\"").
**   4. The variants are laid out on [0, 1) in name order (bytewise on the
**      UTF-8 names, a prefix first: "A" < "B" < "a" < "ab"), whatever their
**      order in the JSON text.  upper[i] = upper[i-1] + weight[i] (doubles,
**      left to right, upper[-1] = 0); variant i owns [upper[i-1], upper[i]).
**   5. st_ab_pick(layout, u) is the first variant (name order) with
**      u < upper[i]; when there is none (u >= the running total, which can
**      happen when the weights sum to slightly less than 1), the last variant
**      with a positive weight.  A zero-weight variant is never picked.  O(log
**      count) by binary search.
**   6. Ramp-up (a consequence of 4–5): a unit changes variant only when a
**      boundary upper[i] crosses its position.  With two variants there is
**      one boundary, so units only move towards the variant whose weight
**      grew.  With more, units move only towards later names when no
**      boundary grew (upper'[i] <= upper[i] for all i), only towards earlier
**      names when none shrank; see docs/ab_assign.md.
*/
#ifndef ST_ASSIGN_H
#define ST_ASSIGN_H

#include <stddef.h>
#include <stdint.h>

#include "../base/om_core.h"
#include "../base/om_json.h"

#define ST_AB_SUM_TOL 1e-9  /* |sum of weights - 1| allowed (behaviour 3) */
#define ST_AB_STACK_MSG 512 /* messages up to this many bytes are hashed in one call */

typedef struct st_ab_variant {
  const char *name; /* NUL-terminated UTF-8, inside the layout's JSON arena */
  size_t name_len;  /* bytes, without the NUL */
  double weight;    /* >= 0, finite */
  double upper;     /* running sum of the weights up to and including this one */
} st_ab_variant;

typedef struct st_ab_layout {
  st_ab_variant *v;  /* count variants in name order (owned) */
  size_t count;
  size_t last;       /* index of the last variant with a positive weight */
  om_json_obj obj;   /* the parsed object: owns the names */
} st_ab_layout;

/* Behaviour 1: XXH3-64 of the message for (experiment, salt, unit).  A NULL
** pointer with length 0 is an empty field. */
uint64_t st_ab_hash(const void *experiment, size_t exp_len, const void *salt, size_t salt_len, const void *unit,
                    size_t unit_len);
/* Behaviour 2: the unit's position in [0, 1). */
double st_ab_position(const void *experiment, size_t exp_len, const void *salt, size_t salt_len, const void *unit,
                      size_t unit_len);

/* Behaviour 3: parse and check the weights JSON into *out (zeroed first).
** On OM_OK the caller frees it with st_ab_layout_free; on failure nothing
** needs freeing and err says why (without the SQL function's name). */
om_status st_ab_layout_parse(const char *json, size_t n, st_ab_layout *out, om_err *err);
void st_ab_layout_free(st_ab_layout *l);

/* Behaviour 5: the index of the variant that owns position u. */
size_t st_ab_pick(const st_ab_layout *l, double u);

#endif /* ST_ASSIGN_H */
