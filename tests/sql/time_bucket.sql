-- time_bucket(ts, width [, origin]) (ext/time_bucket.c, docs/time_bucket.md):
-- buckets of 20,000 timestamps spread over the years 0000-9999 (and 10,000
-- around 1970, negative times included) checked against SQLite's own
-- datetime(), date(), strftime() and unixepoch(), and against integer
-- floor arithmetic written in SQL; every ISO form; REAL seconds; widths in
-- every unit; origins; calendar months, quarters and years; result types;
-- the per-statement cache with constant and non-constant arguments; and
-- every error message (exact text).
CREATE TABLE t(i INTEGER PRIMARY KEY, s INTEGER, txt TEXT);
-- s: unix seconds over 0000-01-01 .. 9999-12-31 (a multiplicative hash of i)
INSERT INTO t(i, s)
  WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 19999)
  SELECT i, (i * 2654435761) % 315569520000 - 62167219200 FROM n;
-- and 10,000 times within two days of 1970-01-01, most of them negative
INSERT INTO t(i, s)
  WITH RECURSIVE n(i) AS (SELECT 20000 UNION ALL SELECT i + 1 FROM n WHERE i < 29999)
  SELECT i, (i - 27000) * 37 + (i % 7) FROM n;
-- the ends of the domain and a few days to remember
INSERT INTO t(i, s) VALUES (30000, -62167219200), (30001, 253402300799), (30002, 0), (30003, -1), (30004, 951782399),
  (30005, 951782400), (30006, 946857600), (30007, 946857599), (30008, 1709251199), (30009, -2203891201);
UPDATE t SET txt = datetime(s, 'unixepoch');

-- case: time_bucket.setup
SELECT count(*) = 30010 AND min(s) = -62167219200 AND max(s) = 253402300799 AND sum(txt IS NULL) = 0
   AND sum(s < 0) > 5000 FROM t;

-- Seconds: the identity on whole-second times, TEXT and INTEGER.
-- case: time_bucket.second.text
SELECT count(*) = 0 FROM t WHERE time_bucket(txt, '1 second') IS NOT txt;
-- case: time_bucket.second.int
SELECT count(*) = 0 FROM t WHERE time_bucket(s, '1 second') IS NOT s OR typeof(time_bucket(s, 1)) <> 'integer';

-- Days start at midnight UTC: SQLite's date().
-- case: time_bucket.day.text
SELECT count(*) = 0 FROM t WHERE time_bucket(txt, '1 day') IS NOT date(txt) || ' 00:00:00';
-- case: time_bucket.day.int
SELECT count(*) = 0 FROM t WHERE time_bucket(s, '1 day') IS NOT unixepoch(date(s, 'unixepoch'));
-- Hours, minutes: strftime().
-- case: time_bucket.hour.text
SELECT count(*) = 0 FROM t WHERE time_bucket(txt, '1 hour') IS NOT strftime('%Y-%m-%d %H:00:00', txt);
-- case: time_bucket.minute.text
SELECT count(*) = 0 FROM t WHERE time_bucket(txt, '1 minute') IS NOT strftime('%Y-%m-%d %H:%M:00', txt);
-- case: time_bucket.hour.int
SELECT count(*) = 0 FROM t WHERE time_bucket(s, 3600) IS NOT unixepoch(strftime('%Y-%m-%d %H:00:00', s, 'unixepoch'));
-- Floor, not truncation toward zero: ((s % w) + w) % w is the offset in the bucket.
-- case: time_bucket.floor.15min
SELECT count(*) = 0 FROM t WHERE time_bucket(s, '15 min') IS NOT s - ((s % 900) + 900) % 900;
-- case: time_bucket.floor.7s.origin0
SELECT count(*) = 0 FROM t WHERE time_bucket(s, 7, 0) IS NOT s - ((s % 7) + 7) % 7;
-- case: time_bucket.floor.90min.text
SELECT count(*) = 0 FROM t WHERE time_bucket(txt, '1.5 hours', '1970-01-01')
   IS NOT datetime(s - ((s % 5400) + 5400) % 5400, 'unixepoch');
