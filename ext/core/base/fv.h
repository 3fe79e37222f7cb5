/*
** fv.h — the feature-vector BLOB: named numeric, categorical and missing
** values, as built by feature_vector() and consumed by every model.
**
** Byte map (format 1, all integers little-endian):
**
**   offset size  field
**   0      4     magic "OMFV"
**   4      1     format version (1)
**   5      1     reserved, 0
**   6      2     u16 count of entries (0 .. 65535)
**   8      ...   entries, sorted by name (bytewise, shorter first on a tie)
**
**   entry: u8 type (0 missing, 1 numeric, 2 categorical), u8 reserved 0,
**          u16 name length (1 .. FV_MAX_NAME), name bytes (valid UTF-8
**          without NUL, not NUL-terminated),
**          then, for numeric: f64 (finite); categorical: u64 XXH3-64 of the
**          category text (seed 0); missing: nothing.
**
** Behaviours:
**   1. Names are unique; fv_encode sorts entries and reports a duplicate.
**      Sorting is O(n log n) whatever the order (fv_sort: a check that the
**      entries are already sorted, insertion sort up to 16 entries, heapsort
**      beyond; in place, no allocation) and returns the comparisons it made,
**      so tests assert the bound by counting.
**   1c. Names are valid UTF-8 without NUL (om_utf8_check, om_text.h rule 1),
**      since they are written back as JSON keys (feature_vector_json,
**      model_info): fv_encode refuses others with fv_check_name's message,
**      and the decoder treats a stored one as corruption (OM_CORRUPT).
**   1b. Numeric -0.0 is stored as +0.0, so vectors that compare equal in SQL
**      are equal BLOBs; the decoder rejects a stored -0.
**   2. Categorical values are stored only as their hash (fv_hash_category);
**      the raw text never enters the BLOB.
**   3. The decoder (fv_open/fv_next) allocates nothing and checks everything:
**      magic, version, reserved bytes, type codes, name lengths, UTF-8 names
**      (1c), strict name order, finite numbers (and no -0), and that the entries end exactly at the end of
**      the BLOB.  Any failure is OM_CORRUPT (or OM_UNSUPPORTED_VERSION).
**   4. Because both feature vectors and model schemas are sorted by name,
**      matching a vector to a model is a single merge pass.
*/
#ifndef FV_H
#define FV_H

#include "om_buf.h"

#define FV_VERSION 1
#define FV_MAX_NAME 255
#define FV_MAX_COUNT 65535
#define FV_HEADER_SIZE 8

typedef enum fv_type { FV_MISSING = 0, FV_NUMERIC = 1, FV_CATEGORICAL = 2 } fv_type;

typedef struct fv_entry {
  const char *name; /* borrowed; not NUL-terminated */
  size_t name_len;
  fv_type type;
  double num;       /* FV_NUMERIC */
  uint64_t cat;     /* FV_CATEGORICAL */
} fv_entry;

typedef struct fv_reader {
  om_rbuf r;
  uint32_t count;   /* entries in the vector */
  uint32_t index;   /* entries read so far */
  const char *prev; /* previous name, for the order check */
  size_t prev_len;
} fv_reader;

uint64_t fv_hash_category(const char *text, size_t n);

/* Compare two names bytewise, shorter first on a common prefix. */
int fv_name_cmp(const char *a, size_t an, const char *b, size_t bn);

/* "<what> contains a NUL byte at offset <k>; names must be valid UTF-8
** without NUL" or "<what> has byte 0x<hh> at offset <k>, which is not valid
** UTF-8; names must ..." (OM_INVALID) unless name[0,n) passes om_utf8_check.
** `what` is e.g. "feature name" or "feature name (argument 3)". */
om_status fv_check_name(const char *name, size_t n, const char *what, om_err *err);

/* Sort entries by name in place (behaviour 1); returns the comparisons made. */
size_t fv_sort(fv_entry *entries, size_t n);

/* Sort entries by name (in place), reject duplicates, and append the BLOB to w.
** Errors: OM_INVALID (duplicate, bad name length or bytes, non-finite number,
** too many), OM_NOMEM. */
om_status fv_encode(fv_entry *entries, size_t n, om_wbuf *w, om_err *err);

/* Streaming writer for callers whose entries are already sorted, unique and
** valid (e.g. a transform of a decoded vector): header, then each entry. */
void fv_write_header(om_wbuf *w, uint16_t count);
void fv_write_entry(om_wbuf *w, const fv_entry *e);

/* Start reading a BLOB.  Checks the header only; fv_next checks each entry. */
om_status fv_open(fv_reader *it, const void *blob, size_t n, om_err *err);
/* Returns 1 and fills e with the next entry, 0 at a clean end; sets *st to
** OM_CORRUPT (and returns 0) on a malformed entry or trailing bytes. */
int fv_next(fv_reader *it, fv_entry *e, om_status *st, om_err *err);
/* Walk the whole BLOB: OM_OK if it is well formed. */
om_status fv_validate(const void *blob, size_t n, om_err *err);

const char *fv_type_name(fv_type t); /* "missing", "numeric", "categorical" */

/* Does blob start like a feature vector (its magic)?  For messages that
** name a vector passed where something else belongs; not a validation. */
int fv_has_magic(const uint8_t *blob, size_t n);

#endif /* FV_H */
