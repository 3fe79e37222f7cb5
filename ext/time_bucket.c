/*
** time_bucket.c — time_bucket(ts, width [, origin]): the start of the
** tumbling window ("bucket") of `width` that holds ts, the buckets aligned
** on `origin`, as TimescaleDB's time_bucket.
**
**   SELECT time_bucket(started_at, '1 hour') AS hour, count(*) FROM runs GROUP BY 1;
**   SELECT time_bucket('2024-05-17T13:45:10Z', '1 week');    -- '2024-05-13 00:00:00'
**   SELECT time_bucket(1715953510, '15 min');                -- 1715953500
**   SELECT time_bucket(1715953510.25, 0.5, 0);               -- 1715953510
**
** Behaviours (docs/time_bucket.md; the arithmetic is core/ts/ts_time.h,
** whose behaviours are cited as B<n>):
**   1. ts NULL → NULL.  ts TEXT is an ISO-8601 time (B1), and the result is
**      TEXT 'YYYY-MM-DD HH:MM:SS' in UTC, SQLite's datetime() form (B3; a
**      bucket start that is not a whole second gets '.SSS' or '.SSSSSS').
**      ts INTEGER or REAL is unix seconds (B2; a REAL is rounded to the
**      nearest microsecond), and the result is an INTEGER when the bucket
**      starts on a whole second, else a REAL.  So
**      GROUP BY time_bucket(col, '1 hour') works on either kind of column,
**      and a TEXT result joins with datetime() output.  A BLOB ts is an error.
**   2. width: TEXT '<n> <unit>' (B4) or a positive INTEGER/REAL number of
**      seconds (B5); NULL or BLOB is an error.  Calendar widths ('1 month',
**      '1 year') bucket by calendar months in UTC (B7).
**   3. origin (optional): any representation ts accepts; NULL or BLOB is an
**      error.  Default (B8): 2000-01-03 00:00:00 UTC, a Monday, for fixed
**      widths (days start at midnight UTC, weeks on Monday); 2000-01-01 for
**      calendar widths, which need an origin at 00:00:00 on the first of a
**      month.
**   4. Every time read (ts, origin) must lie in the years 0000-9999 (UTC),
**      whatever its representation: TEXT beyond them and unix seconds
**      outside -62167219200 .. 253402300799 (e.g. milliseconds) are errors.
**      Buckets are floored (B6): a time before the origin or before 1970
**      belongs to the bucket starting at or before it.  A TEXT result whose
**      bucket would start before 0000-01-01 is an error (a number is not).
**   5. width and origin are parsed once per statement: the parsed value is
**      kept as auxdata on the argument's own index, which SQLite keeps for
**      the statement only while the argument is a constant (a literal or a
**      bound parameter); a width read from a column is parsed on every row.
**      A row then costs one parse of ts, a floor division and, for TEXT,
**      one formatting.
**   6. Every error starts with "time_bucket(): " and names the argument
**      (docs/time_bucket.md, Errors).  An out-of-memory while caching is not
**      an error: the value is just parsed again on the next row.
**   7. Flags: pure (SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS): the result
**      depends on the arguments only (no 'now', no local time zone), so it
**      may be used in indexes, generated columns, views and triggers.
*/
#include <string.h>

#include "core/ts/ts_time.h"
#include "omen_ext.h"

#define TB "time_bucket"
#define TB_QUOTE_MAX 48 /* bytes of a TEXT argument quoted in a message */

/* A TEXT argument for a message: 'text' or 'first bytes...'. */
static void tb_quote(char *buf, int cap, const char *s, int n) {
  sqlite3_snprintf(cap, buf, "'%.*s%s'", n > TB_QUOTE_MAX ? TB_QUOTE_MAX : n, s ? s : "",
                   n > TB_QUOTE_MAX ? "..." : "");
}

/* A number argument for a message. */
static void tb_number(char *buf, int cap, sqlite3_value *v) {
  if (sqlite3_value_type(v) == SQLITE_INTEGER) sqlite3_snprintf(cap, buf, "%lld", sqlite3_value_int64(v));
  else sqlite3_snprintf(cap, buf, "%!.15g", sqlite3_value_double(v));
}