-- Weeks start on Monday (the default origin 2000-01-03 is a Monday):
-- date(x, '-6 days', 'weekday 1') is the Monday on or before x.
-- case: time_bucket.week.text
-- (CASE keeps the order: a time of 0000-01-01/02 has its week start in year -1,
-- time_bucket.err.before.year0)
SELECT count(*) = 0 FROM t WHERE CASE WHEN s >= -62166700800 /* 0000-01-07 */
   THEN time_bucket(txt, '1 week') IS NOT date(txt, '-6 days', 'weekday 1') || ' 00:00:00' END;
-- case: time_bucket.week.monday
SELECT count(*) = 0 FROM t WHERE CASE WHEN s >= -62166700800 THEN strftime('%w', time_bucket(txt, '1 week')) <> '1' END;
-- Sunday weeks: any Sunday as origin.
-- case: time_bucket.week.sunday
SELECT count(*) = 0 FROM t WHERE CASE WHEN s >= -62166700800
   THEN time_bucket(txt, '1 week', '2000-01-02') IS NOT date(txt, '-6 days', 'weekday 0') || ' 00:00:00' END;
-- Calendar months, quarters, years (origin 2000-01-01 by default).
-- case: time_bucket.month.text
SELECT count(*) = 0 FROM t WHERE time_bucket(txt, '1 month') IS NOT strftime('%Y-%m-01 00:00:00', txt);
-- case: time_bucket.month.int
SELECT count(*) = 0 FROM t WHERE time_bucket(s, '1 mon') IS NOT unixepoch(strftime('%Y-%m-01', s, 'unixepoch'));
-- case: time_bucket.quarter.text
SELECT count(*) = 0 FROM t WHERE time_bucket(txt, '3 months')
   IS NOT printf('%s-%02d-01 00:00:00', strftime('%Y', txt), (CAST(strftime('%m', txt) AS INTEGER) - 1) / 3 * 3 + 1);
-- case: time_bucket.year.text
SELECT count(*) = 0 FROM t WHERE time_bucket(txt, '1 year') IS NOT strftime('%Y-01-01 00:00:00', txt);
-- Fiscal years from July: origin 2000-07-01.
-- case: time_bucket.year.july
SELECT count(*) = 0 FROM t WHERE CASE WHEN s >= unixepoch('0000-07-01')
   THEN time_bucket(txt, '1 year', '2000-07-01')
   IS NOT printf('%04d-07-01 00:00:00', CAST(strftime('%Y', txt) AS INTEGER) - (CAST(strftime('%m', txt) AS INTEGER) < 7)) END;
-- Decades from 2000 reach back to year 0.
-- case: time_bucket.decade
SELECT count(*) = 0 FROM t WHERE time_bucket(txt, '10 years')
   IS NOT printf('%04d-01-01 00:00:00', CAST(strftime('%Y', txt) AS INTEGER) / 10 * 10);

-- ISO forms: 'T', 'Z', offsets, fractions, short forms; SQLite agrees.
CREATE TABLE forms AS
  SELECT s, txt,
         replace(txt, ' ', 'T') AS t_form,
         replace(txt, ' ', 'T') || 'Z' AS z_form,
         datetime(s + 19800, 'unixepoch') || '+05:30' AS plus_form,
         replace(datetime(s - 36000, 'unixepoch'), ' ', 'T') || '-10:00' AS minus_form,
         txt || '.999' AS frac_form,
         substr(txt, 1, 16) AS hhmm_form,
         substr(txt, 1, 10) AS date_form
    FROM t WHERE s BETWEEN -62167219200 + 7 * 86400 AND 253402300799 - 86400;
-- case: time_bucket.forms.t.z
SELECT count(*) = 0 FROM forms WHERE time_bucket(t_form, '1 s') IS NOT txt OR time_bucket(z_form, '1 s') IS NOT txt;
-- case: time_bucket.forms.offsets
SELECT count(*) = 0 FROM forms WHERE time_bucket(plus_form, '1 s') IS NOT txt OR time_bucket(minus_form, '1 s') IS NOT txt
   OR time_bucket(plus_form, '1 s') IS NOT datetime(plus_form) OR time_bucket(minus_form, '1 s') IS NOT datetime(minus_form);
-- case: time_bucket.forms.fraction
SELECT count(*) = 0 FROM forms WHERE time_bucket(frac_form, '1 second') IS NOT txt
   OR time_bucket(frac_form, '1 ms') IS NOT frac_form OR time_bucket(frac_form, '1 ms') IS NOT strftime('%Y-%m-%d %H:%M:%f', frac_form)
   OR time_bucket(frac_form, '500 ms') IS NOT txt || '.500';
