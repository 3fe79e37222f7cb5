/*
** group_keys.h — the group labels of the experiment aggregates (welch_ttest,
** mann_whitney, ks_2samp, sequential_test, proportions_ztest, chi2_test,
** anova_oneway, experiment_report): one SQL value per group, compared,
** hashed, printed and written to JSON the same way everywhere.
**
** Behaviours (group_keys.c):
**   1. omen_key_load reads a non-NULL value: INTEGER, REAL or TEXT (TEXT
**      borrowed from the value, and checked to be valid UTF-8 without NUL).
**      Returns 0, SQLITE_NOMEM, SQLITE_RANGE (bad text) or SQLITE_MISMATCH
**      (a BLOB).  omen_key_arg does the same and sets the error
**      "<what>: byte 0xff at offset 1 is not valid UTF-8; labels must be
**      valid UTF-8 without NUL" (or "<what> contains a NUL byte at offset
**      2; ..."), "<what> is a BLOB; expected INTEGER, REAL or TEXT", or
**      SQLITE_NOMEM, returning 1.
**   2. omen_key_cmp is SQLite's order: numbers before text, numbers by
**      value (so 1 and 1.0 are one group; an INTEGER beyond 2^53 still
**      differs from the REAL it rounds to), text bytewise.
**   3. omen_key_hash agrees with omen_key_cmp: equal keys hash equal (a
**      whole REAL hashes as the INTEGER it equals).
**   4. omen_key_whole turns a REAL that is a whole number in the int64
**      range into that INTEGER (for aggregates that report 1.0 as 1).
**   5. omen_key_own copies a borrowed text into sqlite3_malloc'd memory
**      (SQLITE_NOMEM on failure, the key then unchanged); omen_key_free
**      frees it and zeroes the key.  A zeroed key (type 0) is "no key".
**   6. omen_key_json writes the key as a JSON value (null for no key);
**      omen_key_label prints it for messages: 12, 1.5, 'text' (at most 40
**      bytes of it).
*/
#ifndef OMEN_GROUP_KEYS_H
#define OMEN_GROUP_KEYS_H

#include <stdint.h>

#include "core/base/om_json.h"
#include "omen_ext.h"

typedef struct omen_key {
  int type;        /* 0 none, SQLITE_INTEGER, SQLITE_FLOAT or SQLITE_TEXT */
  sqlite3_int64 i; /* SQLITE_INTEGER */
  double d;        /* SQLITE_FLOAT */
  char *text;      /* SQLITE_TEXT: borrowed after load, owned after omen_key_own */
  int len;         /* bytes of text */
} omen_key;

int omen_key_load(sqlite3_value *v, omen_key *k);
int omen_key_arg(sqlite3_context *ctx, const char *fname, sqlite3_value *v, const char *what, omen_key *k);
int omen_key_cmp(const omen_key *x, const omen_key *y);
uint64_t omen_key_hash(const omen_key *k);
void omen_key_whole(omen_key *k);
int omen_key_own(omen_key *k);
void omen_key_free(omen_key *k);
void omen_key_json(om_jw *j, const omen_key *k);
void omen_key_label(char *buf, int n, const omen_key *k);

#endif /* OMEN_GROUP_KEYS_H */
