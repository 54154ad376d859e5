#!/usr/bin/env bash
# perfwarden workers sharing one real PostgreSQL queue: three workers race
# over 60 queued jobs and every job is done exactly once (one finish, one
# commit status each, as a real HTTP receiver counts them); a worker killed
# with SIGKILL mid-job keeps its job while its lease runs (renewed past the
# lease length while it lived), and another worker finishes it after the
# lease expires; a repository that cannot be reached is retried a bounded
# number of times, then failed with the reason, while a path that is no
# repository fails at once; a status the forge did not
# take stays stored and `perfwarden notify --retry` delivers it later.
source "$(dirname "$0")/lib.sh"
cleanup_hooks+=("\"$PW\" db stop >/dev/null 2>&1")

mkdir -p "$T/golden"
printf '1 2\n3 4\n' >"$T/golden/g2.out"
echo 10 >"$T/golden/g2.sum"
# make_tiny DIR: a repository whose benchmark writes a 2x2 grid; it sleeps
# (recording its pid) while $T/slow exists, so a test can catch it mid-job.
make_tiny() {
	git init -q -b main "$1"
	cat >"$1/bench.sh" <<SH
#!/bin/sh
if [ -e "$T/slow" ]; then echo \$\$ >"$T/bench.pid"; sleep 60; fi
printf '1 2\n3 4\n' >"\$PERFWARDEN_OUTPUT"
SH
	chmod +x "$1/bench.sh"
	cat >"$1/.perfwarden" <<'SPEC'
[build]
	command = true
[benchmark "tiny"]
	command = ./bench.sh
	golden = g2
	repeat = 3
	warmup = 0
	timeout = 120
	max-repeat = 5
SPEC
	git -C "$1" add -A
	git -C "$1" commit -qm "c0"
	for i in 1 2 3 4 5; do
		echo "$i" >"$1/f"
		git -C "$1" add f
		git -C "$1" commit -qm "c$i"
	done
}
R=$T/repo
make_tiny "$R"
mapfile -t C < <(git -C "$R" rev-list --reverse HEAD)

cat >"$T/receiver.py" <<'PY'
import http.server, json, os, sys
log, port = sys.argv[1], int(sys.argv[2])
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        with open(log, "a") as f:
            f.write(json.dumps({"path": self.path, "body": json.loads(body)}) + "\n")
        self.send_response(201)
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
PY
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
start_receiver() { # start_receiver PORT LOG
	python3 "$T/receiver.py" "$2" "$1" &
	receiver_pid=$!
	cleanup_hooks=("kill $receiver_pid 2>/dev/null" "${cleanup_hooks[@]}")
	for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$1/" && break; sleep 0.05; done
}
RPORT=$(free_port)
start_receiver "$RPORT" "$T/statuses.jsonl"
cat >"$T/config" <<CONF
[worker]
	golden-dir = $T/golden
	lease = 10
	poll = 1
	retry-delay = 0
[notify]
	attempts = 1
[repository "acme/widget"]
	location = $R
	forge = github
	api = http://127.0.0.1:$RPORT
	token = t0ken
CONF
export PERFWARDEN_CONFIG=$T/config
field() { # field JOBID KEY: one field of one job from `jobs --json`
	"$PW" jobs --json | python3 -c 'import json,sys; print([j for j in json.load(sys.stdin)["jobs"] if j["id"]==int(sys.argv[1])][0][sys.argv[2]])' "$1" "$2"
}

# ---- three workers race over 60 jobs ----
for k in $(seq 0 59); do
	i=$((k % 5))
	"$PW" enqueue --repo "$R" --ref refs/heads/main "${C[$i]}..${C[$((i + 1))]}" >>"$T/ids"
done
[ "$(sort -u "$T/ids" | wc -l)" = 60 ] && pass "60 jobs enqueued with distinct ids" || fail "enqueue ids: $(sort -u "$T/ids" | wc -l)"
expect_exit 0 "the queue lists them" -- "$PW" jobs --state queued
[ "$(grep -c ' queued ' "$T/out")" = 60 ] && pass "jobs --state queued shows 60" || fail "jobs --state queued: $(grep -c ' queued ' "$T/out")"
start=$(date +%s.%N)
pids=()
for w in 1 2 3; do
	"$PW" worker --drain 2>"$T/w$w.log" &
	pids+=($!)
done
rcs=0
for p in "${pids[@]}"; do wait "$p" || rcs=$((rcs + 1)); done
end=$(date +%s.%N)
[ "$rcs" = 0 ] && pass "all three workers exit 0 when the queue is drained" || fail "$rcs workers failed"
"$PW" jobs --json >"$T/jobs.json"
python3 - "$T/jobs.json" "$T/w1.log" "$T/w2.log" "$T/w3.log" <<'PY' && pass "every job done exactly once, by more than one worker" || fail "the race went wrong"
import collections, json, re, sys
jobs = json.load(open(sys.argv[1]))["jobs"]
assert len(jobs) == 60 and all(j["state"] == "done" for j in jobs), [j["state"] for j in jobs]
done = collections.Counter()
by = collections.Counter()
for path in sys.argv[2:]:
    for line in open(path):
        m = re.search(r"job (\d+): done", line)
        if m:
            done[int(m.group(1))] += 1
            by[path] += 1
