#!/usr/bin/env bash
# Queries over a real repository: `show` and `compare` take refs (HEAD, a
# branch, a tag, HEAD~2) resolved with libgit2 in --repo or the current
# directory's repository, while a hash prefix keeps working without one; and
# `history` and `report` without --benchmark cover every benchmark stored.
# The data set is written as spool files (the documented format) and stored
# with `db replay`.
. "$(dirname "$0")/lib.sh"
cleanup_hooks+=("\"$PW\" db stop >/dev/null 2>&1")

git init -q -b main "$T/repo"
for i in 1 2 3; do
	GIT_AUTHOR_DATE="@$((1700000000 + i * 100)) +0000" git -C "$T/repo" commit -q --allow-empty -m "commit $i"
done
git -C "$T/repo" tag v1 HEAD~1
git -C "$T/repo" branch feature HEAD~2
mapfile -t H < <(git -C "$T/repo" rev-list --reverse main)
repo=$(cd "$T/repo" && pwd -P)

python3 - "$PERFWARDEN_HOME/spool" "$repo" "${H[@]}" <<'PY'
import json, os, sys
out, repo, hashes = sys.argv[1], sys.argv[2], sys.argv[3:]
os.makedirs(out, exist_ok=True)
base = {"julia": 100, "mandel": 40}
for i, h in enumerate(hashes):
    runs = []
    for name, ms in base.items():
        samples = [dict(wall_ns=(ms + i + d) * 1000000, user_ns=None, sys_ns=None, maxrss_kib=2048,
                        minflt=None, majflt=None, nvcsw=None, nivcsw=None, instructions=None,
                        cycles=None, branch_misses=None, cache_misses=None, exit_code=0,
                        term_signal=0, timed_out=False) for d in (0, 1, -1)]
        runs.append(dict(benchmark=name, spec_hash="spec-1", started_us=(1700000000 + i) * 10**6,
                         finished_us=(1700000001 + i) * 10**6, verdict="ok", build_log_tail=None,
                         diff_report=None, stderr_tail=None, metadata="{}", samples=samples))
    doc = dict(perfwarden_spool=1, repo_location=repo, repo_name="repo",
               commit=dict(hash=h, parents=hashes[i - 1:i], author="tester",
                           email="tester@example.com", author_time=1700000000 + (i + 1) * 100,
                           subject="commit %d" % (i + 1)),
               env_fingerprint="env-1", env_details="{}", runs=runs)
    json.dump(doc, open(os.path.join(out, "%d-refs.json" % i), "w"))
PY
expect_exit 0 "db replay stores the data set" -- "$PW" db replay

# --- refs in show and compare ----------------------------------------------------
cd "$T/repo"
for spec in "HEAD 2" "HEAD~2 0" "v1 1" "feature 0" "main 2" "HEAD^ 1"; do
	read -r rev i <<<"$spec"
	expect_exit 0 "show $rev in the repository" -- "$PW" show "$rev"
	expect_grep "^commit +${H[$i]}$" "$T/out" "show $rev is commit $((i + 1))"
done
expect_exit 0 "compare HEAD~2 HEAD" -- "$PW" compare --json HEAD~2 HEAD
python3 - "$T/out" "${H[0]}" "${H[2]}" <<'PY' && pass "compare resolves both refs" || fail "compare HEAD~2 HEAD: $(cat "$T/out")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["a"] == sys.argv[2] and d["b"] == sys.argv[3], d
assert sorted({c["benchmark"] for c in d["comparisons"]}) == ["julia", "mandel"]
PY
expect_exit 1 "show an unknown branch" -- "$PW" show no-such-branch
expect_grep "^perfwarden show: unknown revision 'no-such-branch'$" "$T/err" "the unknown revision is named"
expect_exit 0 "a hash prefix still resolves in the repository" -- "$PW" show "${H[1]:0:7}"
expect_grep "^commit +${H[1]}$" "$T/out" "show PREFIX"

cd "$T"
expect_exit 0 "show --repo DIR v1 from outside the repository" -- "$PW" show --repo "$T/repo" v1
expect_grep "^commit +${H[1]}$" "$T/out" "--repo resolves the tag"
expect_exit 0 "compare --repo DIR main feature" -- "$PW" compare --repo "$T/repo" --csv feature main
expect_grep "^julia,env-1,wall,ns,3,100000000,3,102000000,1.02," "$T/out" "compare --repo: feature (commit 1) against main (commit 3)"
expect_exit 0 "a hash prefix works without a repository" -- "$PW" show "${H[2]:0:8}"
expect_grep "^commit +${H[2]}$" "$T/out" "show PREFIX outside any repository"
expect_exit 2 "a ref without a repository" -- "$PW" show HEAD
expect_grep "'HEAD' is not a commit hash .*no repository is here to resolve it in" "$T/err" "says why HEAD cannot be resolved"