/* ts or origin -> *us.  Returns 0, or 1 after setting the error result.
** *type gets the value's SQLite type (SQLITE_NULL: *us untouched). */
static int tb_time(sqlite3_context *ctx, sqlite3_value *v, const char *name, int argno, int64_t *us, int *type) {
  ts_why why = TS_OK;
  char buf[TB_QUOTE_MAX + 16];
  *type = sqlite3_value_type(v);
  switch (*type) {
  case SQLITE_NULL:
    return 0;
  case SQLITE_INTEGER:
    if (ts_from_int(sqlite3_value_int64(v), us, &why, NULL) == OM_OK) return 0;
    break;
  case SQLITE_FLOAT:
    if (ts_from_seconds(sqlite3_value_double(v), us, &why, NULL) == OM_OK) return 0;
    break;
  case SQLITE_TEXT: {
    const char *s = (const char *)sqlite3_value_text(v);
    int n = sqlite3_value_bytes(v);
    if (!s) {
      sqlite3_result_error_nomem(ctx);
      return 1;
    }
    if (ts_parse_iso(s, (size_t)n, us, &why, NULL) == OM_OK) return 0;
    tb_quote(buf, sizeof buf, s, n);
    if (why == TS_RANGE)
      omen_errorf(ctx, TB, "%s (argument %d) %s is outside the years 0000 to 9999 (UTC)", name, argno, buf);
    else
      omen_errorf(ctx, TB,
                  "%s (argument %d) is %s, not a time; expected 'YYYY-MM-DD', 'YYYY-MM-DD HH:MM', "
                  "'YYYY-MM-DD HH:MM:SS' or 'YYYY-MM-DD HH:MM:SS.SSS' (a 'T' for the space and a 'Z', "
                  "'+HH:MM' or '-HH:MM' suffix allowed)",
                  name, argno, buf);
    return 1;
  }
  default:
    break;
  }
  if (*type == SQLITE_BLOB) {
    omen_errorf(ctx, TB, "%s (argument %d) is %s; expected an ISO-8601 time as TEXT or unix seconds as INTEGER or REAL",
                name, argno, "BLOB");
  } else if (why == TS_NOT_FINITE) {
    omen_errorf(ctx, TB, "%s (argument %d) is not a finite number", name, argno);
  } else {
    tb_number(buf, sizeof buf, v);
    omen_errorf(ctx, TB,
                "%s (argument %d) is %s; expected unix seconds from -62167219200 (0000-01-01) to "
                "253402300799 (9999-12-31 23:59:59)",
                name, argno, buf);
  }
  return 1;
}

