#!/bin/sh
# clients_test.sh — omen loaded by the clients people use besides the sqlite3
# shell, Python's sqlite3 and ODBC (tested elsewhere): Node.js with
# better-sqlite3, and sqlite-utils (docs/CLIENTS.md).
#
#   sh tests/clients_test.sh [-v] [--install] [--label WORD]      (from anywhere)
#   make test-clients     (= --install: installs what is missing, then runs)
#
# Environment: OMEN_SO (default build/omen.so), SQLITE3 (sqlite3), PYTHON
# (/usr/bin/python3), NODE (node), NPM (npm), OMEN_CLIENTS_CACHE (default
# ${XDG_CACHE_HOME:-$HOME/.cache}/omen-clients).
#
# Behaviours:
#   1. Node.js: better-sqlite3 lives in OMEN_CLIENTS_CACHE/node-abi<N>
#      (N = Node's module ABI, process.versions.modules, so another Node
#      gets its own build), installed from tests/clients/package.json; it is
#      ready when its better_sqlite3.node exists and the cached package.json
#      is identical to ours.  Nothing is ever written into the repository.
#   2. Without --install nothing is installed and the network is not used:
#      when better-sqlite3 is not ready the Node part prints `skipped:
#      better-sqlite3 not installed; make test-clients installs it` and
#      counts nothing.  Without node, or with a Node older than 20 (what
#      better-sqlite3 12 needs), it prints `skipped: <why>` likewise.
#   3. --install, better-sqlite3 not ready: `npm install` into a fresh
#      folder next to the cache, moved into place only when it succeeded
#      (so a failed or interrupted install leaves no half-built cache).  When
#      Node's install prefix has its headers (include/node/node_api.h, as
#      the nodesource and Debian packages ship them), npm_config_nodedir
#      points there, so node-gyp builds from source without downloading
#      headers; better-sqlite3's install script first tries a prebuilt
#      binary from GitHub and builds from source when that fails (needs
#      python3, make, g++).  The log is OMEN_CLIENTS_CACHE/npm-install.log;
#      a failed install prints its tail and `skipped: ...` (not a failure:
#      the client cannot be installed here).
#   4. --install, no sqlite-utils: as root, `apt-get install -y
#      --no-install-recommends sqlite-utils` (after `apt-get update` if the
#      first attempt fails); otherwise it prints the sudo line.  A part
#      whose client is still absent is skipped, never failed.
#   5. The Node part is tests/clients/node_test.js, the sqlite-utils part
#      tests/clients/sqlite_utils_test.sh; their FAIL and skip lines are
#      shown (PASS lines too with -v),
#      and their counts added.  A part that ends without its count line, or
#      whose exit status contradicts its count, adds one failure.  A missing
#      omen.so is a failure (build it first).
#   6. The last line is `<label>: N passed, M failed` (label `clients`);
#      the exit status is 1 iff M > 0.

cd "$(dirname "$0")/.." || exit 2
label=clients
install=
verbose=
while [ $# -gt 0 ]; do
	case $1 in
	--install) install=1 ;;
	--label) label=$2; shift ;;
	-v) verbose=1 ;;
	*) echo "usage: sh tests/clients_test.sh [-v] [--install] [--label WORD]" >&2; exit 2 ;;
	esac
	shift
