#!/bin/sh
# static_embed_test.sh — omen as the amalgamation, statically linked and
# loaded, and `make install` with its pkg-config file (docs/EMBED.md).
#
#   sh tests/static_embed_test.sh [-v] [--label WORD]      (from anywhere)
#   make test-static  /  sh tests/run-suites static
#
# Environment: OMEN_SO (default build/omen.so; its folder is the Makefile's B,
# so OMEN_SO=build-x/omen.so uses build-x/amalgamation and build-x/omen.so),
# CC (cc), PYTHON (/usr/bin/python3), MAKE (make).
#
# Behaviours (one case each; `FAIL <label>: <case>: <why>` on failure):
#   1. `make amalgamation` writes $B/amalgamation/omen.c and omen.h; omen.h
#      defines OMEN_VERSION as the VERSION file says; omen.c includes no
#      header of ours (only <...> ones); tools/amalgamate.py run again gives
#      a byte-identical omen.c.
#   2. Static: omen.c compiles with -DOMEN_STATIC and the Makefile's warning
#      flags (less -Wunused-function: clang reports a header's unused static
#      inline once it is in the main file) without a single warning (a macro
#      or name clash the generator missed shows up here) at -O2 (as
#      docs/EMBED.md builds it); the object defines no global name but the
#      entry points (tools/amalgamate.py behaviour 6: the program sees none
#      of omen's internal names); and tests/static_embed/main.c links with it and
#      Debian's libsqlite3.a (found with pkg-config or gcc -print-file-name;
#      when absent, cases 2-5 are skipped with a message, never failed).
#   3. The program (two connections, sqlite3_auto_extension() twice, the
#      entry point called again on one connection) prints omen_version() and
#      OMEN_VERSION equal to VERSION, saves versions 1 and 2, and predicts
#      the same finite duration, within 70..90 (the truth is 80), on each
#      connection, after registering twice and across connections.
#   4. The ```c example of docs/EMBED.md builds the same way and prints
#      "omen <VERSION> (omen.h <VERSION>): <n> seconds" with n in 100..120.
#   5. Built with -DOMEN_MIN_SQLITE above this SQLite's version, opening a
#      connection fails with "omen: needs SQLite 3.31.0 or later" and the
#      running version, and the program exits 1 without crashing.  Built
#      with -DOMEN_JSON_PROBE naming a function that does not exist (an
#      SQLite without JSON functions, simulated: ext/omen.c behaviour 7), it
#      fails the same way with "omen: needs SQLite's JSON functions ...".
#   6. Loadable: omen.c without -DOMEN_STATIC links as a shared object with
#      -Wl,-z,defs and the documented libraries, and exports no name but
#      the entry points (built without -fvisibility=hidden, as a user
#      would: SQLite loads extensions RTLD_GLOBAL, so an exported internal
#      name could bind another extension's calls); Python's sqlite3 loads it
#      twice into one connection and gets omen_version() = VERSION and a
#      finite prediction (skipped if Python's sqlite3 cannot load extensions).
#   7. `make install DESTDIR=<tmp> PREFIX=/usr/local` installs omen.so,
#      omen.h and lib/pkgconfig/omen.pc; with PKG_CONFIG_PATH on it,
#      `pkg-config --modversion omen` = VERSION, --variable=extension names
#      the installed module, --libs --static lists the private libraries, and
#      main.c compiles against the installed header through --cflags
#      (PKG_CONFIG_SYSROOT_DIR=<tmp>).  Skipped without pkg-config.
#   8. The last line is `<label>: N passed, M failed[, K skipped]`; the exit
#      status is 1 if M > 0.

# shellcheck disable=SC2086 # $CC $WARN $LIBS are word lists on purpose
cd "$(dirname "$0")/.." || exit 2
label=static_embed
verbose=
while [ $# -gt 0 ]; do
	case $1 in
	-v) verbose=1 ;;
	--label) label=$2; shift ;;
	*) echo "usage: sh tests/static_embed_test.sh [-v] [--label WORD]" >&2; exit 2 ;;
	esac
	shift
done
OMEN_SO=${OMEN_SO:-build/omen.so}
B=$(dirname "$OMEN_SO")
CC=${CC:-cc}
PYTHON=${PYTHON:-/usr/bin/python3}
MAKE=${MAKE:-make}
VERSION=$(cat VERSION)
AMAL=$B/amalgamation
LIBS="-llapacke -llapack -lxxhash -lm -lpthread"
WARN="-std=c11 -Wall -Wextra -Wshadow -Wno-unused-parameter -Wno-unused-function"