-- case: time_bucket.forms.short
SELECT count(*) = 0 FROM forms WHERE time_bucket(hhmm_form, '1 s') IS NOT datetime(hhmm_form)
   OR time_bucket(date_form, '1 s') IS NOT datetime(date_form);
-- Any TEXT time gives the same bucket as its unix seconds.
-- case: time_bucket.text.equals.int
SELECT count(*) = 0 FROM forms
 WHERE unixepoch(time_bucket(plus_form, '1 hour')) IS NOT time_bucket(s, '1 hour')
    OR unixepoch(time_bucket(minus_form, '1 day')) IS NOT time_bucket(s, '1 day')
    OR unixepoch(time_bucket(txt, '1 week')) IS NOT time_bucket(s, '1 week');

-- Specific times: leap days, the last microsecond of a day, offsets crossing
-- midnight and years, fractions floored (not rounded as SQLite does).
-- case: time_bucket.leap.day
SELECT time_bucket('2024-02-29 23:59:59.999', '1 day') = '2024-02-29 00:00:00'
   AND time_bucket('2000-02-29T12:00Z', '1 day') = '2000-02-29 00:00:00'
   AND time_bucket('2024-02-29 10:00', '1 month') = '2024-02-01 00:00:00';
-- case: time_bucket.last.microsecond
SELECT time_bucket('2023-12-31 23:59:59.999999', '1 day') = '2023-12-31 00:00:00'
   AND time_bucket('2023-12-31 23:59:59.999999', '1 year') = '2023-01-01 00:00:00'
   AND time_bucket('2023-12-31 23:59:59.9999999', '1 us') = '2023-12-31 23:59:59.999999'
   AND time_bucket('2023-12-31 23:59:59.9996', '1 ms') = '2023-12-31 23:59:59.999'
   AND time_bucket('2023-12-31 23:59:59.9996', '1 hour') = '2023-12-31 23:00:00';
-- case: time_bucket.offset.crosses.year
SELECT time_bucket('2024-01-01 01:30+02:00', '1 day') = '2023-12-31 00:00:00'
   AND time_bucket('2023-12-31 22:30-02:00', '1 year') = '2024-01-01 00:00:00'
   AND time_bucket('2024-03-01T00:30:00+01:00', '1 month') = '2024-02-01 00:00:00';
-- case: time_bucket.whitespace.forms
SELECT time_bucket('2024-05-17   13:45:10  ', '1 s') = '2024-05-17 13:45:10'
   AND time_bucket('2024-05-17 13:45:10 Z', '1 s') = '2024-05-17 13:45:10'
   AND time_bucket('2024-05-17 13:45:10 +01:00', '1 s') = '2024-05-17 12:45:10'
   AND time_bucket('2024-05-17 ', '1 s') = '2024-05-17 00:00:00'
   AND time_bucket('2024-05-17T13:45z', '1 s') = '2024-05-17 13:45:00';

-- Negative (pre-1970) times: floor.
-- case: time_bucket.negative
SELECT time_bucket(-1, 3600, 0) = -3600 AND time_bucket(-3600, 3600, 0) = -3600 AND time_bucket(-3601, 3600, 0) = -7200
   AND time_bucket(0, 3600, 0) = 0 AND time_bucket(-0.5, 1, 0) = -1 AND time_bucket(-0.000001, '1 us', 0) = -0.000001
   AND time_bucket('1969-12-31 23:59:59', '1 hour') = '1969-12-31 23:00:00'
   AND time_bucket('1969-12-31 23:59:59.5', '1 day') = '1969-12-31 00:00:00'
   AND time_bucket('1901-01-01 00:00', '1 week') = '1900-12-31 00:00:00';
-- case: time_bucket.ends
SELECT time_bucket('0000-01-01 00:00:00', '1 day') = '0000-01-01 00:00:00'
   AND time_bucket('9999-12-31 23:59:59', '1 day') = '9999-12-31 00:00:00'
   AND time_bucket('9999-12-31 23:59:59.999999', '1 year') = '9999-01-01 00:00:00'
   AND time_bucket(253402300799, '1 hour') = 253402297200
   AND time_bucket(-62167219200, '1 hour') = -62167219200
   AND time_bucket(-62167219200, '1 week') = -62167651200;

