#!/usr/bin/python3
"""wheel_test.py — the Python package: make wheel, pip install in a fresh venv, use it (docs/PYTHON.md).

Usage (from anywhere):
  /usr/bin/python3 tests/wheel_test.py [-v] [--label WORD]
  make test-wheel

Environment: OMEN_SO (default build/omen.so; its folder is the Makefile's B, so
OMEN_SO=build-x/omen.so builds build-x/wheel/ from build-x/omen.so, and an
up-to-date omen.so is not rebuilt), PYTHON (/usr/bin/python3: builds the wheel
and makes the venv), MAKE (make).

Behaviours (one case each; `FAIL <label>: <case>: <why>` on failure):
  1. Tools: pip, setuptools, wheel and venv (with ensurepip) importable by
     PYTHON; when some are missing and we are root, apt-get installs
     python3-pip python3-setuptools python3-wheel python3-venv; when they
     are still missing, `skipped: <why>` and a count with 0 failed.
  2. `make B=<B> wheel` succeeds and leaves exactly one file in <B>/wheel:
     omen_sqlite-<VERSION>-py3-none-<platform>.whl, platform from
     sysconfig.get_platform() (linux_x86_64 here); no scratch folder left.
  3. The build wrote nothing into the source tree: python/ holds the same
     files before and after (no build/, *.egg-info, __pycache__, copied .so).
  4. The wheel holds exactly omen_sqlite/{__init__.py,_version.py,omen.so}
     and its dist-info (METADATA, WHEEL, RECORD, top_level.txt): the .so and
     no test or source files; WHEEL says `Tag: py3-none-<platform>` and
     `Root-Is-Purelib: false`; METADATA says omen-sqlite and VERSION.
  5. The bundled omen.so is an ELF shared object defining sqlite3_omen_init
     and not linked with libpython (so py3-none is right): checked with
     readelf/nm when binutils is there.
  6. `PYTHON -m venv` makes a fresh environment and its pip installs the
     wheel with `pip install --no-index`.
  7. From a folder outside the repository, with `python -I` (no PYTHONPATH,
     no script folder), a script in the venv checks (one case each):
     omen_sqlite is imported from the venv's site-packages; __version__ and
     the installed metadata's version = VERSION; loadable_path() is a file
     named omen.so inside the package; load() gives omen_version() =
     VERSION; after load() loading is disabled again (conn.load_extension
     and SELECT load_extension() both refused); loading twice into one
     connection raises nothing and the functions still work, also on a
     second connection; a connection without enable_load_extension raises
     ExtensionLoadingUnavailable naming the cause; the Python 3.12 path
     (getconfig/setconfig, simulated) turns on only the C-API switch and
     restores its previous value, True or False, without calling
     enable_load_extension; a missing system library is reported with the
     apt-get line.
  8. The quick start through the wheel (history, gbt_train + model_save,
     predict_duration/predict_interval by name, predict_failure, a baseline
     anomaly score, welch_ttest): every value finite and in its expected
     range (prediction within 20% of the truth, lo <= pred <= hi, risks in
     (0, 1), a 6000 s run scored as an anomaly, Welch's t equal to the textbook
     formula computed in Python to 1e-9 relative), and every value equal to
     the same query through OMEN_SO loaded directly.
  9. docs/PYTHON.md's ```python quick start, run in the venv from outside the
     repository, prints exactly the ```text block that follows it.
 10. The last line is `<label>: N passed, M failed[, K skipped]`; the exit
     status is 1 if M > 0.
Standard library only.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
import zipfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLS_PACKAGES = "python3-pip python3-setuptools python3-wheel python3-venv"

# Run inside the venv (behaviours 7 and 8): prints one JSON object of observations.
INSIDE = r'''
import importlib.metadata, json, math, os, random, sqlite3, sys
ref_so, out = sys.argv[1], {}
import omen_sqlite
out["file"] = omen_sqlite.__file__
out["prefix"] = sys.prefix
import sysconfig
out["platlib"] = sysconfig.get_path("platlib")
out["version"] = omen_sqlite.__version__
out["metadata_version"] = importlib.metadata.version("omen-sqlite")
path = omen_sqlite.loadable_path()
out["path"] = path
out["path_isfile"] = os.path.isfile(path)

def err(f):
    try:
        f()
    except Exception as e:
        return "%s: %s" % (type(e).__name__, e)
    return None

db = sqlite3.connect(":memory:")
out["load1"] = err(lambda: omen_sqlite.load(db))
out["omen_version"] = db.execute("SELECT omen_version()").fetchone()[0]
out["after_c_api"] = err(lambda: db.load_extension(path))
out["after_sql"] = err(lambda: db.execute("SELECT load_extension(?)", (path,)).fetchone())
out["load2"] = err(lambda: omen_sqlite.load(db))
out["omen_version2"] = db.execute("SELECT omen_version()").fetchone()[0]

class NoLoading:  # a sqlite3 built without loadable extensions
    def __init__(self):
        self.db = sqlite3.connect(":memory:")
    def execute(self, *a):
        return self.db.execute(*a)
out["unavailable"] = err(lambda: omen_sqlite.load(NoLoading()))

class Py312:  # the getconfig/setconfig path, simulated around a real connection
    def __init__(self, state):
        self.db, self.state, self.calls = sqlite3.connect(":memory:"), state, []
    def getconfig(self, op):
        self.calls.append(("get", op)); return self.state
    def setconfig(self, op, on=True):
        self.calls.append(("set", op, bool(on))); self.state = bool(on)
        self.db.enable_load_extension(bool(on))
    def enable_load_extension(self, on):
        self.calls.append(("enable", bool(on)))
    def load_extension(self, p):
        self.db.load_extension(p)
had = hasattr(sqlite3, "SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION")
if not had:
    sqlite3.SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION = 1005
for state in (False, True):
    c = Py312(state)
    e = err(lambda: omen_sqlite.load(c))
    out["py312_%s" % state] = {"error": e, "calls": c.calls, "final": c.state,
                               "works": c.db.execute("SELECT omen_version()").fetchone()[0] if e is None else None}
if not had:
    del sqlite3.SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION

class MissingLib:
    def enable_load_extension(self, on):
        pass
    def load_extension(self, p):
        raise sqlite3.OperationalError("liblapacke.so.3: cannot open shared object file: No such file or directory")
out["missing_lib"] = err(lambda: omen_sqlite.load(MissingLib()))

def history(conn):
    conn.execute("CREATE TABLE runs(job TEXT, host TEXT, started_at TEXT, params TEXT, duration_s REAL, status TEXT, variant TEXT)")
    rng = random.Random(7)
    for i in range(600):
        job = ("etl", "build")[i % 2]
        host = "h%d" % int(3 * rng.random())
        gb = round(1 + 99 * rng.random(), 1)
        secs = ((300 + 15 * gb) if job == "etl" else (120 + 4 * gb)) * (1.5 if host == "h2" else 1.0)
        secs *= (0.8 if i // 2 % 2 else 1.0) * math.exp(0.1 * (rng.random() - 0.5))
        status = "failed" if rng.random() < (0.3 if host == "h2" else 0.02) else "ok"
        conn.execute("INSERT INTO runs VALUES (?, ?, datetime('2025-01-01', ?), ?, ?, ?, ?)",
                     (job, host, "+%d hours" % i, json.dumps({"input_gb": gb}), round(secs, 1), status,
                      "B" if i // 2 % 2 else "A"))

FV = "feature_vector(json_set(params, '$.job', job, '$.host', host))"
PROBE = '{"job": "etl", "host": "h0", "input_gb": 40}'

def quick_start(conn):
    r = {}
    history(conn)
    r["saved"] = conn.execute("SELECT model_save('runtime', gbt_train(%s, duration_s), 'production') "
                              "FROM (SELECT * FROM runs WHERE status = 'ok' ORDER BY started_at)" % FV).fetchone()[0]
    r["duration"] = conn.execute("SELECT predict_duration('runtime', feature_vector(?))", (PROBE,)).fetchone()[0]
    r["interval"] = json.loads(conn.execute("SELECT predict_interval('runtime', feature_vector(?))", (PROBE,)).fetchone()[0])
    conn.execute("SELECT model_save('failures', gbt_train(%s, status = 'failed', '{\"objective\": \"binary\", \"max_depth\": 3}')) "
                 "FROM (SELECT * FROM runs ORDER BY started_at)" % FV)
    r["risk"] = [conn.execute("SELECT predict_failure('failures', feature_vector(json_object('job', 'etl', 'host', ?, 'input_gb', 40)))",
                              (h,)).fetchone()[0] for h in ("h0", "h2")]
    conn.execute("SELECT model_save('baseline:' || job, baseline_train(duration_s)) FROM runs WHERE status = 'ok' GROUP BY job").fetchall()
    r["baseline"] = [conn.execute("SELECT baseline_score('baseline:etl', ?), baseline_is_anomaly('baseline:etl', ?)",
                                  (x, x)).fetchone() for x in (1000.0, 6000.0)]
    r["welch"] = json.loads(conn.execute("SELECT welch_ttest(duration_s, variant) FROM runs "
                                         "WHERE job = 'etl' AND status = 'ok'").fetchone()[0])
    groups = {}
    for v, d in conn.execute("SELECT variant, duration_s FROM runs WHERE job = 'etl' AND status = 'ok'"):
        groups.setdefault(v, []).append(d)
    def mv(x):
        m = math.fsum(x) / len(x)
        return m, math.fsum((y - m) ** 2 for y in x) / (len(x) - 1), len(x)
    (ma, va, na), (mb, vb, nb) = mv(groups[r["welch"]["group_a"]]), mv(groups[r["welch"]["group_b"]])
    r["welch_t_python"] = (ma - mb) / math.sqrt(va / na + vb / nb)
    return r

out["qs_wheel_error"] = err(lambda: out.__setitem__("qs_wheel", quick_start(db)))
ref = sqlite3.connect(":memory:")
ref.enable_load_extension(True)
ref.load_extension(ref_so)
out["qs_ref_error"] = err(lambda: out.__setitem__("qs_ref", quick_start(ref)))
second = sqlite3.connect(":memory:")
out["second_error"] = err(lambda: (omen_sqlite.load(second), omen_sqlite.load(second)))
out["second_duration"] = err(lambda: out.__setitem__("second_value", quick_start(second)["duration"]))
print(json.dumps(out))
'''


class Counter:
    def __init__(self, label, verbose):
        self.label, self.verbose = label, verbose
        self.n = self.m = self.s = 0

    def ok(self, case):
        self.n += 1
        if self.verbose:
            print("pass %s: %s" % (self.label, case), flush=True)

    def fail(self, case, why, log=None):
        self.m += 1
        print("FAIL %s: %s: %s" % (self.label, case, why), flush=True)
        if log:
            for line in log.strip().split("\n")[-15:]:
                print("    " + line)

    def check(self, case, cond, why="", log=None):
        if cond:
            self.ok(case)
        else:
            self.fail(case, why or "check failed", log)
        return bool(cond)

    def skip(self, why):
        self.s += 1
        print("skipped: %s" % why, flush=True)

    def finish(self):
        tail = ", %d skipped" % self.s if self.s else ""
        print("%s: %d passed, %d failed%s" % (self.label, self.n, self.m, tail))
        return 1 if self.m else 0


def run(cmd, cwd=REPO, env=None, timeout=900):
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True, timeout=timeout)
        return p.returncode, p.stdout
    except (OSError, subprocess.TimeoutExpired) as e:
        return -1, str(e)


def tools_missing(python):
    # find_spec, not import: importing pip before setuptools trips setuptools' distutils check
    rc, out = run([python, "-c", "import importlib.util as u\n"
                   "gone = [m for m in ('pip', 'setuptools', 'wheel', 'venv', 'ensurepip') if u.find_spec(m) is None]\n"
                   "print('missing Python modules: ' + ' '.join(gone) if gone else '')\n"
                   "raise SystemExit(1 if gone else 0)"])
    return None if rc == 0 else out.strip().split("\n")[-1]


def ensure_tools(python):
    """Behaviour 1: None when the tools are there (installed if need be), else why not."""
    why = tools_missing(python)
    if why is None:
        return None
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return "%s; needs %s (apt-get install -y %s)" % (why, TOOLS_PACKAGES, TOOLS_PACKAGES)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    cmd = ["apt-get", "install", "-y", "-q", "--no-install-recommends"] + TOOLS_PACKAGES.split()
    rc, _ = run(cmd, env=env)
    if rc != 0:
        run(["apt-get", "update", "-q"], env=env)
        run(cmd, env=env)
    why = tools_missing(python)
    return None if why is None else "%s; apt-get install %s failed" % (why, TOOLS_PACKAGES)


def tree(path):
    found = set()
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            found.add(os.path.relpath(os.path.join(root, name), path))
    return found


def doc_quick_start():
    """docs/PYTHON.md's first ```python block and the ```text block after it."""
    with open(os.path.join(REPO, "docs", "PYTHON.md"), encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"^```python\n(.*?)^```\n(.*?)^```text\n(.*?)^```$", text, re.S | re.M)
    return (m.group(1), m.group(3)) if m else (None, None)


