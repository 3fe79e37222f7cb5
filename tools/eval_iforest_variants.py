#!/usr/bin/python3
"""eval_iforest_variants.py — evidence for issue 9 section 2: do the
isolation-forest variants of the literature (extended isolation forest,
a gain-based split criterion) detect the anomalies of job-history data better
than the axis-parallel forest omen reproduces (scikit-learn's
IsolationForest, ext/core/forest/ifo.h)?  Pure numpy + scikit-learn; omen is
not used.

    /usr/bin/python3 tools/eval_iforest_variants.py [--quick] [--seeds N] [--rows N]
                     [--procs N] [--logs NAME,...] [--skip-real] [--json FILE]
    OMEN_DATA=/path/to/data /usr/bin/python3 tools/eval_iforest_variants.py

Behaviours:
  1. Variants, each 100 trees x 256 samples (psi = min(256, rows)), height
     limit ceil(log2 psi), fitted and scored on all rows of a data set,
     score = 2^(-E[h(x)]/c(psi)) (higher = more anomalous), h = depth of the
     leaf + c(leaf size), c(n) = 2H(n-1) - 2(n-1)/n (Liu, Ting & Zhou 2008):
       sklearn      scikit-learn's IsolationForest (reference), -score_samples
                    on float32 (what it converts to anyway), n_jobs 1.
       iforest      this script's numpy isolation forest: per node a feature
                    drawn uniformly among those not constant in the node, a
                    threshold uniform in [min, max) of it, x <= t goes left
                    (scikit-learn's rule); a node whose features are all
                    constant is a leaf.  Must agree with sklearn within noise.
       eif_full     extended isolation forest (Hariri, Carrasco Kind &
                    Brunner, IEEE TKDE 33(4) 2021, arXiv:1811.02141): per node
                    a normal vector n with every coordinate N(0,1) and an
                    intercept point p with each coordinate uniform in
                    [min, max] of the node's data; (x - p).n <= 0 goes left.
                    Extension level d-1 (all coordinates kept).
       eif_1        the same with extension level 1: all but 2 coordinates
                    of n, drawn at random among the d, are set to 0 (as the
                    authors' eif package does).  Both EIF variants treat a
                    node whose features are all constant as a leaf (isotree
                    does the same; the eif package keeps splitting).
       eif_gain     SCiForest's split criterion (Liu, Ting & Zhou, ECML PKDD
                    2010) on EIF-full hyperplanes, cheap form: the direction
                    n as in eif_full (one try, not SCiForest's tau = 10, and
                    without its range check at scoring), the split point on
                    the projection z = x.n the one maximising the averaged
                    standard-deviation gain (sd(z) - (sd(zl) + sd(zr))/2) /
                    sd(z) (isotree's prob_pick_avg_gain = 1, ntry = 1).
     EIF is not invariant to the scale of the features (an axis-parallel
     forest is, to any increasing affine map per feature), so every EIF
     variant gets the features standardised over the rows of the data set:
     (x - mean) / sd per column (sd 0 -> 1).  iforest and sklearn get the
     raw columns (standardising would not change their trees beyond
     rounding).  --scale robust uses (x - median) / IQR instead.
  2. Data sets (all fitted and scored on every row, anomalies included, as an
     unsupervised detector is used):
     (i)   synthetic job history: the generator of tools/bench_anomaly.py
           (branch h-bench; copied here so this script stands alone), data
           seed 20261, 100,000 rows (--rows), 9 features: job and host
           frequency-encoded, threads, input_mb, requested_s, duration_s,
           cpu_pct, mem_mb, retries; ~1% labelled injected anomalies of 5
           kinds (per-kind rates at the top 1% are reported too).
     (ii)  scikit-learn's breast-cancer data: 357 benign + 19 malignant rows
           (5%) drawn with numpy seed r for r in 0..9; figure = mean +- sd
           over the 10 subsamples of each subsample's mean over the seeds.
     (iii) SWF logs of the Parallel Workloads Archive ($OMEN_DATA, else
           ../shared/data from the repository root; nothing is copied):
           SDSC-SP2, CTC-SP2, KTH-SP2 by default, read with tools/swf_load.py
           into an in-memory SQLite database; jobs with a run time; label =
           run > 1.5 time_req (time_req known, > 0) OR status 0 (failed);
           features as bench_anomaly.py: run, procs, time_req, wait, cpu_avg,
           mem_used, submit hour, user and queue frequency-encoded (NULL a
           category), numeric NULL -> column median, columns all NULL dropped.
     (iv)  2-D cases where axis-parallel cuts leave "ghost" regions:
           blobs: 2 x 1,000 points N((-3,-3), I) and N((3,3), I), 20
                  anomalies N((-3,3), 0.5^2 I) / N((3,-3), 0.5^2 I) (the
                  off-diagonal ghost blobs of Hariri et al.);
           ring:  2,000 points at radius 4 + N(0, 0.3^2), uniform angle, 20
                  anomalies uniform in the disc of radius 1.5 (the hole);
           corr:  2,000 points N(0, [[1, .95], [.95, 1]]), 20 anomalies at
                  +-(1.5, -1.5) + N(0, 0.2^2 I): inside both marginal ranges,
                  ~9.5 Mahalanobis units off the diagonal.
           Generated with numpy seed 7.
  3. Metrics per forest (higher score = anomalous): ROC-AUC
     (sklearn.metrics.roc_auc_score), precision at the top 1% (k =
     ceil(0.01 n); rows tied at the k-th score count in proportion), fit and
     score wall time (numpy, one process; with --procs 2 two forests run at
     once, so times are indicative only).  Mean +- sample sd over --seeds
     (default 5: seeds 0..4; sklearn random_state = seed, numpy
     default_rng(seed)).  "vs iforest" = difference of the means and its
     standard error sqrt(sd1^2/s + sd2^2/s); |diff| > 2 se is marked *.
  4. --quick: 2 seeds, 30,000 synthetic rows, KTH-SP2 only, 3 breast-cancer
     subsamples (for development).  The default run takes ~4-5 min on 2
     cores (--procs 2, the default).
  5. Output: tables on stdout; --json FILE writes every per-seed figure.
     Exit 0, or 2 when numpy / scikit-learn are missing.
"""
import argparse
import json
import math
import os
import sys
import time

