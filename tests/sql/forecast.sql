-- forecast_train() and forecast(): behaviours, edge cases and errors
-- (docs/forecast_train.md, docs/forecast.md; ext/forecast.c; core/ts/ts_fc.h).
-- An hourly series: a daily cycle, a slow trend and deterministic noise.
CREATE TABLE h(t INTEGER PRIMARY KEY, v REAL);
WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 479)
INSERT INTO h SELECT 1700006400 + i * 3600, 50 + 10 * sin(2 * 3.141592653589793 * i / 24) + 0.02 * i + ((i * 7919) % 101) / 50.0 FROM k;
-- Two seasons: a day and a week (four weeks of hours).
CREATE TABLE w(t INTEGER PRIMARY KEY, v REAL);
WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 4 * 168 - 1)
INSERT INTO w SELECT 1700006400 + i * 3600, 100 + 20 * sin(2 * 3.141592653589793 * i / 24) + 15 * ((i / 24) % 7 >= 5) + ((i * 7919) % 101) / 25.0 FROM k;
CREATE TABLE m AS SELECT forecast_train(t, v) AS b FROM h;
-- case: forecast.kind.and.detail
-- auto compares ETS, ARIMA and Theta (core/ts/ts_fc.h 1, 6); the additive
-- cycle of 24 with small noise is ETS(A,A,A)'s
SELECT json_extract(i, '$.kind') = 'forecast' AND json_extract(i, '$.detail.method') = 'auto'
   AND json_extract(i, '$.detail.season_lengths[0]') = 24 AND json_extract(i, '$.detail.season_detected') = 1
   AND json_extract(i, '$.detail.model') LIKE 'ETS(%,A)' AND json_extract(i, '$.detail.points') = 480
   AND json_extract(i, '$.detail.step') = 3600 AND json_extract(i, '$.detail.candidates') >= 20
   AND json_array_length(i, '$.detail.families') = 3 AND json_extract(i, '$.detail.families[0].chosen') = 1
   AND json_extract(i, '$.detail.families[1].family') = 'arima' AND json_extract(i, '$.detail.families[2].model') LIKE 'Theta%'
   AND json_extract(i, '$.payload_version') = 2
  FROM (SELECT model_info(b) AS i FROM m);
-- case: forecast.insample.errors
SELECT json_extract(i, '$.detail.insample_rmse') > 0 AND json_extract(i, '$.detail.insample_mae') > 0
   AND json_extract(i, '$.detail.insample_mae') <= json_extract(i, '$.detail.insample_rmse')
   AND json_extract(i, '$.detail.insample_points') BETWEEN 400 AND 480
  FROM (SELECT model_info(b) AS i FROM m);
-- case: forecast.families.lowest.aicc.chosen
SELECT (SELECT min(json_extract(value, '$.aicc')) FROM json_each(i, '$.detail.families'))
     = (SELECT json_extract(value, '$.aicc') FROM json_each(i, '$.detail.families') WHERE json_extract(value, '$.chosen'))
  FROM (SELECT model_info(b) AS i FROM m);
-- case: forecast.rows
SELECT count(*) = 24 AND min(step) = 1 AND max(step) = 24 AND min(ts) = 1700006400 + 480 * 3600
   AND max(ts) = 1700006400 + 503 * 3600 AND sum(lo < yhat AND yhat < hi) = 24 AND typeof(min(ts)) = 'integer'
  FROM forecast((SELECT b FROM m), 24);
-- case: forecast.follows.the.cycle
-- the daily peak (i = 6 mod 24) is forecast higher than the trough (i = 18 mod 24)
SELECT (SELECT yhat FROM forecast((SELECT b FROM m), 24) WHERE step = 7) - (SELECT yhat FROM forecast((SELECT b FROM m), 24) WHERE step = 19) > 15;
-- case: forecast.coverage.widens
SELECT sum(b.hi - b.lo > a.hi - a.lo) = 12
  FROM forecast((SELECT b FROM m), 12, 0.8) AS a JOIN forecast((SELECT b FROM m), 12, 0.99) AS b USING (step);
-- case: forecast.default.coverage.is.0.9
SELECT count(*) = 6 FROM forecast((SELECT b FROM m), 6) AS a JOIN forecast((SELECT b FROM m), 6, 0.9) AS b USING (step)
 WHERE a.lo = b.lo AND a.hi = b.hi;
