#!/bin/sh
# package_test.sh — the Debian package (docs/DEBIAN.md), as a user meets it:
# built from a copy of the tree, installed into a fresh Debian bookworm
# chroot with apt-get, loaded from the sqlite3 shell and used to predict.
#
#   make package-test  /  sh tools/package_test.sh [-v] [--label WORD]   (root)
#   sh tools/package_test.sh --quick [SO]     no root, < 1 s: cases 1-2 only
#   sh tools/package_test.sh --check-version  no root, < 1 s: case 1 only
#
# Environment: OMEN_SO (the module --quick checks; default build/omen.so),
# OMEN_FRESH_CACHE (default ~/.cache/omen-fresh: its base.tar, made by
# ../shared/tools/fresh-machine-check, is the chroot when present),
# OMEN_PACKAGE_CACHE (default ~/.cache/omen-package: where a minbase
# bookworm is debootstrapped and kept as base.tar when there is no
# fresh-machine base), TMPDIR.
#
# Behaviours (one case each; `FAIL <label>: <case>: <why>` on failure):
#   1. debian/changelog's first entry is for source `omen` and its upstream
#      version (the version less the Debian revision) is the content of
#      VERSION, the one place the version lives.
#   2. (--quick) The module exports exactly the two entry points,
#      sqlite3_omen_init and sqlite3_modomen_init (ext/omen.c behaviour 1),
#      and a copy named mod_omen.so loads in the sqlite3 shell by that name,
#      with no entry point given, and returns omen_version() = VERSION.
#   3. Without root: `skipped: needs root for the chroot`, `package: 0
#      passed, 0 failed`, exit 0.  Missing build tools (dpkg-dev, debhelper,
#      the Build-Depends) are installed with apt-get; when that fails the
#      run is skipped the same way, never failed.
#   4. The tree is copied (git's tracked and untracked-but-not-ignored
#      files, so uncommitted work is tested; build directories never) into a
#      temporary directory, and `dpkg-buildpackage -b -us -uc -j2` there
#      builds libsqlite3-mod-omen_<VERSION>-<rev>_<arch>.deb; nothing is
#      written beside the checkout or into its build/.
#   5. The .deb holds /usr/lib/<multiarch>/mod_omen.so with SONAME
#      mod_omen.so, exporting only the two entry points, and
#      /usr/share/omen/sql/registry.sql; its Depends names only packages of
#      the allowed set (libc6, liblapacke, libxxhash0).
#   6. lintian (installed with apt-get when missing) reports no error on the
#      .changes; its warnings and notes are printed, not counted.
#   7. A chroot is unpacked from the cached bookworm base (base.tar of
#      $OMEN_FRESH_CACHE, else one made here with debootstrap --variant=
#      minbase and kept in $OMEN_PACKAGE_CACHE); there `apt-get install -y
#      ./libsqlite3-mod-omen_*.deb` installs it and its dependencies from
#      the mirror (if the mirror cannot be reached, the remaining cases are
#      skipped with a message).  `dpkg -s` then says installed, the version
#      is VERSION-<rev>, and Depends lists only allowed packages.
#   8. In the chroot, in the sqlite3 shell run from /: `.load mod_omen` (the
#      short name, found on the library path) gives omen_version() =
#      VERSION; loading twice is harmless; gbt_train over 300 generated rows
#      (duration = 10 + 2x), saved with model_save, predicts a finite
#      duration within 40..60 at x = 20 (the truth is 50), by name; a second
#      shell loading the full path /usr/lib/<multiarch>/mod_omen predicts the
#      same value from the saved registry.  If python3 is in the chroot, its
#      sqlite3 module loads 'mod_omen' too.
#   9. `apt-get purge` removes the module.
#  10. Everything mounted or made is unmounted and removed on every exit
#      (trap), failures and signals included; a mount that will not go away
#      keeps its directory from being deleted (never delete through a bound
#      /dev) and is reported.
#  11. The last line is `<label>: N passed, M failed[, K skipped]`; the exit
#      status is 1 if M > 0.

