#!/usr/bin/env bash
# The rules that have one home (issue 11), pinned on one stored data set in
# the embedded PostgreSQL: `compare`, the dashboard's /api/compare and
# /api/history of `perfwarden serve`, and `history` give the same values and
# verdicts for the same commits; a run of another environment fingerprint is
# never matched (store_run_pairs); and every spelling of a repository's path
# (checkout_repo_key) finds the one history.
. "$(dirname "$0")/lib.sh"
cleanup_hooks+=("\"$PW\" db stop >/dev/null 2>&1")

git init -q -b main "$T/repo"
for i in 0 1 2 3 4; do
	GIT_AUTHOR_DATE="@$((1700000000 + i * 100)) +0000" git -C "$T/repo" commit -q --allow-empty -m "c$i"
done
mapfile -t H < <(git -C "$T/repo" rev-list --reverse main)
repo=$(cd "$T/repo" && pwd -P)

# env-1 measured julia on c0..c3 (and mandel on c0); env-2, another machine,
# measured later: julia on c3 and c4, mandel on c3. Its timings are 10x.
python3 - "$PERFWARDEN_HOME/spool" "$repo" "${H[@]}" <<'PY'
import json, os, sys
out, repo, hashes = sys.argv[1], sys.argv[2], sys.argv[3:]
os.makedirs(out, exist_ok=True)
def run(bench, ms, t, verdict="ok"):
    samples = [dict(wall_ns=(ms + d) * 1000000, user_ns=ms * 900000, sys_ns=1000000, maxrss_kib=2048,
                    minflt=100, majflt=0, nvcsw=1, nivcsw=2, instructions=None, cycles=None,
                    branch_misses=None, cache_misses=None, exit_code=0, term_signal=0,
                    timed_out=False) for d in (-1, 0, 1, 0, 2)]
    return dict(benchmark=bench, spec_hash="spec-1", started_us=t * 10**6, finished_us=(t + 5) * 10**6,
                verdict=verdict, build_log_tail=None, diff_report=None, stderr_tail=None,
                metadata="{}", samples=samples)
plan = {("env-1", 0): [run("julia", 100, 1700001000), run("mandel", 50, 1700001000)],
        ("env-1", 1): [run("julia", 110, 1700001100, "slower")],
        ("env-1", 2): [run("julia", 100, 1700001200)],
        ("env-1", 3): [run("julia", 120, 1700001300)],
        ("env-2", 3): [run("julia", 1200, 1700009000), run("mandel", 500, 1700009000)],
        ("env-2", 4): [run("julia", 1300, 1700009100)]}
for n, ((env, i), runs) in enumerate(sorted(plan.items())):
    doc = dict(perfwarden_spool=1, repo_location=repo, repo_name="repo",
               commit=dict(hash=hashes[i], parents=hashes[i - 1:i] if i else [], author="tester",
                           email="tester@example.com", author_time=1700000000 + i * 100,
                           subject="c%d" % i),
               env_fingerprint=env, env_details='{"cpu": "%s"}' % env, runs=runs)
    with open(os.path.join(out, "%d-rules.json" % n), "w") as f:
        json.dump(doc, f)
PY
expect_exit 0 "db replay stores the data set" -- "$PW" db replay

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$PW" serve --listen "127.0.0.1:$port" >"$T/serve.log" 2>&1 &
serve_pid=$!
cleanup_hooks=("kill $serve_pid 2>/dev/null; wait $serve_pid 2>/dev/null" "${cleanup_hooks[@]}")
U=http://127.0.0.1:$port
api() { # api PATH?QUERY FILE: the body into FILE, the HTTP status printed
	python3 - "$U$1" "$2" <<'PY'
import sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen(sys.argv[1], timeout=20)
    code, body = r.status, r.read()
except urllib.error.HTTPError as e:
    code, body = e.code, e.read()
except OSError:
    code, body = 0, b""
open(sys.argv[2], "wb").write(body)
print("%03d" % code)
PY
}
quote() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
for _ in $(seq 100); do
	[ "$(api /health "$T/body")" = 200 ] && break
	sleep 0.1
