-- decompose(), series_anomalies(), forecast_crossing(): behaviours, edge cases and errors
-- (ext/series_views.c; docs/decompose.md, docs/series_anomalies.md, docs/forecast_crossing.md).
CREATE TABLE h(t INTEGER PRIMARY KEY, v REAL);
WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 479)
INSERT INTO h SELECT 1700006400 + i * 3600, 50 + 10 * sin(2 * 3.141592653589793 * i / 24) + 0.02 * i
       + ((i * 7919) % 101) / 50.0 + CASE WHEN i = 300 THEN 25 WHEN i = 400 THEN -20 ELSE 0 END FROM k;
CREATE TABLE m AS SELECT forecast_train(t, v) AS b, forecast_train(datetime(t, 'unixepoch'), v) AS bt,
       forecast_train(t, v, '{"method": "naive"}') AS bn, forecast_train(t, v, '{"method": "snaive", "season_length": 24}') AS bs,
       forecast_train(t, v, '{"method": "mstl", "season_length": 24}') AS bm FROM h;
-- case: decompose.rows.add.up
SELECT count(*) = 480 AND max(abs(value - trend - seasonal - remainder)) < 1e-9 AND min(ts) = 1700006400
  FROM decompose((SELECT b FROM m));
-- case: decompose.seasonal.arima
-- a seasonal ARIMA has no seasonal state: its one-step forecasts are split by a
-- classical decomposition (core/ts/ts_fc.h 4); the parts still add up
SELECT count(*) = 24 * 20 AND sum(abs(trend + seasonal + remainder - value) < 1e-9) = 24 * 19
   AND max(seasonal) > 5 AND min(seasonal) < -5
  FROM decompose((SELECT forecast_train(t, v, '{"order": "1,0,0", "seasonal_order": "0,1,1"}') FROM h));
-- case: decompose.seasonal.theta
SELECT sum(abs(trend + seasonal + remainder - value) < 1e-9) = 24 * 20 AND max(seasonal) > 5
  FROM decompose((SELECT forecast_train(t, v, '{"method": "theta"}') FROM h));
-- case: decompose.fitted.is.trend.plus.seasonal
SELECT max(abs(fitted - trend - seasonal)) < 1e-9 FROM decompose((SELECT b FROM m));
-- case: decompose.text.times
SELECT min(ts) = '2023-11-15 00:00:00' AND typeof(min(ts)) = 'text' FROM decompose((SELECT bt FROM m));
-- case: decompose.naive.first.point
SELECT sum(fitted IS NULL) = 1 AND min(CASE WHEN fitted IS NULL THEN ts END) = 1700006400 FROM decompose((SELECT bn FROM m));
-- case: decompose.snaive.first.season
SELECT sum(fitted IS NULL) = 24 AND sum(seasonal = 0) = 456 FROM decompose((SELECT bs FROM m));
-- case: decompose.mstl
SELECT count(*) = 480 AND max(abs(value - trend - seasonal - remainder)) < 1e-9 AND max(seasonal) > 5 FROM decompose((SELECT bm FROM m));
-- case: decompose.null
SELECT count(*) = 0 FROM decompose(NULL);
-- case: anomalies.found
-- the two injected points, and nothing else at 0.999
SELECT group_concat(((ts - 1700006400) / 3600) || ':' || direction, ',') = '300:high,400:low'
  FROM series_anomalies((SELECT b FROM m), 0.999);
-- case: anomalies.columns
SELECT lo < expected AND expected < hi AND abs(residual - (value - expected)) < 1e-12 AND score > 3
   AND (value > hi) FROM series_anomalies((SELECT b FROM m), 0.999) WHERE direction = 'high';
-- case: anomalies.default.coverage
SELECT (SELECT count(*) FROM series_anomalies((SELECT b FROM m))) = (SELECT count(*) FROM series_anomalies((SELECT b FROM m), 0.99));
-- case: anomalies.lower.coverage.finds.more
SELECT (SELECT count(*) FROM series_anomalies((SELECT b FROM m), 0.8)) > (SELECT count(*) FROM series_anomalies((SELECT b FROM m), 0.999));
-- case: anomalies.constant.none
SELECT count(*) = 0 FROM series_anomalies((SELECT forecast_train(t, 3) FROM h));
-- case: crossing.up
SELECT direction = 'up' AND bound = 'yhat' AND step BETWEEN 1 AND 24 AND ts = 1700006400 + (479 + step) * 3600
   AND probability > 0.9 AND threshold = 65 AND horizon = 48
  FROM forecast_crossing((SELECT b FROM m), 65, 48);