# shellcheck disable=SC2016,SC2012,SC2020 # chroot command lines; our own file names; tr on purpose
cd "$(dirname "$0")/.." || exit 2
label=
verbose=
mode=full
so=
while [ $# -gt 0 ]; do
	case $1 in
	-v) verbose=1 ;;
	--label) label=$2; shift ;;
	--quick) mode=quick
		case ${2:-} in -* | "") ;; *) so=$2; shift ;; esac ;;
	--check-version) mode=version ;;
	*) echo "usage: sh tools/package_test.sh [-v] [--label WORD] | --quick [SO] | --check-version" >&2; exit 2 ;;
	esac
	shift
done
case $mode in full) label=${label:-package} ;; quick) label=${label:-package_quick} ;; *) label=${label:-package_version} ;; esac
VERSION=$(cat VERSION)
ALLOWED="libc6 liblapacke libxxhash0"
ENTRY="sqlite3_modomen_init sqlite3_omen_init"

FAIL_LOG_END=tail # apt and dpkg logs end with the error
. tests/cases.sh # (from the repository root) pass, fail, skip, check, in_range, finish
tmp=
root=
# depends_ok "Depends: field": every package it names is in $ALLOWED.
depends_ok() {
	for p in $(printf '%s\n' "$1" | tr ',|' '\n\n' | sed 's/(.*//; s/:any//; s/^ *//; s/ *$//'); do
		case " $ALLOWED " in *" $p "*) ;; *) echo "not allowed: $p"; return 1 ;; esac
	done
}
# exports SO: the dynamic symbols SO defines, sorted, on one line.
exports() { nm -D --defined-only "$1" 2>/dev/null | awk '{ print $NF }' | grep -v '^_init$\|^_fini$' | sort | tr '\n' ' ' | sed 's/ $//'; }

if [ "$mode" = full ] && [ "$(id -u)" != 0 ]; then
	echo "skipped: needs root for the chroot" # behaviour 3
	finish
fi

# -- 1. debian/changelog vs VERSION -------------------------------------------
head1=$(head -n 1 debian/changelog 2>/dev/null)
deb_version=$(printf '%s\n' "$head1" | sed -n 's/^omen (\([^)]*\)) .*/\1/p')
if [ -z "$deb_version" ]; then
	fail "debian/changelog names source omen" "first line is '$head1'"
elif [ "${deb_version%-*}" = "$VERSION" ]; then
	pass "debian/changelog $deb_version carries VERSION $VERSION"
else
	fail "debian/changelog carries VERSION" "debian/changelog says $deb_version, VERSION says $VERSION: add a debian/changelog entry for $VERSION-1"
fi
[ "$mode" = version ] && finish

# -- 2. the module's entry points, loaded by the Debian name ------------------
if [ "$mode" = quick ]; then
	so=${so:-${OMEN_SO:-build/omen.so}}
	if [ ! -f "$so" ]; then
		fail "entry points" "no $so (make first)"
		finish
	fi
	if ! command -v nm >/dev/null 2>&1; then
		skip "exported symbols: no nm (apt-get install binutils)"
	else
		got=$(exports "$so")
		check "only the entry points are exported ($got)" test "$got" = "$ENTRY"
	fi
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/omen-package.XXXXXX") || exit 2
	trap 'rm -rf "$tmp"' EXIT
	trap 'exit 130' HUP INT TERM
	cp "$so" "$tmp/mod_omen.so"
	got=$(cd "$tmp" && sqlite3 :memory: '.load ./mod_omen' 'SELECT omen_version();' 2>&1)
	check "a copy named mod_omen.so loads by that name ($got)" test "$got" = "$VERSION"
	finish
fi

# -- 3. tools (root: checked above) ----------------------------------------------
apt_install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >>"$tmp/apt.log" 2>&1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/omen-package.XXXXXX") || exit 2
root=$tmp/root

