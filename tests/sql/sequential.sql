-- sequential_test(): behaviours, options, windows, edge cases and errors
-- (docs/sequential_test.md).  Agreement with an independent reference on
-- raw data: sequential_ref.sql (fixtures/sequential/make_sequential.py).
CREATE TABLE ab(id INTEGER PRIMARY KEY, v REAL, g TEXT);
INSERT INTO ab(v, g) VALUES (1.0,'A'),(2.5,'A'),(3.1,'A'),(0.5,'B'),(0.7,'B'),(1.9,'B'),(0.2,'B'),(NULL,'A'),(9.9,NULL);
-- 600 runs: B is 0.4 slower on average; noise from a multiplicative hash.
CREATE TABLE runs AS WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 600)
  SELECT i, CASE WHEN (i * 2654435761) % 7 < 3 THEN 'B' ELSE 'A' END AS g,
         10.0 + ((i * 7919) % 10007) / 5003.5 - 1.0 + CASE WHEN (i * 2654435761) % 7 < 3 THEN 0.4 ELSE 0 END AS v,
         i / 50 AS day
    FROM s;

-- case: seq.keys
SELECT group_concat(key, ',') = 'group_a,group_b,n_a,n_b,mean_a,mean_b,diff,se,p,ci_low,ci_high,reject,log_lr,looks,tau,alpha,theta0,min_n'
  FROM json_each((SELECT sequential_test(v, g) FROM ab));
-- Before the burn-in (default min_n 100): no look, p 1, the whole line.
-- case: seq.burn.in
SELECT json_extract(r, '$.n_a') = 3 AND json_extract(r, '$.n_b') = 4 AND json_extract(r, '$.looks') = 0
   AND json_extract(r, '$.p') = 1 AND json_extract(r, '$.ci_low') = -9e999 AND json_extract(r, '$.ci_high') = 9e999
   AND json_type(r, '$.log_lr') = 'null' AND json_type(r, '$.tau') = 'null' AND json_extract(r, '$.reject') = 0
   AND json_extract(r, '$.min_n') = 100 AND json_extract(r, '$.alpha') = 0.05 AND json_extract(r, '$.theta0') = 0
  FROM (SELECT sequential_test(v, g) AS r FROM ab);
-- diff and se are welch_ttest's (same group order and sign).
-- case: seq.diff.se.as.welch
SELECT abs(json_extract(s, '$.diff') - json_extract(w, '$.diff')) < 1e-15
   AND abs(json_extract(s, '$.se') - json_extract(w, '$.diff') / json_extract(w, '$.t')) < 1e-14
   AND json_extract(s, '$.group_a') = 'A' AND json_extract(s, '$.mean_b') = json_extract(w, '$.mean_b')
  FROM (SELECT sequential_test(v, g) AS s, welch_ttest(v, g) AS w FROM ab);
-- min_n 2: a look at every row once both groups have 2 values (rows 5, 6, 7 in id order).
-- case: seq.min_n.looks
SELECT json_extract(r, '$.looks') = 3 AND json_extract(r, '$.tau') > 0 AND json_extract(r, '$.p') <= 1
  FROM (SELECT sequential_test(v, g, '{"min_n": 2}') AS r FROM (SELECT * FROM ab ORDER BY id));
-- case: seq.null.options.default
SELECT sequential_test(v, g, NULL) = sequential_test(v, g) FROM (SELECT * FROM runs ORDER BY i);
-- case: seq.empty
SELECT sequential_test(v, g) IS NULL FROM ab WHERE 0;
-- case: seq.only.nulls
SELECT sequential_test(v, g) IS NULL FROM ab WHERE v IS NULL OR g IS NULL;
-- case: seq.nulls.skipped
SELECT json_extract(sequential_test(v, g), '$.n_a') + json_extract(sequential_test(v, g), '$.n_b') = 7 FROM ab;
-- case: seq.one.group
SELECT json_extract(r, '$.group_a') = 'A' AND json_type(r, '$.group_b') = 'null' AND json_extract(r, '$.n_b') = 0
   AND json_type(r, '$.diff') = 'null' AND json_type(r, '$.se') = 'null' AND json_extract(r, '$.p') = 1
  FROM (SELECT sequential_test(v, g, '{"min_n": 2}') AS r FROM ab WHERE g = 'A');
