#!/usr/bin/python3
"""bench_mah.py — 1,000,000 x 8 rows (correlated Gaussian, 1% far outliers)
written to /tmp/mah_bench.bin for tools/bench_mah.c, and scikit-learn's
EmpiricalCovariance, LedoitWolf and MinCovDet (on a 100,000-row uniform
sample, omen's default max_rows) timed on the same data, with
mahalanobis() per row.  Usage: /usr/bin/python3 tools/bench_mah.py [n]"""
import sys
import time

import numpy as np
from sklearn.covariance import EmpiricalCovariance, LedoitWolf, MinCovDet

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
p = 8
rng = np.random.default_rng(0)
A = rng.normal(size=(p, p)) / 2 + np.eye(p)
X = rng.normal(size=(n, p)) @ A.T + np.arange(p)
X[::100] += 8.0
with open("/tmp/mah_bench.bin", "wb") as f:
    np.array([n, p], dtype=np.uint64).tofile(f)
    X.astype(np.float64).tofile(f)

for name, est, data in [("empirical", EmpiricalCovariance(), X), ("ledoit_wolf", LedoitWolf(), X),
                        ("mcd (100k sample)", MinCovDet(random_state=0), X[rng.choice(n, 100_000, replace=False)])]:
    t0 = time.perf_counter()
    est.fit(data)
    t1 = time.perf_counter()
    d2 = est.mahalanobis(X)
    t2 = time.perf_counter()
    print("sklearn %-18s fit %8.3f s   mahalanobis() %.1f ns/row (vectorised)" % (name, t1 - t0, 1e9 * (t2 - t1) / n))
