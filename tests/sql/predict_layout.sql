-- The layout cache of a model's rows (ext/model_row.c behaviour 4): vectors
-- laid out like one seen before are read at known offsets; anything else,
-- and any value the decoder would refuse, takes the full decode, so results
-- and errors are those of a full decode of every row.
CREATE TABLE runs AS
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400)
SELECT i AS id, 1 << (i % 4) AS threads,
       CASE WHEN i % 7 = 0 THEN NULL ELSE (i % 13) * 0.75 END AS gb,
       CASE WHEN i % 11 = 0 THEN NULL ELSE 'h' || (i % 5) END AS host,
       20.0 + (i % 13) * 2 + 30.0 / (1 << (i % 4)) + (i % 5 = 3) * 15 AS duration_s
FROM n;
CREATE TABLE m AS
SELECT gbt_train(feature_vector('threads', threads, 'gb', gb, 'host', host), duration_s, '{"n_trees": 12}') AS dur
FROM (SELECT * FROM runs ORDER BY id);
SELECT model_save('layout', dur) FROM m;
-- Vectors of many layouts in one statement: NULL values (present, missing),
-- absent features, unknown extra features, in an order that changes layout
-- every few rows.
CREATE TABLE v AS
SELECT id, CASE id % 6
         WHEN 0 THEN feature_vector('threads', threads, 'gb', gb, 'host', host)
         WHEN 1 THEN feature_vector('threads', threads, 'host', host)
         WHEN 2 THEN feature_vector('threads', threads, 'gb', gb, 'host', host, 'zz', id)
         WHEN 3 THEN feature_vector('gb', gb, 'threads', threads, 'host', host, 'aa', 'x' || id)
         WHEN 4 THEN feature_vector('threads', threads, 'gb', gb)
         ELSE feature_vector('threads', threads, 'gb', gb, 'host', host, 'q' || id, 1) END AS fv
FROM runs;

-- Each row's prediction equals the one made when no layout can repeat (an
-- extra feature with a name of its own on every row, ignored by the model).
-- case: layout.vs.unique.names
SELECT count(*) = 0 FROM (
  SELECT v.id, predict_duration((SELECT dur FROM m), v.fv) AS p,
         predict_duration((SELECT dur FROM m),
           CASE v.id % 6
             WHEN 0 THEN feature_vector('threads', threads, 'gb', gb, 'host', host, 'u' || v.id, 0)
             WHEN 1 THEN feature_vector('threads', threads, 'host', host, 'u' || v.id, 0)
             WHEN 2 THEN feature_vector('threads', threads, 'gb', gb, 'host', host, 'zz', v.id, 'u' || v.id, 0)
             WHEN 3 THEN feature_vector('gb', gb, 'threads', threads, 'host', host, 'u' || v.id, 0)
             WHEN 4 THEN feature_vector('threads', threads, 'gb', gb, 'u' || v.id, 0)
             ELSE feature_vector('threads', threads, 'gb', gb, 'host', host, 'u' || v.id, 0) END) AS q
  FROM v JOIN runs USING (id))
WHERE p IS NOT q;
-- case: layout.by.name.equals.blob
SELECT count(*) = 0 FROM v WHERE predict_duration('layout', fv) IS NOT predict_duration((SELECT dur FROM m), fv);

-- A vector laid out like the one before but holding a value the decoder
-- refuses (NaN, -0, +Inf) is still an error, not a prediction.
CREATE TABLE ok AS SELECT feature_vector('gb', 1.5, 'host', 'h1') AS fv;
-- case: layout.nan.after.good
-- error: predict_duration(): feature vector is corrupt (entry 1)
SELECT predict_duration('layout', x) FROM (
  SELECT 1 AS k, fv AS x FROM ok
  UNION ALL SELECT 2, CAST(substr(fv, 1, 14) || X'000000000000F87F' || substr(fv, 23) AS BLOB) FROM ok
  ORDER BY k);
-- case: layout.negzero.after.good
-- error: predict_duration(): feature vector is corrupt (entry 1)
SELECT predict_duration('layout', x) FROM (
  SELECT 1 AS k, fv AS x FROM ok
  UNION ALL SELECT 2, CAST(substr(fv, 1, 14) || X'0000000000000080' || substr(fv, 23) AS BLOB) FROM ok
  ORDER BY k);
-- case: layout.inf.after.good
-- error: predict_duration(): feature vector is corrupt (entry 1)
SELECT predict_duration('layout', x) FROM (
  SELECT 1 AS k, fv AS x FROM ok
  UNION ALL SELECT 2, CAST(substr(fv, 1, 14) || X'000000000000F07F' || substr(fv, 23) AS BLOB) FROM ok
  ORDER BY k);
-- The categorical value's 8 bytes are any hash: an unseen one is a valid row.
-- case: layout.unseen.category.after.good
SELECT count(*) = 2 AND count(p) = 2 FROM (
  SELECT predict_duration('layout', x) AS p FROM (
    SELECT 1 AS k, fv AS x FROM ok
    UNION ALL SELECT 2, CAST(substr(fv, 1, 30) || X'0102030405060708' AS BLOB) FROM ok
    ORDER BY k));
-- A changed name byte of the same length is another layout: matched afresh.
-- case: layout.renamed.after.good
-- error: predict_duration(): feature "host" is numeric but the model was trained with it categorical (a number stored as TEXT is a category: CAST it AS REAL in training and prediction alike)
SELECT predict_duration('layout', x) FROM (
  SELECT 1 AS k, feature_vector('gb', 1.5, 'hosT', 2.0) AS x
  UNION ALL SELECT 2, feature_vector('gb', 1.5, 'host', 2.0)
  ORDER BY k);