-- Both groups constant: v = 0 at every row, so no look is made.
-- case: seq.zero.variance
SELECT json_extract(r, '$.looks') = 0 AND json_extract(r, '$.p') = 1 AND json_extract(r, '$.diff') = -1
   AND json_extract(r, '$.se') = 0
  FROM (SELECT sequential_test(x, k, '{"min_n": 2}') AS r
          FROM (SELECT 5 AS x, 'a' AS k UNION ALL SELECT 5, 'a' UNION ALL SELECT 6, 'b' UNION ALL SELECT 6, 'b' UNION ALL SELECT 6, 'b'));
-- One group constant: ordinary looks.
-- case: seq.one.variance.zero
SELECT json_extract(r, '$.looks') = 2 AND json_extract(r, '$.se') > 0
  FROM (SELECT sequential_test(x, k, '{"min_n": 2}') AS r
          FROM (SELECT 5 AS x, 'a' AS k UNION ALL SELECT 5, 'a' UNION ALL SELECT 6, 'b' UNION ALL SELECT 7, 'b' UNION ALL SELECT 9, 'b'));
-- Group order as welch_ttest: numbers before text, numbers numerically, 1 and 1.0 one group.
-- case: seq.group.order
SELECT json_extract(r, '$.group_a') = 2 AND json_extract(r, '$.group_b') = 10 AND json_extract(r, '$.diff') = 2.5
  FROM (SELECT sequential_test(x, k) AS r FROM (SELECT 1 AS x, 10 AS k UNION ALL SELECT 2, 10 UNION ALL SELECT 3, 2 UNION ALL SELECT 5, 2.0));
-- case: seq.numbers.before.text
SELECT json_extract(r, '$.group_a') = 7 AND json_extract(r, '$.group_b') = '1'
  FROM (SELECT sequential_test(x, k) AS r FROM (SELECT 1 AS x, '1' AS k UNION ALL SELECT 2, '1' UNION ALL SELECT 3, 7 UNION ALL SELECT 5, 7));
-- The label seen first may be group b: here the first row is a B run.  The
-- same rows with B relabelled '0' (so the first label seen is group a) give
-- the same p and looks, diff negated.
-- case: seq.first.label.b
SELECT json_extract(r1, '$.group_a') = 'A' AND json_extract(r2, '$.group_a') = '0'
   AND json_extract(r1, '$.looks') = json_extract(r2, '$.looks') AND json_extract(r1, '$.looks') > 0
   AND abs(json_extract(r1, '$.p') / json_extract(r2, '$.p') - 1) < 1e-12
   AND json_extract(r1, '$.diff') = -json_extract(r2, '$.diff')
  FROM (SELECT (SELECT sequential_test(v, g, '{"min_n": 10}') FROM (SELECT * FROM runs ORDER BY g = 'A', i)) AS r1,
               (SELECT sequential_test(v, CASE g WHEN 'B' THEN '0' ELSE g END, '{"min_n": 10}')
                  FROM (SELECT * FROM runs ORDER BY g = 'A', i)) AS r2);
-- Relabelling swaps the sign of diff and mirrors the interval; p is the same.
-- case: seq.relabel.mirror
SELECT abs(json_extract(r1, '$.p') / json_extract(r2, '$.p') - 1) < 1e-12
   AND abs(json_extract(r1, '$.diff') + json_extract(r2, '$.diff')) < 1e-12
   AND abs(json_extract(r1, '$.ci_low') + json_extract(r2, '$.ci_high')) < 1e-12
  FROM (SELECT (SELECT sequential_test(v, g, '{"min_n": 10}') FROM (SELECT * FROM runs ORDER BY i)) AS r1,
               (SELECT sequential_test(v, CASE g WHEN 'A' THEN 'Z' ELSE g END, '{"min_n": 10}') FROM (SELECT * FROM runs ORDER BY i)) AS r2);
-- The effect is found: B slower, diff < 0, p <= 0.05, 0 outside the confidence sequence.
-- case: seq.detects
SELECT json_extract(r, '$.reject') = 1 AND json_extract(r, '$.p') <= 0.05 AND json_extract(r, '$.ci_high') < 0
   AND json_extract(r, '$.diff') < 0 AND json_extract(r, '$.looks') > 0
  FROM (SELECT sequential_test(v, g, '{"min_n": 20}') AS r FROM (SELECT * FROM runs ORDER BY i));
