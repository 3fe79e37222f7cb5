/*
** group_keys.c — group labels of the experiment aggregates (group_keys.h
** is the spec).
*/
#include "group_keys.h"

#include <math.h>
#include <string.h>

#include "core/base/om_text.h"

int omen_key_load(sqlite3_value *v, omen_key *k) {
  memset(k, 0, sizeof *k);
  k->type = sqlite3_value_type(v);
  switch (k->type) {
  case SQLITE_INTEGER: k->i = sqlite3_value_int64(v); return 0;
  case SQLITE_FLOAT: k->d = sqlite3_value_double(v); return 0;
  case SQLITE_TEXT:
    k->text = (char *)sqlite3_value_text(v);
    k->len = sqlite3_value_bytes(v);
    if (!k->text) return SQLITE_NOMEM;
    return om_utf8_check(k->text, (size_t)k->len) == (size_t)k->len ? 0 : SQLITE_RANGE;
  default: return SQLITE_MISMATCH;
  }
}

int omen_key_arg(sqlite3_context *ctx, const char *fname, sqlite3_value *v, const char *what, omen_key *k) {
  int rc = omen_key_load(v, k);
  if (rc == 0) return 0;
  if (rc == SQLITE_NOMEM) {
    sqlite3_result_error_nomem(ctx);
  } else if (rc == SQLITE_RANGE) {
    char why[96];
    size_t n = (size_t)k->len, at = om_utf8_check(k->text, n);
    om_utf8_problem(k->text, n, at, why, sizeof why);
    omen_errorf(ctx, fname, "%s%s%s; labels must be valid UTF-8 without NUL", what, why[0] == 'b' ? ": " : " ", why);
  } else {
    omen_errorf(ctx, fname, "%s is a BLOB; expected INTEGER, REAL or TEXT", what);
  }
  return 1;
}

int omen_key_cmp(const omen_key *x, const omen_key *y) {
  int xt = x->type == SQLITE_TEXT, yt = y->type == SQLITE_TEXT;
  double a, b;
  if (xt != yt) return xt ? 1 : -1;
  if (xt) {
    int n = x->len < y->len ? x->len : y->len;
    int c = n ? memcmp(x->text, y->text, (size_t)n) : 0;
    return c ? c : (x->len > y->len) - (x->len < y->len);
  }
  if (x->type == SQLITE_INTEGER && y->type == SQLITE_INTEGER) return (x->i > y->i) - (x->i < y->i);
  a = x->type == SQLITE_INTEGER ? (double)x->i : x->d;
  b = y->type == SQLITE_INTEGER ? (double)y->i : y->d;
  if (a != b) return a < b ? -1 : 1;
  /* equal as doubles: an integer beyond 2^53 may still differ */
  if (x->type == SQLITE_INTEGER && y->type == SQLITE_FLOAT && y->d > -9.2e18 && y->d < 9.2e18)
    return (x->i > (sqlite3_int64)y->d) - (x->i < (sqlite3_int64)y->d);
  if (y->type == SQLITE_INTEGER && x->type == SQLITE_FLOAT && x->d > -9.2e18 && x->d < 9.2e18)
    return ((sqlite3_int64)x->d > y->i) - ((sqlite3_int64)x->d < y->i);
  return 0;
}

void omen_key_whole(omen_key *k) {
  if (k->type == SQLITE_FLOAT && k->d == floor(k->d) && k->d >= -9223372036854775808.0 &&
      k->d < 9223372036854775808.0) {
    k->type = SQLITE_INTEGER;
    k->i = (sqlite3_int64)k->d;
  }
}

uint64_t omen_key_hash(const omen_key *k) {
  omen_key w = *k;
  uint64_t h;
  omen_key_whole(&w);
  if (w.type == SQLITE_TEXT) {
    h = 1469598103934665603u; /* FNV-1a */
    for (int j = 0; j < w.len; j++) h = (h ^ (unsigned char)w.text[j]) * 1099511628211u;
  } else if (w.type == SQLITE_INTEGER) {
    h = (uint64_t)w.i;
  } else {
    memcpy(&h, &w.d, sizeof h);
    h ^= 0x5555555555555555u;
  }
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9u; /* splitmix64's finaliser */
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebu;
  return h ^ (h >> 31);
}

int omen_key_own(omen_key *k) {
  char *t;
  if (k->type != SQLITE_TEXT) return 0;
  t = sqlite3_malloc(k->len > 0 ? k->len : 1);
  if (!t) return SQLITE_NOMEM;
  if (k->len) memcpy(t, k->text, (size_t)k->len);
  k->text = t;
  return 0;
}

void omen_key_free(omen_key *k) {
  if (k->type == SQLITE_TEXT) sqlite3_free(k->text);
  memset(k, 0, sizeof *k);
}

void omen_key_json(om_jw *j, const omen_key *k) {
  if (!k || k->type == 0) om_jw_null(j);
  else if (k->type == SQLITE_INTEGER) om_jw_int(j, k->i);
  else if (k->type == SQLITE_FLOAT) om_jw_double(j, k->d);
  else om_jw_string_n(j, k->text, (size_t)k->len);
}

void omen_key_label(char *buf, int n, const omen_key *k) {
  if (k->type == SQLITE_INTEGER) sqlite3_snprintf(n, buf, "%lld", k->i);
  else if (k->type == SQLITE_FLOAT) sqlite3_snprintf(n, buf, "%!.15g", k->d);
  else sqlite3_snprintf(n, buf, "'%.*s'", k->len > 40 ? 40 : k->len, k->text);
}