-- REAL seconds: rounded to the nearest microsecond (0.3 is 300000 us,
-- 1715953510.123 its millisecond); an integral bucket start is an INTEGER, a
-- fractional one a REAL.  TEXT fractions are truncated (exact decimals).
-- case: time_bucket.real
SELECT time_bucket(1715953510.75, 3600) = 1715950800 AND typeof(time_bucket(1715953510.75, 3600)) = 'integer'
   AND time_bucket(1715953510.75, 0.5, 0) = 1715953510.5 AND typeof(time_bucket(1715953510.75, 0.5, 0)) = 'real'
   AND time_bucket(1715953510.25, 0.5, 0) = 1715953510 AND typeof(time_bucket(1715953510.25, 0.5, 0)) = 'integer'
   AND time_bucket(1715953510.0, '1 s') = 1715953510 AND typeof(time_bucket(1715953510.0, '1 s')) = 'integer'
   AND time_bucket(0.3, 0.1, 0) = 0.3 AND time_bucket(-0.3, 0.1, 0) = -0.3 AND time_bucket(0.2999994, 0.1, 0) = 0.2
   AND time_bucket(0.2999996, 0.1, 0) = 0.3 AND time_bucket(1715953510.123, '1 ms', 0) = 1715953510.123
   AND time_bucket(1715953510.123, '1 ms', 0) = 1715953510.123 AND time_bucket(-1715953510.123, '1 ms', 0) = -1715953510.123;
-- case: time_bucket.real.matches.int
SELECT count(*) = 0 FROM t WHERE CASE WHEN s > -62167219200 AND s < 253402300799
   THEN time_bucket(s + 0.5, 3600) IS NOT time_bucket(s, 3600)
     OR time_bucket(s - 0.5, 1) IS NOT s - 1 OR time_bucket(s + 0.25, '500 ms', 0) IS NOT s
     OR time_bucket(s + 0.75, '500 ms', 0) IS NOT s + 0.5 END;
-- case: time_bucket.types
SELECT typeof(time_bucket('2024-01-01 10:00', '1 h')) = 'text' AND typeof(time_bucket(1700000000, '1 h')) = 'integer'
   AND typeof(time_bucket(1700000000.5, '1 s')) = 'integer' AND typeof(time_bucket(1700000000.5, '1 ms')) = 'real'
   AND time_bucket('2024-01-01 10:00:00.25', 0.5) = '2024-01-01 10:00:00'
   AND time_bucket('2024-01-01 10:00:00.75', 0.5) = '2024-01-01 10:00:00.500'
   AND time_bucket('2024-01-01 10:00:00.000123', '1 us') = '2024-01-01 10:00:00.000123'
   AND time_bucket(NULL, '1 hour') IS NULL AND time_bucket(NULL, '1 hour', 0) IS NULL;

-- Widths: every unit and number form gives the same buckets.
-- case: time_bucket.width.units
SELECT count(*) = 0 FROM t
 WHERE time_bucket(s, 3600) IS NOT time_bucket(s, '1 hour') OR time_bucket(s, 3600.0) IS NOT time_bucket(s, '60 min')
    OR time_bucket(s, '3600 s') IS NOT time_bucket(s, '1 HR') OR time_bucket(s, '3600000 ms') IS NOT time_bucket(s, '1h')
    OR time_bucket(s, '3600000000 us') IS NOT time_bucket(s, '1 hours')
    OR time_bucket(s, '1 day') IS NOT time_bucket(s, '24 hours') OR time_bucket(s, '1 w') IS NOT time_bucket(s, '7 d')
    OR time_bucket(s, '1 year') IS NOT time_bucket(s, '12 months') OR time_bucket(s, '0.5 hours') IS NOT time_bucket(s, 1800);
