/*
** test_ts_time.c — timestamps, widths and buckets (core/ts/ts_time.h, B1-B10).
**
** 1. Calendar (B9): every day of 0000-01-01 .. 9999-12-31 against a naive
**    day-by-day walk, both directions; a few known day numbers.
** 2. ISO parsing (B1): a table of accepted and refused forms with their
**    exact microseconds or reason; offsets, fractions (floored past the
**    sixth digit), leap days, the ends of the domain; then 20,000 random
**    times formatted (B3) and read back, checked against glibc's timegm()
**    (an independent reference, used only here) and a hand count.
** 3. Unix seconds (B2): integers at the ends of the domain; REALs rounded
**    exactly to the nearest microsecond, halves up (checked with exact fma
**    residuals on 200,000 random values, many next to a half microsecond,
**    and on exact halves such as 1/128 s = 7812.5 us).
** 4. Formatting (B3): whole seconds, milliseconds and microseconds; the
**    ends of the domain; ts_to_seconds.
** 5. Widths (B4, B5): a table of texts and numbers with their
**    microseconds, months or reason.
** 6. Fixed buckets (B6): against a naive stepping reference for random
**    times, widths and origins (negative times and times before the origin
**    included), and the defaults of B8 (midnight, Monday).
** 7. Calendar buckets (B7): against a naive month-by-month walk, and
**    ts_check_origin.
** 8. Nothing allocates (B10).
*/
#include <stdlib.h>
#include <time.h>

#include "om_test.h"
#include "ts_time.h"

/* ------------------------------------------------------------------ 1 */

static int is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
static int month_len(int64_t y, int m) {
  static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 ? 28 + is_leap(y) : dm[m - 1];
}

/* Days from 0000-01-01 to y-01-01 (y >= 0), counted by a different rule. */
static int64_t days_to_year(int64_t y) {
  if (y == 0) return 0;
  return 365 * y + (y + 3) / 4 - (y + 99) / 100 + (y + 399) / 400;
}

static int64_t ref_days(int64_t y, int m, int d) {
  int64_t z = days_to_year(y) - days_to_year(1970);
  int k;
  for (k = 1; k < m; k++) z += month_len(y, k);
  return z + d - 1;
}

static void check_calendar(void) {
  int64_t y = 0, z = ts_days_from_civil(0, 1, 1), bad = 0;
  int m = 1, d = 1;
  CHECK(ts_days_from_civil(1970, 1, 1) == 0);
  CHECK(ts_days_from_civil(2000, 1, 3) == 10959);
  CHECK(ts_days_from_civil(0, 1, 1) == -719528);
  CHECK(ts_days_from_civil(9999, 12, 31) == 2932896);
  CHECK(z == ref_days(0, 1, 1));
  while (y < 10000) {
    int64_t yy;
    int mm, dd;
    ts_civil_from_days(z, &yy, &mm, &dd);
    if (yy != y || mm != m || dd != d || ts_days_from_civil(y, m, d) != z) bad++;
    z++;
    if (++d > month_len(y, m)) {
      d = 1;
      if (++m > 12) {
        m = 1;
        y++;
      }
    }
  }
  CHECK_MSG(bad == 0, "%lld days disagree", (long long)bad);
  CHECK(z == ts_days_from_civil(10000, 1, 1));
  CHECK(ts_floor_div(-1, 3600) == -1);
  CHECK(ts_floor_div(-3600, 3600) == -1);
  CHECK(ts_floor_div(-3601, 3600) == -2);
  CHECK(ts_floor_div(3599, 3600) == 0);
  CHECK(ts_floor_div(0, 7) == 0);
}

/* ------------------------------------------------------------------ 2 */

typedef struct iso_case {
  const char *text;
  int64_t us;  /* when why == TS_OK */
  ts_why why;
} iso_case;

#define S(x) ((int64_t)(x) * 1000000)

