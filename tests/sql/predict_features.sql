-- Finding 16: a feature vector with none of the model's features is an error
-- in every predict_* function (ext/predict.c behaviour 2), and
-- model_features() reports per feature what a vector supplies
-- (ext/model_features.c).  docs/predict_duration.md, docs/model_features.md.
CREATE TABLE runs AS
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
SELECT i AS id, 2 << (i % 3) AS threads, (i % 10) * 1.5 AS gb,
       CASE i % 4 WHEN 0 THEN 'ci-01' WHEN 1 THEN 'ci-02' WHEN 2 THEN 'ci-03' ELSE 'ci-04' END AS host,
       10.0 + (i % 10) * 3 + 40.0 / (2 << (i % 3)) + (i % 4 = 2) * 20 AS duration_s,
       (i % 4 = 2) AND (i % 3 = 0) AS failed
FROM n;
CREATE TABLE fv AS SELECT id, duration_s, failed, feature_vector('threads', threads, 'gb', gb, 'host', host) AS v FROM runs;
CREATE TABLE m AS
SELECT (SELECT gbt_train(v, duration_s, '{"n_trees": 8}') FROM (SELECT * FROM fv ORDER BY id)) AS dur,
       (SELECT gbt_train(v, failed, '{"n_trees": 8, "objective": "binary"}') FROM (SELECT * FROM fv ORDER BY id)) AS bin,
       (SELECT gbt_train(feature_vector('only_one', threads), duration_s, '{"n_trees": 3}') FROM (SELECT * FROM runs ORDER BY id)) AS one,
       (SELECT gbt_train(feature_vector('f01', threads, 'f02', gb, 'f03', id % 5, 'f04', id % 7, 'f05', id % 2,
                                        'f06', id % 3, 'f07', id % 11, 'f08', id % 13, 'f09', id % 17,
                                        'f10_' || 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ', id % 19),
                         duration_s, '{"n_trees": 3}') FROM (SELECT * FROM runs ORDER BY id)) AS wide,
       (SELECT gbt_train(feature_vector('a' || printf('%.60c', 'x'), threads,
                                        'b' || printf('%.38c', 'y') || char(233) || 'z', gb),
                         duration_s, '{"n_trees": 3}') FROM (SELECT * FROM runs ORDER BY id)) AS longnames;
SELECT model_save('runtime', dur) FROM m;

-- The error, in every function, by BLOB and by reference.
-- case: nomatch.duration
-- error: predict_duration(): none of the model's 3 features (gb, host, threads) is in the feature vector; check the names (they are case-sensitive)
SELECT predict_duration(dur, feature_vector('Threads', 4, 'GB', 2.0)) FROM m;
-- case: nomatch.duration.q
-- error: predict_duration(): none of the model's 3 features (gb, host, threads) is in the feature vector; check the names (they are case-sensitive)
SELECT predict_duration('runtime', feature_vector('x', 1), 0.9);
-- case: nomatch.interval
-- error: predict_interval(): none of the model's 3 features (gb, host, threads) is in the feature vector; check the names (they are case-sensitive)
SELECT predict_interval(dur, feature_vector('x', 1)) FROM m;
-- case: nomatch.interval.coverage
-- error: predict_interval(): none of the model's 3 features (gb, host, threads) is in the feature vector; check the names (they are case-sensitive)
SELECT predict_interval('runtime', feature_vector('x', 1), 0.5);
-- case: nomatch.failure
-- error: predict_failure(): none of the model's 3 features (gb, host, threads) is in the feature vector; check the names (they are case-sensitive)
SELECT predict_failure(bin, feature_vector('hosts', 'ci-01')) FROM m;
-- case: nomatch.predict
-- error: predict(): none of the model's 3 features (gb, host, threads) is in the feature vector; check the names (they are case-sensitive)
SELECT predict(bin, feature_vector('x', 1)) FROM m;
-- An empty vector matches nothing either.
-- case: nomatch.empty
-- error: predict(): none of the model's 3 features (gb, host, threads) is in the feature vector; check the names (they are case-sensitive)
SELECT predict(dur, feature_vector('{}')) FROM m;
-- One-feature models say so in the singular.
-- case: nomatch.single
-- error: predict_duration(): the model's only feature (only_one) is not in the feature vector; check the name (it is case-sensitive)
SELECT predict_duration(one, feature_vector('Only_one', 1)) FROM m;
-- At most 8 names, then a count.
-- case: nomatch.many
-- error: predict(): none of the model's 10 features (f01, f02, f03, f04, f05, f06, f07, f08, and 2 more) is in the feature vector; check the names (they are case-sensitive)
SELECT predict(wide, feature_vector('x', 1)) FROM m;
-- Each name cut to 40 bytes at a character boundary, with an ellipsis
-- (char(233) is 2 bytes in UTF-8 at bytes 40-41 of the 'b' name: the cut
-- goes before it rather than through it).
-- case: nomatch.long.names
-- error: predict(): none of the model's 2 features (axxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…, byyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy…) is in the feature vector; check the names (they are case-sensitive)
SELECT predict(longnames, feature_vector('x', 1)) FROM m;

-- Not an error: one match is enough; a NULL value is present.
-- case: match.partial
SELECT predict_duration(dur, feature_vector('Threads', 4, 'gb', 3.0)) > 0 FROM m;
-- case: match.null.value
SELECT predict_duration(dur, feature_vector('host', NULL)) = predict_duration(dur, feature_vector('host', NULL, 'x', 1))
   AND predict_failure(bin, feature_vector('threads', NULL)) BETWEEN 0 AND 1
  FROM m;
-- A partial vector scores like the same vector with the other features NULL.
-- case: match.partial.equals.missing
SELECT predict(dur, feature_vector('gb', 3.0)) = predict(dur, feature_vector('gb', 3.0, 'host', NULL, 'threads', NULL)) FROM m;

-- Other checks keep their order: NULL features first, then the vector's own
-- type and integrity, then the match.
-- case: order.null.features
SELECT predict_duration(dur, NULL) IS NULL FROM m;
-- case: order.not.blob
-- error: predict_duration(): features (argument 2) is TEXT; expected a feature vector (a BLOB made by feature_vector())
SELECT predict_duration(dur, '{"x": 1}') FROM m;
-- case: order.corrupt
-- error: predict_duration(): not a feature vector
SELECT predict_duration(dur, x'0102') FROM m;
-- case: order.type.before.nomatch
-- error: predict_duration(): feature "host" is numeric but the model was trained with it categorical (a number stored as TEXT is a category: CAST it AS REAL in training and prediction alike)
SELECT predict_duration(dur, feature_vector('host', 3)) FROM m;
-- case: order.objective.before.nomatch
-- error: predict_failure(): model is a gbt model with objective 'duration'; expected objective 'binary' (train it with '{"objective": "binary"}' on 0/1 targets)
SELECT predict_failure(dur, feature_vector('x', 1)) FROM m;

-- In a scan, the error stops the statement at the first bad row.
-- case: nomatch.in.scan
-- error: predict(): none of the model's 3 features (gb, host, threads) is in the feature vector; check the names (they are case-sensitive)
SELECT sum(predict(m.dur, CASE WHEN fv.id = 150 THEN feature_vector('y', 1) ELSE fv.v END)) FROM fv, m;

-- Finding 10's rule for predict_duration(m, fv, q): ±Inf, not NULL.
-- case: quantile.inf.upper
SELECT predict_duration(dur, v, 0.999) = 9e999 AND typeof(predict_duration(dur, v, 0.999)) = 'real' FROM fv, m WHERE id = 7;
-- case: quantile.duration.lower.zero
SELECT predict_duration(dur, v, 0.001) = 0 FROM fv, m WHERE id = 7;
-- case: quantile.squared.lower.neginf
SELECT predict_duration(sq, v, 0.001) = -9e999
  FROM fv, (SELECT gbt_train(v, duration_s, '{"n_trees": 3, "objective": "squared"}') AS sq FROM (SELECT * FROM fv ORDER BY id))
 WHERE id = 7;

-- model_features
-- case: features.no.fv
SELECT group_concat(name || ':' || type || ':' || coalesce(present, 'n') || coalesce(status, 'n'), ' ')
       = 'gb:numeric:nn host:categorical:nn threads:numeric:nn'
  FROM model_features((SELECT dur FROM m));
-- case: features.statuses
SELECT group_concat(name || ':' || present || ':' || coalesce(missing, 'n') || ':' || status, ' ')
       = 'gb:1:1:null host:1:0:other_category threads:0:1:absent'
  FROM model_features((SELECT dur FROM m), feature_vector('gb', NULL, 'host', 'ci-77', 'Threads', 2));
-- case: features.used.values
SELECT group_concat(name || '=' || value || ':' || status, ' ')
       = 'gb=4.5:used host=' || json_extract(feature_vector_json(feature_vector('host', 'ci-03')), '$.host') || ':used threads=8.0:used'
  FROM model_features('runtime', feature_vector('gb', 4.5, 'host', 'ci-03', 'threads', 8, 'zzz', 1));
-- case: features.wrong.type
SELECT status = 'wrong_type' AND missing IS NULL AND present = 1 AND value = 4.0
  FROM model_features('runtime', feature_vector('host', 4)) WHERE name = 'host';
-- model_features agrees with the error: a vector is refused exactly when no
-- row is present.
-- case: features.agree.nomatch
SELECT sum(present) = 0 FROM model_features('runtime', feature_vector('Threads', 4, 'GB', 2.0));
-- Per row, in a join: statuses follow each row's vector (the decoded model is
-- reused; the arrays are refilled).
-- case: features.join
SELECT sum(f.missing) = 2 AND count(*) = 9
  FROM (SELECT 1 AS k, feature_vector('gb', 1.0, 'host', 'ci-01', 'threads', 2) AS v
        UNION ALL SELECT 2, feature_vector('gb', 1.0)
        UNION ALL SELECT 3, feature_vector('gb', 1.0, 'host', 'ci-02', 'threads', 4)) AS t,
       model_features('runtime', t.v) AS f;
