# Shared helpers for the integration tests (sourced, not run).
# Each test gets a fresh temporary directory ($T) removed on exit, and a
# private $PERFWARDEN_HOME inside it.
set -euo pipefail

: "${PERFWARDEN_SOURCE:?run through ctest}"
: "${PERFWARDEN_BUILD:?run through ctest}"
: "${PERFWARDEN_BIN:?run through ctest}"
PW=$PERFWARDEN_BIN
JULIA=$PERFWARDEN_BUILD/kernel/julia

T=$(mktemp -d /tmp/pwtest.XXXXXX)
# Sticky and writable by all, like /tmp: builds and benchmarks run as an
# unprivileged user (perfwarden-run) when the tests run as root, and the test
# benchmarks leave marks here ($T/setup.log, $T/bench.pid).
chmod 1777 "$T"
export PERFWARDEN_HOME=$T/home
export GIT_AUTHOR_NAME=tester GIT_AUTHOR_EMAIL=tester@example.com
export GIT_COMMITTER_NAME=tester GIT_COMMITTER_EMAIL=tester@example.com
unset PERFWARDEN_DATABASE_URL PERFWARDEN_GOLDEN_DIR

cleanup_hooks=()
cleanup() {
	local h
	for h in "${cleanup_hooks[@]}"; do eval "$h" || true; done
	rm -rf "$T"
}
trap cleanup EXIT

failures=0
passes=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { echo "ok: $*"; passes=$((passes + 1)); }

# expect_exit CODE DESCRIPTION -- command...: runs the command, checks its exit code,
# leaves its stdout in $T/out and stderr in $T/err.
expect_exit() {
	local want=$1 what=$2 got
	shift 3
	set +e
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	set -e
	if [ "$got" = "$want" ]; then
		pass "$what (exit $got)"
	else
		fail "$what: exit $got, wanted $want"
		sed 's/^/  stdout: /' "$T/out" | head -20 >&2
		sed 's/^/  stderr: /' "$T/err" | head -20 >&2
	fi
}

# expect_grep PATTERN FILE DESCRIPTION
expect_grep() {
	if grep -qE -- "$1" "$2"; then
		pass "$3"
	else
		fail "$3: /$1/ not in $2"
		sed 's/^/  | /' "$2" | head -20 >&2
	fi
}

finish() {
	echo "$passes passed, $failures failed"
	[ "$failures" -eq 0 ]
}
