#!/usr/bin/python3
"""security_test.py — schema objects of an untrusted database file cannot
write the model registry (docs/SECURITY.md, ext/guard.c), on this SQLite.

An attacker's database file is built WITHOUT omen, by writing the schema
text directly (PRAGMA writable_schema), so the file is the same whatever this
SQLite would accept at CREATE time.  A victim connection with omen loaded
then opens or attaches it and does ordinary things.  Each scenario runs once
per function that writes the registry (model_save, model_alias,
model_rollback, model_tag, model_promote_if_better, predict_log) and passes only if the victim's registry
(omen_models, omen_aliases, omen_model_events, omen_model_tags,
omen_predictions) is unchanged
afterwards AND the attempt was refused (guard.c's refusal, or SQLite's own
"unsafe use of model_alias()" where it enforces SQLITE_DIRECTONLY).
Scenarios:

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
  6. Functions that only read models run in a trusted schema's views and
     triggers; fed damaged models and vectors by a hostile file they give
     errors, never a crash; with trusted_schema OFF SQLite refuses them.

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


# Every function that writes the registry, as an attacker's schema would call
# it (the victim's registry has model 'mine' at version 1).
WRITERS = {
    "model_save": "model_save('planted', x'{hex}', 'production')",
    "model_alias": "model_alias('mine', 'production', 1)",
    "model_rollback": "model_rollback('mine', 'staging')",
    "model_tag": "model_tag('mine', 1, 'planted', 'yes')",
    "model_promote_if_better": "model_promote_if_better('mine')",
    "predict_log": "predict_log(1, 'mine', feature_vector('a', 1.0))",
}


def evil_db(path, hexmodel, writer="model_save"):
    """A database whose schema calls a registry writer, written without omen."""
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
    save = WRITERS[writer].format(hex=hexmodel)
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
    """Everything the registry holds: versions, aliases, events, tags."""
    rows = []
    for sql in ("SELECT name, version, stage FROM main.omen_models ORDER BY 1, 2",
                "SELECT name, alias, version FROM main.omen_aliases ORDER BY 1, 2",
                "SELECT id, name, alias, from_version, to_version, note FROM main.omen_model_events ORDER BY 1",
                "SELECT name, version, key, value FROM main.omen_model_tags ORDER BY 1, 2, 3",
                "SELECT id, run_key, name, version, role FROM main.omen_predictions ORDER BY 1"):
        try:
            rows.append(con.execute(sql).fetchall())
        except sqlite3.OperationalError:
            rows.append(None)
    return None if rows == [None] * 5 else rows


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


def scenario(tag, attach, trusted, hexmodel, d, writer):
    evil = os.path.join(d, f"evil-{tag}.db")
    evil_db(evil, hexmodel, writer)
    for name, sql in ATTACKS:
        vpath = os.path.join(d, f"victim-{tag}-{name}.db")
        if attach:
            con = connect(vpath)
            # version 1, then 2 in 'staging': every writer above would succeed
            con.execute("SELECT model_save('mine', x'" + hexmodel + "', 'staging')").fetchall()
            con.execute("SELECT model_save('mine', x'" + hexmodel + "', 'staging')").fetchall()
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
        # refused as such, not failing for some other reason (the victim's
        # registry is one where each writer would succeed)
        check(label + ".failed", err is not None and (f"{writer}(): refused" in err or f"unsafe use of {writer}()" in err
                                                      or err == "SQL logic error"),
              f"error {err!r}")
        con.close()
        if not attach:
            evil_db(evil, hexmodel, writer)  # a fresh copy for the next attack


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


def readers(hexmodel, d):
    """Functions that only read models may run in a trusted schema's views
    and triggers (scoring inserted runs); a hostile file's views and triggers
    that feed them damaged models or vectors get errors, never a crash, and
    with trusted_schema OFF SQLite refuses them."""
    evil = os.path.join(d, "evil-readers.db")
    if os.path.exists(evil):
        os.remove(evil)
    con = sqlite3.connect(evil, isolation_level=None)
    bad = hexmodel[:-2] + ("00" if hexmodel[-2:] != "00" else "01")  # checksum broken
    con.execute("CREATE TABLE src(m BLOB, fv BLOB)")
    con.execute(f"INSERT INTO src VALUES (x'{bad}', x'00'), (x'{hexmodel}', x'deadbeef'), (x'{hexmodel[:40]}', NULL)")
    con.execute("CREATE TABLE trg(x)")
    con.execute("CREATE VIEW v_scale AS SELECT scale(m, fv) FROM src")
    con.execute("CREATE VIEW v_info AS SELECT model_info(m) FROM src")
    con.execute("CREATE VIEW v_feat AS SELECT * FROM src, model_features(src.m)")
    con.execute("CREATE VIEW v_mine AS SELECT model_load('mine')")
    con.execute("CREATE VIEW v_scores AS SELECT * FROM src, model_scores('mine', src.fv)")
    con.execute("CREATE TRIGGER t AFTER INSERT ON trg BEGIN SELECT scale(m, fv) FROM src; END")
    con.close()
    for trusted in (True, False):
        for name, sql in [("view.scale", "SELECT * FROM v_scale"), ("view.info", "SELECT * FROM v_info"),
                          ("view.features", "SELECT * FROM v_feat"), ("view.scores", "SELECT * FROM v_scores"),
                          ("trigger.scale", "INSERT INTO trg VALUES (1)")]:
            con = connect(evil)
            con.execute(f"PRAGMA trusted_schema={'ON' if trusted else 'OFF'}")
            try:
                con.execute(sql).fetchall()
                err = None
            except sqlite3.Error as e:
                err = str(e)
            label = f"readers.trusted_{'on' if trusted else 'off'}.{name}"
            if trusted:
                check(label, err is not None and "(): " in err and "unsafe" not in err, f"error {err!r}")
            else:
                check(label, err is not None and err.startswith("unsafe use of"), f"error {err!r}")
            con.close()
    # a hostile view reading the victim's registry through an attached file
    # can only show the victim what the victim could read anyway: it runs on
    # the victim's connection and returns rows to the victim
    con = connect(os.path.join(d, "victim-readers.db"))
    con.execute("SELECT model_save('mine', x'" + hexmodel + "')").fetchall()
    con.execute(f"ATTACH '{evil}' AS ext")
    got = con.execute("SELECT count(*) FROM ext.v_mine").fetchone()[0]
    check("readers.attached.view.reads.main", got == 1, repr(got))
    con.execute("PRAGMA trusted_schema=OFF")
    try:
        con.execute("SELECT * FROM ext.v_mine").fetchall()
        err = None
    except sqlite3.Error as e:
        err = str(e)
    check("readers.attached.untrusted.refused", err == "unsafe use of model_load()", repr(err))
    con.close()


def main():
    hexmodel = model_hex()
    d = tempfile.mkdtemp(prefix="omen-security-")
    for writer in WRITERS:
        for attach in (True, False):
            for trusted in (False, True):
                tag = f"{writer}.{'attached' if attach else 'opened'}.trusted_{'on' if trusted else 'off'}"
                scenario(tag, attach, trusted, hexmodel, d, writer)
    readers(hexmodel, d)
    top_level(hexmodel, d)
    return T.finish()


if __name__ == "__main__":
    sys.exit(main())
