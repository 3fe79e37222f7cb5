#!/bin/sh
# odbc_smoke.sh — omen through a real ODBC client.
#
#   sh tests/odbc_smoke.sh [--label WORD]   (extension: $OMEN_SO, else build/omen.so)
#
# Connects with unixODBC's `isql -k` (SQLDriverConnect) to Debian's SQLite3
# ODBC driver (libsqliteodbc), DSN-less:
#   Driver=<path of libsqlite3odbc.so>;Database=<temp file>;LoadExt=<abs omen.so>
# LoadExt is the driver's option for loading extensions at connect time (it
# is missing from the driver's README; the driver passes it to
# sqlite3_load_extension with the default entry point, which for "omen.so" is
# sqlite3_omen_init).  A bad LoadExt does not fail the connection: the driver
# only writes "extension ... did not load" to stderr, so every check demands
# an empty stderr.  ODBCSYSINI/ODBCINI point at an empty temp dir, so no
# system or user ODBC configuration is involved.
#
# Behaviours:
#   1. One isql process per check; a check passes only if isql's output is
#      exactly the expected text and its stderr is empty (isql exits 0 even
#      when a query fails, so its status is not used).
#   2. Checks: omen_version() equals the VERSION file; hash_uniform('x') and
#      welch_ttest(...) give, through ODBC, the same text as through the
#      sqlite3 shell with the same extension; feature_vector_json of
#      feature_vector('a', 1) is {"a":1}; an error raised by the extension
#      comes back through ODBC with its message; model_catalog, over a
#      registry written through ODBC, reads as plain columns; a view that
#      takes welch_ttest's JSON apart with ->> reads as plain columns; a
#      wrong LoadExt= path connects anyway, writes exactly the line quoted in
#      docs/ODBC.md to stderr, and omen functions are then "no such
#      function" (docs/ODBC.md, "A wrong LoadExt= path").
#   3. Prints PASS/FAIL per check and last `N passed, M failed` (after
#      "WORD: " with --label); exits 1 on any failure.
#   4. Without isql (unixODBC) or the SQLite3 ODBC driver (libsqliteodbc) it
#      does not fail: it prints "SKIP odbc: <why>" and `0 passed, 0 failed,
#      1 skipped`, and exits 0 (tools/ensure-deps test installs both).  A
#      missing omen.so is still a failure (build it first).

label=
[ "${1:-}" = --label ] && label="$2: "
cd "$(dirname "$0")/.." || exit 1
so=${OMEN_SO:-build/omen.so}
case $so in /*) ;; *) so=$(pwd)/$so ;; esac
sqlite=${SQLITE3:-sqlite3}
passed=0
failed=0

pass() { passed=$((passed + 1)); echo "PASS odbc $1"; }
fail() { failed=$((failed + 1)); echo "FAIL odbc $1: $2"; }
finish() {
	rm -rf "$tmp"
	echo "$label$passed passed, $failed failed"
	[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
	exit $?
}
skip() {
	rm -rf "$tmp"
	echo "SKIP odbc: $1"
	echo "${label}0 passed, 0 failed, 1 skipped"
	exit 0
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/omen-odbc.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# The SQLite3 driver: from the package's file list, else the usual places.
driver=
if command -v dpkg-query >/dev/null 2>&1; then
	driver=$(dpkg-query -L libsqliteodbc 2>/dev/null | grep '/libsqlite3odbc\.so$' | head -n 1)
fi
if [ -z "$driver" ]; then
	for d in /usr/lib/*/odbc/libsqlite3odbc.so /usr/lib/odbc/libsqlite3odbc.so \
		/usr/local/lib/libsqlite3odbc.so; do
		[ -f "$d" ] && driver=$d && break
	done
fi

if ! command -v isql >/dev/null 2>&1; then
	skip "isql not found (Debian package unixodbc; run: sh tools/ensure-deps test)"
fi
if [ -z "$driver" ]; then
	skip "SQLite3 ODBC driver not found (Debian package libsqliteodbc; run: sh tools/ensure-deps test)"
fi
if [ ! -f "$so" ]; then
	fail setup "$so does not exist (build it: make)"
	finish
fi

ODBCSYSINI=$tmp
ODBCINI=$tmp/odbc.ini
export ODBCSYSINI ODBCINI
: >"$tmp/odbcinst.ini"
: >"$tmp/odbc.ini"
conn="Driver=$driver;Database=$tmp/smoke.db;LoadExt=$so"

# odbc SQL: run one query through isql; stdout in $tmp/out, stderr in $tmp/err.
odbc() {
	printf '%s\n' "$1" | isql -k -b -v -d'|' "$conn" >"$tmp/out" 2>"$tmp/err"
}

# reference NAME SQL: the same query through the sqlite3 shell into $want;
# returns 1 (after a FAIL line) if the shell itself fails or gives nothing.
reference() {
	want=$(printf '.load %s\n%s\n' "$so" "$2" | "$sqlite" -init /dev/null -batch 2>"$tmp/serr")
	if [ -s "$tmp/serr" ] || [ -z "$want" ] || [ "$want" = NULL ]; then
		fail "$1" "the sqlite3 shell itself gives '$want' $(head -n 1 "$tmp/serr")"
		return 1
	fi
}

# check NAME SQL EXPECTED: pass if isql prints exactly EXPECTED, nothing on stderr.
check() {
	odbc "$2"
	got=$(cat "$tmp/out")
	err=$(head -n 2 "$tmp/err" | tr '\n' ' ')
	if [ "$got" = "$3" ] && [ ! -s "$tmp/err" ]; then
		pass "$1"
	else
		fail "$1" "expected '$3', got '$(printf '%s' "$got" | head -n 3 | tr '\n' ' ')'${err:+ stderr: $err}"
	fi
}

