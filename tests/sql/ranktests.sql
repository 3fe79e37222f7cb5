-- mann_whitney() and ks_2samp(): behaviours, edge cases, windows and errors
-- (docs/mann_whitney.md, docs/ks_2samp.md).  Agreement with scipy on many
-- data sets: ranktests_scipy.sql (fixtures/ranktests/make_ranktests.py).
CREATE TABLE ab(id INTEGER PRIMARY KEY, v REAL, g TEXT);
INSERT INTO ab(v, g) VALUES (1.0,'A'),(2.5,'A'),(3.1,'A'),(0.5,'B'),(0.7,'B'),(1.9,'B'),(0.2,'B'),(NULL,'A'),(9.9,NULL);
-- case: ranktests.mwu.keys
SELECT group_concat(key, ',') = 'group_a,group_b,n_a,n_b,statistic,u_b,z,p,method,cles,hodges_lehmann,ci_low,ci_high,alternative,confidence'
  FROM json_each((SELECT mann_whitney(v, g) FROM ab));
-- case: ranktests.ks.keys
SELECT group_concat(key, ',') = 'group_a,group_b,n_a,n_b,statistic,p,method,d_plus,d_minus,statistic_sign,statistic_location,alternative'
  FROM json_each((SELECT ks_2samp(v, g) FROM ab));
-- scipy 1.10: mannwhitneyu([1,2.5,3.1],[0.5,0.7,1.9,0.2]) U 11, p 0.11428571428571428 (exact);
-- numpy median of the differences 1.5
-- case: ranktests.mwu.values
SELECT json_extract(r, '$.group_a') = 'A' AND json_extract(r, '$.n_a') = 3 AND json_extract(r, '$.n_b') = 4
   AND json_extract(r, '$.statistic') = 11 AND json_extract(r, '$.u_b') = 1
   AND abs(json_extract(r, '$.p') - 0.11428571428571428) < 1e-15 AND json_extract(r, '$.method') = 'exact'
   AND json_type(r, '$.z') = 'null' AND json_extract(r, '$.cles') = 11.0 / 12 AND json_extract(r, '$.hodges_lehmann') = 1.5
  FROM (SELECT mann_whitney(v, g) AS r FROM ab);
-- case: ranktests.mwu.one.sided
SELECT abs(json_extract(mann_whitney(v, g, 'less'), '$.p') - 0.9714285714285715) < 1e-15
   AND abs(json_extract(mann_whitney(v, g, 'greater'), '$.p') - 0.05714285714285714) < 1e-15 FROM ab;
-- scipy 1.10: ks_2samp(A, B) D 0.75 at 0.7, sign -1, p 0.22857142857142862; 'less' p 0.11428571428571428
-- case: ranktests.ks.values
SELECT json_extract(r, '$.statistic') = 0.75 AND abs(json_extract(r, '$.p') - 0.22857142857142862) < 1e-15
   AND json_extract(r, '$.statistic_sign') = -1 AND json_extract(r, '$.statistic_location') = 0.7
   AND json_extract(r, '$.d_plus') = 0 AND json_extract(r, '$.d_minus') = 0.75 AND json_extract(r, '$.method') = 'exact'
  FROM (SELECT ks_2samp(v, g) AS r FROM ab);
-- case: ranktests.ks.one.sided
SELECT abs(json_extract(ks_2samp(v, g, 'less'), '$.p') - 0.11428571428571428) < 1e-15
   AND json_extract(ks_2samp(v, g, 'greater'), '$.p') = 1 AND json_extract(ks_2samp(v, g, 'greater'), '$.statistic') = 0
   AND json_extract(ks_2samp(v, g, 'greater'), '$.statistic_location') = 3.1 FROM ab;
-- case: ranktests.order.independent
SELECT (SELECT mann_whitney(v, g) FROM ab) = (SELECT mann_whitney(v, g) FROM (SELECT * FROM ab ORDER BY id DESC))
   AND (SELECT ks_2samp(v, g) FROM ab) = (SELECT ks_2samp(v, g) FROM (SELECT * FROM ab ORDER BY id DESC));
