-- explain(), explain_diff() and model_importance's shap column (ext/explain.c,
-- ext/core/gbt/gbt_shap.c): sums against predict()'s raw score, errors.
-- The exact checks against brute force and xgboost are in tests/unit/test_gbt_shap.c.
CREATE TABLE runs(id INTEGER PRIMARY KEY, threads INT, gb REAL, host TEXT, prev REAL, dur REAL, failed INT);
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 1500)
INSERT INTO runs SELECT i, 1 + (i % 16), CASE WHEN i % 11 = 0 THEN NULL ELSE round(hash_uniform(i, 1) * 100, 2) END,
  CASE WHEN i % 13 = 0 THEN NULL ELSE 'h' || (i % 5) END,
  CASE WHEN i % 7 = 0 THEN NULL ELSE round(20 + hash_uniform(i, 4) * 80, 1) END,
  round((10 + 5 * (hash_uniform(i, 1) * 100) / (1 + (i % 16)) + CASE WHEN i % 5 = 3 THEN 60 ELSE 0 END) * (0.8 + 0.4 * hash_uniform(i, 2)), 3),
  CASE WHEN hash_uniform(i, 3) < 0.05 + 0.4 * (i % 5 = 3) THEN 1 ELSE 0 END FROM s;
CREATE VIEW fv AS SELECT id, feature_vector('threads', threads, 'gb', gb, 'host', host, 'prev', prev) AS f, dur, failed FROM runs;
CREATE TABLE m AS SELECT
  (SELECT gbt_train(f, dur, '{"n_trees": 30}') FROM fv) AS dur_model,
  (SELECT gbt_train(f, failed, '{"n_trees": 30, "objective": "binary"}') FROM fv) AS bin_model,
  (SELECT gbt_train(f, dur, '{"n_trees": 30, "objective": "squared", "max_depth": 8}') FROM fv) AS sq_model,
  (SELECT gbt_train(f, dur, '{"n_trees": 20, "objective": "quantile", "alpha": 0.9}') FROM fv) AS q_model,
  (SELECT gbt_train(f, dur, '{"n_trees": 20, "objective": "aft", "aft_distribution": "extreme", "offset": "prev"}') FROM fv) AS aft_model,
  (SELECT gbt_train(f, dur, '{"n_trees": 20, "loss": "absolute", "offset": "prev", "bag": 3, "subsample": 0.7}') FROM fv) AS off_model,
  x'4f4d454e010002000100000000000000080f0000000000001d000000e4010000cf0c00000000000000000000000000000300000001000200676202000400686f7374010007007468726561647390010000000000000000000000000000000000000000000000000000000000000c0100007b226f626a656374697665223a226475726174696f6e222c226e5f7472656573223a31322c226d61785f6465707468223a332c226c6561726e696e675f72617465223a302e332c226d696e5f6368696c645f776569676874223a312c226c616d626461223a312c2273756273616d706c65223a312c22636f6c73616d706c65223a312c226d61785f62696e73223a3235362c2273656564223a302c22616c706861223a302e352c2276616c69646174696f6e5f6672616374696f6e223a302c226561726c795f73746f7070696e675f726f756e6473223a302c22696e74657276616c5f636f766572616765223a302e392c2263616c6962726174696f6e5f6672616374696f6e223a302e317db00000007b227472656573223a31322c22726f756e6473223a31322c22626573745f697465726174696f6e223a31322c226e6f646573223a3136382c2276616c69646174696f6e5f6d6574726963223a302e31353333383735353435343137383931322c22626173655f73636f7265223a332e3437313138393939383332373539332c2263616c6962726174696f6e5f726f7773223a34302c2263616c6962726174696f6e5f726573696475616c73223a34307d01000100030000000001008a270843ffc40b40333333333333d33f000000000000e03fcdccccccccccec3f0c0000000c0000000c00000049692f1134a2c33f2800000000000000280000003058aa8940b4d7bf806817fc84f7cdbf9055a9d9b4e9c9bf508a030d2397c8bfb0243362ac13c5bf3008551ef0d3c4bf70d5b809ff13c2bf509903f9861dc0bfc0431d721f4eb7bf805d25c8a636b7bfe01d905a885cb3bf00fdb2bc9210b1bf80ca74d6b749afbf801a6b010a4faebfc00061e910f2a9bf8080352010c3a8bf0074af4be312a8bf806ad69360469dbf805c1200c4c793bf0059282875d086bf0052fa553ff071bf00904f6fb15450bf00a067bd72de453f00acf5577cb16a3f003629f0de22953f00ba0a8928af9e3f000957c3be84a13f004d9e76a1b9a63f8039ee7419dea63fe0f768ffdd94b23f403564d940a7b63fc0b66882bb7fba3fc06ba302172cbc3f20d723121fd1be3fe098ce3d21ffc23fe0cea620882dc43fe0fda907bf8ec63fd8eef9ba1725d03f28402cac6965da3fb000b2756875da3fd570c894f7614a40fcb2cf58df5e4b40aba11a3b254752400000000000a9b5400000000000f8a840000000000017b040a8000000200000000f00000001000200000001000000020000000000000000000c400100000000000300000004000000f6285c8fc2553240020001000000050000000600000001000000d91c3f29a168c03a020001000000070000000800000001000000d91c3f29a168c03a010100000000090000000a00000014ae47e17a143c400100000000000b0000000c000000f6285c8fc2f53d400101000000000d0000000e000000666666666606364000002f23d7ae94cec13f0000854d81496ea797bf0000a038e461128dc43f0000f4113718d550d23f00005f9874000c42c13f000003f44d4fdd78c83f0000982871ca6059d2bf000049d130f0f2c2b3bf0f00000001000200000001000000020000000000000000000c400100000000000300000004000000713d0ad7a3702640020001000000050000000600000001000000d91c3f29a168c03a020001000000070000000800000001000000d91c3f29a168c03a020001000000090000000a00000002000000d91c3f29a168c03a5be41c75094b4bc10100000000000b0000000c000000d7a3703d0af733400101000000000d0000000e0000008fc2f5285cef3e400000f715ea6de2f8b23f0000b4778d76a802bcbf00000420c9295d19c83f0000c9cb06070120b63f000099794698fef7b53f0000de2af69385d2c03f0000afb7da6e0d11c8bf0000a16ae291caf19dbf0f00000001000200000001000000020000000000000000000c400101000000000300000004000000295c8fc2f5283b400200010000000500000006000000030000008dcfd012e0c6d605d66a84ca3d63137b5be41c75094b4bc10100000000000700000008000000a4703d0ad7a32140020001000000090000000a000000010000005be41c75094b4bc10100000000000b0000000c000000d7a3703d0ad724400100000000000d0000000e000000a4703d0ad7231e4000007b9b436c0848aabf0000cea3a4c2a141ad3f000017cd98160b25cf3f0000706ee9cc3680bf3f0000c3c373876b16cdbf0000844fe6ddb45dacbf0000d98679dcce3da33f0000653a8b32a39bb63f0f00000001000200000001000000020000000000000000000c40010100000000030000000400000090c2f5285c8f4040020001000000050000000600000001000000d91c3f29a168c03a0200010000000700000008000000010000008dcfd012e0c6d605020001000000090000000a000000010000005be41c75094b4bc10101000000000b0000000c0000003433333333333e400101000000000d0000000e0000003e0ad7a3703d2f40000073aae6047817a4bf000024cf7a1a7fc3ac3f0000618acc303768c83f0000d37ab43aa051b93f000077e3bbe20dfaa73f00005a6cf76e8b74b43f0000f3d3d47afe30c0bf00007578d1ecb32396bf0b00000001010200000001000000020000000000000000001e400100000000000300000004000000d7a3703d0ad724400101000000000500000006000000703d0ad7a3604340020001000000070000000800000001000000d91c3f29a168c03a010100000000090000000a000000a4703d0ad76341400000128cd1dbcd18bdbf0000eca24fa3d5ffa9bf00006870f7f9b55ea43f00004a364ab49e4ebdbf0000b952f67b0ba7873f00009522acba5009b23f0f00000001010200000001000000020000000000000000001240010000000000030000000400000000000000000018400200010000000500000006000000030000008dcfd012e0c6d605d66a84ca3d63137b5be41c75094b4bc1020001000000070000000800000001000000d91c3f29a168c03a010000000000090000000a000000f6285c8fc25532400101000000000b0000000c000000ae47e17a14ee20400100000000000d0000000e000000a4703d0ad7231e400000630c8251dcfea13f000039f3198b4f29c0bf000027a53128f6b6643f00005b48f49d6606ae3f000039540df818bfb9bf00003cd01ebb4209a3bf00004d81727151c17a3f000003d236768866a23f0f0000000200010000000100000002000000020000008dcfd012e0c6d605d66a84ca3d63137b010100000000030000000400000014ae47e17a14444001010200000005000000060000000000000000000c400100000000000700000008000000b81e85eb51b81a40010102000000090000000a00000000000000000012400101000000000b0000000c000000ae47e17a142e33400101020000000d0000000e000000000000000000164000008f4c65fd288cb8bf00001db31cb88a97a0bf0000abf7840d32c6ab3f0000fd2cf31d2b1280bf0000f7ebe52140a7933f00004f28b1011b73b23f0000a014b4ff500e8ebf00009e7cbdd5e0da973f0b00000001010200000001000000020000000000000000001e4001000000000003000000040000009a99999999990f400101000000000500000006000000703d0ad7a3604340020001000000070000000800000001000000d91c3f29a168c03a020001000000090000000a000000010000008dcfd012e0c6d605000055ca56c4cc3babbf0000e6b40a282b8196bf000003b06a0ac4fb903f0000e8e25c998c53bbbf0000e5695feae75990bf000035a6cae23486963f0d00000001010000000001000000020000005c8fc2f528ec4540020001000000030000000400000001000000d91c3f29a168c03a0100020000000500000006000000000000000000f83f01000200000007000000080000000000000000000c40010000000000090000000a0000001e85eb51b81e084000003fc21636809bba3f0101020000000b0000000c00000000000000000016400000bd411f086ff19a3f0000382689d672bd823f000075e04e110f16b8bf0000c27e6d77be3d89bf0000eb441bfc16fea53f00000046f238310f783f0f00000001010200000001000000020000000000000000001240010000000000030000000400000090c2f5285c0f2a4001010000000005000000060000001e85eb51b8ee4340020001000000070000000800000002000000d91c3f29a168c03a5be41c75094b4bc1020001000000090000000a00000003000000d91c3f29a168c03ad66a84ca3d63137b5be41c75094b4bc10200010000000b0000000c00000001000000d91c3f29a168c03a0200010000000d0000000e00000001000000d66a84ca3d63137b0000b76b147897e45bbf00006d056ac31390a4bf0000852ad3e87a3ea03f00007d1cb519f991693f0000cd2159d7f44f793f000062aabae1e1e39cbf000083653b19aff489bf00006434fc9cd03a933f0f0000000101000000000100000002000000ae47e17a14ae3840020001000000030000000400000001000000d91c3f29a168c03a0100020000000500000006000000000000000000f83f0101000000000700000008000000d7a3703d0ad71240010000000000090000000a0000001e85eb51b81e08400100000000000b0000000c0000008fc2f5285c9f41400101020000000d0000000e00000000000000000016400000f67b5b9702fc933f00008d55c5d431c5673f00005037b69c9c53afbf0000bf7023efb0238cbf000048997074a751a33f0000c95f010f55f0b03f00007682c8eae0d18b3f0000f8ab113052b974bf0d000000010100000000010000000200000014ae47e17a144440010002000000030000000400000000000000000012400100020000000500000006000000000000000000f83f01000000000007000000080000001e85eb51b81e0840020001000000090000000a00000001000000d91c3f29a168c03a0000e0a86c0f7761ab3f0101020000000b0000000c00000000000000000016400000f5158b1a0277a1bf0000cba77caaf6be7a3f0000376e37a45a2a6e3f0000af3ededd999a91bf00007b5a378e0567953f000040dfc3658e3a673ffc45ef6b245c835d' AS v1_model;
