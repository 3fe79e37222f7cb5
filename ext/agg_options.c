/*
** agg_options.c — the options argument of the training aggregates
** (gbt_train, isolation_forest_train, mahalanobis_train, baseline_train):
** read on the first row, kept, and the same on every later row.
**
** Behaviours:
**   1. omen_agg_options_text: the options argument is absent or NULL (no
**      options: *text = NULL) or TEXT; anything else is the error
**      "<f>(): options (argument N) is <TYPE>; expected a JSON object as
**      TEXT".  Out of memory is SQLITE_NOMEM.
**   2. omen_agg_options_keep copies the first row's text (NULL stays NULL)
**      for the comparison of behaviour 3.
**   3. omen_agg_options_changed: a later row must pass the same text as
**      the first one (or NULL when that was NULL); otherwise the error
**      "<f>(): options changed between rows; pass the same options on every
**      row".
** Each returns 0 on success, 1 after setting the error result.
*/
#include <string.h>

#include "omen_ext.h"

int omen_agg_options_text(sqlite3_context *ctx, const char *fname, sqlite3_value *v, int argno, const char **text,
                          int *n) {
  *text = NULL;
  *n = 0;
  if (!v || sqlite3_value_type(v) == SQLITE_NULL) return 0;
  if (sqlite3_value_type(v) != SQLITE_TEXT) {
    omen_errorf(ctx, fname, "options (argument %d) is %s; expected a JSON object as TEXT", argno, omen_type_name(v));
    return 1;
  }
  *text = (const char *)sqlite3_value_text(v);
  *n = sqlite3_value_bytes(v);
  if (!*text) {
    sqlite3_result_error_nomem(ctx);
    return 1;
  }
  return 0;
}

int omen_agg_options_keep(sqlite3_context *ctx, const char *text, int n, char **saved) {
  *saved = NULL;
  if (!text) return 0;
  *saved = sqlite3_malloc(n + 1);
  if (!*saved) {
    sqlite3_result_error_nomem(ctx);
    return 1;
  }
  memcpy(*saved, text, (size_t)n + 1);
  return 0;
}

int omen_agg_options_changed(sqlite3_context *ctx, const char *fname, sqlite3_value *v, const char *saved) {
  const char *text = NULL;
  if (v && sqlite3_value_type(v) != SQLITE_NULL) {
    text = (const char *)sqlite3_value_text(v);
    if (!text) {
      sqlite3_result_error_nomem(ctx);
      return 1;
    }
  }
  if (!text && !saved) return 0;
  if (text && saved && strcmp(text, saved) == 0) return 0;
  omen_errorf(ctx, fname, "options changed between rows; pass the same options on every row");
  return 1;
}