-- case: forecast.deterministic
SELECT (SELECT forecast_train(t, v) FROM h) = (SELECT b FROM m);
-- case: forecast.row.order.does.not.matter
SELECT (SELECT forecast_train(t, v) FROM (SELECT * FROM h ORDER BY v)) = (SELECT b FROM m);
-- case: forecast.text.times
SELECT ts = '2023-12-05 00:00:00' AND ts = datetime(1700006400 + 480 * 3600, 'unixepoch') AND typeof(ts) = 'text'
  FROM forecast((SELECT forecast_train(datetime(t, 'unixepoch'), v) FROM h), 1);
-- case: forecast.text.same.model
-- text and numeric times give the same fit: the forecasts agree
SELECT count(*) = 5 FROM forecast((SELECT forecast_train(datetime(t, 'unixepoch'), v) FROM h), 5) AS a
  JOIN forecast((SELECT b FROM m), 5) AS b USING (step) WHERE a.yhat = b.yhat;
-- case: forecast.mstl
SELECT json_extract(i, '$.detail.method') = 'mstl' AND json_extract(i, '$.detail.season_lengths') = '[24,168]'
  FROM (SELECT model_info(forecast_train(t, v)) AS i FROM w);
-- case: forecast.mstl.weekend
-- the weekly season is kept: weekend hours (+15) forecast above weekday hours at the same time of day
SELECT (SELECT avg(yhat) FROM forecast((SELECT forecast_train(t, v) FROM w), 168) WHERE ((672 + step - 1) / 24) % 7 >= 5)
     - (SELECT avg(yhat) FROM forecast((SELECT forecast_train(t, v) FROM w), 168) WHERE ((672 + step - 1) / 24) % 7 < 5) > 10;
-- case: forecast.season.given
SELECT json_extract(model_info(forecast_train(t, v, '{"season_length": "24,168"}')), '$.detail.season_detected') = 0 FROM w;
-- case: forecast.no.season
SELECT json_extract(i, '$.detail.season_lengths') = '[]'
   AND (json_extract(i, '$.detail.model') LIKE 'ETS(%,N)' OR json_extract(i, '$.detail.model') NOT LIKE '%[%')
  FROM (SELECT model_info(forecast_train(t, v, '{"season_length": 0}')) AS i FROM h);
-- case: forecast.ets.letters.choose.ets
-- ETS letters with method 'auto' fit only ETS
SELECT json_array_length(i, '$.detail.families') = 1 AND json_extract(i, '$.detail.model') = 'ETS(A,N,N)'
  FROM (SELECT model_info(forecast_train(t, v, '{"model": "ANN"}')) AS i FROM h);
-- case: forecast.arima
SELECT json_extract(i, '$.detail.method') = 'arima' AND json_extract(i, '$.detail.model') LIKE 'ARIMA(%)(%)[24]%'
   AND json_extract(i, '$.detail.seasonal_order[3]') = 24 AND json_extract(i, '$.detail.estimation') = 'ml'
   AND json_extract(i, '$.detail.candidates') >= 5
  FROM (SELECT model_info(forecast_train(t, v, '{"method": "arima"}')) AS i FROM h);
-- case: forecast.arima.orders
SELECT json_extract(i, '$.detail.model') = 'ARIMA(1,0,0)(0,1,1)[24] with drift'
   AND json_extract(i, '$.detail.candidates') = 1 AND json_type(i, '$.detail.coefficients.ar1') = 'real'
   AND json_type(i, '$.detail.coefficients.sma1') = 'real' AND json_type(i, '$.detail.coefficients.drift') = 'real'
  FROM (SELECT model_info(forecast_train(t, v, '{"order": "1,0,0", "seasonal_order": "0,1,1"}')) AS i FROM h);
-- case: forecast.arima.no.constant
SELECT json_extract(model_info(forecast_train(t, v, '{"order": "1,0,0", "seasonal_order": "0,1,1", "constant": false}')),
       '$.detail.model') = 'ARIMA(1,0,0)(0,1,1)[24]' FROM h;
-- case: forecast.arima.follows.the.cycle
SELECT (SELECT yhat FROM forecast(b, 24) WHERE step = 7) - (SELECT yhat FROM forecast(b, 24) WHERE step = 19) > 15
  FROM (SELECT forecast_train(t, v, '{"method": "arima"}') AS b FROM h);
