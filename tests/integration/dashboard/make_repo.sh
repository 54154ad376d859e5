#!/usr/bin/env bash
# Make the dashboard tests' git repository: 19 commits on one branch whose
# .perfwarden "benchmark" copies the golden julia-100x50 output after a sleep,
# so `perfwarden check` gives every verdict the dashboard draws, and level
# shifts long enough (7 timings at 30 ms, 6 at 90 ms, 3 at 60 ms) to be
# change points:
#   c1-c7 ok, c8 slower, c9 ok, c10 wrong-output, c11 ok, c12 build-failed,
#   c13-c15 ok, c16 faster, c17-c18 ok, c19 crashed.
# usage: make_repo.sh DIR GOLDEN_DIR   (prints nothing; DIR must not exist)
set -euo pipefail
dir=$1
golden=$2
git init -q -b main "$dir"
cd "$dir"
git config user.name "Dash Board"
git config user.email "dash@example.com"
cp "$golden/julia-100x50.out" expected.out

commit() { # SUBJECT SLEEP_S MODE(good|wrong|crash|nobuild)
	local build="true"
	[ "$3" = nobuild ] && build="echo 'error: boom in kernel.c' >&2; exit 1"
	cat >bench.sh <<BENCH
#!/bin/sh
sleep $2
case $3 in
wrong) sed '1s/^0/7/' expected.out >"\$PERFWARDEN_OUTPUT" ;;
crash) echo 'segfault in julia()' >&2; kill -SEGV \$\$ ;;
*) cp expected.out "\$PERFWARDEN_OUTPUT" ;;
esac
BENCH
	chmod +x bench.sh
	cat >.perfwarden <<SPEC
[build]
	command = "$build"
	timeout = 60
[benchmark "julia"]
	command = sh bench.sh
	golden = julia-100x50
	repeat = 7
	warmup = 0
	timeout = 20
	threshold = 10%
	max-repeat = 20
SPEC
	echo "$1" >NOTES
	git add -A
	GIT_AUTHOR_DATE="@$((1700000000 + n * 3600)) +0000" GIT_COMMITTER_DATE="@$((1700000000 + n * 3600)) +0000" \
		git commit -q -m "$1"
	n=$((n + 1))
}
n=1
commit "c1 initial kernel" 0.03 good
commit "c2 tidy" 0.03 good
commit "c3 docs" 0.03 good
commit "c4 refactor" 0.03 good
commit "c5 rename" 0.03 good
commit "c6 tests" 0.03 good
commit "c7 readme" 0.03 good
commit "c8 slow loop" 0.09 good
commit "c9 comments" 0.09 good
commit "c10 break output" 0.09 wrong
commit "c11 fix output" 0.09 good
commit "c12 break build" 0.09 nobuild
commit "c13 fix build" 0.09 good
commit "c14 more tests" 0.09 good
commit "c15 cleanup" 0.09 good
commit "c16 faster loop" 0.06 good
commit "c17 notes" 0.06 good
commit "c18 license" 0.06 good
commit "c19 crash" 0.06 crash
