#!/usr/bin/python3
"""doc_recipe_sync.py — the tutorial's copy of the run-time recipe matches it.

Usage: /usr/bin/python3 tests/doc_recipe_sync.py [--label WORD]     (from anywhere)

docs/TUTORIAL.md (section "Predicting run time on a real scheduler log")
runs sql/runtime_recipe.sql on its own table; these checks fail when one of
the two changes and the other does not.

Behaviours:
  1. Step 2 of the recipe — from `DROP TABLE IF EXISTS runtime_features;`
     through the `;` that ends the `CREATE TABLE runtime_features` statement
     — occurs byte for byte inside one ```sql block of the tutorial.
  2. Step 1 of the recipe (`DROP VIEW IF EXISTS temp.runs_for_recipe;` through
     the end of its CREATE TEMP VIEW) occurs in one ```sql block of the
     tutorial with only its table changed: `FROM runs;` -> `FROM sched_jobs;`.
  3. The feature names of the tutorial's `CREATE VIEW sched_fv` (the
     'name', f.column pairs of its feature_vector call) are, in the same
     order, those of the feature_vector call in the recipe's step 3 (its
     `--` comment lines); in both, each name is its column's name.
  4. The gbt_train options of the tutorial's candidates (`gbt_train(fv, run,
     '{...}')` in the sql block that creates sched_candidates) are, as JSON
     objects keyed by their "loss", those of the recipe's step 3.
  5. Each behaviour above is one check; a missing piece (file, block, call)
     fails its check.  The last line is `<label>: N passed, M failed`; exit 1
     if M > 0 or N = 0.
Standard library only.
"""

import json
import os
import re
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RECIPE = "sql/runtime_recipe.sql"
TUTORIAL = "docs/TUTORIAL.md"
PAIR_RE = re.compile(r"'(\w+)'\s*,\s*f\.(\w+)")
OPTS_RE = re.compile(r"gbt_train\(\s*fv\s*,\s*run\s*,\s*'(\{[^']*\})'")


def read(rel):
    with open(os.path.join(REPO, rel), encoding="utf-8") as f:
        return f.read()


def statement(text, start, head):
    """text from `start` through the ';' that ends the statement starting at `head`."""
    i = text.index(start)
    j = text.index(";", text.index(head, i)) + 1
    return text[i:j]


def sql_blocks(md):
    """The bodies of the ```sql blocks of a markdown page."""
    return re.findall(r"^```sql[^\n]*\n(.*?)^```", md, re.M | re.S)


def step(recipe, n):
    """Lines of the recipe from the comment `-- n.` to the next `-- n+1.`."""
    m = re.search(r"^-- %d\..*?(?=^-- %d\.|\Z)" % (n, n + 1), recipe, re.M | re.S)
    if not m:
        raise ValueError("no step %d in %s" % (n, RECIPE))
    return m.group(0)


def uncomment(text):
    return "\n".join(l[2:] if l.startswith("--") else l for l in text.split("\n"))


def fv_names(text, what):
    """The 'name', f.column pairs of the first feature_vector( ... ) in text."""
    i = text.index("feature_vector(")
    depth, j = 0, i + len("feature_vector")
    while True:
        c = text[j]
        depth += c == "("
        depth -= c == ")"
        j += 1
        if depth == 0:
            break
    pairs = PAIR_RE.findall(text[i:j])
    if not pairs:
        raise ValueError("no features in the feature_vector call of %s" % what)
    bad = [p for p in pairs if p[0] != p[1]]
    if bad:
        raise ValueError("%s: feature name differs from its column: %s" % (what, bad))
    return [p[0] for p in pairs]


def options(text, what):
    out = {}
    for raw in OPTS_RE.findall(text):
        o = json.loads(raw)
        out[o.get("loss")] = o
    if not out:
        raise ValueError("no gbt_train(fv, run, '{...}') in %s" % what)
    return out


def main(argv):
    label = argv[argv.index("--label") + 1] if "--label" in argv else "doc_recipe_sync"
    passed = failed = 0

    def check(what, fn):
        nonlocal passed, failed
        try:
            why = fn()
        except (OSError, ValueError, json.JSONDecodeError) as e:
            why = str(e)
        if why:
            failed += 1
            print("FAIL %s: %s" % (what, why), flush=True)
        else:
            passed += 1

    try:
        recipe, md = read(RECIPE), read(TUTORIAL)
    except OSError as e:
        print("FAIL doc_recipe_sync: %s" % e)
        print("%s: 0 passed, 1 failed" % label)
        return 1
    blocks = sql_blocks(md)

    def block_with(marker):
        found = [b for b in blocks if marker in b]
        if len(found) != 1:
            raise ValueError("%d sql blocks of %s contain %r (expected 1)" % (len(found), TUTORIAL, marker))
        return found[0]

    def step2():
        want = statement(recipe, "DROP TABLE IF EXISTS runtime_features;", "CREATE TABLE runtime_features")
        got = block_with("CREATE TABLE runtime_features")
        if want not in got:
            return ("the tutorial's step 2 differs from %s's (copy it from `DROP TABLE IF EXISTS "
                    "runtime_features;` through the end of its CREATE TABLE)" % RECIPE)
        return None

    def step1():
        want = statement(recipe, "DROP VIEW IF EXISTS temp.runs_for_recipe;", "CREATE TEMP VIEW runs_for_recipe")
        if not want.endswith("FROM runs;"):
            return "%s's step 1 no longer ends with `FROM runs;`: update this check" % RECIPE
        want = want[:-len("FROM runs;")] + "FROM sched_jobs;"
        if want not in block_with("CREATE TEMP VIEW runs_for_recipe"):
            return "the tutorial's step 1 differs from %s's other than in `FROM sched_jobs;`" % RECIPE
        return None

    def features():
        want = fv_names(uncomment(step(recipe, 3)), RECIPE + " step 3")
        got = fv_names(block_with("CREATE VIEW sched_fv"), "the tutorial's sched_fv")
        if got != want:
            return "sched_fv's features %s != the recipe's %s" % (got, want)
        return None

    def train():
        want = options(uncomment(step(recipe, 3)), RECIPE + " step 3")
        got = options(block_with("CREATE TABLE sched_candidates"), "the tutorial's sched_candidates")
        if sorted(got) != sorted(want):
            return "the tutorial's candidate losses %s != the recipe's %s" % (sorted(got), sorted(want))
        diffs = ["%s: %s is %r, in the recipe %r" % (loss, k, got[loss].get(k, "(absent)"), want[loss].get(k, "(absent)"))
                 for loss in sorted(want) for k in sorted(set(got[loss]) | set(want[loss]))
                 if got[loss].get(k, "(absent)") != want[loss].get(k, "(absent)")]
        return "the tutorial's gbt_train options differ: " + "; ".join(diffs) if diffs else None

    check("doc_recipe_sync step 2", step2)
    check("doc_recipe_sync step 1", step1)
    check("doc_recipe_sync features", features)
    check("doc_recipe_sync gbt_train options", train)
    print("%s: %d passed, %d failed" % (label, passed, failed), flush=True)
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