. tests/cases.sh # (from the repository root) pass, fail, skip, check, in_range, finish
tmp=$(mktemp -d "${TMPDIR:-/tmp}/omen-static.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' HUP INT TERM

# out FILE KEY: the rest of the line `KEY value` in FILE.
out() { sed -n "s/^$2 //p" "$1" | head -n 1; }

# only_entry_points CASE NM-COMMAND...: the global names NM-COMMAND lists are
# sqlite3_omen_init and other sqlite3_<letters>_init entry points only.
only_entry_points() {
	c=$1
	shift
	"$@" >"$tmp/nm.out" 2>&1 || { fail "$c" "$* failed" "$tmp/nm.out"; return 0; }
	awk 'NF >= 3 { print $3 }' "$tmp/nm.out" | grep -v '^_init$\|^_fini$' >"$tmp/nm.names"
	grep -v '^sqlite3_[a-z]*_init$' "$tmp/nm.names" >"$tmp/nm.other"
	if grep -qx sqlite3_omen_init "$tmp/nm.names" && ! [ -s "$tmp/nm.other" ]; then
		pass "$c"
	else
		fail "$c" "$(wc -l <"$tmp/nm.other") other names" "$tmp/nm.other"
	fi
}

# refused_at_load LABEL TAG DEFINE PATTERN: omen.c compiled with DEFINE (static),
# linked with main.c, must exit 1 with a line matching PATTERN (behaviour 5).
refused_at_load() {
	if $CC -O0 -DOMEN_STATIC "$3" -c "$AMAL/omen.c" -o "$tmp/omen_$2.o" >"$tmp/cc_$2.log" 2>&1 &&
		$CC -I"$AMAL" tests/static_embed/main.c "$tmp/omen_$2.o" "$lib" $LIBS -ldl -o "$tmp/embed_$2" >>"$tmp/cc_$2.log" 2>&1; then
		"$tmp/embed_$2" "$tmp/$2.db" >"$tmp/$2.out" 2>&1
		rc=$?
		if [ "$rc" -eq 1 ] && grep -q "$4" "$tmp/$2.out"; then
			pass "$1"
		else
			fail "$1" "exit status $rc" "$tmp/$2.out"
		fi
	else
		fail "$1" "build failed" "$tmp/cc_$2.log"
	fi
}
# -- 1. the amalgamation ------------------------------------------------------
if ! $MAKE -s --no-print-directory B="$B" amalgamation >"$tmp/make.log" 2>&1; then
	fail "make amalgamation" "failed" "$tmp/make.log"
	finish
fi
check "omen.c and omen.h written" test -s "$AMAL/omen.c" -a -s "$AMAL/omen.h"
check "omen.h carries VERSION" grep -q "^#define OMEN_VERSION \"$VERSION\"\$" "$AMAL/omen.h"
if grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$AMAL/omen.c" >"$tmp/inc.log"; then
	fail "omen.c includes only system headers" "project #include left" "$tmp/inc.log"
else
	pass "omen.c includes only system headers"
fi
if "$PYTHON" tools/amalgamate.py --out "$tmp/again" >"$tmp/again.log" 2>&1 && cmp -s "$tmp/again/omen.c" "$AMAL/omen.c"; then
	pass "deterministic"
else
	fail "deterministic" "a second run of tools/amalgamate.py differs from $AMAL/omen.c" "$tmp/again.log"
fi

# -- 2-5. static, with Debian's libsqlite3.a ----------------------------------
lib=
d=$(pkg-config --variable=libdir sqlite3 2>/dev/null)
[ -n "$d" ] && [ -f "$d/libsqlite3.a" ] && lib=$d/libsqlite3.a
if [ -z "$lib" ]; then
	d=$($CC -print-file-name=libsqlite3.a 2>/dev/null)
	[ -n "$d" ] && [ -f "$d" ] && lib=$d
fi
if [ -z "$lib" ]; then
	skip "static: no libsqlite3.a (apt-get install libsqlite3-dev); cases 2-5 not run"
else
	# Debian's SQLite has column metadata: the registry's direct read path.
	meta=
	nm "$lib" 2>/dev/null | grep -q ' T sqlite3_column_origin_name$' && meta=-DSQLITE_ENABLE_COLUMN_METADATA
	if $CC $WARN -O2 -DOMEN_STATIC $meta -c "$AMAL/omen.c" -o "$tmp/omen_static.o" >"$tmp/cc.log" 2>&1 &&
		! [ -s "$tmp/cc.log" ]; then
		pass "static compile, no warnings"
	else
		fail "static compile, no warnings" "$CC $WARN -O2 -DOMEN_STATIC -c omen.c" "$tmp/cc.log"
	fi
	if [ -f "$tmp/omen_static.o" ]; then
		only_entry_points "static object: no global name but the entry points" nm -g --defined-only "$tmp/omen_static.o"
	fi
	if [ -f "$tmp/omen_static.o" ] &&
		$CC $WARN -I"$AMAL" tests/static_embed/main.c "$tmp/omen_static.o" "$lib" $LIBS -ldl \
			-o "$tmp/embed" >"$tmp/ld.log" 2>&1; then
		pass "static link with libsqlite3.a"
		"$tmp/embed" "$tmp/embed.db" >"$tmp/embed.out" 2>&1
		rc=$?
		[ -n "$verbose" ] && sed 's/^/    /' "$tmp/embed.out"
		if [ "$rc" -eq 0 ] && [ "$(tail -n 1 "$tmp/embed.out")" = "done" ]; then
			pass "program runs"
		else
			fail "program runs" "exit status $rc" "$tmp/embed.out"
		fi
		o=$tmp/embed.out
		check "omen_version() = VERSION" test "$(out "$o" version)" = "$VERSION"
		check "OMEN_VERSION = VERSION" test "$(out "$o" header)" = "$VERSION"
		check "conn1 saves version 1" test "$(out "$o" "conn1 saved")" = 1
		check "conn2 saves version 2" test "$(out "$o" "conn2 saved")" = 2
		p1=$(out "$o" "conn1 predict")
		check "conn1 prediction in 70..90" in_range "$p1" 70 90
		check "conn2 prediction = conn1's" test -n "$p1" -a "$(out "$o" "conn2 predict")" = "$p1"
		check "registering twice: rc 0" test "$(out "$o" "twice rc")" = 0
		check "registering twice: same prediction" test -n "$p1" -a "$(out "$o" "twice predict")" = "$p1"
		check "across connections: same prediction" test -n "$p1" -a "$(out "$o" "cross predict")" = "$p1"
	else
		fail "static link with libsqlite3.a" "$CC main.c omen.o $lib $LIBS" "$tmp/ld.log"
	fi
	# The example of docs/EMBED.md (its ```c block), as the page builds it.
	awk '/^```c$/ { f = 1; next } /^```$/ { f = 0 } f' docs/EMBED.md >"$tmp/embed_doc.c"
	if [ -f "$tmp/omen_static.o" ] &&
		$CC $WARN -I"$AMAL" "$tmp/embed_doc.c" "$tmp/omen_static.o" "$lib" $LIBS -ldl -o "$tmp/embed_doc" >"$tmp/doc.log" 2>&1 &&
		"$tmp/embed_doc" >"$tmp/doc.out" 2>&1; then
		secs=$(sed -n "s/^omen $VERSION (omen.h $VERSION): \([0-9]*\) seconds\$/\1/p" "$tmp/doc.out")
		check "docs/EMBED.md example prints version and prediction" in_range "$secs" 100 120
	else
		cat "$tmp/doc.out" >>"$tmp/doc.log" 2>/dev/null
		fail "docs/EMBED.md example prints version and prediction" "build or run failed" "$tmp/doc.log"
	fi
	# 5. a SQLite older than omen needs, and one without JSON functions
	# (simulated: the probe names a function that does not exist): refused
	# when the connection opens.
	refused_at_load "too old a SQLite: clear error at load" old -DOMEN_MIN_SQLITE=999999999 \
		"omen: needs SQLite 3\.31\.0 or later.*; this is [0-9][0-9.]*\$"
	refused_at_load "no JSON functions: clear error at load" nojson '-DOMEN_JSON_PROBE="omen_no_json_here"' \
		"omen: needs SQLite's JSON functions (json_extract, json_each: built in from SQLite 3\.38\.0, the JSON1 extension before); this SQLite [0-9][0-9.]* has none\$"
fi

# -- 6. loadable, from the same omen.c ----------------------------------------
mkdir -p "$tmp/so" # the file must be omen.so: SQLite derives sqlite3_omen_init from it
if $CC -O0 -fPIC -shared -Wl,-z,defs "$AMAL/omen.c" -o "$tmp/so/omen.so" $LIBS >"$tmp/so.log" 2>&1; then
	pass "loadable build (-Wl,-z,defs)"
	only_entry_points "loadable: exports no name but the entry points" nm -D --defined-only "$tmp/so/omen.so"
	if "$PYTHON" -c 'import sqlite3; sqlite3.connect(":memory:").enable_load_extension(True)' 2>/dev/null; then
		if "$PYTHON" - "$tmp/so/omen" "$VERSION" >"$tmp/py.out" 2>&1 <<'EOF'
import math, sys, sqlite3
path, version = sys.argv[1], sys.argv[2]
db = sqlite3.connect(":memory:")
db.enable_load_extension(True)
db.load_extension(path)
db.load_extension(path)  # twice: harmless
v = db.execute("SELECT omen_version()").fetchone()[0]
db.execute("CREATE TABLE runs(x REAL, d REAL)")
db.executemany("INSERT INTO runs VALUES (?, ?)", [(i % 50, 10 + 2 * (i % 50)) for i in range(300)])
blob = db.execute("SELECT gbt_train(feature_vector('x', x), d) FROM runs").fetchone()[0]
p = db.execute("SELECT predict_duration(?, feature_vector('x', 20))", (blob,)).fetchone()[0]
print("version", v, "predict", p)
sys.exit(0 if v == version and isinstance(p, float) and math.isfinite(p) and 40 <= p <= 60 else 1)
EOF
		then
			pass "loadable: loaded twice, version and prediction"
		else
			fail "loadable: loaded twice, version and prediction" "python check failed" "$tmp/py.out"
		fi
	else
		skip "loadable: this Python's sqlite3 cannot load extensions"
	fi
else
	fail "loadable build (-Wl,-z,defs)" "$CC -fPIC -shared omen.c $LIBS" "$tmp/so.log"
fi

# -- 7. make install and omen.pc ----------------------------------------------
if ! command -v pkg-config >/dev/null 2>&1; then
	skip "install: no pkg-config (apt-get install pkg-config)"
elif ! $MAKE -s --no-print-directory B="$B" install DESTDIR="$tmp/root" PREFIX=/usr/local >"$tmp/install.log" 2>&1; then
	fail "make install" "failed" "$tmp/install.log"
else
	root=$tmp/root/usr/local
	check "installed omen.so, omen.h, omen.pc" test -f "$root/lib/omen/omen.so" -a -f "$root/include/omen.h" \
		-a -f "$root/lib/pkgconfig/omen.pc"
	export PKG_CONFIG_PATH="$root/lib/pkgconfig"
	check "pkg-config --modversion omen = VERSION" test "$(pkg-config --modversion omen 2>&1)" = "$VERSION"
	check "pkg-config extension = installed module" test "$(pkg-config --variable=extension omen)" = /usr/local/lib/omen/omen
	libs=$(pkg-config --libs --static omen 2>&1)
	check "pkg-config --libs --static: private libraries" sh -c 'for l in -llapacke -llapack -lxxhash -lm; do
		case " $1 " in *" $l "*) ;; *) exit 1 ;; esac; done' sh "$libs"
	cflags=$(PKG_CONFIG_SYSROOT_DIR="$tmp/root" pkg-config --cflags omen 2>&1 | sed 's/ *$//')
	check "pkg-config --cflags: the installed omen.h" test "$cflags" = "-I$root/include"
	if [ -f "$tmp/omen_static.o" ] && [ -n "$lib" ]; then
		# shellcheck disable=SC2086
		if $CC $WARN $cflags tests/static_embed/main.c "$tmp/omen_static.o" "$lib" \
			$(pkg-config --libs --static omen) -ldl -o "$tmp/embed_pc" >"$tmp/pc.log" 2>&1 &&
			"$tmp/embed_pc" "$tmp/pc.db" >"$tmp/pc.out" 2>&1; then
			pass "main.c built with pkg-config's flags runs"
		else
			fail "main.c built with pkg-config's flags runs" "build or run failed" "$tmp/pc.log"
		fi
	fi
fi
finish
