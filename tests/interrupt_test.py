#!/usr/bin/python3
"""interrupt_test.py — long omen work honours sqlite3_interrupt().

Python's Connection.interrupt() calls sqlite3_interrupt() from another
thread.  Each check starts a statement whose work is almost all inside omen
(2,000 input rows, then a very long gbt_train; or run_history over a view
of 20 million generated runs), interrupts it from a timer thread, and expects SQLITE_INTERRUPT ("interrupted"), no crash, and a
connection that still works.  No timing is asserted: the work is made far
longer than the delay before the interrupt.

Prints one line per failure and, last, `interrupt: N passed, M failed`.
"""
import sqlite3
import sys
import threading

from omentest import Checks
from omentest import connect as omen_connect

T = Checks("interrupt")
check = T.check


def connect():
    con = omen_connect(":memory:")
    con.execute("""CREATE TABLE t AS WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 2000)
                   SELECT feature_vector('a', i % 17, 'b', hash_uniform(i), 'h', 'h' || (i % 5)) AS f,
                          1 + hash_uniform(i, 2) * 100 AS y FROM s""")
    return con


def interrupted(con, sql, delay=0.5):
    timer = threading.Timer(delay, con.interrupt)
    timer.start()
    try:
        con.execute(sql).fetchall()
        return None
    except sqlite3.OperationalError as e:
        return str(e)
    finally:
        timer.cancel()


for threads in (1, 2):
    con = connect()
    msg = interrupted(con, "SELECT gbt_train(f, y, '{\"n_trees\": 100000, \"max_depth\": 5, \"threads\": %d}') FROM t" % threads)
    check(f"gbt_train.threads{threads}", msg == "interrupted", f"expected 'interrupted', got {msg!r}")
    row = con.execute("SELECT length(gbt_train(f, y, '{\"n_trees\": 3}')) > 0 FROM t").fetchone()
    check(f"gbt_train.threads{threads}.usable.after", row == (1,), f"got {row!r}")
    con.close()

# run_history: the read of its source (the inner statement fails with
# SQLITE_INTERRUPT) and the sort poll the same flag.
con = omen_connect(":memory:")
con.execute("""CREATE VIEW many AS WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 20000000)
               SELECT i AS id, i % 1000 AS key, i AS submit, i + 5 AS "end", 5 AS duration FROM s""")
msg = interrupted(con, "SELECT count(*) FROM run_history('many')")
check("run_history", msg == "interrupted", f"expected 'interrupted', got {msg!r}")
con.execute("CREATE TABLE t2(id, key, submit, \"end\", duration)")
con.execute("INSERT INTO t2 VALUES (1, 'a', 0, 1, 1), (2, 'a', 5, 6, 1)")
row = con.execute("SELECT n FROM run_history('t2') WHERE id = 2").fetchone()
check("run_history.usable.after", row == (1,), f"got {row!r}")
con.close()

sys.exit(T.finish())
