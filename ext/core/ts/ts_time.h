/*
** ts_time.h — timestamps, bucket widths and tumbling-window arithmetic for
** time_bucket() (ext/time_bucket.c, docs/time_bucket.md).  Plain C on
** core/base only: no sqlite3.h, no libc time or locale functions.
**
** A time is an int64 count of microseconds since 1970-01-01 00:00:00 UTC
** ("us"), on the proleptic Gregorian calendar without leap seconds (as
** SQLite's date functions and unix time count).  The domain of every time
** read is 0000-01-01 00:00:00 .. 9999-12-31 23:59:59.999999 UTC
** (TS_MIN_US .. TS_MAX_US), the years SQLite's datetime() can write.  All
** arithmetic is exact int64 arithmetic; a REAL is converted once, exactly.
**
** Behaviours (cited by tests/unit/test_ts_time.c as B<n>):
**   1. ts_parse_iso reads the forms SQLite's date functions accept and
**      write, and nothing else:
**        YYYY-MM-DD
**        YYYY-MM-DD<sep>HH:MM
**        YYYY-MM-DD<sep>HH:MM:SS
**        YYYY-MM-DD<sep>HH:MM:SS.F...      (one or more fraction digits)
**      where <sep> is one 'T' or a run of whitespace, and a time may
**      be followed by optional whitespace and a zone: 'Z' (or 'z'), or
**      +HH:MM / -HH:MM (HH 00-14, MM 00-59), then optional whitespace.
**      Trailing whitespace after a bare date is allowed too (as SQLite).
**      Fields must be a real calendar date and time: month 01-12, day
**      01..last day of that month (leap years: divisible by 4, not by 100
**      unless by 400), hour 00-23, minute and second 00-59.  (SQLite's own
**      parser lets '2023-02-30' and '24:00' through and then prints them
**      back unchanged; we refuse them.)  A local time with an offset is
**      converted to UTC: '10:00+02:00' is 08:00 UTC.  Fraction digits
**      after the sixth are dropped: the time is floored to the microsecond
**      (SQLite rounds to the millisecond).  Failures: TS_SYNTAX for any other
**      text (time-only, 'now', Julian day numbers, a sign on the year, a
**      NUL byte ...), TS_RANGE when the UTC time is outside the domain
**      ('0000-01-01 00:30+01:00').
**   2. ts_from_int / ts_from_seconds read unix seconds.  An INTEGER must be in
**      TS_MIN_SEC .. TS_MAX_SEC (TS_RANGE otherwise).  A REAL must be finite
**      (TS_NOT_FINITE); it is rounded to the nearest microsecond (a half
**      goes up), exactly: the fraction is split off exactly and its product
**      by 1e6 kept as two doubles, so there is no double rounding.  So a
**      REAL written with up to six decimals means that microsecond although
**      its double is slightly off (1715953510.123 is stored as
**      ...510.12299990654 and read as .123000; 0.3 as 300000 us).  The
**      rounded time must be in the domain (TS_RANGE).  (TEXT fractions are
**      exact decimals and are truncated instead, B1.)
**   3. ts_format writes 'YYYY-MM-DD HH:MM:SS' (SQLite's datetime() form),
**      plus '.fff' when the time is a whole millisecond but not a whole
**      second, or '.ffffff' otherwise; the time must be in the domain.
**      ts_to_seconds gives unix seconds as a double: the nearest double to
**      us / 1e6 while |us| < 2^53 (the years 1685-2255), within one unit in
**      the last place beyond; exact for a whole second.
**   4. ts_parse_width reads '<n> <unit>': optional whitespace, an optional
**      sign, digits with an optional '.digits' fraction, optional
**      whitespace, a unit (ASCII letters, case-insensitive), optional
**      whitespace.  Units (singular, plural and abbreviations):
**        us usec usecs microsecond microseconds       1/1000000 s
**        ms msec msecs millisecond milliseconds       1/1000 s
**        s sec secs second seconds                    1 s
**        min mins minute minutes                      60 s
**        h hr hrs hour hours                          3600 s
**        d day days                                   86400 s
**        w wk wks week weeks                          604800 s
**        mon mons month months                        1 calendar month
**        y yr yrs year years                          12 calendar months
**      'm' is not a unit (minute or month?), nor is 'µs'.  A fixed width
**      must be a whole number of microseconds ('1.5 hours' = 5400 s is;
**      '0.0000001 s' is not: TS_TOO_FINE); a month or year count must be
**      whole ('1.0 month' is, '1.5 months' is not: TS_WHOLE).  Failures: TS_SYNTAX (no number, junk),
**      TS_UNIT, TS_NOT_POSITIVE (zero or negative), TS_TOO_WIDE (more than
**      10,000 years: TS_MAX_WIDTH_US, or TS_MAX_WIDTH_MONTHS months).
**   5. ts_width_from_int / ts_width_from_seconds read a width in seconds:
**      finite (TS_NOT_FINITE), > 0 (TS_NOT_POSITIVE), at most 10,000 years
**      (TS_TOO_WIDE); a REAL is rounded to the nearest microsecond (0.1 is
**      100000 us exactly) and must be at least one (TS_TOO_FINE).
**   6. ts_bucket(t, w, origin), fixed width: origin + floor((t - origin) / w)
**      * w, a floor (not a truncation toward zero), so times before the
**      origin or before 1970 fall in the bucket that starts at or before
**      them: with w = 1 h and origin 0, -1 s is in the bucket at -3600 s.
**      Every bucket is [start, start + w): a time on a boundary starts its
**      own bucket.  t and origin must be in the domain; the result may be
**      up to one width before TS_MIN_US (no overflow: every quantity stays
**      below 2^60).
**   7. ts_bucket, calendar width of k months: buckets start at 00:00:00 UTC
**      on the first day of a month; the months are counted from origin's
**      month (origin's year and month only: ts_check_origin refuses an
**      origin that is not the start of a month, TS_ORIGIN), so the bucket of
**      t starts at month index  om + floor((tm - om) / k) * k  where tm, om
**      are year * 12 + month - 1 of t and origin.  With origin 2000-01-01,
**      '3 months' are calendar quarters and '1 year' calendar years.
**   8. Defaults: TS_ORIGIN_DEFAULT_US is 2000-01-03 00:00:00 UTC, a Monday
**      (TimescaleDB's default), for fixed widths, so days start at midnight
**      and weeks on Monday; TS_ORIGIN_MONTHS_US is 2000-01-01 for calendar
**      widths (TimescaleDB's default for month buckets).  ts_default_origin
**      picks the one for a width.
**   9. ts_days_from_civil / ts_civil_from_days convert between a date and its
**      day count from 1970-01-01 (Howard Hinnant's algorithms), exact for
**      every year in int32; ts_floor_div is floor division.
**  10. Every function that can fail returns om_status (OM_INVALID) and sets
**      *why (never NULL) and err (may be NULL); the SQL layer writes the
**      user-facing message from *why.  Nothing allocates.
*/
#ifndef TS_TIME_H
#define TS_TIME_H