-- case: forecast.theta
SELECT json_extract(i, '$.detail.method') = 'theta' AND json_extract(i, '$.detail.model') LIKE 'Theta (%season 24)'
   AND json_extract(i, '$.detail.alpha') > 0
  FROM (SELECT model_info(forecast_train(t, v, '{"method": "theta"}')) AS i FROM h);
-- case: forecast.transform.log
-- the log transform: forecasts are the medians back on the original scale, inside their intervals
SELECT json_extract(model_info(b), '$.detail.transform') = 'log' AND json_extract(model_info(b), '$.detail.lambda') = 0
   AND (SELECT count(*) = 24 AND sum(lo < yhat AND yhat < hi) = 24 AND min(yhat) > 50 FROM forecast(b, 24))
  FROM (SELECT forecast_train(t, v, '{"transform": "log"}') AS b FROM h);
-- case: forecast.transform.boxcox
SELECT json_extract(model_info(b), '$.detail.transform') IN ('boxcox', 'log')
   AND json_extract(model_info(b), '$.detail.lambda') BETWEEN -1 AND 2
  FROM (SELECT forecast_train(t, v, '{"transform": "boxcox"}') AS b FROM h);
-- case: forecast.transform.lambda
SELECT json_extract(model_info(forecast_train(t, v, '{"transform": 0.5}')), '$.detail.lambda') = 0.5 FROM h;
-- Bursty hourly counts: zeros at night, skewed bursts by day (four weeks).
CREATE TABLE c(t INTEGER PRIMARY KEY, v REAL);
WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 4 * 168 - 1)
INSERT INTO c SELECT 1700006400 + i * 3600,
  CASE WHEN i % 24 BETWEEN 8 AND 17 THEN floor(60 * power(((i * 7919) % 1009) / 1009.0, 3)) ELSE (i * 31) % 7 = 0 END FROM k;
-- case: forecast.transform.auto.counts
-- ts_fc.h 9: auto on values >= 0 runs on the square root when Theta's one-step MAE (on the
-- values' scale) is lower there; on these counts it is, and the forecasts are medians >= 0
SELECT json_extract(a, '$.detail.transform') = 'boxcox' AND json_extract(a, '$.detail.lambda') = 0.5
   AND json_extract(r, '$.detail.insample_mae') < json_extract(n, '$.detail.insample_mae')
   AND (SELECT min(yhat) >= 0 AND min(lo) >= 0 FROM forecast(b, 48))
  FROM (SELECT b, model_info(b) AS a,
               (SELECT model_info(forecast_train(t, v, '{"method": "theta", "transform": 0.5}')) FROM c) AS r,
               (SELECT model_info(forecast_train(t, v, '{"method": "theta"}')) FROM c) AS n
          FROM (SELECT forecast_train(t, v) AS b FROM c));
-- case: forecast.transform.auto.rule
-- the same rule on the smooth series h: auto's scale is the one Theta forecasts better
SELECT json_extract(a, '$.detail.transform')
     = CASE WHEN json_extract(r, '$.detail.insample_mae') < json_extract(n, '$.detail.insample_mae') THEN 'boxcox' ELSE 'none' END
  FROM (SELECT model_info(forecast_train(t, v)) AS a,
               (SELECT model_info(forecast_train(t, v, '{"method": "theta", "transform": 0.5}')) FROM h) AS r,
               (SELECT model_info(forecast_train(t, v, '{"method": "theta"}')) FROM h) AS n FROM h);
-- case: forecast.transform.auto.two.seasons
-- with two given seasons (mstl) the scale is decided by Theta at the shorter one
SELECT json_extract(a, '$.detail.method') = 'mstl' AND json_extract(a, '$.detail.seasonal_adjustment') = 1
   AND json_extract(a, '$.detail.transform')
     = CASE WHEN json_extract(r, '$.detail.insample_mae') < json_extract(n, '$.detail.insample_mae') THEN 'boxcox' ELSE 'none' END
   AND json_extract(a, '$.detail.transform') = 'boxcox'
  FROM (SELECT model_info(forecast_train(t, v, '{"season_length": "24,168"}')) AS a,
               (SELECT model_info(forecast_train(t, v, '{"method": "theta", "season_length": 24, "transform": 0.5}')) FROM c) AS r,
               (SELECT model_info(forecast_train(t, v, '{"method": "theta", "season_length": 24}')) FROM c) AS n FROM c);