TOOLS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TOOLS)
sys.path.insert(0, TOOLS)

try:
    import numpy as np
    from sklearn.ensemble import IsolationForest
    from sklearn import metrics as skm
except ImportError as e:  # pragma: no cover
    print(f"needs numpy and scikit-learn under /usr/bin/python3: {e}", file=sys.stderr)
    sys.exit(2)

N_TREES = 100
SAMPLE_SIZE = 256
TOP = 0.01
EULER = 0.5772156649015329
VARIANTS = ["sklearn", "iforest", "eif_1", "eif_full", "eif_gain"]
VARIANT_TEXT = {
    "sklearn": "scikit-learn IsolationForest",
    "iforest": "numpy iforest (axis-parallel)",
    "eif_1": "EIF, extension level 1",
    "eif_full": "EIF, extension level d-1",
    "eif_gain": "EIF-full + avg sd-gain split",
}


# ------------------------------------------------------------------ the forests

def c_factor(n):
    """Average path length of an unsuccessful BST search, c(n), elementwise."""
    n = np.asarray(n, dtype=np.float64)
    out = np.zeros_like(n)
    out[n == 2] = 1.0
    big = n > 2
    m = n[big]
    out[big] = 2.0 * (np.log(m - 1.0) + EULER) - 2.0 * (m - 1.0) / m
    return out


