#!/usr/bin/python3
"""cluster_test.py — omen in a three-node dqlite cluster (docs/CLUSTER.md).

Usage: make cluster-test
       /usr/bin/python3 tests/cluster/cluster_test.py [-v] [--label WORD] [--no-install]

Environment: OMEN_AUTO (default build/libomen_auto.so: preloaded into every
node), OMEN_SO (default build/omen.so: the local reference, loaded with
.load / load_extension), SQLITE3 (sqlite3).  Not part of `make test`.

The nodes are Debian's dqlite-demo (package go-dqlite: go-dqlite's app
package over libdqlite0, Raft-replicated SQLite); its HTTP API only reads
and writes a key/value table, so every SQL statement goes through the
`dqlite` shell of the same package (`dqlite -s <servers> <database> <sql>`, or
one statement per line on stdin).  dqlite executes every statement on the
leader: a client may name any node, which points it to the leader.  So
"every node serves the data" is checked by making each node the leader in
turn (killing the current leader until the wanted node wins an election).

Behaviours (one case each; `FAIL <label>: <case>: <why>` on failure):
  1. go-dqlite missing: as root, `apt-get install -y go-dqlite` (log tail on
     failure); otherwise `skip cluster: ...` and the counts line, exit 0.
  2. Three dqlite-demo nodes on 127.0.0.1 (free ports from the kernel, data
     in a temporary folder), each with LD_PRELOAD=OMEN_AUTO, form a cluster
     of three voters; each node process maps libomen_auto.so
     (/proc/<pid>/maps).  go-dqlite calls sqlite3_config(SINGLETHREAD) as it
     starts: a node that starts at all shows the preload did not break it.
  3. Through the cluster: omen_version() is the VERSION file; 3,000 runs are
     inserted (one statement); gbt_train + model_save('runtime', ...) returns
     version 1; omen_models read through each node (the client given only
     that node's address) is the same row; predict_duration('runtime', ...)
     by name through each node gives exactly (float equality) the local
     reference's answers: the sum over all 3,000 runs and five single runs,
     computed by omen.so on a local file with the same statements.
  4. Figures (printed as `figure <name> <value>`): predictions/s of one
     statement scoring the 3,000 runs ten times by name (best of 5, one
     client process each, its start included and printed apart), and of
     1,000 single-prediction statements in one client session; model_save/s
     of 50 saves in one session; each through the cluster (the dqlite shell)
     and through the sqlite3 shell with .load on a local file (default
     journal mode and synchronous).  Each run returns its expected count.
  5. Failover: SIGKILL the leader; a client retries a one-row INSERT (each
     try bounded to 1 s) until one commits; the failover gap is the time from
     the kill to that commit.  The two survivors elect a new leader, which
     predicts the same values, and model_save of a second model (more trees)
     returns version 2, whose predictions equal the local reference's
     version 2.
  6. Catch-up: the killed node restarts with its data folder, rejoins as a
     voter, and, once made the leader (kill the current leader, restart it,
     repeat; at most 8 rounds, each a failover gap measured again), serves
     the same registry (every row of omen_models, omen_aliases,
     omen_model_events, byte for byte) and the same predictions of both
     versions.  Every node has then served as leader with correct answers.
  7. Cleanup: every process started is killed (its process group) and the
     temporary folder removed, on success, failure, exception or signal.
  8. The last line is `<label>: N passed, M failed[, K skipped]`; exit 1 if
     M > 0.
"""

import os
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DB = "omen"  # the dqlite database name
N_RUNS = 3000
FV = "feature_vector('x', x, 'threads', threads, 'host', host)"
SETUP_SQL = [
    "CREATE TABLE runs(id INTEGER PRIMARY KEY, x REAL, threads INTEGER, host TEXT, duration_s REAL)",
    "WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < %d) "
    "INSERT INTO runs SELECT n, (n * 37) %% 101, 1 + n %% 8, 'h' || (n %% 5), "
    "20 + 3.0 * ((n * 37) %% 101) / (1 + n %% 8) + n %% 7 FROM i" % N_RUNS,
    "CREATE TABLE beats(i INTEGER)",
]
TRAIN_SQL = ("SELECT model_save('runtime', (SELECT gbt_train(%s, duration_s, '{\"n_trees\": %d, \"seed\": 7}') "
             "FROM runs))")