-- case: forecast.transform.auto.not.applied
-- 'none', another method, given orders, or a negative value: the values as they are
SELECT json_extract(model_info(forecast_train(t, v, '{"transform": "none"}')), '$.detail.transform') = 'none'
   AND json_extract(model_info(forecast_train(t, v, '{"method": "ets", "season_length": 24}')), '$.detail.transform') = 'none'
   AND json_extract(model_info(forecast_train(t, v, '{"order": "1,0,0"}')), '$.detail.transform') = 'none'
   AND json_extract(model_info(forecast_train(t, v, '{"transform": "auto"}')), '$.detail.transform') = 'boxcox'
  FROM c;
-- case: forecast.transform.auto.negative
SELECT json_extract(model_info(forecast_train(t, CASE WHEN t = 1700006400 THEN -1 ELSE v END)), '$.detail.transform') = 'none' FROM c;
-- case: forecast.model.letters
SELECT json_extract(model_info(forecast_train(t, v, '{"model": "MAdM", "season_length": 24}')), '$.detail.model') = 'ETS(M,Ad,M)' FROM h;
-- case: forecast.snaive
-- the seasonal naive forecast repeats the last day exactly
SELECT count(*) = 24 FROM forecast((SELECT forecast_train(t, v, '{"method": "snaive", "season_length": 24}') FROM h), 24) AS f
  JOIN h ON h.t = f.ts - 86400 WHERE f.yhat = h.v;
-- case: forecast.naive
SELECT min(yhat) = max(yhat) AND min(yhat) = (SELECT v FROM h ORDER BY t DESC LIMIT 1) AND count(*) = 3
  FROM forecast((SELECT forecast_train(t, v, '{"method": "naive"}') FROM h), 3);
-- case: forecast.constant
-- a constant series is a naive model with sigma 0: the intervals have no width
SELECT json_extract(model_info(b), '$.detail.method') = 'naive' AND json_extract(model_info(b), '$.detail.sigma') = 0
   AND (SELECT sum(lo = 7 AND hi = 7 AND yhat = 7) FROM forecast(b, 4)) = 4
  FROM (SELECT forecast_train(t, 7) AS b FROM h);
-- case: forecast.gaps.linear
-- ten missing hours are filled between their neighbours (fill 'linear', the default)
SELECT json_extract(model_info(forecast_train(t, v)), '$.detail.filled') = 10 FROM h WHERE t NOT BETWEEN 1700006400 + 100 * 3600 AND 1700006400 + 109 * 3600;
-- case: forecast.gaps.zero
SELECT json_extract(model_info(forecast_train(t, v, '{"fill": "zero"}')), '$.detail.fill') = 'zero' FROM h WHERE t != 1700006400 + 3600;
-- case: forecast.null.value.is.a.gap
SELECT json_extract(model_info(forecast_train(t, CASE WHEN t = 1700006400 + 7200 THEN NULL ELSE v END)), '$.detail.filled') = 1
   AND json_extract(model_info(forecast_train(t, CASE WHEN t = 1700006400 + 7200 THEN NULL ELSE v END)), '$.rows_skipped') = 1 FROM h;
-- case: forecast.registry
SELECT model_save('load', b) > 0 FROM m;
-- case: forecast.by.name
SELECT count(*) = 3 FROM forecast('load', 3);
-- case: forecast.null.model
SELECT count(*) = 0 FROM forecast(NULL, 3);
-- case: forecast.day.index
-- any regular numeric time works: a day number
SELECT count(*) = 2 AND max(ts) = 31 FROM forecast((SELECT forecast_train(d, d * 2.0) FROM (WITH RECURSIVE k(d) AS (SELECT 0 UNION ALL SELECT d + 1 FROM k WHERE d < 29) SELECT d FROM k)), 2);