done
OMEN_SO=${OMEN_SO:-build/omen.so}
case $OMEN_SO in /*) ;; *) OMEN_SO=$(pwd)/$OMEN_SO ;; esac
SQLITE3=${SQLITE3:-sqlite3}
PYTHON=${PYTHON:-/usr/bin/python3}
NODE=${NODE:-node}
NPM=${NPM:-npm}
cache=${OMEN_CLIENTS_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/omen-clients}
export OMEN_SO SQLITE3 PYTHON
n=0 m=0

tmp=$(mktemp -d "${TMPDIR:-/tmp}/omen-clients.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' HUP INT TERM

finish() {
	echo "$label: $n passed, $m failed"
	[ "$m" -eq 0 ]
	exit $?
}

# part NAME CMD...: run CMD (its last line `NAME: N passed, M failed`),
# show its output, add its count.
part() {
	pname=$1
	shift
	"$@" >"$tmp/part.out" 2>&1
	rc=$?
	if [ -n "$verbose" ]; then
		grep -v "^$pname: [0-9]* passed, [0-9]* failed\$" "$tmp/part.out"
	else
		grep -v "^$pname: [0-9]* passed, [0-9]* failed\$\|^PASS " "$tmp/part.out"
	fi
	count=$(tail -n 1 "$tmp/part.out" | sed -n "s/^$pname: \([0-9]*\) passed, \([0-9]*\) failed\$/\1 \2/p")
	if [ -z "$count" ]; then
		echo "FAIL $pname: crashed or printed no count (exit status $rc)"
		m=$((m + 1))
		return
	fi
	n=$((n + ${count% *}))
	m=$((m + ${count#* }))
	if { [ "$rc" -eq 0 ] && [ "${count#* }" -gt 0 ]; } || { [ "$rc" -ne 0 ] && [ "${count#* }" -eq 0 ]; }; then
		echo "FAIL $pname: exit status $rc does not match its count"
		m=$((m + 1))
	fi
}

if [ ! -f "$OMEN_SO" ]; then
	echo "FAIL $label: $OMEN_SO does not exist (build it: make)"
	m=$((m + 1))
	finish
fi

# ---- Node.js + better-sqlite3 ----------------------------------------------
# node_install DIR: npm install tests/clients/package.json into DIR.
node_install() {
	dir=$1
	new=$dir.new.$$
	log=$cache/npm-install.log
	rm -rf "$new"
	mkdir -p "$new" || return 1
	cp tests/clients/package.json "$new/package.json" || return 1
	prefix=$(dirname "$(dirname "$("$NODE" -p process.execPath)")")
	if [ -f "$prefix/include/node/node_api.h" ]; then
		npm_config_nodedir=$prefix
		export npm_config_nodedir
	fi
	echo "installing better-sqlite3 into $dir (npm; a build from source takes a few minutes; log: $log)"
	start=$(date +%s)
	if (cd "$new" && "$NPM" install --no-audit --no-fund --no-package-lock) >"$log" 2>&1 &&
		[ -f "$new/node_modules/better-sqlite3/build/Release/better_sqlite3.node" ]; then
		rm -rf "$dir"
		mv "$new" "$dir" || return 1
		echo "installed $("$NODE" -p "require('$dir/node_modules/better-sqlite3/package.json').version" 2>/dev/null) in $(($(date +%s) - start)) s"
		return 0
	fi
	rm -rf "$new"
	tail -n 15 "$log" | sed 's/^/    /'
	return 1
}

node_part() {
	if ! command -v "$NODE" >/dev/null 2>&1; then
		echo "skipped: node not found (Node.js 20 or later, with npm; docs/CLIENTS.md)"
		return
	fi
	major=$("$NODE" -p 'process.versions.node.split(".")[0]' 2>/dev/null)
	abi=$("$NODE" -p process.versions.modules 2>/dev/null)
	case $major$abi in '' | *[!0-9]*)
		echo "FAIL node: '$NODE' does not report its version"
		m=$((m + 1))
		return
		;;
	esac
	if [ "$major" -lt 20 ]; then
		echo "skipped: Node.js $("$NODE" --version) is older than 20, which better-sqlite3 12 needs"
		return
	fi
	dir=$cache/node-abi$abi
	bsq=$dir/node_modules/better-sqlite3
	ready=
	[ -f "$bsq/build/Release/better_sqlite3.node" ] && cmp -s tests/clients/package.json "$dir/package.json" && ready=1
	if [ -z "$ready" ] && [ -n "$install" ]; then
		if ! command -v "$NPM" >/dev/null 2>&1; then
			echo "skipped: npm not found, so better-sqlite3 cannot be installed"
			return
		fi
		mkdir -p "$cache"
		if ! node_install "$dir"; then
			echo "skipped: npm install of better-sqlite3 failed (no network? log: $cache/npm-install.log)"
			return
		fi
		ready=1
	fi
	if [ -z "$ready" ]; then
		echo "skipped: better-sqlite3 not installed; make test-clients installs it"
		return
	fi
	mkdir -p "$tmp/node"
	OMEN_BSQ3=$bsq OMEN_TMP=$tmp/node OMEN_VERSION=$(cat VERSION)
	export OMEN_BSQ3 OMEN_TMP OMEN_VERSION
	part node "$NODE" tests/clients/node_test.js
}

# ---- sqlite-utils ------------------------------------------------------------
su_install() {
	command -v sqlite-utils >/dev/null 2>&1 && return
	if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
		echo "sqlite-utils is not installed; to install it: sudo apt-get install -y --no-install-recommends sqlite-utils"
		return
	fi
	echo "installing sqlite-utils (apt-get)"
	apt_opts="-y -q --no-install-recommends"
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086 # $apt_opts is a word list
	apt-get install $apt_opts sqlite-utils >"$tmp/apt.log" 2>&1 ||
		{ apt-get update -q >>"$tmp/apt.log" 2>&1 && apt-get install $apt_opts sqlite-utils >>"$tmp/apt.log" 2>&1; } ||
		tail -n 5 "$tmp/apt.log" | sed 's/^/    /'
}

node_part
[ -n "$install" ] && su_install
part sqlite_utils sh tests/clients/sqlite_utils_test.sh
finish