SUM_SQL = "SELECT sum(predict_duration('%s', " + FV + ")) FROM runs"
ONE_SQL = "SELECT predict_duration('%s', " + FV + ") FROM runs WHERE id = %d"
PROBE_IDS = (1, 17, 500, 1999, 3000)
N_SINGLE, N_SAVES = 1000, 50  # figures (behaviour 4)
REGISTRY_SQL = [
    "SELECT name, version, kind, stage, created_at, info, hex(model) FROM omen_models ORDER BY name, version",
    "SELECT * FROM omen_aliases ORDER BY 1, 2",
    "SELECT * FROM omen_model_events ORDER BY 1",
]


class Cases:
    def __init__(self, label, verbose):
        self.label, self.verbose = label, verbose
        self.n = self.m = self.s = 0

    def ok(self, case):
        self.n += 1
        if self.verbose:
            print("pass %s: %s" % (self.label, case), flush=True)

    def fail(self, case, why):
        self.m += 1
        print("FAIL %s: %s: %s" % (self.label, case, why), flush=True)

    def check(self, case, cond, why=""):
        (self.ok if cond else lambda c: self.fail(c, why))(case)
        return cond

    def skip(self, why):
        self.s += 1
        print("skip %s: %s" % (self.label, why), flush=True)

    def finish(self):
        tail = ", %d skipped" % self.s if self.s else ""
        print("%s: %d passed, %d failed%s" % (self.label, self.n, self.m, tail), flush=True)
        sys.exit(1 if self.m else 0)


def free_ports(k):
    socks, ports = [], []
    for _ in range(k):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


