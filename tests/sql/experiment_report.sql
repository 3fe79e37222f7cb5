-- experiment_report() and experiment_variants(): behaviours, edge cases, windows
-- and errors (docs/experiment_report.md, docs/experiment_variants.md).
-- Agreement with scipy/statsmodels: experiment_report_ref.sql.
CREATE TABLE r(id INTEGER PRIMARY KEY, v REAL, g TEXT);
INSERT INTO r(v, g) VALUES (10,'A'),(12,'A'),(11,'A'),(13,'A'),(14,'B'),(15,'B'),(16,'B'),(13.5,'B'),
  (11,'C'),(10.5,'C'),(12.5,'C'),(NULL,'A'),(99,NULL);
-- case: report.keys.top
SELECT group_concat(key, ',') = 'control,confidence,alpha,power,min_effect,better,variants'
  FROM json_each((SELECT experiment_report(v, g) FROM r));
-- case: report.keys.variant
SELECT group_concat(key, ',') = 'variant,n,mean,ci_low,ci_high,diff,diff_low,diff_high,lift,lift_low,lift_high,p,p_holm,needed,more,decision'
  FROM json_each((SELECT experiment_report(v, g) FROM r), '$.variants[1]');
-- case: report.defaults
SELECT json_extract(x, '$.control') = 'A' AND json_extract(x, '$.confidence') = 0.95 AND json_extract(x, '$.alpha') = 0.05
   AND json_extract(x, '$.power') = 0.8 AND json_extract(x, '$.better') = 'higher'
   AND abs(json_extract(x, '$.min_effect') - 0.575) < 1e-15
  FROM (SELECT experiment_report(v, g) AS x FROM r);
-- Rows with a NULL value or group are skipped.
-- case: report.nulls.skipped
SELECT json_extract(x, '$.variants[0].n') = 4 AND json_array_length(x, '$.variants') = 3
  FROM (SELECT experiment_report(v, g) AS x FROM r);
-- case: report.no.rows
SELECT experiment_report(v, g) IS NULL FROM r WHERE 0;
-- case: report.only.nulls
SELECT experiment_report(v, g) IS NULL FROM r WHERE v IS NULL OR g IS NULL;
-- case: report.null.settings.are.defaults
SELECT experiment_report(v, g, NULL, NULL) = experiment_report(v, g) AND experiment_report(v, g, NULL) = experiment_report(v, g)
  FROM r;
-- case: report.empty.options.are.defaults
SELECT experiment_report(v, g, NULL, '{}') = experiment_report(v, g)
   AND experiment_report(v, g, NULL, '{"confidence": null, "better": null}') = experiment_report(v, g) FROM r;
-- One variant: the control row only.
-- case: report.one.variant
SELECT json_array_length(x, '$.variants') = 1 AND json_extract(x, '$.variants[0].decision') = 'control'
   AND json_type(x, '$.variants[0].diff') = 'null' AND json_extract(x, '$.variants[0].n') = 4
  FROM (SELECT experiment_report(v, g) AS x FROM r WHERE g = 'A');
-- Two variants: p_holm = p (one comparison).
-- case: report.two.variants.holm.is.p
SELECT json_extract(x, '$.variants[1].p_holm') = json_extract(x, '$.variants[1].p')
  FROM (SELECT experiment_report(v, g) AS x FROM r WHERE g <> 'C');
-- The diff, its interval and p are welch_ttest's (variant minus control).
-- case: report.welch.agrees
SELECT json_extract(x, '$.variants[1].p') = json_extract(w, '$.p')
   AND json_extract(x, '$.variants[1].diff') = -json_extract(w, '$.diff')
   AND abs(json_extract(x, '$.variants[1].diff_low') + json_extract(w, '$.ci_high')) < 1e-12
  FROM (SELECT experiment_report(v, g) AS x, welch_ttest(v, g) AS w FROM r WHERE g <> 'C');
-- lift = diff / control mean; the mean's interval contains the mean.
-- case: report.lift.and.mean.ci
SELECT abs(json_extract(x, '$.variants[1].lift') - 3.125 / 11.5) < 1e-15
   AND json_extract(x, '$.variants[1].ci_low') < 14.625 AND json_extract(x, '$.variants[1].ci_high') > 14.625
   AND json_extract(x, '$.variants[1].lift_low') < json_extract(x, '$.variants[1].lift')
  FROM (SELECT experiment_report(v, g) AS x FROM r);
