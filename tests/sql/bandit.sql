-- bandit_update / bandit_choose / bandit_merge / bandit_stats (ext/bandit.c, core/bandit/bd.h).
CREATE TABLE log(t INTEGER PRIMARY KEY, arm, r);
INSERT INTO log(arm, r) VALUES ('a', 1), ('a', 0), ('b', 1), ('b', 1), ('c', 0), ('a', 1), ('b', 0), ('c', 0),
  (7, 1), (2.5, 0), (7.0, 1), (NULL, 1), ('d', NULL);
CREATE TABLE g(t INTEGER PRIMARY KEY, arm, r);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
INSERT INTO g(arm, r) SELECT CASE i % 3 WHEN 0 THEN 'x' WHEN 1 THEN 'y' ELSE 'z' END,
  (i % 3) * 10.0 + (hash_uniform(i, 5) - 0.5) * 40 FROM n;
CREATE TABLE s AS SELECT
  (SELECT bandit_update(arm, r) FROM log) AS thompson,
  (SELECT bandit_update(arm, r, '{"policy": "ucb1"}') FROM log) AS ucb1,
  (SELECT bandit_update(arm, r, '{"policy": "ucb_tuned"}') FROM log WHERE arm IS NOT 'd') AS tuned,
  (SELECT bandit_update(arm, r, '{"policy": "epsilon_greedy", "epsilon": 0.2}') FROM log WHERE arm IS NOT 'd') AS eps,
  (SELECT bandit_update(arm, r, '{"policy": "thompson", "reward": "gaussian"}') FROM g) AS gauss,
  (SELECT bandit_update(arm, r, '{"policy": "discounted_ucb", "gamma": 0.9}') FROM (SELECT * FROM log ORDER BY t)) AS disc;

-- the state is a model BLOB of kind 'bandit'
-- case: bandit.info
SELECT json_extract(model_info(thompson), '$.kind') = 'bandit' AND json_extract(model_info(thompson), '$.rows_used') = 11
   AND json_extract(model_info(thompson), '$.rows_skipped') = 2
   AND json_extract(model_info(thompson), '$.detail.arms') = 6 AND json_extract(model_info(thompson), '$.detail.unplayed') = 1
   AND json(json_extract(model_info(ucb1), '$.options')) = '{"policy":"ucb1","reward":"bernoulli","scale":1}' FROM s;
-- case: bandit.info.disc
SELECT json(json_extract(model_info(disc), '$.options')) = '{"policy":"discounted_ucb","reward":"bernoulli","gamma":0.9,"xi":0.6,"scale":1}' FROM s;
-- arms come back as the values they were: 7 and 7.0 are one INTEGER arm
-- case: bandit.stats.arms
SELECT group_concat(quote(arm), ',') = '2.5,7,''a'',''b'',''c'',''d''' FROM bandit_stats((SELECT thompson FROM s));
-- case: bandit.stats.counts
SELECT group_concat(n, ',') = '1,2,3,3,2,0' FROM bandit_stats((SELECT thompson FROM s));
-- Wilson 95% interval of 2 successes in 3 (statsmodels 0.13.5 proportion_confint(2, 3, method='wilson'))
-- case: bandit.stats.wilson
SELECT abs(mean - 2.0 / 3) < 1e-15 AND abs(ci_low - 0.2076596008020477) < 1e-12 AND abs(ci_high - 0.9385080552796037) < 1e-12
  FROM bandit_stats((SELECT thompson FROM s)) WHERE arm = 'a';
-- case: bandit.stats.unplayed
SELECT n = 0 AND mean IS NULL AND ci_low IS NULL AND ci_high IS NULL AND p_best >= 0 FROM bandit_stats((SELECT thompson FROM s)) WHERE arm = 'd';
-- case: bandit.stats.pbest.sum
SELECT abs(sum(p_best) - 1) < 1e-12 FROM bandit_stats((SELECT thompson FROM s));
-- case: bandit.stats.gaussian
SELECT count(*) = 3 AND max(p_best) > 0.99 AND (SELECT arm FROM bandit_stats((SELECT gauss FROM s)) ORDER BY p_best DESC LIMIT 1) = 'z'
  FROM bandit_stats((SELECT gauss FROM s));
-- case: bandit.stats.null
SELECT count(*) = 0 FROM bandit_stats(NULL);
-- case: bandit.stats.noarg
-- error: no query solution
SELECT * FROM bandit_stats;
-- case: bandit.stats.type
-- error: bandit_stats(): state is INTEGER; expected a bandit state BLOB or a registry name (TEXT)
SELECT * FROM bandit_stats(3);
-- case: bandit.stats.corrupt
-- error: bandit_stats(): model is truncated or has trailing bytes (60 bytes; header says 415)
SELECT * FROM bandit_stats((SELECT substr(thompson, 1, 60) FROM s));

