#!/bin/sh
# auto_load_test.sh — libomen_auto.so preloaded into programs that never load
# omen themselves (ext/auto/omen_auto.c; docs/EMBED.md, "Loading omen into a
# process you do not own").
#
#   sh tests/auto_load_test.sh [-v] [--label WORD]      (from anywhere)
#
# Environment: OMEN_AUTO (default: the folder of OMEN_SO, then
# libomen_auto.so), OMEN_SO (default build/omen.so; its folder is the
# Makefile's B, and the library is built there with make if missing or out of
# date), CC (cc), PYTHON (/usr/bin/python3), SQLITE3 (sqlite3), MAKE (make).
#
# Behaviours (one case each; `FAIL <label>: <case>: <why>` on failure):
#   1. `make B=<dir> <dir>/libomen_auto.so` builds it; it exports exactly
#      sqlite3_open, sqlite3_open_v2, sqlite3_open16 and sqlite3_omen_init
#      (nm -D) and does not depend on libsqlite3 (readelf -d).
#   2. The sqlite3 shell with the library preloaded has omen without .load:
#      omen_version() is VERSION, and gbt_train + predict_duration on 200 rows
#      (duration = 10 + 2x) predicts x = 50 within 100..120; .load omen.so on
#      top of it is harmless (same version, same prediction).  Without the
#      preload the shell says "no such function: omen_version".
#   3. Python's sqlite3 (a module dlopen'ed with RTLD_LOCAL: its libsqlite3 is
#      not in the global scope) with the library preloaded: two connections of
#      one thread, then 8 threads each opening its own connection at once,
#      all predict the same value, within 100..120.
#   4. A C program linked with the system's libsqlite3 that calls
#      sqlite3_config(SQLITE_CONFIG_SINGLETHREAD) before anything (as go-dqlite
#      does) gets SQLITE_OK with the library preloaded, then has omen on the
#      connection sqlite3_open_v2 opens; after sqlite3_close, sqlite3_shutdown
#      (which empties SQLite's automatic extension list) and another
#      sqlite3_config, connections opened with sqlite3_open and sqlite3_open16
#      have omen too.
#   5. Control (the test can fail): a preloaded library whose constructor
#      initialises SQLite makes that same sqlite3_config call fail
#      (SQLITE_MISUSE, 21).
#   6. The same program's 8 threads open their first connections at once
#      (SQLite serialized, the default) and all predict the same value.
#   7. Programs that never open a database run as usual with the library
#      preloaded (a C program that only prints, and /bin/sh).
#   8. The last line is `<label>: N passed, M failed[, K skipped]`; the exit
#      status is 1 if M > 0.

# shellcheck disable=SC2086,SC2046 # $CC and $(cat ...) are word lists on purpose
cd "$(dirname "$0")/.." || exit 2
label=auto_load
verbose=
while [ $# -gt 0 ]; do
	case $1 in
	-v) verbose=1 ;;
	--label) label=$2; shift ;;
	*) echo "usage: sh tests/auto_load_test.sh [-v] [--label WORD]" >&2; exit 2 ;;
	esac
	shift
done
OMEN_SO=${OMEN_SO:-build/omen.so}
B=$(dirname "$OMEN_SO")
OMEN_AUTO=${OMEN_AUTO:-$B/libomen_auto.so}
CC=${CC:-cc}
PYTHON=${PYTHON:-/usr/bin/python3}
SQLITE3=${SQLITE3:-sqlite3}
MAKE=${MAKE:-make}
VERSION=$(cat VERSION)