-- errors
-- case: forecast.error.duplicate
-- error: forecast_train(): duplicate timestamp 5; expected one value per time
SELECT forecast_train(x, 1) FROM (SELECT 1 AS x UNION ALL SELECT 5 UNION ALL SELECT 5 UNION ALL SELECT 9);
-- case: forecast.error.grid
-- error: forecast_train(): timestamps are not on a regular grid: 2 to 5 is 1.5 steps of 2; expected bucket times (time_bucket)
SELECT forecast_train(x, 1) FROM (SELECT 0 AS x UNION ALL SELECT 2 UNION ALL SELECT 5);
-- case: forecast.error.sparse
-- error: forecast_train(): the series is too sparse: 4 values over 1000001 steps of 1 (at most 10000000 points and 100 steps a value)
SELECT forecast_train(x, 1) FROM (SELECT 0 AS x UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 1000000);
-- case: forecast.error.no.rows
-- error: forecast_train(): no rows with a time and a value; expected a series of at least 3 points
SELECT forecast_train(t, v) FROM h WHERE 0;
-- case: forecast.error.too.short
-- error: forecast_train(): 2 points are too few; expected at least 3
SELECT forecast_train(t, v) FROM h WHERE t < 1700006400 + 7200;
-- case: forecast.error.value.text
-- error: forecast_train(): value (argument 2) is TEXT; expected INTEGER or REAL
SELECT forecast_train(1, 'x');
-- case: forecast.error.value.inf
-- error: forecast_train(): value (argument 2) is not a finite number
SELECT forecast_train(1, 1e999);
-- case: forecast.error.ts.blob
-- error: forecast_train(): ts (argument 1) is BLOB; expected INTEGER, REAL or ISO-8601 TEXT
SELECT forecast_train(x'00', 1);
-- case: forecast.error.ts.text
-- error: forecast_train(): ts (argument 1) 'soon' is not an ISO-8601 time; expected 'YYYY-MM-DD HH:MM:SS' (optional 'T', fraction and zone) or unix seconds
SELECT forecast_train('soon', 1);
-- case: forecast.error.ts.mixed
-- error: forecast_train(): ts (argument 1) mixes TEXT and numbers; expected one kind of time
SELECT forecast_train(x, 1) FROM (SELECT 1 AS x UNION ALL SELECT '2025-01-01');
-- case: forecast.error.ts.inf
-- error: forecast_train(): ts (argument 1) is not a finite number
SELECT forecast_train(1e999, 1);
-- case: forecast.error.options.type
-- error: forecast_train(): options (argument 3) is INTEGER; expected a JSON object as TEXT
SELECT forecast_train(t, v, 24) FROM h;
-- case: forecast.error.options.unknown
-- error: forecast_train(): unknown option "period"; accepted: method, season_length, fill, model, damped, order, seasonal_order, constant, transform, max_models
SELECT forecast_train(t, v, '{"period": 24}') FROM h;
-- case: forecast.error.options.method
-- error: forecast_train(): option method must be 'auto', 'ets', 'arima', 'theta', 'mstl', 'naive' or 'snaive'
SELECT forecast_train(t, v, '{"method": "prophet"}') FROM h;
-- case: forecast.error.options.order
-- error: forecast_train(): option order must be TEXT 'p,d,q' of three whole numbers, e.g. '2,1,0' (p and q 0 to 5, d 0 to 2)
SELECT forecast_train(t, v, '{"order": "1,3,0"}') FROM h;
-- case: forecast.error.options.seasonal.order
-- error: forecast_train(): option seasonal_order must be TEXT 'P,D,Q' of three whole numbers, e.g. '0,1,1' (P and Q 0 to 2, D 0 or 1)
SELECT forecast_train(t, v, '{"seasonal_order": 11}') FROM h;
-- case: forecast.error.options.constant
-- error: forecast_train(): option constant must be true, false or null
SELECT forecast_train(t, v, '{"constant": 1}') FROM h;
-- case: forecast.error.options.transform
-- error: forecast_train(): option transform must be 'auto', 'none', 'log', 'boxcox' (lambda by Guerrero's method) or a Box-Cox lambda from -1 to 2
SELECT forecast_train(t, v, '{"transform": "sqrt"}') FROM h;
-- case: forecast.error.options.max.models
-- error: forecast_train(): option max_models must be a whole number from 1 to 1000
SELECT forecast_train(t, v, '{"max_models": 0}') FROM h;
-- case: forecast.error.transform.nonpositive
-- error: forecast_train(): the Box-Cox transform with lambda 0 needs every value > 0
SELECT forecast_train(t, v - 100, '{"transform": "log"}') FROM h;
-- case: forecast.error.seasonal.order.no.season
-- error: forecast_train(): seasonal_order needs a season length
SELECT forecast_train(t, v, '{"seasonal_order": "0,1,1", "season_length": 0}') FROM h;
-- case: forecast.error.options.season
-- error: forecast_train(): option season_length must be a whole number from 0 to 10000, or TEXT like "24,168"
SELECT forecast_train(t, v, '{"season_length": 2.5}') FROM h;
-- case: forecast.error.options.season.text
-- error: forecast_train(): option season_length "24,x" must be one or two whole numbers from 2 to 10000, separated by a comma
SELECT forecast_train(t, v, '{"season_length": "24,x"}') FROM h;
-- case: forecast.error.options.fill
-- error: forecast_train(): option fill must be 'linear', 'zero' or 'previous'
SELECT forecast_train(t, v, '{"fill": "mean"}') FROM h;
-- case: forecast.error.options.model
-- error: forecast_train(): option model must be ETS letters error, trend [d], season from A, M, N, Z such as 'ZZZ', 'AAdN' or 'MNM'
SELECT forecast_train(t, v, '{"model": "ANdN"}') FROM h;
-- case: forecast.error.options.changed
-- error: forecast_train(): options changed between rows; pass the same options on every row
SELECT forecast_train(t, v, CASE WHEN t < 1700010000 THEN '{}' ELSE '{"fill": "zero"}' END) FROM h;
-- case: forecast.error.ets.two.seasons
-- error: forecast_train(): ets takes one season length; use method 'mstl' for 24 and 168
SELECT forecast_train(t, v, '{"method": "ets", "season_length": "24,168"}') FROM w;
-- case: forecast.error.ets.long.season
-- error: forecast_train(): ets takes a season of at most 24; use method 'mstl' for 168
SELECT forecast_train(t, v, '{"method": "ets", "season_length": 168}') FROM w;
-- case: forecast.error.mstl.short
-- error: forecast_train(): 480 points are too few for a season of 400 (at least 800)
SELECT forecast_train(t, v, '{"method": "mstl", "season_length": 400}') FROM h;
-- case: forecast.error.horizon.zero
-- error: forecast(): horizon (argument 2) is 0; expected a whole number of steps from 1 to 1000000
SELECT * FROM forecast((SELECT b FROM m), 0);
-- case: forecast.error.horizon.huge
-- error: forecast(): horizon (argument 2) is 1000001; expected a whole number of steps from 1 to 1000000
SELECT * FROM forecast((SELECT b FROM m), 1000001);
-- case: forecast.error.horizon.text
-- error: forecast(): horizon (argument 2) is TEXT; expected a whole number of steps from 1 to 1000000
SELECT * FROM forecast((SELECT b FROM m), '24');
-- case: forecast.error.coverage
-- error: forecast(): coverage (argument 3) is 90.0; expected a number between 0 and 1 (exclusive)
SELECT * FROM forecast((SELECT b FROM m), 3, 90.0);
-- case: forecast.error.coverage.text
-- error: forecast(): coverage (argument 3) is TEXT; expected a number between 0 and 1 (exclusive)
SELECT * FROM forecast((SELECT b FROM m), 3, '0.9');
-- A given seasonal difference is used as given (ts_arima_auto.h 1), never dropped: 12 points
-- cannot take D = 1 at a season of 12 (it used to fit D = 0 silently; found by fuzz_forecast).
-- case: forecast.error.given.D.too.short
-- error: forecast_train(): 12 points are too few for ARIMA with d = 1, D = 1
WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 11)
SELECT forecast_train(1700000000 + i * 3600, i % 5, '{"order": "2,1,1", "seasonal_order": "1,1,0", "season_length": 12}') FROM k;
-- case: forecast.error.model.type
-- error: forecast(): model is INTEGER; expected a model BLOB or a registry name (TEXT)
SELECT * FROM forecast(42, 3);
-- case: forecast.error.model.corrupt
-- error: forecast(): not an omen model
SELECT * FROM forecast(x'00', 3);
-- case: forecast.error.model.kind
-- error: forecast(): model is a scaler model; expected a forecast model
SELECT * FROM forecast((SELECT scaler_train(feature_vector('x', v)) FROM h), 3);
-- case: forecast.error.model.missing
-- error: forecast(): no model named 'nope' in omen_models
SELECT * FROM forecast('nope', 3);
-- case: forecast.error.args
-- error: wrong number of arguments to function forecast_train()
SELECT forecast_train(1);