static const iso_case iso_cases[] = {
    {"1970-01-01", 0, TS_OK},
    {"1970-01-01 00:00", 0, TS_OK},
    {"1970-01-01 00:00:00", 0, TS_OK},
    {"1970-01-01T00:00:01", S(1), TS_OK},
    {"1970-01-01 00:00:01.5", S(1) + 500000, TS_OK},
    {"1970-01-01 00:00:01.000001", S(1) + 1, TS_OK},
    {"1970-01-01 00:00:01.0000019", S(1) + 1, TS_OK}, /* floored */
    {"1969-12-31 23:59:59.9999999", -1, TS_OK},
    {"1969-12-31 23:59:59", S(-1), TS_OK},
    {"2024-02-29", S(1709164800), TS_OK},
    {"2024-05-17T13:45:10Z", S(1715953510), TS_OK},
    {"2024-05-17T13:45:10z", S(1715953510), TS_OK},
    {"2024-05-17 13:45:10 Z", S(1715953510), TS_OK},
    {"2024-05-17 13:45:10+02:00", S(1715953510 - 7200), TS_OK},
    {"2024-05-17 13:45:10 -05:30", S(1715953510 + 19800), TS_OK},
    {"2024-05-17 13:45+14:00", S(1715953500 - 50400), TS_OK},
    {"2024-05-17T13:45:10.123-00:00", S(1715953510) + 123000, TS_OK},
    {"2024-05-17   13:45:10  ", S(1715953510), TS_OK},
    {"2024-05-17\t13:45", S(1715953500), TS_OK},
    {"2024-05-17 ", S(1715904000), TS_OK},
    {"0000-01-01", S(-62167219200), TS_OK},
    {"0000-02-29", S(-62167219200 + 59 * 86400), TS_OK}, /* year 0 is a leap year */
    {"9999-12-31 23:59:59.999999", INT64_C(253402300799999999), TS_OK},
    {"9999-12-31 23:59:59.9999999", INT64_C(253402300799999999), TS_OK},
    {"2000-01-03", S(946857600), TS_OK},
    {"1900-03-01", S(-2203891200), TS_OK},
    {"0000-01-01 00:30+01:00", 0, TS_RANGE},
    {"9999-12-31 23:30-01:00", 0, TS_RANGE},
    {"0000-01-01 00:30-01:00", S(-62167219200 + 5400), TS_OK},
    {"2023-02-29", 0, TS_SYNTAX},
    {"1900-02-29", 0, TS_SYNTAX},
    {"2023-02-30", 0, TS_SYNTAX},
    {"2023-04-31", 0, TS_SYNTAX},
    {"2023-13-01", 0, TS_SYNTAX},
    {"2023-00-10", 0, TS_SYNTAX},
    {"2023-01-00", 0, TS_SYNTAX},
    {"2023-01-01 24:00", 0, TS_SYNTAX},
    {"2023-01-01 23:60", 0, TS_SYNTAX},
    {"2023-01-01 23:59:60", 0, TS_SYNTAX},
    {"2023-01-01 10:00+15:00", 0, TS_SYNTAX},
    {"2023-01-01 10:00+02:60", 0, TS_SYNTAX},
    {"2023-01-01 10:00+0200", 0, TS_SYNTAX},
    {"2023-01-01 10:00+02", 0, TS_SYNTAX},
    {"2023-01-01Z", 0, TS_SYNTAX},
    {"2023-01-01T", 0, TS_SYNTAX},
    {"2023-01-01TT10:00", 0, TS_SYNTAX},
    {"2023-01-01 T10:00", 0, TS_SYNTAX},
    {"2023-01-01 10", 0, TS_SYNTAX},
    {"2023-01-01 10:0", 0, TS_SYNTAX},
    {"2023-01-01 10:00:5", 0, TS_SYNTAX},
    {"2023-01-01 10:00:05.", 0, TS_SYNTAX},
    {"2023-01-01 10:00.5", 0, TS_SYNTAX},
    {"2023-01-01 10:00:00ZZ", 0, TS_SYNTAX},
    {"2023-1-01", 0, TS_SYNTAX},
    {"23-01-01", 0, TS_SYNTAX},
    {"-0001-01-01", 0, TS_SYNTAX},
    {"+2023-01-01", 0, TS_SYNTAX},
    {" 2023-01-01", 0, TS_SYNTAX},
    {"10:00:00", 0, TS_SYNTAX},
    {"now", 0, TS_SYNTAX},
    {"2460000.5", 0, TS_SYNTAX},
    {"1715953510", 0, TS_SYNTAX},
    {"", 0, TS_SYNTAX},
    {"2023/01/01", 0, TS_SYNTAX},
    {"12023-01-01", 0, TS_SYNTAX},
};

static void check_iso_table(void) {
  size_t k;
  for (k = 0; k < sizeof iso_cases / sizeof iso_cases[0]; k++) {
    const iso_case *c = &iso_cases[k];
    int64_t us = 42;
    ts_why why = TS_OK;
    om_err err;
    om_status st = ts_parse_iso(c->text, strlen(c->text), &us, &why, &err);
    if (c->why == TS_OK) {
      CHECK_MSG(st == OM_OK && us == c->us, "'%s': status %d, us %lld, want %lld", c->text, (int)st,
                (long long)us, (long long)c->us);
    } else {
      CHECK_MSG(st == OM_INVALID && why == c->why && us == 42, "'%s': status %d why %d, want why %d", c->text,
                (int)st, (int)why, (int)c->why);
    }
  }
  {
    /* n bounds the text: a NUL or anything after n is not read */
    const char with_nul[] = "2023-01-01\0 10:00";
    int64_t us;
    ts_why why;
    CHECK(ts_parse_iso(with_nul, sizeof with_nul - 1, &us, &why, NULL) == OM_INVALID && why == TS_SYNTAX);
    CHECK(ts_parse_iso("2023-01-01 10:00:00xyz", 19, &us, &why, NULL) == OM_OK && us == S(1672567200));
    CHECK(ts_parse_iso(NULL, 0, &us, &why, NULL) == OM_INVALID && why == TS_SYNTAX);
  }
}

