/*
** st_chunks.h — the chunk arithmetic behind the exact fixed-point sums of
** the stats family (st_welch.c's st_sums, st_moments.c's st_psums): a
** number is an array of signed 64-bit chunks of 32 bits each, with a
** non-zero range [lo, hi) that updates widen and carries normalise.
**
** Behaviours:
**   1. st_chunk_touch widens [lo, hi) to cover [k, k + w); an empty range
**      (hi == 0) becomes exactly [k, k + w).
**   2. st_chunk_carry carries chunks [lo, hi) of c[cap] in place: each
**      chunk below the top in [0, 2^32), the top one signed and below
**      ST_CHUNK_TOP_LIMIT (2^40) in magnitude (it carries on up while it is
**      not, up to c[cap - 1]); then trims zero chunks from both ends.  The
**      value is unchanged.
*/
#ifndef ST_CHUNKS_H
#define ST_CHUNKS_H

#include <stdint.h>

#define ST_CHUNK_TOP_LIMIT ((int64_t)1 << 40) /* a carried top chunk stays below this */

void st_chunk_touch(int *lo, int *hi, int k, int w);
void st_chunk_carry(int64_t *c, int cap, int *lo, int *hi);

#endif /* ST_CHUNKS_H */
