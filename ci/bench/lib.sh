# Shared by the ci/bench scripts (sourced, not run): the perfwarden binary, a
# temporary directory removed on exit (with the embedded databases stopped
# and any load generator killed), command echoing, a throw-away benchmark
# repository and a busy loop for the other core.
#
# The build used: $1 of the calling script, else $PERFWARDEN_BUILD, else build/
# (run ci/setup first).
set -euo pipefail

BENCH_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
case "${1:-}" in
-h | --help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
-*) echo "$0: unknown option '$1' (usage: $0 [BUILD_DIR])" >&2; exit 2 ;;
esac
BENCH_BUILD=${1:-${PERFWARDEN_BUILD:-$BENCH_SRC/build}}
if [ ! -x "$BENCH_BUILD/runner/perfwarden" ]; then
	echo "$0: no perfwarden in '$BENCH_BUILD' (run ci/setup, or give a build directory)" >&2
	exit 2
fi
BENCH_BUILD=$(cd "$BENCH_BUILD" && pwd)
PW=$BENCH_BUILD/runner/perfwarden

T=$(mktemp -d /tmp/pwbench.XXXXXX)
chmod 755 "$T"
unset PERFWARDEN_DATABASE_URL PERFWARDEN_GOLDEN_DIR
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
bench_homes=()
bench_load_pid=""

bench_cleanup() {
	local h
	load_stop
	for h in "${bench_homes[@]}"; do
		PERFWARDEN_HOME=$h "$PW" db stop >/dev/null 2>&1 || true
	done
	if [ -n "${KEEP:-}" ]; then
		echo "kept: $T"
	else
		rm -rf "$T"
	fi
}
trap bench_cleanup EXIT

# use_home NAME: a fresh PERFWARDEN_HOME (its own embedded database), stopped at exit.
use_home() {
	export PERFWARDEN_HOME=$T/home-$1
	bench_homes+=("$PERFWARDEN_HOME")
}

# run CMD...: print the command line, then run it.
run() {
	echo "\$ $*" >&2
	"$@"
}

# say CMD... >FILE: the same, for a command whose output is redirected (the
# line is printed on the original stderr, fd 3).
exec 3>&2
say() {
	echo "\$ $*" >&3
	"$@"
}

# ms_since T0 [T1]: milliseconds between two $EPOCHREALTIME values (T1: now).
ms_since() {
	awk -v a="$1" -v b="${2:-$EPOCHREALTIME}" 'BEGIN { printf "%.3f\n", (b - a) * 1000 }'
}

# The cpu perfwarden pins benchmarks to by default (the last online one) and another one.
bench_cpu=$(($(nproc) - 1))
other_cpu=0

# load_start: a busy loop on the other core (not the benchmark's), until load_stop.
load_start() {
	if [ "$bench_cpu" = "$other_cpu" ]; then
		echo "$0: one cpu only: no other core to load" >&2
		return 1
	fi
	echo "\$ taskset -c $other_cpu sh -c 'while :; do :; done' &" >&2
	taskset -c "$other_cpu" sh -c 'while :; do :; done' &
	bench_load_pid=$!
}

load_stop() {
	if [ -n "$bench_load_pid" ]; then
		kill "$bench_load_pid" 2>/dev/null || true
		wait "$bench_load_pid" 2>/dev/null || true
		bench_load_pid=""
	fi
}

# make_bench_repo DIR LOOPS [SPEC_EXTRA]: a repository whose benchmark burns
# LOOPS iterations (a dependent chain through a volatile, ~3 ns each) and
# writes a 3 x 4 grid to $PERFWARDEN_OUTPUT; golden set "grid" in $T/golden.
# The spec uses perfwarden's defaults unless SPEC_EXTRA adds keys.
make_bench_repo() {
	local dir=$1 loops=$2 extra=${3:-}
	mkdir -p "$T/golden"
	printf '1 2 3 4\n5 6 7 8\n9 10 11 12\n' >"$T/golden/grid.out"
	echo 78 >"$T/golden/grid.sum"
	git init -q -b main "$dir"
	cat >"$dir/bench.c" <<'SRC'
#include <stdio.h>
#include <stdlib.h>
#define LOOPS 0
/* note: 0 */
int main(void)
{
	const char *out = getenv("PERFWARDEN_OUTPUT");
	volatile double x = 0;
	FILE *f;
	for (long i = 0; i < LOOPS; i++)
		x += (double)i * 0.5;
	if (!out || !(f = fopen(out, "w")))
		return 3;
	fputs("1 2 3 4\n5 6 7 8\n9 10 11 12\n", f);
	return fclose(f) != 0;
}
SRC
	sed -i "s/^#define LOOPS .*/#define LOOPS $loops/" "$dir/bench.c"
	printf '[build]\n\tcommand = cc -O1 -o bench bench.c\n[benchmark "grid"]\n\tcommand = ./bench\n\tgolden = grid\n%b' "$extra" >"$dir/.perfwarden"
	git -C "$dir" add -A
	git -C "$dir" commit -qm "a benchmark of $loops loops"
}

# commit_loops DIR N MSG: change the work per run.
commit_loops() {
	sed -i "s/^#define LOOPS .*/#define LOOPS $2/" "$1/bench.c"
	git -C "$1" commit -qam "$3"
}

# commit_neutral DIR K: a commit that changes nothing measurable (a comment
# in the source, so it is rebuilt, or a notes file, so it is not).
commit_neutral() {
	if [ $(($2 % 2)) = 0 ]; then
		sed -i "s|^/\* note: .*|/* note: $2 */|" "$1/bench.c"
	else
		echo "note $2" >>"$1/NOTES"
		git -C "$1" add NOTES
	fi
	git -C "$1" commit -qam "neutral change $2"
}
