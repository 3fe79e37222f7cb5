#!/usr/bin/python3
"""bench_real_report.py — Markdown tables from bench_real.py --json output.

    /usr/bin/python3 tools/bench_real_report.py RESULT.json            # goal + every row per log
    /usr/bin/python3 tools/bench_real_report.py RESULT.json --goal     # the cross-log goal table only
    /usr/bin/python3 tools/bench_real_report.py A.json B.json          # omen rows of B against A

Behaviours:
  1. Stdlib only; reads the JSON that tools/bench_real.py --json writes and
     prints GitHub-flavoured Markdown on stdout; nothing is recomputed.
  2. One file: the goal table (per log and omen row: MAE against the best
     baseline MAE and who, accuracy against the best baseline accuracy and
     who, under share, coverage, worst/best quarter, users with >= 100 test
     rows in 0.88-0.92, met or not), then unless --goal, per log, every row
     with MAE, accuracy, under, R2, RMSE log1p, coverage and its user-bin
     coverages.  Bold marks the best baseline MAE and accuracy per log.
  3. Two files: for every log present in both, each omen / --omen row of the
     second file next to omen's default row of the first (MAE, accuracy,
     under, coverage and their differences), for comparing variants.
"""
import argparse
import json
import sys


def f3(x):
    return "—" if x is None else f"{x:.3f}"


def f0(x):
    return "—" if x is None else f"{x:,.0f}"


def short(name):
    return name.split(" [")[0]


def md(header, rows, left=2):
    """A Markdown table; the first `left` columns left-aligned, the rest right."""
    out = ["| " + " | ".join(header) + " |",
           "|" + "|".join("---" if i < left else "---:" for i in range(len(header))) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def goal_table(res):
    rows = []
    for log, L in res["logs"].items():
        for g in L["goal"]:
            fr = g.get("frequent_users") or {}
            q = g.get("coverage_quarters")
            rows.append([log, g["row"], f0(g["mae"]), f"{f0(g['best_mae'])} ({short(g['best_mae_by'])})",
                         "yes" if g["mae_ok"] else "no", f3(g["accuracy"]),
                         f"{f3(g['best_accuracy'])} ({short(g['best_accuracy_by'])})",
                         "yes" if g["accuracy_ok"] else "no", f3(g["under"]), f3(g["coverage"]),
                         "yes" if g["coverage_ok"] else "no", "—" if not q else f"{min(q):.3f}–{max(q):.3f}",
                         f"{fr.get('in_band', 0)}/{fr.get('users', 0)}" if fr else "—",
                         "**met**" if g["met"] else "not met"])
    return md(["log", "omen row", "MAE s", "best baseline MAE", "ok", "accuracy", "best baseline accuracy", "ok",
               "under", "coverage", "0.88–0.92", "quarters", "users ≥100 in band", "goal"], rows)


def log_table(L):
    base = [r for r in L["rows"] if r["family"] == "baseline" and r.get("metrics")]
    best_mae = min(r["metrics"]["mae"] for r in base) if base else None
    best_acc = max(r["metrics"]["accuracy"] for r in base) if base else None
    rows = []
    for r in L["rows"]:
        m = r.get("metrics")
        if not m:
            rows.append([r["name"], r["family"], "—", "—", "—", "—", "—", "—", r.get("error") or ""])
            continue
        c = r.get("coverage")
        mae = f0(m["mae"])
        acc = f3(m["accuracy"])
        if r["family"] == "baseline" and m["mae"] == best_mae:
            mae = f"**{mae}**"
        if r["family"] == "baseline" and m["accuracy"] == best_acc:
            acc = f"**{acc}**"
        bins = "" if not c else " / ".join(f3(v["coverage"]) for v in c["user_bins"].values())
        rows.append([r["name"], r["family"], mae, acc, f3(m["under"]), f3(m["r2"]), f3(m["log_rmse"]),
                     f3(c["overall"]) if c else "—", bins])
    bins = " / ".join(L.get("user_bins", {}).keys())
    return md(["row", "family", "MAE s", "accuracy", "under", "R²", "RMSE log1p", "coverage",
               f"coverage by user bin ({bins} test rows)"], rows)


def compare(a, b):
    rows = []
    for log, LB in b["logs"].items():
        LA = a["logs"].get(log)
        if not LA:
            continue
        ref = next((r for r in LA["rows"] if r["family"] == "omen" and r.get("metrics")), None)
        if not ref:
            continue
        ma, ca = ref["metrics"], (ref.get("coverage") or {}).get("overall")
        for r in LB["rows"]:
            if r["family"] not in ("omen", "variant") or not r.get("metrics"):
                continue
            m, c = r["metrics"], (r.get("coverage") or {}).get("overall")
            rows.append([log, r["name"], f0(m["mae"]), f"{m['mae'] - ma['mae']:+,.0f}", f3(m["accuracy"]),
                         f"{m['accuracy'] - ma['accuracy']:+.3f}", f3(m["under"]), f3(c),
                         "—" if c is None or ca is None else f"{c - ca:+.3f}"])
    return md(["log", "row (second file)", "MAE s", "Δ MAE vs first omen", "accuracy", "Δ accuracy", "under",
               "coverage", "Δ coverage"], rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+", help="one or two bench_real.py --json files")
    ap.add_argument("--goal", action="store_true", help="only the cross-log goal table")
    args = ap.parse_args()
    if len(args.files) > 2:
        ap.error("one or two files")
    res = [json.load(open(f)) for f in args.files]
    if len(res) == 2:
        print(compare(res[0], res[1]))
        return 0
    r = res[0]
    print(f"omen {r['omen_version']}; {r['libraries']}; features {r['features']}; "
          f"tuned grids {'on' if r['tuned'] else 'off'}\n")
    print(goal_table(r))
    if not args.goal:
        for log, L in r["logs"].items():
            print(f"\n**{log}** ({L['jobs']:,} jobs; fit {L['n_fit']:,} + calibration {L['n_cal']:,}; "
                  f"test {L['n_test']:,})\n")
            print(log_table(L))
    return 0


if __name__ == "__main__":
    sys.exit(main())
