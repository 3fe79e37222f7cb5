// node_test.js — omen loaded into Node.js through better-sqlite3.
//
//   node tests/clients/node_test.js    (run by tests/clients_test.sh, which
//                                       finds better-sqlite3 and sets the env)
//
// Environment: OMEN_SO (absolute path of omen.so), OMEN_VERSION (the VERSION
// file's text), OMEN_BSQ3 (the better-sqlite3 package folder), SQLITE3 (the
// sqlite3 shell, default "sqlite3"), OMEN_TMP (an empty scratch folder).
//
// Behaviours (one line `PASS node <case>` or `FAIL node <case>: <why>` each):
//   1. db.loadExtension(OMEN_SO) loads omen; omen_version() equals VERSION.
//   2. The README quick start on a small history (600 runs made in SQL with
//      hash_uniform, written through better-sqlite3 into a file):
//      gbt_train + model_save('runtime', ..., 'production') returns version
//      1; predict_duration('runtime', ...) by name is a finite number, and
//      predict_interval's JSON, parsed in JS, has lo <= pred <= hi, pred
//      equal to predict_duration and coverage 0.9; a prediction with a model
//      BLOB and a feature-vector BLOB bound from JS Buffers equals the one by
//      name; isolation_forest_train + model_save('anomaly') and
//      isolation_score('anomaly', ...) score an outlier above a normal run;
//      welch_ttest's JSON parsed in JS has n_a + n_b = the rows and
//      p in (0, 1).
//   3. Exact agreement with the sqlite3 shell (same omen.so, same file):
//      every REAL above (the prediction, the interval, the isolation scores,
//      every number of welch_ttest's JSON) has the same IEEE-754 bits
//      (shell: hex(ieee754_to_blob(x)); JS: Buffer.writeDoubleBE), and the
//      model BLOB gbt_train returns to JS is byte-identical to the one the
//      shell trains on the same rows.
//   4. An omen error surfaces as a JS exception (SqliteError, code
//      SQLITE_ERROR) whose message is omen's, exactly as the shell reports
//      it ("welch_ttest(): group has more than 2 distinct values ...").
//   5. Loading twice into one connection is harmless (no exception, the
//      same prediction afterwards); a second connection loads it too; a
//      wrong path throws an exception naming the file.
//   6. The last line is `node: N passed, M failed`; exit status 1 if M > 0.
'use strict';

const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const so = process.env.OMEN_SO;
const version = (process.env.OMEN_VERSION || '').trim();
const sqlite3 = process.env.SQLITE3 || 'sqlite3';
const tmp = process.env.OMEN_TMP;
let passed = 0;
let failed = 0;

function pass(name) {
  passed++;
  console.log(`PASS node ${name}`);
}
function fail(name, why) {
  failed++;
  console.log(`FAIL node ${name}: ${String(why).split('\n').slice(0, 3).join(' | ')}`);
}
// check(name, fn): fn returns true (pass) or a string (why it failed); an
// exception is a failure with its message.
function check(name, fn) {
  try {
    const r = fn();
    if (r === true) pass(name);
    else fail(name, r === false || r === undefined ? 'check was false' : r);
  } catch (e) {
    fail(name, `exception: ${e && e.message}`);
  }
}
function finish() {
  console.log(`node: ${passed} passed, ${failed} failed`);
  process.exit(failed > 0 || passed === 0 ? 1 : 0);
}

// IEEE-754 bits of a JS number, as the shell's hex(ieee754_to_blob(x)) shows them.
function bits(x) {
  if (typeof x !== 'number') return `not a number: ${typeof x} ${x}`;
  const b = Buffer.alloc(8);
  b.writeDoubleBE(x);
  return b.toString('hex').toUpperCase();
}

const dbfile = path.join(tmp || '.', 'node.db');

// runShell(sql): the sqlite3 shell on the same file with the same omen.so.
function runShell(sql) {
  const r = spawnSync(sqlite3, ['-init', '/dev/null', '-batch', dbfile], {
    input: `.load ${so}\n${sql}\n`,
    encoding: 'utf8',
  });
  if (r.error) throw new Error(`sqlite3 shell (${sqlite3}): ${r.error.message}`);
  return r;
}
// shell(sql): the shell's stdout lines; throws if it wrote to stderr.
function shell(sql) {
  const r = runShell(sql);
  if (r.stderr) throw new Error(`sqlite3 shell: ${r.stderr}`);
  return r.stdout.replace(/\n$/, '').split('\n');
}
// shellError(sql): what the shell writes to stderr for sql.
function shellError(sql) {
  return runShell(sql).stderr;
}

if (!so || !tmp || !process.env.OMEN_BSQ3) {
  fail('setup', 'OMEN_SO, OMEN_TMP and OMEN_BSQ3 must be set (run it through tests/clients_test.sh)');
  finish();
}

let Database;
try {
  Database = require(process.env.OMEN_BSQ3);
} catch (e) {
  fail('require', `better-sqlite3 does not load: ${e.message} (reinstall: make test-clients)`);
  finish();
}