-- Holm over two comparisons: the smaller p doubled, the larger kept (monotone).
-- case: report.holm.three.variants
SELECT abs(json_extract(x, '$.variants[1].p_holm') - 2 * json_extract(x, '$.variants[1].p')) < 1e-17
   AND json_extract(x, '$.variants[2].p_holm') = max(json_extract(x, '$.variants[2].p'), json_extract(x, '$.variants[1].p_holm'))
  FROM (SELECT experiment_report(v, g) AS x FROM r);
-- Decisions: B is significantly higher (winner when higher is better, loser
-- when lower is); C is not significant and has too few runs.
-- case: report.decision.winner
SELECT json_extract(x, '$.variants[1].decision') = 'winner' AND json_type(x, '$.variants[1].more') = 'null'
  FROM (SELECT experiment_report(v, g) AS x FROM r);
-- case: report.decision.loser.lower.is.better
SELECT json_extract(x, '$.variants[1].decision') = 'loser' AND json_extract(x, '$.better') = 'lower'
  FROM (SELECT experiment_report(v, g, NULL, '{"better": "lower"}') AS x FROM r);
-- case: report.decision.keep.running
SELECT json_extract(x, '$.variants[2].decision') = 'keep running: about ' || json_extract(x, '$.variants[2].more') || ' more runs per variant'
   AND json_extract(x, '$.variants[2].more') = CAST(ceil(json_extract(x, '$.variants[2].needed')) AS INTEGER) - 3
  FROM (SELECT experiment_report(v, g) AS x FROM r);
-- Two identical large groups: no detectable difference (enough runs for the power).
CREATE TABLE big AS WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < 3999)
  SELECT i, 100 + (i / 2) % 10 AS v, CASE WHEN i % 2 THEN 'new' ELSE 'old' END AS k FROM s;
-- case: report.decision.no.difference
SELECT json_extract(x, '$.variants[1].decision') = 'no detectable difference' AND json_extract(x, '$.variants[1].p') = 1
   AND json_extract(x, '$.variants[1].needed') < 2000
  FROM (SELECT experiment_report(v, k, 'old') AS x FROM big);
-- Both groups constant and equal: no p and no needed → "keep running" without a number.
-- case: report.decision.keep.running.unknown
SELECT json_extract(x, '$.variants[1].decision') = 'keep running' AND json_type(x, '$.variants[1].needed') = 'null'
   AND json_type(x, '$.variants[1].more') = 'null'
  FROM (SELECT experiment_report(5, k) AS x FROM big);
-- Both constant, different: p = 0, a winner.
-- case: report.constant.groups.different
SELECT json_extract(x, '$.variants[1].p') = 0 AND json_extract(x, '$.variants[1].decision') = 'winner'
  FROM (SELECT experiment_report(CASE k WHEN 'new' THEN 6 ELSE 5 END, k, 'old') AS x FROM big);
-- A control mean of 0: no lift.
-- case: report.control.mean.zero
SELECT json_type(x, '$.variants[1].lift') = 'null' AND json_type(x, '$.variants[1].lift_low') = 'null'
   AND json_extract(x, '$.min_effect') = 0 AND json_type(x, '$.variants[1].needed') = 'null'
  FROM (SELECT experiment_report(CASE k WHEN 'old' THEN (i % 3) - 1 ELSE i % 5 END, k, 'old') AS x FROM big);
-- A variant with one run: no variance, no test, out of Holm's family.
-- case: report.one.run.variant
SELECT json_type(x, '$.variants[3].p') = 'null' AND json_type(x, '$.variants[3].ci_low') = 'null'
   AND json_extract(x, '$.variants[3].diff') = 1 AND json_extract(x, '$.variants[3].decision') = 'keep running'
   AND abs(json_extract(x, '$.variants[1].p_holm') - 2 * json_extract(x, '$.variants[1].p')) < 1e-17
  FROM (SELECT experiment_report(v, g) AS x FROM (SELECT v, g FROM r UNION ALL SELECT 12.5, 'D'));
-- Five variants, the control named: it comes first, the others in SQLite order.
CREATE TABLE five AS WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < 299)
  SELECT i, 50 + ((i * 7919) % 101) / 16.0 + (i % 5) * 0.25 AS v, char(65 + i % 5) AS k FROM s;
-- case: report.five.variants.order
SELECT group_concat(json_extract(value, '$.variant'), ',') = 'C,A,B,D,E'
  FROM json_each((SELECT experiment_report(v, k, 'C') FROM five), '$.variants');