-- theta0 inside the interval is not rejected; the interval does not depend on theta0.
-- case: seq.theta0.duality
SELECT json_extract(r0, '$.reject') = 0 AND json_extract(r0, '$.p') > 0.05 AND json_extract(r0, '$.theta0') = -0.4
   AND json_extract(r0, '$.ci_low') = json_extract(r1, '$.ci_low') AND json_extract(r0, '$.ci_high') = json_extract(r1, '$.ci_high')
  FROM (SELECT sequential_test(v, g, '{"min_n": 20, "theta0": -0.4}') AS r0, sequential_test(v, g, '{"min_n": 20}') AS r1
          FROM (SELECT * FROM runs ORDER BY i));
-- reject <=> theta0 outside (ci_low, ci_high), for theta0 on a grid.
-- case: seq.reject.iff.outside
WITH t(th) AS (SELECT -1.0 UNION ALL SELECT -0.8 UNION ALL SELECT -0.6 UNION ALL SELECT -0.5 UNION ALL SELECT -0.3
               UNION ALL SELECT -0.2 UNION ALL SELECT -0.1 UNION ALL SELECT 0.0 UNION ALL SELECT 0.2)
SELECT count(*) = 9 AND sum(json_extract(r, '$.reject') = (th <= json_extract(r, '$.ci_low') OR th >= json_extract(r, '$.ci_high'))) = 9
  FROM (SELECT th, (SELECT sequential_test(v, g, json_object('min_n', 20, 'theta0', th)) FROM (SELECT * FROM runs ORDER BY i)) AS r FROM t);
-- A fixed tau is reported as given; tau_sd scales the automatic one.
-- case: seq.tau.fixed
SELECT json_extract(sequential_test(v, g, '{"tau": 0.25, "min_n": 20}'), '$.tau') = 0.25 FROM (SELECT * FROM runs ORDER BY i);
-- case: seq.tau_sd
SELECT abs(json_extract(r2, '$.tau') / json_extract(r1, '$.tau') - 3) < 1e-12
  FROM (SELECT sequential_test(v, g, '{"min_n": 20}') AS r1, sequential_test(v, g, '{"min_n": 20, "tau_sd": 0.3}') AS r2
          FROM (SELECT * FROM runs ORDER BY i));
-- alpha sets the width of the confidence sequence and the reject threshold.
-- case: seq.alpha
SELECT json_extract(r1, '$.ci_high') - json_extract(r1, '$.ci_low') > json_extract(r2, '$.ci_high') - json_extract(r2, '$.ci_low')
   AND json_extract(r1, '$.p') = json_extract(r2, '$.p') AND json_extract(r1, '$.alpha') = 0.01
  FROM (SELECT sequential_test(v, g, '{"min_n": 20, "alpha": 0.01}') AS r1, sequential_test(v, g, '{"min_n": 20, "alpha": 0.2}') AS r2
          FROM (SELECT * FROM runs ORDER BY i));
-- case: seq.integer.values
SELECT sequential_test(CAST(x AS INTEGER), k, '{"min_n": 2}') = sequential_test(CAST(x AS REAL), k, '{"min_n": 2}')
  FROM (SELECT 1 AS x, 'a' AS k UNION ALL SELECT 2, 'a' UNION ALL SELECT 4, 'a' UNION ALL SELECT 3, 'b' UNION ALL SELECT 9, 'b' UNION ALL SELECT 4, 'b');
-- A large common offset costs nothing (exact sums): 1e9 + v gives the same test.
-- case: seq.offset
SELECT json_extract(r1, '$.p') = json_extract(r2, '$.p') AND json_extract(r1, '$.ci_low') = json_extract(r2, '$.ci_low')
  FROM (SELECT sequential_test(v + 1e9, g, '{"min_n": 20}') AS r1, sequential_test(v, g, '{"min_n": 20}') AS r2
          FROM (SELECT i, g, round(v * 1024) / 1024 AS v FROM runs ORDER BY i));