// --- 1. load, version -------------------------------------------------------
let db;
try {
  db = new Database(dbfile);
  db.loadExtension(so);
  pass('load_extension');
} catch (e) {
  fail('load_extension', e.message);
  finish();
}
check('omen_version', () => {
  const v = db.prepare('SELECT omen_version() AS v').get().v;
  return v === version || `omen_version() is '${v}', VERSION is '${version}'`;
});

// --- 2. the quick start on a small history ----------------------------------
const HISTORY = `
CREATE TABLE runs AS
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 600)
SELECT i AS run_id,
       CASE WHEN i % 2 THEN 'build' ELSE 'test' END AS job,
       CASE WHEN hash_uniform(i, 1) < 0.5 THEN 'A' ELSE 'B' END AS variant,
       2 << (i % 3) AS threads,
       round(0.5 + 9.5 * hash_uniform(i, 3), 2) AS input_gb
  FROM n;
ALTER TABLE runs ADD COLUMN duration_s REAL;
UPDATE runs SET duration_s = round((30 + 20 * input_gb) * (1 + 4.0 / threads) / 2
                                   * (CASE variant WHEN 'B' THEN 0.8 ELSE 1 END)
                                   * (0.9 + 0.2 * hash_uniform(run_id, 5)), 1);
UPDATE runs SET duration_s = 5000 WHERE run_id = 77;`;
const FV = "feature_vector(json_object('job', job, 'threads', threads, 'input_gb', input_gb))";
const TRAIN = `gbt_train(${FV}, duration_s, '{"n_trees": 20}')`;
const TRAIN_FROM = 'FROM (SELECT * FROM runs WHERE run_id <= 400 ORDER BY run_id)';
const TONIGHT = `feature_vector('{"job": "build", "threads": 8, "input_gb": 5}')`;
const ANOM_FV = "feature_vector('threads', threads, 'input_gb', input_gb, 'duration_s', duration_s)";
const NORMAL = "feature_vector('threads', 8, 'input_gb', 5, 'duration_s', 100)";
const OUTLIER = "feature_vector('threads', 8, 'input_gb', 5, 'duration_s', 5000)";
const WELCH = "SELECT welch_ttest(duration_s, variant) AS r FROM runs WHERE job = 'build'";
const BAD_WELCH =
  'SELECT welch_ttest(v, g) FROM (SELECT 1.0 AS v, 0 AS g UNION ALL SELECT 2.0, 1 UNION ALL SELECT 3.0, 2)';

let history = false;
check('history', () => {
  db.exec(HISTORY);
  const n = db.prepare('SELECT count(*) AS n, count(duration_s) AS d FROM runs').get();
  history = n.n === 600 && n.d === 600;
  return history || `expected 600 runs with durations, got ${JSON.stringify(n)}`;
});
if (!history) finish();

check('gbt_train_model_save', () => {
  const v = db.prepare(`SELECT model_save('runtime', ${TRAIN}, 'production') AS v ${TRAIN_FROM}`).get().v;
  return v === 1 || `model_save returned ${v}, expected 1`;
});

let pred;
check('predict_by_name', () => {
  pred = db.prepare(`SELECT predict_duration('runtime', ${TONIGHT}) AS p`).get().p;
  return (typeof pred === 'number' && Number.isFinite(pred) && pred > 30 && pred < 300) ||
    `predict_duration gave ${pred}, expected a number in 30..300`;
});

let interval;
check('predict_interval_json', () => {
  const text = db.prepare(`SELECT predict_interval('runtime', ${TONIGHT}) AS p`).get().p;
  interval = JSON.parse(text);
  return (interval.lo <= interval.pred && interval.pred <= interval.hi && interval.pred === pred &&
    interval.coverage === 0.9) || `unexpected interval ${text} (predict_duration ${pred})`;
});

check('blobs_from_js', () => {
  const model = db.prepare("SELECT model FROM omen_models WHERE name = 'runtime' AND version = 1").get().model;
  const fv = db.prepare(`SELECT ${TONIGHT} AS fv`).get().fv;
  if (!Buffer.isBuffer(model) || !Buffer.isBuffer(fv)) return 'model or feature vector is not a Buffer';
  const p = db.prepare('SELECT predict_duration(?, ?) AS p').get(model, fv).p;
  return p === pred || `predict_duration(Buffer, Buffer) = ${p}, by name ${pred}`;
});

let scores;
check('anomaly_score', () => {
  const v = db.prepare(`SELECT model_save('anomaly', isolation_forest_train(${ANOM_FV}, '{"seed": 42}')) AS v FROM runs`).get().v;
  if (v !== 1) return `model_save('anomaly', ...) returned ${v}`;
  scores = db.prepare(`SELECT isolation_score('anomaly', ${NORMAL}) AS normal, isolation_score('anomaly', ${OUTLIER}) AS outlier`).get();
  return (scores.normal > 0 && scores.outlier <= 1 && scores.outlier > scores.normal && scores.outlier > 0.6) ||
    `isolation scores ${JSON.stringify(scores)}: the outlier should score above the normal run and 0.6`;
});

