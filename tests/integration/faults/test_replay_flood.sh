#!/usr/bin/env bash
# A flood of replays of one signed push queues one job: 2,000 deliveries of
# the same body without a delivery id, then 200 more each under a fresh
# delivery id, are answered 202 once and 200 "duplicate" every other time,
# and `perfwarden jobs` holds exactly one job; a different push is still
# queued, and /health answers throughout.
source "$(dirname "$0")/../lib.sh"
cleanup_hooks+=("\"$PW\" db stop >/dev/null 2>&1")
F=$(dirname "$0")

R=$T/repo
git init -q -b main "$R"
echo 1 >"$R/f" && git -C "$R" add f && git -C "$R" commit -qm one
c1=$(git -C "$R" rev-parse HEAD)
echo 2 >"$R/f" && git -C "$R" commit -qam two
c2=$(git -C "$R" rev-parse HEAD)
SECRET=replay-secret
printf '[server]\n\tsecret = %s\n[allow]\n\trepository = %s\n' "$SECRET" "$R" >"$T/config"
export PERFWARDEN_CONFIG=$T/config
"$PW" serve --listen 127.0.0.1:0 2>"$T/serve.log" &
serve_pid=$!
cleanup_hooks=("kill $serve_pid 2>/dev/null" "${cleanup_hooks[@]}")
for _ in $(seq 200); do grep -q "listening on" "$T/serve.log" && break; sleep 0.05; done
U=$(sed -n 's/.*listening on //p' "$T/serve.log")
[ -n "$U" ] || { fail "serve did not start"; cat "$T/serve.log" >&2; finish; exit 1; }
port=${U##*:}
body() { printf '{"ref":"refs/heads/main","before":"%s","after":"%s","repository":{"full_name":"acme/widget","clone_url":"file://%s"}}' "$1" "$2" "$R"; }
body "$c1" "$c2" >"$T/push.json"

python3 "$F/replay.py" 127.0.0.1 "$port" "$T/push.json" "$SECRET" 2000 >"$T/flood.json"
python3 "$F/replay.py" 127.0.0.1 "$port" "$T/push.json" "$SECRET" 200 --fresh-ids >"$T/fresh.json"
echo "2000 replays without a delivery id: $(cat "$T/flood.json"); 200 with fresh ids: $(cat "$T/fresh.json")"
python3 - "$T/flood.json" "$T/fresh.json" <<'PY' && pass "one 202, then 2,199 duplicates" || fail "replies: $(cat "$T/flood.json") $(cat "$T/fresh.json")"
import json, sys
a, b = (json.load(open(p))["codes"] for p in sys.argv[1:])
assert a == {"202": 1, "200": 1999}, a
assert b == {"200": 200}, b
PY
njobs() { "$PW" jobs --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["jobs"]))'; }
[ "$(njobs)" = 1 ] && pass "the queue holds one job" || fail "the queue holds $(njobs) jobs"
expect_exit 0 "/health after the flood" -- curl -sf --max-time 2 "$U/health"
body "$c2" "$c1" >"$T/other.json"
python3 "$F/replay.py" 127.0.0.1 "$port" "$T/other.json" "$SECRET" 1 >"$T/other.out"
expect_grep '"202": 1' "$T/other.out" "a different push is still queued"
[ "$(njobs)" = 2 ] && pass "two pushes, two jobs" || fail "the queue holds $(njobs) jobs"
finish
