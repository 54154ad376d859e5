#!/usr/bin/env bash
# Slow clients cannot starve `perfwarden serve`: 200 connections from one
# address (127.0.0.2), each trickling its headers a byte every 0.3 s so that an
# idle timeout never fires, while /health is asked from another address
# (127.0.0.1) every 0.2 s. /health must answer every time during the attack
# and at once after it; the attacker holds no more connections than the
# per-address limit; and the server cuts each slow connection off at the total
# request deadline (3 s here), not at some idle timeout the trickle keeps
# resetting.
source "$(dirname "$0")/../lib.sh"
cleanup_hooks+=("\"$PW\" db stop >/dev/null 2>&1")
F=$(dirname "$0")

python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.2", 0))' 2>/dev/null || {
	echo "127.0.0.2 cannot be bound here: skipped"
	exit 0
}
cat >"$T/config" <<CONF
[server]
	secret = s3cret
	request-timeout = 3
	connections-per-ip = 16
CONF
"$PW" serve --config "$T/config" --listen 127.0.0.1:0 2>"$T/serve.log" &
serve_pid=$!
cleanup_hooks=("kill $serve_pid 2>/dev/null" "${cleanup_hooks[@]}")
for _ in $(seq 200); do grep -q "listening on" "$T/serve.log" && break; sleep 0.05; done
U=$(sed -n 's/.*listening on //p' "$T/serve.log")
[ -n "$U" ] || { fail "serve did not start"; cat "$T/serve.log" >&2; finish; exit 1; }
port=${U##*:}
expect_exit 0 "/health before the attack" -- curl -sf --max-time 2 "$U/health"

python3 "$F/slowloris.py" 127.0.0.2 127.0.0.1 "$port" 200 10 >"$T/attack.json" &
attack_pid=$!
cleanup_hooks=("kill $attack_pid 2>/dev/null" "${cleanup_hooks[@]}")
sleep 1
ok=0 bad=0 slowest=0
while kill -0 "$attack_pid" 2>/dev/null; do
	t=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 2 "$U/health" || true)
	if [ "${t%% *}" = 200 ]; then ok=$((ok + 1)); else bad=$((bad + 1)); fi
	slowest=$(python3 -c "print(max($slowest, ${t##* }))")
	sleep 0.2
done
wait "$attack_pid" || true
after=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 2 "$U/health" || true)
echo "attack: $(cat "$T/attack.json"); /health during it: $ok answered, $bad failed, slowest ${slowest}s; right after: $after"
[ "$bad" = 0 ] && [ "$ok" -ge 10 ] && pass "/health answered all $ok times during the attack (slowest ${slowest}s)" ||
	fail "/health failed $bad of $((ok + bad)) times during the attack"
[ "${after%% *}" = 200 ] && pass "/health answers right after the attack (${after##* }s)" || fail "/health after the attack: $after"
python3 - "$T/attack.json" <<'PY' && pass "slow connections: held at most the per-address limit, cut off at the 3 s deadline" || fail "slow connections were not bounded: $(cat "$T/attack.json")"
import json, sys
a = json.load(open(sys.argv[1]))
assert a["opened"] >= 16 and a["closed"] >= 16, a      # it was served, then cut off
assert a["held_max"] <= 16, a                          # the per-address limit
assert 2.5 <= a["max_life_s"] <= 5.0, a                # the total deadline, trickle or not
PY
expect_grep "not answered within the 3 s deadline" "$T/serve.log" "serve logs the connections it cut off"
lines=$(wc -l <"$T/serve.log")
[ "$lines" -lt 200 ] && pass "the attack did not flood the log ($lines lines)" || fail "the attack wrote $lines log lines"
kill -TERM "$serve_pid"
wait "$serve_pid" && pass "serve stops cleanly after the attack" || fail "serve exited $? after the attack"
finish
