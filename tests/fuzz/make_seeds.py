#!/usr/bin/python3
"""make_seeds.py — (re)write the seed corpora of the libFuzzer targets.

  OMEN_SO=build/omen.so /usr/bin/python3 tests/fuzz/make_seeds.py

corpus_model/: the committed format-1 fixture (fixtures/models/scaler_v1.hex)
and scalers trained through SQL with each method, with no feature, with many
features and with long names.  corpus_fv/: feature vectors made by
feature_vector() (every entry type, long names, extreme numbers, an empty
vector) and flat JSON texts of the kind feature_vector('{...}') reads.
Deterministic: the same build writes the same files.
"""
import os
import sqlite3
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))


def connect():
    so = os.environ.get("OMEN_SO") or os.path.join(ROOT, "build", "omen.so")
    con = sqlite3.connect(":memory:")
    con.enable_load_extension(True)
    con.load_extension(os.path.splitext(so)[0])
    return con


def write(d, name, data):
    os.makedirs(os.path.join(HERE, d), exist_ok=True)
    with open(os.path.join(HERE, d, name), "wb") as f:
        f.write(data)


def main():
    con = connect()
    one = lambda sql, *a: con.execute(sql, a).fetchone()[0]
    # feature vectors
    fvs = {
        "mixed": "feature_vector('threads', 8, 'host', 'web-3', 'mem_gb', NULL, 'cpu', -0.25)",
        "empty": "feature_vector('{}')",
        "numeric": "feature_vector('x', 1e300, 'y', 5e-324, 'z', -0.0)",
        "long_name": "feature_vector(printf('%.255c', 'n'), 1, 'a', 'b')",
        "categorical": "feature_vector('a', '', 'b', 'caf\u00e9', 'c', 'x')",
        "many": "feature_vector(%s)" % ", ".join("'f%02d', %d" % (i, i) for i in range(40)),
    }
    for name, expr in fvs.items():
        write("corpus_fv", name + ".fv", bytes(one("SELECT " + expr)))
    jsons = {
        "flat": '{"threads":8,"host":"web-3","mem_gb":null,"ok":true,"bad":false,"cpu":-2.5e-3}',
        "escapes": '{"k\\u00e9y":"v\\ud83d\\ude00","tab\\t":"a\\"b\\\\c\\/","n":0}',
        "empty": "{}",
        "spaces": ' { "a" : 1 , "b" : "x" } ',
    }
    for name, text in jsons.items():
        write("corpus_fv", name + ".json", text.encode())
    # models
    with open(os.path.join(ROOT, "fixtures", "models", "scaler_v1.hex")) as f:
        write("corpus_model", "scaler_v1.model", bytes.fromhex(f.read().strip()))
    con.execute("CREATE TABLE r(fv)")
    con.execute("INSERT INTO r VALUES (feature_vector('cpu', 1, 'host', 'a', 'mem', NULL)), "
                "(feature_vector('cpu', 4, 'host', 'b', 'mem', 8)), (feature_vector('cpu', 2.5, 'mem', 16))")
    for method in ("standard", "robust", "minmax"):
        write("corpus_model", "scaler_%s.model" % method,
              bytes(one("SELECT scaler_train(fv, ?) FROM r", method)))
    write("corpus_model", "scaler_nofeatures.model", bytes(one("SELECT scaler_train(feature_vector('{}'))")))
    write("corpus_model", "scaler_many.model",
          bytes(one("SELECT scaler_train(%s)" % fvs["many"])))
    write("corpus_model", "scaler_longname.model",
          bytes(one("SELECT scaler_train(%s, 'minmax')" % fvs["long_name"])))
    write_baseline_seeds(con)
    print("wrote %d feature-vector seeds and %d model seeds under %s" % (
        len(os.listdir(os.path.join(HERE, "corpus_fv"))), len(os.listdir(os.path.join(HERE, "corpus_model"))),
        os.path.relpath(HERE, ROOT)))


def payload_of(blob):
    """The payload of a model envelope (docs/ARCHITECTURE.md)."""
    s = struct.unpack_from("<I", blob, 24)[0]
    m = struct.unpack_from("<I", blob, 28)[0]
    p = struct.unpack_from("<Q", blob, 32)[0]
    return blob[48 + s + m:48 + s + m + p]


def write_baseline_seeds(con):
    """corpus_baseline/ (fuzz_baseline.c): byte 0 = number of features - 1
    then a payload (decode), or 0x80, a byte of (F - 1) << 4 | (max_values - 1)
    and rows of F doubles (train)."""
    one = lambda sql, *a: con.execute(sql, a).fetchone()[0]
    models = {}
    for name in ("baseline_v1", "baseline_fleet_v1"):
        with open(os.path.join(ROOT, "fixtures", "models", name + ".hex")) as f:
            models[name] = bytes.fromhex(f.read().strip())
    con.execute("CREATE TABLE bl(job INTEGER, d REAL, c REAL)")
    con.executemany("INSERT INTO bl VALUES (?, ?, ?)",
                    [(j, (60 + 30 * j) * (1 + 0.04 * ((i * 7 + j) % 9 - 4)), (i % 3) * 1.5) for j in range(6)
                     for i in range(5)])
    models["job_value"] = bytes(one("SELECT baseline_train(d) FROM bl WHERE job = 2"))
    models["job_two"] = bytes(one("SELECT baseline_train(feature_vector('d', d, 'c', c)) FROM bl WHERE job = 3"))
    fleet = bytes(one("SELECT baseline_fleet(m) FROM (SELECT baseline_train(d) AS m FROM bl GROUP BY job)"))
    models["fleet_value"] = fleet
    models["shrunk_value"] = bytes(one("SELECT baseline_shrink(?, ?)", models["job_value"], fleet))
    models["constant"] = bytes(one("SELECT baseline_train(v) FROM (SELECT 7 AS v UNION ALL SELECT 7)"))
    models["zero"] = bytes(one("SELECT baseline_train(0)"))
    for name, blob in models.items():
        nf = struct.unpack_from("<I", blob, 48)[0]
        write("corpus_baseline", name + ".payload", bytes([nf - 1]) + payload_of(blob))
    rows = {
        "train_small": (1, 4, [61.5, 58.25, 70.0, 64.75, 59.0, 120.0]),
        "train_two": (2, 16, [1, 10, 2, 20, 3, float("nan"), 4, 40, 10, 50]),
        "train_huge": (1, 16, [-1.7e308, 1.7e308, 1.7e308, 1e308]),
        "train_constant": (3, 2, [5, 0, -0.0] * 4),
        "train_denormal": (1, 8, [5e-324, 1e-320, 0, 2.2e-308]),
    }
    for name, (nf, maxv, xs) in rows.items():
        write("corpus_baseline", name + ".rows",
              bytes([0x80, ((nf - 1) << 4) | (maxv - 1)]) + b"".join(struct.pack("<d", x) for x in xs))


if __name__ == "__main__":
    main()