class Forest:
    """Isolation forest grown level by level for all trees at once.

    kind: 'axis' (iforest), 'eif' (ext = extension level), split:
    'random' (uniform) or 'gain' (avg sd gain on the projection)."""

    def __init__(self, kind="axis", ext=None, split="random", n_trees=N_TREES, sample_size=SAMPLE_SIZE):
        self.kind, self.ext, self.split = kind, ext, split
        self.T, self.psi0 = n_trees, sample_size

    def fit(self, X, rng):
        n, d = X.shape
        T = self.T
        psi = min(self.psi0, n)
        self.psi, self.d = psi, d
        self.max_depth = max(1, int(math.ceil(math.log2(max(psi, 2)))))
        if self.kind == "axis":
            k = 1
        else:
            e = d - 1 if self.ext is None else min(self.ext, d - 1)
            k = e + 1
        self.k = k
        self.dense = self.kind != "axis" and k == d
        cap = T * (2 ** (self.max_depth + 1))
        feats = np.zeros((cap, k), dtype=np.int64)
        wts = np.zeros((cap, k), dtype=np.float64)
        thr = np.zeros(cap, dtype=np.float64)
        left = np.arange(cap, dtype=np.int64)      # a leaf points to itself
        right = np.arange(cap, dtype=np.int64)
        val = np.zeros(cap, dtype=np.float64)
        if self.dense:
            feats[:] = np.arange(d)
        idx = np.concatenate([rng.choice(n, psi, replace=False) for _ in range(T)])
        S = X[idx].astype(np.float64)
        node_of = np.repeat(np.arange(T), psi)
        next_id = T
        for depth in range(self.max_depth + 1):
            if len(node_of) == 0:
                break
            order = np.argsort(node_of, kind="stable")
            S, node_of = S[order], node_of[order]
            uniq, starts, counts = np.unique(node_of, return_index=True, return_counts=True)
            mins = np.minimum.reduceat(S, starts, axis=0)
            maxs = np.maximum.reduceat(S, starts, axis=0)
            nonconst = maxs > mins
            can = (counts > 1) & nonconst.any(axis=1) & (depth < self.max_depth)
            lv = uniq[~can]
            val[lv] = depth + c_factor(counts[~can])
            if not can.any():
                break
            sp = uniq[can]
            m = len(sp)
            mn, mx, nc = mins[can], maxs[can], nonconst[can]
            if self.kind == "axis":
                r = np.floor(rng.random(m) * nc.sum(axis=1))
                f = np.argmax(np.cumsum(nc, axis=1) > r[:, None], axis=1)
                lo, hi = mn[np.arange(m), f], mx[np.arange(m), f]
                t = lo + rng.random(m) * (hi - lo)
                t = np.where(t >= hi, lo, t)
                F = f[:, None]
                W = np.ones((m, 1))
            else:
                normal = rng.standard_normal((m, d))
                if self.dense:
                    F = np.broadcast_to(np.arange(d), (m, d))
                    W = normal
                else:
                    F = np.argsort(rng.random((m, d)), axis=1)[:, :k]
                    W = np.take_along_axis(normal, F, axis=1)
                p = mn + rng.random((m, d)) * (mx - mn)
                t = (np.take_along_axis(p, F, axis=1) * W).sum(axis=1)
            # rows of the nodes that split
            seg = np.repeat(np.arange(len(uniq)), counts)
            keep = can[seg]
            S, node_of = S[keep], node_of[keep]
            pos = np.cumsum(can) - 1                     # uniq index -> split index
            si = pos[seg[keep]]
            z = (S[np.arange(len(S))[:, None], F[si]] * W[si]).sum(axis=1)
            if self.split == "gain":
                t = self._gain_threshold(z, si, counts[can], m)
            feats[sp], wts[sp], thr[sp] = F, W, t
            lid = next_id + 2 * np.arange(m)
            left[sp], right[sp] = lid, lid + 1
            val[lid] = depth + 1                         # empty children stay leaves (c(0) = 0)
            val[lid + 1] = depth + 1
            next_id += 2 * m
            node_of = np.where(z <= t[si], lid[si], lid[si] + 1)
        self.n_nodes = next_id
        self.feats, self.wts, self.thr = feats[:next_id], wts[:next_id], thr[:next_id]
        self.left, self.right, self.val = left[:next_id], right[:next_id], val[:next_id]
        self.norm = float(c_factor([psi])[0])
        return self

    @staticmethod
    def _gain_threshold(z, si, cnt, m):
        """Per split node, the split point of z maximising the averaged sd gain;
        z is grouped by node (si ascending, contiguous)."""
        order = np.lexsort((z, si))
        zs, ss = z[order], si[order]
        starts = np.concatenate([[0], np.cumsum(cnt)[:-1]])
        cs1 = np.cumsum(zs)
        cs2 = np.cumsum(zs * zs)
        base1 = np.concatenate([[0.0], cs1])[starts][ss]
        base2 = np.concatenate([[0.0], cs2])[starts][ss]
        tot1 = (np.concatenate([[0.0], cs1])[starts + cnt])[ss] - base1
        tot2 = (np.concatenate([[0.0], cs2])[starts + cnt])[ss] - base2
        nl = np.arange(len(zs)) - starts[ss] + 1.0
        nt = cnt[ss].astype(np.float64)
        nr = nt - nl
        l1, l2 = cs1 - base1, cs2 - base2
        r1, r2 = tot1 - l1, tot2 - l2

        def sd(s1, s2, c):
            c = np.maximum(c, 1.0)
            return np.sqrt(np.maximum(s2 / c - (s1 / c) ** 2, 0.0))

        sdt = sd(tot1, tot2, nt)
        gain = (sdt - 0.5 * (sd(l1, l2, nl) + sd(r1, r2, nr))) / np.where(sdt > 0, sdt, 1.0)
        nxt = np.concatenate([zs[1:], [np.inf]])
        valid = (nr > 0) & (nxt > zs)                    # a real cut between distinct values
        gain = np.where(valid, gain, -np.inf)
        best = np.maximum.reduceat(gain, starts)
        hit = np.flatnonzero(gain == best[ss])
        # the first best cut per node
        _, fi = np.unique(ss[hit], return_index=True)
        j = hit[fi]
        t = 0.5 * (zs[j] + nxt[j])
        noval = ~np.isfinite(best)                       # all z equal: everything goes left
        t[noval] = zs[starts[noval]]
        return t

    def score(self, X, chunk_elems=4_000_000):
        X = np.asarray(X, dtype=np.float64)
        n = len(X)
        T = self.T
        out = np.empty(n)
        roots = np.arange(T)
        step = max(1, chunk_elems // (T * self.k))
        for a in range(0, n, step):
            Xc = X[a:a + step]
            nc = len(Xc)
            node = np.broadcast_to(roots, (nc, T)).copy()
            rix = np.arange(nc)[:, None]
            for _ in range(self.max_depth):
                if self.dense:
                    z = np.einsum("rtd,rd->rt", self.wts[node], Xc)
                elif self.k == 1:
                    z = Xc[rix, self.feats[node, 0]] * self.wts[node, 0]
                else:
                    z = (Xc[rix[:, :, None], self.feats[node]] * self.wts[node]).sum(axis=2)
                node = np.where(z <= self.thr[node], self.left[node], self.right[node])
            out[a:a + nc] = self.val[node].mean(axis=1)
        return np.power(2.0, -out / self.norm)


# ------------------------------------------------------------------ metrics

def p_at_top(y, scores, frac=TOP):
    n = len(scores)
    k = max(1, int(math.ceil(frac * n)))
    t = np.partition(scores, n - k)[n - k]
    above, tied = scores > t, scores == t
    share = (k - int(above.sum())) / int(tied.sum())
    return (float((y & above).sum()) + share * float((y & tied).sum())) / k, above, tied, share, k


def metrics(y, scores, kinds=None):
    y = np.asarray(y).astype(bool)
    p, above, tied, share, k = p_at_top(y, scores)
    out = {"auc": float(skm.roc_auc_score(y, scores)), "p1": p}
    if kinds is not None:
        out["kind_top1"] = {}
        for name, mask in kinds.items():
            tot = int(mask.sum())
            out["kind_top1"][name] = (float((mask & above).sum()) + share * float((mask & tied).sum())) / tot \
                if tot else None
    return out


def mean_sd(v):
    v = [x for x in v if x is not None]
    if not v:
        return float("nan"), float("nan")
    m = sum(v) / len(v)
    sd = math.sqrt(sum((x - m) ** 2 for x in v) / (len(v) - 1)) if len(v) > 1 else 0.0
    return m, sd


def pm(v, f="{:.4f}"):
    m, sd = mean_sd(v)
    return f"{f.format(m)} ± {f.format(sd)}"


# ------------------------------------------------------------------ data

N_JOBS, N_HOSTS, SPAN_S, SLOW_DAY = 200, 50, 30 * 86400, 12  # as bench_anomaly.py
KINDS = ["normal", "duration_spike", "resource_spike", "impossible_threads_cpu", "impossible_host_input",
         "slow_host_day"]
NUMERIC = ["threads", "input_mb", "requested_s", "duration_s", "cpu_pct", "mem_mb", "retries"]


def generate(n, seed):
    """The synthetic history of tools/bench_anomaly.py (its generate(), imported, so the two
    cannot drift apart), as a matrix: job and host frequency-encoded, then NUMERIC."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import bench_anomaly
    d = bench_anomaly.generate(np, n, seed)
    kind = d["kind"]
    X = [np.bincount(d[c])[d[c]] / n for c in ("job", "host")] + [d[c].astype(np.float64) for c in NUMERIC]
    return np.column_stack(X), (kind > 0), {k: kind == i for i, k in enumerate(bench_anomaly.KINDS) if i}


def freq_codes(values):
    counts = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return np.array([counts[v] / len(values) for v in values], dtype=np.float64)


SWF_NUMERIC = [("run", "run"), ("procs", "procs_alloc"), ("time_req", "time_req"), ("wait", "wait"),
               ("cpu_avg", "cpu_avg"), ("mem_used", "mem_used"), ("hour", "submit_hour")]
SWF_CATEGORICAL = [("user", "user"), ("queue", "queue")]


def swf_data(path):
    import sqlite3
    import swf_load
    conn = sqlite3.connect(":memory:")
    swf_load.load_swf(conn, path)
    num = [(f, c) for f, c in SWF_NUMERIC
           if conn.execute(f"SELECT count({c}) FROM runs WHERE run IS NOT NULL").fetchone()[0] > 0]
    cat = [(f, c) for f, c in SWF_CATEGORICAL
           if conn.execute(f"SELECT count({c}) FROM runs WHERE run IS NOT NULL").fetchone()[0] > 0]
    rows = conn.execute("SELECT " + ", ".join(c for _, c in num + cat) +
                        ", (time_req IS NOT NULL AND time_req > 0 AND run > 1.5 * time_req), "
                        "coalesce(status = 0, 0) FROM runs WHERE run IS NOT NULL ORDER BY job_id").fetchall()
    conn.close()
    cols = []
    for i in range(len(num)):
        v = np.array([np.nan if r[i] is None else float(r[i]) for r in rows])
        cols.append(np.where(np.isnan(v), np.nanmedian(v), v))
    for i in range(len(num), len(num) + len(cat)):
        cols.append(freq_codes([r[i] for r in rows]))
    y = np.array([bool(r[-2]) or bool(r[-1]) for r in rows])
    return np.column_stack(cols), y, [f for f, _ in num + cat]


def toy_data(rng):
    sets = {}
    nrm = np.vstack([rng.normal((-3, -3), 1, (1000, 2)), rng.normal((3, 3), 1, (1000, 2))])
    an = np.vstack([rng.normal((-3, 3), 0.5, (10, 2)), rng.normal((3, -3), 0.5, (10, 2))])
    sets["2-D blobs, anomalies in the ghost blobs"] = (np.vstack([nrm, an]), np.r_[np.zeros(2000), np.ones(20)])
    ang = rng.uniform(0, 2 * np.pi, 2000)
    rad = 4 + rng.normal(0, 0.3, 2000)
    nrm = np.column_stack([rad * np.cos(ang), rad * np.sin(ang)])
    a2 = rng.uniform(0, 2 * np.pi, 20)
    r2 = 1.5 * np.sqrt(rng.random(20))
    an = np.column_stack([r2 * np.cos(a2), r2 * np.sin(a2)])
    sets["2-D ring, anomalies in the hole"] = (np.vstack([nrm, an]), np.r_[np.zeros(2000), np.ones(20)])
    nrm = rng.multivariate_normal((0, 0), [[1, 0.95], [0.95, 1]], 2000)
    sign = np.where(rng.random(20) < 0.5, -1.0, 1.0)[:, None]
    an = sign * np.array([1.5, -1.5]) + rng.normal(0, 0.2, (20, 2))
    sets["2-D correlated Gaussian, anomalies off the diagonal"] = (np.vstack([nrm, an]),
                                                                   np.r_[np.zeros(2000), np.ones(20)])
    return {k: (X, y.astype(bool)) for k, (X, y) in sets.items()}


def scale(X, how):
    if how == "robust":
        c = np.median(X, axis=0)
        s = np.subtract(*np.percentile(X, [75, 25], axis=0))
        s = np.where(s > 0, s, X.std(axis=0))
    else:
        c = X.mean(axis=0)
        s = X.std(axis=0)
    return (X - c) / np.where(s > 0, s, 1.0)


# ------------------------------------------------------------------ running

DATA = {}     # name -> (X_raw, X_scaled, y, kinds); filled before the pool forks


def run_one(task):
    name, variant, seed = task
    X, Xs, y, kinds = DATA[name]
    t0 = time.perf_counter()
    if variant == "sklearn":
        m = IsolationForest(n_estimators=N_TREES, max_samples=SAMPLE_SIZE, random_state=seed, n_jobs=1)
        X32 = np.ascontiguousarray(X, dtype=np.float32)
        m.fit(X32)
        t1 = time.perf_counter()
        s = -m.score_samples(X32)
    else:
        rng = np.random.default_rng(seed)
        if variant == "iforest":
            f, Xin = Forest("axis"), X
        elif variant == "eif_full":
            f, Xin = Forest("eif"), Xs
        elif variant == "eif_1":
            f, Xin = Forest("eif", ext=1), Xs
        else:
            f, Xin = Forest("eif", split="gain"), Xs
        f.fit(Xin, rng)
        t1 = time.perf_counter()
        s = f.score(Xin)
    t2 = time.perf_counter()
    r = metrics(y, s, kinds)
    r.update({"fit_s": t1 - t0, "score_s": t2 - t1})
    return name, variant, seed, r


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seeds", type=int)
    ap.add_argument("--rows", type=int)
    ap.add_argument("--procs", type=int, default=2)
    ap.add_argument("--logs")
    ap.add_argument("--skip-real", action="store_true")
    ap.add_argument("--scale", choices=["z", "robust"], default="z")
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--json")
    args = ap.parse_args()
    seeds = list(range(args.seeds or (2 if args.quick else 5)))
    rows = args.rows or (30_000 if args.quick else 100_000)
    variants = [v for v in args.variants.split(",") if v]
    bc_subs = 3 if args.quick else 10
    t_start = time.perf_counter()
    print(f"numpy {np.__version__}, scikit-learn {__import__('sklearn').__version__}; {N_TREES} trees x "
          f"{SAMPLE_SIZE} samples; seeds {seeds}; EIF scaling: {args.scale}; procs {args.procs}", flush=True)

    groups = []      # (group title, [dataset names])
    X, y, kinds = generate(rows, 20261)
    DATA["synthetic"] = (X, scale(X, args.scale), y, kinds)
    groups.append(("(i) synthetic job history", ["synthetic"]))

    from sklearn.datasets import load_breast_cancer
    bc = load_breast_cancer()
    mal = bc.target == 0
    ben_i, mal_i = np.flatnonzero(~mal), np.flatnonzero(mal)
    k = int(round(0.05 * len(ben_i) / 0.95))
    bc_names = []
    for r in range(bc_subs):
        idx = np.sort(np.concatenate([ben_i, np.random.default_rng(r).choice(mal_i, k, replace=False)]))
        Xb = bc.data[idx]
        DATA[f"bc{r}"] = (Xb, scale(Xb, args.scale), mal[idx], None)
        bc_names.append(f"bc{r}")
    groups.append((f"(ii) breast cancer, {len(ben_i)} benign + {k} malignant, {bc_subs} subsamples", bc_names))

    if not args.skip_real:
        ddir = os.environ.get("OMEN_DATA") or os.path.join(os.path.dirname(ROOT), "shared", "data")
        logs = ["KTH-SP2-1996-2.1-cln"] if args.quick else \
            ["SDSC-SP2-1998-4.2-cln", "CTC-SP2-1996-3.1-cln", "KTH-SP2-1996-2.1-cln"]
        if args.logs:
            avail = sorted(f[:-7] for f in os.listdir(ddir) if f.endswith(".swf.gz")) if os.path.isdir(ddir) else []
            logs = [a for p in args.logs.split(",") for a in avail if a.startswith(p.strip())]
        for lg in logs:
            path = os.path.join(ddir, lg + ".swf.gz")
            if not os.path.exists(path):
                print(f"(iii) {path} is absent: skipped")
                continue
            Xw, yw, feats = swf_data(path)
            DATA[lg] = (Xw, scale(Xw, args.scale), yw, None)
            groups.append((f"(iii) SWF {lg}: {len(yw):,} jobs, {yw.mean():.1%} overrun or failed; "
                           f"features {', '.join(feats)}", [lg]))

    for nm, (Xt, yt) in toy_data(np.random.default_rng(7)).items():
        DATA[nm] = (Xt, scale(Xt, args.scale), yt, None)
        groups.append((f"(iv) {nm}", [nm]))
    print(f"data ready in {time.perf_counter() - t_start:.1f} s: " +
          ", ".join(f"{n} {len(DATA[n][2]):,} rows / {DATA[n][0].shape[1]} features" for n in DATA
                    if not n.startswith("bc") or n == "bc0"), flush=True)

    tasks = [(n, v, s) for n in DATA for v in variants for s in seeds]
    # big ones first so the two workers finish together
    tasks.sort(key=lambda t: -len(DATA[t[0]][2]) * (DATA[t[0]][0].shape[1] if t[1] in ("eif_full", "eif_gain")
                                                  else 2))
    res = {}
    if args.procs > 1:
        import multiprocessing as mp
        with mp.get_context("fork").Pool(args.procs) as pool:
            for name, v, s, r in pool.imap_unordered(run_one, tasks):
                res[(name, v, s)] = r
    else:
        for t in tasks:
            name, v, s, r = run_one(t)
            res[(name, v, s)] = r

    # ---- tables
    def figures(names, v, key):
        """per-seed values for one dataset; for a group of subsamples, per-subsample means over seeds."""
        if len(names) == 1:
            return [res[(names[0], v, s)][key] for s in seeds]
        return [mean_sd([res[(n, v, s)][key] for s in seeds])[0] for n in names]

    summary = {}
    for title, names in groups:
        spread = "over the subsamples (each a mean over the seeds)" if len(names) > 1 else "over the seeds"
        print(f"\n{title}\n  ROC-AUC and precision at the top 1%, mean ± sd {spread}; "
              f"vs iforest = difference of means ± its se (* when > 2 se)")
        hdr = f"  {'variant':31s} {'ROC-AUC':>17s} {'vs iforest':>17s} {'P@1%':>17s} {'vs iforest':>17s} " \
              f"{'fit s':>7s} {'score s':>8s}"
        print(hdr)
        base = {key: figures(names, "iforest", key) for key in ("auc", "p1")} if "iforest" in variants else None
        summary[title] = {}
        for v in variants:
            row = f"  {VARIANT_TEXT[v]:31s}"
            summary[title][v] = {}
            for key in ("auc", "p1"):
                vals = figures(names, v, key)
                summary[title][v][key] = mean_sd(vals)
                row += f" {pm(vals):>17s}"
                if base and v != "iforest":
                    m1, s1 = mean_sd(vals)
                    m0, s0 = mean_sd(base[key])
                    se = math.sqrt(s1 ** 2 / len(vals) + s0 ** 2 / len(vals))
                    row += f" {m1 - m0:+.4f} ± {se:.4f}{'*' if abs(m1 - m0) > 2 * se and se > 0 else ' '}"
                else:
                    row += f" {'':>17s}"
            fit = mean_sd([res[(n, v, s)]["fit_s"] for n in names for s in seeds])[0]
            sc = mean_sd([res[(n, v, s)]["score_s"] for n in names for s in seeds])[0]
            print(row + f" {fit:7.2f} {sc:8.2f}")
        if names == ["synthetic"]:
            print("  detection rate at the top 1% per anomaly kind (mean over the seeds):")
            print("  " + f"{'variant':31s}" + "".join(f" {k[:14]:>14s}" for k in KINDS[1:]))
            for v in variants:
                print("  " + f"{VARIANT_TEXT[v]:31s}" + "".join(
                    f" {mean_sd([res[('synthetic', v, s)]['kind_top1'][k] for s in seeds])[0]:14.3f}"
                    for k in KINDS[1:]))
    print(f"\ntotal {time.perf_counter() - t_start:.0f} s")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"seeds": seeds, "scale": args.scale, "summary": summary,
                       "per_seed": [{"data": n, "variant": v, "seed": s, **r} for (n, v, s), r in res.items()]},
                      fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
