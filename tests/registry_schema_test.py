#!/usr/bin/python3
"""registry_schema_test.py — the registry's schema, as omen creates it and as
sql/registry.sql writes it, and the in-place upgrade of a registry made
before aliases (ext/aliases.c behaviours 1-3).

1. A database where model_save() made the registry and one where
   sql/registry.sql did hold the same schema objects with the same SQL text
   (so the file is the definition omen uses, never a stale copy).
2. fixtures/registry/old_registry_dump.sql, a registry written by omen before
   aliases (commit 1e40a11, fixtures/registry/make_old_registry.sql):
   - every reference resolves, before any write, to the row it resolved to
     then (the stage rules), and to the same row after the upgrade;
   - the first write (model_tag) upgrades it: aliases staging/production/
     archived point at the newest version in that stage, each existing
     version is a 'saved' event at its created_at, older versions that were
     also 'production' now show 'none', and no model BLOB changed;
   - a read-only connection to the old file reads it without upgrading, and
     a write through it (model_tag, predict_log) is a clear error that
     writes nothing.

Prints one line per failure and, last, `registry_schema: N passed, M failed`.
"""
import os
import shutil
import sqlite3
import sys
import tempfile

from omentest import Checks, connect

T = Checks("registry_schema")
check = T.check
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

REFS = ["runtime", "runtime@1", "runtime@2", "runtime@3", "runtime@4", "runtime@5", "runtime@staging",
        "runtime@production", "failure", "failure@staging", "failure@archived", "solo", "solo@1"]


def schema(con):
    return con.execute("SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' "
                       "ORDER BY type, name").fetchall()


def resolve(con, ref):
    try:
        return con.execute("SELECT version FROM omen_models WHERE model = model_load(?)", (ref,)).fetchone()[0]
    except sqlite3.Error as e:
        return "error: " + str(e)