-- Windows ---------------------------------------------------------------
-- Each row of OVER (ORDER BY i) equals the aggregate over the ordered prefix.
-- case: seq.window.prefix
WITH w AS (
  SELECT i, sequential_test(v, g, '{"min_n": 5}') OVER (ORDER BY i) AS win,
         (SELECT sequential_test(v, g, '{"min_n": 5}') FROM (SELECT * FROM runs AS r2 WHERE r2.i <= r1.i ORDER BY r2.i)) AS agg
    FROM runs AS r1 WHERE i <= 80)
SELECT count(*) = 80 AND sum(win IS agg) = 80 FROM w;
-- p never rises, the interval never widens, looks grows by one per row after the burn-in.
-- case: seq.window.monotone
WITH w AS (SELECT i, sequential_test(v, g, '{"min_n": 10}') OVER (ORDER BY i) AS r FROM runs),
     x AS (SELECT i, json_extract(r, '$.p') AS p, json_extract(r, '$.ci_low') AS lo, json_extract(r, '$.ci_high') AS hi,
                  json_extract(r, '$.looks') AS looks,
                  lag(json_extract(r, '$.p')) OVER (ORDER BY i) AS p0, lag(json_extract(r, '$.ci_low')) OVER (ORDER BY i) AS lo0,
                  lag(json_extract(r, '$.ci_high')) OVER (ORDER BY i) AS hi0, lag(json_extract(r, '$.looks')) OVER (ORDER BY i) AS l0
             FROM w)
SELECT sum(p > p0) = 0 AND sum(lo < lo0) = 0 AND sum(hi > hi0) = 0
   AND sum(looks - l0 NOT IN (0, 1)) = 0 AND max(looks) > 550
  FROM x WHERE p0 IS NOT NULL;
-- ROWS UNBOUNDED PRECEDING is the same frame here (distinct i).
-- case: seq.window.rows.unbounded
SELECT sum(a IS b) = 600
  FROM (SELECT sequential_test(v, g) OVER (ORDER BY i) AS a,
               sequential_test(v, g) OVER (ORDER BY i ROWS UNBOUNDED PRECEDING) AS b FROM runs);