-- case: report.five.variants.holm
SELECT count(*) = 4 AND min(json_extract(value, '$.p_holm') >= json_extract(value, '$.p')) AND max(json_extract(value, '$.p_holm')) <= 1
  FROM json_each((SELECT experiment_report(v, k, 'C') FROM five), '$.variants') WHERE key > 0;
-- needed uses alpha / (K - 1): more variants need more runs.
-- case: report.needed.bonferroni
SELECT json_extract(a, '$.variants[1].needed') < json_extract(b, '$.variants[1].needed')
  FROM (SELECT experiment_report(v, k, 'A', '{"min_effect": 1}') AS b,
               experiment_report(CASE WHEN k IN ('A', 'B') THEN v END, k, 'A', '{"min_effect": 1}') AS a FROM five);
-- Default control: the smallest value in SQLite order (numbers before text, text bytewise).
-- case: report.default.control.numbers.first
SELECT json_extract(experiment_report(x, k), '$.control') = 7
  FROM (SELECT 1 AS x, '1' AS k UNION ALL SELECT 2, '1' UNION ALL SELECT 3, 7 UNION ALL SELECT 5, 7);
-- case: report.default.control.bytewise
SELECT json_extract(experiment_report(x, k), '$.control') = 'B'
  FROM (SELECT 1 AS x, 'a' AS k UNION ALL SELECT 2, 'a' UNION ALL SELECT 3, 'B' UNION ALL SELECT 5, 'B');
-- 1 and 1.0 are one variant, and a control 1.0 names it.
-- case: report.int.real.same.variant
SELECT json_array_length(x, '$.variants') = 2 AND json_extract(x, '$.variants[0].n') = 2 AND json_extract(x, '$.control') = 2
  FROM (SELECT experiment_report(x, k, 2.0) AS x FROM (SELECT 1 AS x, 1 AS k UNION ALL SELECT 2, 1.0 UNION ALL SELECT 3, 2 UNION ALL SELECT 5, 2.0));
-- Options: confidence, alpha, power and min_effect as given.
-- case: report.options
SELECT json_extract(x, '$.confidence') = 0.9 AND json_extract(x, '$.alpha') = 0.01 AND json_extract(x, '$.power') = 0.9
   AND json_extract(x, '$.min_effect') = 2
   AND json_extract(x, '$.variants[1].ci_high') - json_extract(x, '$.variants[1].ci_low')
       < json_extract(y, '$.variants[1].ci_high') - json_extract(y, '$.variants[1].ci_low')
  FROM (SELECT experiment_report(v, g, NULL, '{"confidence": 0.9, "alpha": 0.01, "power": 0.9, "min_effect": 2}') AS x,
               experiment_report(v, g) AS y FROM r);
-- alpha defaults to 1 - confidence (rounded: 0.1 for 0.9).
-- case: report.alpha.default
SELECT json_extract(experiment_report(v, g, NULL, '{"confidence": 0.9}'), '$.alpha') = 0.1 FROM r;
-- A large common offset costs no accuracy in p (the values sit on a 1/16 grid,
-- so v + 1e9 is exact and only the algorithm could differ).
-- case: report.stable.offset
SELECT abs(json_extract(a, '$.variants[1].p') / json_extract(b, '$.variants[1].p') - 1) < 1e-12
   AND json_extract(a, '$.variants[2].diff') = json_extract(b, '$.variants[2].diff')
  FROM (SELECT experiment_report(v + 1e9, k) AS a, experiment_report(v, k) AS b FROM five);
-- Windows: a sliding frame (xInverse) gives the same text as the aggregate over its rows.
-- case: report.window.sliding.equals.aggregate
SELECT count(*) = 0 FROM (
  SELECT i, experiment_report(v, k) OVER (ORDER BY i ROWS 19 PRECEDING) AS w FROM five WHERE i < 200
) AS s
WHERE w IS NOT (SELECT experiment_report(v, k) FROM (SELECT * FROM five f WHERE f.i BETWEEN s.i - 19 AND s.i ORDER BY i));
-- case: report.window.sliding.rows
SELECT json_extract(w, '$.variants[0].n') + json_extract(w, '$.variants[1].n') + json_extract(w, '$.variants[2].n')
     + json_extract(w, '$.variants[3].n') + json_extract(w, '$.variants[4].n') = 20
  FROM (SELECT experiment_report(v, k) OVER (ORDER BY i ROWS 19 PRECEDING) AS w, i FROM five) WHERE i = 250;