class Cluster:
    """Three dqlite-demo processes; every one started is killed in close()."""

    def __init__(self, tmp, auto):
        self.tmp, self.auto = tmp, auto
        p = free_ports(6)
        self.api = ["127.0.0.1:%d" % x for x in p[:3]]
        self.addr = ["127.0.0.1:%d" % x for x in p[3:]]
        self.procs = [None, None, None]
        self.logs = [os.path.join(tmp, "node%d.log" % (i + 1)) for i in range(3)]

    def start(self, i):
        d = os.path.join(self.tmp, "node%d" % (i + 1))
        os.makedirs(d, exist_ok=True)
        cmd = ["dqlite-demo", "--api", self.api[i], "--db", self.addr[i], "--dir", d]
        if i > 0:
            cmd += ["--join", self.addr[0]]
        env = dict(os.environ, LD_PRELOAD=self.auto)
        with open(self.logs[i], "ab") as log:
            self.procs[i] = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL, start_new_session=True)

    def kill(self, i, sig=signal.SIGKILL):
        p = self.procs[i]
        if p is None:
            return
        if p.poll() is None:
            try:
                os.killpg(p.pid, sig)  # its own session and group (start_new_session)
            except ProcessLookupError:
                pass
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        self.procs[i] = None

    def close(self):
        for i in range(3):
            self.kill(i)

    def alive(self):
        return [self.addr[i] for i in range(3) if self.procs[i] is not None]

    def sql(self, statement, servers=None, timeout=30, stdin=None):
        """(rc, stdout, stderr) of the dqlite shell; stdin: one statement a line."""
        servers = servers or self.addr
        cmd = ["dqlite", "-s", ",".join(servers), DB]
        if stdin is None:
            cmd.append(statement)
        try:
            r = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return 124, "", "timed out after %gs" % timeout
        return r.returncode, r.stdout.strip(), r.stderr.strip()

    def leader(self, timeout=2):
        rc, out, _ = self.sql(".leader", servers=self.alive(), timeout=timeout)
        return out if rc == 0 and out in self.addr else None

    def wait(self, what, cond, seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            v = cond()
            if v:
                return v
            time.sleep(0.2)
        raise RuntimeError("no %s within %d s" % (what, seconds))

    def voters(self):
        rc, out, _ = self.sql(".cluster", servers=self.alive(), timeout=3)
        return rc == 0 and sum(1 for line in out.splitlines() if line.endswith("|voter")) == 3


def local_reference(omen_so, tmp):
    """The same statements on a local file through omen.so: sums and probes of v1 and v2."""
    path = os.path.join(tmp, "local.db")
    c = sqlite3.connect(path, isolation_level=None)
    c.enable_load_extension(True)
    c.load_extension(os.path.abspath(omen_so))
    for s in SETUP_SQL[:2]:
        c.execute(s)
    ref = {}
    for version, trees in ((1, 50), (2, 80)):
        assert c.execute(TRAIN_SQL % (FV, trees)).fetchone()[0] == version
        ref[version] = ([c.execute(SUM_SQL % ref_name(version)).fetchone()[0]] +
                        [c.execute(ONE_SQL % (ref_name(version), i)).fetchone()[0] for i in PROBE_IDS])
    c.close()
    return ref


def ref_name(version):
    """A reference to one version of 'runtime' (docs/registry.md: name@version)."""
    return "runtime@%d" % version


def predictions(cl, version, servers=None, name=None):
    """The sum and the probes, as floats, through the cluster (None on error);
    by the reference name (default runtime@<version>)."""
    out = []
    name = name or ref_name(version)
    for q in [SUM_SQL % name] + [ONE_SQL % (name, i) for i in PROBE_IDS]:
        rc, o, e = cl.sql(q, servers=servers)
        if rc != 0:
            return None, e
        try:
            out.append(float(o))  # Go prints float64 in the shortest form that reads back exactly
        except ValueError:
            return None, o
    return out, ""


def registry(cl, servers=None):
    rows = []
    for q in REGISTRY_SQL:
        rc, o, e = cl.sql(q, servers=servers)
        if rc != 0:
            return None
        rows.append(o)
    return "\n".join(rows)


def timed(fn):
    t = time.perf_counter()
    r = fn()
    return time.perf_counter() - t, r


def main():
    args = sys.argv[1:]
    verbose = "-v" in args
    label = args[args.index("--label") + 1] if "--label" in args else "cluster"
    cases = Cases(label, verbose)
    auto = os.environ.get("OMEN_AUTO", os.path.join(REPO, "build", "libomen_auto.so"))
    omen_so = os.environ.get("OMEN_SO", os.path.join(REPO, "build", "omen.so"))
    sqlite3_shell = os.environ.get("SQLITE3", "sqlite3")
    version = open(os.path.join(REPO, "VERSION")).read().strip()

    # -- 1. go-dqlite ---------------------------------------------------------
    if not (shutil.which("dqlite-demo") and shutil.which("dqlite")):
        if os.geteuid() != 0 or "--no-install" in args:
            cases.skip("go-dqlite (dqlite-demo, dqlite) is not installed and installing it needs root: "
                       "apt-get install go-dqlite")
            cases.finish()
        r = subprocess.run(["apt-get", "install", "-y", "go-dqlite"], capture_output=True, text=True,
                           env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
        if r.returncode != 0 or not shutil.which("dqlite-demo"):
            cases.fail("apt-get install go-dqlite", (r.stdout + r.stderr)[-1500:])
            cases.finish()
        cases.ok("apt-get install go-dqlite")
    for f in (auto, omen_so):
        if not os.path.isfile(f):
            cases.fail("built", "%s is missing: run make first" % f)
            cases.finish()
    auto = os.path.abspath(auto)

    tmp = tempfile.mkdtemp(prefix="omen-cluster.")
    cl = Cluster(tmp, auto)

    def on_signal(signum, frame):
        raise SystemExit(128 + signum)

    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)
    try:
        run(cases, cl, tmp, omen_so, sqlite3_shell, version)
    except SystemExit as e:  # a signal (on_signal): clean up, count it as a failure
        cases.fail("cluster", "interrupted (exit status %s)" % e.code)
    except Exception as e:  # a step that cannot go on: report, then clean up
        cases.fail("cluster", "%s: %s" % (type(e).__name__, e))
        for i, log in enumerate(cl.logs):
            if os.path.exists(log):
                tail = open(log, errors="replace").read()[-600:]
                if tail.strip():
                    print("    node%d log: %s" % (i + 1, tail.replace("\n", "\n    ")))
    finally:
        cl.close()
        shutil.rmtree(tmp, ignore_errors=True)
    cases.finish()


def failover(cases, cl, gaps, tag):
    """SIGKILL the leader, retry a write until one commits: (killed index, gap s)."""
    old = cl.wait("leader", cl.leader, 30)
    k = cl.addr.index(old)
    cl.kill(k)
    t0 = time.monotonic()
    tries = 0
    while True:
        tries += 1
        rc, _, _ = cl.sql("INSERT INTO beats VALUES(%d)" % tries, servers=cl.alive(), timeout=1)
        if rc == 0:
            break
        if time.monotonic() - t0 > 60:
            raise RuntimeError("%s: no write committed within 60 s of killing the leader" % tag)
    gap = time.monotonic() - t0
    gaps.append(gap)
    new = cl.wait("new leader", cl.leader, 30)
    cases.check("%s: a new leader (%s) after killing %s" % (tag, new, old), new != old, "leader still " + new)
    print("figure failover_gap_s %.2f (%s; %d tries)" % (gap, tag, tries), flush=True)
    return k


def run(cases, cl, tmp, omen_so, sqlite3_shell, version):
    ref = local_reference(omen_so, tmp)

    # -- 2. three nodes ---------------------------------------------------------
    cl.start(0)
    cl.wait("first node", cl.leader, 30)
    cl.start(1)
    cl.start(2)
    cl.wait("three voters", cl.voters, 60)
    cases.ok("three voters")
    for i in range(3):
        maps = open("/proc/%d/maps" % cl.procs[i].pid).read()
        cases.check("node%d maps libomen_auto.so" % (i + 1), "libomen_auto.so" in maps, "not in /proc/pid/maps")

    # -- 3. train, save, read and predict through every node -------------------
    rc, out, err = cl.sql("SELECT omen_version()")
    cases.check("omen_version() through the cluster", rc == 0 and out == version, out or err)
    for s in SETUP_SQL:
        rc, out, err = cl.sql(s)
        if not cases.check("setup: " + s[:40], rc == 0, err):
            raise RuntimeError("setup failed")
    rc, out, err = cl.sql("SELECT count(*) FROM runs")
    cases.check("3,000 runs", out == str(N_RUNS), out or err)
    rc, out, err = cl.sql(TRAIN_SQL % (FV, 50), timeout=120)
    cases.check("gbt_train + model_save: version 1", rc == 0 and out == "1", out or err)
    first = None
    for i in range(3):
        rc, out, err = cl.sql("SELECT name, version, kind, length(model) FROM omen_models", servers=[cl.addr[i]])
        first = first or out
        cases.check("omen_models through node%d" % (i + 1), rc == 0 and out.startswith("runtime|1|gbt|")
                    and out == first, out or err)
        got, err = predictions(cl, 1, servers=[cl.addr[i]], name="runtime")
        cases.check("predict by name through node%d = local" % (i + 1), got == ref[1], "%s vs %s %s" %
                    (got, ref[1], err))
    reg1 = registry(cl)
    served = {cl.leader(): True}  # nodes that answered as leader

    # -- 4. figures -------------------------------------------------------------
    figures(cases, cl, tmp, omen_so, sqlite3_shell)

    # -- 5. failover --------------------------------------------------------------
    gaps = []
    killed = failover(cases, cl, gaps, "failover 1")
    got, err = predictions(cl, 1)
    cases.check("new leader predicts version 1 = local", got == ref[1], "%s %s" % (got, err))
    rc, out, err = cl.sql(TRAIN_SQL % (FV, 80), timeout=120)
    cases.check("model_save version 2 on the new leader", rc == 0 and out == "2", out or err)
    got, err = predictions(cl, 2, name="runtime")
    cases.check("'runtime' is now version 2: predictions = local", got == ref[2], "%s %s" % (got, err))
    reg2 = registry(cl)
    cases.check("registry grew by version 2", reg2 is not None and reg1.split("\n")[0] in reg2.split("\n")
                and "runtime|2|gbt|" in reg2, "registry read failed or the version 1 row changed")
    served[cl.leader()] = True

    # -- 6. the old leader restarts and catches up ------------------------------
    cl.start(killed)
    cl.wait("the restarted node among three voters", cl.voters, 60)
    cases.ok("node%d restarted and is a voter" % (killed + 1))
    rounds = 0
    while cl.leader() != cl.addr[killed] and rounds < 8:
        rounds += 1
        k = failover(cases, cl, gaps, "rotation %d" % rounds)
        served[cl.leader()] = True
        got, err = predictions(cl, 2)
        cases.check("rotation %d: %s predicts version 2 = local" % (rounds, cl.leader()), got == ref[2],
                    "%s %s" % (got, err))
        cl.start(k)
        cl.wait("three voters again", cl.voters, 60)
    if cases.check("node%d (restarted) became leader" % (killed + 1), cl.leader() == cl.addr[killed],
                   "not leader after %d rounds" % rounds):
        served[cl.leader()] = True
        cases.check("node%d serves the same registry, byte for byte" % (killed + 1), registry(cl) == reg2,
                    "registry differs")
        for v in (1, 2):
            got, err = predictions(cl, v)
            cases.check("node%d predicts version %d = local" % (killed + 1, v), got == ref[v], "%s %s" % (got, err))
    cases.check("every node served as leader", all(a in served for a in cl.addr),
                "served: %s" % sorted(a for a in served if a))
    print("figure failover_gap_s_median %.2f (n=%d, min %.2f, max %.2f)" %
          (statistics.median(gaps), len(gaps), min(gaps), max(gaps)), flush=True)


def figures(cases, cl, tmp, omen_so, sqlite3_shell):
    """Predictions/s and saves/s through the cluster and on a local file (behaviour 4)."""
    local = os.path.join(tmp, "local.db")  # has runs and runtime v1, v2 (local_reference)
    load = ".load %s\n" % os.path.splitext(os.path.abspath(omen_so))[0]

    def shell(lines):
        r = subprocess.run([sqlite3_shell, "-batch", local], input=load + lines, capture_output=True, text=True)
        return r.returncode, r.stdout, r.stderr

    batch = ("SELECT count(predict_duration('runtime@1', %s)) FROM runs, "
             "(WITH RECURSIVE k(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM k WHERE j < 10) SELECT j FROM k)" % FV)
    singles = "".join(ONE_SQL % ("runtime@1", 1 + (j * 7) % N_RUNS) + "\n" for j in range(N_SINGLE))
    saves = "".join("SELECT model_save('bench', (SELECT model FROM omen_models WHERE name = 'runtime' "
                    "AND version = 1))\n" for _ in range(N_SAVES))
    for where in ("cluster", "local"):
        if where == "cluster":
            run_one = lambda q: cl.sql(q)
            run_lines = lambda text: cl.sql(None, stdin=text, timeout=300)
        else:
            run_one = lambda q: shell(q + ";\n")
            run_lines = lambda text: shell(text.replace("\n", ";\n"))
        start = min(timed(lambda: run_one("SELECT 1"))[0] for _ in range(5))
        best, (rc0, out0, err0) = min((timed(lambda: run_one(batch)) for _ in range(5)), key=lambda x: x[0])
        cases.check("%s: one statement scoring %d x 10 runs" % (where, N_RUNS), rc0 == 0 and
                    out0.strip().endswith(str(10 * N_RUNS)), (out0 + err0)[-300:])
        t, (rc, out, err) = timed(lambda: run_lines(singles))
        ok = rc == 0 and "rror" not in out + err
        t2, (rc2, out2, err2) = timed(lambda: run_lines(saves))
        n_saved = len([x for x in out2.replace("dqlite>", "\n").split() if x.isdigit()])
        cases.check("%s: %d single predictions" % (where, N_SINGLE), ok, (out + err)[-300:])
        cases.check("%s: %d saves" % (where, N_SAVES), rc2 == 0 and n_saved == N_SAVES, (out2 + err2)[-300:])
        print("figure %s_client_start_ms %.1f (one process running SELECT 1, best of 5; included below)" %
              (where, 1000 * start), flush=True)
        print("figure %s_batch_predictions_per_s %.0f (one statement scoring %d runs by name, best of 5)" %
              (where, 10 * N_RUNS / best, 10 * N_RUNS), flush=True)
        print("figure %s_statement_predictions_per_s %.0f (%d one-prediction statements, one session)" %
              (where, N_SINGLE / t, N_SINGLE), flush=True)
        print("figure %s_saves_per_s %.1f (%d model_save statements, one session)" % (where, N_SAVES / t2, N_SAVES),
              flush=True)


if __name__ == "__main__":
    main()