assert sorted(done) == [j["id"] for j in jobs] and set(done.values()) == {1}, done
assert len(by) >= 2, by
assert all(len(j["notifications"]) == 1 and j["notifications"][0]["status"] == "sent" for j in jobs)
print("jobs per worker:", sorted(by.values()), file=sys.stderr)
PY
python3 - "$T/statuses.jsonl" "$T/jobs.json" <<'PY' && pass "the forge got exactly one status per job (60)" || fail "statuses: $(wc -l <"$T/statuses.jsonl")"
import collections, json, sys
posts = [json.loads(l) for l in open(sys.argv[1])]
jobs = json.load(open(sys.argv[2]))["jobs"]
assert len(posts) == 60, len(posts)
want = collections.Counter("/repos/acme/widget/statuses/" + j["tip"] for j in jobs)
assert collections.Counter(p["path"] for p in posts) == want
assert all(p["body"]["context"] == "perfwarden/tiny" for p in posts)
PY
echo "60 jobs, 3 workers: $(python3 -c "print(round($end - $start, 2))") s" >&2

# ---- a worker killed mid-job: the lease holds, then another worker takes over ----
make_tiny "$T/repo2"
: >"$T/slow"
id=$("$PW" enqueue --repo "$T/repo2" HEAD~2..HEAD)
"$PW" worker --once --lease 3 2>"$T/victim.log" &
victim=$!
for _ in $(seq 300); do [ -s "$T/bench.pid" ] && break; sleep 0.05; done
[ -s "$T/bench.pid" ] && pass "the benchmark is running under the victim" || fail "the benchmark never started"
sleep 4 # longer than the lease: only renewal keeps it
expect_exit 0 "another worker while the victim lives" -- "$PW" worker --once --lease 3
[ "$(field "$id" state)" = running ] && [ "$(field "$id" attempts)" = 1 ] &&
	pass "a renewed lease keeps the job with its worker past the lease length" ||
	fail "the live worker lost its job: $(field "$id" state) attempt $(field "$id" attempts)"