-- case: time_bucket.width.spelling
SELECT time_bucket(90, '1.5 min', 0) = 90 AND time_bucket(90, ' 1.5   Minutes ', 0) = 90 AND time_bucket(89, '90s', 0) = 0
   AND time_bucket(100, '+1 min', 0) = 60 AND time_bucket(100, '1 MINUTE', 0) = 60 AND time_bucket(100, '2 mins', 0) = 0
   AND time_bucket(100, '1 sec', 0) = 100 AND time_bucket(100, '3 secs', 0) = 99 AND time_bucket(100, '1 seconds', 0) = 100
   AND time_bucket(5000, '1 hrs', 0) = 3600 AND time_bucket(90000, '1 days', 0) = 86400
   AND time_bucket(700000, '1 wk', 0) = 604800 AND time_bucket(700000, '1 wks', 0) = 604800
   AND time_bucket(700000, '1 weeks', 0) = 604800 AND time_bucket(0.0015, '1 msec', 0) = 0.001
   AND time_bucket(0.0015, '1 millisecond', 0) = 0.001 AND time_bucket(0.0000014, '1 usec', 0) = 0.000001
   AND time_bucket('2024-05-17', '1 mons') = '2024-05-01 00:00:00' AND time_bucket('2024-05-17', '1 yr') = '2024-01-01 00:00:00'
   AND time_bucket('2024-05-17', '2 yrs') = '2024-01-01 00:00:00' AND time_bucket('2025-05-17', '2 years') = '2024-01-01 00:00:00'
   AND time_bucket('2024-05-17', '1 y') = '2024-01-01 00:00:00' AND time_bucket('2024-05-17', '1.000 month') = '2024-05-01 00:00:00';
-- case: time_bucket.width.max
SELECT time_bucket('2024-05-17', '10000 years') = '2000-01-01 00:00:00'
   AND time_bucket('2024-05-17', '3652425 days', '0000-01-01') = '0000-01-01 00:00:00'
   AND time_bucket(100, 315569520000, -62167219200) = -62167219200;

-- Origins: shift the grid; any representation; times before the origin.
-- case: time_bucket.origin.shift
SELECT count(*) = 0 FROM t WHERE CASE WHEN s BETWEEN -62167219200 + 3600 AND 253402300799 - 3600
   THEN time_bucket(s, '1 hour', '2000-01-01 00:30:00') IS NOT time_bucket(s - 1800, '1 hour') + 1800 END;
-- case: time_bucket.origin.representations
SELECT count(*) = 0 FROM t
 WHERE CASE WHEN s >= -62167219200 + 86400
   THEN time_bucket(s, '1 day', '2000-01-01 06:00') IS NOT time_bucket(s, '1 day', 946706400)
     OR time_bucket(s, '1 day', 946706400.0) IS NOT time_bucket(s, '1 day', '2000-01-01T08:00+02:00')
     OR time_bucket(txt, '1 day', 946706400) IS NOT time_bucket(txt, '1 day', '2000-01-01 06:00:00Z') END;
-- case: time_bucket.origin.after.ts
SELECT time_bucket('2024-05-17 13:45', '1 hour', '9999-01-01 00:15') = '2024-05-17 13:15:00'
   AND time_bucket(10, 60, 1000000) = -20 AND time_bucket(1000000, 7, 1000000) = 1000000;
-- case: time_bucket.origin.default
SELECT time_bucket('2024-05-17 13:45', '1 week') = time_bucket('2024-05-17 13:45', '1 week', '2000-01-03')
   AND time_bucket('2024-05-17 13:45', '1 month') = time_bucket('2024-05-17 13:45', '1 month', '2000-01-01')
   AND time_bucket('2024-05-17 13:45', '5 days') = time_bucket('2024-05-17 13:45', '5 days', '2000-01-03')
   AND time_bucket('2024-05-17 13:45', '5 days') <> time_bucket('2024-05-17 13:45', '5 days', '2000-01-01');
-- case: time_bucket.origin.months
SELECT time_bucket('2024-05-17', '3 months', '2000-02-01') = '2024-05-01 00:00:00'
   AND time_bucket('2024-04-30', '3 months', '2000-02-01') = '2024-02-01 00:00:00'
   AND time_bucket('2024-05-17', '1 month', 946684800) = '2024-05-01 00:00:00'
   AND time_bucket('1969-05-17', '6 months', '2024-07-01') = '1969-01-01 00:00:00'
   AND time_bucket(1715953510, '1 month') = 1714521600;