. tests/cases.sh # (from the repository root) pass, fail, skip, check, in_range, finish
tmp=$(mktemp -d "${TMPDIR:-/tmp}/omen-auto.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' HUP INT TERM

# out FILE KEY: the rest of the line `KEY value` in FILE.
out() { sed -n "s/^$2 //p" "$1" | head -n 1; }

AUTO=$(cd "$(dirname "$OMEN_AUTO")" 2>/dev/null && pwd)/$(basename "$OMEN_AUTO")
SO_NOEXT=$(cd "$(dirname "$OMEN_SO")" 2>/dev/null && pwd)/$(basename "$OMEN_SO" .so)
TRAIN="WITH RECURSIVE i(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM i WHERE x < 199)"
PREDICT="SELECT omen_version(), round(predict_duration((SELECT gbt_train(feature_vector('x', x), 10 + 2 * x) FROM i), feature_vector('x', 50)), 6)"

# -- 1. the library -------------------------------------------------------------
if [ "$OMEN_AUTO" = "$B/libomen_auto.so" ]; then
	if ! $MAKE -s --no-print-directory B="$B" "$B/libomen_auto.so" >"$tmp/make.log" 2>&1; then
		fail "make $B/libomen_auto.so" "failed" "$tmp/make.log"
		finish
	fi
fi
if ! [ -f "$AUTO" ]; then
	fail "library" "$OMEN_AUTO is missing"
	finish
fi
nm -D --defined-only "$AUTO" | awk 'NF >= 3 { print $3 }' | sort >"$tmp/exports"
printf '%s\n' sqlite3_omen_init sqlite3_open sqlite3_open16 sqlite3_open_v2 | sort >"$tmp/expected"
if cmp -s "$tmp/exports" "$tmp/expected"; then pass "exports"; else fail "exports" "nm -D differs" "$tmp/exports"; fi
if readelf -d "$AUTO" | grep -q 'NEEDED.*libsqlite3'; then
	fail "no libsqlite3 dependency" "readelf -d lists libsqlite3"
else
	pass "no libsqlite3 dependency"
fi

# -- 2. the sqlite3 shell ---------------------------------------------------------
LD_PRELOAD=$AUTO $SQLITE3 -batch -separator ' ' :memory: "$TRAIN $PREDICT" >"$tmp/shell.out" 2>&1
set -- $(cat "$tmp/shell.out")
if [ "$1" = "$VERSION" ] && in_range "$2" 100 120; then pass "sqlite3 shell: omen without .load"; else fail "sqlite3 shell: omen without .load" "got: $*" "$tmp/shell.out"; fi
shell_pred=$2
printf '.load %s\n%s %s;\n' "$SO_NOEXT" "$TRAIN" "$PREDICT" | LD_PRELOAD=$AUTO $SQLITE3 -batch -separator ' ' :memory: >"$tmp/load.out" 2>&1
if [ "$(cat "$tmp/load.out")" = "$VERSION $shell_pred" ]; then pass "sqlite3 shell: .load omen.so on top"; else fail "sqlite3 shell: .load omen.so on top" "got: $(head -c 300 "$tmp/load.out")"; fi
$SQLITE3 -batch :memory: "SELECT omen_version()" >"$tmp/none.out" 2>&1
check "sqlite3 shell without the preload: no such function" grep -q "no such function: omen_version" "$tmp/none.out"

# -- 3. Python's sqlite3 ------------------------------------------------------------
cat >"$tmp/py.py" <<EOF
import sqlite3, sys, threading
q = """$TRAIN $PREDICT"""
a = sqlite3.connect(":memory:")
b = sqlite3.connect(":memory:")
print("two", *a.execute(q).fetchone(), b.execute(q).fetchone()[1])
out = [None] * 8
start = threading.Barrier(8)
def work(k):
    start.wait()
    c = sqlite3.connect(":memory:")
    out[k] = c.execute(q).fetchone()[1]
    c.close()
ts = [threading.Thread(target=work, args=(k,)) for k in range(8)]
for t in ts: t.start()
for t in ts: t.join()
print("threads", len(set(out)), out[0])
EOF
if LD_PRELOAD=$AUTO "$PYTHON" "$tmp/py.py" >"$tmp/py.out" 2>&1; then
	set -- $(out "$tmp/py.out" two)
	if [ "$1" = "$VERSION" ] && [ "$2" = "$3" ] && in_range "$2" 100 120; then pass "python: two connections"; else fail "python: two connections" "got: $*" "$tmp/py.out"; fi
	set -- $(out "$tmp/py.out" threads)
	if [ "$1" = 1 ] && [ "$2" = "$shell_pred" ]; then pass "python: 8 threads"; else fail "python: 8 threads" "got: $*" "$tmp/py.out"; fi
else
	fail "python" "exit status $?" "$tmp/py.out"
fi

# -- 4-7. a C host ----------------------------------------------------------------------
cat >"$tmp/host.c" <<EOF
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sqlite3.h>
static const char *Q = "$TRAIN $PREDICT";
static void query(sqlite3 *db, const char *tag) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, Q, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    printf("%s %s %s\n", tag, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1));
  else
    printf("%s error %s\n", tag, sqlite3_errmsg(db));
  sqlite3_finalize(st);
}
static pthread_barrier_t bar;
static void *work(void *arg) {
  sqlite3 *db;
  char tag[16];
  snprintf(tag, sizeof tag, "thread%d", (int)(long)arg);
  pthread_barrier_wait(&bar);
  if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) == SQLITE_OK) query(db, tag);
  sqlite3_close(db);
  return NULL;
}
int main(int argc, char **argv) {
  sqlite3 *db;
  if (argc > 1 && !strcmp(argv[1], "none")) { puts("none ok"); return 0; }
  if (argc > 1 && !strcmp(argv[1], "threads")) {
    pthread_t t[8];
    long k;
    pthread_barrier_init(&bar, NULL, 8);
    for (k = 0; k < 8; k++) pthread_create(&t[k], NULL, work, (void *)k);
    for (k = 0; k < 8; k++) pthread_join(t[k], NULL);
    return 0;
  }
  printf("config %d\n", sqlite3_config(SQLITE_CONFIG_SINGLETHREAD));
  if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
    printf("open_v2 error %s\n", sqlite3_errmsg(db));
    return 1;
  }
  query(db, "open_v2");
  sqlite3_close(db);
  sqlite3_shutdown();
  printf("config2 %d\n", sqlite3_config(SQLITE_CONFIG_SERIALIZED));
  if (sqlite3_open(":memory:", &db) == SQLITE_OK) query(db, "open");
  sqlite3_close(db);
  if (sqlite3_open16(u":memory:", &db) == SQLITE_OK) query(db, "open16");
  sqlite3_close(db);
  return 0;
}
EOF
cat >"$tmp/bad.c" <<EOF
#include <sqlite3.h>
__attribute__((constructor)) static void touch(void) { sqlite3_initialize(); }
EOF
if $CC -std=c11 -D_GNU_SOURCE -O1 -Wall -o "$tmp/host" "$tmp/host.c" -lsqlite3 -lpthread >"$tmp/cc.log" 2>&1 &&
	$CC -shared -fPIC -o "$tmp/libbad.so" "$tmp/bad.c" -lsqlite3 >>"$tmp/cc.log" 2>&1; then
	LD_PRELOAD=$AUTO "$tmp/host" >"$tmp/host.out" 2>&1
	check "C host: sqlite3_config(SINGLETHREAD) first = SQLITE_OK" test "$(out "$tmp/host.out" config)" = 0
	for tag in open_v2 open open16; do
		set -- $(out "$tmp/host.out" $tag)
		if [ "$1" = "$VERSION" ] && [ "$2" = "$shell_pred" ]; then pass "C host: omen through sqlite3_$tag"; else fail "C host: omen through sqlite3_$tag" "got: $*" "$tmp/host.out"; fi
	done
	check "C host: sqlite3_config after sqlite3_shutdown = SQLITE_OK" test "$(out "$tmp/host.out" config2)" = 0
	LD_PRELOAD=$tmp/libbad.so "$tmp/host" >"$tmp/bad.out" 2>&1
	check "control: a constructor that initialises SQLite breaks sqlite3_config (21)" test "$(out "$tmp/bad.out" config)" = 21
	LD_PRELOAD=$AUTO "$tmp/host" threads >"$tmp/threads.out" 2>&1
	if [ "$(grep -c "^thread[0-7] $VERSION $shell_pred\$" "$tmp/threads.out")" = 8 ]; then pass "C host: 8 threads open at once"; else fail "C host: 8 threads open at once" "not 8 equal lines" "$tmp/threads.out"; fi
	check "C host that never opens a database" test "$(LD_PRELOAD=$AUTO "$tmp/host" none 2>&1)" = "none ok"
else
	fail "C host" "build failed (needs libsqlite3-dev for sqlite3.h)" "$tmp/cc.log"
fi
check "/bin/sh with the library preloaded" test "$(LD_PRELOAD=$AUTO /bin/sh -c 'echo ok' 2>&1)" = ok

finish