-- the raw score of every row under every model, and the sum of its contributions
CREATE TABLE sums AS
  SELECT 'duration' AS model, id, ln(1 + predict(dur_model, f)) AS raw, (SELECT sum(contribution) FROM explain(dur_model, f)) AS s FROM m, fv
  UNION ALL SELECT 'binary', id, ln(predict(bin_model, f) / (1 - predict(bin_model, f))), (SELECT sum(contribution) FROM explain(bin_model, f)) FROM m, fv
  UNION ALL SELECT 'squared', id, predict(sq_model, f), (SELECT sum(contribution) FROM explain(sq_model, f)) FROM m, fv
  UNION ALL SELECT 'quantile', id, predict(q_model, f), (SELECT sum(contribution) FROM explain(q_model, f)) FROM m, fv
  UNION ALL SELECT 'aft', id, ln(predict(aft_model, f)), (SELECT sum(contribution) FROM explain(aft_model, f)) FROM m, fv
  UNION ALL SELECT 'offset', id, ln(1 + predict(off_model, f)), (SELECT sum(contribution) FROM explain(off_model, f)) FROM m, fv;

-- case: explain.sum.raw
-- contributions plus the bias add up to the raw score (log1p seconds, log-odds, the value, log seconds)
SELECT count(*) = 6 * 1500 AND max(abs(s - raw) / (1 + abs(raw))) < 1e-9 FROM sums;
-- case: explain.sum.raw.each
SELECT count(*) = 6 FROM (SELECT model, max(abs(s - raw)) AS e FROM sums GROUP BY model) WHERE e < 1e-9;
-- case: explain.rows
-- one row per model feature in name order, then '(bias)'
SELECT group_concat(feature, ',') = 'gb,host,prev,threads,(bias)' FROM explain((SELECT dur_model FROM m), (SELECT f FROM fv WHERE id = 3));
CREATE TABLE e AS SELECT * FROM explain((SELECT dur_model FROM m), (SELECT f FROM fv WHERE id = 11));
-- case: explain.values.row11
SELECT (SELECT value FROM e WHERE feature = 'gb') IS NULL AND (SELECT value FROM e WHERE feature = 'threads') = 12.0
   AND (SELECT value FROM e WHERE feature = 'host') = (SELECT value FROM model_features((SELECT dur_model FROM m), feature_vector('host', 'h1')) WHERE name = 'host')
   AND (SELECT value FROM e WHERE feature = '(bias)') IS NULL AND (SELECT typeof(value) FROM e WHERE feature = 'prev') = 'real';