-- calendar grids (core/ts/ts_series.h 6)
CREATE TABLE monthly(m TEXT, v REAL);
WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 47)
INSERT INTO monthly SELECT date('2021-01-01', '+' || i || ' months'), 100 + 20 * ((i % 12) IN (10, 11)) + i + (i * 37) % 5 FROM k;
-- case: forecast.months.grid
SELECT json_extract(i, '$.detail.step_unit') = 'months' AND json_extract(i, '$.detail.step') = 1
   AND json_extract(i, '$.detail.season_lengths[0]') = 12 AND json_extract(i, '$.detail.points') = 48
  FROM (SELECT model_info(forecast_train(m, v)) AS i FROM monthly);
-- case: forecast.months.times
SELECT group_concat(ts, ',') = '2025-01-01 00:00:00,2025-02-01 00:00:00,2025-03-01 00:00:00'
  FROM forecast((SELECT forecast_train(m, v) FROM monthly), 3);
-- case: forecast.months.december.peak
SELECT (SELECT yhat FROM forecast((SELECT forecast_train(m, v) FROM monthly), 12) WHERE step = 12)
     > (SELECT yhat FROM forecast((SELECT forecast_train(m, v) FROM monthly), 12) WHERE step = 6) + 10;
-- case: forecast.months.gap
SELECT json_extract(model_info(forecast_train(m, v)), '$.detail.filled') = 1 FROM monthly WHERE m != '2022-06-01';
-- case: forecast.years
-- annual values at each 1 January (unix seconds): a grid of 12 months, the next year's 1 January
SELECT ts = unixepoch('2031-01-01') FROM forecast((SELECT forecast_train(unixepoch(y || '-01-01'), y * 2.0)
  FROM (WITH RECURSIVE k(y) AS (SELECT 2001 UNION ALL SELECT y + 1 FROM k WHERE y < 2030) SELECT y FROM k)), 1);
