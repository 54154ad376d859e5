#!/usr/bin/env bash
# Builds and benchmarks run sandboxed (perfwarden system show says how): not as
# root, without the machine's network unless the spec asks, without sight of the
# golden sets, and nothing they start outlives them — a setsid'd daemon, a
# fork-heavy benchmark (whose process count is limited even when perfwarden runs
# as root), a benchmark running when `check` gets SIGINT or `run` gets SIGKILL.
# The next check after an interrupted one is consistent.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../repo.sh"
cleanup_hooks+=("\"$PW\" db stop >/dev/null 2>&1")

tag=$$$RANDOM   # marks this test's processes (digits: `sleep 611.TAG` is a valid sleep)
gone() { ! pgrep -f "$1" >/dev/null; }
wait_gone() { # PATTERN SECONDS
	local i
	for ((i = 0; i < $2 * 10; i++)); do gone "$1" && return 0; sleep 0.1; done
	return 1
}
wait_seen() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do pgrep -f "$1" >/dev/null && return 0; sleep 0.1; done
	return 1
}
# A background job of a script ignores SIGINT; start perfwarden with SIGINT's default action.
sigint_default=(python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])')
leftovers=()
cleanup_hooks+=('for p in "${leftovers[@]}"; do pkill -KILL -f "$p"; done')

expect_exit 0 "system show" -- "$PW" system show
expect_grep '^sandbox for builds and benchmarks: ' "$T/out" "system show says how builds and benchmarks are sandboxed"
expect_exit 0 "system show --json" -- "$PW" system show --json
python3 - "$T/out" <<'PY' && pass "--json carries the sandbox" || fail "--json lacks the sandbox"
import json, sys
s = json.load(open(sys.argv[1]))["sandbox"]
assert set(["user", "pid_namespace", "network_namespace", "cgroup", "unavailable"]) <= set(s)
PY
pidns=$(python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["sandbox"]["pid_namespace"]))' "$T/out")
netns=$(python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["sandbox"]["network_namespace"]))' "$T/out")

