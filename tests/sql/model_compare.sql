-- model_compare() and model_promote_if_better() (ext/compare.c; behaviour
-- numbers are its): champion against challenger on the same logged runs.
CREATE TABLE history(id INTEGER PRIMARY KEY, threads INTEGER, input_gb REAL, duration_s REAL);
WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < 600)
INSERT INTO history SELECT n, 1 + n % 8, (n * 37 % 100) / 10.0, 30 + 100.0 * ((n * 37 % 100) / 10.0) / (1 + n % 8) + (n * 7919 % 13) FROM i;
-- v1: trained on a distorted target (worse); v2: on the true one (better)
-- case: cmp.save.v1
SELECT model_save('rt', gbt_train(feature_vector('threads', threads, 'input_gb', input_gb), duration_s * (1 + (id % 5) / 4.0), '{"n_trees": 30}'), 'production') = 1 FROM history WHERE id <= 300;
-- case: cmp.save.nochal
SELECT model_save('nochal', gbt_train(feature_vector('threads', threads), duration_s, '{"n_trees": 5}')) = 1 FROM history;
-- case: cmp.save.v2
SELECT model_save('rt', gbt_train(feature_vector('threads', threads, 'input_gb', input_gb), duration_s, '{"n_trees": 30}'), 'challenger') = 2 FROM history WHERE id <= 300;
-- case: cmp.err.no.challenger
-- error: model_compare(): model 'nochal' has no challenger: point its 'challenger' (or 'staging') alias at the version to compare, e.g. SELECT model_alias('nochal', 'challenger', 2)
SELECT decision FROM model_compare('nochal');
-- the next 300 runs are scored (champion + shadow) and finish
-- case: cmp.log
SELECT count(*) = 300 FROM history WHERE id > 300 AND predict_log(id, 'rt', feature_vector('threads', threads, 'input_gb', input_gb)) IS NOT NULL;
-- case: cmp.err.no.outcomes
-- error: model_compare(): no outcomes (main.omen_outcomes(run_key, actual) does not exist): record them with a trigger or define the view (docs/predict_log.md)
SELECT decision FROM model_compare('rt');
CREATE VIEW omen_outcomes AS SELECT id AS run_key, duration_s AS actual FROM history;
-- behaviour 5: one row of plain columns
-- case: cmp.row
SELECT name = 'rt' AND champion = 1 AND challenger = 2 AND n = 300 AND loss = 'absolute' AND decision = 'promote' FROM model_compare('rt');
-- behaviour 3: the tests are paired_ttest and wilcoxon_signed_rank (one-sided, 'greater') of d = |e1| - |e2|
CREATE TABLE pairs AS SELECT abs(o.actual - c.predicted) AS l1, abs(o.actual - s.predicted) AS l2
  FROM omen_predictions c JOIN omen_predictions s ON s.id = c.id + 1 AND s.role = 'shadow' JOIN omen_outcomes o ON o.run_key = c.run_key
 WHERE c.role = 'champion';
-- case: cmp.same.as.paired.ttest
SELECT abs(c.t - json_extract(p.j, '$.statistic')) <= 1e-12 * abs(c.t) AND abs(c.t_p - json_extract(p.j, '$.p')) <= 1e-12 * c.t_p + 1e-300
   AND abs(c.mean_diff - json_extract(p.j, '$.mean_diff')) <= 1e-12 * abs(c.mean_diff)
  FROM model_compare('rt') c, (SELECT paired_ttest(l1, l2, 'greater') AS j FROM pairs) p;
-- case: cmp.same.as.wilcoxon
SELECT c.wilcoxon_statistic = json_extract(w.j, '$.statistic') AND abs(c.wilcoxon_p - json_extract(w.j, '$.p')) <= 1e-12 * c.wilcoxon_p + 1e-300
  FROM model_compare('rt') c, (SELECT wilcoxon_signed_rank(l1, l2, 'greater') AS j FROM pairs) w;
-- case: cmp.ci.two.sided
SELECT abs(c.ci_low - json_extract(p.j, '$.ci_low')) <= 1e-9 * abs(c.ci_low) AND abs(c.ci_high - json_extract(p.j, '$.ci_high')) <= 1e-9 * abs(c.ci_high)
  FROM model_compare('rt') c, (SELECT paired_ttest(l1, l2) AS j FROM pairs) p;
-- case: cmp.losses
SELECT abs(champion_loss - (SELECT avg(l1) FROM pairs)) < 1e-9 AND abs(challenger_loss - (SELECT avg(l2) FROM pairs)) < 1e-9 AND champion_loss > challenger_loss FROM model_compare('rt');
-- case: cmp.coverage
SELECT champion_coverage BETWEEN 0 AND 1 AND challenger_coverage BETWEEN 0 AND 1 AND challenger_coverage > champion_coverage FROM model_compare('rt');
-- behaviour 4: too few runs → continue
-- case: cmp.continue
SELECT decision = 'continue' AND reason = '200 more runs with outcomes needed (min_runs 500)' FROM model_compare('rt', '{"min_runs": 500}');
-- case: cmp.err.options
-- error: model_compare(): options: unknown key 'runs'; expected min_runs, alpha or coverage_tolerance
SELECT decision FROM model_compare('rt', '{"runs": 5}');
-- case: cmp.err.options.alpha
-- error: model_compare(): options: alpha must be in (0, 0.5]
SELECT decision FROM model_compare('rt', '{"alpha": 0.9}');
-- case: cmp.err.min.runs
-- error: model_compare(): options: min_runs must be an integer >= 2
SELECT decision FROM model_compare('rt', '{"min_runs": 1}');
-- case: cmp.err.name.ref
-- error: model_compare(): 'rt@1' is a reference; expected a model name (without '@')
SELECT decision FROM model_compare('rt@1');
-- case: cmp.err.unknown
-- error: model_compare(): no model named 'zz' in omen_models
SELECT decision FROM model_compare('zz');
-- case: cmp.null.name
SELECT count(*) = 0 FROM model_compare(NULL);