-- The cache (auxdata): constant widths/origins parsed once, column ones per
-- row; the answers are the same either way.
CREATE TABLE w(k INTEGER PRIMARY KEY, width, origin);
INSERT INTO w(width, origin) VALUES ('1 hour', '2000-01-01'), (900, 0), ('1 day', '2000-01-01 06:00'), ('1 month', '2000-01-01'), (7.5, 0.25);
-- case: time_bucket.cache.column.width
SELECT count(*) = 0 FROM (SELECT t.s, w.width, w.origin FROM t, w WHERE t.i % 97 = 0)
 WHERE time_bucket(s, width, origin) IS NOT CASE width
         WHEN '1 hour' THEN time_bucket(s, '1 hour', '2000-01-01') WHEN 900 THEN time_bucket(s, 900, 0)
         WHEN '1 day' THEN time_bucket(s, '1 day', '2000-01-01 06:00') WHEN '1 month' THEN time_bucket(s, '1 month', '2000-01-01')
         ELSE time_bucket(s, 7.5, 0.25) END;
-- GROUP BY on a TEXT column joins datetime() output.
-- case: time_bucket.group.by
SELECT count(*) = 24 AND sum(n) = 24 * 60 FROM (
  SELECT time_bucket(x, '1 hour') AS h, count(*) AS n FROM (
    WITH RECURSIVE m(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM m WHERE k < 1439)
    SELECT datetime('2024-05-17', '+' || k || ' minutes') AS x FROM m)
  GROUP BY h)
 WHERE h IN (SELECT datetime('2024-05-17', '+' || k || ' hours') FROM (WITH RECURSIVE z(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM z WHERE k < 23) SELECT k FROM z));