done

# --- compare, the API and history agree ---------------------------------------
expect_exit 0 "compare c0 c3" -- "$PW" compare --json "${H[0]}" "${H[3]}"
cp "$T/out" "$T/compare.json"
[ "$(api "/api/compare?a=${H[0]}&b=${H[3]}" "$T/api-compare.json")" = 200 ] &&
	pass "/api/compare answers" || fail "/api/compare: $(cat "$T/api-compare.json")"
expect_exit 0 "history in env-1" -- "$PW" history --repo "$repo" --benchmark julia --environment env-1 --json
cp "$T/out" "$T/history.json"
[ "$(api "/api/history?repo=$(quote "$repo")&benchmark=julia&env=env-1" "$T/api-history.json")" = 200 ] &&
	pass "/api/history answers" || fail "/api/history: $(cat "$T/api-history.json")"
python3 - "$T" "${H[@]}" <<'PY' && pass "compare, /api/compare, history and /api/history give one set of values and verdicts" || fail "the readers disagree"
import json, sys
t, h = sys.argv[1], sys.argv[2:]
load = lambda n: json.load(open("%s/%s.json" % (t, n)))
cmp, api, hist, ahist = load("compare"), load("api-compare"), load("history"), load("api-history")
# one benchmark compared, in the one environment both commits share
cw = [c for c in cmp["comparisons"] if c["metric"] == "wall"]
assert [(c["benchmark"], c["environment"]) for c in cw] == [("julia", "env-1")], cw
assert [(b["benchmark"], b["fingerprint_a"], b["fingerprint_b"]) for b in api["benchmarks"]] == \
    [("julia", "env-1", "env-1")], api["benchmarks"]
aw = [m for m in api["benchmarks"][0]["metrics"] if m["metric"] == "wall"][0]
assert cw[0]["run_a"] == api["benchmarks"][0]["run_a"] and cw[0]["run_b"] == api["benchmarks"][0]["run_b"]
assert cw[0]["a_median"] == aw["median_a"] == 100e6 and cw[0]["b_median"] == aw["median_b"] == 120e6, (cw, aw)
assert abs(cw[0]["ratio"] - aw["ratio"]) < 1e-12 and abs(aw["ratio"] - 1.2) < 1e-12
assert all(abs(x - y) < 1e-12 for x, y in zip([cw[0]["ci_low"], cw[0]["ci_high"]], aw["ci"])), (cw, aw)
# history and /api/history: the same commits, medians and verdicts
rows = {r["commit"]: (r["median"], r["verdict"], r["samples"]) for r in hist["commits"]}
arows = {r["hash"]: (r["median"], r["verdict"], r["count"]) for r in ahist["commits"]}
assert rows == arows, (rows, arows)
assert set(rows) == set(h[:4]), rows
assert rows[h[0]][0] == cw[0]["a_median"] and rows[h[3]][0] == cw[0]["b_median"], rows
assert rows[h[1]][1] == "slower" and rows[h[2]][1] == "ok", rows
PY

# --- another environment is never matched ------------------------------------
# mandel: env-1 on c0, env-2 on c3; julia on c4 only in env-2
grep -q mandel "$T/compare.json" && fail "compare paired mandel across environments" ||
	pass "compare leaves out mandel, measured in different environments"
grep -q mandel "$T/api-compare.json" && fail "/api/compare paired mandel across environments" ||
	pass "/api/compare leaves out mandel, measured in different environments"
expect_exit 1 "compare c0 c4 (no environment in common)" -- "$PW" compare "${H[0]}" "${H[4]}"
expect_grep "no benchmark was measured on both" "$T/err" "compare says why"
api "/api/compare?a=${H[0]}&b=${H[4]}" "$T/body" >/dev/null
python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["benchmarks"] == [], d' "$T/body" &&
	pass "/api/compare c0 c4 compares nothing" || fail "/api/compare matched another environment: $(cat "$T/body")"