-- unplayed arms first: 'd' was declared by a row with a NULL reward
-- case: bandit.choose.unplayed.ucb1
SELECT bandit_choose(ucb1) = 'd' FROM s;
-- case: bandit.choose.unplayed.thompson
SELECT bandit_choose(thompson, 'visitor-1') = 'd' FROM s;
-- UCB1 by hand: N = 11; 7: 1 + sqrt(2 ln 11 / 2) = 2.549; 2.5: 0 + sqrt(2 ln 11) = 2.190; b: 2/3 + 1.266 ...
-- case: bandit.choose.ucb1
SELECT bandit_choose(bandit_update(arm, r, '{"policy": "ucb1"}')) = 7 AND typeof(bandit_choose(bandit_update(arm, r, '{"policy": "ucb1"}'))) = 'integer'
  FROM log WHERE arm IS NOT 'd';
-- case: bandit.choose.real
SELECT bandit_choose(bandit_update(arm, r, '{"policy": "ucb1"}')) = 2.5 FROM log WHERE arm IN (2.5);
-- determinism by key: the same key gives the same arm; different keys spread
-- case: bandit.choose.key.same
SELECT count(DISTINCT bandit_choose(eps, 'k' || (i % 5))) <= 5 AND
       (SELECT group_concat(c) FROM (SELECT bandit_choose(eps, 'k' || j) AS c FROM s, (SELECT 1 AS j UNION ALL SELECT 2 UNION ALL SELECT 3)))
     = (SELECT group_concat(c) FROM (SELECT bandit_choose(eps, 'k' || j) AS c FROM s, (SELECT 1 AS j UNION ALL SELECT 2 UNION ALL SELECT 3)))
  FROM s, (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20) SELECT i FROM n);
-- case: bandit.choose.key.repeat
SELECT count(DISTINCT bandit_choose(gauss, 42)) = 1 FROM s, (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50) SELECT i FROM n);
-- case: bandit.choose.key.numeric
SELECT bandit_choose(eps, 3) = bandit_choose(eps, 3.0) FROM s;
-- case: bandit.choose.key.spread
SELECT count(DISTINCT bandit_choose(thompson, k)) >= 1 AND count(DISTINCT c) >= 2 FROM
  (SELECT thompson, k, bandit_choose(t2, k) AS c FROM s, (SELECT bandit_update(arm, r) AS t2 FROM log WHERE arm IN ('a', 'b')),
   (WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 200) SELECT k FROM n));
-- epsilon_greedy picks every arm sometimes (epsilon 0.2) and the best (7, mean 1) mostly
-- case: bandit.choose.eps
SELECT sum(c = 7) > 800 AND count(DISTINCT c) = 5 FROM
  (SELECT bandit_choose(eps, k) AS c FROM s, (WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 1000) SELECT k FROM n));
-- gaussian Thompson finds the best arm
-- case: bandit.choose.gauss
SELECT sum(bandit_choose(gauss, k) = 'z') > 950 FROM s, (WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 1000) SELECT k FROM n);
-- no key: random, but always an arm of the state
-- case: bandit.choose.nokey
SELECT bandit_choose(tuned) IN (2.5, 7, 'a', 'b', 'c') AND bandit_choose(gauss, NULL) IN ('x', 'y', 'z') FROM s;
-- case: bandit.choose.null
SELECT bandit_choose(NULL) IS NULL AND bandit_choose(NULL, 1) IS NULL;
-- case: bandit.choose.disc
SELECT bandit_choose(disc) = 'd' FROM s;
-- case: bandit.choose.type
-- error: bandit_choose(): model is INTEGER; expected a model BLOB or a registry name (TEXT)
SELECT bandit_choose(1);
-- case: bandit.choose.corrupt
-- error: bandit_choose(): model checksum mismatch
SELECT bandit_choose(CAST(substr(thompson, 1, 100) || x'00' || substr(thompson, 102) AS BLOB)) FROM s;
-- case: bandit.choose.kind
-- error: bandit_choose(): model is a scaler model; expected a bandit model
SELECT bandit_choose(scaler_train(feature_vector('x', t))) FROM log;
-- case: bandit.choose.argc
-- error: wrong number of arguments to function bandit_choose()
SELECT bandit_choose(1, 2, 3);