-- case: forecast.months.decompose.times
SELECT min(ts) = '2021-01-01 00:00:00' AND max(ts) = '2024-12-01 00:00:00' FROM decompose((SELECT forecast_train(m, v) FROM monthly));
-- case: forecast.error.mid.month
-- error: forecast_train(): timestamps are not on a regular grid: 1610668800 to 1613347200 is 1.10714 steps of 2419200; expected bucket times (time_bucket)
SELECT forecast_train(unixepoch(date(m, '+14 days')), v) FROM monthly;

-- found by tests/fuzz/fuzz_forecast.c
-- case: forecast.fuzz.tiny.series.decodes
-- four points: every candidate has as many parameters as points allow (AICc infinite); the first is kept
SELECT count(*) = 2 FROM forecast((SELECT forecast_train(x, x * 1.5 + (x % 2)) FROM (SELECT 1 AS x UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4)), 2);
-- case: forecast.fuzz.overflow
-- error: forecast_train(): the fitted model forecasts a value that is not finite
SELECT forecast_train(x, v, '{"method": "naive"}') FROM (SELECT 1 AS x, 1e200 AS v UNION ALL SELECT 2, -1e200 UNION ALL SELECT 3, 0);
-- case: forecast.transform.auto.overflow
-- ts_fc.h 9: values near 1e200 overflow the model of the values (the error above with
-- transform 'none'); Theta cannot fit them either, but fits their square root, so auto runs there
SELECT json_extract(model_info(m), '$.detail.transform') = 'boxcox'
   AND (SELECT count(*) = 3 AND min(yhat) > 1e201 FROM forecast(m, 3))
  FROM (SELECT forecast_train(1700000000 + i * 3600, i * 1e200) AS m
          FROM (WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 199) SELECT i FROM k));
-- case: forecast.transform.none.overflow
-- error: forecast_train(): the fitted model forecasts a value that is not finite
WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 199)
SELECT forecast_train(1700000000 + i * 3600, i * 1e200, '{"transform": "none"}') FROM k;
-- case: forecast.fuzz.horizon.huge.real
-- error: forecast(): horizon (argument 2) is REAL; expected a whole number of steps from 1 to 1000000
SELECT * FROM forecast((SELECT b FROM m), 1e300);
