#!/usr/bin/env bash
# kill -9 of PostgreSQL in the middle of a job: the worker says the database
# is gone, keeps trying instead of exiting, and once the database is back it
# takes the job up again and finishes it with a true verdict — no failure
# verdict (crashed, wrong output...) stored for the commit because the
# database died, one commit status.
source "$(dirname "$0")/../lib.sh"
cleanup_hooks+=("\"$PW\" db stop >/dev/null 2>&1")
source "$(dirname "$0")/slowjob.sh"

: >"$T/slow"
id=$("$PW" enqueue --repo "$R" "$C0..$C1")
start_worker "$T/worker.log"
wait_for test -s "$T/bench.pid" && pass "the job is being measured" || fail "the benchmark never started"
pg=$(head -1 "$PERFWARDEN_HOME/pg/data/postmaster.pid")
kill -KILL "$pg"
pass "PostgreSQL (pid $pg) killed mid-job"
sleep 1
rm -f "$T/slow" # the benchmark returns at once: the worker finds the database gone,
# saving the runs ("database trouble: lost the connection ...") or claiming work
# ("the database is unreachable ..."), whichever it reaches first
wait_for grep -qE "database is unreachable|database trouble" "$T/worker.log" && pass "the worker reports the database is gone" ||
	{ fail "the worker did not report the lost database"; cat "$T/worker.log" >&2; }
sleep 2
kill -0 "$worker_pid" 2>/dev/null && pass "the worker keeps trying instead of exiting" || fail "the worker exited"
# what an operator (or systemd) does: start the database again, once the killed
# postmaster is gone (an init that reaps slowly leaves it a zombie for a while,
# and PostgreSQL will not start beside a live pid in postmaster.pid)
wait_for test ! -e "/proc/$pg" || true
expect_exit 0 "the database starts again" -- "$PW" db start

wait_for state_is "$id" done && pass "the worker finished the job once the database was back" ||
	{ fail "job state $(field "$id" state): $(field "$id" error)"; cat "$T/worker.log" >&2; }
# it says so ("the database is back") when it had been waiting for it; when the
# database was up again before its next claim, that claim is the recovery
expect_grep "the database is back|job 1: claimed \(attempt 2" "$T/worker.log" "the worker says it recovered"
[ "$(field "$id" exit_code)" = 0 ] && pass "the job passed (exit 0): $(field "$id" summary)" ||
	fail "exit $(field "$id" exit_code): $(field "$id" summary)"
sql "SELECT r.verdict FROM runs r JOIN commits c ON c.id = r.commit_id WHERE c.hash IN ('$C0', '$C1')
     UNION ALL SELECT j.verdict FROM judgements j JOIN commits c ON c.id = j.commit_id WHERE c.hash = '$C1'" >"$T/verdicts"
if [ -s "$T/verdicts" ] && ! grep -qE 'crashed|wrong-output|timeout|build-failed' "$T/verdicts"; then
	pass "no failure verdict stored ($(sort "$T/verdicts" | uniq -c | tr -s ' \n' ' '))"
else
	fail "stored verdicts: $(tr '\n' ' ' <"$T/verdicts")"
fi
sleep 0.5
n=$(grep -c "/statuses/$C1" "$T/statuses.jsonl" || true)
[ "$n" = 1 ] && pass "one commit status for the tip" || fail "$n commit statuses for the tip"
kill -TERM "$worker_pid" && wait "$worker_pid" && pass "the worker stops cleanly" || fail "the worker did not stop cleanly"
finish
