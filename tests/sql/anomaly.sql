-- anomaly_score(), is_anomaly(), anomaly_report(), anomaly_explain(), anomaly_ensemble()
-- across detector kinds (iforest, baseline): docs/anomaly_*.md, docs/is_anomaly.md;
-- the spec is ext/anomaly.c's header and ext/core/ensemble/ens.h (behaviours 1-5).
CREATE TABLE runs(id INTEGER PRIMARY KEY, dur REAL, cpu REAL, mem REAL, host TEXT);
WITH RECURSIVE s(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM s WHERE k < 400)
INSERT INTO runs
SELECT k, round(500 + 100 * (hash_uniform(k, 1) + hash_uniform(k, 2) - 1), 1),
       round(50 + 10 * (hash_uniform(k, 3) + hash_uniform(k, 4) - 1), 2),
       round(8 + 2 * hash_uniform(k, 5), 2), CASE WHEN k % 3 = 0 THEN 'big' ELSE 'small' END
  FROM s;
CREATE TABLE models(name TEXT PRIMARY KEY, m BLOB);
INSERT INTO models
SELECT 'forest', isolation_forest_train(feature_vector('dur', dur, 'cpu', cpu, 'mem', mem, 'host', host),
                                        '{"seed": 4, "contamination": 0.05}') FROM runs
UNION ALL SELECT 'forest_auto', isolation_forest_train(feature_vector('dur', dur, 'cpu', cpu, 'host', host), '{"seed": 9}') FROM runs
UNION ALL SELECT 'base', baseline_train(feature_vector('dur', dur, 'cpu', cpu)) FROM runs
UNION ALL SELECT 'base_dur', baseline_train(feature_vector('dur', dur), '{"threshold": 1.5}') FROM runs
UNION ALL SELECT 'base_mem', baseline_train(feature_vector('mem', mem), '{"threshold": 2.5}') FROM runs
UNION ALL SELECT 'gbt', gbt_train(feature_vector('cpu', cpu), dur, '{"n_trees": 3}') FROM runs
UNION ALL SELECT 'scaler', scaler_train(feature_vector('cpu', cpu)) FROM runs
UNION ALL SELECT 'host_num', isolation_forest_train(feature_vector('host', length(host), 'dur', dur), '{"n_trees": 5}') FROM runs;
INSERT INTO models
SELECT 'fleet', baseline_fleet(m) FROM (SELECT baseline_train(feature_vector('dur', dur)) AS m FROM runs GROUP BY id % 5);
CREATE TABLE probes(p INTEGER PRIMARY KEY, fv BLOB);
INSERT INTO probes VALUES
  (1, feature_vector('dur', 505, 'cpu', 50, 'mem', 9, 'host', 'small')),
  (2, feature_vector('dur', 590, 'cpu', 51, 'mem', 8.5, 'host', 'small')),
  (3, feature_vector('dur', 900, 'cpu', 49, 'mem', 9.1, 'host', 'big')),
  (4, feature_vector('dur', 900, 'cpu', 95, 'mem', 30, 'host', 'new')),
  (5, feature_vector('dur', 480, 'cpu', 80, 'mem', 9, 'host', 'small')),
  (6, feature_vector('dur', 520, 'cpu', 52, 'mem', 4, 'host', 'big')),
  (7, feature_vector('dur', NULL, 'cpu', NULL, 'host', 'big', 'mem', 9.5)),
  (8, feature_vector('dur', 610, 'cpu', 62, 'mem', 10.5, 'host', 'small'));
-- Each detector's severity (score / its threshold) on each probe.
CREATE TABLE thr AS SELECT name, json_extract(model_info(m), '$.detail.threshold') AS t FROM models
 WHERE name IN ('forest', 'forest_auto', 'base', 'base_dur', 'base_mem');
CREATE TABLE sev AS
SELECT p, models.name AS name, anomaly_score(m, fv) / t AS s FROM probes, models JOIN thr USING (name);

-- ------------------------------------------------------------ per kind
-- case: anomaly.score.iforest
SELECT count(*) = 0 FROM probes, models WHERE name = 'forest' AND anomaly_score(m, fv) IS NOT isolation_score(m, fv);
-- The baseline's anomaly score is the largest |robust z| over its features.
-- case: anomaly.score.baseline
SELECT count(*) = 6
  FROM probes, models
 WHERE name = 'base' AND p <= 6
   AND abs(anomaly_score(m, fv) - max(abs(baseline_score(m, feature_vector('dur', json_extract(feature_vector_json(fv), '$.dur')))),
                                      abs(baseline_score(m, feature_vector('cpu', json_extract(feature_vector_json(fv), '$.cpu')))))) < 1e-12;
-- case: anomaly.score.baseline.sign
SELECT anomaly_score(m, feature_vector('dur', 100)) = -baseline_score(m, feature_vector('dur', 100))
   AND anomaly_score(m, feature_vector('dur', 100)) > 0
  FROM models WHERE name = 'base';