-- the other way round: the worse model as challenger is discarded
-- case: cmp.swap.v1
SELECT model_save('w', gbt_train(feature_vector('threads', threads, 'input_gb', input_gb), duration_s, '{"n_trees": 30}'), 'production') = 1 FROM history WHERE id <= 300;
-- case: cmp.swap.v2
SELECT model_save('w', gbt_train(feature_vector('threads', threads, 'input_gb', input_gb), duration_s * (1 + (id % 5) / 4.0), '{"n_trees": 30}'), 'challenger') = 2 FROM history WHERE id <= 300;
-- case: cmp.swap.log
SELECT count(*) = 300 FROM history WHERE id > 300 AND predict_log(id, 'w', feature_vector('threads', threads, 'input_gb', input_gb)) IS NOT NULL;
-- case: cmp.swap.discard
SELECT decision = 'discard' AND reason LIKE 'the challenger''s loss is higher%' FROM model_compare('w');
-- case: cmp.swap.not.promoted
SELECT model_promote_if_better('w') = 'discard' AND (SELECT version FROM omen_aliases WHERE name = 'w' AND alias = 'production') = 1
   AND (SELECT version FROM omen_aliases WHERE name = 'w' AND alias = 'challenger') = 2;
-- equal models: keep
-- case: cmp.same.v3
SELECT model_save('w', model_load('w', 1), 'challenger') = 3;
-- case: cmp.same.log
SELECT count(*) = 300 FROM history WHERE id > 300 AND predict_log(id, 'w', feature_vector('threads', threads, 'input_gb', input_gb)) IS NOT NULL;
-- case: cmp.same.keep
SELECT decision = 'keep' AND n = 300 AND mean_diff = 0 FROM model_compare('w');

-- behaviour 6: the better challenger is promoted, with the evidence in the events
-- case: cmp.promote
SELECT model_promote_if_better('rt') = 'promoted';
-- case: cmp.promote.aliases
SELECT (SELECT version FROM omen_aliases WHERE name = 'rt' AND alias = 'production') = 2
   AND NOT EXISTS (SELECT 1 FROM omen_aliases WHERE name = 'rt' AND alias = 'challenger');
-- case: cmp.promote.events
SELECT count(*) = 2 AND min(note) LIKE 'promote_if_better: n=300, mean_diff=%' FROM omen_model_events WHERE name = 'rt' AND note LIKE 'promote_if_better:%';
-- case: cmp.promote.bare.name
SELECT predict('rt', feature_vector('threads', 2, 'input_gb', 5.0)) = predict('rt@2', feature_vector('threads', 2, 'input_gb', 5.0));
-- case: cmp.promote.again.no.challenger
-- error: model_promote_if_better(): model 'rt' has no challenger: point its 'challenger' (or 'staging') alias at the version to compare, e.g. SELECT model_alias('rt', 'challenger', 2)
SELECT model_promote_if_better('rt');
-- a promotion inside a transaction that rolls back leaves nothing
-- case: cmp.txn.setup
SELECT model_alias('rt', 'production', 1) = 1 AND model_alias('rt', 'challenger', 2) = 2;
CREATE TABLE ev AS SELECT count(*) AS n FROM omen_model_events;
BEGIN;
-- case: cmp.txn.promote
SELECT model_promote_if_better('rt') = 'promoted';
ROLLBACK;
-- case: cmp.txn.rolled.back
SELECT (SELECT version FROM omen_aliases WHERE name = 'rt' AND alias = 'production') = 1 AND (SELECT count(*) FROM omen_model_events) = n FROM ev;
-- errors of the writer
-- case: cmp.err.promote.type
-- error: model_promote_if_better(): name (argument 1) is INTEGER; expected TEXT
SELECT model_promote_if_better(1);
-- case: cmp.err.promote.options
-- error: model_promote_if_better(): options: unknown key 'x'; expected min_runs, alpha or coverage_tolerance
SELECT model_promote_if_better('rt', '{"x": 1}');
CREATE TABLE t(v);
-- case: cmp.err.promote.insert
-- error: model_promote_if_better(): refused: the model registry is written only from a SELECT of its own (run SELECT model_promote_if_better(...), then use what it returns), and a 'INSERT INTO t SELECT model_promote_if_be...' statement is running on this connection; if you did not write that statement, a CHECK constraint, trigger or PRAGMA is calling model_promote_if_better() (see docs/SECURITY.md)
INSERT INTO t SELECT model_promote_if_better('rt');
