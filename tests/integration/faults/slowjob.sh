# Shared by the fault tests that kill something mid-job (sourced after lib.sh):
# a repository R of two commits C0, C1 whose benchmark, while $T/slow exists,
# records its pid in $T/bench.pid and waits until it is gone (at most 30 s: so
# a test can catch a job mid-measurement); a golden set; a real HTTP receiver for commit statuses
# ($T/statuses.jsonl); a config (lease 3 s, poll 1 s, no retry delay) in
# $PERFWARDEN_CONFIG; and helpers to read jobs and the database.
mkdir -p "$T/golden"
printf '1 2\n3 4\n' >"$T/golden/g2.out"
echo 10 >"$T/golden/g2.sum"
R=$T/repo
git init -q -b main "$R"
cat >"$R/bench.sh" <<SH
#!/bin/sh
if [ -e "$T/slow" ]; then
	echo \$\$ >"$T/bench.pid"
	i=0
	while [ -e "$T/slow" ] && [ \$i -lt 300 ]; do sleep 0.1; i=\$((i + 1)); done
fi
printf '1 2\n3 4\n' >"\$PERFWARDEN_OUTPUT"
SH
chmod +x "$R/bench.sh"
printf '[build]\n\tcommand = true\n[benchmark "tiny"]\n\tcommand = ./bench.sh\n\tgolden = g2\n\trepeat = 3\n\twarmup = 0\n\ttimeout = 60\n\tmax-repeat = 3\n' >"$R/.perfwarden"
git -C "$R" add -A && git -C "$R" commit -qm c0
echo 1 >"$R/f" && git -C "$R" add f && git -C "$R" commit -qm c1
C0=$(git -C "$R" rev-parse HEAD~1)
C1=$(git -C "$R" rev-parse HEAD)

cat >"$T/receiver.py" <<'PY'
import http.server, json, os, sys
log, portfile = sys.argv[1], sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        with open(log, "a") as f:
            f.write(json.dumps({"path": self.path, "body": json.loads(body)}) + "\n")
        self.send_response(201)
        self.end_headers()
    def log_message(self, *args):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
with open(portfile + ".tmp", "w") as f:
    f.write(str(s.server_address[1]))
os.rename(portfile + ".tmp", portfile)
s.serve_forever()
PY
python3 "$T/receiver.py" "$T/statuses.jsonl" "$T/receiver.port" &
cleanup_hooks=("kill $! 2>/dev/null" "${cleanup_hooks[@]}")
for _ in $(seq 100); do [ -s "$T/receiver.port" ] && break; sleep 0.05; done
touch "$T/statuses.jsonl"
cat >"$T/config" <<CONF
[worker]
	golden-dir = $T/golden
	lease = 3
	poll = 1
	retry-delay = 0
[notify]
	attempts = 1
[repository "acme/widget"]
	location = $R
	forge = github
	api = http://127.0.0.1:$(cat "$T/receiver.port")
	token = t0ken
CONF
export PERFWARDEN_CONFIG=$T/config

field() { # field JOBID KEY: one field of one job from `jobs --json`
	"$PW" jobs --json | python3 -c 'import json,sys; print([j for j in json.load(sys.stdin)["jobs"] if j["id"]==int(sys.argv[1])][0][sys.argv[2]])' "$1" "$2"
}
sql() { psql "$("$PW" db url)" -XAtqc "$1"; }
# start_worker LOG: a long-running worker; its pid in $worker_pid
start_worker() {
	"$PW" worker 2>"$1" &
	worker_pid=$!
	cleanup_hooks=("kill -9 $worker_pid 2>/dev/null" "${cleanup_hooks[@]}")
}
# wait_for COMMAND... (up to 40 s)
wait_for() {
	local i
	for i in $(seq 200); do "$@" && return 0; sleep 0.2; done
	return 1
}
kill_bench() { # the benchmark a killed worker left behind (if it outlived it, outside a sandbox:
	# inside one, the pid it wrote is its PID namespace's, and it died with the worker)
	local pid
	pid=$(cat "$T/bench.pid" 2>/dev/null) || return 0
	grep -qs "bench.sh" "/proc/$pid/cmdline" && kill -KILL "$pid" 2>/dev/null || true
}
cleanup_hooks=("kill_bench" "${cleanup_hooks[@]}")
state_is() { [ "$(field "$1" state)" = "$2" ]; } # state_is JOBID STATE