static uint64_t rng_state = 12345;
static int64_t rand_range(int64_t lo, int64_t hi) { /* [lo, hi] */
  double u = om_test_unif(&rng_state);
  int64_t v = lo + (int64_t)(u * (double)(hi - lo + 1));
  return v > hi ? hi : v;
}

static void check_iso_random(void) {
  int k, bad_rt = 0, bad_ref = 0, bad_gm = 0, bad_off = 0;
  for (k = 0; k < 20000; k++) {
    int64_t us = rand_range(TS_MIN_US, TS_MAX_US), back = 0, y, sec;
    int m, d, len;
    ts_why why;
    char text[TS_TEXT_MAX], buf[64];
    struct tm tm;
    if (k % 3 == 0) us -= us % TS_US_PER_SEC; /* whole seconds */
    if (k % 3 == 1) us -= us % 1000;            /* whole milliseconds */
    if (us < TS_MIN_US) us += TS_US_PER_SEC;
    len = (int)ts_format(us, text);
    if (ts_parse_iso(text, (size_t)len, &back, &why, NULL) != OM_OK || back != us) bad_rt++;
    /* hand count */
    ts_civil_from_days(ts_floor_div(us, TS_US_PER_DAY), &y, &m, &d);
    sec = ts_floor_div(us, TS_US_PER_SEC);
    if (ref_days(y, m, d) * 86400 + ts_floor_div(us - ts_floor_div(us, TS_US_PER_DAY) * TS_US_PER_DAY, TS_US_PER_SEC) !=
        sec)
      bad_ref++;
    /* glibc */
    memset(&tm, 0, sizeof tm);
    tm.tm_year = (int)(y - 1900);
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    tm.tm_hour = text[11] * 10 + text[12] - 11 * '0';
    tm.tm_min = text[14] * 10 + text[15] - 11 * '0';
    tm.tm_sec = text[17] * 10 + text[18] - 11 * '0';
    if ((int64_t)timegm(&tm) != sec) bad_gm++;
    /* the same instant written with an offset and a 'T' */
    {
      int off = (int)rand_range(-14 * 60, 14 * 60), a = off < 0 ? -off : off;
      int64_t local = us + (int64_t)off * 60 * TS_US_PER_SEC;
      char lt[TS_TEXT_MAX];
      if (local < TS_MIN_US || local > TS_MAX_US) continue;
      ts_format(local, lt);
      lt[10] = 'T';
      snprintf(buf, sizeof buf, "%s%c%02d:%02d", lt, off < 0 ? '-' : '+', a / 60, a % 60);
      if (ts_parse_iso(buf, strlen(buf), &back, &why, NULL) != OM_OK || back != us) bad_off++;
    }
  }
  CHECK_MSG(bad_rt == 0, "%d format/parse round trips differ", bad_rt);
  CHECK_MSG(bad_ref == 0, "%d differ from the hand count", bad_ref);
  CHECK_MSG(bad_gm == 0, "%d differ from timegm", bad_gm);
  CHECK_MSG(bad_off == 0, "%d offset forms differ", bad_off);
}

/* ------------------------------------------------------------------ 3 */

/* us is x * 1e6 rounded half up: us - 1/2 <= x * 1e6 < us + 1/2, exactly
** (|us| < 2^52, so us +- 1/2 are doubles; an fma rounds once, keeping the sign). */
static int is_round_us(double x, int64_t us) {
  return fma(x, 1e6, -((double)us - 0.5)) >= 0 && fma(x, 1e6, -((double)us + 0.5)) < 0;
}