-- Errors (exact text).
-- case: time_bucket.err.ts.syntax
-- error: time_bucket(): ts (argument 1) is '2024-13-01', not a time; expected 'YYYY-MM-DD', 'YYYY-MM-DD HH:MM', 'YYYY-MM-DD HH:MM:SS' or 'YYYY-MM-DD HH:MM:SS.SSS' (a 'T' for the space and a 'Z', '+HH:MM' or '-HH:MM' suffix allowed)
SELECT time_bucket('2024-13-01', '1 hour');
-- case: time_bucket.err.ts.feb30
-- error: time_bucket(): ts (argument 1) is '2023-02-29 10:00', not a time; expected 'YYYY-MM-DD', 'YYYY-MM-DD HH:MM', 'YYYY-MM-DD HH:MM:SS' or 'YYYY-MM-DD HH:MM:SS.SSS' (a 'T' for the space and a 'Z', '+HH:MM' or '-HH:MM' suffix allowed)
SELECT time_bucket('2023-02-29 10:00', '1 hour');
-- case: time_bucket.err.ts.number.text
-- error: time_bucket(): ts (argument 1) is '1715953510', not a time; expected 'YYYY-MM-DD', 'YYYY-MM-DD HH:MM', 'YYYY-MM-DD HH:MM:SS' or 'YYYY-MM-DD HH:MM:SS.SSS' (a 'T' for the space and a 'Z', '+HH:MM' or '-HH:MM' suffix allowed)
SELECT time_bucket('1715953510', '1 hour');
-- case: time_bucket.err.ts.long
-- error: time_bucket(): ts (argument 1) is 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...', not a time; expected 'YYYY-MM-DD', 'YYYY-MM-DD HH:MM', 'YYYY-MM-DD HH:MM:SS' or 'YYYY-MM-DD HH:MM:SS.SSS' (a 'T' for the space and a 'Z', '+HH:MM' or '-HH:MM' suffix allowed)
SELECT time_bucket(printf('%.100c', 'x'), '1 hour');
-- case: time_bucket.err.ts.nul
-- error: time_bucket(): ts (argument 1) is '2024-01-01', not a time; expected 'YYYY-MM-DD', 'YYYY-MM-DD HH:MM', 'YYYY-MM-DD HH:MM:SS' or 'YYYY-MM-DD HH:MM:SS.SSS' (a 'T' for the space and a 'Z', '+HH:MM' or '-HH:MM' suffix allowed)
SELECT time_bucket(CAST(x'323032342D30312D303100' AS TEXT), '1 hour');
-- case: time_bucket.err.ts.range.text
-- error: time_bucket(): ts (argument 1) '9999-12-31 23:30-01:00' is outside the years 0000 to 9999 (UTC)
SELECT time_bucket('9999-12-31 23:30-01:00', '1 hour');
-- case: time_bucket.err.ts.range.int
-- error: time_bucket(): ts (argument 1) is 1715953510000; expected unix seconds from -62167219200 (0000-01-01) to 253402300799 (9999-12-31 23:59:59)
SELECT time_bucket(1715953510000, '1 hour');
-- case: time_bucket.err.ts.range.real
-- error: time_bucket(): ts (argument 1) is -62167219200.5; expected unix seconds from -62167219200 (0000-01-01) to 253402300799 (9999-12-31 23:59:59)
SELECT time_bucket(-62167219200.5, '1 hour');
-- case: time_bucket.err.ts.inf
-- error: time_bucket(): ts (argument 1) is not a finite number
SELECT time_bucket(-1e999, '1 hour');
-- case: time_bucket.err.ts.blob
-- error: time_bucket(): ts (argument 1) is BLOB; expected an ISO-8601 time as TEXT or unix seconds as INTEGER or REAL
SELECT time_bucket(x'00', '1 hour');
-- case: time_bucket.err.ts.row
-- error: time_bucket(): ts (argument 1) is 'soon', not a time; expected 'YYYY-MM-DD', 'YYYY-MM-DD HH:MM', 'YYYY-MM-DD HH:MM:SS' or 'YYYY-MM-DD HH:MM:SS.SSS' (a 'T' for the space and a 'Z', '+HH:MM' or '-HH:MM' suffix allowed)
SELECT count(time_bucket(CASE WHEN i = 777 THEN 'soon' ELSE txt END, '1 hour')) FROM t;
-- case: time_bucket.err.width.null
-- error: time_bucket(): width (argument 2) is NULL; expected TEXT such as '1 hour' or a number of seconds
SELECT time_bucket('2024-01-01', NULL);
-- case: time_bucket.err.width.null.ts.null
-- error: time_bucket(): width (argument 2) is NULL; expected TEXT such as '1 hour' or a number of seconds
SELECT time_bucket(NULL, NULL);
-- case: time_bucket.err.width.blob
-- error: time_bucket(): width (argument 2) is BLOB; expected TEXT such as '1 hour' or a number of seconds
SELECT time_bucket('2024-01-01', x'01');
-- case: time_bucket.err.width.syntax
-- error: time_bucket(): width (argument 2) is 'hourly'; expected '<n> <unit>' such as '15 minutes' or '1 day'
SELECT time_bucket('2024-01-01', 'hourly');
-- case: time_bucket.err.width.text.number
-- error: time_bucket(): width (argument 2) is '3600'; expected '<n> <unit>' such as '15 minutes' or '1 day'
SELECT time_bucket('2024-01-01', '3600');
-- case: time_bucket.err.width.unit
-- error: time_bucket(): width (argument 2) '5 m' has an unknown unit; expected us, ms, s, min, h, d, w, mon or y (or microsecond, millisecond, second, minute, hour, day, week, month, year; singular or plural)
SELECT time_bucket('2024-01-01', '5 m');
-- case: time_bucket.err.width.zero
-- error: time_bucket(): width (argument 2) is '0 hours'; expected a positive width
SELECT time_bucket('2024-01-01', '0 hours');
-- case: time_bucket.err.width.negative
-- error: time_bucket(): width (argument 2) is -60; expected a positive width
SELECT time_bucket('2024-01-01', -60);
-- case: time_bucket.err.width.negative.real
-- error: time_bucket(): width (argument 2) is -0.5; expected a positive width
SELECT time_bucket('2024-01-01', -0.5);
-- case: time_bucket.err.width.wide
-- error: time_bucket(): width (argument 2) is '10001 years', more than 10,000 years
SELECT time_bucket('2024-01-01', '10001 years');
-- case: time_bucket.err.width.wide.int
-- error: time_bucket(): width (argument 2) is 315569520001, more than 10,000 years
SELECT time_bucket(0, 315569520001);
-- case: time_bucket.err.width.fine
-- error: time_bucket(): width (argument 2) is '0.0000001 s', not a whole number of microseconds
SELECT time_bucket('2024-01-01', '0.0000001 s');
-- case: time_bucket.err.width.fine.real
-- error: time_bucket(): width (argument 2) is 1.0e-07, not a whole number of microseconds
SELECT time_bucket('2024-01-01', 1e-7);
-- case: time_bucket.err.width.months.fraction
-- error: time_bucket(): width (argument 2) is '1.5 months'; a number of months or years must be whole
SELECT time_bucket('2024-01-01', '1.5 months');
-- case: time_bucket.err.width.inf
-- error: time_bucket(): width (argument 2) is not a finite number
SELECT time_bucket('2024-01-01', 1e999);
-- case: time_bucket.err.origin.null
-- error: time_bucket(): origin (argument 3) is NULL; expected an ISO-8601 time as TEXT or unix seconds as INTEGER or REAL
SELECT time_bucket('2024-01-01', '1 day', NULL);
-- case: time_bucket.err.origin.blob
-- error: time_bucket(): origin (argument 3) is BLOB; expected an ISO-8601 time as TEXT or unix seconds as INTEGER or REAL
SELECT time_bucket('2024-01-01', '1 day', x'00');
-- case: time_bucket.err.origin.syntax
-- error: time_bucket(): origin (argument 3) is 'monday', not a time; expected 'YYYY-MM-DD', 'YYYY-MM-DD HH:MM', 'YYYY-MM-DD HH:MM:SS' or 'YYYY-MM-DD HH:MM:SS.SSS' (a 'T' for the space and a 'Z', '+HH:MM' or '-HH:MM' suffix allowed)
SELECT time_bucket('2024-01-01', '1 week', 'monday');
-- case: time_bucket.err.origin.range
-- error: time_bucket(): origin (argument 3) is 1.0e+15; expected unix seconds from -62167219200 (0000-01-01) to 253402300799 (9999-12-31 23:59:59)
SELECT time_bucket('2024-01-01', '1 week', 1e15);
-- case: time_bucket.err.origin.inf
-- error: time_bucket(): origin (argument 3) is not a finite number
SELECT time_bucket('2024-01-01', '1 week', 1e999);
-- case: time_bucket.err.origin.months
-- error: time_bucket(): origin (argument 3) is '2000-01-03 00:00:00'; month and year buckets need an origin at 00:00:00 UTC on the first of a month (e.g. '2000-01-01')
SELECT time_bucket('2024-01-01', '1 month', '2000-01-03');
-- case: time_bucket.err.origin.months.time
-- error: time_bucket(): origin (argument 3) is '2000-01-01 00:00:01'; month and year buckets need an origin at 00:00:00 UTC on the first of a month (e.g. '2000-01-01')
SELECT time_bucket('2024-01-01', '1 year', 946684801);
-- A week bucket of a time in the first days of year 0 would start in year -1.
-- case: time_bucket.err.before.year0
-- error: time_bucket(): the bucket of '0000-01-02 10:00:00' starts at -62167651200 (unix seconds), before 0000-01-01 00:00:00; a TEXT result needs the years 0000 to 9999 (choose another origin or use unix seconds)
SELECT time_bucket('0000-01-02 10:00', '1 week');
-- case: time_bucket.before.year0.number
SELECT time_bucket(-62167183200, '1 week') = -62167651200 AND time_bucket('0000-01-02 10:00', '1 week', '0000-01-01') = '0000-01-01 00:00:00';
-- case: time_bucket.err.arity
-- error: wrong number of arguments to function time_bucket()
SELECT time_bucket('2024-01-01');
-- case: time_bucket.err.arity4
-- error: wrong number of arguments to function time_bucket()
SELECT time_bucket('2024-01-01', '1 day', 0, 0);
-- case: time_bucket.flags
SELECT count(*) = 2 FROM pragma_function_list WHERE name = 'time_bucket' AND type = 's'
   AND (flags & 0x800) <> 0 /* SQLITE_DETERMINISTIC */ AND (flags & 0x200000) <> 0 /* SQLITE_INNOCUOUS */;
-- Pure: usable in an index on an expression and a generated column.
CREATE TABLE runs_ix(started_at TEXT, hour TEXT GENERATED ALWAYS AS (time_bucket(started_at, '1 hour')));
CREATE INDEX runs_ix_day ON runs_ix(time_bucket(started_at, '1 day'));
INSERT INTO runs_ix(started_at) VALUES ('2024-05-17T13:45:10Z'), ('2024-05-17 09:00');
-- case: time_bucket.generated.column
SELECT group_concat(hour, ',') = '2024-05-17 13:00:00,2024-05-17 09:00:00'
   AND (SELECT count(*) FROM runs_ix WHERE time_bucket(started_at, '1 day') = '2024-05-17 00:00:00') = 2 FROM runs_ix;