-- Relabelling swaps the roles: U_a and U_b exchange, the shift changes sign.
-- case: ranktests.mwu.relabel
SELECT json_extract(x, '$.statistic') = json_extract(y, '$.u_b') AND json_extract(x, '$.hodges_lehmann') = -json_extract(y, '$.hodges_lehmann')
   AND json_extract(x, '$.p') = json_extract(y, '$.p')
  FROM (SELECT mann_whitney(v, g) AS x, mann_whitney(v, CASE g WHEN 'A' THEN 'Z' ELSE g END) AS y FROM ab);
-- case: ranktests.null.settings.default
SELECT mann_whitney(v, g, NULL, NULL) = mann_whitney(v, g) AND ks_2samp(v, g, NULL) = ks_2samp(v, g) FROM ab;
-- case: ranktests.empty
SELECT mann_whitney(v, g) IS NULL AND ks_2samp(v, g) IS NULL FROM ab WHERE 0;
-- case: ranktests.only.nulls
SELECT mann_whitney(v, g) IS NULL AND ks_2samp(v, g) IS NULL FROM ab WHERE v IS NULL OR g IS NULL;
-- case: ranktests.one.group
SELECT json_type(m, '$.group_b') = 'null' AND json_extract(m, '$.n_b') = 0 AND json_extract(m, '$.n_a') = 3
   AND json_type(m, '$.p') = 'null' AND json_type(m, '$.statistic') = 'null' AND json_type(m, '$.method') = 'null'
   AND json_type(m, '$.hodges_lehmann') = 'null'
   AND json_type(k, '$.p') = 'null' AND json_type(k, '$.statistic_sign') = 'null' AND json_extract(k, '$.n_a') = 3
  FROM (SELECT mann_whitney(v, g) AS m, ks_2samp(v, g) AS k FROM ab WHERE g = 'A');
-- One value per group: exact, U 0 or 1, p 1, the interval unreachable.
-- case: ranktests.one.each
SELECT json_extract(m, '$.p') = 1 AND json_extract(m, '$.ci_low') = -9e999 AND json_extract(m, '$.ci_high') = 9e999
   AND json_extract(m, '$.hodges_lehmann') = 0.8 AND json_extract(k, '$.p') = 1 AND json_extract(k, '$.statistic') = 1
  FROM (SELECT mann_whitney(v, g) AS m, ks_2samp(v, g) AS k FROM ab WHERE id IN (1, 7));
-- Every value equal (zero variance): scipy gives p 1 (z = -inf); D = 0, p 1.
-- case: ranktests.all.equal
SELECT json_extract(m, '$.p') = 1 AND json_extract(m, '$.z') = -9e999 AND json_extract(m, '$.method') = 'asymptotic'
   AND json_extract(m, '$.hodges_lehmann') = 0 AND json_extract(m, '$.ci_low') = 0 AND json_extract(m, '$.ci_high') = 0
   AND json_extract(m, '$.cles') = 0.5 AND json_extract(k, '$.p') = 1 AND json_extract(k, '$.statistic') = 0
  FROM (SELECT mann_whitney(x, k) AS m, ks_2samp(x, k) AS k
          FROM (SELECT 5 AS x, 'a' AS k UNION ALL SELECT 5, 'a' UNION ALL SELECT 5, 'b' UNION ALL SELECT 5, 'b'));
-- Ties switch mann_whitney to the asymptotic method (scipy: U 14.5, p 0.08142910235989108).
-- case: ranktests.mwu.ties
SELECT json_extract(m, '$.method') = 'asymptotic' AND json_extract(m, '$.statistic') = 14.5
   AND abs(json_extract(m, '$.p') - 0.08142910235989108) < 1e-14
  FROM (SELECT mann_whitney(v, g) AS m FROM (SELECT v, g FROM ab UNION ALL SELECT 1.9, 'A'));