owner=$(field "$id" lease_owner)
kill -KILL "$victim" || true
wait "$victim" 2>/dev/null || true
# the benchmark dies with its worker (the sandbox's init has PR_SET_PDEATHSIG, and the
# kernel empties its PID namespace): no `sleep` of this test's worktrees is left
left=""
for _ in $(seq 60); do
	left=""
	for p in $(pgrep -x sleep); do
		case "$(readlink "/proc/$p/cwd" 2>/dev/null)" in "$T"/*) left="$left $p" ;; esac
	done
	[ -z "$left" ] && break
	sleep 0.05
done
if [ -z "$left" ]; then
	pass "the benchmark died with its killed worker"
else
	fail "the benchmark outlived its killed worker:$left"
	kill -KILL $left 2>/dev/null || true
fi
rm -f "$T/slow"
expect_exit 0 "a worker right after the kill" -- "$PW" worker --once
[ "$(field "$id" state)" = running ] && [ "$(field "$id" lease_owner)" = "$owner" ] &&
	pass "the dead worker's lease still holds the job" ||
	fail "the job was taken before its lease expired: $(field "$id" state), $(field "$id" lease_owner)"
sleep 3.5
expect_exit 0 "a worker after the lease expired" -- "$PW" worker --once
expect_grep "job $id: done" "$T/err" "the second worker finished the job"
[ "$(field "$id" state)" = done ] && [ "$(field "$id" attempts)" = 2 ] && [ "$(field "$id" worker)" != "$owner" ] &&
	pass "the job is done on attempt 2 by another worker" ||
	fail "after takeover: $(field "$id" state), attempt $(field "$id" attempts), by $(field "$id" worker)"

# ---- infrastructure failures: bounded retries, then failed with the reason ----
id=$("$PW" enqueue --repo "http://127.0.0.1:$(free_port)/acme/gone.git" --attempts 2 "${C[0]}..${C[1]}")
expect_exit 0 "a worker on an unreachable repository" -- "$PW" worker --drain
[ "$(field "$id" state)" = failed ] && [ "$(field "$id" attempts)" = 2 ] &&
	pass "the job failed after 2 attempts" || fail "unreachable repo: $(field "$id" state), attempt $(field "$id" attempts)"
field "$id" error >"$T/reason"
expect_grep "gone.git" "$T/reason" "the reason names the repository"
expect_grep "attempt 1 failed, retrying" "$T/err" "the first failure was retried"
# ---- permanent errors fail at once: not a repository, a commit that is not there ----
id=$("$PW" enqueue --repo "file://$T/nowhere.git" --attempts 3 "${C[0]}..${C[1]}")
expect_exit 0 "a worker on a path that is no repository" -- "$PW" worker --drain
[ "$(field "$id" state)" = failed ] && [ "$(field "$id" attempts)" = 1 ] &&
	pass "not a repository: failed on the first attempt" || fail "no repository: $(field "$id" state), attempt $(field "$id" attempts)"
field "$id" error >"$T/reason"
expect_grep "not a git repository: '$T/nowhere.git'" "$T/reason" "the reason says it is not a repository"
if grep -q "retrying" "$T/err"; then fail "a permanent error was retried"; else pass "a permanent error is not retried"; fi

# ---- a forge that is down loses nothing: notify --retry ----
DOWN=$(free_port)
sed -i "s|api = http://127.0.0.1:$RPORT|api = http://127.0.0.1:$DOWN|" "$T/config"
id=$("$PW" enqueue --repo "$R" "${C[4]}..${C[5]}")
expect_exit 0 "a worker while the forge is down" -- "$PW" worker --once
[ "$(field "$id" state)" = done ] && pass "the verdict is stored although the status was not sent" || fail "job state $(field "$id" state)"
expect_grep "not sent" "$T/err" "the worker says the status was not sent"
"$PW" jobs --json | python3 -c 'import json,sys; n=[j for j in json.load(sys.stdin)["jobs"] if j["id"]==int(sys.argv[1])][0]["notifications"]; assert len(n)==1 and n[0]["status"]=="failed" and n[0]["last_error"], n' "$id" &&
	pass "the status is stored as failed with the error" || fail "notification not stored as failed"
expect_exit 1 "notify --retry while the forge is still down" -- "$PW" notify --retry
start_receiver "$DOWN" "$T/late.jsonl"
expect_exit 0 "notify --retry once the forge is back" -- "$PW" notify --retry
expect_grep "^1 sent, 0 failed" "$T/out" "the one pending status was sent"
tip=${C[5]}
expect_grep "\"/repos/acme/widget/statuses/$tip\"" "$T/late.jsonl" "the forge got the late status"
expect_exit 0 "notify --retry with nothing left" -- "$PW" notify --retry
expect_grep "^0 sent, 0 failed" "$T/out" "nothing is sent twice"

# ---- each = true: a status for every judged commit; the generic webhook ----
sed -i "s|^\tretry-delay = 0|\tretry-delay = 0\n\teach = true|; s|^\tattempts = 1|\tattempts = 1\n\twebhook = http://127.0.0.1:$DOWN/slack/T0/B0/secretpath|" "$T/config"
: >"$T/late.jsonl"
id=$("$PW" enqueue --repo "$R" "${C[2]}..${C[4]}")
expect_exit 0 "a worker with each = true and a webhook" -- "$PW" worker --once
python3 - "$T/late.jsonl" "${C[3]}" "${C[4]}" <<'PY' && pass "a status per judged commit and one Slack-style text" || { fail "each/webhook posts wrong"; cat "$T/late.jsonl" >&2; }
import json, sys
posts = [json.loads(l) for l in open(sys.argv[1])]
c3, c4 = sys.argv[2:]
statuses = sorted(p["path"] for p in posts if "/statuses/" in p["path"])
assert statuses == sorted(["/repos/acme/widget/statuses/" + c3, "/repos/acme/widget/statuses/" + c4]), statuses
texts = [p for p in posts if p["path"].startswith("/slack/")]
assert len(texts) == 1 and list(texts[0]["body"]) == ["text"], texts
assert texts[0]["body"]["text"].startswith("perfwarden passed: acme/widget"), texts
PY
if grep -q secretpath "$T/err"; then fail "the webhook URL's secret path leaked"; else pass "the webhook URL's path is not logged"; fi

# ---- bad input ----
expect_exit 2 "enqueue without a range" -- "$PW" enqueue --repo "$R"
expect_exit 2 "enqueue an unknown revision" -- "$PW" enqueue --repo "$R" "${C[0]}..nope"
expect_grep "nope" "$T/err" "the unknown revision is named"
expect_exit 2 "enqueue into a directory that is no repository" -- "$PW" enqueue --repo "$T/golden" HEAD
expect_exit 2 "jobs with a bad state" -- "$PW" jobs --state finished
expect_grep "unknown job state 'finished'" "$T/err" "the bad state is named"
expect_exit 2 "notify without --retry" -- "$PW" notify
expect_exit 2 "worker with a bad lease" -- "$PW" worker --lease 0
expect_exit 2 "worker with an unreachable database" -- "$PW" worker --once --database "host=$T/nosocket dbname=x"
expect_grep "$T/nosocket" "$T/err" "the database message names the socket"
finish
