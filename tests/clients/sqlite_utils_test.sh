#!/bin/sh
# sqlite_utils_test.sh — omen through sqlite-utils (Debian package sqlite-utils).
#
#   sh tests/clients/sqlite_utils_test.sh       (run by tests/clients_test.sh)
#
# Environment: OMEN_SO (default build/omen.so), PYTHON (/usr/bin/python3:
# Debian's, where the package puts sqlite_utils), SQLITE3 (sqlite3),
# SQLITE_UTILS (sqlite-utils).
#
# Behaviours (one `PASS sqlite_utils <case>` / `FAIL sqlite_utils <case>:
# <why>` line each):
#   1. CLI: `sqlite-utils query DB "SELECT omen_version() AS v"
#      --load-extension OMEN_SO` prints JSON whose v is VERSION; the same
#      with the `PATH:ENTRYPOINT` form (`OMEN_SO:sqlite3_omen_init`).
#   2. CLI, the quick start on a small history (one CREATE TABLE ... AS of
#      600 runs made with hash_uniform, then one outlier run added with
#      `sqlite-utils insert DB runs -` from JSON on stdin): model_save of
#      gbt_train returns version 1; the prediction by name, in the JSON and
#      with --raw, has the same IEEE-754 bits as the sqlite3 shell's on the
#      same file (shell: hex(ieee754_to_blob(x)); Python: struct '>d'; JSON
#      and --raw print Python's repr, which round-trips); predict_interval
#      with --json-cols comes back as a JSON object with lo <= pred <= hi and
#      pred the same number; every number of welch_ttest's JSON (--json-cols)
#      has the shell's bits; isolation_score by name scores the outlier
#      above a normal run, with the shell's bits.
#   3. CLI errors: an omen error exits non-zero with omen's message on
#      stderr ("Error: welch_ttest(): ..."); a wrong --load-extension path
#      exits non-zero naming the file.
#   4. Python API (tests/clients/sqlite_utils_api.py): Database + the
#      connection's load_extension, the same history, the same prediction
#      bits as the CLI, an error as sqlite3.OperationalError, loading twice.
#   5. Without sqlite-utils it prints `skipped: sqlite-utils not installed;
#      make test-clients installs it (Debian package sqlite-utils)` and
#      `sqlite_utils: 0 passed, 0 failed`, exit 0.  The last line is
#      always `sqlite_utils: N passed, M failed`; exit 1 if M > 0.

