#!/usr/bin/python3
"""bench_bandit.py — regret simulations of omen's bandit policies, run
through the SQL functions (bandit_update, bandit_merge, bandit_choose) with
Python's sqlite3; numpy draws the rewards.

  /usr/bin/python3 tools/bench_bandit.py [--quick] [--so build/omen.so] [--seeds N] [--rounds T]

Scenarios (pseudo-regret: Σ_t (μ* − μ of the arm chosen at t), averaged over
the seeds; every seed has its own reward stream and its own choice keys):
  bernoulli   5 Bernoulli arms, p = 0.7 0.6 0.5 0.4 0.3, T = 10,000 rounds,
              200 seeds.  Printed with UCB1's bound of Auer, Cesa-Bianchi &
              Fischer (2002), Theorem 1: Σ_{Δ>0} 8 ln T / Δ + (1 + π²/3) Δ.
  gaussian    5 Gaussian arms, means 1.0 0.8 0.6 0.4 0.2, sd 0.5 (reward
              'gaussian'; the UCB policies with scale 1).
  change      3 Bernoulli arms, p = 0.7 0.5 0.1; at 0.9·T the poor arm
              becomes the best (0.95): UCB1 against discounted UCB (γ =
              0.995, ξ = 0.6, scale 1), regret over the whole run and over the
              rounds after the change.  UCB1 notices a change of an arm it
              rarely plays only after a time that grows with the rounds
              already played; discounted UCB forgets, at the price of a
              constant exploration before the change.
  linear      a linear contextual problem: d = 5 context features x ~
              U[-1, 1]^d per round, 5 arms paying θ_a·x + N(0, 0.1²) with
              θ_a ~ N(0, I/d) per seed: LinUCB (α = 1, λ = 1, through
              linucb_update/linucb_choose with feature_vector()) against the
              non-contextual Thompson (gaussian) and UCB-tuned, which see the
              same rewards but not the context.
How the state is kept: every seed has one state (a row of a table).  Its
arms are declared first (bandit_update(arm, NULL); linucb: the first batch
plays the arms in turn).  Feedback comes in batches of B = 10 rounds: B
choices are made with one state (keys seed·10⁶ + t), then the batch's rows
are folded in — bandit_merge(old state, bandit_update of the batch) for the
mergeable policies, which for the exact ones is byte for byte the state of
the whole log, and a new bandit_update over the log in time order for
discounted UCB (its state cannot be merged), over the declared arms and the
last W rows only (γ^W < 1e-4: the rows left out weigh less than 1e-4 of the
discounted counts).  Delayed feedback costs deterministic policies more than
randomised ones (UCB1 plays one arm for a whole batch): that is part of what
is measured, and why B is small.

The last lines say which of the expected orderings held (yes / NO): UCB1
within its bound, Thompson below UCB1, ε-greedy (ε = 0.1) above Thompson and
above UCB1, discounted UCB below UCB1 after the change and over the whole
run, LinUCB below the best non-contextual policy; then the time taken.  The
exit status is 0 whatever they say: a benchmark reports.  --quick: 40 seeds
and 2,000 rounds (the bound is then for T = 2,000).
"""
import argparse
import math
import os
import sqlite3
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def connect(so):
    con = sqlite3.connect(":memory:")
    con.enable_load_extension(True)
    con.load_extension(os.path.splitext(so)[0])
    return con