-- bandit_update: NULLs and errors
-- case: bandit.update.empty
SELECT bandit_update(arm, r) IS NULL FROM log WHERE 0;
-- case: bandit.update.nullarms
SELECT bandit_update(NULL, r) IS NULL FROM log;
-- case: bandit.update.declare.only
SELECT json_extract(model_info(bandit_update(arm, NULL)), '$.detail.unplayed') = 6 FROM log;
-- case: bandit.update.order
SELECT (SELECT bandit_update(arm, r) FROM (SELECT * FROM log ORDER BY t DESC)) = thompson
   AND (SELECT bandit_update(arm, r) FROM (SELECT * FROM log ORDER BY arm, r)) = thompson FROM s;
-- case: bandit.update.blob
-- error: bandit_update(): arm (argument 1) is a BLOB; expected INTEGER, REAL or TEXT
SELECT bandit_update(x'01', 1);
-- case: bandit.update.inf
-- error: bandit_update(): arm (argument 1) is not a finite number
SELECT bandit_update(9e999, 1);
-- case: bandit.update.empty_text
-- error: bandit_update(): arm (argument 1) is 0 bytes of text; expected 1 to 256 bytes
SELECT bandit_update('', 1);
-- case: bandit.update.long_text
-- error: bandit_update(): arm (argument 1) is 300 bytes of text; expected 1 to 256 bytes
SELECT bandit_update(printf('%.300c', 'x'), 1);
-- case: bandit.update.utf8
-- error: bandit_update(): arm (argument 1): byte 0xff at offset 1 is not valid UTF-8; arms must be valid UTF-8 without NUL
SELECT bandit_update(CAST(x'61ff' AS TEXT), 1);
-- case: bandit.update.reward.text
-- error: bandit_update(): reward (argument 2) is TEXT; expected INTEGER or REAL
SELECT bandit_update('a', '1');
-- case: bandit.update.reward.range
-- error: bandit_update(): reward 1.5 is outside [0, 1]; 'bernoulli' rewards are 0/1 (or a fraction); use '{"reward": "gaussian"}' for other numbers
SELECT bandit_update('a', 1.5);
-- case: bandit.update.reward.negative
-- error: bandit_update(): reward -1 is outside [0, 1]; 'bernoulli' rewards are 0/1 (or a fraction); use '{"reward": "gaussian"}' for other numbers
SELECT bandit_update(arm, -r) FROM log WHERE r = 1;
-- case: bandit.update.reward.inf
-- error: bandit_update(): reward is not a finite number
SELECT bandit_update('a', 9e999, '{"reward": "gaussian"}');
-- case: bandit.update.reward.huge
-- error: bandit_update(): reward 1e+101 is beyond ±1e100
SELECT bandit_update('a', 1e101, '{"reward": "gaussian"}');
-- case: bandit.update.options.type
-- error: bandit_update(): options (argument 3) is INTEGER; expected a JSON object as TEXT
SELECT bandit_update('a', 1, 5);
-- case: bandit.update.options.json
-- error: bandit_update(): options are not a JSON object (expected a JSON object); write them like '{"policy": "ucb1"}'
SELECT bandit_update('a', 1, 'ucb1');
-- case: bandit.update.options.unknown
-- error: bandit_update(): unknown option "gama"; accepted: policy, reward, epsilon, c, d, gamma, xi, scale, alpha, lambda
SELECT bandit_update('a', 1, '{"policy": "discounted_ucb", "gama": 0.5}');
-- case: bandit.update.options.policy
-- error: bandit_update(): option policy must be 'thompson', 'ucb1', 'ucb_tuned', 'epsilon_greedy', 'discounted_ucb' or 'linucb'
SELECT bandit_update('a', 1, '{"policy": "exp3"}');
-- case: bandit.update.options.misplaced
-- error: bandit_update(): option epsilon applies only to policy epsilon_greedy
SELECT bandit_update('a', 1, '{"policy": "ucb1", "epsilon": 0.1}');
-- case: bandit.update.options.range
-- error: bandit_update(): option epsilon must be a number from 0 to 1
SELECT bandit_update('a', 1, '{"policy": "epsilon_greedy", "epsilon": 2}');
-- case: bandit.update.options.changed
-- error: bandit_update(): options changed between rows; pass the same options on every row
SELECT bandit_update(arm, r, CASE WHEN t < 3 THEN '{"policy": "ucb1"}' ELSE '{"policy": "ucb_tuned"}' END) FROM log;
-- case: bandit.update.argc
-- error: wrong number of arguments to function bandit_update()
SELECT bandit_update('a');

