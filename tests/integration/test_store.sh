#!/usr/bin/env bash
# The store end to end through the real binary and the embedded PostgreSQL:
# db start/status/stop as root (the server must run unprivileged), a known
# data set written through `db replay` of spool files, history/show/compare
# in table, JSON and CSV, --branch along a real git repository's first
# parents, and the exit codes for unknown commits and unreachable databases.
. "$(dirname "$0")/lib.sh"
cleanup_hooks+=("\"$PW\" db stop >/dev/null 2>&1")

# --- the embedded cluster ------------------------------------------------
expect_exit 1 "db status before first use" -- "$PW" db status
expect_grep 'not initialized' "$T/out" "status says not initialized"
expect_exit 0 "db start" -- "$PW" db start
expect_exit 0 "db status when running" -- "$PW" db status
expect_grep "state: running \(pid [0-9]+, uid [0-9]+\)" "$T/out" "status names pid and uid"
uid=$(sed -n 's/.*uid \([0-9]*\)).*/\1/p' "$T/out")
if [ -n "$uid" ] && [ "$uid" != 0 ]; then pass "postmaster runs as uid $uid, not root"; else fail "postmaster uid '$uid'"; fi
expect_exit 0 "db url" -- "$PW" db url
expect_grep "^host=$PERFWARDEN_HOME/pg dbname=perfwarden" "$T/out" "url names the socket dir"
if ss -ltnp 2>/dev/null | grep -q postgres; then fail "embedded postgres listens on TCP"; else pass "no TCP listener"; fi

# --- a real repository whose branch order differs from author time --------
git init -q -b main "$T/repo"
for i in 1 2 3; do
	GIT_AUTHOR_DATE="@$((1700000000 + (i == 2 ? 500 : i * 100))) +0000" \
		git -C "$T/repo" commit -q --allow-empty -m "commit $i"
done
mapfile -t H < <(git -C "$T/repo" rev-list --reverse main)
repo=$(cd "$T/repo" && pwd -P)

# the known data set, written as spool files (the documented spool format)
python3 - "$PERFWARDEN_HOME/spool" "$repo" "${H[@]}" <<'PY'
import json, os, sys
out, repo, hashes = sys.argv[1], sys.argv[2], sys.argv[3:]
os.makedirs(out, exist_ok=True)
wall = [[100, 101, 99, 100, 102], [110, 111, 109, 110, 112], [99, 100, 98, 99, 101]]
times = [1700000100, 1700000500, 1700000300]
subjects = ["commit 1", 'commit 2, "slower"', "commit 3"]
for i, h in enumerate(hashes):
    samples = [dict(wall_ns=v * 1000000, user_ns=v * 900000, sys_ns=1000000, maxrss_kib=2048 + i,
                    minflt=100, majflt=0, nvcsw=1, nivcsw=2, instructions=None, cycles=None,
                    branch_misses=None, cache_misses=None, exit_code=0, term_signal=0,
                    timed_out=False) for v in wall[i]]
    doc = dict(perfwarden_spool=1, repo_location=repo, repo_name="repo",
               commit=dict(hash=h, parents=hashes[i - 1:i], author="tester",
                           email="tester@example.com", author_time=times[i], subject=subjects[i]),
               env_fingerprint="env-1", env_details='{"cpu": "test"}',
               runs=[dict(benchmark="julia", spec_hash="spec-1", started_us=times[i] * 10**6,
                          finished_us=times[i] * 10**6 + 5 * 10**6,
                          verdict="slower" if i == 1 else "ok", build_log_tail="build ok\n",
                          diff_report=None, stderr_tail=None, metadata='{"repeat": 5}',
                          samples=samples)])
    with open(os.path.join(out, "%d-fixture.json" % i), "w") as f:
        json.dump(doc, f)
PY
expect_exit 0 "db replay stores the spooled results" -- "$PW" db replay
expect_grep "replayed 3 spooled result files, 0 left" "$T/out" "replay counts"
if [ -z "$(ls -A "$PERFWARDEN_HOME/spool")" ]; then pass "replay emptied the spool"; else fail "spool not empty"; fi
expect_exit 0 "replay again is a no-op" -- "$PW" db replay
expect_grep "replayed 0 spooled result files, 0 left" "$T/out" "nothing left to replay"