# 10. cleanup: unmount, and remove only what no mount is left under.
# shellcheck disable=SC2317 # run by the trap
mounted_under() { grep -q " $1/" /proc/mounts 2>/dev/null; }
# shellcheck disable=SC2317 # run by the trap
cleanup() {
	if [ -n "$root" ] && [ -d "$root" ]; then
		for mp in dev/pts dev proc sys; do
			mountpoint -q "$root/$mp" 2>/dev/null && { umount -R "$root/$mp" 2>/dev/null || umount -l "$root/$mp" 2>/dev/null; }
		done
	fi
	if [ -n "$tmp" ] && [ -d "$tmp" ]; then
		if mounted_under "$tmp"; then
			echo "WARNING $label: mounts remain under $tmp; not deleting it:" >&2
			grep " $tmp/" /proc/mounts >&2
		else
			rm -rf "$tmp"
		fi
	fi
}
trap cleanup EXIT
trap 'exit 130' HUP INT TERM

if ! command -v dpkg-buildpackage >/dev/null 2>&1 || ! command -v dh >/dev/null 2>&1; then
	apt_install dpkg-dev debhelper || { (apt-get update -qq && apt_install dpkg-dev debhelper) >/dev/null 2>&1; }
fi
if ! command -v dpkg-buildpackage >/dev/null 2>&1 || ! command -v dh >/dev/null 2>&1; then
	echo "skipped: dpkg-dev and debhelper are missing and apt-get could not install them (see the log below)"
	tail -n 5 "$tmp/apt.log" 2>/dev/null
	finish
fi

# -- 4. build from a copy ------------------------------------------------------
src=$tmp/src/omen
mkdir -p "$src"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files -z -co --exclude-standard | grep -zv -e '^build' -e '^debian/build/' -e '/node_modules/' -e '^node_modules/' |
		tar --null --no-recursion --ignore-failed-read -T - -cf - 2>/dev/null | tar -C "$src" -xf -
else
	tar --exclude=./build --exclude='./build-*' --exclude=./debian/build -cf - . | tar -C "$src" -xf -
fi
if ! (cd "$src" && dpkg-checkbuilddeps) >"$tmp/builddeps.log" 2>&1; then
	missing=$(sed -n 's/.*Unmet build dependencies: //p' "$tmp/builddeps.log" | sed 's/([^)]*)//g; s/<[^>]*>//g; s/:any//g; s/|/ /g')
	# shellcheck disable=SC2086 # a list of package names
	[ -n "$missing" ] && { apt_install $missing || { apt-get update -qq >/dev/null 2>&1; apt_install $missing; }; }
	if ! (cd "$src" && dpkg-checkbuilddeps) >"$tmp/builddeps.log" 2>&1; then
		echo "skipped: the Build-Depends are missing and apt-get could not install them:"
		cat "$tmp/builddeps.log"
		finish
	fi
fi
arch=$(dpkg --print-architecture)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
echo "building the package (dpkg-buildpackage -b, about 2 minutes)..."
if (cd "$src" && dpkg-buildpackage -b -us -uc -j2) >"$tmp/build.log" 2>&1; then
	pass "dpkg-buildpackage -b -us -uc"
else
	fail "dpkg-buildpackage -b -us -uc" "failed" "$tmp/build.log"
	finish
fi
deb=$(ls "$tmp/src/libsqlite3-mod-omen_${VERSION}-"*"_$arch.deb" 2>/dev/null | head -n 1)
if [ -n "$deb" ]; then
	pass "built $(basename "$deb")"
else
	fail "libsqlite3-mod-omen_${VERSION}-<rev>_$arch.deb" "not built; built: $(ls "$tmp/src" | tr '\n' ' ')"
	finish
fi
debname=$(basename "$deb")
debversion=$(dpkg-deb -f "$deb" Version)