-- case: report.window.unbounded
SELECT count(DISTINCT w) = 1 AND max(w) = (SELECT experiment_report(v, k) FROM five)
  FROM (SELECT experiment_report(v, k) OVER (ORDER BY i ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS w FROM five);
-- case: report.window.following
SELECT count(*) = 0 FROM (
  SELECT i, experiment_report(v, k) OVER (ORDER BY i ROWS BETWEEN 3 PRECEDING AND 6 FOLLOWING) AS w FROM five WHERE i < 100
) AS s
WHERE w IS NOT (SELECT experiment_report(v, k) FROM five f WHERE f.i BETWEEN s.i - 3 AND min(s.i + 6, 99));
-- Peers of an ORDER BY with ties share one frame; their (kept) result is the
-- aggregate over every row up to the last peer.
-- case: report.window.peers
SELECT count(*) = 0 FROM (
  SELECT i, i / 50 AS day, experiment_report(v, k) OVER (ORDER BY i / 50) AS w FROM five
) AS s
WHERE w IS NOT (SELECT experiment_report(v, k) FROM five f WHERE f.i / 50 <= s.day);
-- case: report.window.peers.sliding
SELECT count(*) = 0 FROM (
  SELECT i / 50 AS day, experiment_report(v, k) OVER (ORDER BY i / 50 RANGE 1 PRECEDING) AS w FROM five
) AS s
WHERE w IS NOT (SELECT experiment_report(v, k) FROM (SELECT * FROM five f WHERE f.i / 50 BETWEEN s.day - 1 AND s.day ORDER BY i));
-- case: report.window.partition
SELECT count(DISTINCT w) = 2 FROM (SELECT experiment_report(v, k) OVER (PARTITION BY i % 2) AS w FROM five);
-- A frame may see only some variants (the early rows).
-- case: report.window.first.row
SELECT json_array_length(w, '$.variants') = 1
  FROM (SELECT experiment_report(v, k) OVER (ORDER BY i ROWS 2 PRECEDING) AS w, i FROM five) WHERE i = 0;
-- 64 variants are fine, 65 are not.
CREATE TABLE many AS WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < 649)
  SELECT i, (i * 37) % 11 AS v, i % 65 AS k FROM s;
-- case: report.64.variants
SELECT json_array_length(experiment_report(v, k), '$.variants') = 64 FROM many WHERE k < 64;
-- case: report.65.variants
-- error: experiment_report(): group has more than 64 distinct values (0, 1, 2, ...); expected at most 64
SELECT experiment_report(v, k) FROM many;

-- experiment_variants: the same report as rows.
-- case: variants.rows.equal.json
SELECT count(*) = 3 AND min(
         t.variant = json_extract(j.value, '$.variant') AND t.n = json_extract(j.value, '$.n')
     AND t.mean = json_extract(j.value, '$.mean') AND t.ci_low = json_extract(j.value, '$.ci_low')
     AND t.ci_high = json_extract(j.value, '$.ci_high')
     AND t.diff IS json_extract(j.value, '$.diff') AND t.diff_low IS json_extract(j.value, '$.diff_low')
     AND t.diff_high IS json_extract(j.value, '$.diff_high') AND t.lift IS json_extract(j.value, '$.lift')
     AND t.lift_low IS json_extract(j.value, '$.lift_low') AND t.lift_high IS json_extract(j.value, '$.lift_high')
     AND t.p IS json_extract(j.value, '$.p') AND t.p_holm IS json_extract(j.value, '$.p_holm')
     AND t.needed IS json_extract(j.value, '$.needed') AND t.more IS json_extract(j.value, '$.more')
     AND t.decision = json_extract(j.value, '$.decision') AND t.is_control = (j.key = 0))
  FROM experiment_variants((SELECT experiment_report(v, g) FROM r)) AS t
  JOIN json_each((SELECT experiment_report(v, g) FROM r), '$.variants') AS j ON j.key = t.rowid - 1;
-- case: variants.types
SELECT typeof(variant) = 'text' AND typeof(n) = 'integer' AND typeof(mean) = 'real' AND typeof(p) = 'real'
   AND typeof(more) = 'integer' AND typeof(is_control) = 'integer' AND typeof(decision) = 'text'
  FROM experiment_variants((SELECT experiment_report(v, g) FROM r)) WHERE variant = 'C';