#include <stddef.h>
#include <stdint.h>

#include "../base/om_core.h"

#define TS_US_PER_SEC INT64_C(1000000)
#define TS_US_PER_DAY INT64_C(86400000000)
#define TS_MIN_SEC INT64_C(-62167219200) /* 0000-01-01 00:00:00 UTC */
#define TS_MAX_SEC INT64_C(253402300799) /* 9999-12-31 23:59:59 UTC */
#define TS_MIN_US (TS_MIN_SEC * TS_US_PER_SEC)
#define TS_MAX_US (TS_MAX_SEC * TS_US_PER_SEC + 999999)
/* 10,000 years of 365.2425 days */
#define TS_MAX_WIDTH_US (INT64_C(3652425) * TS_US_PER_DAY)
#define TS_MAX_WIDTH_MONTHS 120000
#define TS_ORIGIN_DEFAULT_US (INT64_C(946857600) * TS_US_PER_SEC) /* 2000-01-03, a Monday */
#define TS_ORIGIN_MONTHS_US (INT64_C(946684800) * TS_US_PER_SEC)  /* 2000-01-01 */
#define TS_TEXT_MAX 27 /* 'YYYY-MM-DD HH:MM:SS.ffffff' and a NUL */

typedef enum ts_why {
  TS_OK = 0,
  TS_SYNTAX,       /* text in none of the accepted forms */
  TS_RANGE,        /* a time outside 0000-01-01 .. 9999-12-31 (UTC) */
  TS_NOT_FINITE,   /* +-Inf or NaN */
  TS_NOT_POSITIVE, /* a width <= 0 */
  TS_UNIT,         /* a width with an unknown unit */
  TS_TOO_WIDE,     /* a width beyond 10,000 years */
  TS_TOO_FINE,     /* a width that is not a whole number of microseconds */
  TS_WHOLE,        /* a month or year count with a fraction */
  TS_ORIGIN        /* a calendar width with an origin not at a month's start */
} ts_why;

typedef struct ts_width {
  int64_t us;     /* fixed width in microseconds, or 0 for a calendar width */
  int32_t months; /* calendar width in months, or 0 for a fixed width */
} ts_width;

/* B1: text of n bytes (not NUL-terminated) -> *us. */
om_status ts_parse_iso(const char *s, size_t n, int64_t *us, ts_why *why, om_err *err);
/* B2: unix seconds -> *us. */
om_status ts_from_int(int64_t sec, int64_t *us, ts_why *why, om_err *err);
om_status ts_from_seconds(double sec, int64_t *us, ts_why *why, om_err *err);
/* B3: us in TS_MIN_US..TS_MAX_US -> out (NUL-terminated); returns the length
** (19, 23 or 26). */
size_t ts_format(int64_t us, char out[TS_TEXT_MAX]);
double ts_to_seconds(int64_t us);
/* B4, B5: widths. */
om_status ts_parse_width(const char *s, size_t n, ts_width *w, ts_why *why, om_err *err);
om_status ts_width_from_int(int64_t sec, ts_width *w, ts_why *why, om_err *err);
om_status ts_width_from_seconds(double sec, ts_width *w, ts_why *why, om_err *err);
/* B7: OM_INVALID (TS_ORIGIN) when w is a calendar width and origin is not
** 00:00:00 on the first of a month. */
om_status ts_check_origin(const ts_width *w, int64_t origin, ts_why *why, om_err *err);
/* B8 */
int64_t ts_default_origin(const ts_width *w);
/* B6, B7: the start of the bucket holding t (w valid, t and origin in the
** domain). */
int64_t ts_bucket(int64_t t, const ts_width *w, int64_t origin);
/* B9 */
int64_t ts_floor_div(int64_t a, int64_t b); /* b > 0 */
int64_t ts_days_from_civil(int64_t y, int m, int d);
void ts_civil_from_days(int64_t z, int64_t *y, int *m, int *d);

#endif /* TS_TIME_H */