# --- history ----------------------------------------------------------------
expect_exit 0 "history table" -- "$PW" history --repo "$T/repo"
expect_grep "^COMMIT +DATE +VERDICT +N +MEDIAN +MIN +IQR +RATIO +SUBJECT" "$T/out" "table header"
# by author time: commit 2 (t=500) newest, then 3 (t=300), then 1
sed -n 2p "$T/out" | grep -qE "^${H[1]:0:12} .* slower +5 +110\.000 ms +109\.000 ms +1\.000 ms +1\.111 " &&
	pass "newest by author time first, ratio to the previous" || { fail "history row 1"; cat "$T/out" >&2; }
sed -n 4p "$T/out" | grep -qE "^${H[0]:0:12} .* +- +commit 1$" && pass "oldest row has no ratio" || fail "history row 3"

expect_exit 0 "history csv" -- "$PW" history --repo "$T/repo" --csv
cat >"$T/want.csv" <<CSV
benchmark,commit,author_time,verdict,samples,median_ns,min_ns,iqr_ns,ratio_prev,subject
julia,${H[1]},2023-11-14T22:21:40Z,slower,5,110000000,109000000,1000000,1.11111111111111,"commit 2, ""slower"""
julia,${H[2]},2023-11-14T22:18:20Z,ok,5,99000000,98000000,1000000,0.99,commit 3
julia,${H[0]},2023-11-14T22:15:00Z,ok,5,100000000,99000000,1000000,,commit 1
CSV
if diff -u "$T/want.csv" "$T/out"; then pass "history csv exact"; else fail "history csv differs"; fi

expect_exit 0 "history json" -- "$PW" history --repo "$T/repo" --json --limit 2
python3 - "$T/out" "${H[1]}" <<'PY' && pass "history json fields" || fail "history json"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["benchmark"] == "julia" and d["metric"] == "wall" and d["unit"] == "ns"
assert d["benchmarks"] == ["julia"] and d["commits"][0]["benchmark"] == "julia"
assert len(d["commits"]) == 2, d
c = d["commits"][0]
assert c["commit"] == sys.argv[2] and c["samples"] == 5 and c["median"] == 110000000
assert abs(c["ratio_prev"] - 110 / 99) < 1e-9 and c["verdict"] == "slower"
PY

expect_exit 0 "history --branch follows first parents" -- "$PW" history --repo "$T/repo" --branch main --csv
cut -d, -f2 "$T/out" | tail -n +2 >"$T/order"
printf '%s\n' "${H[2]}" "${H[1]}" "${H[0]}" >"$T/want.order"
if diff -u "$T/want.order" "$T/order"; then pass "branch order, newest first"; else fail "branch order"; fi

expect_exit 0 "history --metric maxrss" -- "$PW" history --repo "$T/repo" --metric maxrss --csv
expect_grep "median_KiB" "$T/out" "column names carry the unit"
expect_grep "^julia,${H[2]},.*,2050,2050,0," "$T/out" "maxrss values"

expect_exit 1 "history of an unknown benchmark" -- "$PW" history --benchmark nope
expect_grep "no runs of benchmark 'nope'" "$T/err" "unknown benchmark named"
expect_exit 2 "history with an unknown metric" -- "$PW" history --metric bogus
expect_exit 2 "history --limit garbage" -- "$PW" history --limit ten