-- Separated groups: D = 1 and the exact two-sided p is 2/C(7,3).
-- case: ranktests.separated
SELECT abs(json_extract(k, '$.p') - 2.0 / 35) < 1e-15 AND json_extract(k, '$.statistic') = 1
  FROM (SELECT ks_2samp(v + (g = 'A') * 10, g) AS k FROM ab);
-- Numeric labels sort before text; 1 and 1.0 are one group.
-- case: ranktests.labels.numeric
SELECT json_extract(r, '$.group_a') = 1 AND json_extract(r, '$.group_b') = 'x' AND json_extract(r, '$.n_a') = 3
  FROM (SELECT mann_whitney(v, CASE id WHEN 1 THEN 1 WHEN 2 THEN 1.0 WHEN 3 THEN 1 ELSE 'x' END) AS r FROM ab);
-- Confidence changes the interval, not the test.
-- case: ranktests.mwu.confidence
SELECT json_extract(a, '$.p') = json_extract(b, '$.p') AND json_extract(b, '$.confidence') = 0.5
   AND json_extract(b, '$.ci_low') >= json_extract(a, '$.ci_low') AND json_extract(b, '$.ci_high') <= json_extract(a, '$.ci_high')
  FROM (SELECT mann_whitney(v * 1.0 + id * 0.01, g) AS a, mann_whitney(v * 1.0 + id * 0.01, g, 'two-sided', 0.5) AS b
          FROM (SELECT * FROM ab UNION ALL SELECT id + 100, v + 0.3, g FROM ab UNION ALL SELECT id + 200, v - 0.2, g FROM ab));
-- case: ranktests.mwu.one.sided.ci
SELECT json_extract(l, '$.ci_low') = -9e999 AND json_extract(gr, '$.ci_high') = 9e999
  FROM (SELECT mann_whitney(v, g, 'less', 0.5) AS l, mann_whitney(v, g, 'greater', 0.5) AS gr FROM ab);

-- Windows: every frame equals the aggregate over its rows.
CREATE TABLE w(id INTEGER PRIMARY KEY, v REAL, g TEXT);
INSERT INTO w(v, g) SELECT ((i * 7919) % 1009) / 100.0 + (i % 3 = 0) * 1.5, CASE WHEN i % 3 = 0 THEN 'T' ELSE 'C' END
  FROM (WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 120) SELECT i FROM s);
-- case: ranktests.window.mwu
SELECT count(*) = 120 AND sum(win IS agg) = 120
  FROM (SELECT mann_whitney(v, g) OVER (ORDER BY id ROWS 24 PRECEDING) AS win,
               (SELECT mann_whitney(v, g) FROM w AS w2 WHERE w2.id BETWEEN w1.id - 24 AND w1.id) AS agg
          FROM w AS w1);
-- case: ranktests.window.ks
SELECT count(*) = 120 AND sum(win IS agg) = 120
  FROM (SELECT ks_2samp(v, g, 'less') OVER (ORDER BY id ROWS BETWEEN 10 PRECEDING AND 5 FOLLOWING) AS win,
               (SELECT ks_2samp(v, g, 'less') FROM w AS w2 WHERE w2.id BETWEEN w1.id - 10 AND w1.id + 5) AS agg
          FROM w AS w1);
-- A frame holding one group only: group_b null, no error.
-- case: ranktests.window.one.group
SELECT json_type(r, '$.group_b') = 'null' AND json_extract(r, '$.n_a') = 1
  FROM (SELECT mann_whitney(v, g) OVER (ORDER BY id ROWS 0 PRECEDING) AS r FROM w ORDER BY id LIMIT 1);
-- case: ranktests.groupby
SELECT count(*) = 2 AND sum(json_extract(r, '$.n_a') + json_extract(r, '$.n_b') = 60) = 2
  FROM (SELECT id % 2 AS part, ks_2samp(v, g) AS r FROM w GROUP BY part);