let welch;
let welchText;
check('welch_ttest_json', () => {
  welchText = db.prepare(WELCH).get().r;
  welch = JSON.parse(welchText);
  const n = db.prepare("SELECT count(*) AS n FROM runs WHERE job = 'build'").get().n;
  return (welch.n_a + welch.n_b === n && welch.p > 0 && welch.p < 1 && welch.alternative === 'two-sided') ||
    `unexpected welch_ttest JSON ${welchText}`;
});

// --- 3. the same numbers through the sqlite3 shell --------------------------
check('shell_same_prediction', () => {
  const want = [pred, interval.lo, interval.pred, interval.hi].map(bits).join('|');
  const got = shell(`SELECT hex(ieee754_to_blob(predict_duration('runtime', ${TONIGHT}))) || '|' ||
      hex(ieee754_to_blob(p->>'lo')) || '|' || hex(ieee754_to_blob(p->>'pred')) || '|' || hex(ieee754_to_blob(p->>'hi'))
    FROM (SELECT predict_interval('runtime', ${TONIGHT}) AS p);`).join('\n');
  return got === want || `shell bits ${got}, node bits ${want}`;
});
check('shell_same_anomaly_scores', () => {
  const want = [scores.normal, scores.outlier].map(bits).join('|');
  const got = shell(`SELECT hex(ieee754_to_blob(isolation_score('anomaly', ${NORMAL}))) || '|' ||
      hex(ieee754_to_blob(isolation_score('anomaly', ${OUTLIER})));`).join('\n');
  return got === want || `shell bits ${got}, node bits ${want}`;
});
check('shell_same_welch', () => {
  const keys = Object.keys(welch).filter((k) => typeof welch[k] === 'number');
  if (keys.length < 10) return `only ${keys.length} numbers in ${welchText}`;
  const want = keys.map((k) => `${k}=${bits(welch[k])}`).join(' ');
  const sel = keys.map((k) => `'${k}=' || hex(ieee754_to_blob(r->>'${k}'))`).join(" || ' ' || ");
  const got = shell(`SELECT ${sel} FROM (${WELCH});`).join('\n');
  const text = shell(`${WELCH};`).join('\n');
  if (text !== welchText) return `the shell's JSON text differs: ${text}`;
  return got === want || `shell ${got}, node ${want}`;
});
check('shell_same_model_bytes', () => {
  const blob = db.prepare(`SELECT ${TRAIN} AS m ${TRAIN_FROM}`).get().m;
  if (!Buffer.isBuffer(blob) || blob.length < 100) return `gbt_train returned ${typeof blob}`;
  const got = shell(`SELECT hex(${TRAIN}) ${TRAIN_FROM};`).join('');
  const want = blob.toString('hex').toUpperCase();
  return got === want || `model BLOBs differ: shell ${got.length / 2} bytes, node ${blob.length} bytes`;
});

// --- 4. an omen error as a JS exception --------------------------------------
check('error_is_exception', () => {
  let e = null;
  try {
    db.prepare(BAD_WELCH).get();
  } catch (x) {
    e = x;
  }
  if (!e) return 'no exception';
  if (e.name !== 'SqliteError' || e.code !== 'SQLITE_ERROR') return `got ${e.name} ${e.code}: ${e.message}`;
  if (!e.message.startsWith('welch_ttest(): ')) return `message '${e.message}' does not start with 'welch_ttest(): '`;
  const sh = shellError(`${BAD_WELCH};`);
  return sh.includes(`: ${e.message}\n`) || `the shell says '${sh.trim()}', node '${e.message}'`;
});

// --- 5. loading twice, a second connection, a wrong path ---------------------
check('load_twice', () => {
  db.loadExtension(so);
  const p = db.prepare(`SELECT predict_duration('runtime', ${TONIGHT}) AS p`).get().p;
  const v = db.prepare('SELECT omen_version() AS v').get().v;
  return (p === pred && v === version) || `after a second load: prediction ${p} (was ${pred}), version ${v}`;
});
check('second_connection', () => {
  const db2 = new Database(dbfile, { readonly: true });
  try {
    db2.loadExtension(so);
    const p = db2.prepare(`SELECT predict_duration('runtime', ${TONIGHT}) AS p`).get().p;
    return p === pred || `second connection predicts ${p}, first ${pred}`;
  } finally {
    db2.close();
  }
});
check('wrong_path', () => {
  const bad = path.join(tmp, 'no-such-dir', 'omen.so');
  const db3 = new Database(':memory:');
  try {
    db3.loadExtension(bad);
    return 'loading a missing file did not throw';
  } catch (e) {
    return e.message.includes(bad) || `message '${e.message}' does not name ${bad}`;
  } finally {
    db3.close();
  }
});

db.close();
fs.rmSync(dbfile, { force: true });
finish();
