#!/usr/bin/python3
"""gbt_sample_test.py — gbt_train's option max_rows (ext/gbt_train.c behaviour
12: a uniform reservoir sample of the rows, kept in input order) checked
against an independent re-implementation of the draw.

  1. With max_rows below the row count, the model's trees are exactly those
     of gbt_train over the rows the reservoir keeps, given in input order
     without max_rows: this script redraws the sample (Vitter's algorithm R
     with xoshiro256** seeded by splitmix64 of seed XOR "reservoi", as
     gbt_rng.c) and trains on those rows by rowid: predictions over every row
     are equal (float equality), and so are model_info's metrics (trees,
     nodes, validation metric...).  With subsample/colsample, and with
     validation_fraction + early stopping (the last rows of the sample
     validate: equal only if the sample keeps input order).
  2. rows_used is max_rows, metrics rows_read the rows read, options carry
     max_rows; another seed draws another sample (another model); the same
     seed gives the same BLOB.
  3. max_rows at or above the row count keeps every row: the trees equal
     gbt_train without it.  Rows skipped (NULL target) are not drawn.
  4. Bad values of max_rows are errors naming the option.

Run: OMEN_SO=build/omen.so /usr/bin/python3 tests/gbt_sample_test.py
Last line `gbt_sample: N passed, M failed`; exit 1 if any failed.
"""
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from omentest import Checks, connect  # noqa: E402

T = Checks("gbt_sample")
check = T.check
M64 = (1 << 64) - 1


def splitmix64(x):
    x = (x + 0x9E3779B97F4A7C15) & M64
    z = x
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return x, z ^ (z >> 31)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M64


class Xoshiro:
    def __init__(self, seed):
        self.s = []
        x = seed
        for _ in range(4):
            x, z = splitmix64(x)
            self.s.append(z)

    def next(self):
        s = self.s
        result = (rotl((s[1] * 5) & M64, 7) * 9) & M64
        t = (s[1] << 17) & M64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def below(self, n):
        limit = M64 - (M64 % n)  # UINT64_MAX - UINT64_MAX % n
        while True:
            x = self.next()
            if x < limit:
                return x % n


def reservoir(n_rows, k, seed):
    """Input positions kept, in input order."""
    rng = Xoshiro(seed ^ 0x7265736572766F69)
    slots = []
    for seen in range(n_rows):
        if len(slots) < k:
            slots.append(seen)
        else:
            j = rng.below(seen + 1)
            if j < k:
                slots[j] = seen
    return sorted(slots)


def main():
    con = connect(":memory:")
    rnd = random.Random(7)
    con.execute("CREATE TABLE runs(id INTEGER PRIMARY KEY, job TEXT, threads INT, size REAL, dur REAL)")
    rows = []
    for i in range(3000):
        job = rnd.choice(["build", "test", "deploy", "lint"])
        threads = rnd.choice([1, 2, 4, 8])
        size = round(rnd.lognormvariate(3, 1), 3)
        dur = None if i % 97 == 13 else round(5 + size * 0.7 / threads + rnd.expovariate(0.2) + (30 if job == "deploy" else 0), 3)
        rows.append((i + 1, job, threads, size, dur))
    con.executemany("INSERT INTO runs VALUES (?,?,?,?,?)", rows)
    fv = "feature_vector('job', job, 'threads', threads, 'size', size)"
    kept_ids = [r[0] for r in rows if r[4] is not None]  # the rows with a target, in input order

    def train(opts, where=""):
        return con.execute(f"SELECT gbt_train({fv}, dur, ?) FROM (SELECT * FROM runs {where} ORDER BY id)",
                           (opts,)).fetchone()[0]

    def preds(m):
        return [r[0] for r in con.execute(f"SELECT predict_duration(?, {fv}) FROM runs ORDER BY id", (m,))]

    for case, base in [("plain", {"n_trees": 30, "max_depth": 4, "seed": 11}),
                       ("subsample", {"n_trees": 30, "max_depth": 4, "seed": 5, "subsample": 0.7, "colsample": 0.8}),
                       ("validation", {"n_trees": 40, "max_depth": 3, "seed": 3, "validation_fraction": 0.2,
                                       "early_stopping_rounds": 5})]:
        k = 1000
        opts = dict(base, max_rows=k)
        m = train(json.dumps(opts))
        pos = reservoir(len(kept_ids), k, base["seed"])
        ids = [kept_ids[p] for p in pos]
        con.execute("CREATE TEMP TABLE IF NOT EXISTS pick(id INTEGER PRIMARY KEY)")
        con.execute("DELETE FROM pick")
        con.executemany("INSERT INTO pick VALUES (?)", [(i,) for i in ids])
        ref = train(json.dumps(base), "WHERE id IN (SELECT id FROM pick)")
        check(f"{case}.predictions_equal_explicit_sample", preds(m) == preds(ref))
        mi = json.loads(con.execute("SELECT model_info(?)", (m,)).fetchone()[0])
        ri = json.loads(con.execute("SELECT model_info(?)", (ref,)).fetchone()[0])
        mm, rm = dict(mi["metrics"]), dict(ri["metrics"])
        check(f"{case}.rows_read", mm.pop("rows_read", None) == len(kept_ids), str(mi["metrics"]))
        check(f"{case}.metrics_equal", mm == rm, f"{mm} vs {rm}")
        check(f"{case}.rows_used", mi.get("rows_used") == k, str({x: mi.get(x) for x in ("rows_used", "rows_skipped")}))
        check(f"{case}.options_max_rows", mi["options"].get("max_rows") == k, str(mi["options"]))
        check(f"{case}.deterministic", train(json.dumps(opts)) == m)
        other = train(json.dumps(dict(opts, seed=base["seed"] + 1)))
        check(f"{case}.other_seed_other_model", other != m)

    # max_rows at or above the number of rows: every row, the same trees
    base = {"n_trees": 20, "max_depth": 4, "seed": 1}
    full = train(json.dumps(base))
    for k in (len(kept_ids), len(kept_ids) + 1, 10**9):
        m = train(json.dumps(dict(base, max_rows=k)))
        check(f"all_rows.k{k}.predictions", preds(m) == preds(full))
        mi = json.loads(con.execute("SELECT model_info(?)", (m,)).fetchone()[0])
        check(f"all_rows.k{k}.rows_used", mi.get("rows_used") == len(kept_ids), str(mi.get("rows_used")))

    for bad in ("1", "0", "-5", "2.5", "\"10\"", "true", "1e13"):
        try:
            con.execute(f"SELECT gbt_train({fv}, dur, '{{\"max_rows\": {bad}}}') FROM runs").fetchone()
            check(f"bad.{bad}", False, "no error")
        except Exception as e:  # sqlite3.OperationalError
            check(f"bad.{bad}", str(e) == "gbt_train(): option max_rows must be an integer from 2 to 1099511627776",
                  str(e))
    return T.finish()


sys.exit(main())
