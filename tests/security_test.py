#!/usr/bin/python3
"""security_test.py — schema objects of an untrusted database file cannot
write the model registry (docs/SECURITY.md, ext/guard.c), on this SQLite.

An attacker's database file is built WITHOUT omen, by writing the schema
text directly (PRAGMA writable_schema), so the file is the same whatever this
SQLite would accept at CREATE time.  A victim connection with omen loaded
then opens or attaches it and does ordinary things.  Each scenario passes
only if the victim's main.omen_models is unchanged afterwards AND the
attempt failed with an error naming model_save (guard.c's refusal, or
SQLite's own "unsafe use of model_save()" where it enforces
SQLITE_DIRECTONLY).  Scenarios:

  1. CHECK constraint, fired by INSERT, UPDATE, INSERT OR REPLACE and an
     UPSERT, with trusted_schema OFF and ON, database attached or opened as
     main.
  2. CHECK constraint fired by PRAGMA integrity_check / quick_check and by
     SELECT * FROM pragma_integrity_check (a nested PRAGMA statement).
  3. Trigger, view, DEFAULT clause (SQLITE_DIRECTONLY).
  4. Top-level writes that are not SELECTs are refused too:
     INSERT INTO t SELECT model_save(...), UPDATE ... SET x = model_save(...),
     CREATE TABLE t AS SELECT model_save(...); the message quotes the
     statement from its first keyword.
  5. The legitimate form, a top-level SELECT (also WITH ... SELECT, and with
     a comment first), writes, and a SELECT cursor left open on the
     connection does not block it.

Prints one line per failure and, last, `security: N passed, M failed`.
"""
import os
import sqlite3
import sys
import tempfile

from omentest import Checks, connect

T = Checks("security")
check = T.check


def model_hex():
    con = connect(":memory:")
    return con.execute(
        "SELECT hex(scaler_train(feature_vector('a', column1))) FROM (VALUES (1.0), (2.0), (4.0))"
    ).fetchone()[0]


def evil_db(path, hexmodel):
    """A database whose schema calls model_save(), written without omen."""
    if os.path.exists(path):
        os.remove(path)
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("CREATE TABLE imported(x)")
    con.execute("INSERT INTO imported VALUES (1)")
    con.execute("CREATE TABLE uniq(k PRIMARY KEY, x)")
    con.execute("INSERT INTO uniq VALUES (1, 1)")
    con.execute("CREATE TABLE dflt(x, y)")
    con.execute("CREATE TABLE trg(x)")
    con.execute("CREATE TABLE vsrc(x)")
    con.execute("INSERT INTO vsrc VALUES (1)")
    con.execute("CREATE VIEW v AS SELECT x FROM vsrc")
    con.execute("CREATE TRIGGER t AFTER INSERT ON trg BEGIN SELECT 1; END")
    save = f"model_save('planted', x'{hexmodel}', 'production')"
    con.execute("PRAGMA writable_schema=ON")
    for name, sql in [
        ("imported", f"CREATE TABLE imported(x, CHECK (x + {save} > 0))"),
        ("uniq", f"CREATE TABLE uniq(k PRIMARY KEY, x, CHECK (x + {save} > 0))"),
        ("dflt", f"CREATE TABLE dflt(x, y DEFAULT ({save}))"),
        ("v", f"CREATE VIEW v AS SELECT {save} AS x FROM vsrc"),
        ("t", f"CREATE TRIGGER t AFTER INSERT ON trg BEGIN SELECT {save}; END"),
    ]:
        con.execute("UPDATE sqlite_schema SET sql = ? WHERE name = ?", (sql, name))
    con.execute("PRAGMA writable_schema=OFF")
    con.close()


def registry_rows(con):
    try:
        return con.execute("SELECT name, version FROM main.omen_models ORDER BY 1, 2").fetchall()
    except sqlite3.OperationalError:
        return None