def simulate(con, means, kind, opts, seeds, rounds, batch, change_at=None, window=None, means_after=None):
    """Run one policy; returns (mean cumulative regret at T, mean regret after the change, s.e. at T).

    window None: the state is kept by bandit_merge (exact policies); else it is
    rebuilt by bandit_update over the declared arms and the last `window`
    rows in time order (discounted UCB)."""
    k = len(means)
    con.executescript("""
        DROP TABLE IF EXISTS sims; DROP TABLE IF EXISTS rounds; DROP TABLE IF EXISTS fb; DROP TABLE IF EXISTS log;
        CREATE TABLE sims(sim INTEGER PRIMARY KEY, state BLOB);
        CREATE TABLE rounds(t INTEGER PRIMARY KEY);
        CREATE TABLE fb(sim INTEGER, t INTEGER, arm INTEGER, r REAL, PRIMARY KEY (sim, t)) WITHOUT ROWID;
        CREATE TABLE log(sim INTEGER, t INTEGER, arm INTEGER, r REAL, PRIMARY KEY (sim, t)) WITHOUT ROWID;
    """)
    con.executemany("INSERT INTO rounds VALUES (?)", [(t,) for t in range(rounds)])
    con.executemany("INSERT INTO log VALUES (?, ?, ?, NULL)", [(s, -1 - a, a) for s in range(seeds) for a in range(k)])
    con.execute("INSERT INTO sims SELECT sim, bandit_update(arm, r, ?) FROM (SELECT * FROM log ORDER BY sim, t) "
                "GROUP BY sim", (opts,))
    rngs = [np.random.default_rng(1000 + s) for s in range(seeds)]
    mu0 = np.array(means, dtype=float)
    mu1 = np.array(means_after if means_after is not None else means, dtype=float)
    regret = np.zeros(seeds)
    after = np.zeros(seeds)
    for start in range(0, rounds, batch):
        end = min(rounds, start + batch)
        nb = end - start
        rows = con.execute("SELECT bandit_choose(state, sims.sim * 1000000 + rounds.t) "
                           "FROM sims, rounds WHERE rounds.t >= ? AND rounds.t < ? ORDER BY sims.sim, rounds.t",
                           (start, end)).fetchall()
        arms = np.array([r[0] for r in rows], dtype=np.int64).reshape(seeds, nb)
        ts = np.arange(start, end)
        # the means switch to means_after at change_at, back at 2·change_at, and so on
        changed = (ts // change_at) % 2 == 1 if change_at is not None else np.zeros(nb, dtype=bool)
        late = ts >= change_at if change_at is not None else np.zeros(nb, dtype=bool)
        mu = np.where(changed[None, :], mu1[arms], mu0[arms])
        gap = np.where(changed[None, :], mu1.max(), mu0.max()) - mu
        regret += gap.sum(axis=1)
        after += (gap * late[None, :]).sum(axis=1)
        if kind == "bernoulli":
            rew = (np.stack([g.random(nb) for g in rngs]) < mu).astype(float)
        else:
            rew = mu + 0.5 * np.stack([g.standard_normal(nb) for g in rngs])
        con.execute("DELETE FROM fb")
        con.executemany("INSERT INTO fb VALUES (?, ?, ?, ?)",
                        [(s, int(ts[j]), int(arms[s, j]), float(rew[s, j])) for s in range(seeds) for j in range(nb)])
        if window is None:
            con.execute("UPDATE sims SET state = (SELECT bandit_merge(x) FROM (SELECT sims.state AS x UNION ALL "
                        "SELECT bandit_update(arm, r, ?) FROM (SELECT * FROM fb WHERE fb.sim = sims.sim ORDER BY t)))",
                        (opts,))
        else:
            con.execute("INSERT INTO log SELECT * FROM fb")
            con.execute("DELETE FROM log WHERE t >= 0 AND t < ?", (end - window,))  # keep the declared arms
            con.execute("UPDATE sims SET state = (SELECT bandit_update(arm, r, ?) FROM (SELECT * FROM log "
                        "WHERE log.sim = sims.sim ORDER BY t))", (opts,))
    return regret.mean(), after.mean(), regret.std() / math.sqrt(seeds)


def simulate_linear(con, opts, seeds, rounds, batch, d=5, k=5, contextual=True):
    """A linear contextual problem: each round a context x ~ U[-1, 1]^d (per
    seed), arm a pays θ_a·x + N(0, 0.1²) with θ_a ~ N(0, I/d) fixed per
    seed, so the best arm depends on the context.  Returns (mean cumulative
    regret, s.e.)."""
    con.executescript("""
        DROP TABLE IF EXISTS sims; DROP TABLE IF EXISTS ctx; DROP TABLE IF EXISTS fb;
        CREATE TABLE sims(sim INTEGER PRIMARY KEY, state BLOB);
        CREATE TABLE ctx(sim INTEGER, t INTEGER, fv BLOB, PRIMARY KEY (sim, t)) WITHOUT ROWID;
        CREATE TABLE fb(sim INTEGER, t INTEGER, arm INTEGER, r REAL, fv BLOB, PRIMARY KEY (sim, t)) WITHOUT ROWID;
    """)
    upd = "linucb_update(arm, fv, r, ?)" if contextual else "bandit_update(arm, r, ?)"
    choose = "linucb_choose(state, ctx.fv, ctx.sim * 1000000 + ctx.t)" if contextual else \
             "bandit_choose(state, ctx.sim * 1000000 + ctx.t)"
    names = ["x%d" % i for i in range(d)]
    fvsql = "feature_vector(%s)" % ", ".join("'%s', ?" % n for n in names)
    rngs = [np.random.default_rng(5000 + s) for s in range(seeds)]
    theta = np.stack([g.standard_normal((k, d)) / math.sqrt(d) for g in rngs])  # seeds × k × d
    xs = np.stack([2 * g.random((rounds, d)) - 1 for g in rngs])                 # seeds × rounds × d
    rows = [(s, t) + tuple(float(v) for v in xs[s, t]) for s in range(seeds) for t in range(rounds)]
    con.executemany("INSERT INTO ctx VALUES (?, ?, %s)" % fvsql, rows)
    # the first batch plays the arms in turn; its rows make the first state
    regret = np.zeros(seeds)
    for start in range(0, rounds, batch):
        end = min(rounds, start + batch)
        nb = end - start
        if start == 0:
            arms = np.tile(np.arange(nb) % k, (seeds, 1))  # the first batch plays the arms in turn
        else:
            got = con.execute("SELECT %s FROM sims JOIN ctx ON ctx.sim = sims.sim WHERE ctx.t >= ? AND ctx.t < ? "
                              "ORDER BY sims.sim, ctx.t" % choose, (start, end)).fetchall()
            arms = np.array([g[0] for g in got], dtype=np.int64).reshape(seeds, nb)
        x = xs[:, start:end, :]
        mean_all = np.einsum("skd,std->stk", theta, x)                 # seeds × nb × k
        mean = np.take_along_axis(mean_all, arms[:, :, None], axis=2)[:, :, 0]
        regret += (mean_all.max(axis=2) - mean).sum(axis=1)
        rew = mean + 0.1 * np.stack([g.standard_normal(nb) for g in rngs])
        con.execute("DELETE FROM fb")
        con.executemany("INSERT INTO fb SELECT ?, ?, ?, ?, fv FROM ctx WHERE sim = ? AND t = ?",
                        [(s, start + j, int(arms[s, j]), float(rew[s, j]), s, start + j)
                         for s in range(seeds) for j in range(nb)])
        if start == 0:
            con.execute("INSERT INTO sims SELECT sim, %s FROM (SELECT * FROM fb ORDER BY sim, t) GROUP BY sim" % upd,
                        (opts,))
        else:
            con.execute("UPDATE sims SET state = (SELECT bandit_merge(x) FROM (SELECT sims.state AS x UNION ALL "
                        "SELECT %s FROM (SELECT * FROM fb WHERE fb.sim = sims.sim ORDER BY t)))" % upd, (opts,))
    return regret.mean(), regret.std() / math.sqrt(seeds)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--so", default=os.environ.get("OMEN_SO") or os.path.join(ROOT, "build", "omen.so"))
    ap.add_argument("--seeds", type=int)
    ap.add_argument("--rounds", type=int)
    args = ap.parse_args()
    seeds = args.seeds or (40 if args.quick else 200)
    rounds = args.rounds or (2000 if args.quick else 10000)
    con = connect(args.so)
    t0 = time.time()
    results = {}
    print("omen bandits: %d seeds, %d rounds, feedback in batches of 10 rounds" % (seeds, rounds))
    print("%-10s %-16s %12s %10s %8s" % ("scenario", "policy", "regret(T)", "± s.e.", "seconds"))

    def run(scen, name, means, kind, opts, batch, change_at=None, window=None, means_after=None):
        t = time.time()
        reg, aft, se = simulate(con, means, kind, opts, seeds, rounds, batch, change_at, window, means_after)
        results[(scen, name)] = (reg, aft)
        print("%-10s %-16s %12.1f %10.1f %8.1f%s" % (scen, name, reg, se, time.time() - t,
                                                   "   after the change: %.1f" % aft if change_at is not None else ""))
        sys.stdout.flush()

    pb = [0.7, 0.6, 0.5, 0.4, 0.3]
    for name, o in [("thompson", '{"policy": "thompson"}'), ("ucb1", '{"policy": "ucb1"}'),
                    ("ucb_tuned", '{"policy": "ucb_tuned"}'),
                    ("epsilon_greedy", '{"policy": "epsilon_greedy", "epsilon": 0.1}')]:
        run("bernoulli", name, pb, "bernoulli", o, 10)
    pg = [1.0, 0.8, 0.6, 0.4, 0.2]
    for name, o in [("thompson", '{"policy": "thompson", "reward": "gaussian"}'),
                    ("ucb1", '{"policy": "ucb1", "reward": "gaussian"}'),
                    ("ucb_tuned", '{"policy": "ucb_tuned", "reward": "gaussian"}'),
                    ("epsilon_greedy", '{"policy": "epsilon_greedy", "epsilon": 0.1, "reward": "gaussian"}')]:
        run("gaussian", name, pg, "gaussian", o, 10)
    pc, pc_after = [0.7, 0.5, 0.1], [0.7, 0.5, 0.95]
    gamma = 0.995
    window = int(math.ceil(math.log(1e-4) / math.log(gamma)))  # older rows weigh < 1e-4
    run("change", "ucb1", pc, "bernoulli", '{"policy": "ucb1"}', 10, rounds * 9 // 10, None, pc_after)
    run("change", "discounted_ucb", pc, "bernoulli", '{"policy": "discounted_ucb", "gamma": %g}' % gamma, 10,
        rounds * 9 // 10, window, pc_after)

    lin = {}
    for name, o, ctxl in [("thompson", '{"policy": "thompson", "reward": "gaussian"}', False),
                          ("ucb_tuned", '{"policy": "ucb_tuned", "reward": "gaussian"}', False),
                          ("linucb", '{"reward": "gaussian", "alpha": 1}', True)]:
        t = time.time()
        reg, se = simulate_linear(con, o, seeds, rounds, 10, contextual=ctxl)
        lin[name] = reg
        print("%-10s %-16s %12.1f %10.1f %8.1f" % ("linear", name, reg, se, time.time() - t))
        sys.stdout.flush()

    best = max(pb)
    bound = sum(8 * math.log(rounds) / (best - p) + (1 + math.pi ** 2 / 3) * (best - p) for p in pb if p < best)
    r = lambda s, n: results[(s, n)][0]
    checks = [
        ("UCB1 within its logarithmic bound (bernoulli: %.1f <= %.1f)" % (r("bernoulli", "ucb1"), bound),
         r("bernoulli", "ucb1") <= bound),
        ("Thompson below UCB1 (bernoulli)", r("bernoulli", "thompson") < r("bernoulli", "ucb1")),
        ("Thompson below UCB1 (gaussian)", r("gaussian", "thompson") < r("gaussian", "ucb1")),
        ("epsilon-greedy worse than Thompson (bernoulli)", r("bernoulli", "epsilon_greedy") > r("bernoulli", "thompson")),
        ("epsilon-greedy worse than Thompson (gaussian)", r("gaussian", "epsilon_greedy") > r("gaussian", "thompson")),
        ("epsilon-greedy worse than UCB1 (bernoulli)", r("bernoulli", "epsilon_greedy") > r("bernoulli", "ucb1")),
        ("epsilon-greedy worse than UCB1 (gaussian)", r("gaussian", "epsilon_greedy") > r("gaussian", "ucb1")),
        ("discounted UCB beats UCB1 after the change",
         results[("change", "discounted_ucb")][1] < results[("change", "ucb1")][1]),
        ("discounted UCB beats UCB1 over the whole run of 'change'",
         results[("change", "discounted_ucb")][0] < results[("change", "ucb1")][0]),
        ("LinUCB beats the best non-contextual policy (linear)", lin["linucb"] < min(lin["thompson"], lin["ucb_tuned"])),
    ]
    for text, ok in checks:
        print("%s %s" % ("yes" if ok else "NO ", text))
    print("time: %.1f s" % (time.time() - t0))
    return 0  # a benchmark reports; the lines above say what held


if __name__ == "__main__":
    sys.exit(main())
