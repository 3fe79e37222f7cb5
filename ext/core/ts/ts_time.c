/*
** ts_time.c — ISO-8601 timestamps, bucket widths and bucket arithmetic in
** exact int64 microseconds.  The spec (numbered behaviours, domain, edge
** cases) is the header comment of ts_time.h.
*/
#include "ts_time.h"

#include <math.h>
#include <string.h>

/* ------------------------------------------------------------ calendar */

int64_t ts_floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
  return q;
}

/* Howard Hinnant, "chrono-Compatible Low-Level Date Algorithms". */
int64_t ts_days_from_civil(int64_t y, int m, int d) {
  int64_t era, yoe, doy, doe;
  y -= m <= 2;
  era = ts_floor_div(y, 400);
  yoe = y - era * 400;                                   /* [0, 399] */
  doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1; /* [0, 365] */
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */
  return era * 146097 + doe - 719468;
}

void ts_civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
  int64_t era, doe, yoe, doy, mp;
  z += 719468;
  era = ts_floor_div(z, 146097);
  doe = z - era * 146097;
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

static int ts_days_in_month(int64_t y, int m) {
  static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 ? 28 + leap : dm[m - 1];
}

static om_status ts_fail(ts_why *why, ts_why w, om_err *err, const char *msg) {
  *why = w;
  return om_errf(err, OM_INVALID, "%s", msg);
}

/* ------------------------------------------------------------ parsing */

static int ts_isdigit(char c) { return c >= '0' && c <= '9'; }
static int ts_isspace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

/* Exactly `count` digits at s[*i] -> *out; 0 if they are not there. */
static int ts_digits(const char *s, size_t n, size_t *i, int count, int *out) {
  int v = 0, k;
  if (n - *i < (size_t)count) return 0;
  for (k = 0; k < count; k++) {
    char c = s[*i + (size_t)k];
    if (!ts_isdigit(c)) return 0;
    v = v * 10 + (c - '0');
  }
  *i += (size_t)count;
  *out = v;
  return 1;
}

static int ts_char(const char *s, size_t n, size_t *i, char c) {
  if (*i < n && s[*i] == c) {
    (*i)++;
    return 1;
  }
  return 0;
}

static void ts_skip_space(const char *s, size_t n, size_t *i) {
  while (*i < n && ts_isspace(s[*i])) (*i)++;
}

om_status ts_parse_iso(const char *s, size_t n, int64_t *us, ts_why *why, om_err *err) {
  static const char *bad = "not a time in the form YYYY-MM-DD[ HH:MM[:SS[.SSS]]][Z|+HH:MM|-HH:MM]";
  size_t i = 0;
  int Y, M, D, h = 0, mi = 0, sec = 0, frac = 0, tz = 0;
  int64_t t;
  *why = TS_OK;
  if (!s) return ts_fail(why, TS_SYNTAX, err, bad);
  if (!ts_digits(s, n, &i, 4, &Y) || !ts_char(s, n, &i, '-') || !ts_digits(s, n, &i, 2, &M) ||
      !ts_char(s, n, &i, '-') || !ts_digits(s, n, &i, 2, &D))
    return ts_fail(why, TS_SYNTAX, err, bad);
  if (M < 1 || M > 12 || D < 1 || D > ts_days_in_month(Y, M)) return ts_fail(why, TS_SYNTAX, err, bad);
  if (i < n) {
    if (s[i] == 'T') {
      i++;
    } else if (ts_isspace(s[i])) {
      ts_skip_space(s, n, &i);
    } else {
      return ts_fail(why, TS_SYNTAX, err, bad);
    }
    if (i < n || s[i - 1] == 'T') { /* a time must follow a 'T' */
      if (!ts_digits(s, n, &i, 2, &h) || !ts_char(s, n, &i, ':') || !ts_digits(s, n, &i, 2, &mi))
        return ts_fail(why, TS_SYNTAX, err, bad);
      if (ts_char(s, n, &i, ':')) {
        if (!ts_digits(s, n, &i, 2, &sec)) return ts_fail(why, TS_SYNTAX, err, bad);
        if (i + 1 < n && s[i] == '.' && ts_isdigit(s[i + 1])) {
          int k = 0;
          i++;
          while (i < n && ts_isdigit(s[i])) {
            if (k < 6) {
              frac = frac * 10 + (s[i] - '0');
              k++;
            }
            i++;
          }
          for (; k < 6; k++) frac *= 10;
        }
      }
      if (h > 23 || mi > 59 || sec > 59) return ts_fail(why, TS_SYNTAX, err, bad);
      ts_skip_space(s, n, &i);
      if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
      } else if (i < n && (s[i] == '+' || s[i] == '-')) {
        int sign = s[i] == '-' ? -1 : 1, th, tm;
        i++;
        if (!ts_digits(s, n, &i, 2, &th) || !ts_char(s, n, &i, ':') || !ts_digits(s, n, &i, 2, &tm) ||
            th > 14 || tm > 59)
          return ts_fail(why, TS_SYNTAX, err, bad);
        tz = sign * (th * 60 + tm);
      }
      ts_skip_space(s, n, &i);
      if (i != n) return ts_fail(why, TS_SYNTAX, err, bad);
    }
  }
  t = ts_days_from_civil(Y, M, D) * TS_US_PER_DAY +
      ((int64_t)h * 3600 + (int64_t)mi * 60 + sec - (int64_t)tz * 60) * TS_US_PER_SEC + frac;
  if (t < TS_MIN_US || t > TS_MAX_US)
    return ts_fail(why, TS_RANGE, err, "the time in UTC is outside the years 0000 to 9999");
  *us = t;
  return OM_OK;
}