ATTACKS = [
    ("check.insert", "INSERT INTO {s}imported VALUES (2)"),
    ("check.update", "UPDATE {s}imported SET x = x + 1"),
    ("check.replace", "INSERT OR REPLACE INTO {s}uniq VALUES (1, 5)"),
    ("check.upsert", "INSERT INTO {s}uniq VALUES (1, 6) ON CONFLICT(k) DO UPDATE SET x = 7"),
    ("pragma.integrity", "PRAGMA {s}integrity_check"),
    ("pragma.quick", "PRAGMA {s}quick_check"),
    ("pragma.tvf", "SELECT * FROM pragma_integrity_check"),
    ("default", "INSERT INTO {s}dflt(x) VALUES (1)"),
    ("trigger", "INSERT INTO {s}trg VALUES (1)"),
    ("view", "SELECT * FROM {s}v"),
]


def scenario(tag, attach, trusted, hexmodel, d):
    evil = os.path.join(d, f"evil-{tag}.db")
    evil_db(evil, hexmodel)
    for name, sql in ATTACKS:
        vpath = os.path.join(d, f"victim-{tag}-{name}.db")
        if attach:
            con = connect(vpath)
            con.execute("SELECT model_save('mine', x'" + hexmodel + "')").fetchall()
            con.execute(f"ATTACH '{evil}' AS ext")
            prefix = "ext."
        else:
            con = connect(evil)  # the untrusted file opened directly
            prefix = ""
        con.execute(f"PRAGMA trusted_schema={'ON' if trusted else 'OFF'}")
        before = registry_rows(con)
        err = None
        try:
            con.execute(sql.format(s=prefix)).fetchall()
        except sqlite3.Error as e:
            err = str(e)
        after = registry_rows(con)
        label = f"{tag}.{name}"
        check(label + ".registry.unchanged", before == after, f"{before} -> {after}")
        check(label + ".failed", err is not None and ("model_save" in err or err == "SQL logic error"),
              f"error {err!r}")
        con.close()
        if not attach:
            evil_db(evil, hexmodel)  # a fresh copy for the next attack


def top_level(hexmodel, d):
    con = connect(os.path.join(d, "top.db"))
    con.execute("CREATE TABLE log(v)")
    for name, sql in [
        ("insert.select", f"INSERT INTO log SELECT model_save('x', x'{hexmodel}')"),
        ("update.set", f"UPDATE log SET v = model_save('x', x'{hexmodel}')"),
        ("create.as", f"  \n /* c */ CREATE TABLE keep AS SELECT model_save('x', x'{hexmodel}') AS v"),
    ]:
        con.execute("INSERT INTO log VALUES (0)")
        try:
            con.execute(sql)
            err = None
        except sqlite3.Error as e:
            err = str(e)
        check("top." + name, err is not None and err.startswith("model_save(): refused: "), f"error {err!r}")
        # the message quotes the statement from its first keyword on
        first = sql.split("*/")[-1].split()[0]
        check("top." + name + ".quoted", err is not None and f"a '{first} " in err, f"error {err!r}")
    check("top.none.written", registry_rows(con) is None, repr(registry_rows(con)))
    for name, sql, want in [
        ("select", f"SELECT model_save('x', x'{hexmodel}')", 1),
        ("with", f"WITH m(b) AS (SELECT x'{hexmodel}') SELECT model_save('x', b) FROM m", 2),
        ("comment", f"/* c */ -- c\n SELECT model_save('x', x'{hexmodel}')", 3),
    ]:
        try:
            got = con.execute(sql).fetchone()[0]
        except sqlite3.Error as e:
            got = str(e)
        check("top.allowed." + name, got == want, repr(got))
    # an open SELECT cursor on the same connection does not block a save
    cur = con.execute("SELECT v FROM log")
    cur.fetchone()
    try:
        got = con.execute(f"SELECT model_save('x', x'{hexmodel}')").fetchone()[0]
    except sqlite3.Error as e:
        got = str(e)
    check("top.allowed.open.cursor", got == 4, repr(got))
    cur.close()
    con.close()


def main():
    hexmodel = model_hex()
    d = tempfile.mkdtemp(prefix="omen-security-")
    for attach in (True, False):
        for trusted in (False, True):
            tag = f"{'attached' if attach else 'opened'}.trusted_{'on' if trusted else 'off'}"
            scenario(tag, attach, trusted, hexmodel, d)
    top_level(hexmodel, d)
    return T.finish()


if __name__ == "__main__":
    sys.exit(main())