# --- history and report over every benchmark -------------------------------------
expect_exit 0 "history without --benchmark" -- "$PW" history --repo "$T/repo"
expect_grep "^benchmark julia$" "$T/out" "julia's table is named"
expect_grep "^benchmark mandel$" "$T/out" "mandel's table is named"
[ "$(grep -c '^COMMIT ' "$T/out")" = 2 ] && pass "one table per benchmark" || fail "tables: $(cat "$T/out")"
awk '/^benchmark mandel/ {m = 1} m && /commit 3$/ {print; exit}' "$T/out" | grep -q " 42\.000 ms " &&
	pass "mandel's table holds mandel's timings" || fail "mandel's table: $(cat "$T/out")"
expect_exit 0 "history --csv without --benchmark" -- "$PW" history --repo "$T/repo" --csv
[ "$(grep -c '^julia,' "$T/out")" = 3 ] && [ "$(grep -c '^mandel,' "$T/out")" = 3 ] &&
	pass "csv: three rows per benchmark, each named" || fail "csv: $(cat "$T/out")"
expect_exit 0 "history --json without --benchmark" -- "$PW" history --repo "$T/repo" --json --limit 2
python3 - "$T/out" <<'PY' && pass "json: every benchmark, each row named, --limit per benchmark" || fail "json: $(cat "$T/out")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["benchmark"] is None and d["benchmarks"] == ["julia", "mandel"], d
assert [c["benchmark"] for c in d["commits"]] == ["julia", "julia", "mandel", "mandel"], d
assert [c["median"] for c in d["commits"]] == [102e6, 101e6, 42e6, 41e6], d
PY
expect_exit 0 "history --benchmark mandel" -- "$PW" history --repo "$T/repo" --benchmark mandel --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["benchmarks"] == ["mandel"] and d["benchmark"] == "mandel"' "$T/out" &&
	pass "--benchmark keeps to one" || fail "--benchmark mandel: $(cat "$T/out")"
expect_exit 1 "history of a repository with nothing stored" -- "$PW" history --repo "$T/home"
expect_grep "^perfwarden history: no runs stored in '" "$T/err" "says nothing was stored"

expect_exit 0 "report without --benchmark" -- "$PW" report --repo "$T/repo" --html "$T/r.html"
python3 - "$T/r.html" <<'PY' && pass "the report holds a section of data per benchmark" || fail "report data"
import json, re, sys
html = open(sys.argv[1]).read()
data = json.loads(re.search(r'id="pw-data">\s*(.*?)\s*</script>', html, re.S).group(1))
assert [b["benchmark"] for b in data["benchmarks"]] == ["julia", "mandel"], data["benchmarks"]
assert all(len(b["history"]["commits"]) == 3 for b in data["benchmarks"])
PY
# drawn in headless Chromium: one section, chart and table per benchmark
timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
	--disable-component-update --disable-sync --no-first-run --user-data-dir="$(mktemp -d "$T/chrome.XXXXXX")" \
	--proxy-server=http://127.0.0.1:9 --window-size=1200,800 --virtual-time-budget=10000 \
	--dump-dom "file://$T/r.html" >"$T/r.dom" 2>>"$T/chrome.log" || true
status=$(grep -o '<div id="pw-status"[^>]*>' "$T/r.dom" || true)
[[ $status == *'data-ready="1"'* && $status == *'data-benchmarks="2"'* && $status == *'data-points="6"'* &&
	$status != *'data-error='* ]] && pass "the page drew both benchmarks' charts (6 points)" || fail "report page: $status"
grep -q '<section class="bench" id="bench-1" data-benchmark="mandel">' "$T/r.dom" &&
	pass "mandel has a section of its own" || fail "no mandel section: $(grep -o '<section[^>]*>' "$T/r.dom")"
[ "$(grep -o 'id="row-1-[0-9a-f]*"' "$T/r.dom" | wc -l)" = 3 ] && [ "$(grep -o 'id="row-[0-9a-f]*"' "$T/r.dom" | wc -l)" = 3 ] &&
	pass "each section's verdict table has its own row ids" || fail "row ids: $(grep -o 'id="row-[^"]*"' "$T/r.dom")"
finish