-- case: explain.bias.constant
-- the bias does not depend on the row
SELECT count(DISTINCT contribution) = 1 FROM fv, m, explain(m.dur_model, fv.f) WHERE feature = '(bias)';
-- case: explain.absent
-- a feature the vector lacks is a missing value; the sum still holds
SELECT abs((SELECT sum(contribution) FROM explain(dur_model, feature_vector('threads', 4))) - ln(1 + predict(dur_model, feature_vector('threads', 4)))) < 1e-12 FROM m;
-- case: explain.unseen.category
SELECT abs((SELECT sum(contribution) FROM explain(dur_model, feature_vector('host', 'never-seen', 'gb', 5))) - ln(1 + predict(dur_model, feature_vector('host', 'never-seen', 'gb', 5)))) < 1e-12 FROM m;
-- case: explain.offset
-- the offset feature's value (or its absence) starts the row: the sums still hold
SELECT abs((SELECT sum(contribution) FROM explain(off_model, feature_vector('prev', NULL, 'gb', 5))) - ln(1 + predict(off_model, feature_vector('prev', NULL, 'gb', 5)))) < 1e-12
   AND abs((SELECT sum(contribution) FROM explain(off_model, feature_vector('prev', 500, 'gb', 5))) - ln(1 + predict(off_model, feature_vector('prev', 500, 'gb', 5)))) < 1e-12
   AND (SELECT contribution FROM explain(off_model, feature_vector('prev', 500, 'gb', 5)) WHERE feature = 'prev')
     > (SELECT contribution FROM explain(off_model, feature_vector('prev', 50, 'gb', 5)) WHERE feature = 'prev') FROM m;