-- bandit_merge: split logs merge to the very bytes of one update over all rows
-- case: bandit.merge.exact
SELECT (SELECT bandit_merge(st) FROM (SELECT bandit_update(arm, r) AS st FROM log WHERE t <= 4
                                    UNION ALL SELECT bandit_update(arm, r) FROM log WHERE t > 4 AND t <= 9
                                    UNION ALL SELECT bandit_update(arm, r) FROM log WHERE t > 9)) = thompson FROM s;
-- case: bandit.merge.exact.gauss
SELECT (SELECT bandit_merge(st) FROM (SELECT bandit_update(arm, r, '{"policy": "thompson", "reward": "gaussian"}') AS st
                                        FROM g GROUP BY t % 7)) = gauss FROM s;
-- case: bandit.merge.one
SELECT bandit_merge(ucb1) = ucb1 FROM s;
-- case: bandit.merge.null
SELECT bandit_merge(NULL) IS NULL FROM s;
-- case: bandit.merge.type
-- error: bandit_merge(): state (argument 1) is TEXT; expected a bandit state BLOB (from bandit_update)
SELECT bandit_merge('x');
-- case: bandit.merge.policies
-- error: bandit_merge(): states differ: one is policy 'thompson' with 'bernoulli' rewards, the other 'ucb1' with 'bernoulli'
SELECT bandit_merge(st) FROM (SELECT thompson AS st FROM s UNION ALL SELECT ucb1 FROM s);
-- case: bandit.merge.options
-- error: bandit_merge(): states of policy 'ucb1' have different options
SELECT bandit_merge(st) FROM (SELECT ucb1 AS st FROM s UNION ALL SELECT bandit_update('a', 1, '{"policy": "ucb1", "scale": 2}'));
-- case: bandit.merge.disc
-- error: bandit_merge(): discounted_ucb states cannot be merged: their discounted sums depend on how the two logs interleave in time; run bandit_update over the combined log ordered by time
SELECT bandit_merge(disc) FROM s;
-- case: bandit.merge.corrupt
-- error: bandit_merge(): not an omen model
SELECT bandit_merge(x'0102');
-- case: bandit.merge.kind
-- error: bandit_merge(): model is a scaler model; expected a bandit model
SELECT bandit_merge(st) FROM (SELECT scaler_train(feature_vector('x', t)) AS st FROM log);

-- states built on two databases, merged
ATTACH ':memory:' AS east;
ATTACH ':memory:' AS west;
CREATE TABLE east.log AS SELECT * FROM main.log WHERE t % 2 = 0;
CREATE TABLE west.log AS SELECT * FROM main.log WHERE t % 2 = 1;
-- case: bandit.merge.attached
SELECT bandit_merge(st) = (SELECT thompson FROM s) FROM
  (SELECT bandit_update(arm, r) AS st FROM east.log UNION ALL SELECT bandit_update(arm, r) FROM west.log);

-- the registry stores states; choose and stats take references
-- case: bandit.registry.save
SELECT model_save('cta', thompson) = 1 FROM s;
-- case: bandit.registry.choose
SELECT bandit_choose('cta', 'visitor-1') = bandit_choose(thompson, 'visitor-1') FROM s;
-- case: bandit.registry.stats
SELECT count(*) = 6 FROM bandit_stats('cta');
-- case: bandit.registry.missing
-- error: bandit_stats(): no model named 'nope' in omen_models
SELECT * FROM bandit_stats('nope');

-- LinUCB: arm 'a' pays when x1 is large, 'b' when x2 is large
CREATE TABLE ctx AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 600)
SELECT i, CASE i % 2 WHEN 0 THEN 'a' ELSE 'b' END AS arm, hash_uniform(i, 1) AS x1, hash_uniform(i, 2) AS x2,
       (hash_uniform(i, 3) < CASE i % 2 WHEN 0 THEN hash_uniform(i, 1) ELSE hash_uniform(i, 2) END) AS r FROM n;
CREATE TABLE lin AS SELECT linucb_update(arm, feature_vector('x1', x1, 'x2', x2), r) AS s FROM ctx;
-- case: bandit.linucb.info
SELECT json_extract(model_info(s), '$.kind') = 'bandit' AND json_extract(model_info(s), '$.detail.policy') = 'linucb'
   AND json_extract(model_info(s), '$.features[1].name') = 'x2'
   AND json(json_extract(model_info(s), '$.options')) = '{"policy":"linucb","reward":"bernoulli","alpha":1,"lambda":1}' FROM lin;