-- is_anomaly is score > the stored threshold, for every kind.
-- case: anomaly.is_anomaly.threshold
SELECT count(*) = 0
  FROM probes, models JOIN thr USING (name)
 WHERE is_anomaly(m, fv) IS NOT (anomaly_score(m, fv) > t);
-- case: anomaly.is_anomaly.values
SELECT group_concat(p || ':' || is_anomaly(m, fv), ' ') = '1:0 2:0 3:1 4:1 5:1 6:0 8:0'
  FROM probes, models WHERE name = 'base' AND p <> 7;
-- Nothing to score: NULL score, NULL verdict.
-- case: anomaly.null.nothing.to.score
SELECT anomaly_score(m, fv) IS NULL AND is_anomaly(m, fv) IS NULL
  FROM probes, models WHERE name = 'base' AND p = 7;
-- case: anomaly.null.forest.all.missing
SELECT anomaly_score(m, feature_vector('dur', NULL, 'host', NULL)) IS NULL FROM models WHERE name = 'forest';
-- case: anomaly.null.args
SELECT anomaly_score(NULL, fv) IS NULL AND anomaly_score(m, NULL) IS NULL AND is_anomaly(NULL, fv) IS NULL
   AND is_anomaly(m, NULL) IS NULL AND anomaly_report(NULL, fv) IS NULL AND anomaly_report(m, NULL) IS NULL
  FROM probes, models WHERE name = 'forest' AND p = 1;
-- A fleet prior scores nothing (it has no threshold): NULL.
-- case: anomaly.fleet.prior
SELECT anomaly_score(m, feature_vector('dur', 500)) IS NULL AND is_anomaly(m, feature_vector('dur', 500)) IS NULL
   AND json_type(anomaly_report(m, feature_vector('dur', 500)), '$.threshold') = 'null'
  FROM models WHERE name = 'fleet';
-- case: anomaly.registry
SELECT sum(model_save(name, m)) = 9 FROM models;
-- case: anomaly.registry.score
SELECT count(*) = 8 FROM probes, models
 WHERE name = 'forest' AND anomaly_score('forest', fv) IS anomaly_score(m, fv) AND is_anomaly('forest', fv) IS is_anomaly(m, fv);

-- ------------------------------------------------------------ ensembles: votes and score
CREATE TABLE ens(name TEXT PRIMARY KEY, e BLOB, mv REAL);
INSERT INTO ens
SELECT 'e2', anomaly_ensemble(f.m, b.m), 2 FROM models AS f, models AS b WHERE f.name = 'forest' AND b.name = 'base';
INSERT INTO ens
SELECT 'e3', anomaly_ensemble(f.m, b.m, d.m), 2 FROM models AS f, models AS b, models AS d
 WHERE f.name = 'forest' AND b.name = 'base' AND d.name = 'base_dur';
INSERT INTO ens
SELECT 'e4', anomaly_ensemble(f.m, b.m, d.m, x.m), 3 FROM models AS f, models AS b, models AS d, models AS x
 WHERE f.name = 'forest' AND b.name = 'base' AND d.name = 'base_dur' AND x.name = 'base_mem';
INSERT INTO ens
SELECT 'e5', anomaly_ensemble(f.m, b.m, d.m, x.m, a.m), 3 FROM models AS f, models AS b, models AS d, models AS x, models AS a
 WHERE f.name = 'forest' AND b.name = 'base' AND d.name = 'base_dur' AND x.name = 'base_mem' AND a.name = 'forest_auto';
INSERT INTO ens SELECT 'e4_1', anomaly_ensemble('forest', 'base', 'base_dur', 'base_mem', '{"min_votes": 1}'), 1;
INSERT INTO ens SELECT 'e4_4', anomaly_ensemble('forest', 'base', 'base_dur', 'base_mem', '{"min_votes": 4}'), 4;
INSERT INTO ens SELECT 'e4_1.5', anomaly_ensemble('forest', 'base', 'base_dur', 'base_mem', ' {"min_votes": 1.5}'), 1.5;
-- members of each unit-weight ensemble
CREATE TABLE members(ens TEXT, name TEXT);
INSERT INTO members VALUES ('e2', 'forest'), ('e2', 'base'),
  ('e3', 'forest'), ('e3', 'base'), ('e3', 'base_dur'),
  ('e4', 'forest'), ('e4', 'base'), ('e4', 'base_dur'), ('e4', 'base_mem'),
  ('e5', 'forest'), ('e5', 'base'), ('e5', 'base_dur'), ('e5', 'base_mem'), ('e5', 'forest_auto'),
  ('e4_1', 'forest'), ('e4_1', 'base'), ('e4_1', 'base_dur'), ('e4_1', 'base_mem'),
  ('e4_4', 'forest'), ('e4_4', 'base'), ('e4_4', 'base_dur'), ('e4_4', 'base_mem'),
  ('e4_1.5', 'forest'), ('e4_1.5', 'base'), ('e4_1.5', 'base_dur'), ('e4_1.5', 'base_mem');