R=$T/repo
make_repo "$R"
cat >"$R/forker.c" <<'SRC'
/* Forks children that wait until fork fails (or 6000 succeeded); writes the count. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int main(void)
{
	int n = 0;
	FILE *f = fopen(getenv("PERFWARDEN_OUTPUT"), "w");
	while (n < 6000) {
		pid_t p = fork();
		if (p < 0)
			break;
		if (p == 0) {
			sleep(600);
			_exit(0);
		}
		n++;
	}
	fprintf(f, "%d\n", n);
	return fclose(f) != 0;
}
SRC
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', $port)); s.listen(50)
while True:
    c, _ = s.accept(); c.close()
" &
listener=$!
cleanup_hooks+=("kill $listener")
net_probe="python3 -c 'import socket,sys; socket.create_connection((\\\"127.0.0.1\\\", $port), 2)' 2>/dev/null && echo reached > \\\"\$PERFWARDEN_OUTPUT\\\" || echo cut > \\\"\$PERFWARDEN_OUTPUT\\\""
cat >"$R/.perfwarden" <<SPEC
[build]
	command = "cc -O1 -o bench bench.c && cc -O1 -o forker forker.c && id -u > build.uid"
	timeout = 60
[benchmark "who"]
	command = "id -u > \\"\$PERFWARDEN_OUTPUT\\"; setsid sleep 611.$tag </dev/null >/dev/null 2>&1 &"
	repeat = 2
	warmup = 0
[benchmark "net"]
	command = "$net_probe"
	repeat = 1
	warmup = 0
[benchmark "netok"]
	command = "$net_probe"
	network = yes
	repeat = 1
	warmup = 0
[benchmark "peek"]
	command = "ls -A $GOLDEN | wc -l > \"\$PERFWARDEN_OUTPUT\"; cat $GOLDEN/grid.out >> \"\$PERFWARDEN_OUTPUT\" 2>&1 || true"
	repeat = 1
	warmup = 0
[benchmark "forks"]
	command = "./forker $tag"
	repeat = 1
	warmup = 0
	timeout = 60
SPEC
git -C "$R" add -A
git -C "$R" commit -qm "benchmarks that try to escape"
c1=$(head_of "$R")
cd "$R"
expect_exit 0 "db start" -- "$PW" db start
leftovers+=("^sleep 611\\.$tag" "forker $tag")

expect_exit 0 "run the escaping benchmarks" -- "$PW" run --golden-dir "$GOLDEN" "$c1"
out=$(find "$PERFWARDEN_HOME/work/out" -path "*/$c1/*" -name '*.out' -newer "$R/.perfwarden" | head -1)
od=$(dirname "$out")
[ "$(cat "$PERFWARDEN_HOME/work/$c1/build.uid")" != 0 ] && pass "the build did not run as root (uid $(cat "$PERFWARDEN_HOME/work/$c1/build.uid"))" || fail "the build ran as root"
[ "$(cat "$od/who.out")" != 0 ] && pass "the benchmark did not run as root (uid $(cat "$od/who.out"))" || fail "the benchmark ran as root"
wait_gone "^sleep 611\\.$tag" 3 && pass "a setsid'd daemon of the benchmark did not outlive it" || fail "the setsid'd daemon is still running"
forks=$(cat "$od/forks.out")
[ "$forks" -ge 100 ] && [ "$forks" -le 4096 ] && pass "the fork-heavy benchmark was held to the process limit ($forks forks)" ||
	fail "the fork-heavy benchmark forked $forks times"
wait_gone "forker $tag" 5 && pass "none of its $forks children outlived it" || fail "children of the fork-heavy benchmark are still running"
if [ "$netns" = 1 ]; then
	[ "$(cat "$od/net.out")" = cut ] && pass "the benchmark could not reach the machine's network" || fail "the benchmark reached 127.0.0.1:$port ($(cat "$od/net.out"))"
else
	echo "skip: no network namespace on this machine"
fi
if [ "$(head -1 "$od/peek.out")" = 0 ] && ! grep -q '^1 2 3 4$' "$od/peek.out"; then
	pass "the benchmark cannot read the golden sets"
else
	fail "the benchmark read the golden directory: $(head -3 "$od/peek.out")"
fi
[ "$(cat "$od/netok.out")" = reached ] && pass "network = yes keeps the network" || fail "network = yes: $(cat "$od/netok.out")"

# --- SIGINT to check while a benchmark runs, and SIGKILL to run ---
sed -i 's/LOOPS 20000000/LOOPS 2000000/' "$R/bench.c"
git -C "$R" commit -qam "a short benchmark"
commit_loops "$R" 2000001 "a neutral change"
cat >"$T/hang.spec" <<SPEC
[build]
	command = cc -O1 -o bench bench.c
[benchmark "hang"]
	command = "if [ -e $T/hang ]; then sleep 987.$tag; fi; ./bench"
	golden = grid
	repeat = 3
	warmup = 0
	timeout = 600
	max-repeat = 10
	# what is tested here is the interruption, not a timing: no verdict of time or memory
	threshold = 500%
	memory-threshold = off
SPEC
leftovers+=("^sleep 987\\.$tag")
touch "$T/hang"
"${sigint_default[@]}" "$PW" check --spec "$T/hang.spec" --golden-dir "$GOLDEN" "HEAD~1..HEAD" >"$T/check1.out" 2>&1 &
check_pid=$!
if wait_seen "^sleep 987\\.$tag" 60; then
	kill -INT "$check_pid"
	wait "$check_pid" && rc=0 || rc=$?
	[ "$rc" = 130 ] && pass "check died of the SIGINT" || fail "check exited $rc after SIGINT"
	wait_gone "^sleep 987\\.$tag" 3 && pass "SIGINT to check: its benchmark did not outlive it" || fail "SIGINT to check left the benchmark running"
else
	fail "the hanging benchmark never started: $(tail -5 "$T/check1.out")"
	kill -KILL "$check_pid" 2>/dev/null || true
fi
"$PW" run --spec "$T/hang.spec" --golden-dir "$GOLDEN" --force "HEAD" >"$T/run1.out" 2>&1 &
run_pid=$!
if wait_seen "^sleep 987\\.$tag" 60; then
	kill -KILL "$run_pid"
	wait "$run_pid" || true
	wait_gone "^sleep 987\\.$tag" 3 && pass "SIGKILL to run: its benchmark did not outlive it" || fail "SIGKILL to run left the benchmark running"
else
	fail "the hanging benchmark never started under run: $(tail -c 600 "$T/run1.out")"
fi
rm -f "$T/hang"
expect_exit 0 "the next check after the interrupted one" -- "$PW" check --spec "$T/hang.spec" --golden-dir "$GOLDEN" "HEAD~1..HEAD"
expect_grep 'hang' "$T/out" "it judges the benchmark that was interrupted"
finish