cd "$(dirname "$0")/../.." || exit 2
so=${OMEN_SO:-build/omen.so}
case $so in /*) ;; *) so=$(pwd)/$so ;; esac
PYTHON=${PYTHON:-/usr/bin/python3}
SQLITE3=${SQLITE3:-sqlite3}
SU=${SQLITE_UTILS:-sqlite-utils}
VERSION=$(cat VERSION)
passed=0
failed=0

pass() { passed=$((passed + 1)); echo "PASS sqlite_utils $1"; }
fail() {
	failed=$((failed + 1))
	echo "FAIL sqlite_utils $1: $2"
	[ -n "${3:-}" ] && [ -s "$3" ] && head -n 5 "$3" | sed 's/^/    /'
	return 0
}
finish() {
	echo "sqlite_utils: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}

if ! command -v "$SU" >/dev/null 2>&1; then
	echo "skipped: sqlite-utils not installed; make test-clients installs it (Debian package sqlite-utils)"
	finish
fi
if [ ! -f "$so" ]; then
	fail setup "$so does not exist (build it: make)"
	finish
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/omen-sqlite-utils.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' HUP INT TERM
db=$tmp/su.db

# squery SQL [OPTION...]: sqlite-utils query with omen; stdout in $tmp/out,
# stderr in $tmp/err; returns its exit status.
squery() {
	sql=$1
	shift
	"$SU" query "$db" "$sql" --load-extension "$so" "$@" >"$tmp/out" 2>"$tmp/err"
}
# py EXPR: evaluate EXPR with d = the JSON in $tmp/out and bits(x) = the
# IEEE-754 bits of x as 16 hex digits; print the result.
py() {
	"$PYTHON" -c 'import json, struct, sys
bits = lambda x: struct.pack(">d", float(x)).hex().upper()
d = json.load(open(sys.argv[2]))
print(eval(sys.argv[1]))' "$1" "$tmp/out"
}
# shell SQL: the sqlite3 shell on the same file with the same omen.so; its
# stdout, or "shell error: ..." when it writes to stderr.
shell() {
	printf '.load %s\n%s\n' "$so" "$1" | "$SQLITE3" -init /dev/null -batch "$db" 2>"$tmp/serr"
	[ -s "$tmp/serr" ] && echo "shell error: $(head -n 1 "$tmp/serr")"
}
# expect NAME GOT WANT: pass if GOT = WANT (and sqlite-utils wrote no stderr).
expect() {
	if [ "$2" = "$3" ] && [ ! -s "$tmp/err" ]; then
		pass "$1"
	else
		fail "$1" "expected '$3', got '$2'" "$tmp/err"
	fi
}

HISTORY="CREATE TABLE runs AS SELECT run_id, job, variant, threads, input_gb,
       round((30 + 20 * input_gb) * (1 + 4.0 / threads) / 2 * (CASE variant WHEN 'B' THEN 0.8 ELSE 1 END)
             * (0.9 + 0.2 * hash_uniform(run_id, 5)), 1) AS duration_s
  FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 600)
        SELECT i AS run_id, CASE WHEN i % 2 THEN 'build' ELSE 'test' END AS job,
               CASE WHEN hash_uniform(i, 1) < 0.5 THEN 'A' ELSE 'B' END AS variant,
               2 << (i % 3) AS threads, round(0.5 + 9.5 * hash_uniform(i, 3), 2) AS input_gb FROM n)"
OUTLIER_ROW='{"run_id": 601, "job": "build", "variant": "A", "threads": 8, "input_gb": 5.0, "duration_s": 5000.0}'
FV="feature_vector(json_object('job', job, 'threads', threads, 'input_gb', input_gb))"
TONIGHT="feature_vector('{\"job\": \"build\", \"threads\": 8, \"input_gb\": 5}')"
ANOM_FV="feature_vector('threads', threads, 'input_gb', input_gb, 'duration_s', duration_s)"
NORMAL="feature_vector('threads', 8, 'input_gb', 5, 'duration_s', 100)"
OUTLIER="feature_vector('threads', 8, 'input_gb', 5, 'duration_s', 5000)"
WELCH="SELECT welch_ttest(duration_s, variant) AS r FROM runs WHERE job = 'build'"
WELCH_KEYS="n_a n_b mean_a mean_b var_a var_b diff t df p ci_low ci_high confidence"
BAD_WELCH="SELECT welch_ttest(v, g) FROM (SELECT 1.0 AS v, 0 AS g UNION ALL SELECT 2.0, 1 UNION ALL SELECT 3.0, 2)"

# 1. load, version, entry point
squery "SELECT omen_version() AS v"
expect cli_omen_version "$(py 'd[0]["v"]' 2>&1)" "$VERSION"
"$SU" query "$db" "SELECT omen_version() AS v" --load-extension "$so:sqlite3_omen_init" >"$tmp/out" 2>"$tmp/err"
expect cli_entrypoint "$(py 'd[0]["v"]' 2>&1)" "$VERSION"

# 2. the quick start
squery "$HISTORY"
if printf '%s\n' "$OUTLIER_ROW" | "$SU" insert "$db" runs - 2>"$tmp/err" >/dev/null; then
	"$SU" query "$db" "SELECT count(*) AS n, count(duration_s) AS d FROM runs" >"$tmp/out" 2>>"$tmp/err"
	expect cli_history "$(py 'd' 2>&1)" "[{'n': 601, 'd': 601}]"
else
	fail cli_history "sqlite-utils insert failed" "$tmp/err"
fi

squery "SELECT model_save('runtime', gbt_train($FV, duration_s, '{\"n_trees\": 20}'), 'production') AS v
      FROM (SELECT * FROM runs WHERE run_id <= 400 ORDER BY run_id)"
expect cli_train "$(py 'd' 2>&1)" "[{'v': 1}]"

want=$(shell "SELECT hex(ieee754_to_blob(predict_duration('runtime', $TONIGHT)));")
squery "SELECT predict_duration('runtime', $TONIGHT) AS p"
pred_bits=$(py 'bits(d[0]["p"])' 2>&1)
expect cli_predict_same_as_shell "$pred_bits" "$want"
squery "SELECT predict_duration('runtime', $TONIGHT) AS p" --raw
raw=$(cat "$tmp/out")
expect cli_raw "$("$PYTHON" -c 'import struct, sys; print(struct.pack(">d", float(sys.argv[1])).hex().upper())' "$raw" 2>&1)" "$want"

squery "SELECT predict_interval('runtime', $TONIGHT) AS p" --json-cols
expect cli_interval_json "$(py 'type(d[0]["p"]).__name__ == "dict" and d[0]["p"]["lo"] <= d[0]["p"]["pred"] <= d[0]["p"]["hi"] and bits(d[0]["p"]["pred"])' 2>&1)" "$want"

sel=
pyexpr=
for k in $WELCH_KEYS; do
	sel="$sel${sel:+ || ' ' || }'$k=' || hex(ieee754_to_blob(r->>'$k'))"
	pyexpr="$pyexpr${pyexpr:+ + ' ' + }'$k=' + bits(d[0]['r']['$k'])"
done
want=$(shell "SELECT $sel FROM ($WELCH);")
squery "$WELCH" --json-cols
expect cli_welch_json "$(py "$pyexpr" 2>&1)" "$want"

squery "SELECT model_save('anomaly', isolation_forest_train($ANOM_FV, '{\"seed\": 42}')) AS v FROM runs"
if [ "$(py 'd' 2>&1)" = "[{'v': 1}]" ]; then
	want=$(shell "SELECT hex(ieee754_to_blob(isolation_score('anomaly', $NORMAL))) || ' ' || hex(ieee754_to_blob(isolation_score('anomaly', $OUTLIER)));")
	squery "SELECT isolation_score('anomaly', $NORMAL) AS normal, isolation_score('anomaly', $OUTLIER) AS outlier"
	expect cli_anomaly_score "$(py 'd[0]["outlier"] > d[0]["normal"] and bits(d[0]["normal"]) + " " + bits(d[0]["outlier"])' 2>&1)" "$want"
else
	fail cli_anomaly_score "model_save('anomaly', ...) gave '$(cat "$tmp/out")'" "$tmp/err"
fi

# 3. errors
if squery "$BAD_WELCH"; then
	fail cli_error "exit status 0 for a failing query; stdout '$(head -c 200 "$tmp/out")'"
elif grep -q '^Error: welch_ttest(): group has more than 2 distinct values' "$tmp/err"; then
	pass cli_error
else
	fail cli_error "expected 'Error: welch_ttest(): ...' on stderr" "$tmp/err"
fi
bad=$tmp/no-such-dir/omen.so
if "$SU" query "$db" "SELECT 1" --load-extension "$bad" >"$tmp/out" 2>"$tmp/err"; then
	fail cli_wrong_path "exit status 0 with a missing extension"
elif grep -qF "$bad" "$tmp/err"; then
	pass cli_wrong_path
else
	fail cli_wrong_path "stderr does not name $bad" "$tmp/err"
fi

# 4. the Python API
"$PYTHON" tests/clients/sqlite_utils_api.py "$so" "$VERSION" "$tmp/api.db" "$HISTORY" "$pred_bits" >"$tmp/api.out" 2>&1
rc=$?
grep -v '^sqlite_utils_api: ' "$tmp/api.out"
count=$(tail -n 1 "$tmp/api.out" | sed -n 's/^sqlite_utils_api: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p')
if [ -z "$count" ]; then
	fail api "crashed (exit status $rc)" "$tmp/api.out"
else
	passed=$((passed + ${count% *}))
	failed=$((failed + ${count#* }))
	[ "$rc" -ne 0 ] && [ "${count#* }" -eq 0 ] && fail api "exit status $rc with no failure counted"
fi

finish