# -- 5. what the .deb holds ----------------------------------------------------
x=$tmp/x
dpkg-deb -x "$deb" "$x"
mod=$x/usr/lib/$multiarch/mod_omen.so
check "holds /usr/lib/$multiarch/mod_omen.so" test -f "$mod"
check "holds /usr/share/omen/sql/registry.sql" test -f "$x/usr/share/omen/sql/registry.sql"
if [ -f "$mod" ]; then
	soname=$(readelf -d "$mod" 2>/dev/null | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
	check "SONAME mod_omen.so ($soname)" test "$soname" = mod_omen.so
	got=$(exports "$mod")
	check "exports only the entry points ($got)" test "$got" = "$ENTRY"
fi
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
if depends_ok "$depends" >"$tmp/dep.log"; then
	pass "Depends only $ALLOWED"
else
	fail "Depends only $ALLOWED" "$depends" "$tmp/dep.log"
fi

# -- 6. lintian ------------------------------------------------------------------
command -v lintian >/dev/null 2>&1 || apt_install lintian
if command -v lintian >/dev/null 2>&1; then
	lintian "$tmp"/src/omen_*.changes >"$tmp/lintian.log" 2>&1
	echo "lintian: $(grep -c '^E:' "$tmp/lintian.log") errors, $(grep -c '^W:' "$tmp/lintian.log") warnings"
	grep '^[EWIN]:' "$tmp/lintian.log" | sed 's/^/    /'
	if grep -q '^E:' "$tmp/lintian.log"; then
		fail "lintian: no errors" "see above"
	else
		pass "lintian: no errors"
	fi
else
	skip "lintian: not installed and apt-get could not install it"
fi

# -- 7. a fresh bookworm chroot, the package installed with apt-get -----------
fresh=${OMEN_FRESH_CACHE:-$HOME/.cache/omen-fresh}/base.tar
own=${OMEN_PACKAGE_CACHE:-$HOME/.cache/omen-package}
if [ -f "$fresh" ]; then
	base=$fresh
elif [ -f "$own/base.tar" ]; then
	base=$own/base.tar
else
	echo "making a minbase bookworm with debootstrap (once; cached in $own)..."
	command -v debootstrap >/dev/null 2>&1 || apt_install debootstrap
	mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null)
	[ -n "$mirror" ] || mirror=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null)
	mkdir -p "$own"
	if debootstrap --variant=minbase bookworm "$tmp/boot" "${mirror:-http://deb.debian.org/debian}" >"$own/debootstrap.log" 2>&1 &&
		tar -C "$tmp/boot" -cf "$own/base.tar.part" . && mv "$own/base.tar.part" "$own/base.tar"; then
		base=$own/base.tar
	else
		rm -f "$own/base.tar.part"
		echo "skipped: no bookworm base (debootstrap failed: see $own/debootstrap.log)"
		finish
	fi
	rm -rf "${tmp:?}/boot"
fi
echo "unpacking the chroot from $base..."
if ! { mkdir -p "$root" && tar -C "$root" -xf "$base"; }; then
	fail "chroot" "cannot unpack $base"
	finish
fi
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null
if ! { mount -t proc proc "$root/proc" && mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev" &&
	mount -t sysfs sys "$root/sys"; }; then
	fail "chroot" "mounting proc, dev, sys failed"
	finish
fi
mkdir -p "$root/tmp/pkg" && cp "$deb" "$root/tmp/pkg/"
# in_root CMD: run CMD (a shell command line) in the chroot, with a clean
# environment, from /.
in_root() {
	chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		DEBIAN_FRONTEND=noninteractive /bin/sh -c "cd / && $1" </dev/null
}
if ! in_root 'apt-get update -qq' >"$tmp/chroot-update.log" 2>&1; then
	cat "$tmp/chroot-update.log"
	echo "skipped: the Debian mirror cannot be reached from the chroot (apt-get update failed)"
	finish