-- The default min_votes is more than half: 2 of 2, 2 of 3, 3 of 4, 3 of 5.
-- case: anomaly.ensemble.default.min_votes
SELECT group_concat(name || ':' || json_extract(model_info(e), '$.detail.min_votes'), ' ') = 'e2:2 e3:2 e4:3 e5:3'
  FROM (SELECT * FROM ens WHERE name IN ('e2', 'e3', 'e4', 'e5') ORDER BY name);
-- ens.h 4: with unit weights the score is the ceil(min_votes)-th largest severity of the members
-- (computed here from each member's own anomaly_score / threshold), on every probe every member scores.
-- case: anomaly.ensemble.score.order.statistic
SELECT count(*) = 7 * 7
  FROM ens, probes
 WHERE p <> 7
   AND abs(anomaly_score(e, fv) - (SELECT s FROM (SELECT s, row_number() OVER (ORDER BY s DESC) AS k
                                                    FROM sev JOIN members USING (name)
                                                   WHERE members.ens = ens.name AND sev.p = probes.p)
                                    WHERE k = CAST(ceil(mv) AS INTEGER))) < 1e-12;
-- ens.h 3: flagged exactly when the voting members (severity > 1) weigh at least min_votes.
-- case: anomaly.ensemble.votes
SELECT count(*) = 7 * 8
  FROM ens, probes
 WHERE is_anomaly(e, fv) IS ((SELECT count(*) FROM sev JOIN members USING (name)
                               WHERE members.ens = ens.name AND sev.p = probes.p AND s > 1) >= mv);
-- The probes cover both outcomes: some rows flagged by some ensembles and not by others.
-- case: anomaly.ensemble.votes.mixed
SELECT group_concat(name || '=' || n, ' ') = 'e2=1 e3=3 e4=1 e4_1=6 e4_1.5=3 e4_4=1 e5=3'
  FROM (SELECT name, sum(is_anomaly(e, fv)) AS n FROM ens, probes GROUP BY name ORDER BY name);
-- The score is above 1 exactly when the row is flagged (threshold 1).
-- case: anomaly.ensemble.threshold
SELECT count(*) = 0 FROM ens, probes WHERE is_anomaly(e, fv) IS NOT (anomaly_score(e, fv) > 1);
-- Weights: the largest s such that the members with severity >= s weigh at least min_votes.
CREATE TABLE wmembers(name TEXT, w REAL);
INSERT INTO wmembers VALUES ('forest', 2), ('base', 0.5), ('base_dur', 1), ('base_mem', 0.75);
INSERT INTO ens SELECT 'w', anomaly_ensemble('forest', 'base', 'base_dur', 'base_mem',
                                             '{"weight_1": 2, "weight_2": 0.5, "weight_4": 0.75, "min_votes": 2.5}'), 2.5;
-- case: anomaly.ensemble.weights.info
SELECT json_extract(model_info(e), '$.options') = '{"members":4,"min_votes":2.5,"weight_1":2,"weight_2":0.5,"weight_3":1,"weight_4":0.75}'
   AND json_extract(model_info(e), '$.detail.members[3].weight') = 0.75
  FROM ens WHERE name = 'w';
-- case: anomaly.ensemble.weights.score
SELECT count(*) = 8
  FROM ens, probes
 WHERE ens.name = 'w'
   AND abs(anomaly_score(e, fv) - (SELECT max(a.s) FROM sev AS a JOIN wmembers USING (name)
                                    WHERE a.p = probes.p
                                      AND (SELECT sum(w) FROM sev AS b JOIN wmembers USING (name)
                                            WHERE b.p = a.p AND b.s >= a.s) >= 2.5)) < 1e-12;
-- case: anomaly.ensemble.weights.votes
SELECT count(*) = 8
  FROM ens, probes
 WHERE ens.name = 'w'
   AND is_anomaly(e, fv) IS (coalesce((SELECT sum(w) FROM sev JOIN wmembers USING (name) WHERE sev.p = probes.p AND s > 1), 0) >= 2.5);
-- The default min_votes with weights is more than half the total weight: here 2 of 4
-- (the forest alone, on probe 8) is not enough.
-- case: anomaly.ensemble.weights.default.half
SELECT json_extract(model_info(e), '$.detail.min_votes') > 2 AND json_extract(model_info(e), '$.detail.min_votes') < 2.001
   AND is_anomaly(e, fv) = 0
   AND (SELECT s FROM sev WHERE sev.p = probes.p AND name = 'forest') > 1
   AND (SELECT max(s) FROM sev WHERE sev.p = probes.p AND name IN ('base', 'base_mem')) < 1
  FROM probes, (SELECT anomaly_ensemble('forest', 'base', 'base_mem', '{"weight_1": 2}') AS e)
 WHERE p = 8;
-- A member that cannot score neither votes nor counts; with the weight left below min_votes
-- the score is the largest severity times (weight left / min_votes), at most 1.
-- case: anomaly.ensemble.missing.member
SELECT abs(anomaly_score(e, fv) - min(1, (SELECT max(s) FROM sev WHERE sev.p = 7 AND name IN ('forest', 'base_dur', 'base_mem')) * 2 / 3)) < 1e-12
   AND is_anomaly(e, fv) = 0
  FROM ens, probes WHERE ens.name = 'e4' AND p = 7;
-- case: anomaly.ensemble.missing.member.report
SELECT json_type(r, '$.members[1].score') = 'null' AND json_type(r, '$.members[1].vote') = 'null'
   AND json_type(r, '$.members[0].score') = 'real'
  FROM (SELECT anomaly_report(e, fv) AS r FROM ens, probes WHERE ens.name = 'e4' AND p = 7);
-- No member scores: NULL.
-- case: anomaly.ensemble.nothing
SELECT anomaly_score(e, feature_vector('dur', NULL, 'cpu', NULL)) IS NULL
   AND is_anomaly(e, feature_vector('dur', NULL, 'cpu', NULL)) IS NULL
   AND json_type(anomaly_report(e, feature_vector('dur', NULL, 'cpu', NULL)), '$.score') = 'null'
  FROM ens WHERE name = 'e2';
-- min_votes equal to the total weight: every member must vote (the smallest severity).
-- case: anomaly.ensemble.min_votes.total
SELECT abs(anomaly_score(e, fv) - (SELECT min(s) FROM sev WHERE sev.p = 4 AND name IN ('forest', 'base'))) < 1e-12
  FROM probes, (SELECT anomaly_ensemble('forest', 'base', '{"min_votes": 2}') AS e) WHERE p = 4;
-- Sixteen members (the same one repeated is allowed) score like one.
-- case: anomaly.ensemble.sixteen
SELECT abs(anomaly_score(e, fv) - (SELECT s FROM sev WHERE sev.p = 3 AND name = 'forest')) < 1e-12
  FROM probes, (SELECT anomaly_ensemble('forest', 'forest', 'forest', 'forest', 'forest', 'forest', 'forest', 'forest',
                                        'forest', 'forest', 'forest', 'forest', 'forest', 'forest', 'forest', 'forest') AS e)
 WHERE p = 3;
-- The schema is the union of the members' (sorted); each member sees its own features.
-- case: anomaly.ensemble.schema
SELECT json_extract(model_info(e), '$.features') = '[{"name":"cpu","type":"numeric"},{"name":"dur","type":"numeric"},{"name":"host","type":"categorical"},{"name":"mem","type":"numeric"}]'
   AND json_extract(model_info(e), '$.detail.members[1].n_features') = 2
   AND json_extract(model_info(e), '$.rows_used') = 400
  FROM ens WHERE name = 'e4';
-- case: anomaly.ensemble.features
SELECT group_concat(name || ':' || status, ' ') = 'cpu:absent dur:used host:other_category mem:null'
  FROM model_features((SELECT e FROM ens WHERE name = 'e4'), feature_vector('dur', 1, 'host', 'zz', 'mem', NULL));
-- case: anomaly.ensemble.no.importance
-- error: model_importance(): model is an ensemble model, which has no feature importance
SELECT * FROM model_importance((SELECT e FROM ens WHERE name = 'e2'));
-- case: anomaly.ensemble.kind.error
-- error: isolation_score(): model is an ensemble model; expected an iforest model
SELECT isolation_score(e, feature_vector('dur', 1)) FROM ens WHERE name = 'e2';

-- ------------------------------------------------------------ ensembles: registry
-- Registry references as members: the bytes are copied, a later version does not change it.
-- case: anomaly.ensemble.refs
SELECT anomaly_ensemble('forest', 'base') IS NOT NULL;
-- case: anomaly.ensemble.refs.same.scores
SELECT count(*) = 8 FROM probes, ens WHERE name = 'e2' AND anomaly_score(anomaly_ensemble('forest', 'base'), fv) IS anomaly_score(e, fv);
-- case: anomaly.ensemble.save
SELECT model_save('guard', anomaly_ensemble('forest', 'base')) = 1;
-- case: anomaly.ensemble.save.kind
SELECT kind = 'ensemble' AND version = 1 FROM omen_models WHERE name = 'guard';
-- case: anomaly.ensemble.member.replaced
SELECT model_save('base', baseline_train(feature_vector('dur', dur * 100, 'cpu', cpu))) = 2 FROM runs;
-- case: anomaly.ensemble.saved.unchanged
SELECT count(*) = 8 FROM probes, ens
 WHERE name = 'e2' AND anomaly_score('guard', fv) IS anomaly_score(e, fv) AND is_anomaly('guard', fv) IS is_anomaly(e, fv);
-- case: anomaly.ensemble.loaded
SELECT count(*) = 8 FROM probes, ens, (SELECT model_load('guard') AS l)
 WHERE name = 'e2' AND anomaly_score(l, fv) IS anomaly_score(e, fv)
   AND json_extract(model_info(l), '$.kind') = 'ensemble' AND json_extract(model_info(l), '$.created_at') IS NOT NULL;
-- case: anomaly.ensemble.refs.new.version
SELECT json_extract(anomaly_report(anomaly_ensemble('forest', 'base'), fv), '$.members[1].score')
    <> json_extract(anomaly_report('guard', fv), '$.members[1].score')
  FROM probes WHERE p = 3;
-- case: anomaly.ensemble.ref.version
SELECT anomaly_report(anomaly_ensemble('forest', 'base@1'), fv) = anomaly_report('guard', fv) FROM probes WHERE p = 3;
-- An ensemble as a report and as evidence, by registry name.
-- case: anomaly.ensemble.report.ref
SELECT json_extract(anomaly_report('guard', fv), '$.kind') = 'ensemble' FROM probes WHERE p = 3;
-- case: anomaly.ensemble.explain.ref
SELECT count(*) = 4 FROM probes, anomaly_explain('guard', probes.fv) WHERE p = 3;

-- ------------------------------------------------------------ anomaly_report
-- case: anomaly.report.keys.iforest
SELECT (SELECT group_concat(key, ',') FROM json_each(r)) = 'kind,score,threshold,is_anomaly,top_features'
   AND json_extract(r, '$.kind') = 'iforest' AND json_extract(r, '$.score') = anomaly_score(m, fv)
   AND json_extract(r, '$.threshold') = json_extract(model_info(m), '$.detail.threshold')
  FROM (SELECT m, fv, anomaly_report(m, fv) AS r FROM probes, models WHERE name = 'forest' AND p = 4);
-- case: anomaly.report.keys.ensemble
SELECT (SELECT group_concat(key, ',') FROM json_each(r)) = 'kind,score,threshold,is_anomaly,min_votes,members,top_features'
   AND (SELECT group_concat(key, ',') FROM json_each(r, '$.members[0]')) = 'kind,weight,score,threshold,vote'
   AND (SELECT group_concat(key, ',') FROM json_each(r, '$.top_features[0]')) = 'feature,value,expected_lo,expected_hi,deviation,contribution'
   AND json_array_length(r, '$.members') = 3 AND json_extract(r, '$.min_votes') = 2
  FROM (SELECT anomaly_report(e, fv) AS r FROM probes, ens WHERE name = 'e3' AND p = 4);
-- Members' scores and votes in the report are their own.
-- case: anomaly.report.members
SELECT count(*) = 3
  FROM (SELECT anomaly_report(e, fv) AS r, p AS q FROM probes, ens WHERE name = 'e3' AND p = 3),
       json_each(r, '$.members') AS j, sev
 WHERE sev.p = q AND sev.name = CASE j.key WHEN 0 THEN 'forest' WHEN 1 THEN 'base' ELSE 'base_dur' END
   AND abs(json_extract(j.value, '$.score') / json_extract(j.value, '$.threshold') - s) < 1e-12
   AND json_extract(j.value, '$.vote') = (s > 1);
-- At most 5 top features, positive contributions only, largest first (f3 and f4 tie: name order).
-- case: anomaly.report.top5
SELECT json_array_length(r, '$.top_features') = 5
   AND json_extract(r, '$.top_features[0].feature') = 'f1'
   AND json_extract(r, '$.top_features[1].feature') = 'f3' AND json_extract(r, '$.top_features[2].feature') = 'f4'
   AND NOT EXISTS (SELECT 1 FROM json_each(r, '$.top_features') AS a, json_each(r, '$.top_features') AS b
                    WHERE a.key < b.key AND json_extract(a.value, '$.contribution') < json_extract(b.value, '$.contribution'))
   AND NOT EXISTS (SELECT 1 FROM json_each(r, '$.top_features') WHERE json_extract(value, '$.contribution') <= 0)
  FROM (SELECT anomaly_report(b7, feature_vector('f1', 3, 'f2', 40, 'f3', 5, 'f4', 6, 'f5', 7, 'f6', 8, 'f7', 9)) AS r
          FROM (SELECT baseline_train(feature_vector('f1', dur, 'f2', dur / 2, 'f3', cpu, 'f4', cpu + 1, 'f5', mem,
                                                     'f6', mem * 2, 'f7', id)) AS b7 FROM runs));
-- Values: a number, a category as its hash, a missing value null (it still can contribute 0).
-- case: anomaly.report.values
SELECT (SELECT json_extract(value, '$.value') FROM json_each(r, '$.top_features') WHERE json_extract(value, '$.feature') = 'host')
       LIKE 'xxh3:%'
   AND (SELECT json_extract(value, '$.value') FROM json_each(r, '$.top_features') WHERE json_extract(value, '$.feature') = 'dur') = 900
  FROM (SELECT anomaly_report(m, fv) AS r FROM probes, models WHERE name = 'forest' AND p = 4);
-- Nothing to score: an empty top_features array.
-- case: anomaly.report.empty.top
SELECT json_extract(anomaly_report(m, feature_vector('dur', NULL)), '$.top_features') = '[]' FROM models WHERE name = 'base';

-- ------------------------------------------------------------ anomaly_explain
-- case: anomaly.explain.columns
SELECT group_concat(name || ':' || hidden, ',') = 'feature:0,type:0,value:0,status:0,expected_lo:0,expected_hi:0,deviation:0,contribution:0,model:1,features:1'
  FROM pragma_table_xinfo('anomaly_explain');
-- One row per feature of the model, in name order, whatever the kind.
-- case: anomaly.explain.rows
SELECT group_concat(name || '=' || n, ' ') = 'base=2 e4=4 forest=4'
  FROM (SELECT models.name AS name, (SELECT count(*) FROM anomaly_explain(models.m, probes.fv)) AS n
          FROM models, probes WHERE p = 1 AND models.name IN ('base', 'forest')
        UNION ALL
        SELECT 'e4', (SELECT count(*) FROM anomaly_explain(ens.e, probes.fv)) FROM ens, probes WHERE p = 1 AND ens.name = 'e4'
        ORDER BY name);
-- case: anomaly.explain.status
SELECT group_concat(feature || ':' || type || ':' || status, ' ') = 'cpu:numeric:absent dur:numeric:used host:categorical:other_category mem:numeric:null'
  FROM anomaly_explain((SELECT m FROM models WHERE name = 'forest'), feature_vector('dur', 500, 'host', 'zz', 'mem', NULL));
-- Baseline: deviation = z (signed), contributions |z| / Σ|z|, 0 for a missing feature.
-- case: anomaly.explain.baseline
SELECT abs(sum(contribution) - 1) < 1e-15
   AND max(CASE WHEN feature = 'dur' THEN abs(deviation - baseline_score(m, feature_vector('dur', 900))) END) < 1e-12
   AND max(CASE WHEN feature = 'cpu' THEN abs(deviation - baseline_score(m, feature_vector('cpu', 49))) END) < 1e-12
   AND max(CASE WHEN feature = 'dur' THEN abs(contribution - abs(deviation) /
         (abs(baseline_score(m, feature_vector('dur', 900))) + abs(baseline_score(m, feature_vector('cpu', 49))))) END) < 1e-12
  FROM models, anomaly_explain(models.m, (SELECT fv FROM probes WHERE p = 3)) WHERE name = 'base';
-- case: anomaly.explain.baseline.missing
SELECT value IS NULL AND deviation IS NULL AND contribution = 0 AND status = 'absent' AND expected_lo < expected_hi
  FROM anomaly_explain((SELECT m FROM models WHERE name = 'base'), feature_vector('dur', 900)) WHERE feature = 'cpu';
-- The baseline's expected range is median ± threshold·scale: its ends have |z| = threshold.
-- case: anomaly.explain.baseline.range
SELECT abs(baseline_score(m, feature_vector('dur', expected_hi)) - 1.5) < 1e-9
   AND abs(baseline_score(m, feature_vector('dur', expected_lo)) + 1.5) < 1e-9
  FROM models, anomaly_explain(models.m, feature_vector('dur', 1)) WHERE name = 'base_dur';
-- Forest: contributions add up to log2(2·score).
-- case: anomaly.explain.forest.sum
SELECT max(abs((SELECT sum(contribution) FROM anomaly_explain(models.m, probes.fv)) - log2(2 * anomaly_score(m, fv)))) < 1e-12
  FROM models, probes WHERE name = 'forest';
-- Ensemble: contributions add up to 1; range and deviation from the member that deviates
-- most (the baseline's z for dur, the forest's range widths for host); missing: NULL deviation.
-- case: anomaly.explain.ensemble.sum
SELECT count(*) = 8 FROM ens, probes
 WHERE ens.name = 'e2' AND abs((SELECT sum(contribution) FROM anomaly_explain(ens.e, probes.fv)) - 1) < 1e-12;
-- case: anomaly.explain.ensemble.deviation
SELECT abs(max(CASE WHEN feature = 'dur' THEN deviation END) - baseline_score((SELECT m FROM models WHERE name = 'base'), feature_vector('dur', 900))) < 1e-12
   AND max(CASE WHEN feature = 'host' THEN deviation END) < 0
   AND max(CASE WHEN feature = 'mem' THEN deviation END) IS NOT NULL
  FROM anomaly_explain((SELECT e FROM ens WHERE name = 'e2'), (SELECT fv FROM probes WHERE p = 4));
-- case: anomaly.explain.ensemble.missing
SELECT value IS NULL AND deviation IS NULL AND expected_lo IS NULL AND contribution = 0
  FROM anomaly_explain((SELECT e FROM ens WHERE name = 'e2'), feature_vector('host', 'big')) WHERE feature = 'dur';
-- case: anomaly.explain.null
SELECT (SELECT count(*) FROM anomaly_explain((SELECT m FROM models WHERE name = 'forest'), NULL)) = 0
   AND (SELECT count(*) FROM anomaly_explain(NULL, feature_vector('dur', 1))) = 0;
-- In a join, per row (the vtab keeps the decoded model).
-- case: anomaly.explain.join
SELECT count(*) = 8 * 4 FROM probes, anomaly_explain('forest', probes.fv);
-- case: anomaly.explain.order
SELECT feature = 'dur' FROM anomaly_explain('forest', (SELECT fv FROM probes WHERE p = 3)) ORDER BY contribution DESC LIMIT 1;

-- ------------------------------------------------------------ errors: non-detectors
-- case: anomaly.err.score.gbt
-- error: anomaly_score(): model is a gbt model, which is not an anomaly detector
SELECT anomaly_score(m, feature_vector('cpu', 1)) FROM models WHERE name = 'gbt';
-- case: anomaly.err.is_anomaly.scaler
-- error: is_anomaly(): model is a scaler model, which is not an anomaly detector
SELECT is_anomaly(m, feature_vector('cpu', 1)) FROM models WHERE name = 'scaler';
-- case: anomaly.err.report.gbt
-- error: anomaly_report(): model is a gbt model, which is not an anomaly detector
SELECT anomaly_report('gbt', feature_vector('cpu', 1));
-- case: anomaly.err.explain.scaler
-- error: anomaly_explain(): model is a scaler model, which is not an anomaly detector
SELECT * FROM anomaly_explain('scaler', feature_vector('cpu', 1));
-- case: anomaly.err.score.model.type
-- error: anomaly_score(): model is REAL; expected a model BLOB or a registry name (TEXT)
SELECT anomaly_score(1.5, feature_vector('cpu', 1));
-- case: anomaly.err.score.features.type
-- error: is_anomaly(): features (argument 2) is REAL; expected a feature vector (a BLOB made by feature_vector())
SELECT is_anomaly('forest', 1.5);
-- case: anomaly.err.report.no.feature
-- error: anomaly_report(): none of the model's 4 features (cpu, dur, host, mem) is in the feature vector; check the names (they are case-sensitive)
SELECT anomaly_report('forest', feature_vector('Dur', 1));
-- case: anomaly.err.score.type
-- error: anomaly_score(): feature "host" is numeric but the model was trained with it categorical (a number stored as TEXT is a category: CAST it AS REAL in training and prediction alike)
SELECT anomaly_score('forest', feature_vector('host', 1));
-- case: anomaly.err.explain.type
-- error: anomaly_explain(): feature "dur" is categorical but the model was trained with it numeric
SELECT * FROM anomaly_explain('forest', feature_vector('dur', 'long'));
-- case: anomaly.err.explain.no.features
-- error: anomaly_explain(): needs a features argument: anomaly_explain(model, features)
SELECT * FROM anomaly_explain('forest');
-- case: anomaly.err.explain.no.model
-- error: no query solution
SELECT * FROM anomaly_explain;
-- case: anomaly.err.explain.none
-- error: anomaly_explain(): none of the model's features is in the feature vector; check the names (they are case-sensitive; model_features(model) lists them)
SELECT * FROM anomaly_explain('base', feature_vector('host', 'a'));
-- case: anomaly.err.score.registry
-- error: anomaly_score(): no model named 'nope' in omen_models
SELECT anomaly_score('nope', feature_vector('dur', 1));

-- ------------------------------------------------------------ errors: anomaly_ensemble
-- case: anomaly.err.ens.gbt
-- error: anomaly_ensemble(): model 2 is a gbt model, which is not an anomaly detector
SELECT anomaly_ensemble('forest', 'gbt');
-- case: anomaly.err.ens.scaler.first
-- error: anomaly_ensemble(): model 1 is a scaler model, which is not an anomaly detector
SELECT anomaly_ensemble('scaler', 'forest', 'base');
-- case: anomaly.err.ens.nested
-- error: anomaly_ensemble(): model 3 is an ensemble model, which is not an anomaly detector member (ensembles do not nest)
SELECT anomaly_ensemble('forest', 'base', 'guard');
-- case: anomaly.err.ens.fleet
-- error: anomaly_ensemble(): model 2 is a baseline model without an anomaly threshold (e.g. a baseline fleet prior, which scores nothing); it could never vote
SELECT anomaly_ensemble('forest', 'fleet');
-- case: anomaly.err.ens.types
-- error: anomaly_ensemble(): feature "host" is categorical in one model and numeric in another; members must agree on types
SELECT anomaly_ensemble('forest', 'host_num');
-- case: anomaly.err.ens.one
-- error: anomaly_ensemble(): needs 2 to 16 models (and an optional options object last); got 1
SELECT anomaly_ensemble('forest');
-- case: anomaly.err.ens.one.with.options
-- error: anomaly_ensemble(): needs 2 to 16 models (and an optional options object last); got 1
SELECT anomaly_ensemble('forest', '{}');
-- case: anomaly.err.ens.zero
-- error: anomaly_ensemble(): needs 2 to 16 models (and an optional options object last); got 0
SELECT anomaly_ensemble();
-- case: anomaly.err.ens.seventeen
-- error: anomaly_ensemble(): needs 2 to 16 models (and an optional options object last); got 17
SELECT anomaly_ensemble('forest', 'forest', 'forest', 'forest', 'forest', 'forest', 'forest', 'forest', 'forest',
                        'forest', 'forest', 'forest', 'forest', 'forest', 'forest', 'forest', 'forest');
-- case: anomaly.err.ens.null.first
-- error: anomaly_ensemble(): model 1 (argument 1) is NULL; expected a model BLOB or a registry name
SELECT anomaly_ensemble(NULL, 'forest');
-- case: anomaly.err.ens.null.second
-- error: anomaly_ensemble(): model 2 (argument 2) is NULL; expected a model BLOB or a registry name
SELECT anomaly_ensemble('forest', NULL, '{"min_votes": 1}');
-- case: anomaly.err.ens.integer
-- error: anomaly_ensemble(): model is INTEGER; expected a model BLOB or a registry name (TEXT)
SELECT anomaly_ensemble('forest', 7);
-- case: anomaly.err.ens.fv
-- error: anomaly_ensemble(): not an omen model: it is a feature vector (the model comes first, then the features)
SELECT anomaly_ensemble('forest', feature_vector('dur', 1));
-- Text that does not start with '{' is a registry name, not options.
-- case: anomaly.err.ens.text.not.options
-- error: anomaly_ensemble(): no model named 'min_votes=1' in omen_models
SELECT anomaly_ensemble('forest', 'base', 'min_votes=1');
-- case: anomaly.err.ens.weight3
-- error: anomaly_ensemble(): option "weight_3" names model 3, but there are 2 models
SELECT anomaly_ensemble('forest', 'base', '{"weight_3": 1}');
-- case: anomaly.err.ens.weight0
-- error: anomaly_ensemble(): unknown option "weight_0"; known options: min_votes, weight_1 .. weight_16
SELECT anomaly_ensemble('forest', 'base', '{"weight_0": 1}');
-- case: anomaly.err.ens.weight17
-- error: anomaly_ensemble(): unknown option "weight_17"; known options: min_votes, weight_1 .. weight_16
SELECT anomaly_ensemble('forest', 'base', '{"weight_17": 1}');
-- case: anomaly.err.ens.weight01
-- error: anomaly_ensemble(): unknown option "weight_01"; known options: min_votes, weight_1 .. weight_16
SELECT anomaly_ensemble('forest', 'base', '{"weight_01": 1}');
-- case: anomaly.err.ens.unknown
-- error: anomaly_ensemble(): unknown option "votes"; known options: min_votes, weight_1 .. weight_16
SELECT anomaly_ensemble('forest', 'base', '{"votes": 1}');
-- case: anomaly.err.ens.weight.negative
-- error: anomaly_ensemble(): option "weight_1" must be a positive number
SELECT anomaly_ensemble('forest', 'base', '{"weight_1": -1}');
-- case: anomaly.err.ens.weight.zero
-- error: anomaly_ensemble(): option "weight_2" must be a positive number
SELECT anomaly_ensemble('forest', 'base', '{"weight_2": 0}');
-- case: anomaly.err.ens.weight.text
-- error: anomaly_ensemble(): option "weight_2" must be a positive number
SELECT anomaly_ensemble('forest', 'base', '{"weight_2": "2"}');
-- case: anomaly.err.ens.min_votes.bool
-- error: anomaly_ensemble(): option "min_votes" must be a positive number
SELECT anomaly_ensemble('forest', 'base', '{"min_votes": true}');
-- case: anomaly.err.ens.min_votes.zero
-- error: anomaly_ensemble(): option "min_votes" must be a positive number
SELECT anomaly_ensemble('forest', 'base', '{"min_votes": 0}');
-- case: anomaly.err.ens.min_votes.above
-- error: anomaly_ensemble(): min_votes 3 is more than the total weight 2 of the models: no row could be flagged
SELECT anomaly_ensemble('forest', 'base', '{"min_votes": 3}');
-- case: anomaly.err.ens.min_votes.above.weighted
-- error: anomaly_ensemble(): min_votes 4 is more than the total weight 3.5 of the models: no row could be flagged
SELECT anomaly_ensemble('forest', 'base', '{"min_votes": 4, "weight_1": 2.5}');
-- case: anomaly.err.ens.options.json
-- error: anomaly_ensemble(): options (argument 3): expected ',' or '}' at byte 15
SELECT anomaly_ensemble('forest', 'base', '{"min_votes": 2');
-- case: anomaly.err.ens.options.nested
-- error: anomaly_ensemble(): options (argument 3): value of "min_votes" is an object; expected a number, string, true, false or null
SELECT anomaly_ensemble('forest', 'base', '{"min_votes": {"a": 1}}');
-- A damaged member (one flipped byte).
-- case: anomaly.err.ens.damaged
-- error: anomaly_ensemble(): model checksum mismatch
SELECT anomaly_ensemble(CAST(substr(m, 1, 200) || CAST(x'ee' AS TEXT) || substr(m, 202) AS BLOB), 'base')
  FROM models WHERE name = 'forest';
