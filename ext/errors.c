/*
** errors.c — error results that name the SQL function, and the shared
** per-statement output buffer.
**
**   1. Every error message starts with "<function>(): ".
**   2. Out of memory is reported with sqlite3_result_error_nomem, so callers
**      see SQLITE_NOMEM, never a text error.
**   3. A message is valid UTF-8 and at most OMEN_ERR_MAX bytes of text (plus
**      an elision marker), whatever user text it quotes: it passes through
**      om_text_sanitize (core/om_text.h), so a non-UTF-8 option key or group
**      label becomes U+FFFD and a 10 MB model name is cut in the middle.
**      It is also kept below SQLITE_LIMIT_LENGTH, which SQLite would
**      otherwise answer by dropping the message.
*/
#include <stdarg.h>
#include <string.h>

#include "core/base/om_text.h"
#include "omen_ext.h"

#define OMEN_ERR_MAX 1000 /* bytes of message text kept (docs/SECURITY.md) */

const char *omen_type_name(sqlite3_value *v) {
  switch (sqlite3_value_type(v)) {
  case SQLITE_INTEGER: return "INTEGER";
  case SQLITE_FLOAT: return "REAL";
  case SQLITE_TEXT: return "TEXT";
  case SQLITE_BLOB: return "BLOB";
  default: return "NULL";
  }
}

void omen_errorf(sqlite3_context *ctx, const char *fname, const char *fmt, ...) {
  va_list ap;
  char *body, *msg;
  va_start(ap, fmt);
  body = sqlite3_vmprintf(fmt, ap);
  va_end(ap);
  msg = body ? sqlite3_mprintf("%s(): %s", fname, body) : NULL;
  sqlite3_free(body);
  if (msg) {
    /* SQLite drops a message longer than SQLITE_LIMIT_LENGTH (the client
    ** then sees "" or a generic error): stay below it too. */
    int limit = sqlite3_limit(sqlite3_context_db_handle(ctx), SQLITE_LIMIT_LENGTH, -1);
    size_t n = strlen(msg), w;
    char *clean = sqlite3_malloc64(OM_TEXT_SANITIZED_MAX(OMEN_ERR_MAX));
    if (clean) {
      w = om_text_sanitize(msg, n, OMEN_ERR_MAX, clean, OM_TEXT_SANITIZED_MAX(OMEN_ERR_MAX));
      /* a lower limit keeps the head: cut whole characters until it fits */
      while (limit > 0 && w > (size_t)limit - 1 && w > 0) {
        do w--; while (w > 0 && ((unsigned char)clean[w] & 0xC0) == 0x80);
        clean[w] = 0;
      }
    }
    sqlite3_free(msg);
    msg = clean;
  }
  if (!msg) sqlite3_result_error_nomem(ctx);
  else sqlite3_result_error(ctx, msg, -1);
  sqlite3_free(msg);
}

void omen_result_status(sqlite3_context *ctx, const char *fname, om_status st, const om_err *err) {
  if (st == OM_NOMEM) sqlite3_result_error_nomem(ctx);
  else omen_errorf(ctx, fname, "%s", err && err->msg[0] ? err->msg : om_status_name(st));
}

static void out_scratch_free(void *p) {
  om_wbuf_free((om_wbuf *)p);
  sqlite3_free(p);
}

om_wbuf *omen_out_scratch(sqlite3_context *ctx) {
  om_wbuf *w = sqlite3_get_auxdata(ctx, OMEN_AUX_OUT_SCRATCH);
  if (w) {
    om_wbuf_reset(w);
    return w;
  }
  w = sqlite3_malloc(sizeof *w);
  if (!w) return NULL;
  om_wbuf_init(w);
  sqlite3_set_auxdata(ctx, OMEN_AUX_OUT_SCRATCH, w, out_scratch_free);
  /* set_auxdata may have freed w already (out of memory): look again. */
  w = sqlite3_get_auxdata(ctx, OMEN_AUX_OUT_SCRATCH);
  return w;
}
