/*
** hash_uniform.c — hash_uniform(key [, seed]): a deterministic REAL in [0, 1)
** from XXH3-64 of the key, for reproducible sampling, splits, A/B assignment
** and for generating test data in plain SQL.
**
**   SELECT * FROM runs WHERE hash_uniform(run_id, 42) < 0.1;   -- a 10% sample
**
** Behaviours (docs/hash_uniform.md):
**   1. The value is (XXH3_64bits_withSeed(bytes, seed) >> 11) * 2^-53.
**   2. bytes: TEXT → its UTF-8 bytes; BLOB → its bytes; INTEGER → 8 bytes
**      little-endian two's complement; REAL → if it is a whole number in the
**      int64 range, the same bytes as that INTEGER (so 3 and 3.0 agree, as
**      they compare equal in SQL), otherwise its 8 IEEE-754 bytes
**      little-endian.
**   3. key NULL → NULL.  seed defaults to 0; it must be an INTEGER (a REAL
**      holding a whole number is accepted); anything else is an error.
*/
#include <math.h>
#include <string.h>
#include <xxhash.h>

#include "omen_ext.h"

/* Behaviour 2: the bytes of a value (numbers written into buf): 0, or
** SQLITE_NOMEM.  NULL gives *p = NULL, *n = 0.  Shared with ab_assign and
** bandit_choose, whose keys hash as hash_uniform's do. */
int omen_value_bytes(sqlite3_value *v, uint8_t buf[8], const void **p, size_t *n) {
  switch (sqlite3_value_type(v)) {
  case SQLITE_NULL:
    *p = NULL;
    *n = 0;
    return 0;
  case SQLITE_INTEGER:
    om_store_u64(buf, (uint64_t)sqlite3_value_int64(v));
    *p = buf;
    *n = 8;
    return 0;
  case SQLITE_FLOAT: {
    double d = sqlite3_value_double(v);
    if (d == floor(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0)
      om_store_u64(buf, (uint64_t)(int64_t)d);
    else om_store_u64(buf, om_f64_bits(d));
    *p = buf;
    *n = 8;
    return 0;
  }
  case SQLITE_TEXT:
    *p = sqlite3_value_text(v);
    *n = (size_t)sqlite3_value_bytes(v);
    return *p ? 0 : SQLITE_NOMEM;
  default:
    *p = sqlite3_value_blob(v);
    *n = (size_t)sqlite3_value_bytes(v);
    if (!*p) *p = "";
    return 0;
  }
}

void hashUniformFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  uint64_t seed = 0, h;
  uint8_t buf[8];
  const void *p;
  size_t n;
  if (argc == 2) {
    sqlite3_value *s = argv[1];
    if (sqlite3_value_type(s) == SQLITE_INTEGER) seed = (uint64_t)sqlite3_value_int64(s);
    else if (sqlite3_value_type(s) == SQLITE_FLOAT && floor(sqlite3_value_double(s)) == sqlite3_value_double(s) &&
             fabs(sqlite3_value_double(s)) < 9.2e18)
      seed = (uint64_t)(int64_t)sqlite3_value_double(s);
    else {
      omen_errorf(ctx, "hash_uniform", "seed (argument 2) is %s; expected an INTEGER", omen_type_name(s));
      return;
    }
  }
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return;
  if (omen_value_bytes(argv[0], buf, &p, &n)) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  h = XXH3_64bits_withSeed(p, n, seed);
  sqlite3_result_double(ctx, (double)(h >> 11) * 0x1.0p-53);
}