static void check_seconds(void) {
  static const double edge[] = {0.0, -0.0, 0.3, -0.3, 1e-300, -1e-300, 4.9e-324, -4.9e-324, 0.9999999999999999,
                                -0.9999999999999999, 1.000001, -1.000001, 0.000001, -0.000001, 0.0078125,
                                -0.0078125, 1715953510.25, -1715953510.75, 123456.0000005, -123456.0000005, 1e-7,
                                -1e-7, 3999999999.999999, 1715953510.123, 5e-7, -5e-7, 4.9999999999999998e-7};
  int64_t us;
  ts_why why;
  size_t k;
  int i, bad = 0;
  CHECK(ts_from_int(TS_MIN_SEC, &us, &why, NULL) == OM_OK && us == TS_MIN_US);
  CHECK(ts_from_int(TS_MAX_SEC, &us, &why, NULL) == OM_OK && us == TS_MAX_SEC * TS_US_PER_SEC);
  CHECK(ts_from_int(TS_MIN_SEC - 1, &us, &why, NULL) == OM_INVALID && why == TS_RANGE);
  CHECK(ts_from_int(TS_MAX_SEC + 1, &us, &why, NULL) == OM_INVALID && why == TS_RANGE);
  CHECK(ts_from_int(INT64_MIN, &us, &why, NULL) == OM_INVALID && why == TS_RANGE);
  CHECK(ts_from_int(INT64_C(1715953510000), &us, &why, NULL) == OM_INVALID && why == TS_RANGE); /* ms */
  CHECK(ts_from_seconds(INFINITY, &us, &why, NULL) == OM_INVALID && why == TS_NOT_FINITE);
  CHECK(ts_from_seconds(-INFINITY, &us, &why, NULL) == OM_INVALID && why == TS_NOT_FINITE);
  CHECK(ts_from_seconds(NAN, &us, &why, NULL) == OM_INVALID && why == TS_NOT_FINITE);
  CHECK(ts_from_seconds((double)TS_MIN_SEC, &us, &why, NULL) == OM_OK && us == TS_MIN_US);
  CHECK(ts_from_seconds(nextafter((double)TS_MIN_SEC, -1e300), &us, &why, NULL) == OM_INVALID && why == TS_RANGE);
  CHECK(ts_from_seconds((double)(TS_MAX_SEC + 1), &us, &why, NULL) == OM_INVALID && why == TS_RANGE);
  CHECK(ts_from_seconds(nextafter((double)(TS_MAX_SEC + 1), 0), &us, &why, NULL) == OM_OK && us <= TS_MAX_US &&
        us > TS_MAX_US - 1000);
  CHECK(ts_from_seconds(-0.3, &us, &why, NULL) == OM_OK && us == -300000); /* -0.29999999999999998 */
  CHECK(ts_from_seconds(-1e-300, &us, &why, NULL) == OM_OK && us == 0);
  CHECK(ts_from_seconds(1e-300, &us, &why, NULL) == OM_OK && us == 0);
  CHECK(ts_from_seconds(-1715953510.75, &us, &why, NULL) == OM_OK && us == -1715953510750000);
  CHECK(ts_from_seconds(0.000001, &us, &why, NULL) == OM_OK && us == 1); /* the double is just below 1e-6 */
  CHECK(ts_from_seconds(0.3, &us, &why, NULL) == OM_OK && us == 300000);
  CHECK(ts_from_seconds(1715953510.123, &us, &why, NULL) == OM_OK && us == INT64_C(1715953510123000));
  CHECK(ts_from_seconds(-1715953510.123, &us, &why, NULL) == OM_OK && us == -INT64_C(1715953510123000));
  CHECK(ts_from_seconds(0.0078125, &us, &why, NULL) == OM_OK && us == 7813);   /* 7812.5 exactly: half up */
  CHECK(ts_from_seconds(-0.0078125, &us, &why, NULL) == OM_OK && us == -7812); /* -7812.5: half up */
  CHECK(ts_from_seconds(nextafter(0.0078125, 0), &us, &why, NULL) == OM_OK && us == 7812);
  CHECK(ts_from_seconds(253402300799.9999995, &us, &why, NULL) == OM_INVALID && why == TS_RANGE); /* rounds up */
  CHECK(ts_from_seconds(-62167219200.0000004, &us, &why, NULL) == OM_OK && us == TS_MIN_US);
  for (k = 0; k < sizeof edge / sizeof edge[0]; k++) {
    CHECK_MSG(ts_from_seconds(edge[k], &us, &why, NULL) == OM_OK && is_round_us(edge[k], us), "x = %.17g: us %lld",
              edge[k], (long long)us);
  }
  for (i = 0; i < 200000; i++) {
    double x;
    if (i % 4 == 0) x = (om_test_unif(&rng_state) - 0.5) * 8e9;
    else if (i % 4 == 1) x = (om_test_unif(&rng_state) - 0.5) * 2.0;
    else if (i % 4 == 2) /* near a half */
      x = (double)rand_range(-4000000000, 4000000000) / 1e6 + (i % 8 < 4 ? 5e-7 : -5e-7);
    else x = nextafter((double)rand_range(-4000000000, 4000000000) / 1e6 + 5e-7, i % 8 < 4 ? -1e300 : 1e300);
    if (ts_from_seconds(x, &us, &why, NULL) != OM_OK || !is_round_us(x, us)) bad++;
  }
  CHECK_MSG(bad == 0, "%d REAL seconds not rounded exactly", bad);
}

/* ------------------------------------------------------------------ 4 */