expect_exit 0 "compare c3 c4 (both measured in env-2)" -- "$PW" compare --json "${H[3]}" "${H[4]}"
python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert {c["environment"] for c in d["comparisons"]} == {"env-2"}, d' "$T/out" &&
	pass "c3 against c4 is compared in env-2, the environment they share" || fail "c3 c4: $(cat "$T/out")"

# --- the repository key: every spelling finds the one history ------------------
ln -s "$T/repo" "$T/link"
"$PW" history --repo "$repo" --benchmark julia --environment env-1 >"$T/want"
[ "$(wc -l <"$T/want")" = 5 ] && pass "the history by real path has its 4 commits" || fail "history: $(cat "$T/want")"
for spelling in ./repo repo/ "$T/repo" "$T/repo/" "$T/repo/.git" "$T/repo/.git/" "$T/link" "$T/link/"; do
	(cd "$T" && "$PW" history --repo "$spelling" --benchmark julia --environment env-1) >"$T/got" 2>&1 || true
	cmp -s "$T/want" "$T/got" && pass "history --repo $spelling" || { fail "history --repo $spelling"; cat "$T/got" >&2; }
	(cd "$T" && "$PW" show --repo "$spelling" "${H[1]:0:8}") >"$T/got" 2>&1 &&
		pass "show --repo $spelling" || fail "show --repo $spelling: $(cat "$T/got")"
	(cd "$T" && "$PW" compare --repo "$spelling" --json "${H[0]}" "${H[3]}") >"$T/got" 2>&1 &&
		cmp -s "$T/compare.json" "$T/got" && pass "compare --repo $spelling" || fail "compare --repo $spelling: $(cat "$T/got")"
	[[ $spelling == /* ]] || continue # the server has its own working directory
	api "/api/history?repo=$(quote "$spelling")&benchmark=julia&env=env-1" "$T/got" >/dev/null
	python3 -c 'import json, sys; a, b = (json.load(open(p))["commits"] for p in sys.argv[1:]); assert a == b' \
		"$T/api-history.json" "$T/got" 2>/dev/null &&
		pass "/api/history?repo=$spelling" || fail "/api/history?repo=$spelling: $(head -c 300 "$T/got")"
	api "/api/compare?repo=$(quote "$spelling")&a=${H[0]}&b=${H[3]}" "$T/got" >/dev/null
	cmp -s "$T/api-compare.json" "$T/got" && pass "/api/compare?repo=$spelling" || fail "/api/compare?repo=$spelling: $(head -c 300 "$T/got")"
done
(cd "$T/repo" && "$PW" history --repo . --benchmark julia --environment env-1) >"$T/got" 2>&1
cmp -s "$T/want" "$T/got" && pass "history --repo . inside the repository" || fail "history --repo .: $(cat "$T/got")"
expect_exit 1 "another repository's path finds nothing" -- "$PW" history --repo "$T/home" --environment env-1

# --- a history without --environment is one machine's: the newest run's ------
expect_exit 0 "history without --environment" -- "$PW" history --repo "$repo" --benchmark julia --json
cp "$T/out" "$T/hist-any.json"
[ "$(api "/api/history?repo=$(quote "$repo")&benchmark=julia" "$T/api-any.json")" = 200 ] &&
	pass "/api/history without env answers" || fail "/api/history: $(cat "$T/api-any.json")"
python3 - "$T" "${H[@]}" <<'PY' && pass "history and /api/history without an environment show env-2's runs only, and say so" || fail "a history mixed machines"
import json, sys
t, h = sys.argv[1], sys.argv[2:]
cli = json.load(open(t + "/hist-any.json"))
api = json.load(open(t + "/api-any.json"))
assert cli["environment"] == "env-2" and api["env"] == "env-2", (cli.get("environment"), api.get("env"))
rows = {r["commit"]: r["median"] for r in cli["commits"]}
assert set(rows) == {h[3], h[4]}, rows
assert abs(rows[h[4]] / rows[h[3]] - 1300 / 1200) < 1e-9, rows  # env-2's values, not env-1's 120
assert {r["hash"] for r in api["commits"] if r.get("median") is not None} == {h[3], h[4]}, api["commits"]
PY

finish
