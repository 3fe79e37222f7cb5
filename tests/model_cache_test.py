#!/usr/bin/python3
"""model_cache_test.py — the per-connection model cache follows the registry.

The SQL file tests/sql/model_cache.sql changes the registry on the
connection that predicts.  This one covers what a single sqlite3 shell
cannot:

  1. One prepared statement (Python's statement cache), re-executed with new
     bound parameters, follows registry changes committed by a SECOND
     connection to the same database file: a new version, a stage move, a
     direct UPDATE of the model column (same length), DELETE + re-insert with
     the same rowid, and a change that the other connection rolls back (never
     seen).  Both rollback-journal and WAL databases.
  2. Two connections keep separate caches (each sees the registry itself).
  3. Two statements of one connection stepped in turn (row of A, row of B,
     ...) over the same cached gbt model give the answers each would give
     alone: the scorer's row buffers hold nothing between calls.

Prints one line per failure and, last, `model_cache: N passed, M failed`.
"""
import os
import sqlite3
import sys
import tempfile

from omentest import Checks
from omentest import connect as _connect

T = Checks("model_cache")
check = T.check


def connect(path):
    return _connect(path, timeout=10)


SCALE = "SELECT feature_vector_json(scale(?1, feature_vector('x', ?2, 'y', ?3)))"


def scale_blob(con, blob, x, y):
    return con.execute(SCALE, (blob, x, y)).fetchone()[0]


def two_connections(journal):
    d = tempfile.mkdtemp(prefix="omen-cache-")
    path = os.path.join(d, "r.db")
    a = connect(path)
    b = connect(path)
    a.execute(f"PRAGMA journal_mode={journal}")
    a.execute("CREATE TABLE runs(id INTEGER PRIMARY KEY, x REAL, y REAL)")
    a.executemany("INSERT INTO runs VALUES (?, ?, ?)", [(i, i * 1.5, 100 - i * i) for i in range(1, 9)])
    # Same options and features, different rows: BLOBs of equal length.
    m1, m2, m3 = a.execute("""SELECT (SELECT scaler_train(feature_vector('x', x, 'y', y)) FROM runs),
        (SELECT scaler_train(feature_vector('x', x, 'y', y)) FROM runs WHERE id <= 5),
        (SELECT scaler_train(feature_vector('x', x, 'y', y)) FROM runs WHERE id >= 4)""").fetchone()
    check(f"{journal}.same.length", len(m1) == len(m2) == len(m3))
    a.execute("SELECT model_save('m', ?)", (m1,))
    step = [0]

    def follows(label, blob, ref="m"):
        """a's cached statement, new parameters, must score like `blob`."""
        step[0] += 1
        x, y = 2.0 + step[0], 40.0 - step[0]
        got = a.execute(SCALE, (ref, x, y)).fetchone()[0]  # the one cached statement
        want = scale_blob(b, blob, x, y)
        others = [scale_blob(b, o, x, y) for o in (m1, m2, m3) if o is not blob]
        check(f"{journal}.{label}", got == want and got not in others, f"got {got}, want {want}")

    follows("v1", m1)
    follows("v1.again", m1)
    b.execute("SELECT model_save('m', ?)", (m2,))
    follows("new.version", m2)
    b.execute("UPDATE omen_models SET stage = 'production' WHERE name = 'm' AND version = 1")
    follows("stage.production", m1)
    b.execute("UPDATE omen_models SET stage = 'none' WHERE name = 'm'")
    follows("stage.none", m2)
    b.execute("UPDATE omen_models SET model = ? WHERE name = 'm' AND version = 2", (m3,))
    follows("update.model", m3)
    rowid = b.execute("SELECT rowid FROM omen_models WHERE name = 'm' AND version = 2").fetchone()[0]
    b.execute("DELETE FROM omen_models WHERE name = 'm' AND version = 2")
    follows("deleted", m1)
    b.execute("""INSERT INTO omen_models(rowid, name, version, kind, stage, created_at, info, model)
                 VALUES (?, 'm', 2, 'scaler', 'none', '2024-01-01 00:00:00', model_info(?2), ?2)""", (rowid, m2))
    follows("reinserted", m2)
    b.execute("BEGIN IMMEDIATE")
    b.execute("UPDATE omen_models SET model = ? WHERE name = 'm'", (m3,))
    if journal == "wal":  # a reader does not wait for b's transaction
        follows("uncommitted", m2)
    b.execute("ROLLBACK")
    follows("rolled.back", m2)
    follows("at1", m1, "m@1")
    # b has its own cache: it sees a's change too.
    check(f"{journal}.b.before", scale_blob(b, "m", 1, 2) == scale_blob(b, m2, 1, 2))
    a.execute("UPDATE omen_models SET model = ? WHERE name = 'm' AND version = 2", (m1,))
    check(f"{journal}.b.after", scale_blob(b, "m", 1, 2) == scale_blob(b, m1, 1, 2))
    follows("a.after", m1)
    b.execute("DROP TABLE omen_models")
    try:
        a.execute(SCALE, ("m", 1, 2)).fetchone()
        check(f"{journal}.dropped", False, "no error after the registry was dropped")
    except sqlite3.OperationalError as e:
        check(f"{journal}.dropped", "no model registry" in str(e), str(e))
    b.execute("SELECT model_save('m', ?)", (m3,))
    follows("recreated", m3)
    a.close()
    b.close()
    for f in os.listdir(d):
        os.unlink(os.path.join(d, f))
    os.rmdir(d)


def interleaved():
    con = connect(":memory:")
    con.execute("""CREATE TABLE g AS WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 300)
                   SELECT i, feature_vector('a', i % 11, 'b', (i * 7) % 13, 'h', 'h' || (i % 4)) AS f,
                          1 + (i % 11) * 3 + (i % 4) * 5 + ((i * 7) % 13) AS y FROM s""")
    con.execute("""SELECT model_save('g', gbt_train(f, y, '{"n_trees": 10}')) FROM g""")
    q = "SELECT i, predict_duration('g', f) FROM g WHERE i % 2 = ? ORDER BY i"
    alone = {r: dict(con.execute(q, (r,)).fetchall()) for r in (0, 1)}
    ca, cb = con.cursor(), con.cursor()
    ca.execute(q, (0,))
    cb.execute(q, (1,))
    bad = 0
    n = 0
    while True:
        ra, rb = ca.fetchone(), cb.fetchone()
        if ra is None and rb is None:
            break
        for r, part in ((ra, 0), (rb, 1)):
            if r is not None:
                n += 1
                bad += alone[part][r[0]] != r[1]
    check("interleaved.rows", n == 300, f"{n} rows")
    check("interleaved.same", bad == 0, f"{bad} rows differ")
    check("interleaved.distinct", len(set(alone[0].values()) | set(alone[1].values())) > 10)
    con.close()


two_connections("delete")
two_connections("wal")
interleaved()
sys.exit(T.finish())