-- case: explain.registry
SELECT model_save('shap_dur', dur_model) = 1 FROM m;
-- case: explain.registry.same
SELECT count(*) = 5 AND sum(a.contribution = b.contribution) = 5
  FROM explain('shap_dur', (SELECT f FROM fv WHERE id = 7)) a JOIN explain((SELECT dur_model FROM m), (SELECT f FROM fv WHERE id = 7)) b USING (feature);
-- case: explain.null.model
SELECT count(*) = 0 FROM explain(NULL, feature_vector('a', 1));
-- case: explain.null.features
SELECT count(*) = 0 FROM explain((SELECT dur_model FROM m), NULL);

-- explain_diff
CREATE TABLE diffs AS
  SELECT a.id AS id, b.id AS ref, ln(1 + predict(dur_model, a.f)) - ln(1 + predict(dur_model, b.f)) AS want,
         (SELECT sum(contribution) FROM explain_diff(dur_model, a.f, b.f)) AS s,
         (SELECT count(*) FROM explain_diff(dur_model, a.f, b.f)) AS n
    FROM m, fv a, fv b WHERE a.id % 50 = 1 AND b.id % 70 = 3
  UNION ALL
  SELECT a.id, b.id, predict(sq_model, a.f) - predict(sq_model, b.f), (SELECT sum(contribution) FROM explain_diff(sq_model, a.f, b.f)), 4
    FROM m, fv a, fv b WHERE a.id % 50 = 2 AND b.id % 70 = 5
  UNION ALL
  SELECT a.id, b.id, ln(1 + predict(off_model, a.f)) - ln(1 + predict(off_model, b.f)), (SELECT sum(contribution) FROM explain_diff(off_model, a.f, b.f)), 4
    FROM m, fv a, fv b WHERE a.id % 50 = 4 AND b.id % 70 = 6;