-- case: variants.control.row
SELECT is_control = 1 AND decision = 'control' AND diff IS NULL AND p IS NULL AND more IS NULL
  FROM experiment_variants((SELECT experiment_report(v, g) FROM r)) WHERE variant = 'A';
-- case: variants.integer.labels
SELECT group_concat(variant, ',') = '3,1,2' AND min(typeof(variant)) = 'integer'
  FROM experiment_variants((SELECT experiment_report(x, k, 3) FROM (SELECT 1 AS x, 1 AS k UNION ALL SELECT 2, 1 UNION ALL SELECT 3, 2
                                                              UNION ALL SELECT 5, 2 UNION ALL SELECT 1, 3 UNION ALL SELECT 4, 3)));
-- case: variants.five
SELECT count(*) = 5 AND sum(is_control) = 1 AND sum(n) = 300 FROM experiment_variants((SELECT experiment_report(v, k, 'C') FROM five));
-- A NULL report (no rows) gives no rows.
-- case: variants.null
SELECT count(*) = 0 FROM experiment_variants(NULL);
-- case: variants.null.report
SELECT count(*) = 0 FROM experiment_variants((SELECT experiment_report(v, g) FROM r WHERE 0));
-- A view a BI tool reads over ODBC.
CREATE VIEW ab_report AS SELECT variant, n, mean, ci_low, ci_high, diff, p, decision
  FROM experiment_variants((SELECT experiment_report(v, g) FROM r));
-- case: variants.view
SELECT count(*) = 3 AND sum(decision = 'winner') = 1 FROM ab_report;
-- Per job with a join (lateral use of the table-valued function).
-- case: variants.join
SELECT count(*) = 5 FROM (SELECT 'x' AS job, (SELECT experiment_report(v, g) FROM r) AS rep
                          UNION ALL SELECT 'y', (SELECT experiment_report(v, g) FROM r WHERE g <> 'C')) AS j,
                         experiment_variants(j.rep) AS t;
-- case: variants.error.type
-- error: experiment_variants(): report (argument 1) is INTEGER; expected the JSON text of experiment_report()
SELECT * FROM experiment_variants(42);
-- case: variants.error.not.json
-- error: experiment_variants(): report (argument 1) is not the JSON text of experiment_report(): not a JSON object
SELECT * FROM experiment_variants('hello');
-- case: variants.error.welch
-- error: experiment_variants(): report (argument 1) is not the JSON text of experiment_report(): no "variants" array
SELECT * FROM experiment_variants((SELECT welch_ttest(v, g) FROM r WHERE g <> 'C'));
-- case: variants.error.extra.key
-- error: experiment_variants(): report (argument 1) is not the JSON text of experiment_report(): its keys are not those of experiment_report()
SELECT * FROM experiment_variants(json_set((SELECT experiment_report(v, g) FROM r), '$.extra', 1));
-- case: variants.error.variant.key
-- error: experiment_variants(): report (argument 1) is not the JSON text of experiment_report(): a variant's keys are not those of experiment_report()
SELECT * FROM experiment_variants(json_remove((SELECT experiment_report(v, g) FROM r), '$.variants[1].p'));
-- case: variants.error.variant.type
-- error: experiment_variants(): report (argument 1) is not the JSON text of experiment_report(): a variant's keys are not those of experiment_report()
SELECT * FROM experiment_variants(json_set((SELECT experiment_report(v, g) FROM r), '$.variants[1].p', 'small'));
-- case: variants.error.two.controls
-- error: experiment_variants(): report (argument 1) is not the JSON text of experiment_report(): it does not have exactly one control row
SELECT * FROM experiment_variants(json_set((SELECT experiment_report(v, g) FROM r), '$.variants[1].decision', 'control'));
-- case: variants.error.nested
-- error: experiment_variants(): report (argument 1) is not the JSON text of experiment_report(): an element of "variants" is not an object
SELECT * FROM experiment_variants(json_set((SELECT experiment_report(v, g) FROM r), '$.variants[1]', json('[1,2]')));
-- case: variants.error.truncated
-- error: experiment_variants(): report (argument 1) is not the JSON text of experiment_report(): not a JSON object
SELECT * FROM experiment_variants(substr((SELECT experiment_report(v, g) FROM r), 1, 300));
-- case: variants.error.no.argument
-- error: no query solution
SELECT * FROM experiment_variants;

