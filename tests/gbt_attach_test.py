#!/usr/bin/python3
"""gbt_attach_test.py — gbt_train over the union of attached databases
(issue 15: histories kept on many hosts; docs/ATTACH.md).

A history of 20,000 runs (6 jobs, 40 users, cpu, mem_gb, input_gb with
NULLs, duration_s, failed; seeded) is written into one.db in *file order*
(the rows of host 0, then host 1, ... each by run_id), into time.db in run_id
order, and, split by host, into f1..f4.db (as four hosts would keep it).
A hub connection ATTACHes f1..f4 and reads them through
`CREATE TEMP VIEW all_runs AS SELECT ... FROM f1.runs UNION ALL ... f4.runs`.

  1. The view delivers the rows of f1, then f2, ... (the order of one.db).
  2. gbt_train over the view = gbt_train over one.db, byte for byte, for a
     'duration' model (subsample 0.7, colsample, seed, validation rows,
     early stopping) and a 'binary' one (subsample 0.7, seed); the
     predictions are equal; threads 1 and 3 give the same bytes.
  3. Determinism with respect to row order (the finding documented in
     docs/ATTACH.md): rows in another order give another BLOB — the held-out
     tail, the row sample (positions), the floating sums (base score,
     histograms) all follow input order; even without sampling or held-out
     rows the bytes differ, the predictions only by rounding (< 1e-9
     relative).  With `ORDER BY run_id` (a unique key) the view, the view
     over the files in reverse order, one.db and time.db all give the same
     bytes, and so does a plain scan of a table whose run_id is its INTEGER
     PRIMARY KEY (SQLite reads such a table in key order, not in the order
     of the INSERTs); likewise with max_rows (the reservoir sample follows
     positions; skipped with a SKIP line on a build without max_rows).
  4. model_save of the union-trained model into the hub's main registry,
     then predict_duration / predict_failure by name over each attached
     file's rows = the same over one.db's rows (the model saved there from
     one.db); the attached files get no registry.  Copying the model into a
     host's own file: through ATTACH of the hub it is refused while that
     file has no registry (model_save's message), works with the BLOB bound,
     then through ATTACH; the copy predicts the same.
  5. Errors, never a crash: a view in main naming an attached schema (SQLite
     refuses it); the view after DETACH ("no such table: f3.runs") and after
     re-ATTACH (works, same BLOB); the 11th ATTACH (SQLITE_MAX_ATTACHED);
     a file whose job column holds integer codes, or whose cpu column is
     declared TEXT (values stored as text): gbt_train names the feature that
     is numeric in one row and categorical in another; CAST in the view
     restores the one-file model byte for byte; scoring a TEXT cpu with a
     numeric-cpu model is refused by name.

Run: OMEN_SO=build/omen.so /usr/bin/python3 tests/gbt_attach_test.py
Prints failures and, last, `gbt_attach: N passed, M failed`; exit 1 if any
failed.  About 6 s.
"""
import os
import random
import shutil
import sqlite3
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from omentest import Checks, connect  # noqa: E402

T = Checks("gbt_attach")
check = T.check
N_RUNS = 20000
JOBS = ["build", "test", "deploy", "lint", "bench", "docs"]
COLS = "run_id, host, started_at, job, user, cpu, mem_gb, input_gb, duration_s, failed"
SCHEMA = ("CREATE TABLE runs(run_id INTEGER NOT NULL, host INTEGER, started_at INTEGER, job %s, "
          "user TEXT, cpu %s, mem_gb REAL, input_gb REAL, duration_s REAL, failed INTEGER)")
FV = "feature_vector('job', job, 'user', user, 'cpu', cpu, 'mem_gb', mem_gb, 'input_gb', input_gb)"
REG = '{"n_trees": 40, "max_depth": 5, "subsample": 0.7, "colsample": 0.8, "seed": 7, ' \
      '"validation_fraction": 0.1, "early_stopping_rounds": 10}'
BIN = '{"objective": "binary", "n_trees": 40, "max_depth": 4, "subsample": 0.7, "seed": 7}'
PLAIN = '{"n_trees": 30, "calibration_fraction": 0}'  # no sampling, nothing held out


def history():
    rnd = random.Random(15)
    rows = []
    for i in range(1, N_RUNS + 1):
        j = rnd.randrange(len(JOBS))
        user = "u%02d" % rnd.randrange(40)
        cpu = rnd.choice([1, 2, 4, 8, 16, 32])
        mem = round(rnd.uniform(0.5, 64), 2)
        inp = None if rnd.random() < 0.05 else round(rnd.lognormvariate(1, 1), 3)
        d = rnd.lognormvariate(3 + 0.3 * j, 0.4) * (1 + cpu / 32) * (1 + (inp or 0) / 50)
        p = 0.04 + 0.2 * (JOBS[j] == "deploy") + 0.15 * (mem < 4) + 0.05 * (user < "u05")
        rows.append((i, rnd.randrange(4), 1741262400 + 30 * i, JOBS[j], user, cpu, mem, inp, d,
                     1 if rnd.random() < p else 0))
    return rows