-- Larger groups: the asymptotic methods (ks: more than 10000 values).
-- case: ranktests.large
SELECT json_extract(m, '$.method') = 'asymptotic' AND json_extract(m, '$.p') < 1e-6 AND json_extract(m, '$.hodges_lehmann') < 0
   AND json_extract(k, '$.method') = 'asymptotic' AND json_extract(k, '$.p') < 1e-6
  FROM (SELECT mann_whitney(v, g) AS m, ks_2samp(v, g) AS k
          FROM (WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 30000)
                SELECT i % 2 AS g, ((i * 7919) % 100003) / 100003.0 + (i % 2) * 0.05 AS v FROM s));

-- Errors.
-- case: ranktests.err.value.text
-- error: mann_whitney(): value (argument 1) is TEXT; expected INTEGER or REAL
SELECT mann_whitney(g, g) FROM ab;
-- case: ranktests.err.value.blob
-- error: ks_2samp(): value (argument 1) is BLOB; expected INTEGER or REAL
SELECT ks_2samp(x'00', 'a');
-- case: ranktests.err.value.inf
-- error: mann_whitney(): value (argument 1) is not a finite number
SELECT mann_whitney(9e999, 'a');
-- case: ranktests.err.group.blob
-- error: ks_2samp(): group (argument 2) is a BLOB; expected INTEGER, REAL or TEXT
SELECT ks_2samp(1, x'01');
-- case: ranktests.err.group.nul
-- error: mann_whitney(): group (argument 2) contains a NUL byte at offset 1; labels must be valid UTF-8 without NUL
SELECT mann_whitney(1, CAST(x'410042' AS TEXT));
-- case: ranktests.err.group.utf8
-- error: ks_2samp(): group (argument 2): byte 0xff at offset 1 is not valid UTF-8; labels must be valid UTF-8 without NUL
SELECT ks_2samp(1, CAST(x'41FF' AS TEXT));
-- case: ranktests.err.three.groups
-- error: mann_whitney(): group has more than 2 distinct values ('A', 'C', 'B'); expected exactly 2
SELECT mann_whitney(v, CASE WHEN id = 3 THEN 'C' ELSE g END) FROM ab;
-- case: ranktests.err.four.groups
-- error: ks_2samp(): group has more than 2 distinct values (1, 2, 3, ...); expected exactly 2
SELECT ks_2samp(v, id % 4) FROM ab;
-- case: ranktests.err.alternative
-- error: ks_2samp(): alternative (argument 3) is 'two_sided'; expected 'two-sided', 'less' or 'greater'
SELECT ks_2samp(v, g, 'two_sided') FROM ab;
-- case: ranktests.err.alternative.type
-- error: mann_whitney(): alternative (argument 3) is INTEGER; expected 'two-sided', 'less' or 'greater'
SELECT mann_whitney(v, g, 2) FROM ab;
-- case: ranktests.err.confidence
-- error: mann_whitney(): confidence (argument 4) is 95.0; expected a number between 0 and 1 (exclusive)
SELECT mann_whitney(v, g, 'two-sided', 95) FROM ab;
-- case: ranktests.err.confidence.type
-- error: mann_whitney(): confidence (argument 4) is TEXT; expected a number between 0 and 1 (exclusive)
SELECT mann_whitney(v, g, 'two-sided', '0.9') FROM ab;
-- case: ranktests.err.alternative.changed
-- error: ks_2samp(): alternative changed from 'two-sided' to 'less' between rows
SELECT ks_2samp(v, g, CASE WHEN id = 1 THEN 'two-sided' ELSE 'less' END) FROM ab;
-- case: ranktests.err.confidence.changed
-- error: mann_whitney(): confidence changed from 0.9 to 0.8 between rows
SELECT mann_whitney(v, g, 'less', CASE WHEN id = 1 THEN 0.9 ELSE 0.8 END) FROM ab;
-- case: ranktests.err.nargs.ks
-- error: wrong number of arguments to function ks_2samp()
SELECT ks_2samp(v, g, 'less', 0.9) FROM ab;
-- case: ranktests.err.nargs.mwu
-- error: wrong number of arguments to function mann_whitney()
SELECT mann_whitney(v) FROM ab;