fi
in_root 'command -v sqlite3 >/dev/null || apt-get install -y -qq sqlite3' >"$tmp/chroot-sqlite3.log" 2>&1
echo "installing $debname in the chroot (apt-get install -y ./$debname)..."
if in_root "cd /tmp/pkg && apt-get install -y ./$debname" >"$tmp/chroot-install.log" 2>&1; then
	pass "apt-get install -y ./$debname"
else
	fail "apt-get install -y ./$debname" "failed" "$tmp/chroot-install.log"
	finish
fi
grep -E '^(Setting up|Unpacking) ' "$tmp/chroot-install.log" | sed 's/^/    /'
status=$(in_root 'dpkg-query -W -f "\${Status} \${Version}" libsqlite3-mod-omen' 2>&1)
check "dpkg -s: installed, version $debversion ($status)" test "$status" = "install ok installed $debversion"
idepends=$(in_root 'dpkg -s libsqlite3-mod-omen' 2>/dev/null | sed -n 's/^Depends: //p')
if depends_ok "$idepends" >"$tmp/dep.log"; then
	pass "dpkg -s Depends only $ALLOWED"
else
	fail "dpkg -s Depends only $ALLOWED" "$idepends" "$tmp/dep.log"
fi

# -- 8. the sqlite3 shell in the chroot -------------------------------------------
got=$(in_root "sqlite3 :memory: '.load mod_omen' 'SELECT omen_version();'" 2>&1)
check ".load mod_omen: omen_version() = $VERSION ($got)" test "$got" = "$VERSION"
got=$(in_root "sqlite3 :memory: '.load mod_omen' '.load mod_omen' 'SELECT omen_version();'" 2>&1)
check ".load mod_omen twice: harmless ($got)" test "$got" = "$VERSION"
cat >"$root/tmp/pkg/train.sql" <<'EOF'
.bail on
.load mod_omen
CREATE TABLE runs(x REAL, d REAL);
WITH RECURSIVE i(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM i WHERE k < 299)
INSERT INTO runs SELECT k % 50, 10 + 2 * (k % 50) FROM i;
SELECT 'saved ' || model_save('pkg_test', gbt_train(feature_vector('x', x), d)) FROM runs;
SELECT 'predict ' || predict_duration('pkg_test', feature_vector('x', 20));
EOF
in_root 'sqlite3 /tmp/pkg/test.db < /tmp/pkg/train.sql' >"$tmp/train.out" 2>&1
saved=$(sed -n 's/^saved //p' "$tmp/train.out")
p1=$(sed -n 's/^predict //p' "$tmp/train.out")
if [ "$saved" = 1 ] && in_range "$p1" 40 60; then
	pass "gbt_train, model_save, predict_duration by name: $p1 (truth 50)"
else
	fail "gbt_train, model_save, predict_duration by name" "saved '$saved', predicted '$p1'" "$tmp/train.out"
fi
full=/usr/lib/$multiarch/mod_omen
p2=$(in_root "sqlite3 /tmp/pkg/test.db '.load $full' \"SELECT predict_duration('pkg_test', feature_vector('x', 20));\"" 2>&1)
check ".load $full: the saved model predicts the same ($p2)" test -n "$p1" -a "$p2" = "$p1"
if in_root 'command -v python3' >/dev/null 2>&1; then
	got=$(in_root "python3 -c \"import sqlite3; db = sqlite3.connect(':memory:'); db.enable_load_extension(True); db.load_extension('mod_omen'); print(db.execute('SELECT omen_version()').fetchone()[0])\"" 2>&1)
	check "python3: load_extension('mod_omen') ($got)" test "$got" = "$VERSION"
else
	skip "python3: not in the chroot"
fi

# -- 9. purge ------------------------------------------------------------------
if in_root 'apt-get purge -y -qq libsqlite3-mod-omen' >"$tmp/purge.log" 2>&1 && [ ! -e "$root$full.so" ]; then
	pass "apt-get purge removes $full.so"
else
	fail "apt-get purge removes $full.so" "failed" "$tmp/purge.log"
fi
finish
