#!/usr/bin/env bash
# perfwarden run: every kind of commit gets its verdict and the run goes on to
# the next commit: pass, build failure, crash, hang (with a child that ignores
# SIGTERM), wrong output (sum off, sum-preserving swap), malformed and missing
# .perfwarden. Stored runs are reused; --json carries every sample.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/repo.sh"
cleanup_hooks+=("\"$PW\" db stop >/dev/null 2>&1")

R=$T/repo
make_repo "$R"
pass_c=$(head_of "$R")

echo 'int broken(' >>"$R/bench.c"
git -C "$R" commit -qam "does not compile"
build_c=$(head_of "$R")
git -C "$R" revert --no-edit HEAD >/dev/null

sed -i 's/^	for (long i/	{ volatile long zero = 0; *(volatile int *)zero = 1; }\n	for (long i/' "$R/bench.c"
git -C "$R" commit -qam "dereferences a bad pointer"
crash_c=$(head_of "$R")
git -C "$R" revert --no-edit HEAD >/dev/null

cp "$R/.perfwarden" "$T/spec.saved"
sed -i 's#command = ./bench#command = sh -c "trap \\"\\" TERM; (trap \\"\\" TERM; sleep 31.2718) \& sleep 31.2718"#' "$R/.perfwarden"
git -C "$R" commit -qam "hangs, ignoring SIGTERM, with a child"
hang_c=$(head_of "$R")
cp "$T/spec.saved" "$R/.perfwarden"
git -C "$R" commit -qam "stops hanging"

commit_grid "$R" '1 2 3 4\\n5 6 7 8\\n9 10 11 13\\n' "writes a wrong cell"
sumoff_c=$(head_of "$R")
commit_grid "$R" '1 2 3 4\\n5 7 6 8\\n9 10 11 12\\n' "swaps two cells"
swap_c=$(head_of "$R")
commit_grid "$R" '1 2 3 4\\n5 6 7 8\\n9 10 11 12\\n' "writes the right grid again"

sed -i 's/repeat = 5/repeat = ten/' "$R/.perfwarden"
git -C "$R" commit -qam "malformed spec"
badspec_c=$(head_of "$R")
git -C "$R" rm -q .perfwarden
git -C "$R" commit -qm "no spec"
nospec_c=$(head_of "$R")

cd "$R"
expect_exit 1 "run over every kind of commit finishes with a failure exit" -- \
	"$PW" run --golden-dir "$GOLDEN" --json "$pass_c" "$pass_c..HEAD"
cp "$T/out" "$T/run.json"
verdict() { # verdict COMMIT -> the first benchmark's verdict, or the commit's status
	python3 - "$T/run.json" "$1" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
for c in doc["commits"]:
    if c["commit"] == sys.argv[2]:
        print(c["benchmarks"][0]["verdict"] if c["benchmarks"] else c["status"])
PY
}
for pair in "$pass_c ok" "$build_c build-failed" "$crash_c crashed" "$hang_c timeout" \
	"$sumoff_c wrong-output" "$swap_c wrong-output" "$badspec_c bad-spec" "$nospec_c no-spec"; do
	set -- $pair
	got=$(verdict "$1")
	if [ "$got" = "$2" ]; then pass "commit ${1:0:7} is $2"; else fail "commit ${1:0:7}: verdict '$got', wanted $2"; fi
done
n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["commits"]))' "$T/run.json")
[ "$n" -ge 12 ] && pass "all $n commits were run" || fail "only $n commits in the run"
python3 - "$T/run.json" "$pass_c" <<'PY' && pass "the passing commit has 5 samples with wall, user, rss, faults" || fail "samples of the passing commit incomplete"
import json, sys
doc = json.load(open(sys.argv[1]))
c = [c for c in doc["commits"] if c["commit"] == sys.argv[2]][0]
s = c["benchmarks"][0]["samples"]
assert len(s) == 5, len(s)
for x in s:
    assert x["wall_ns"] > 0 and x["user_ns"] >= 0 and x["maxrss_kib"] > 0 and x["minflt"] > 0
    assert x["exit_code"] == 0 and not x["timed_out"]
assert doc["fingerprint"] and doc["environment"]
PY

# the hang was killed at the timeout along with the child that ignores SIGTERM
if pgrep -f "sleep 31.2718" >/dev/null; then fail "a sleep from the hanging benchmark survived"; else pass "the hanging benchmark's whole group is gone"; fi

# failures carry their reason
"$PW" run --golden-dir "$GOLDEN" "$swap_c" "$build_c" "$badspec_c" >"$T/table" 2>&1 || true
expect_grep "row 2, column 2: expected 6, got 7" "$T/table" "wrong output shows the differing cells"
expect_grep "does not compile|build failed" "$T/table" "a build failure says so"
expect_grep "repeat must be a positive integer, got 'ten'" "$T/table" "a malformed spec names the key"

# measured commits are reused, unless --force
expect_exit 0 "a second run of the passing commit succeeds" -- "$PW" run --golden-dir "$GOLDEN" --json "$pass_c"
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["commits"][0]["benchmarks"][0]["reused"]' "$T/out" &&
	pass "the stored run is reused" || fail "the stored run was measured again"
expect_exit 0 "--force measures again" -- "$PW" run --golden-dir "$GOLDEN" --force --json "$pass_c"
python3 -c 'import json,sys; assert not json.load(open(sys.argv[1]))["commits"][0]["benchmarks"][0]["reused"]' "$T/out" &&
	pass "--force does not reuse" || fail "--force reused the stored run"

# the user's working tree and index are untouched
echo "local change" >>"$R/bench.c"
before=$(git -C "$R" status --porcelain)
"$PW" run --golden-dir "$GOLDEN" "$pass_c" >/dev/null 2>&1 || true
[ "$(git -C "$R" status --porcelain)" = "$before" ] && pass "the working tree is untouched" || fail "the working tree changed"
git -C "$R" checkout -q -- bench.c

# --spec overrides the committed spec
expect_exit 0 "--spec makes the spec-less commit measurable" -- \
	"$PW" run --golden-dir "$GOLDEN" --spec "$T/spec.saved" "$pass_c"

# bad input
expect_exit 2 "an unknown revision" -- "$PW" run --golden-dir "$GOLDEN" no-such-rev
expect_grep "no-such-rev" "$T/err" "the unknown revision is named"
expect_exit 2 "not a repository" -- "$PW" run --repo "$T/nowhere" HEAD
expect_exit 2 "a missing --spec file" -- "$PW" run --spec "$T/missing.spec" HEAD
expect_exit 2 "a bad --cpu" -- "$PW" run --cpu many HEAD
expect_exit 2 "an unknown option" -- "$PW" run --frobnicate
finish