version=$(cat VERSION 2>/dev/null)
check omen_version "SELECT omen_version();" "$version"

q="SELECT printf('%.17g', hash_uniform('x'));"
reference hash_uniform "$q" && check hash_uniform "$q" "$want"

# isql shows at most the driver's display size (~300 characters) of a column,
# so the JSON is checked field by field rather than whole.
q="SELECT json_extract(r, '\$.n_a') || ' ' || json_extract(r, '\$.t') || ' ' || json_extract(r, '\$.df') || ' ' || json_extract(r, '\$.p') || ' ' || json_extract(r, '\$.ci_low') || ' ' || json_extract(r, '\$.ci_high') || ' ' || json_extract(r, '\$.alternative') FROM (SELECT welch_ttest(v, g) AS r FROM (SELECT 1.0 AS v, 0 AS g UNION ALL SELECT 2.0, 0 UNION ALL SELECT 4.0, 0 UNION ALL SELECT 3.5, 1 UNION ALL SELECT 5.0, 1 UNION ALL SELECT 6.5, 1));"
reference welch_ttest "$q" && check welch_ttest "$q" "$want"

check feature_vector_json "SELECT feature_vector_json(feature_vector('a', 1));" '{"a":1}'

# An error from the extension must come back through ODBC with its text.
odbc "SELECT welch_ttest(v, g) FROM (SELECT 1.0 AS v, 0 AS g UNION ALL SELECT 2.0, 1 UNION ALL SELECT 3.0, 2);"
if grep -q 'welch_ttest(): ' "$tmp/out"; then
	pass error_message
else
	fail error_message "expected a 'welch_ttest(): ...' error, got '$(head -n 2 "$tmp/out" | tr '\n' ' ')'"
fi

# Plain columns (docs/ODBC.md).  The registry and the runs are written
# through ODBC too, one statement per isql call (state lives in the file).
setup_ok=1
for sql in \
	"CREATE TABLE runs AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300) SELECT i AS run_id, CASE WHEN i % 2 THEN 'build' ELSE 'test' END AS job, CASE WHEN i % 3 = 0 THEN 'B' ELSE 'A' END AS variant, 2 << (i % 3) AS threads, 100.0 + (i % 7) + 10 * (i % 3 = 0) AS duration_s FROM n;" \
	"SELECT model_save('runtime', gbt_train(feature_vector('threads', threads), duration_s, '{\"n_trees\": 5}'), 'production') FROM runs;" \
	"CREATE VIEW ab AS SELECT job, r->>'n_a' AS n_a, r->>'diff' AS diff, r->>'alternative' AS alternative FROM (SELECT job, welch_ttest(duration_s, variant) AS r FROM runs GROUP BY job);"; do
	odbc "$sql"
	if [ -s "$tmp/err" ] || grep -q '^\[' "$tmp/out"; then
		setup_ok=
		fail plain_setup "'$sql' gave '$(head -n 2 "$tmp/out" "$tmp/err" | tr '\n' ' ')'"
		break
	fi
done
if [ -n "$setup_ok" ]; then
	check model_catalog "SELECT name, version, stage, kind, objective, n_features, rows_used, rows_skipped, format_version, length(checksum), error IS NULL FROM model_catalog;" \
		"runtime|1|production|gbt|duration|1|300|0|2|16|1"
	check model_metrics "SELECT metric, value FROM model_metrics WHERE metric = 'trees';" "trees|5.0"
	# the shell's answer, field by field (the view's numbers as text)
	q="SELECT job, n_a, printf('%.10f', diff), alternative FROM ab ORDER BY job;"
	want_ab=$(printf '.load %s\n%s\n%s\n' "$so" \
		"CREATE TABLE runs AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300) SELECT i AS run_id, CASE WHEN i % 2 THEN 'build' ELSE 'test' END AS job, CASE WHEN i % 3 = 0 THEN 'B' ELSE 'A' END AS variant, 100.0 + (i % 7) + 10 * (i % 3 = 0) AS duration_s FROM n; CREATE VIEW ab AS SELECT job, r->>'n_a' AS n_a, r->>'diff' AS diff, r->>'alternative' AS alternative FROM (SELECT job, welch_ttest(duration_s, variant) AS r FROM runs GROUP BY job);" \
		"$q" | "$sqlite" -init /dev/null -batch 2>"$tmp/serr")
	if [ -s "$tmp/serr" ] || [ "$(printf '%s\n' "$want_ab" | wc -l)" -ne 2 ]; then
		fail arrow_view "the sqlite3 shell itself gives '$want_ab' $(head -n 1 "$tmp/serr")"
	else
		check arrow_view "$q" "$want_ab"
	fi
fi

# A wrong LoadExt= path: the connection still works, the driver writes one
# line to stderr, and omen's functions do not exist.
bad=$tmp/no-such-dir/omen.so
printf '%s\n' "SELECT omen_version();" |
	isql -k -b -v -d'|' "Driver=$driver;Database=$tmp/smoke.db;LoadExt=$bad" >"$tmp/out" 2>"$tmp/err"
want_err="extension '$bad' did not load: $bad.so: cannot open shared object file: No such file or directory"
if grep -qxF "$want_err" "$tmp/err" && grep -qF '[SQLite]no such function: omen_version' "$tmp/out"; then
	pass wrong_loadext
else
	fail wrong_loadext "expected stderr '$want_err' and 'no such function', got '$(head -n 2 "$tmp/err" "$tmp/out" | tr '\n' ' ')'"
fi

finish