om_status ts_from_int(int64_t sec, int64_t *us, ts_why *why, om_err *err) {
  *why = TS_OK;
  if (sec < TS_MIN_SEC || sec > TS_MAX_SEC)
    return ts_fail(why, TS_RANGE, err, "unix seconds outside the years 0000 to 9999");
  *us = sec * TS_US_PER_SEC;
  return OM_OK;
}

om_status ts_from_seconds(double sec, int64_t *us, ts_why *why, om_err *err) {
  double ip, frac, hi, lo, c;
  int64_t t;
  *why = TS_OK;
  if (!isfinite(sec)) return ts_fail(why, TS_NOT_FINITE, err, "not a finite number");
  if (!(sec >= (double)TS_MIN_SEC - 1.0 && sec < (double)TS_MAX_SEC + 2.0))
    return ts_fail(why, TS_RANGE, err, "unix seconds outside the years 0000 to 9999");
  frac = modf(sec, &ip);   /* exact: sec = ip + frac, |frac| < 1 */
  hi = frac * 1e6;         /* frac * 1e6 = hi + lo exactly */
  lo = fma(frac, 1e6, -hi);
  c = floor(hi);
  /* round half up: frac * 1e6 - c = (hi - c) + lo is >= 1/2 iff
  ** (hi - c) - 1/2 >= -lo; the subtraction is exact whenever it matters
  ** (hi - c >= 1/4, Sterbenz), and the comparison is exact */
  if ((hi - c) - 0.5 >= -lo) c += 1.0;
  t = (int64_t)ip * TS_US_PER_SEC + (int64_t)c;
  if (t < TS_MIN_US || t > TS_MAX_US) return ts_fail(why, TS_RANGE, err, "unix seconds outside the years 0000 to 9999");
  *us = t;
  return OM_OK;
}

/* ------------------------------------------------------------ output */

static void ts_put(char *out, int64_t v, int width) {
  int k;
  for (k = width - 1; k >= 0; k--) {
    out[k] = (char)('0' + v % 10);
    v /= 10;
  }
}

size_t ts_format(int64_t us, char out[TS_TEXT_MAX]) {
  int64_t days = ts_floor_div(us, TS_US_PER_DAY), rem = us - days * TS_US_PER_DAY, y;
  int64_t secs = rem / TS_US_PER_SEC, frac = rem % TS_US_PER_SEC;
  int m, d;
  size_t len = 19;
  ts_civil_from_days(days, &y, &m, &d);
  if (y < 0) y = 0; /* outside the domain: callers never ask (B3) */
  ts_put(out, y % 10000, 4);
  out[4] = '-';
  ts_put(out + 5, m, 2);
  out[7] = '-';
  ts_put(out + 8, d, 2);
  out[10] = ' ';
  ts_put(out + 11, secs / 3600, 2);
  out[13] = ':';
  ts_put(out + 14, secs / 60 % 60, 2);
  out[16] = ':';
  ts_put(out + 17, secs % 60, 2);
  if (frac) {
    out[19] = '.';
    if (frac % 1000 == 0) {
      ts_put(out + 20, frac / 1000, 3);
      len = 23;
    } else {
      ts_put(out + 20, frac, 6);
      len = 26;
    }
  }
  out[len] = 0;
  return len;
}