-- case: explain_diff.sum
-- contributions add up to raw(features) - raw(reference_features)
SELECT count(*) > 1000 AND max(abs(s - want)) < 1e-9 AND min(n) = 4 AND max(n) = 4 FROM diffs;
-- case: explain_diff.self
-- a run against itself: every contribution 0
SELECT count(*) = 4 AND max(abs(contribution)) = 0 FROM explain_diff((SELECT dur_model FROM m), (SELECT f FROM fv WHERE id = 9), (SELECT f FROM fv WHERE id = 9));
-- case: explain_diff.one.feature
-- runs that differ in one feature: all of the difference goes to it
SELECT abs((SELECT contribution FROM explain_diff(dur_model, feature_vector('threads', 2, 'gb', 30, 'host', 'h1', 'prev', 50),
                                                  feature_vector('threads', 16, 'gb', 30, 'host', 'h1', 'prev', 50)) WHERE feature = 'threads')
           - (ln(1 + predict(dur_model, feature_vector('threads', 2, 'gb', 30, 'host', 'h1', 'prev', 50)))
              - ln(1 + predict(dur_model, feature_vector('threads', 16, 'gb', 30, 'host', 'h1', 'prev', 50))))) < 1e-12
   AND (SELECT sum(abs(contribution)) FROM explain_diff(dur_model, feature_vector('threads', 2, 'gb', 30, 'host', 'h1', 'prev', 50),
                                                  feature_vector('threads', 16, 'gb', 30, 'host', 'h1', 'prev', 50)) WHERE feature <> 'threads') = 0 FROM m;
-- case: explain_diff.columns
SELECT value = 2.0 AND reference_value = 16.0 FROM explain_diff((SELECT dur_model FROM m), feature_vector('threads', 2), feature_vector('threads', 16)) WHERE feature = 'threads';
-- case: explain_diff.old.model
-- a model without covers can be diffed (baseline Shapley needs none)
SELECT abs((SELECT sum(contribution) FROM explain_diff(v1_model, feature_vector('threads', 2, 'gb', 10, 'host', 'h1'), feature_vector('threads', 8, 'gb', 40, 'host', 'h3')))
           - (ln(1 + predict(v1_model, feature_vector('threads', 2, 'gb', 10, 'host', 'h1'))) - ln(1 + predict(v1_model, feature_vector('threads', 8, 'gb', 40, 'host', 'h3'))))) < 1e-12 FROM m;
-- case: explain_diff.null.reference
SELECT count(*) = 0 FROM explain_diff((SELECT dur_model FROM m), feature_vector('threads', 2), NULL);