def write(path, rows, job_type="TEXT", cpu_type="INTEGER"):
    con = sqlite3.connect(path)
    con.execute(SCHEMA % (job_type, cpu_type))
    con.executemany("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.commit()
    con.close()


def union_view(con, name, parts):
    """parts: list of (schema, select-list) in the order the view reads them."""
    con.execute("DROP VIEW IF EXISTS temp.%s" % name)
    con.execute("CREATE TEMP VIEW %s AS %s" % (name, " UNION ALL ".join(
        "SELECT %s FROM %s.runs" % (cols, s) for s, cols in parts)))


def error_of(con, sql, *args):
    try:
        con.execute(sql, args).fetchall()
    except sqlite3.Error as e:
        return str(e)
    return None


def main():
    tmp = tempfile.mkdtemp(prefix="omen-gbt-attach-")
    rows = history()
    file_order = sorted(rows, key=lambda r: (r[1], r[0]))
    write(os.path.join(tmp, "one.db"), file_order)
    write(os.path.join(tmp, "time.db"), rows)
    # run_id INTEGER PRIMARY KEY: the table is its rowid b-tree, read in run_id order whatever the inserts
    con = sqlite3.connect(os.path.join(tmp, "ipk.db"))
    con.execute(SCHEMA.replace("run_id INTEGER NOT NULL", "run_id INTEGER PRIMARY KEY") % ("TEXT", "INTEGER"))
    con.executemany("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", file_order)
    con.commit()
    con.close()
    for k in range(4):
        write(os.path.join(tmp, "f%d.db" % (k + 1)), [r for r in rows if r[1] == k])
    host1 = [r for r in rows if r[1] == 1]
    # a host that logs job ids instead of names, and one whose cpu column is TEXT
    write(os.path.join(tmp, "f2_jobid.db"), [r[:3] + (JOBS.index(r[3]),) + r[4:] for r in host1], job_type="INTEGER")
    write(os.path.join(tmp, "f2_cputext.db"), host1, cpu_type="TEXT")

    one = connect(os.path.join(tmp, "one.db"))
    tim = connect(os.path.join(tmp, "time.db"))
    hub = connect(os.path.join(tmp, "hub.db"))
    for k in range(1, 5):
        hub.execute("ATTACH ? AS f%d" % k, (os.path.join(tmp, "f%d.db" % k),))
    union_view(hub, "all_runs", [("f%d" % k, COLS) for k in range(1, 5)])
    val = lambda con, sql, *a: con.execute(sql, a).fetchone()[0]
    train = lambda con, src, opts, target="duration_s": val(
        con, "SELECT gbt_train(%s, %s, '%s') FROM %s" % (FV, target, opts, src))

    # 1. the view reads f1, then f2, ...: the order of one.db
    got = [r[0] for r in hub.execute("SELECT run_id FROM all_runs")]
    want = [r[0] for r in one.execute("SELECT run_id FROM runs")]
    check("view.order", got == want and len(got) == N_RUNS, "the view's rows differ from one.db's")

    # 2. byte-identical models over the view and over one file
    blobs = {}
    for name, opts, target in (("duration", REG, "duration_s"), ("binary", BIN, "failed")):
        a = train(one, "runs", opts, target)
        b = train(hub, "all_runs", opts, target)
        blobs[name] = a
        check(name + ".bytes", a is not None and a == b,
              "gbt_train over the view differs from gbt_train over one.db")
        pa = [r[0] for r in one.execute("SELECT predict(?, %s) FROM runs" % FV, (a,))]
        pb = [r[0] for r in hub.execute("SELECT predict(?, %s) FROM all_runs" % FV, (b,))]
        check(name + ".predictions", pa == pb and len(pa) == N_RUNS, "predictions differ")
        for th in (1, 3):
            c = train(hub, "all_runs", opts[:-1] + ', "threads": %d}' % th, target)
            check("%s.threads.%d" % (name, th), c == b, "threads changed the bytes")

    # 3. row order: another order is another model; ORDER BY a unique key is one model everywhere
    by_id = "(SELECT * FROM %s ORDER BY run_id)"
    for name, opts, target in (("duration", REG, "duration_s"), ("binary", BIN, "failed")):
        c = train(hub, by_id % "all_runs", opts, target)
        check(name + ".order.matters", c is not None and c != blobs[name],
              "ORDER BY run_id gave the file-order bytes: update docs/ATTACH.md (order no longer matters?)")
        check(name + ".orderby.one", train(one, by_id % "runs", opts, target) == c,
              "ORDER BY run_id over one.db differs from ORDER BY run_id over the view")
        check(name + ".orderby.time", train(tim, "runs", opts, target) == c,
              "time.db (stored in run_id order) differs from ORDER BY run_id over the view")
    ipk = connect(os.path.join(tmp, "ipk.db"))
    check("orderby.ipk", train(ipk, "runs", REG) == train(one, by_id % "runs", REG),
          "a run_id INTEGER PRIMARY KEY table inserted in file order is not read in run_id order")
    ipk.close()
    union_view(hub, "all_rev", [("f%d" % k, COLS) for k in (4, 3, 2, 1)])
    check("orderby.reversed.files", train(hub, by_id % "all_rev", REG) == train(one, by_id % "runs", REG),
          "the files' order in the view changed the ORDER BY model")
    # without row sampling and held-out rows: still other bytes, predictions equal to rounding
    a, b = train(one, "runs", PLAIN), train(one, by_id % "runs", PLAIN)
    rel = val(one, "SELECT max(abs(p - q) / q) FROM (SELECT predict(?1, %s) AS p, predict(?2, %s) AS q FROM runs)"
              % (FV, FV), a, b)
    check("plain.order.bytes", a != b, "the sums no longer depend on order: update docs/ATTACH.md")
    check("plain.order.rounding", rel is not None and rel < 1e-9, rel)
    # max_rows: the reservoir follows positions too
    ms = '{"n_trees": 20, "max_rows": 5000, "seed": 3}'
    if error_of(one, "SELECT gbt_train(%s, duration_s, '%s') FROM runs WHERE run_id < 10" % (FV, ms)) is None:
        a = train(hub, by_id % "all_runs", ms)
        check("max_rows.orderby", a is not None and a == train(one, by_id % "runs", ms),
              "max_rows: ORDER BY over the view differs from one.db")
        check("max_rows.view", train(hub, "all_runs", ms) == train(one, "runs", ms),
              "max_rows: the view differs from one.db in file order")
        check("max_rows.order.matters", train(one, "runs", ms) != a, "max_rows sample ignores order")
    else:
        print("SKIP gbt_attach max_rows: this build has no max_rows option")

    # 4. model_save into the hub's registry; scoring by name over attached rows
    for con, src in ((hub, "all_runs"), (one, "runs")):
        con.execute("SELECT model_save('runtime', gbt_train(%s, duration_s, '%s')) FROM %s" % (FV, REG, by_id % src))
        con.execute("SELECT model_save('fails', gbt_train(%s, failed, '%s')) FROM %s" % (FV, BIN, by_id % src))
    check("registry.main", val(hub, "SELECT count(*) FROM main.omen_models") == 2, "not 2 models in hub.db")
    check("registry.not.attached",
          val(hub, "SELECT count(*) FROM f1.sqlite_schema WHERE name LIKE 'omen%'") == 0, "f1 got a registry")
    for k in range(1, 5):
        for fn, name in (("predict_duration", "runtime"), ("predict_failure", "fails")):
            got = hub.execute("SELECT run_id, %s('%s', %s) FROM f%d.runs ORDER BY run_id" % (fn, name, FV, k)).fetchall()
            want = one.execute("SELECT run_id, %s('%s', %s) FROM runs WHERE host = ? ORDER BY run_id"
                               % (fn, name, FV), (k - 1,)).fetchall()
            check("by.name.%s.f%d" % (fn, k), got == want and len(got) > 4000, "predictions by name differ")
    got = hub.execute("SELECT run_id, predict_duration('runtime', %s) FROM all_runs" % FV).fetchall()
    want = one.execute("SELECT run_id, predict_duration('runtime', %s) FROM runs" % FV).fetchall()
    check("by.name.view", got == want, "predictions over the view differ")
    # a copy of the model into a host's own file: through ATTACH only once that file has a registry
    shutil.copy(os.path.join(tmp, "f2.db"), os.path.join(tmp, "host2.db"))
    host = connect(os.path.join(tmp, "host2.db"))
    host.execute("ATTACH ? AS hub", (os.path.join(tmp, "hub.db"),))
    copy = ("SELECT model_save('runtime', (SELECT model FROM hub.omen_models WHERE name = 'runtime' "
            "ORDER BY version DESC LIMIT 1))")
    e = error_of(host, copy)
    check("copy.needs.registry", e is not None and e.startswith(
        "model_save(): the registry is the main database's omen_models, which does not exist, and database 'hub' "
        "has an omen_models table that omen does not use"), e)
    blob = val(hub, "SELECT model FROM omen_models WHERE name = 'runtime' ORDER BY version DESC LIMIT 1")
    host.execute("DETACH hub")
    check("copy.bound", val(host, "SELECT model_save('runtime', ?)", blob) == 1, "model_save of the bound BLOB")
    host.execute("ATTACH ? AS hub", (os.path.join(tmp, "hub.db"),))
    check("copy.attached", val(host, copy) == 2, "model_save through ATTACH once main has a registry")
    got = host.execute("SELECT run_id, predict_duration('runtime', %s) FROM runs ORDER BY run_id" % FV).fetchall()
    want = one.execute("SELECT run_id, predict_duration('runtime', %s) FROM runs WHERE host = 1 ORDER BY run_id"
                       % FV).fetchall()
    check("copy.predictions", got == want, "the copied model predicts otherwise on the host")
    host.close()

    # 5. errors
    e = error_of(hub, "CREATE VIEW main_runs AS SELECT %s FROM f1.runs UNION ALL SELECT %s FROM f2.runs" % (COLS, COLS))
    check("err.view.in.main", e is not None and e.startswith("view main_runs cannot reference objects in database f"), e)
    b = train(hub, "all_runs", REG)
    hub.execute("DETACH f3")
    e = error_of(hub, "SELECT gbt_train(%s, duration_s, '%s') FROM all_runs" % (FV, REG))
    check("err.detached", e == "no such table: f3.runs", e)
    e = error_of(hub, "SELECT predict_duration('runtime', %s) FROM all_runs" % FV)
    check("err.detached.predict", e == "no such table: f3.runs", e)
    hub.execute("ATTACH ? AS f3", (os.path.join(tmp, "f3.db"),))
    check("reattached", train(hub, "all_runs", REG) == b, "after re-ATTACH the view trains another model")
    limit = None
    for k in range(5, 12):
        e = error_of(hub, "ATTACH ':memory:' AS x%d" % k)
        if e is not None:
            limit = (k, e)
            break
    check("err.attach.limit", limit == (11, "too many attached databases - max 10"), limit)
    for k in range(5, 11):
        hub.execute("DETACH x%d" % k)
    # a host that logs job ids: the same column is categorical in one file and numeric in another
    hub.execute("ATTACH ? AS f2j", (os.path.join(tmp, "f2_jobid.db"),))
    union_view(hub, "mixed", [("f1", COLS), ("f2j", COLS), ("f3", COLS), ("f4", COLS)])
    e = error_of(hub, "SELECT gbt_train(%s, duration_s, '%s') FROM mixed" % (FV, REG))
    check("err.types.job", e == 'gbt_train(): feature "job" is categorical in one row and numeric in another', e)
    union_view(hub, "mixed", [("f2j", COLS), ("f1", COLS)])
    e = error_of(hub, "SELECT gbt_train(%s, duration_s, '%s') FROM mixed" % (FV, REG))
    check("err.types.job.first", e == 'gbt_train(): feature "job" is numeric in one row and categorical in another', e)
    # a host whose cpu column is TEXT: '4' is a category; CAST in the view makes the one-file model again
    hub.execute("ATTACH ? AS f2t", (os.path.join(tmp, "f2_cputext.db"),))
    check("cpu.text.stored", val(hub, "SELECT count(*) FROM f2t.runs WHERE typeof(cpu) = 'text'") == len(host1),
          "cpu not stored as text")
    union_view(hub, "mixed", [("f1", COLS), ("f2t", COLS), ("f3", COLS), ("f4", COLS)])
    e = error_of(hub, "SELECT gbt_train(%s, duration_s, '%s') FROM mixed" % (FV, REG))
    check("err.types.cpu", e == 'gbt_train(): feature "cpu" is numeric in one row and categorical in another', e)
    cast = COLS.replace("cpu,", "CAST(cpu AS INTEGER) AS cpu,")
    union_view(hub, "mixed", [("f1", COLS), ("f2t", cast), ("f3", COLS), ("f4", COLS)])
    check("cast.fixes", train(hub, "mixed", REG) == blobs["duration"],
          "CAST(cpu AS INTEGER) in the view did not restore the one-file model")
    e = error_of(hub, "SELECT predict_duration('runtime', %s) FROM f2t.runs" % FV)
    check("err.predict.text.cpu", e is not None and e.startswith("predict_duration(): ") and "cpu" in e, e)
    check("alive", val(hub, "SELECT count(*) FROM all_runs") == N_RUNS, "connection unusable after errors")

    for con in (hub, one, tim):
        con.close()
    shutil.rmtree(tmp)
    return T.finish()


if __name__ == "__main__":
    sys.exit(main())
