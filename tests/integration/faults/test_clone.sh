#!/usr/bin/env bash
# A clone from a server that accepts and then says nothing is given up on
# within its bound (PERFWARDEN_FETCH_TIMEOUT) with one clear line and exit 2,
# and a SIGTERM while perfwarden waits for it ends perfwarden and its clone.
source "$(dirname "$0")/../lib.sh"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -c "
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $port)); s.listen(50)
held = []
while True:
    c, _ = s.accept(); held.append(c)   # accept, then never answer
" &
silent=$!
cleanup_hooks+=("kill $silent")
for _ in $(seq 100); do # until it listens
	python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1).close()" 2>/dev/null && break
	sleep 0.1
done
url=http://127.0.0.1:$port/silent.git

start=$(date +%s%N)
PERFWARDEN_FETCH_TIMEOUT=2 expect_exit 2 "run --repo against a silent server" -- "$PW" run --repo "$url" HEAD
ms=$((($(date +%s%N) - start) / 1000000))
[ "$ms" -lt 10000 ] && pass "it gave up within the bound (${ms} ms for a 2 s bound)" || fail "it took ${ms} ms"
expect_grep "^perfwarden run: could not clone '$url': the remote sent nothing for 2 s" "$T/err" "the error says the remote sent nothing"
[ "$(wc -l <"$T/err")" -eq 1 ] && pass "one line on stderr" || fail "stderr: $(cat "$T/err")"
ls "$PERFWARDEN_HOME/clones" 2>/dev/null | grep -q tmp && fail "a half clone was left behind" || pass "no half clone left behind"

# SIGTERM while waiting (default bound: 60 s)
"$PW" run --repo "$url" HEAD >"$T/term.out" 2>"$T/term.err" &
pid=$!
sleep 1
kill -0 "$pid" 2>/dev/null && pass "run waits on the silent server" || fail "run ended before the SIGTERM: $(cat "$T/term.err")"
start=$(date +%s%N)
kill -TERM "$pid"
wait "$pid" && rc=0 || rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
[ "$rc" -ne 0 ] && [ "$ms" -lt 3000 ] && pass "SIGTERM ends a run waiting for a clone (${ms} ms)" || fail "SIGTERM: exit $rc after ${ms} ms"
sleep 0.3
pgrep -f "run --repo $url" >/dev/null && fail "the clone outlived perfwarden" || pass "the clone did not outlive perfwarden"
finish