# --- show -----------------------------------------------------------------
expect_exit 0 "show by prefix" -- "$PW" show "${H[1]:0:7}"
expect_grep "^commit +${H[1]}" "$T/out" "show names the commit"
expect_grep "^  verdict +slower" "$T/out" "show gives the verdict"
expect_grep "^  wall +110\.000 ms +109\.000 ms +112\.000 ms +1\.000 ms" "$T/out" "show summarizes wall"
expect_grep "^  instructions +\(not measured\)" "$T/out" "absent metric shown as not measured"
expect_exit 0 "show --json" -- "$PW" show --json "${H[0]}"
python3 - "$T/out" <<'PY' && pass "show json has raw samples, null for absent" || fail "show json"
import json, sys
d = json.load(open(sys.argv[1]))
r = d["runs"][0]
assert len(r["samples"]) == 5 and r["samples"][0]["wall_ns"] == 100000000
assert r["samples"][0]["instructions"] is None and r["metadata"] == {"repeat": 5}
assert d["parents"] == []
PY
expect_exit 1 "show an unknown commit" -- "$PW" show deadbeef
expect_grep "unknown commit 'deadbeef'" "$T/err" "unknown commit named"
# outside any repository a commit is a hash prefix (refs: tests/integration/test_refs.sh)
expect_exit 2 "show a non-hash" -- sh -c 'cd "$1" && "$2" show "ab%"' - "$T" "$PW"
expect_exit 2 "show a too-short prefix" -- sh -c 'cd "$1" && "$2" show abc' - "$T" "$PW"
expect_grep "'abc' is not a commit hash \(4 to 40 hexadecimal digits\), and no repository" "$T/err" \
	"a name that is not a hash, with no repository to resolve it in, is refused"

# --- compare --------------------------------------------------------------
expect_exit 0 "compare table" -- "$PW" compare "${H[0]:0:8}" "${H[1]:0:8}"
expect_grep "^julia +wall +5 +100\.000 ms +5 +110\.000 ms +1\.100 +\[1\.0[0-9]+, 1\.1[0-9]+\]" "$T/out" "compare wall row"
expect_exit 0 "compare csv" -- "$PW" compare --csv "${H[0]}" "${H[1]}"
expect_grep "^benchmark,environment,metric,unit,a_samples,a_median,b_samples,b_median,ratio,ci_low,ci_high$" "$T/out" "compare csv header"
expect_grep "^julia,env-1,wall,ns,5,100000000,5,110000000,1.1,1\.[0-9]+,1\.[0-9]+$" "$T/out" "compare csv wall"
if grep -q ',instructions,' "$T/out"; then fail "unmeasured metric compared"; else pass "unmeasured metrics left out"; fi
cp "$T/out" "$T/first.csv"
"$PW" compare --csv "${H[0]}" "${H[1]}" >"$T/second.csv"
if cmp -s "$T/first.csv" "$T/second.csv"; then pass "compare is deterministic"; else fail "compare not deterministic"; fi
expect_exit 0 "compare json" -- "$PW" compare --json "${H[0]}" "${H[2]}"
python3 - "$T/out" <<'PY' && pass "compare json" || fail "compare json"
import json, sys
d = json.load(open(sys.argv[1]))
w = [c for c in d["comparisons"] if c["metric"] == "wall"][0]
assert w["a_median"] == 100000000 and w["b_median"] == 99000000 and abs(w["ratio"] - 0.99) < 1e-12
assert w["ci_low"] <= w["ratio"] <= w["ci_high"]
PY
expect_exit 1 "compare with an unknown commit" -- "$PW" compare "${H[0]}" cafe1234
expect_exit 2 "compare with one argument" -- "$PW" compare "${H[0]}"

# --- unreachable databases -----------------------------------------------
expect_exit 2 "unreachable --database" -- "$PW" history --database 'host=/nonexistent dbname=x password=hunter2'
expect_grep "^perfwarden history: could not connect to the database \(socket '/nonexistent', database 'x'\)" "$T/err" "one line naming socket and database"
if [ "$(wc -l <"$T/err")" = 1 ] && ! grep -q hunter2 "$T/err"; then pass "one line, no password"; else fail "error output"; cat "$T/err" >&2; fi
PERFWARDEN_DATABASE_URL='postgresql://pw:hunter2@127.0.0.1:1/pwdb' expect_exit 2 "unreachable PERFWARDEN_DATABASE_URL" -- "$PW" show "${H[0]}"
expect_grep "host '127.0.0.1' port 1, database 'pwdb'" "$T/err" "URL form named"
expect_exit 2 "db replay with the database unreachable" -- "$PW" db replay --database 'host=/nonexistent dbname=x'

# --- stop ------------------------------------------------------------------
expect_exit 0 "db stop" -- "$PW" db stop
expect_exit 1 "db status after stop" -- "$PW" db status
expect_grep "state: stopped" "$T/out" "status says stopped"
expect_exit 0 "a query starts it again on demand" -- "$PW" history --repo "$T/repo" --limit 1
finish
