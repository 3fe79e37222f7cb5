# cases.sh — the case counting of omen's shell test scripts, sourced after the
# script has set $label (the word in its lines) and $verbose (non-empty: show
# passing cases), from the repository root:  . tests/cases.sh
#
#   pass CASE                 one case passed (shown with -v as `pass <label>: CASE`)
#   fail CASE WHY [LOG]       `FAIL <label>: CASE: WHY`, then 20 lines of LOG if
#                             it is not empty: its head, or its tail when
#                             FAIL_LOG_END=tail (install logs end with the error)
#   skip WHY                  `skip <label>: WHY`, counted apart
#   check CASE CMD...         pass or fail CASE by CMD's exit status
#   in_range VALUE LO HI      VALUE is a finite number within [LO, HI]
#   finish                    the last line `<label>: N passed, M failed[, K
#                             skipped]`, then exit 1 if M > 0, else 0
n=0 m=0 s=0
pass() { n=$((n + 1)); [ -n "$verbose" ] && echo "pass $label: $1"; return 0; }
fail() {
	m=$((m + 1))
	echo "FAIL $label: $1: $2"
	[ -n "$3" ] && [ -s "$3" ] && "${FAIL_LOG_END:-head}" -n 20 "$3" | sed 's/^/    /'
	return 0
}
skip() { s=$((s + 1)); echo "skip $label: $1"; }
check() {
	c=$1
	shift
	if "$@"; then pass "$c"; else fail "$c" "$*"; fi
}
in_range() { awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v ~ /^-?[0-9.]+([eE][-+]?[0-9]+)?$/ && v + 0 >= lo && v + 0 <= hi) }'; }
finish() {
	if [ "$s" -gt 0 ]; then
		echo "$label: $n passed, $m failed, $s skipped"
	else
		echo "$label: $n passed, $m failed"
	fi
	[ "$m" -eq 0 ]
	exit $?
}