static void check_format(void) {
  char out[TS_TEXT_MAX];
  CHECK(ts_format(0, out) == 19);
  CHECK_STR(out, "1970-01-01 00:00:00");
  CHECK(ts_format(-1, out) == 26);
  CHECK_STR(out, "1969-12-31 23:59:59.999999");
  CHECK(ts_format(S(1715953510) + 250000, out) == 23);
  CHECK_STR(out, "2024-05-17 13:45:10.250");
  CHECK(ts_format(S(1715953510) + 250001, out) == 26);
  CHECK_STR(out, "2024-05-17 13:45:10.250001");
  CHECK(ts_format(S(1715953510) + 1000, out) == 23);
  CHECK_STR(out, "2024-05-17 13:45:10.001");
  ts_format(TS_MIN_US, out);
  CHECK_STR(out, "0000-01-01 00:00:00");
  ts_format(TS_MAX_US, out);
  CHECK_STR(out, "9999-12-31 23:59:59.999999");
  ts_format(S(951782400), out);
  CHECK_STR(out, "2000-02-29 00:00:00");
  ts_format(S(-2208988800), out);
  CHECK_STR(out, "1900-01-01 00:00:00");
  CHECK(ts_to_seconds(S(1715953510)) == 1715953510.0);
  CHECK(ts_to_seconds(S(1715953510) + 500000) == 1715953510.5);
  CHECK(ts_to_seconds(-500000) == -0.5);
  CHECK(ts_to_seconds(-1) == -0.000001);
  CHECK(ts_to_seconds(TS_MIN_US) == -62167219200.0);
  CHECK(ts_to_seconds(-999999) == -0.999999);
  CHECK(ts_to_seconds(S(-1715953510) - 750000) == -1715953510.75);
  CHECK(ts_to_seconds(TS_MAX_US) == 253402300799.999999);
  CHECK(ts_to_seconds(TS_MIN_US + 1) == -62167219199.999999);
  {
    int i, bad = 0; /* correctly rounded below 2^53 us: the nearest double to us / 1e6 */
    for (i = 0; i < 100000; i++) {
      int64_t us = rand_range(-INT64_C(9007199254740991), INT64_C(9007199254740991));
      double x = ts_to_seconds(us), lo = nextafter(x, -1e300), hi = nextafter(x, 1e300);
      /* |x * 1e6 - us| <= |y * 1e6 - us| for the neighbours y, exactly by fma */
      double e = fabs(fma(x, 1e6, -(double)us)), elo = fabs(fma(lo, 1e6, -(double)us));
      double ehi = fabs(fma(hi, 1e6, -(double)us));
      if (e > elo || e > ehi) bad++;
    }
    CHECK_MSG(bad == 0, "%d ts_to_seconds results not the nearest double", bad);
  }
}

/* ------------------------------------------------------------------ 5 */

typedef struct width_case {
  const char *text;
  int64_t us;
  int32_t months;
  ts_why why;
} width_case;