def main():
    d = tempfile.mkdtemp(prefix="omen-registry-")
    # 1. same schema both ways
    a = connect(os.path.join(d, "a.db"))
    a.execute("SELECT model_save('m', scaler_train(feature_vector('x', column1))) FROM (VALUES (1.0), (2.0))").fetchall()
    b = sqlite3.connect(os.path.join(d, "b.db"), isolation_level=None)
    with open(os.path.join(ROOT, "sql", "registry.sql")) as f:
        b.executescript(f.read())
    sa, sb = schema(a), schema(b)
    check("schema.same.objects", [r[:3] for r in sa] == [r[:3] for r in sb], f"{[r[:3] for r in sa]} vs {[r[:3] for r in sb]}")
    norm = lambda rows: [(r[0], r[1], " ".join((r[3] or "").replace("main.", "", 1).split())) for r in rows]
    check("schema.same.sql", norm(sa) == norm(sb),
          "; ".join(f"{x} != {y}" for x, y in zip(norm(sa), norm(sb)) if x != y)[:2000])
    # the file also works with omen: a save into it
    b.close()
    b = connect(os.path.join(d, "b.db"))
    got = b.execute("SELECT model_save('m', scaler_train(feature_vector('x', column1)), 'production') FROM (VALUES (1.0), (2.0))").fetchone()[0]
    check("schema.file.usable", got == 1, repr(got))
    check("schema.file.alias", b.execute("SELECT version FROM omen_aliases WHERE name='m' AND alias='production'").fetchone() == (1,))
    a.close()
    b.close()

    # 2. the old registry
    old = os.path.join(d, "old.db")
    raw = sqlite3.connect(old, isolation_level=None)
    with open(os.path.join(ROOT, "fixtures", "registry", "old_registry_dump.sql")) as f:
        raw.executescript(f.read())
    blobs_before = raw.execute("SELECT name, version, model FROM omen_models ORDER BY 1, 2").fetchall()
    raw.close()
    want = {"runtime": 4, "runtime@1": 1, "runtime@2": 2, "runtime@3": 3, "runtime@4": 4, "runtime@5": 5,
            "runtime@staging": 3, "runtime@production": 4, "failure": 2, "failure@staging": 1,
            "failure@archived": 2, "solo": 1, "solo@1": 1}
    # a read-only connection: resolves, does not upgrade
    ro = sqlite3.connect(f"file:{old}?mode=ro", uri=True, isolation_level=None)
    ro.enable_load_extension(True)
    ro.load_extension(os.path.splitext(os.environ.get("OMEN_SO", "build/omen.so"))[0])
    for ref in REFS:
        check("old.readonly." + ref, resolve(ro, ref) == want[ref], f"{resolve(ro, ref)!r} != {want[ref]}")
    check("old.readonly.not.upgraded",
          ro.execute("SELECT count(*) FROM sqlite_schema WHERE name = 'omen_aliases'").fetchone()[0] == 0)
    err = None
    try:
        ro.execute("SELECT model_tag('solo', 1, 'k', 'v')").fetchall()
    except sqlite3.Error as e:
        err = str(e)
    check("old.readonly.write.error", err is not None and err.startswith("model_tag(): cannot write the model registry: "),
          repr(err))
    err = None
    try:
        ro.execute("SELECT predict_log(1, 'runtime', feature_vector('x', 1.0))").fetchall()
    except sqlite3.Error as e:
        err = str(e)
    check("old.readonly.log.error", err is not None and err.startswith("predict_log(): cannot write the prediction log: ")
          and "readonly" in err, repr(err))
    check("old.readonly.nothing.written",
          ro.execute("SELECT count(*) FROM sqlite_schema WHERE name LIKE 'omen_%'").fetchone()[0] == 1)
    ro.close()
    con = connect(old)
    for ref in REFS:
        check("old.before." + ref, resolve(con, ref) == want[ref], f"{resolve(con, ref)!r} != {want[ref]}")
    check("old.unknown.alias", resolve(con, "runtime@champion") == "error: model_load(): model 'runtime' has no alias 'champion'",
          resolve(con, "runtime@champion"))
    got = con.execute("SELECT model_tag('solo', 1, 'k', 'v')").fetchone()[0]
    check("old.first.write", got == "v", repr(got))
    for ref in REFS:
        check("old.after." + ref, resolve(con, ref) == want[ref], f"{resolve(con, ref)!r} != {want[ref]}")
    aliases = con.execute("SELECT name, alias, version FROM omen_aliases ORDER BY 1, 2").fetchall()
    check("old.aliases", aliases == [("failure", "archived", 2), ("failure", "staging", 1), ("runtime", "production", 4),
                                     ("runtime", "staging", 3)], repr(aliases))
    stages = con.execute("SELECT name || version || ':' || stage FROM omen_models ORDER BY name, version").fetchall()
    check("old.stages", [s[0] for s in stages] == ["failure1:staging", "failure2:archived", "runtime1:none", "runtime2:none",
                                                   "runtime3:staging", "runtime4:production", "runtime5:none", "solo1:none"],
          repr(stages))
    saved = con.execute("SELECT name, to_version, at FROM omen_model_events WHERE alias IS NULL ORDER BY id").fetchall()
    check("old.saved.events", len(saved) == 8 and all(s[2].endswith(":00.000") for s in saved), repr(saved))
    check("old.saved.at.created",
          con.execute("SELECT count(*) FROM omen_model_events e JOIN omen_models m ON m.name = e.name AND m.version = "
                      "e.to_version WHERE e.alias IS NULL AND e.at = m.created_at || '.000'").fetchone()[0] == 8)
    notes = con.execute("SELECT DISTINCT note FROM omen_model_events WHERE alias IS NOT NULL").fetchall()
    check("old.alias.events.noted", notes == [("upgrade: from the stage column",)], repr(notes))
    blobs_after = con.execute("SELECT name, version, model FROM omen_models ORDER BY 1, 2").fetchall()
    check("old.blobs.unchanged", blobs_after == blobs_before)
    # and it now works like any registry
    got = con.execute("SELECT model_alias('runtime', 'production', 5)").fetchone()[0]
    check("old.move.after.upgrade", got == 5 and resolve(con, "runtime") == 5, repr(got))
    check("old.view", con.execute("SELECT count(*) FROM omen_registry").fetchone()[0] == 4 + 3)
    con.close()
    shutil.rmtree(d, ignore_errors=True)
    return T.finish()


if __name__ == "__main__":
    sys.exit(main())