double ts_to_seconds(int64_t us) {
  int64_t sec = us / TS_US_PER_SEC, frac = us % TS_US_PER_SEC; /* same signs: nothing cancels */
  if (us > -(INT64_C(1) << 53) && us < (INT64_C(1) << 53)) return (double)us / 1e6; /* one rounding */
  return (double)sec + (double)frac / 1e6;
}

/* ------------------------------------------------------------ widths */

typedef struct ts_unit {
  const char *name;
  int64_t us;     /* fixed: microseconds */
  int32_t months; /* calendar: months */
} ts_unit;

static const ts_unit ts_units[] = {
    {"us", 1, 0},             {"usec", 1, 0},             {"usecs", 1, 0},
    {"microsecond", 1, 0},    {"microseconds", 1, 0},
    {"ms", 1000, 0},          {"msec", 1000, 0},          {"msecs", 1000, 0},
    {"millisecond", 1000, 0}, {"milliseconds", 1000, 0},  {"s", 1000000, 0},
    {"sec", 1000000, 0},      {"secs", 1000000, 0},       {"second", 1000000, 0},
    {"seconds", 1000000, 0},  {"min", 60000000, 0},       {"mins", 60000000, 0},
    {"minute", 60000000, 0},  {"minutes", 60000000, 0},   {"h", 3600000000, 0},
    {"hr", 3600000000, 0},    {"hrs", 3600000000, 0},     {"hour", 3600000000, 0},
    {"hours", 3600000000, 0}, {"d", 86400000000, 0},      {"day", 86400000000, 0},
    {"days", 86400000000, 0}, {"w", 604800000000, 0},     {"wk", 604800000000, 0},
    {"wks", 604800000000, 0}, {"week", 604800000000, 0},  {"weeks", 604800000000, 0},
    {"mon", 0, 1},            {"mons", 0, 1},             {"month", 0, 1},
    {"months", 0, 1},         {"y", 0, 12},               {"yr", 0, 12},
    {"yrs", 0, 12},           {"year", 0, 12},            {"years", 0, 12},
};

static const ts_unit *ts_find_unit(const char *s, size_t n) {
  char low[16];
  size_t k, u;
  if (n == 0 || n >= sizeof low) return NULL;
  for (k = 0; k < n; k++) low[k] = (char)(s[k] >= 'A' && s[k] <= 'Z' ? s[k] - 'A' + 'a' : s[k]);
  low[n] = 0;
  for (u = 0; u < sizeof ts_units / sizeof ts_units[0]; u++)
    if (strcmp(low, ts_units[u].name) == 0) return &ts_units[u];
  return NULL;
}

