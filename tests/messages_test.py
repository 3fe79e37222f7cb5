#!/usr/bin/python3
"""messages_test.py — error messages are text a client can always decode
(ext/errors.c behaviour 3, core/om_text.h; issue 8 findings 6 and 7).

For each call below, made through Python's sqlite3 module (which raised
UnicodeDecodeError instead of sqlite3.Error when a message was not UTF-8):
  1. the call raises sqlite3.Error (nothing else, and not no error);
  2. the message starts with "<function>(): ";
  3. it is at most 1,100 bytes, however long the user text it quotes;
  4. under a small SQLITE_LIMIT_LENGTH it still arrives, cut to fit.
Inputs: non-UTF-8 bytes and NUL in model names, feature names, JSON option
keys and values, Welch group labels, run_history sources; names of 1 MB;
100,000 unknown option keys.

Prints one line per failure and, last, `messages: N passed, M failed`.
"""
import sqlite3
import sys

from omentest import Checks, connect

T = Checks("messages")
check = T.check


def bad(b):
    """TEXT with these exact bytes (invalid UTF-8 allowed)."""
    return f"CAST(x'{b.hex()}' AS TEXT)"


def main():
    con = connect(":memory:")
    con.execute("CREATE TABLE t(x REAL, g TEXT)")
    con.executemany("INSERT INTO t VALUES (?, ?)", [(i * 1.5, "A" if i % 2 else "B") for i in range(20)])
    con.execute("SELECT model_save('m', scaler_train(feature_vector('x', x))) FROM t").fetchall()
    big = "x" * 1_000_000
    q = b'"'
    key_ff = bad(b"{" + q + bytes([0xff]) + q + b":1, " + q + b"a" + q + b":[1]}")
    key_ff80 = bad(b"{" + q + bytes([0xff, 0x80]) + q + b":1}")
    many_keys = "{" + ",".join(f'"k{i}":1' for i in range(100_000)) + "}"
    cases = [
        ("model_load.long.name", "model_load", "SELECT model_load(?)", (big,)),
        ("model_load.long.ref.stage", "model_load", "SELECT model_load(?)", ("m@" + big,)),
        ("model_save.long.name", "model_save", "SELECT model_save(?, scaler_train(feature_vector('x', x))) FROM t", (big,)),
        ("scale.long.ref", "scale", "SELECT scale(?, feature_vector('x', 1))", (big,)),
        ("model_load.bad.utf8", "model_load", f"SELECT model_load({bad(b'ab' + bytes([0xff, 0xfe]) + b'cd')})", ()),
        ("model_save.bad.utf8", "model_save",
         f"SELECT model_save({bad(bytes([0xc3]))}, scaler_train(feature_vector('x', x))) FROM t", ()),
        ("model_load.stage.bad.utf8", "model_load", f"SELECT model_load('m', {bad(bytes([0xff]) * 3)})", ()),
        ("feature_vector.name.bad.utf8", "feature_vector", f"SELECT feature_vector({bad(b'a' + bytes([0xff]))}, 1)", ()),
        ("feature_vector.json.key.bad.utf8", "feature_vector",
         f"SELECT feature_vector({key_ff})", ()),
        ("gbt_train.option.key.bad.utf8", "gbt_train",
         f"SELECT gbt_train(feature_vector('x', x), x, {key_ff80}) FROM t", ()),
        ("gbt_train.many.keys", "gbt_train", "SELECT gbt_train(feature_vector('x', x), x, ?) FROM t", (many_keys,)),
        ("scaler_train.method.bad.utf8", "scaler_train",
         f"SELECT scaler_train(feature_vector('x', x), {bad(bytes([0xff]) * 2000)}) FROM t", ()),
        ("welch.group.bad.utf8", "welch_ttest",
         f"SELECT welch_ttest(x, CASE WHEN g = 'A' THEN {bad(bytes([0xff]))} ELSE 'b' END, 'bad' || {bad(bytes([0xfe]))}) FROM t", ()),
        ("predict.long.ref", "predict_duration", "SELECT predict_duration(?, feature_vector('x', 1))", (big + "@staging",)),
        ("run_history.long.source", "run_history", "SELECT * FROM run_history(?)", (big,)),
        ("run_history.source.bad.utf8", "run_history",
         f"SELECT * FROM run_history({bad(b'r' + bytes([0xff, 0xfe]))})", ()),
        ("run_history.option.key.bad.utf8", "run_history", f"SELECT * FROM run_history('t', {key_ff80})", ()),
        ("run_history.long.column", "run_history", "SELECT * FROM run_history('t', ?)",
         ('{"end": "' + big + '"}',)),
        ("run_history.many.keys", "run_history", "SELECT * FROM run_history('t', ?)", (many_keys,)),
    ]
    for name, fn, sql, args in cases:
        try:
            con.execute(sql, args).fetchall()
            check(name + ".raises", False, "no error")
            continue
        except sqlite3.Error as e:
            msg = str(e)
            check(name + ".raises", True)
        except Exception as e:  # UnicodeDecodeError and friends
            check(name + ".raises", False, f"{type(e).__name__}: {e}")
            continue
        check(name + ".prefix", msg.startswith(fn + "(): "), repr(msg[:120]))
        check(name + ".length", len(msg.encode("utf-8")) <= 1100, f"{len(msg.encode('utf-8'))} bytes")
    # 4. under a small SQLITE_LIMIT_LENGTH a message keeps its head and fits
    # (SQLite drops a longer one: the client saw "" or a generic error)
    if hasattr(con, "setlimit"):
        for limit in (30, 60, 200):
            con.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, limit)
            for name, fn, sql in [("model_load", "model_load", "SELECT model_load('nosuch')"),
                                  ("welch", "welch_ttest", "SELECT welch_ttest('x', 1)"),
                                  # (the cases above connected run_history: its CREATE TABLE
                                  # would not fit under these limits)
                                  ("run_history", "run_history", "SELECT * FROM run_history('nosuch')")]:
                try:
                    con.execute(sql).fetchall()
                    msg = None
                except sqlite3.Error as e:
                    msg = str(e)
                check(f"limit{limit}.{name}", msg is not None and msg.startswith(fn + "(): ")
                      and len(msg.encode()) < limit, repr(msg))
        con.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 1000000000)
    return T.finish()


if __name__ == "__main__":
    sys.exit(main())