static const width_case width_cases[] = {
    {"1 second", S(1), 0, TS_OK},
    {"1 seconds", S(1), 0, TS_OK},
    {"30 s", S(30), 0, TS_OK},
    {"30s", S(30), 0, TS_OK},
    {"  30   SEC  ", S(30), 0, TS_OK},
    {"2 secs", S(2), 0, TS_OK},
    {"15 minutes", S(900), 0, TS_OK},
    {"15 Minute", S(900), 0, TS_OK},
    {"15 min", S(900), 0, TS_OK},
    {"15mins", S(900), 0, TS_OK},
    {"1 hour", S(3600), 0, TS_OK},
    {"1 HOURS", S(3600), 0, TS_OK},
    {"1h", S(3600), 0, TS_OK},
    {"2 hr", S(7200), 0, TS_OK},
    {"2 hrs", S(7200), 0, TS_OK},
    {"1.5 hours", S(5400), 0, TS_OK},
    {"1.50 h", S(5400), 0, TS_OK},
    {"+1 day", S(86400), 0, TS_OK},
    {"1 d", S(86400), 0, TS_OK},
    {"7 days", S(604800), 0, TS_OK},
    {"1 week", S(604800), 0, TS_OK},
    {"2 w", S(1209600), 0, TS_OK},
    {"1 wk", S(604800), 0, TS_OK},
    {"3 wks", S(1814400), 0, TS_OK},
    {"250 ms", 250000, 0, TS_OK},
    {"1 millisecond", 1000, 0, TS_OK},
    {"0.5 msec", 500, 0, TS_OK},
    {"1 us", 1, 0, TS_OK},
    {"3 microseconds", 3, 0, TS_OK},
    {"0.000001 s", 1, 0, TS_OK},
    {"0.0000015 s", 0, 0, TS_TOO_FINE},
    {"0.0000001 seconds", 0, 0, TS_TOO_FINE},
    {"0.5 us", 0, 0, TS_TOO_FINE},
    {"0.0009765625 weeks", 590625000, 0, TS_OK},
    {"0.0000000000000000000001 h", 0, 0, TS_TOO_FINE},
    {"1.000000000000000000000000 h", S(3600), 0, TS_OK},
    {"1 month", 0, 1, TS_OK},
    {"3 months", 0, 3, TS_OK},
    {"1 mon", 0, 1, TS_OK},
    {"6 mons", 0, 6, TS_OK},
    {"1 year", 0, 12, TS_OK},
    {"2 years", 0, 24, TS_OK},
    {"1y", 0, 12, TS_OK},
    {"1 yr", 0, 12, TS_OK},
    {"1.0 month", 0, 1, TS_OK},
    {"1.5 months", 0, 0, TS_WHOLE},
    {"10000 years", 0, 120000, TS_OK},
    {"10001 years", 0, 0, TS_TOO_WIDE},
    {"120000 months", 0, 120000, TS_OK},
    {"120001 months", 0, 0, TS_TOO_WIDE},
    {"3652425 days", INT64_C(3652425) * 86400000000, 0, TS_OK},
    {"3652425.5 days", 0, 0, TS_TOO_WIDE},
    {"3652426 days", 0, 0, TS_TOO_WIDE},
    {"99999999999999999999999 s", 0, 0, TS_TOO_WIDE},
    {"0 hours", 0, 0, TS_NOT_POSITIVE},
    {"0.000 hours", 0, 0, TS_NOT_POSITIVE},
    {"-1 hour", 0, 0, TS_NOT_POSITIVE},
    {"-0.5 months", 0, 0, TS_NOT_POSITIVE},
    {"1 m", 0, 0, TS_UNIT},
    {"1 fortnight", 0, 0, TS_UNIT},
    {"1 hourss", 0, 0, TS_UNIT},
    {"1 µs", 0, 0, TS_SYNTAX},
    {"hour", 0, 0, TS_SYNTAX},
    {"1", 0, 0, TS_SYNTAX},
    {"3600", 0, 0, TS_SYNTAX},
    {"1. hour", 0, 0, TS_SYNTAX},
    {".5 hour", 0, 0, TS_SYNTAX},
    {"1e3 s", 0, 0, TS_SYNTAX},
    {"1 hour 30 minutes", 0, 0, TS_SYNTAX},
    {"1,5 hours", 0, 0, TS_SYNTAX},
    {"", 0, 0, TS_SYNTAX},
    {"   ", 0, 0, TS_SYNTAX},
};

static void check_widths(void) {
  size_t k;
  ts_width w;
  ts_why why;
  for (k = 0; k < sizeof width_cases / sizeof width_cases[0]; k++) {
    const width_case *c = &width_cases[k];
    om_status st = ts_parse_width(c->text, strlen(c->text), &w, &why, NULL);
    if (c->why == TS_OK)
      CHECK_MSG(st == OM_OK && w.us == c->us && w.months == c->months, "'%s': status %d why %d us %lld months %d",
                c->text, (int)st, (int)why, (long long)w.us, (int)w.months);
    else
      CHECK_MSG(st == OM_INVALID && why == c->why, "'%s': status %d why %d, want why %d", c->text, (int)st,
                (int)why, (int)c->why);
  }
  CHECK(ts_width_from_int(3600, &w, &why, NULL) == OM_OK && w.us == S(3600) && w.months == 0);
  CHECK(ts_width_from_int(0, &w, &why, NULL) == OM_INVALID && why == TS_NOT_POSITIVE);
  CHECK(ts_width_from_int(-60, &w, &why, NULL) == OM_INVALID && why == TS_NOT_POSITIVE);
  CHECK(ts_width_from_int(INT64_C(315569520000), &w, &why, NULL) == OM_OK);
  CHECK(ts_width_from_int(INT64_C(315569520001), &w, &why, NULL) == OM_INVALID && why == TS_TOO_WIDE);
  CHECK(ts_width_from_int(INT64_MAX, &w, &why, NULL) == OM_INVALID && why == TS_TOO_WIDE);
  CHECK(ts_width_from_seconds(0.1, &w, &why, NULL) == OM_OK && w.us == 100000);
  CHECK(ts_width_from_seconds(0.5, &w, &why, NULL) == OM_OK && w.us == 500000);
  CHECK(ts_width_from_seconds(1e-6, &w, &why, NULL) == OM_OK && w.us == 1);
  CHECK(ts_width_from_seconds(0.4e-6, &w, &why, NULL) == OM_INVALID && why == TS_TOO_FINE);
  CHECK(ts_width_from_seconds(3600.0, &w, &why, NULL) == OM_OK && w.us == S(3600));
  CHECK(ts_width_from_seconds(0.0, &w, &why, NULL) == OM_INVALID && why == TS_NOT_POSITIVE);
  CHECK(ts_width_from_seconds(-1.5, &w, &why, NULL) == OM_INVALID && why == TS_NOT_POSITIVE);
  CHECK(ts_width_from_seconds(INFINITY, &w, &why, NULL) == OM_INVALID && why == TS_NOT_FINITE);
  CHECK(ts_width_from_seconds(NAN, &w, &why, NULL) == OM_INVALID && why == TS_NOT_FINITE);
  CHECK(ts_width_from_seconds(1e12, &w, &why, NULL) == OM_INVALID && why == TS_TOO_WIDE);
}