-- model_importance's shap column
-- case: importance.shap
SELECT count(*) = 4 AND min(shap) >= 0 AND max(shap) > 0 FROM model_importance((SELECT dur_model FROM m));
-- case: importance.shap.order
-- threads and gb drive the durations far more than prev
SELECT (SELECT shap FROM model_importance((SELECT dur_model FROM m)) WHERE feature = 'prev')
     < (SELECT shap FROM model_importance((SELECT dur_model FROM m)) WHERE feature = 'threads');
-- case: importance.shap.old
-- NULL for a model trained before SHAP importance existed
SELECT count(*) = 3 AND count(shap) = 0 FROM model_importance((SELECT v1_model FROM m));
-- case: importance.shap.other.kind
SELECT count(*) = 4 AND count(shap) = 0 FROM model_importance((SELECT isolation_forest_train(f) FROM fv));

-- errors
-- case: explain.err.old.model
-- error: explain(): the model was trained by an omen without node covers (gbt payload format 1); retrain it
SELECT * FROM explain((SELECT v1_model FROM m), feature_vector('threads', 2));
-- case: explain.err.kind
-- error: explain(): model is a scaler model, which has no feature contributions (explanations need a boosted-tree model)
SELECT * FROM explain((SELECT scaler_train(f) FROM fv), feature_vector('threads', 2));
-- case: explain.err.model.type
-- error: explain(): model is INTEGER; expected a model BLOB or a registry name (TEXT)
SELECT * FROM explain(42, feature_vector('threads', 2));
-- case: explain.err.corrupt
-- error: explain(): not an omen model
SELECT * FROM explain(x'00112233445566778899', feature_vector('threads', 2));
-- case: explain.err.bitflip
-- error: explain(): model checksum mismatch
SELECT * FROM explain((SELECT CAST(substr(dur_model, 1, 200) || x'00' || substr(dur_model, 202) AS BLOB) FROM m WHERE substr(dur_model, 201, 1) <> x'00'), feature_vector('threads', 2));
-- case: explain.err.registry
-- error: explain(): no model named 'no_such_model' in omen_models
SELECT * FROM explain('no_such_model', feature_vector('threads', 2));
-- case: explain.err.features.type
-- error: explain(): features (argument 2) is TEXT; expected a feature vector (a BLOB made by feature_vector())
SELECT * FROM explain((SELECT dur_model FROM m), 'threads=2');
-- case: explain.err.features.damaged
-- error: explain(): features: not a feature vector
SELECT * FROM explain((SELECT dur_model FROM m), x'0102030405');
-- case: explain.err.wrong.type
-- error: explain(): feature "host" in features is numeric but the model was trained with it categorical
SELECT * FROM explain((SELECT dur_model FROM m), feature_vector('host', 3));
-- case: explain.err.no.features
-- error: explain(): none of the model's features is in features (argument 2); check the names (they are case-sensitive; model_features(model) lists them)
SELECT * FROM explain((SELECT dur_model FROM m), feature_vector('Threads', 3));
-- case: explain.err.no.features.arg
-- error: explain(): needs a features argument: explain(model, features)
SELECT * FROM explain((SELECT dur_model FROM m));
-- case: explain.err.no.model
-- error: no query solution
SELECT * FROM explain;
-- case: explain_diff.err.no.reference
-- error: explain_diff(): needs a reference_features argument: explain_diff(model, features, reference_features)
SELECT * FROM explain_diff((SELECT dur_model FROM m), feature_vector('threads', 2));
-- case: explain_diff.err.reference.type
-- error: explain_diff(): reference_features (argument 3) is REAL; expected a feature vector (a BLOB made by feature_vector())
SELECT * FROM explain_diff((SELECT dur_model FROM m), feature_vector('threads', 2), 2.5);
-- case: explain_diff.err.reference.wrong.type
-- error: explain_diff(): feature "threads" in reference_features is categorical but the model was trained with it numeric
SELECT * FROM explain_diff((SELECT dur_model FROM m), feature_vector('threads', 2), feature_vector('threads', 'x'));
-- case: explain_diff.err.kind
-- error: explain_diff(): model is an iforest model, which has no feature contributions (explanations need a boosted-tree model)
SELECT * FROM explain_diff((SELECT isolation_forest_train(f) FROM fv), feature_vector('threads', 2), feature_vector('threads', 3));