static int64_t ts_gcd(int64_t a, int64_t b) {
  while (b) {
    int64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

om_status ts_parse_width(const char *s, size_t n, ts_width *w, ts_why *why, om_err *err) {
  static const char *bad = "not a width in the form '<n> <unit>'";
  size_t i = 0, int_start, frac_start = 0, frac_len = 0, unit_start, k;
  int neg = 0, zero;
  int64_t ip = 0, fp = 0, p10 = 1;
  const ts_unit *unit;
  *why = TS_OK;
  w->us = 0;
  w->months = 0;
  if (!s) return ts_fail(why, TS_SYNTAX, err, bad);
  ts_skip_space(s, n, &i);
  if (i < n && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
  int_start = i;
  while (i < n && ts_isdigit(s[i])) {
    if (ip < INT64_C(100000000000000000)) ip = ip * 10 + (s[i] - '0'); /* saturates near 1e18 */
    i++;
  }
  if (i == int_start) return ts_fail(why, TS_SYNTAX, err, bad);
  if (i < n && s[i] == '.') {
    i++;
    frac_start = i;
    while (i < n && ts_isdigit(s[i])) i++;
    frac_len = i - frac_start;
    if (frac_len == 0) return ts_fail(why, TS_SYNTAX, err, bad);
    while (frac_len > 0 && s[frac_start + frac_len - 1] == '0') frac_len--; /* trailing zeros */
  }
  ts_skip_space(s, n, &i);
  unit_start = i;
  while (i < n && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))) i++;
  if (i == unit_start) return ts_fail(why, TS_SYNTAX, err, bad);
  unit = ts_find_unit(s + unit_start, i - unit_start);
  ts_skip_space(s, n, &i);
  if (i != n) return ts_fail(why, TS_SYNTAX, err, bad);
  if (!unit) return ts_fail(why, TS_UNIT, err, "unknown unit");
  zero = ip == 0 && frac_len == 0;
  if (neg || zero) return ts_fail(why, TS_NOT_POSITIVE, err, "the width is not positive");
  if (unit->months) {
    if (frac_len) return ts_fail(why, TS_WHOLE, err, "a count of months or years must be whole");
    if (ip > TS_MAX_WIDTH_MONTHS / unit->months)
      return ts_fail(why, TS_TOO_WIDE, err, "the width is more than 10,000 years");
    w->months = (int32_t)(ip * unit->months);
    return OM_OK;
  }
  if (ip > TS_MAX_WIDTH_US / unit->us) return ts_fail(why, TS_TOO_WIDE, err, "the width is more than 10,000 years");
  w->us = ip * unit->us;
  if (frac_len) {
    int64_t g, d;
    /* A fraction of more than 13 significant digits is never a whole number
    ** of microseconds of any unit (the units hold at most 2^13 * 5^8). */
    if (frac_len > 18) return ts_fail(why, TS_TOO_FINE, err, "the width is not a whole number of microseconds");
    for (k = 0; k < frac_len; k++) {
      fp = fp * 10 + (s[frac_start + k] - '0');
      p10 *= 10;
    }
    g = ts_gcd(unit->us, p10);
    d = p10 / g;
    if (fp % d != 0) return ts_fail(why, TS_TOO_FINE, err, "the width is not a whole number of microseconds");
    w->us += (fp / d) * (unit->us / g); /* < unit->us */
    if (w->us > TS_MAX_WIDTH_US) {
      w->us = 0;
      return ts_fail(why, TS_TOO_WIDE, err, "the width is more than 10,000 years");
    }
  }
  return OM_OK;
}

om_status ts_width_from_int(int64_t sec, ts_width *w, ts_why *why, om_err *err) {
  *why = TS_OK;
  w->us = 0;
  w->months = 0;
  if (sec <= 0) return ts_fail(why, TS_NOT_POSITIVE, err, "the width is not positive");
  if (sec > TS_MAX_WIDTH_US / TS_US_PER_SEC)
    return ts_fail(why, TS_TOO_WIDE, err, "the width is more than 10,000 years");
  w->us = sec * TS_US_PER_SEC;
  return OM_OK;
}

om_status ts_width_from_seconds(double sec, ts_width *w, ts_why *why, om_err *err) {
  double us;
  *why = TS_OK;
  w->us = 0;
  w->months = 0;
  if (!isfinite(sec)) return ts_fail(why, TS_NOT_FINITE, err, "not a finite number");
  if (!(sec > 0)) return ts_fail(why, TS_NOT_POSITIVE, err, "the width is not positive");
  us = nearbyint(sec * 1e6);
  if (us > (double)TS_MAX_WIDTH_US) return ts_fail(why, TS_TOO_WIDE, err, "the width is more than 10,000 years");
  if (us < 1.0) return ts_fail(why, TS_TOO_FINE, err, "the width is less than a microsecond");
  w->us = (int64_t)us;
  return OM_OK;
}

/* ------------------------------------------------------------ buckets */

om_status ts_check_origin(const ts_width *w, int64_t origin, ts_why *why, om_err *err) {
  int64_t days, y;
  int m, d;
  *why = TS_OK;
  if (!w->months) return OM_OK;
  days = ts_floor_div(origin, TS_US_PER_DAY);
  ts_civil_from_days(days, &y, &m, &d);
  if (origin != days * TS_US_PER_DAY || d != 1)
    return ts_fail(why, TS_ORIGIN, err, "month and year buckets need an origin at 00:00:00 on the first of a month");
  return OM_OK;
}

int64_t ts_default_origin(const ts_width *w) { return w->months ? TS_ORIGIN_MONTHS_US : TS_ORIGIN_DEFAULT_US; }

int64_t ts_bucket(int64_t t, const ts_width *w, int64_t origin) {
  if (w->months) {
    int64_t ty, oy, tm, om, k, start, sy;
    int m, d;
    ts_civil_from_days(ts_floor_div(t, TS_US_PER_DAY), &ty, &m, &d);
    tm = ty * 12 + (m - 1);
    ts_civil_from_days(ts_floor_div(origin, TS_US_PER_DAY), &oy, &m, &d);
    om = oy * 12 + (m - 1);
    k = ts_floor_div(tm - om, w->months);
    start = om + k * w->months;
    sy = ts_floor_div(start, 12);
    return ts_days_from_civil(sy, (int)(start - sy * 12) + 1, 1) * TS_US_PER_DAY;
  }
  return origin + ts_floor_div(t - origin, w->us) * w->us;
}