/* ------------------------------------------------------------------ 6 */

static int64_t ref_bucket(int64_t t, int64_t w, int64_t origin) {
  int64_t s = origin;
  while (s > t) s -= w;
  while (s + w <= t) s += w;
  return s;
}

static void check_fixed_buckets(void) {
  static const int64_t widths[] = {1, 7, 1000, 250000, S(1), S(7), S(60), S(900), S(3600), S(5400), S(86400),
                                   S(604800)};
  ts_width w = {0, 0};
  int i, bad = 0, bad_prop = 0;
  char out[TS_TEXT_MAX];
  int64_t t, day_start;
  for (i = 0; i < 100000; i++) {
    int64_t origin = rand_range(TS_MIN_US, TS_MAX_US), t0, got, want;
    w.us = widths[i % (int)(sizeof widths / sizeof widths[0])];
    t0 = origin + rand_range(-200, 200) * w.us + rand_range(-w.us, w.us);
    if (t0 < TS_MIN_US || t0 > TS_MAX_US) continue;
    got = ts_bucket(t0, &w, origin);
    want = ref_bucket(t0, w.us, origin);
    if (got != want) bad++;
  }
  CHECK_MSG(bad == 0, "%d fixed buckets differ from stepping", bad);
  for (i = 0; i < 100000; i++) { /* far from the origin: the defining properties */
    int64_t origin = rand_range(TS_MIN_US, TS_MAX_US), got;
    t = rand_range(TS_MIN_US, TS_MAX_US);
    w.us = rand_range(1, TS_MAX_WIDTH_US);
    if (i % 2) w.us = rand_range(1, S(1000000));
    got = ts_bucket(t, &w, origin);
    if (!(got <= t && t < got + w.us && (got - origin) % w.us == 0)) bad_prop++;
  }
  CHECK_MSG(bad_prop == 0, "%d buckets without start <= t < start + w on the origin's grid", bad_prop);
  /* floor, not truncation, before the origin and before 1970 */
  w.us = S(3600);
  CHECK(ts_bucket(S(-1), &w, 0) == S(-3600));
  CHECK(ts_bucket(S(-3600), &w, 0) == S(-3600));
  CHECK(ts_bucket(S(-3601), &w, 0) == S(-7200));
  CHECK(ts_bucket(S(3599), &w, 0) == 0);
  CHECK(ts_bucket(S(3600), &w, 0) == S(3600));
  CHECK(ts_bucket(-1, &w, 0) == S(-3600));
  /* B8 defaults: midnight UTC, Monday weeks; origin 2000-01-03 */
  w.us = S(86400);
  CHECK(ts_default_origin(&w) == TS_ORIGIN_DEFAULT_US);
  ts_parse_iso("2024-05-17 13:45:10", 19, &t, &(ts_why){TS_OK}, NULL);
  day_start = ts_bucket(t, &w, ts_default_origin(&w));
  ts_format(day_start, out);
  CHECK_STR(out, "2024-05-17 00:00:00");
  w.us = S(604800);
  ts_format(ts_bucket(t, &w, ts_default_origin(&w)), out);
  CHECK_STR(out, "2024-05-13 00:00:00"); /* a Monday */
  CHECK(ts_bucket(TS_MIN_US, &w, ts_default_origin(&w)) < TS_MIN_US); /* 0000-01-01 is a Saturday */
  CHECK(ts_bucket(TS_MIN_US, &w, ts_default_origin(&w)) == TS_MIN_US - 5 * TS_US_PER_DAY);
  w.us = TS_MAX_WIDTH_US;
  CHECK(ts_bucket(TS_MAX_US, &w, TS_MIN_US) == TS_MIN_US);
  CHECK(ts_bucket(TS_MIN_US, &w, TS_MAX_US) == TS_MAX_US - TS_MAX_WIDTH_US); /* the domain is 1 us shorter than w */
}

/* ------------------------------------------------------------------ 7 */

/* The bucket start by walking whole buckets of `months` from the origin's
** month (month index = year * 12 + month - 1); INT64_MIN if the walk goes
** before year 0 (the hand count starts there). */
static int64_t ref_month_start(int64_t idx) { return ref_days(idx / 12, (int)(idx % 12) + 1, 1) * TS_US_PER_DAY; }

