/*
** om_json.h — the small JSON writer and flat-object reader omen needs.
**
** Writer (om_jw): builds JSON text into an om_wbuf.
**   1. Commas are inserted automatically; nesting up to OM_JW_MAXDEPTH.
**   2. Numbers use the shortest %.15g/%.16g/%.17g form that reads back to the
**      same double.  +Inf is written 9e999 and -Inf -9e999: valid JSON number
**      grammar that SQLite's json_extract(), Python's json module, JavaScript's
**      JSON.parse and this reader (7) read back as ±Infinity.  NaN is written
**      null (JSON has no such value, and no number reads back as NaN).
**   3. Strings are escaped per RFC 8259 (", \, control characters as \u00XX);
**      other bytes are copied as they are: callers hand us valid UTF-8 (names
**      are checked where they enter, om_text.h rule 1).
**
** Reader (om_json_parse_flat): parses ONE JSON object whose values are
** scalars — number, string, true, false or null — as used by
** feature_vector('{"a":1}') and training options.
**   4. Nested objects or arrays, trailing garbage, bad escapes, invalid
**      numbers, duplicate keys and non-object input are OM_INVALID with a
**      message naming what and where (byte offset).
**   5. true/false read as the numbers 1 and 0 (flagged is_bool).
**   6. Keys and string values are unescaped (\uXXXX incl. surrogate pairs to
**      UTF-8) into one arena owned by the om_json_obj.  \u0000 and a lone
**      surrogate (\ud800, \udc00) are errors in keys and values alike.
**   7. A number too large for a double (1e999, the writer's 9e999) reads as
**      ±Inf; callers that need finite numbers check isfinite() and say which
**      member is wrong.  An underflow reads as 0 (as strtod).
**   8. Keys are names: a key whose unescaped bytes are not valid UTF-8 (a raw
**      invalid byte inside the quotes; om_utf8_check) is OM_INVALID, "key at
**      byte <i> is not valid UTF-8 (byte 0x<hh> at offset <k> of the key)".
**      String VALUES keep their bytes as they are (feature_vector hashes them
**      and never writes them back).
**   9. Cost is O(n log n) in the number of members, whatever their order:
**      duplicates are found by sorting an index of the members by key (a
**      merge sort; obj.order keeps it, and om_json_obj_get is a binary search
**      over it).  obj.key_compares counts the key comparisons made, so tests
**      can assert the bound without timing anything.  When several keys are
**      duplicated, the error names the one whose second occurrence comes
**      first in the text.
*/
#ifndef OM_JSON_H
#define OM_JSON_H

#include "om_buf.h"

#define OM_JW_MAXDEPTH 16

typedef struct om_jw {
  om_wbuf *out;
  int depth;
  uint8_t first[OM_JW_MAXDEPTH]; /* 1 while the container at that depth is empty */
  int after_key;                 /* a key was just written: no comma before the value */
} om_jw;

void om_jw_init(om_jw *j, om_wbuf *out);
void om_jw_begin_object(om_jw *j);
void om_jw_end_object(om_jw *j);
void om_jw_begin_array(om_jw *j);
void om_jw_end_array(om_jw *j);
void om_jw_key(om_jw *j, const char *key);               /* NUL-terminated */
void om_jw_key_n(om_jw *j, const char *key, size_t n);
void om_jw_string(om_jw *j, const char *s);
void om_jw_string_n(om_jw *j, const char *s, size_t n);
void om_jw_double(om_jw *j, double v);
void om_jw_int(om_jw *j, int64_t v);
void om_jw_uint(om_jw *j, uint64_t v);
void om_jw_bool(om_jw *j, int v);
void om_jw_null(om_jw *j);
void om_jw_raw(om_jw *j, const char *json, size_t n);    /* pre-rendered JSON value */
void om_jw_hex64(om_jw *j, uint64_t v);                  /* "0123abcd..." as a string */

/* strtod in the "C" locale, whatever the host's locale. */
double om_strtod(const char *s, char **end);

/* Shortest round-trip text for a finite double into buf (>= 32 bytes), in
** the "C" locale; returns length. */
int om_format_double(char *buf, double v);

typedef enum om_json_type { OM_JSON_NULL = 0, OM_JSON_NUMBER, OM_JSON_STRING } om_json_type;

typedef struct om_json_member {
  const char *key;   /* unescaped, NUL-terminated, inside the arena */
  size_t key_len;
  om_json_type type;
  double num;        /* OM_JSON_NUMBER */
  int64_t inum;      /* OM_JSON_NUMBER with is_int */
  int is_int;        /* the number was written without fraction/exponent and fits int64 */
  int is_bool;       /* the value was true/false (num is 1 or 0) */
  const char *str;   /* OM_JSON_STRING: unescaped, NUL-terminated, inside the arena */
  size_t str_len;
} om_json_member;

typedef struct om_json_obj {
  om_json_member *members; /* in input order */
  size_t count;
  char *arena;             /* owned */
  size_t *order;           /* owned: member indices sorted by key (bytewise, shorter first); NULL when count is 0 */
  size_t key_compares;     /* key comparisons made while parsing (behaviour 9) */
} om_json_obj;

om_status om_json_parse_flat(const char *text, size_t n, om_json_obj *out, om_err *err);
void om_json_obj_free(om_json_obj *o);
/* The member with this key (NUL-terminated), or NULL: O(log count). */
const om_json_member *om_json_obj_get(const om_json_obj *o, const char *key);

#endif /* OM_JSON_H */
