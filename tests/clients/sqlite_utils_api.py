#!/usr/bin/python3
"""sqlite_utils_api.py — omen through sqlite-utils' Python API.

Usage (run by tests/clients/sqlite_utils_test.sh):
  /usr/bin/python3 tests/clients/sqlite_utils_api.py OMEN_SO VERSION DBFILE HISTORY_SQL PRED_BITS

OMEN_SO is the extension's absolute path, DBFILE a file that does not exist
yet, HISTORY_SQL the one CREATE TABLE statement that makes the small history
(the same text the CLI test ran), PRED_BITS the IEEE-754 bits (16 hex digits)
of the prediction the CLI test got for the same rows.

Behaviours (one `PASS sqlite_utils api_<case>` / `FAIL sqlite_utils
api_<case>: <why>` line each):
  1. sqlite_utils.Database(DBFILE); db.conn.enable_load_extension(True);
     db.conn.load_extension(OMEN_SO) loads omen (sqlite-utils has no loader
     of its own in its Python API: its CLI's --load-extension does exactly
     this); omen_version() equals VERSION.
  2. The history through the API: db.execute(HISTORY_SQL), one more run with
     db["runs"].insert({...}), db["runs"].count is 601.
  3. db.query() of model_save(gbt_train(...)) returns version 1; the
     prediction by name has exactly PRED_BITS (same as the CLI in its own
     process); welch_ttest's JSON through db.query parses, n_a + n_b = 301.
  4. An omen error raises sqlite3.OperationalError whose text starts
     "welch_ttest(): ".
  5. Loading omen again into the same connection is harmless (same
     prediction); Database(memory=True) loads it too.
  6. The last line is `sqlite_utils_api: N passed, M failed`; exit 1 if M > 0.
Standard library and Debian's python3 sqlite-utils only.
"""

import json
import math
import sqlite3
import struct
import sys

passed = 0
failed = 0


def bits(x):
    return struct.pack(">d", float(x)).hex().upper()


def check(name, fn):
    global passed, failed
    try:
        r = fn()
    except Exception as e:  # any exception is this case's failure
        r = "exception %s: %s" % (type(e).__name__, e)
    if r is True:
        passed += 1
        print("PASS sqlite_utils api_%s" % name)
    else:
        failed += 1
        print("FAIL sqlite_utils api_%s: %s" % (name, "check was false" if r is False else r))


def finish():
    print("sqlite_utils_api: %d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed or not passed else 0)


if len(sys.argv) != 6:
    print(__doc__.split("\n\n")[1], file=sys.stderr)
    sys.exit(2)
so, version, dbfile, history_sql, pred_bits = sys.argv[1:]

try:
    import sqlite_utils
except ImportError as e:
    check("import", lambda: "cannot import sqlite_utils: %s" % e)
    finish()

FV = "feature_vector(json_object('job', job, 'threads', threads, 'input_gb', input_gb))"
TONIGHT = """feature_vector('{"job": "build", "threads": 8, "input_gb": 5}')"""
PREDICT = "SELECT predict_duration('runtime', %s) AS p" % TONIGHT
BAD_WELCH = "SELECT welch_ttest(v, g) FROM (SELECT 1.0 AS v, 0 AS g UNION ALL SELECT 2.0, 1 UNION ALL SELECT 3.0, 2)"

db = sqlite_utils.Database(dbfile)


def load():
    db.conn.enable_load_extension(True)
    db.conn.load_extension(so)
    return True


check("load_extension", load)


def version_ok():
    v = db.execute("SELECT omen_version()").fetchone()[0]
    return v == version or "omen_version() is %r, VERSION is %r" % (v, version)


check("omen_version", version_ok)


def history():
    with db.conn:
        db.execute(history_sql)
    db["runs"].insert({"run_id": 601, "job": "build", "variant": "A", "threads": 8, "input_gb": 5.0, "duration_s": 5000.0})
    n = db["runs"].count
    return n == 601 or "runs has %d rows, expected 601" % n


check("history", history)


def train():
    rows = list(db.query(
        "SELECT model_save('runtime', gbt_train(%s, duration_s, '{\"n_trees\": 20}'), 'production') AS v"
        " FROM (SELECT * FROM runs WHERE run_id <= 400 ORDER BY run_id)" % FV))
    return rows == [{"v": 1}] or "model_save gave %r" % rows


check("train", train)

pred = [None]


def predict():
    p = next(db.query(PREDICT))["p"]
    pred[0] = p
    if not isinstance(p, float) or not math.isfinite(p):
        return "prediction %r" % p
    return bits(p) == pred_bits or "prediction %r has bits %s, the CLI's %s" % (p, bits(p), pred_bits)


check("predict_same_as_cli", predict)


def welch():
    r = json.loads(next(db.query("SELECT welch_ttest(duration_s, variant) AS r FROM runs WHERE job = 'build'"))["r"])
    return (r["n_a"] + r["n_b"] == 301 and 0 < r["p"] < 1) or "welch_ttest gave %r" % r


check("welch_json", welch)


def error():
    try:
        db.execute(BAD_WELCH).fetchall()
    except sqlite3.OperationalError as e:
        return str(e).startswith("welch_ttest(): ") or "message %r" % str(e)
    return "no exception"


check("error", error)


def twice():
    db.conn.load_extension(so)
    p = next(db.query(PREDICT))["p"]
    return p == pred[0] or "after loading again: %r, before %r" % (p, pred[0])


check("load_twice", twice)


def memory():
    mem = sqlite_utils.Database(memory=True)
    mem.conn.enable_load_extension(True)
    mem.conn.load_extension(so)
    v = mem.execute("SELECT omen_version()").fetchone()[0]
    mem.conn.close()
    return v == version or "omen_version() is %r" % v


check("memory", memory)

db.conn.close()
finish()