static int64_t ref_month_bucket(int64_t t, int months, int64_t oy, int om) {
  int64_t idx = oy * 12 + (om - 1);
  while (idx >= 0 && ref_month_start(idx) > t) idx -= months;
  if (idx < 0) return INT64_MIN;
  while (ref_month_start(idx + months) <= t) idx += months;
  return ref_month_start(idx);
}

static void check_calendar_buckets(void) {
  static const int counts[] = {1, 2, 3, 4, 5, 6, 7, 12, 13, 24, 36, 120};
  ts_width w = {0, 0};
  ts_why why;
  int i, bad = 0, n = 0;
  int64_t t;
  char out[TS_TEXT_MAX];
  for (i = 0; i < 20000; i++) {
    int64_t oy = rand_range(0, 9999), origin, got, want;
    int om = (int)rand_range(1, 12);
    w.months = counts[i % (int)(sizeof counts / sizeof counts[0])];
    origin = ts_days_from_civil(oy, om, 1) * TS_US_PER_DAY;
    t = origin + rand_range(-40, 40) * 31 * TS_US_PER_DAY * w.months + rand_range(0, TS_US_PER_DAY);
    if (t < TS_MIN_US || t > TS_MAX_US) continue;
    if (ts_check_origin(&w, origin, &why, NULL) != OM_OK) bad++;
    got = ts_bucket(t, &w, origin);
    want = ref_month_bucket(t, w.months, oy, om);
    if (want == INT64_MIN) continue;
    if (got != want) bad++;
    n++;
  }
  CHECK_MSG(bad == 0, "%d calendar buckets differ from the month walk", bad);
  CHECK_MSG(n > 15000, "only %d calendar cases compared", n);
  w.months = 1;
  CHECK(ts_default_origin(&w) == TS_ORIGIN_MONTHS_US);
  ts_parse_iso("2024-02-29 23:59:59.999999", 26, &t, &why, NULL);
  ts_format(ts_bucket(t, &w, TS_ORIGIN_MONTHS_US), out);
  CHECK_STR(out, "2024-02-01 00:00:00");
  w.months = 3;
  ts_parse_iso("2024-08-31 10:00", 16, &t, &why, NULL);
  ts_format(ts_bucket(t, &w, TS_ORIGIN_MONTHS_US), out);
  CHECK_STR(out, "2024-07-01 00:00:00");
  ts_format(ts_bucket(t, &w, ts_days_from_civil(2000, 2, 1) * TS_US_PER_DAY), out);
  CHECK_STR(out, "2024-08-01 00:00:00"); /* quarters from February */
  w.months = 12;
  ts_format(ts_bucket(t, &w, TS_ORIGIN_MONTHS_US), out);
  CHECK_STR(out, "2024-01-01 00:00:00");
  ts_parse_iso("1969-12-31 23:59:59", 19, &t, &why, NULL);
  ts_format(ts_bucket(t, &w, TS_ORIGIN_MONTHS_US), out);
  CHECK_STR(out, "1969-01-01 00:00:00");
  CHECK(ts_bucket(TS_MIN_US, &w, TS_ORIGIN_MONTHS_US) == TS_MIN_US);
  w.months = 120; /* decades from 2000: year 0 starts one */
  CHECK(ts_bucket(TS_MIN_US + 5, &w, TS_ORIGIN_MONTHS_US) == TS_MIN_US);
  w.months = 7 * 12; /* 84-month buckets from 2000 reach back before year 0 */
  CHECK(ts_bucket(TS_MIN_US, &w, TS_ORIGIN_MONTHS_US) < TS_MIN_US);
  /* origins */
  w.months = 1;
  CHECK(ts_check_origin(&w, TS_ORIGIN_MONTHS_US, &why, NULL) == OM_OK);
  CHECK(ts_check_origin(&w, TS_ORIGIN_DEFAULT_US, &why, NULL) == OM_INVALID && why == TS_ORIGIN);
  CHECK(ts_check_origin(&w, TS_ORIGIN_MONTHS_US + 1, &why, NULL) == OM_INVALID && why == TS_ORIGIN);
  CHECK(ts_check_origin(&w, TS_MIN_US, &why, NULL) == OM_OK);
  w.months = 0;
  w.us = S(60);
  CHECK(ts_check_origin(&w, TS_ORIGIN_MONTHS_US + 1, &why, NULL) == OM_OK);
}

int main(void) {
  om_test_alloc_reset();
  check_calendar();
  check_iso_table();
  check_iso_random();
  check_seconds();
  check_format();
  check_widths();
  check_fixed_buckets();
  check_calendar_buckets();
  CHECK_MSG(om_test_alloc_count == 0, "%ld allocations", om_test_alloc_count); /* B10 */
  return om_test_finish();
}