/* The width argument -> *w, cached on argument 1 (behaviour 5). */
static int tb_width(sqlite3_context *ctx, sqlite3_value *v, ts_width *w) {
  ts_width *cached = sqlite3_get_auxdata(ctx, 1);
  ts_why why = TS_OK;
  char buf[TB_QUOTE_MAX + 16];
  int type = sqlite3_value_type(v);
  om_status st;
  if (cached) {
    *w = *cached;
    return 0;
  }
  if (type == SQLITE_TEXT) {
    const char *s = (const char *)sqlite3_value_text(v);
    int n = sqlite3_value_bytes(v);
    if (!s) {
      sqlite3_result_error_nomem(ctx);
      return 1;
    }
    st = ts_parse_width(s, (size_t)n, w, &why, NULL);
    tb_quote(buf, sizeof buf, s, n);
  } else if (type == SQLITE_INTEGER) {
    st = ts_width_from_int(sqlite3_value_int64(v), w, &why, NULL);
    tb_number(buf, sizeof buf, v);
  } else if (type == SQLITE_FLOAT) {
    st = ts_width_from_seconds(sqlite3_value_double(v), w, &why, NULL);
    tb_number(buf, sizeof buf, v);
  } else {
    omen_errorf(ctx, TB, "width (argument 2) is %s; expected TEXT such as '1 hour' or a number of seconds",
                omen_type_name(v));
    return 1;
  }
  if (st != OM_OK) {
    switch (why) {
    case TS_UNIT:
      omen_errorf(ctx, TB,
                  "width (argument 2) %s has an unknown unit; expected us, ms, s, min, h, d, w, mon or y "
                  "(or microsecond, millisecond, second, minute, hour, day, week, month, year; singular or "
                  "plural)",
                  buf);
      break;
    case TS_NOT_POSITIVE:
      omen_errorf(ctx, TB, "width (argument 2) is %s; expected a positive width", buf);
      break;
    case TS_TOO_WIDE:
      omen_errorf(ctx, TB, "width (argument 2) is %s, more than 10,000 years", buf);
      break;
    case TS_TOO_FINE:
      omen_errorf(ctx, TB, "width (argument 2) is %s, not a whole number of microseconds", buf);
      break;
    case TS_WHOLE:
      omen_errorf(ctx, TB, "width (argument 2) is %s; a number of months or years must be whole", buf);
      break;
    case TS_NOT_FINITE:
      omen_errorf(ctx, TB, "width (argument 2) is not a finite number");
      break;
    default:
      omen_errorf(ctx, TB, "width (argument 2) is %s; expected '<n> <unit>' such as '15 minutes' or '1 day'", buf);
      break;
    }
    return 1;
  }
  cached = sqlite3_malloc(sizeof *cached);
  if (cached) {
    *cached = *w;
    sqlite3_set_auxdata(ctx, 1, cached, sqlite3_free); /* frees it at once if not kept */
  }
  return 0;
}

/* The origin argument -> *us, cached on argument 2 (behaviour 5). */
static int tb_origin(sqlite3_context *ctx, sqlite3_value *v, int64_t *us) {
  int64_t *cached = sqlite3_get_auxdata(ctx, 2);
  int type;
  if (cached) {
    *us = *cached;
    return 0;
  }
  if (tb_time(ctx, v, "origin", 3, us, &type)) return 1;
  if (type == SQLITE_NULL) {
    omen_errorf(ctx, TB,
                "origin (argument 3) is NULL; expected an ISO-8601 time as TEXT or unix seconds as INTEGER or REAL");
    return 1;
  }
  cached = sqlite3_malloc(sizeof *cached);
  if (cached) {
    *cached = *us;
    sqlite3_set_auxdata(ctx, 2, cached, sqlite3_free);
  }
  return 0;
}

void timeBucketFunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  ts_width w;
  ts_why why;
  int64_t origin, t, start;
  int type;
  char text[TS_TEXT_MAX];
  if (tb_width(ctx, argv[1], &w)) return;
  if (argc >= 3) {
    if (tb_origin(ctx, argv[2], &origin)) return;
    if (ts_check_origin(&w, origin, &why, NULL) != OM_OK) {
      ts_format(origin, text);
      omen_errorf(ctx, TB,
                  "origin (argument 3) is '%s'; month and year buckets need an origin at 00:00:00 UTC on "
                  "the first of a month (e.g. '2000-01-01')",
                  text);
      return;
    }
  } else {
    origin = ts_default_origin(&w);
  }
  if (tb_time(ctx, argv[0], "ts", 1, &t, &type)) return;
  if (type == SQLITE_NULL) return; /* NULL */
  start = ts_bucket(t, &w, origin);
  if (type == SQLITE_TEXT) {
    size_t len;
    if (start < TS_MIN_US) {
      ts_format(t, text);
      omen_errorf(ctx, TB,
                  "the bucket of '%s' starts at %lld (unix seconds), before 0000-01-01 00:00:00; a TEXT "
                  "result needs the years 0000 to 9999 (choose another origin or use unix seconds)",
                  text, (long long)ts_floor_div(start, TS_US_PER_SEC));
      return;
    }
    len = ts_format(start, text);
    sqlite3_result_text(ctx, text, (int)len, SQLITE_TRANSIENT);
  } else if (start % TS_US_PER_SEC == 0) {
    sqlite3_result_int64(ctx, start / TS_US_PER_SEC);
  } else {
    sqlite3_result_double(ctx, ts_to_seconds(start));
  }
}