def close(a, b, rel=0.0):
    return isinstance(a, float) and isinstance(b, float) and abs(a - b) <= rel * max(abs(a), abs(b))


def finite(*xs):
    return all(isinstance(x, (int, float)) and not isinstance(x, bool) and x == x and abs(x) != float("inf")
               for x in xs)


def main(argv):
    label = argv[argv.index("--label") + 1] if "--label" in argv else "wheel"
    t = Counter(label, "-v" in argv)
    python = os.environ.get("PYTHON", "/usr/bin/python3")
    make = os.environ.get("MAKE", "make")
    omen_so = os.environ.get("OMEN_SO", "build/omen.so")
    omen_so_abs = omen_so if os.path.isabs(omen_so) else os.path.join(REPO, omen_so)
    b = os.path.relpath(os.path.dirname(omen_so_abs), REPO)
    with open(os.path.join(REPO, "VERSION"), encoding="utf-8") as f:
        version = f.read().strip()
    plat = sysconfig.get_platform().replace("-", "_").replace(".", "_")

    why = ensure_tools(python)
    if why:
        t.skip("the wheel build tools or venv are missing: " + why)
        return t.finish()

    # -- 2-3. make wheel -----------------------------------------------------
    before = tree(os.path.join(REPO, "python"))
    start = time.time()
    rc, log = run([make, "-s", "--no-print-directory", "B=" + b, "wheel"])
    if not t.check("make B=%s wheel" % b, rc == 0, "exit status %d" % rc, log):
        return t.finish()
    if "-v" in argv:
        print("    make wheel: %.1f s" % (time.time() - start))
    wheel_dir = os.path.join(REPO, b, "wheel")
    name = "omen_sqlite-%s-py3-none-%s.whl" % (version, plat)
    left = sorted(os.listdir(wheel_dir))
    t.check("one wheel, named %s" % name, left == [name], "found %s" % left)
    t.check("python/ unchanged by the build", tree(os.path.join(REPO, "python")) == before,
            "new: %s; gone: %s" % (sorted(tree(os.path.join(REPO, "python")) - before),
                                   sorted(before - tree(os.path.join(REPO, "python")))))
    wheel = os.path.join(wheel_dir, name)
    if not os.path.isfile(wheel):
        return t.finish()

    # -- 4-5. the wheel's contents --------------------------------------------
    dist = "omen_sqlite-%s.dist-info/" % version
    with zipfile.ZipFile(wheel) as z:
        names = sorted(z.namelist())
        want = sorted(["omen_sqlite/__init__.py", "omen_sqlite/_version.py", "omen_sqlite/omen.so"] +
                      [dist + n for n in ("METADATA", "WHEEL", "RECORD", "top_level.txt")])
        t.check("wheel holds the package, omen.so and metadata only", names == want,
                "extra %s, missing %s" % (sorted(set(names) - set(want)), sorted(set(want) - set(names))))
        meta = z.read(dist + "WHEEL").decode() if dist + "WHEEL" in names else ""
        t.check("WHEEL: Tag py3-none-%s" % plat, re.findall(r"^Tag: (.*)$", meta, re.M) == ["py3-none-" + plat],
                repr(meta))
        t.check("WHEEL: Root-Is-Purelib false", "Root-Is-Purelib: false\n" in meta, repr(meta))
        md = z.read(dist + "METADATA").decode() if dist + "METADATA" in names else ""
        t.check("METADATA: omen-sqlite %s" % version,
                "\nName: omen-sqlite\n" in md and "\nVersion: %s\n" % version in md, md[:200])
        so = z.read("omen_sqlite/omen.so") if "omen_sqlite/omen.so" in names else b""
    tmp = tempfile.mkdtemp(prefix="omen-wheel.")
    try:
        so_path = os.path.join(tmp, "omen.so")
        with open(so_path, "wb") as f:
            f.write(so)
        t.check("omen.so is an ELF file", so[:4] == b"\x7fELF", repr(so[:4]))
        if shutil.which("nm") and shutil.which("readelf"):
            _, syms = run(["nm", "-D", "--defined-only", so_path])
            t.check("omen.so defines sqlite3_omen_init", re.search(r" T sqlite3_omen_init$", syms, re.M), syms[:300])
            _, dyn = run(["readelf", "-d", so_path])
            _, undef = run(["nm", "-D", "--undefined-only", so_path])
            t.check("omen.so is not a CPython module (no libpython, no Py* symbols)",
                    "libpython" not in dyn and not re.search(r" U _?Py", undef), dyn)
        return inside_venv(t, python, wheel, tmp, omen_so_abs, version)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def inside_venv(t, python, wheel, tmp, omen_so_abs, version):
    # -- 6. a fresh venv, pip install --no-index -------------------------------
    venv = os.path.join(tmp, "venv")
    rc, log = run([python, "-m", "venv", venv])
    if not t.check("python3 -m venv", rc == 0, "exit status %d" % rc, log):
        return t.finish()
    vpy = os.path.join(venv, "bin", "python")
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_CACHE_DIR="1")
    env.pop("PYTHONPATH", None)
    rc, log = run([vpy, "-m", "pip", "install", "-q", "--no-index", wheel], env=env)
    if not t.check("pip install --no-index <wheel> into the venv", rc == 0, "exit status %d" % rc, log):
        return t.finish()

    # -- 7-8. use it from outside the repository --------------------------------
    work = os.path.join(tmp, "work")
    os.mkdir(work)
    with open(os.path.join(work, "inside.py"), "w", encoding="utf-8") as f:
        f.write(INSIDE)
    rc, log = run([vpy, "-I", "inside.py", omen_so_abs], cwd=work, env=env)
    try:
        o = json.loads(log.strip().split("\n")[-1])
    except ValueError:
        o = None
    if not t.check("the in-venv script runs", rc == 0 and o is not None, "exit status %d" % rc, log):
        return t.finish()
    site = o["platlib"]  # the venv's site-packages, as the venv's Python says
    t.check("imported from the venv, not the source tree",
            o["prefix"] == venv and site.startswith(venv + os.sep) and
            o["file"] == os.path.join(site, "omen_sqlite", "__init__.py"),
            "%s (prefix %s, platlib %s)" % (o["file"], o["prefix"], site))
    t.check("__version__ = VERSION", o["version"] == version, repr(o["version"]))
    t.check("installed metadata version = VERSION", o["metadata_version"] == version, repr(o["metadata_version"]))
    t.check("loadable_path() is the bundled omen.so, a file",
            o["path_isfile"] and o["path"] == os.path.join(site, "omen_sqlite", "omen.so"), o["path"])
    t.check("load() then omen_version() = VERSION", o["load1"] is None and o["omen_version"] == version,
            "%s / %r" % (o["load1"], o["omen_version"]))
    t.check("after load() conn.load_extension is refused", (o["after_c_api"] or "").endswith("not authorized"),
            repr(o["after_c_api"]))
    t.check("after load() SELECT load_extension() is refused", (o["after_sql"] or "").endswith("not authorized"),
            repr(o["after_sql"]))
    t.check("loading twice into one connection is harmless",
            o["load2"] is None and o["omen_version2"] == version and o.get("qs_wheel_error") is None,
            "%s / %s" % (o["load2"], o.get("qs_wheel_error")))
    t.check("a Python without loadable extensions: ExtensionLoadingUnavailable",
            (o["unavailable"] or "").startswith("ExtensionLoadingUnavailable: omen_sqlite.load(): this Python's "
                                                "sqlite3 cannot load extensions"), repr(o["unavailable"]))
    for state in ("False", "True"):
        p = o["py312_" + state]
        calls = [c for c in p["calls"] if c[0] == "set"]
        t.check("Python 3.12 path: C-API switch on, restored to %s" % state,
                p["error"] is None and p["works"] == version and p["final"] == (state == "True") and
                [c[2] for c in calls] == [True, state == "True"] and not any(c[0] == "enable" for c in p["calls"]),
                json.dumps(p))
    t.check("a missing system library: the apt-get line",
            (o["missing_lib"] or "").startswith("OperationalError: liblapacke.so.3: cannot open shared object file")
            and "apt-get install liblapacke libxxhash0" in o["missing_lib"], repr(o["missing_lib"]))

    w, r = o.get("qs_wheel"), o.get("qs_ref")
    if not t.check("quick start through the wheel and through OMEN_SO", w is not None and r is not None,
                   "%s / %s" % (o.get("qs_wheel_error"), o.get("qs_ref_error"))):
        return t.finish()
    t.check("quick start: identical results through the wheel and through OMEN_SO", w == r,
            json.dumps(w)[:300] + " vs " + json.dumps(r)[:300])
    truth = 0.9 * (300 + 15 * 40)  # etl, 40 GB, host h0; half the runs are variant B (0.8x)
    iv = w["interval"]
    t.check("model_save version 1", w["saved"] == 1, repr(w["saved"]))
    t.check("predict_duration by name within 20%% of %.0f" % truth,
            finite(w["duration"]) and abs(w["duration"] - truth) <= 0.2 * truth, repr(w["duration"]))
    t.check("predict_interval: lo <= pred <= hi, pred = predict_duration",
            finite(iv.get("lo"), iv.get("pred"), iv.get("hi")) and iv["lo"] <= iv["pred"] <= iv["hi"] and
            iv["pred"] == w["duration"], json.dumps(iv))
    t.check("predict_failure: risks in (0, 1), the flaky host higher",
            finite(*w["risk"]) and 0 < w["risk"][0] < w["risk"][1] < 1, repr(w["risk"]))
    (z1, a1), (z3, a3) = w["baseline"]
    t.check("baseline_score: 1000 s typical, 6000 s an anomaly",
            finite(z1, z3) and abs(z1) < 3.5 and a1 == 0 and z3 > 3.5 and a3 == 1, repr(w["baseline"]))
    wt = w["welch"]
    t.check("welch_ttest: t = Welch's formula (1e-9), 0 < p < 0.05",
            close(wt.get("t"), w["welch_t_python"], 1e-9) and finite(wt.get("p")) and 0 < wt["p"] < 0.05,
            "%r vs %r, p %r" % (wt.get("t"), w["welch_t_python"], wt.get("p")))
    t.check("a second connection, loaded twice, predicts the same",
            o["second_error"] is None and o["second_duration"] is None and o.get("second_value") == w["duration"],
            "%s / %s / %r" % (o["second_error"], o["second_duration"], o.get("second_value")))

    # -- 9. docs/PYTHON.md's quick start --------------------------------------
    code, shown = doc_quick_start()
    if not t.check("docs/PYTHON.md has a python quick start and its output", code is not None):
        return t.finish()
    with open(os.path.join(work, "quick_start.py"), "w", encoding="utf-8") as f:
        f.write(code)
    rc, log = run([vpy, "-I", "quick_start.py"], cwd=work, env=env)
    t.check("docs/PYTHON.md quick start prints what the page shows", rc == 0 and log == shown,
            "exit status %d" % rc, "got:\n" + log + "shown:\n" + shown if rc == 0 else log)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
