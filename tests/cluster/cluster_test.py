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
     repeat until it leads and every node has led; at most 8 rounds, each a
     failover gap measured again), serves the same registry (every row of
     omen_models, omen_aliases, omen_model_events, byte for byte) and the
     same predictions of both versions.  Every node has then served as
     leader with correct answers.
  7. Cleanup: every process started is killed (its process group) and the
     temporary folder removed, on success, failure, exception or signal.
  8. The last line is `<label>: N passed, M failed[, K skipped]`; exit 1 if
     M > 0.

Kills while work is in flight (after 6; every answer is compared with the
same statement run by the sqlite3 shell with .load on a local file, which
also creates the local copy of the `big` table: N_BIG runs, five features):
  9. Kill during training: BIG_TRAIN (gbt_train of BIG_TREES trees over the
     N_BIG runs + model_save('big', ...), several seconds) runs through the
     cluster; once the leader process has spent KILL_CPU_S of CPU on it (read
     from /proc/<pid>/stat, so the kill lands inside the statement on a slow
     machine too; at most KILL_WALL_S, well inside dqlite's election timeout:
     behaviour 13), the leader is SIGKILLed.  The client, still running at
     the kill, exits with an error; after the
     failover no 'big' row exists and the registry is sound (SOUND_SQL: every
     row's model decodes and model_info(model) is its info column byte for
     byte, every name's versions are 1..n, one save event per row and a row
     per save event, PRAGMA integrity_check ok).  The same statement re-run
     on the new leader (before the killed node restarts: see 13) returns
     version 1, whose BLOB equals the local one byte for byte except what a
     save stamps (created_at, meta offset 24, and the XXH3 footer that
     covers it: payload()), and whose predictions
     on BIG_PROBES equal the local ones exactly.  Figures: detection (kill
     to the client's error), first committed write, the re-run.
 10. Kill during saving: one client session reads N_LOOP lines of
     LOOP_SAVE (train 3 trees on 300 runs + model_save('loop', ...)); after
     LOOP_KILL_AFTER versions are printed the leader is SIGKILLed.  The
     session goes on on the new leader (exit status 0, versions printed after
     the kill); the versions it printed are distinct and increasing; the
     'loop' rows are versions 1..n with every printed version among them and
     at most as many unprinted ones as lines that printed an error (a commit
     whose answer was lost with the leader: an ambiguous commit, not a gap);
     the registry is sound; after the node restarts, its copy and both
     others (.dump of each node, opened with omen.so) agree on every
     registry row byte for byte and hold all 'loop' versions.
 11. Kill during predicting: BIG_SCORE (predict_duration('big', ...) by
     name over all N_BIG runs, two passes, several seconds) is killed the
     same way once the leader has spent KILL_CPU_S on it: the client exits
     with an error; the re-run on the new leader gives exactly the local
     sum and count.
 12. Kill a follower during training: BIG_TRAIN again, a follower is
     SIGKILLed once the leader has spent KILL_CPU_S on it: the statement
     completes on the same leader (two of three nodes are a quorum) with
     version 2, whose BLOB (but created_at) and predictions equal the local
     model's.
 13. A long statement, no kill: libdqlite runs a statement on the thread
     of the leader's event loop, which sends no Raft heartbeat meanwhile;
     its election timeout is 3 s (randomised up to 6 s; not settable in
     dqlite-demo).  With the three nodes up, BIG_TRAIN with LONG_TREES trees
     into 'long': either the client gets an error and no 'long' row exists,
     or it prints version 1 and the row exists; when it took less than
     LONG_PASSES_S it committed on the same leader; the registry is sound.
     Which of the two happens past that is election timing, not a rule: the
     followers elect a new leader 3 to 6 s after the last heartbeat when
     they get the CPU, and the write then fails at commit (every run of 20 s
     or more here), but a 9 s run on a loaded machine kept its leader and
     committed.  The outcome is printed (figure long_statement).  (With one node down the survivor cannot win an
     election without the busy leader's vote: dqlite uses pre-vote; that is
     why the re-runs in 9 and 11 and the statement of 12 complete whatever
     their length.)
 14. Every node's copy: once the killed follower is back, the three nodes'
     databases (.dump <node> omen: a follower's own copy, not the leader's;
     retried until the three agree, at most NODES_AGREE_S) hold the same
     registry rows byte for byte, the registry is sound in each and the
     'long' rows are the ones 13 saw, each 'big' version's BLOB equals the
     local one (but created_at), and each copy, opened locally with omen.so,
     predicts BIG_PROBES of big@1 and big@2 as the local file does.
 Clients started in 9-12 are killed in cleanup (7) too (their process groups).
"""

import os
import shutil
import signal
import socket
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
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

# Behaviours 9-14: statements long enough to be killed while they run.
N_BIG, BIG_TREES = 100000, 2000
FVB = "feature_vector('a', a, 'b', b, 'c', c, 'threads', threads, 'host', host)"
BIG_SETUP = [
    "CREATE TABLE big(id INTEGER PRIMARY KEY, a REAL, b REAL, c REAL, threads INTEGER, host TEXT, duration_s REAL)",
    "WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < %d) "
    "INSERT INTO big SELECT n, (n * 7919) %% 10007, (n * 104729) %% 1009 / 10.0, (n * 31) %% 997, 1 + n %% 8, "
    "'h' || (n %% 13), 20 + 3.0 * ((n * 7919) %% 10007) / 100.0 / (1 + n %% 8) + ((n * 31) %% 997) / 50.0 + n %% 7 "
    "FROM i" % N_BIG,
]
BIG_TRAIN = ("SELECT model_save('big', (SELECT gbt_train(%s, duration_s, '{\"n_trees\": %d, \"seed\": 7}') "
             "FROM big))" % (FVB, BIG_TREES))
# quote() prints a REAL with enough digits to read back exactly, in both shells
BIG_SCORE = ("SELECT quote(sum(predict_duration('%s', " + FVB + "))), count(*) "
             "FROM big, (SELECT 1 UNION ALL SELECT 2)")
BIG_ONE = "SELECT quote(predict_duration('%s', " + FVB + ")) FROM big WHERE id = %d"
BIG_PROBES = (1, 4242, 50000, 77777, N_BIG)
BIG_HEX = "SELECT hex(model) FROM omen_models WHERE name = 'big' AND version = %d"
LOOP_SAVE = ("SELECT model_save('loop', (SELECT gbt_train(%s, duration_s, '{\"n_trees\": 3, \"seed\": 7}') "
             "FROM runs WHERE id <= 300))" % FV)
N_LOOP, LOOP_KILL_AFTER = 200, 20
KILL_CPU_S, KILL_WALL_S = 0.5, 2.0  # a node is killed once the leader has spent this CPU on a statement, or
# this long has passed: well within dqlite's election timeout (3 s, randomised up to 6 s; behaviour 13)
LONG_TREES = 5000  # behaviour 13: 9 to 35 s on this machine, with the load of other work
# shorter than this, no election can happen (at least 3 s after the last heartbeat, sent every 0.5 s)
LONG_PASSES_S = 2.0
NODES_AGREE_S = 90
SOUND_SQL = (  # '0|0|0|0|ok' when the registry is sound (behaviour 9)
    "SELECT (SELECT count(*) FROM omen_models WHERE info IS NOT model_info(model)) || '|' || "
    "(SELECT count(*) FROM (SELECT name FROM omen_models GROUP BY name "
    "HAVING min(version) <> 1 OR max(version) <> count(*))) || '|' || "
    "(SELECT count(*) FROM omen_models AS m WHERE (SELECT count(*) FROM omen_model_events AS e "
    "WHERE e.name = m.name AND e.alias IS NULL AND e.to_version = m.version) <> 1) || '|' || "
    "(SELECT count(*) FROM omen_model_events AS e WHERE e.alias IS NULL AND NOT EXISTS "
    "(SELECT 1 FROM omen_models AS m WHERE m.name = e.name AND m.version = e.to_version)) || '|' || "
    "(SELECT group_concat(integrity_check) FROM pragma_integrity_check)")
SOUND = "0|0|0|0|ok"


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
        self.clients = []  # dqlite shells started with client(): killed in close()

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
        for p in self.clients:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            p.wait()
        for i in range(3):
            self.kill(i)

    def client(self, statement=None):
        """A dqlite shell running in the background (stdin lines when statement is None)."""
        cmd = ["dqlite", "-s", ",".join(self.addr), DB] + ([statement] if statement else [])
        p = subprocess.Popen(cmd, stdin=subprocess.PIPE if statement is None else subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.clients.append(p)
        return p

    def cpu(self, i):
        """CPU seconds (user + system, all threads) node i has used."""
        with open("/proc/%d/stat" % self.procs[i].pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def dump(self, i, dest):
        """Node i's own copy of the database (`.dump <node> omen` asks that node, even a follower):
        the path of the main file written in dest, or None."""
        os.makedirs(dest)
        rc, out, _ = self.sql(".dump %s %s" % (self.addr[i], DB), servers=[self.addr[i]], timeout=60, cwd=dest)
        path = os.path.join(dest, DB)
        return path if rc == 0 and "OK" in out and os.path.exists(path) else None

    def ready(self, i):
        """Node i answers and knows the leader."""
        rc, out, _ = self.sql(".leader", servers=[self.addr[i]], timeout=2)
        return rc == 0 and out in self.addr

    def alive(self):
        return [self.addr[i] for i in range(3) if self.procs[i] is not None]

    def sql(self, statement, servers=None, timeout=30, stdin=None, cwd=None):
        """(rc, stdout, stderr) of the dqlite shell; stdin: one statement a line."""
        servers = servers or self.addr
        cmd = ["dqlite", "-s", ",".join(servers), DB]
        if stdin is None:
            cmd.append(statement)
        try:
            r = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=timeout, cwd=cwd)
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


def first_write(cl, t0, tag):
    """Retry a one-row write (each try bounded to 1 s) until one commits: (s since t0, tries)."""
    tries = 0
    while True:
        tries += 1
        rc, _, _ = cl.sql("INSERT INTO beats VALUES(%d)" % tries, servers=cl.alive(), timeout=1)
        if rc == 0:
            return time.monotonic() - t0, tries
        if time.monotonic() - t0 > 60:
            raise RuntimeError("%s: no write committed within 60 s of the kill" % tag)


def failover(cases, cl, gaps, tag):
    """SIGKILL the leader, retry a write until one commits: (killed index, gap s)."""
    old = cl.wait("leader", cl.leader, 30)
    k = cl.addr.index(old)
    cl.kill(k)
    t0 = time.monotonic()
    gap, tries = first_write(cl, t0, tag)
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
    # until the restarted node leads and every node has led (the rotation may come back to the
    # restarted node before the third one has led)
    while (cl.leader() != cl.addr[killed] or not all(a in served for a in cl.addr)) and rounds < 8:
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

    # -- 9-14. kills while work is in flight -----------------------------------
    kills(cases, cl, tmp, omen_so, sqlite3_shell)


def local_big(sqlite3_shell, omen_so, tmp):
    """Behaviours 9-14's reference: the same statements in the sqlite3 shell with .load on a file."""
    path = os.path.join(tmp, "local_big.db")
    load = ".load %s\n" % os.path.splitext(os.path.abspath(omen_so))[0]

    def shell(sql):
        r = subprocess.run([sqlite3_shell, "-batch", "-bail", path], input=load + sql + ";\n", capture_output=True,
                           text=True, timeout=600)
        if r.returncode != 0 or r.stderr.strip():
            raise RuntimeError("local sqlite3 shell: %s: %s" % (sql[:60], (r.stdout + r.stderr)[-300:]))
        return r.stdout.strip()

    shell(";\n".join(BIG_SETUP))
    ref = {}
    ref["train_s"], v = timed(lambda: shell(BIG_TRAIN))
    if v != "1":
        raise RuntimeError("local BIG_TRAIN returned %r" % v)
    ref["payload"], _ = payload(bytes.fromhex(shell(BIG_HEX % 1)))
    ref["score_s"], ref["score"] = timed(lambda: shell(BIG_SCORE % "big"))
    ref["probes"] = [shell(BIG_ONE % ("big", i)) for i in BIG_PROBES]
    return ref


def payload(blob):
    """(the model BLOB but what a save stamps, created_at): created_at (i64 at offset 24 of the
    meta section, which follows the 48-byte header and the schema section of length u32 @24)
    zeroed, and the footer (XXH3-64 of every byte before it) dropped (ext/core/base/mdl.h)."""
    at = 48 + struct.unpack_from("<I", blob, 24)[0] + 24
    return blob[:at] + bytes(8) + blob[at + 8:-8], struct.unpack_from("<q", blob, at)[0]


def floats(text):
    """'a|b|...' of quote()d REALs (or integers) as floats; None if it is not that."""
    try:
        return [float(x) for x in text.split("|")]
    except ValueError:
        return None


def in_flight(cl, statement, victim_of):
    """Run statement through the cluster; once the leader has spent KILL_CPU_S of CPU on it (or
    KILL_WALL_S have passed), SIGKILL node victim_of(leader index).  Returns a dict: leader,
    victim, running (the client had not finished at the kill), rc, out, err, start and kill
    (monotonic times), detect (s from the kill to the client's exit), cpu (the leader's CPU
    spent at the kill)."""
    li = cl.addr.index(cl.wait("leader", cl.leader, 30))
    vi = victim_of(li)
    c0 = cl.cpu(li)
    p = cl.client(statement)
    t = time.monotonic()
    while p.poll() is None and cl.cpu(li) - c0 < KILL_CPU_S and time.monotonic() - t < KILL_WALL_S:
        time.sleep(0.02)
    r = dict(leader=li, victim=vi, running=p.poll() is None, cpu=cl.cpu(li) - c0, start=t)
    r["kill"] = time.monotonic()
    cl.kill(vi)
    out, err = p.communicate(timeout=300)
    r.update(rc=p.returncode, out=out.strip(), err=err.strip().split("\n")[0], detect=time.monotonic() - r["kill"])
    return r


def restart(cl, i):
    """Start node i again with its data folder; wait until it answers and knows the leader."""
    cl.start(i)
    cl.wait("node%d back" % (i + 1), lambda: cl.ready(i), 60)


def sound(cl):
    rc, out, err = cl.sql(SOUND_SQL, servers=cl.alive(), timeout=60)
    return out if rc == 0 else "error: " + err


def cluster_model(cl, version):
    """(payload, created_at) of big@version read through the cluster, or (None, error)."""
    rc, out, err = cl.sql(BIG_HEX % version, servers=cl.alive(), timeout=120)
    if rc != 0 or not out:
        return None, err or "no row"
    return payload(bytes.fromhex(out))


def cluster_probes(cl, name):
    got = []
    for i in BIG_PROBES:
        rc, out, err = cl.sql(BIG_ONE % (name, i), servers=cl.alive())
        got.append(out if rc == 0 else "error: " + err)
    return got


def inspect_copy(path, omen_so):
    """What one node's copy holds, read locally with omen.so: registry rows, soundness, 'big'
    payloads, 'loop' versions, model names, BIG_PROBES of every 'big' version."""
    c = sqlite3.connect(path, isolation_level=None)
    try:
        c.enable_load_extension(True)
        c.load_extension(os.path.abspath(omen_so))
        got = {"registry": [c.execute(q).fetchall() for q in REGISTRY_SQL], "sound": c.execute(SOUND_SQL).fetchone()[0]}
        got["big"] = {v: payload(m)[0] for v, m in
                      c.execute("SELECT version, model FROM omen_models WHERE name = 'big' ORDER BY version")}
        got["loop"] = [v for (v,) in c.execute("SELECT version FROM omen_models WHERE name = 'loop' ORDER BY 1")]
        got["names"] = [n for (n,) in c.execute("SELECT DISTINCT name FROM omen_models ORDER BY 1")]
        got["probes"] = {v: [c.execute(BIG_ONE % ("big@%d" % v, i)).fetchone()[0] for i in BIG_PROBES]
                         for v in got["big"]}
    finally:
        c.close()
    return got


def node_copies(cl, tmp, omen_so):
    """Each node's copy (Cluster.dump), retried until the three agree on every registry row
    (a follower applies an entry once it learns it is committed): (copies, agree, rounds, seconds)."""
    t0 = time.monotonic()
    rounds = 0
    while True:
        rounds += 1
        copies = []
        for i in range(3):
            d = os.path.join(tmp, "dump%d" % i)
            shutil.rmtree(d, ignore_errors=True)
            path = cl.dump(i, d)
            try:
                copies.append(inspect_copy(path, omen_so) if path else None)
            except sqlite3.Error as e:
                copies.append(None)
                print("    node%d copy: %s" % (i + 1, e), flush=True)
            shutil.rmtree(d, ignore_errors=True)
        agree = all(copies) and all(x["registry"] == copies[0]["registry"] for x in copies)
        if agree or time.monotonic() - t0 > NODES_AGREE_S:
            return copies, agree, rounds, time.monotonic() - t0
        time.sleep(0.5)


def kills(cases, cl, tmp, omen_so, sqlite3_shell):
    """Behaviours 9-14."""
    ref = local_big(sqlite3_shell, omen_so, tmp)
    print("figure local_big_train_s %.2f (%s; sqlite3 shell, .load, local file)" % (ref["train_s"], BIG_TREES),
          flush=True)
    print("figure local_big_score_s %.2f (%d predictions by name in one statement)" % (ref["score_s"], 2 * N_BIG),
          flush=True)
    for s in BIG_SETUP:
        rc, out, err = cl.sql(s, timeout=120)
        if not cases.check("setup: %s" % s[:40], rc == 0, err):
            raise RuntimeError("setup failed")

    # -- 9. kill the leader during training --------------------------------------
    r = in_flight(cl, BIG_TRAIN, lambda leader: leader)
    tag = "kill during training"
    cases.check("%s: the statement was running at the kill" % tag, r["running"],
                "it returned before the leader had spent %.1f s of CPU: %s" % (KILL_CPU_S, r["out"]))
    cases.check("%s: the client gets an error" % tag, r["rc"] != 0 and "Error" in r["err"], "%s %s %s" %
                (r["rc"], r["out"], r["err"]))
    gap, tries = first_write(cl, r["kill"], tag)
    rc, out, err = cl.sql("SELECT count(*) FROM omen_models WHERE name = 'big'", servers=cl.alive())
    cases.check("%s: no 'big' row after the failover" % tag, rc == 0 and out == "0", out or err)
    got = sound(cl)
    cases.check("%s: the registry is sound" % tag, got == SOUND, got)
    t_rerun, (rc, out, err) = timed(lambda: cl.sql(BIG_TRAIN, servers=cl.alive(), timeout=300))
    cases.check("%s: the re-run on the new leader saves version 1" % tag, rc == 0 and out == "1", out or err)
    model, created = cluster_model(cl, 1)
    cases.check("%s: big@1 = the local model but created_at" % tag, model == ref["payload"] and created > 0,
                "differs" if model else created)
    got = cluster_probes(cl, "big@1")
    cases.check("%s: big@1 predicts as the local model" % tag, got == ref["probes"], "%s vs %s" % (got, ref["probes"]))
    print("figure kill_training_s detect %.2f, first_write %.2f (%d tries), rerun %.2f (leader CPU %.1f s at the kill)"
          % (r["detect"], gap, tries, t_rerun, r["cpu"]), flush=True)
    restart(cl, r["victim"])

    # -- 10. kill the leader during a loop of saves -----------------------------
    kill_during_saves(cases, cl, tmp, omen_so)

    # -- 11. kill the leader during predicting -----------------------------------
    tag = "kill during predicting"
    r = in_flight(cl, BIG_SCORE % "big", lambda leader: leader)
    cases.check("%s: the statement was running at the kill" % tag, r["running"],
                "it returned before the leader had spent %.1f s of CPU: %s" % (KILL_CPU_S, r["out"]))
    cases.check("%s: the client gets an error" % tag, r["rc"] != 0 and "Error" in r["err"], "%s %s %s" %
                (r["rc"], r["out"], r["err"]))
    gap, tries = first_write(cl, r["kill"], tag)
    t_rerun, (rc, out, err) = timed(lambda: cl.sql(BIG_SCORE % "big", servers=cl.alive(), timeout=300))
    cases.check("%s: the re-run on the new leader = local (sum, count)" % tag,
                rc == 0 and floats(out) == floats(ref["score"]) and floats(out) is not None,
                "%s vs %s %s" % (out, ref["score"], err))
    print("figure kill_predicting_s detect %.2f, first_write %.2f (%d tries), rerun %.2f (leader CPU %.1f s at the "
          "kill)" % (r["detect"], gap, tries, t_rerun, r["cpu"]), flush=True)
    restart(cl, r["victim"])

    # -- 12. kill a follower during training --------------------------------------
    tag = "kill a follower during training"
    r = in_flight(cl, BIG_TRAIN, lambda leader: (leader + 1) % 3)
    cases.check("%s: the statement was running at the kill" % tag, r["running"],
                "it returned before the leader had spent %.1f s of CPU: %s" % (KILL_CPU_S, r["out"]))
    cases.check("%s: the statement completes: version 2" % tag, r["rc"] == 0 and r["out"] == "2",
                "%s %s %s" % (r["rc"], r["out"], r["err"]))
    cases.check("%s: the leader did not change" % tag, cl.leader() == cl.addr[r["leader"]], "now " + str(cl.leader()))
    model, created = cluster_model(cl, 2)
    cases.check("%s: big@2 = the local model but created_at" % tag, model == ref["payload"] and created > 0,
                "differs" if model else created)
    got = cluster_probes(cl, "big@2")
    cases.check("%s: big@2 predicts as the local model" % tag, got == ref["probes"], "%s vs %s" % (got, ref["probes"]))
    print("figure kill_follower_training_s %.2f (statement, kill included; leader CPU %.1f s at the kill)" %
          (r["kill"] + r["detect"] - r["start"], r["cpu"]), flush=True)
    restart(cl, r["victim"])

    # -- 13. a statement longer than the election timeout, three nodes up --------------
    long_saved = long_statement(cases, cl)

    # -- 14. every node's own copy ---------------------------------------------------
    tag = "every node's copy"
    copies, agree, rounds, secs = node_copies(cl, tmp, omen_so)
    cases.check("%s: the three nodes hold the same registry rows" % tag, agree,
                "no agreement within %d s (%d rounds)" % (NODES_AGREE_S, rounds))
    for i, c in enumerate(copies):
        if not cases.check("%s: node%d's copy opens" % (tag, i + 1), c is not None, "dump or open failed"):
            continue
        cases.check("%s: node%d: the registry is sound, 'long' as 13 left it" % (tag, i + 1), c["sound"] == SOUND
                    and ("long" in c["names"]) == long_saved, "%s; names %s" % (c["sound"], c["names"]))
        cases.check("%s: node%d: big@1, big@2 = the local model but created_at" % (tag, i + 1),
                    sorted(c["big"]) == [1, 2] and all(m == ref["payload"] for m in c["big"].values()),
                    "versions %s" % sorted(c["big"]))
        cases.check("%s: node%d: big@1, big@2 predict as the local model" % (tag, i + 1),
                    all(p == ref["probes"] for p in c["probes"].values()) and len(c["probes"]) == 2,
                    "%s vs %s" % (c["probes"], ref["probes"]))
    print("figure nodes_agree_s %.2f (%d rounds of three dumps)" % (secs, rounds), flush=True)


def long_statement(cases, cl):
    """Behaviour 13: no kill; a training statement of LONG_TREES trees with the three nodes up.
    True if it saved 'long'."""
    tag = "a long statement, three nodes up"
    statement = BIG_TRAIN.replace("'big'", "'long'").replace('"n_trees": %d' % BIG_TREES, '"n_trees": %d' % LONG_TREES)
    before = cl.wait("leader", cl.leader, 30)
    t0 = time.monotonic()
    rc, out, err = cl.sql(statement, timeout=600)
    took = time.monotonic() - t0
    err = err.split("\n")[0]
    gap, tries = first_write(cl, t0 + took, tag)
    now = cl.wait("leader", cl.leader, 30)
    rc2, rows, e2 = cl.sql("SELECT ifnull(group_concat(version), '') FROM omen_models WHERE name = 'long'")
    cases.check("%s: an error and no row, or a version and its row" % tag, rc2 == 0 and (
        (rc != 0 and "Error" in err and rows == "") or (rc == 0 and out == "1" and rows == "1")),
        "exit %s, printed %r, %s; 'long' versions %r %s" % (rc, out, err, rows, e2))
    if took < LONG_PASSES_S:
        cases.check("%s: %.1f s < %g s: committed on the same leader" % (tag, took, LONG_PASSES_S),
                    now == before and rc == 0, "%s leads, exit %s" % (now, rc))
    got = sound(cl)
    cases.check("%s: the registry is sound" % tag, got == SOUND, got)
    print("figure long_statement %d trees: %.2f s, %s; leader %s; first write %.2f s later (%d tries)" %
          (LONG_TREES, took, "exit 0, version " + out if rc == 0 else err[:100],
           "changed" if now != before else "unchanged", gap, tries), flush=True)
    return rows == "1"


def kill_during_saves(cases, cl, tmp, omen_so):
    """Behaviour 10: one session of N_LOOP saves; the leader is killed after LOOP_KILL_AFTER."""
    tag = "kill during saving"
    li = cl.addr.index(cl.wait("leader", cl.leader, 30))
    p = cl.client()
    t0 = time.monotonic()
    lines = []  # (time, 'out' or 'err', text after the prompt)

    def read(f, what):
        for line in f:
            for part in line.replace("dqlite>", "\n").split("\n"):
                if part.strip():
                    lines.append((time.monotonic(), what, part.strip()))

    def feed():
        try:
            p.stdin.write((LOOP_SAVE + "\n") * N_LOOP)
            p.stdin.close()
        except (BrokenPipeError, OSError, ValueError):
            pass

    threads = [threading.Thread(target=read, args=(p.stdout, "out"), daemon=True),
               threading.Thread(target=read, args=(p.stderr, "err"), daemon=True),
               threading.Thread(target=feed, daemon=True)]
    for t in threads:
        t.start()
    while (p.poll() is None and sum(1 for x in list(lines) if x[2].isdigit()) < LOOP_KILL_AFTER
           and time.monotonic() - t0 < 120):
        time.sleep(0.01)
    t_kill = time.monotonic()
    before = sum(1 for x in list(lines) if x[2].isdigit())
    cl.kill(li)
    p.wait(timeout=300)
    for t in threads[:2]:
        t.join(timeout=10)
    seen = [int(x[2]) for x in lines if x[2].isdigit()]
    errors = [x[2] for x in lines if x[2].startswith("Error")]
    other = [x[2] for x in lines if not x[2].isdigit() and not x[2].startswith("Error")]
    after = [x for x in lines if x[0] > t_kill and x[2].isdigit()]
    cases.check("%s: the session went on on the new leader" % tag, p.returncode == 0 and before >= LOOP_KILL_AFTER
                and after and len(seen) + len(errors) == N_LOOP and not other,
                "exit %s, %d versions before the kill, %d after, %d errors, %d lines answered, other output %s" %
                (p.returncode, before, len(after), len(errors), len(seen) + len(errors), other[:3]))
    cases.check("%s: the printed versions are distinct and increasing" % tag,
                all(a < b for a, b in zip(seen, seen[1:])), str(seen))
    rc, out, err = cl.sql("SELECT ifnull(group_concat(version), '') FROM (SELECT version FROM omen_models "
                          "WHERE name = 'loop' ORDER BY 1)", servers=cl.alive(), timeout=60)
    rows = [int(v) for v in out.split(",")] if rc == 0 and out else []
    unprinted = sorted(set(rows) - set(seen))
    cases.check("%s: versions 1..n, every printed one among them, unprinted ones <= errors" % tag,
                rows == list(range(1, len(rows) + 1)) and set(seen) <= set(rows) and len(unprinted) <= len(errors),
                "rows %s..%s (%d), printed %d, unprinted %s, errors %d %s" %
                (rows[:1], rows[-1:], len(rows), len(seen), unprinted, len(errors), err))
    got = sound(cl)
    cases.check("%s: the registry is sound" % tag, got == SOUND, got)
    stall = max((b[0] - a[0] for a, b in zip(lines, lines[1:]) if b[0] > t_kill), default=0)
    print("figure kill_saving %d saves printed (%d before the kill), %d errors (%s), unprinted versions %s, "
          "longest stall %.2f s" % (len(seen), before, len(errors), "; ".join(sorted(set(errors)))[:200], unprinted,
                                    stall), flush=True)
    restart(cl, li)
    copies, agree, rounds, secs = node_copies(cl, tmp, omen_so)
    cases.check("%s: every node holds the same registry rows, all 'loop' versions" % tag,
                agree and all(c["loop"] == rows for c in copies),
                "agree %s after %d rounds; loop versions per node: %s" %
                (agree, rounds, [len(c["loop"]) if c else None for c in copies]))


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