-- case: bandit.linucb.choose
SELECT linucb_choose(s, feature_vector('x1', 0.95, 'x2', 0.05)) = 'a' AND linucb_choose(s, feature_vector('x2', 0.95, 'x1', 0.05)) = 'b' FROM lin;
-- extra features are ignored by linucb_choose
-- case: bandit.linucb.extra
SELECT linucb_choose(s, feature_vector('x1', 0.95, 'x2', 0.05, 'zz', 7)) = 'a' FROM lin;
-- case: bandit.linucb.key
SELECT linucb_choose(s, feature_vector('x1', 0.5, 'x2', 0.5), 'k') = linucb_choose(s, feature_vector('x1', 0.5, 'x2', 0.5)) FROM lin;
-- case: bandit.linucb.stats
SELECT count(*) = 2 AND sum(n) = 600 FROM bandit_stats((SELECT s FROM lin));
-- case: bandit.linucb.merge
SELECT json_extract(model_info(bandit_merge(st)), '$.rows_used') = 600 FROM
  (SELECT linucb_update(arm, feature_vector('x1', x1, 'x2', x2), r) AS st FROM ctx GROUP BY i % 3);
-- case: bandit.linucb.unplayed
SELECT linucb_choose(linucb_update(arm, feature_vector('x1', x1, 'x2', x2), r), feature_vector('x1', 1, 'x2', 0)) = 'c'
  FROM (SELECT arm, x1, x2, r FROM ctx UNION ALL SELECT 'c', NULL, NULL, NULL);
-- case: bandit.linucb.null
SELECT linucb_choose(NULL, feature_vector('x1', 1)) IS NULL AND linucb_choose(s, NULL) IS NULL FROM lin;
-- case: bandit.linucb.missing
-- error: linucb_choose(): feature "x2" is missing from the feature vector
SELECT linucb_choose(s, feature_vector('x1', 1)) FROM lin;
-- case: bandit.linucb.missing.last
-- error: linucb_choose(): feature "x1" is missing from the feature vector
SELECT linucb_choose(s, feature_vector('x2', 1)) FROM lin;
-- case: bandit.linucb.categorical
-- error: linucb_choose(): feature "x1" is categorical; linucb takes numeric features
SELECT linucb_choose(s, feature_vector('x1', 'high', 'x2', 1)) FROM lin;
-- case: bandit.linucb.features.type
-- error: linucb_update(): features (argument 2) is TEXT; expected a feature vector (a BLOB made by feature_vector())
SELECT linucb_update('a', '{"x1": 1}', 1);
-- case: bandit.linucb.features.extra
-- error: linucb_update(): feature "x3" is not one of the first row's features
SELECT linucb_update(arm, CASE WHEN i < 5 THEN feature_vector('x1', x1) ELSE feature_vector('x1', x1, 'x3', 1) END, r) FROM ctx;
-- case: bandit.linucb.features.null
-- error: linucb_update(): feature "x1" is NULL; linucb takes numeric features
SELECT linucb_update('a', feature_vector('x1', NULL), 1);
-- case: bandit.linucb.nofeatures
-- error: linucb_update(): no row has both a reward and a feature vector; the features are unknown
SELECT linucb_update('a', NULL, NULL);
-- case: bandit.linucb.policy
-- error: linucb_update(): option policy must be 'linucb' (or absent); use bandit_update for 'ucb1'
SELECT linucb_update('a', feature_vector('x1', 1), 1, '{"policy": "ucb1"}');
-- case: bandit.linucb.option
-- error: linucb_update(): option alpha must be a number from 0 to 100
SELECT linucb_update('a', feature_vector('x1', 1), 1, '{"alpha": -1}');
-- case: bandit.linucb.bandit_update
-- error: bandit_update(): policy linucb needs context features; use linucb_update(arm, features, reward)
SELECT bandit_update('a', 1, '{"policy": "linucb"}');
-- case: bandit.linucb.bandit_choose
-- error: bandit_choose(): state is a linucb state; use linucb_choose(state, features)
SELECT bandit_choose(s) FROM lin;
-- case: bandit.linucb.wrong_state
-- error: linucb_choose(): state is a thompson state; use bandit_choose(state [, key])
SELECT linucb_choose(thompson, feature_vector('x1', 1)) FROM s;
-- case: bandit.linucb.merge.features
-- error: bandit_merge(): linucb states have different features
SELECT bandit_merge(st) FROM (SELECT s AS st FROM lin UNION ALL SELECT linucb_update('a', feature_vector('y', 1), 1));
-- case: bandit.linucb.reward
-- error: linucb_update(): reward 3 is outside [0, 1]; 'bernoulli' rewards are 0/1 (or a fraction); use '{"reward": "gaussian"}' for other numbers
SELECT linucb_update('a', feature_vector('x1', 1), 3);
