#!/usr/bin/env bash
# kill -9 of a worker in the middle of a job: the job stays with the dead
# worker's lease until it expires, then another worker picks it up and finishes
# it — one verdict (one judgement per metric of the tip), one commit status,
# nothing lost and nothing twice.
source "$(dirname "$0")/../lib.sh"
cleanup_hooks+=("\"$PW\" db stop >/dev/null 2>&1")
source "$(dirname "$0")/slowjob.sh"

: >"$T/slow"
id=$("$PW" enqueue --repo "$R" "$C0..$C1")
start_worker "$T/victim.log"
victim=$worker_pid
wait_for test -s "$T/bench.pid" && pass "the job is being measured" || fail "the benchmark never started"
owner=$(field "$id" lease_owner)
kill -KILL "$victim"
wait "$victim" 2>/dev/null || true
kill_bench
rm -f "$T/slow"
[ "$(field "$id" state)" = running ] && pass "the killed worker's job is still running under its lease" ||
	fail "after the kill: $(field "$id" state)"
start_worker "$T/heir.log"
wait_for state_is "$id" done && pass "another worker finished the job" ||
	{ fail "job state $(field "$id" state)"; cat "$T/heir.log" >&2; }
[ "$(field "$id" attempts)" = 2 ] && [ "$(field "$id" worker)" != "$owner" ] &&
	pass "on attempt 2, by the other worker" || fail "attempt $(field "$id" attempts) by $(field "$id" worker)"
sleep 0.5
n=$(grep -c "/statuses/$C1" "$T/statuses.jsonl" || true)
[ "$n" = 1 ] && pass "one commit status for the tip" || fail "$n commit statuses for the tip"
sql "SELECT j.metric, count(*) FROM judgements j JOIN commits c ON c.id = j.commit_id WHERE c.hash = '$C1' GROUP BY 1" >"$T/judged"
if [ -s "$T/judged" ] && ! grep -qv '|1$' "$T/judged"; then
	pass "one judgement per metric of the tip ($(tr '\n' ' ' <"$T/judged"))"
else
	fail "judgements of the tip: $(tr '\n' ' ' <"$T/judged")"
fi
kill -TERM "$worker_pid" && wait "$worker_pid" && pass "the worker stops cleanly" || fail "the worker did not stop cleanly"
finish