-- case: crossing.bounds.order
SELECT hi.step <= y.step AND y.step <= lo.step
  FROM forecast_crossing((SELECT b FROM m), 65, 48, 'hi') AS hi, forecast_crossing((SELECT b FROM m), 65, 48) AS y,
       forecast_crossing((SELECT b FROM m), 65, 48, 'lo') AS lo;
-- case: crossing.none
SELECT step IS NULL AND ts IS NULL AND probability = 0 AND direction = 'up' FROM forecast_crossing((SELECT b FROM m), 1000, 24);
-- case: crossing.down
SELECT direction = 'down' AND step IS NOT NULL FROM forecast_crossing((SELECT b FROM m), 52, 48);
-- case: crossing.default.horizon
SELECT horizon = 480 FROM forecast_crossing((SELECT b FROM m), 1000);
-- case: crossing.deterministic
SELECT a.probability = b.probability FROM forecast_crossing((SELECT b FROM m), 68, 48) AS a, forecast_crossing((SELECT b FROM m), 68, 48) AS b;
-- case: crossing.naive.random.walk
SELECT probability > 0 AND probability < 1 FROM forecast_crossing((SELECT bn FROM m), (SELECT v FROM h ORDER BY t DESC LIMIT 1) + 10, 100);
-- case: crossing.text.ts
SELECT typeof(ts) = 'text' FROM forecast_crossing((SELECT bt FROM m), 65, 48);

-- errors
-- case: views.error.decompose.model.type
-- error: decompose(): model is INTEGER; expected a model BLOB or a registry name (TEXT)
SELECT * FROM decompose(1);
-- case: views.error.decompose.kind
-- error: decompose(): model is a scaler model; expected a forecast model
SELECT * FROM decompose((SELECT scaler_train(feature_vector('x', v)) FROM h));
-- case: views.error.anomalies.corrupt
-- error: series_anomalies(): not an omen model
SELECT * FROM series_anomalies(x'0102');
-- case: views.error.anomalies.coverage
-- error: series_anomalies(): coverage (argument 2) is 99.0; expected a number between 0 and 1 (exclusive)
SELECT * FROM series_anomalies((SELECT b FROM m), 99.0);
-- case: views.error.anomalies.coverage.type
-- error: series_anomalies(): coverage (argument 2) is TEXT; expected a number between 0 and 1 (exclusive)
SELECT * FROM series_anomalies((SELECT b FROM m), 'x');
-- case: views.error.crossing.threshold
-- error: forecast_crossing(): threshold (argument 2) is TEXT; expected a finite number
SELECT * FROM forecast_crossing((SELECT b FROM m), '500');
-- case: views.error.crossing.threshold.inf
-- error: forecast_crossing(): threshold (argument 2) is not finite; expected a finite number
SELECT * FROM forecast_crossing((SELECT b FROM m), 1e999);
-- case: views.error.crossing.horizon
-- error: forecast_crossing(): horizon (argument 3) is 10001; expected a whole number of steps from 1 to 10000
SELECT * FROM forecast_crossing((SELECT b FROM m), 60, 10001);
-- case: views.error.crossing.horizon.type
-- error: forecast_crossing(): horizon (argument 3) is REAL; expected a whole number of steps from 1 to 10000
SELECT * FROM forecast_crossing((SELECT b FROM m), 60, 2.5);
-- case: views.error.crossing.bound
-- error: forecast_crossing(): bound (argument 4) must be 'yhat', 'lo' or 'hi'
SELECT * FROM forecast_crossing((SELECT b FROM m), 60, 10, 'upper');
-- case: views.error.crossing.missing.name
-- error: forecast_crossing(): no model registry in this database (table omen_models does not exist); save a model with model_save() first
SELECT * FROM forecast_crossing('nope', 60);
-- case: views.error.no.threshold
-- error: no query solution
SELECT * FROM forecast_crossing((SELECT b FROM m));