-- Two different models in one query (self-join), by BLOB and by reference.
-- case: features.two.models
SELECT count(*) = 3 * 10 AND count(DISTINCT a.name) = 3 AND count(DISTINCT b.name) = 10
  FROM model_features('runtime') AS a, model_features((SELECT wide FROM m)) AS b;
-- A changed registry row is seen by the next statement (revalidated by
-- length and checksum, not by name).
SELECT model_save('swap', dur) FROM m;
-- case: features.registry.before
SELECT count(*) = 3 FROM model_features('swap');
UPDATE omen_models SET model = (SELECT wide FROM m) WHERE name = 'swap';
-- case: features.registry.after
SELECT count(*) = 10 FROM model_features('swap');
-- Any kind.
-- case: features.scaler
SELECT group_concat(name || ':' || status, ' ') = 'gb:used host:used threads:absent'
  FROM model_features((SELECT scaler_train(v) FROM fv), feature_vector('gb', 1.0, 'host', 'ci-01'));
-- case: features.null.model
SELECT count(*) = 0 FROM model_features(NULL, feature_vector('x', 1));
-- case: features.err.corrupt.fv
-- error: model_features(): not a feature vector
SELECT * FROM model_features('runtime', x'0102');
-- case: features.err.model.corrupt
-- error: model_features(): model checksum mismatch
SELECT * FROM model_features((SELECT CAST(substr(dur, 1, 60) || x'ff' || substr(dur, 62) AS BLOB) FROM m));
-- case: features.err.model.real
-- error: model_features(): model is REAL; expected a model BLOB or a registry name (TEXT)
SELECT * FROM model_features(1.5);
-- case: features.err.ref
-- error: model_features(): model 'runtime' has no version 9
SELECT * FROM model_features('runtime@9');

-- scale(): a vector with none of the scaler's features is an error, not an
-- unscaled copy (issue 8 finding 16, ext/scaler.c behaviour 2)
CREATE TABLE sc AS SELECT scaler_train(feature_vector('threads', column1, 'rows', column2)) AS m
  FROM (VALUES (1, 10), (2, 20), (4, 40));
-- case: scale.err.no.feature
-- error: scale(): none of the model's 2 features (rows, threads) is in the feature vector; check the names (they are case-sensitive)
SELECT scale(m, feature_vector('Threads', 2, 'rowsm', 20)) FROM sc;
-- case: scale.partial.match
-- (2 - mean(1, 2, 4)) / std(1, 2, 4) with ddof 0, as numpy gives: -0.2672612419124245
SELECT feature_vector_json(scale(m, feature_vector('threads', 2, 'other', 5))) = '{"other":5,"threads":-0.2672612419124245}' FROM sc;
-- case: scale.null.value.counts
SELECT feature_vector_json(scale(m, feature_vector('rows', NULL))) = '{"rows":null}' FROM sc;