-- Errors of experiment_report.
-- case: report.error.value.text
-- error: experiment_report(): value (argument 1) is TEXT; expected INTEGER or REAL
SELECT experiment_report(g, g) FROM r;
-- case: report.error.value.inf
-- error: experiment_report(): value (argument 1) is not a finite number
SELECT experiment_report(9e999, g) FROM r;
-- case: report.error.group.blob
-- error: experiment_report(): group (argument 2) is a BLOB; expected INTEGER, REAL or TEXT
SELECT experiment_report(v, x'01') FROM r;
-- case: report.error.group.utf8
-- error: experiment_report(): group (argument 2): byte 0xff at offset 1 is not valid UTF-8; labels must be valid UTF-8 without NUL
SELECT experiment_report(v, CAST(x'41FF' AS TEXT)) FROM r;
-- case: report.error.group.nul
-- error: experiment_report(): group (argument 2) contains a NUL byte at offset 1; labels must be valid UTF-8 without NUL
SELECT experiment_report(v, CAST(x'410042' AS TEXT)) FROM r;
-- case: report.error.control.missing
-- error: experiment_report(): control (argument 3) 'Z' is not among the 3 variants of group
SELECT experiment_report(v, g, 'Z') FROM r;
-- case: report.error.control.blob
-- error: experiment_report(): control (argument 3) is a BLOB; expected INTEGER, REAL or TEXT
SELECT experiment_report(v, g, x'00') FROM r;
-- case: report.error.control.changed
-- error: experiment_report(): control (argument 3) changed between rows; pass the same control on every row
SELECT experiment_report(v, g, CASE WHEN id < 5 THEN 'A' ELSE 'B' END) FROM r;
-- case: report.error.options.changed
-- error: experiment_report(): options changed between rows; pass the same options on every row
SELECT experiment_report(v, g, NULL, CASE WHEN id < 5 THEN '{}' ELSE '{"power": 0.9}' END) FROM r;
-- case: report.error.options.type
-- error: experiment_report(): options (argument 4) is INTEGER; expected a JSON object as TEXT
SELECT experiment_report(v, g, NULL, 1) FROM r;
-- case: report.error.options.json
-- error: experiment_report(): options (argument 4) is not a JSON object of settings: expected a JSON object
SELECT experiment_report(v, g, NULL, 'power=0.9') FROM r;
-- case: report.error.options.unknown
-- error: experiment_report(): options (argument 4): unknown key 'confidence_level'; expected confidence, alpha, power, min_effect or better
SELECT experiment_report(v, g, NULL, '{"confidence_level": 0.9}') FROM r;
-- case: report.error.options.not.number
-- error: experiment_report(): options (argument 4): power is not a number
SELECT experiment_report(v, g, NULL, '{"power": "high"}') FROM r;
-- case: report.error.options.confidence
-- error: experiment_report(): options (argument 4): confidence is 95.0; expected a number between 0 and 1 (exclusive)
SELECT experiment_report(v, g, NULL, '{"confidence": 95}') FROM r;
-- case: report.error.options.alpha
-- error: experiment_report(): options (argument 4): alpha is 0.0; expected a number between 0 and 1 (exclusive)
SELECT experiment_report(v, g, NULL, '{"alpha": 0}') FROM r;
-- case: report.error.options.power
-- error: experiment_report(): options (argument 4): power is 0.01; expected a number between alpha (0.05) and 1 (exclusive)
SELECT experiment_report(v, g, NULL, '{"power": 0.01}') FROM r;
-- case: report.error.options.min.effect
-- error: experiment_report(): options (argument 4): min_effect is -1.0; expected a finite number > 0 in the value's units
SELECT experiment_report(v, g, NULL, '{"min_effect": -1}') FROM r;
-- case: report.error.options.better
-- error: experiment_report(): options (argument 4): better must be 'higher' or 'lower'
SELECT experiment_report(v, g, NULL, '{"better": "faster"}') FROM r;
-- case: report.error.beyond.double
-- error: experiment_report(): var_a is about 2e+616, beyond the range of a double; divide the values by a constant first
SELECT experiment_report(x, k) FROM (SELECT 1e308 AS x, 'b' AS k UNION ALL SELECT -1e308, 'b' UNION ALL SELECT 1, 'a' UNION ALL SELECT 2, 'a');
-- case: report.error.arity
-- error: wrong number of arguments to function experiment_report()
SELECT experiment_report(v) FROM r;