-- The whole partition as the frame: every row gets the final result.
-- case: seq.window.whole
SELECT count(DISTINCT r) = 1 AND min(r) = (SELECT sequential_test(v, g) FROM (SELECT * FROM runs ORDER BY i))
  FROM (SELECT sequential_test(v, g) OVER (ORDER BY i ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS r FROM runs);
-- PARTITION BY: each partition starts afresh.
-- case: seq.window.partition
SELECT sum(r IS agg) = 2
  FROM (SELECT day % 2 AS part, last_value(r) OVER (PARTITION BY day % 2 ORDER BY i ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS r,
               (SELECT sequential_test(v, g, '{"min_n": 20}') FROM (SELECT * FROM runs AS q WHERE q.day % 2 = p.day % 2 ORDER BY q.i)) AS agg,
               row_number() OVER (PARTITION BY day % 2 ORDER BY i DESC) AS rn
          FROM (SELECT *, sequential_test(v, g, '{"min_n": 20}') OVER (PARTITION BY day % 2 ORDER BY i) AS r FROM runs) AS p)
 WHERE rn = 1;
-- Peers (ties in ORDER BY) enter together: one result per day, read after the day's last run.
-- case: seq.window.per.day
SELECT count(DISTINCT r) = 13 AND count(*) = 600
  FROM (SELECT sequential_test(v, g, '{"min_n": 20}') OVER (ORDER BY day) AS r FROM runs);
-- The order matters (the running minimum is over looks in that order).
-- case: seq.order.matters
SELECT (SELECT sequential_test(v, g, '{"min_n": 5}') FROM (SELECT * FROM runs ORDER BY i))
    IS NOT (SELECT sequential_test(v, g, '{"min_n": 5}') FROM (SELECT * FROM runs ORDER BY i DESC));
-- A sliding frame is refused when the first row leaves it.
-- case: seq.window.sliding
-- error: sequential_test(): a row left the window frame; sequential_test needs a frame that starts at UNBOUNDED PRECEDING (the default of OVER (ORDER BY ...))
SELECT count(r) FROM (SELECT sequential_test(v, g) OVER (ORDER BY i ROWS 10 PRECEDING) AS r FROM runs);

-- Errors ----------------------------------------------------------------
-- case: seq.err.value.text
-- error: sequential_test(): value (argument 1) is TEXT; expected INTEGER or REAL
SELECT sequential_test('1.5', 'A');
-- case: seq.err.value.inf
-- error: sequential_test(): value (argument 1) is not a finite number
SELECT sequential_test(9e999, 'A');
-- case: seq.err.group.blob
-- error: sequential_test(): group (argument 2) is a BLOB; expected INTEGER, REAL or TEXT
SELECT sequential_test(1.0, x'41');
-- case: seq.err.group.nul
-- error: sequential_test(): group (argument 2) contains a NUL byte at offset 1; labels must be valid UTF-8 without NUL
SELECT sequential_test(1.0, CAST(x'410042' AS TEXT));
-- case: seq.err.group.utf8
-- error: sequential_test(): group (argument 2): byte 0xff at offset 1 is not valid UTF-8; labels must be valid UTF-8 without NUL
SELECT sequential_test(1.0, CAST(x'41FF' AS TEXT));
-- case: seq.err.three.groups
-- error: sequential_test(): group has more than 2 distinct values ('A', 'B', 'C'); expected exactly 2
SELECT sequential_test(v, g) FROM (SELECT v, g FROM ab WHERE g IS NOT NULL UNION ALL SELECT 1.0, 'C');
-- case: seq.err.options.type
-- error: sequential_test(): options (argument 3) is INTEGER; expected a JSON object as TEXT
SELECT sequential_test(1.0, 'A', 5);
-- case: seq.err.options.json
-- error: sequential_test(): options are not a JSON object (expected ',' or '}' at byte 11); write them like '{"min_n": 50}'
SELECT sequential_test(1.0, 'A', '{"min_n": 5');
-- case: seq.err.options.unknown
-- error: sequential_test(): unknown option "confidence"; accepted: alpha, theta0, tau, tau_sd, min_n
SELECT sequential_test(1.0, 'A', '{"confidence": 0.95}');
-- case: seq.err.alpha
-- error: sequential_test(): option alpha must be a number between 0 and 1 (exclusive)
SELECT sequential_test(1.0, 'A', '{"alpha": 5}');
-- case: seq.err.theta0
-- error: sequential_test(): option theta0 must be a finite number
SELECT sequential_test(1.0, 'A', '{"theta0": "0"}');
-- case: seq.err.tau
-- error: sequential_test(): option tau must be a finite number > 0 (in the units of value)
SELECT sequential_test(1.0, 'A', '{"tau": 0}');
-- case: seq.err.tau.null
-- error: sequential_test(): option tau must be a finite number > 0 (in the units of value)
SELECT sequential_test(1.0, 'A', '{"tau": null}');
-- case: seq.err.tau_sd
-- error: sequential_test(): option tau_sd must be a finite number > 0
SELECT sequential_test(1.0, 'A', '{"tau_sd": -1}');
-- case: seq.err.min_n
-- error: sequential_test(): option min_n must be an integer from 2 to 2^53
SELECT sequential_test(1.0, 'A', '{"min_n": 1}');
-- case: seq.err.min_n.fraction
-- error: sequential_test(): option min_n must be an integer from 2 to 2^53
SELECT sequential_test(1.0, 'A', '{"min_n": 2.5}');
-- case: seq.err.tau.both
-- error: sequential_test(): options tau and tau_sd exclude each other; give one of them
SELECT sequential_test(1.0, 'A', '{"tau": 1, "tau_sd": 0.2}');
-- case: seq.err.options.changed
-- error: sequential_test(): options changed between rows; pass the same options on every row
SELECT sequential_test(v, g, CASE WHEN id = 3 THEN '{"min_n": 3}' ELSE '{"min_n": 2}' END) FROM (SELECT * FROM ab ORDER BY id);
-- case: seq.err.nargs.1
-- error: wrong number of arguments to function sequential_test()
SELECT sequential_test(1.0);
-- case: seq.err.nargs.4
-- error: wrong number of arguments to function sequential_test()
SELECT sequential_test(1.0, 'A', NULL, NULL);
