#!/usr/bin/env bash
# The verdicts a gate must not fake: a commit whose build is byte-identical to
# its baseline's reads `unchanged` and is not run; a change the round budget
# cannot resolve reads `inconclusive` (passing by default, failing with
# --fail-inconclusive), never `ok`; re-checking the same push gives the same
# verdicts from the store without a timing run; bisect names no culprit when
# nothing is slower.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/repo.sh"
cleanup_hooks+=("\"$PW\" db stop >/dev/null 2>&1")

R=$T/repo
make_repo "$R"
commit_loops "$R" 4000000 "a lighter benchmark"
base=$(head_of "$R")
echo "docs" >"$R/NOTES"
git -C "$R" add NOTES
git -C "$R" commit -qm "docs only"
docs=$(head_of "$R")
# a constant the benchmark reads but that changes nothing it does
sed -i 's/^static const char \*grid/static volatile int note = 1;\nstatic const char *grid/; s/return fclose(f) != 0;/return (fclose(f) != 0) + (note == -1);/' "$R/bench.c"
git -C "$R" commit -qam "a constant that changes the binary, not the speed"
constant=$(head_of "$R")
cd "$R"

verdict_of() { # verdict_of JSON HASH: the verdict of HASH's entry
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print([r["verdict"] for r in d["results"] if r["commit"] == sys.argv[2]][0])' "$1" "$2"
}

expect_exit 0 "check of a docs-only commit" -- "$PW" check --golden-dir "$GOLDEN" --json "$base..$docs"
python3 - "$T/out" "$docs" <<'PY' && pass "the docs-only commit reads unchanged, names the identical file and was not run" || fail "unchanged: $(head -c 800 "$T/out")"
import json, sys
doc = json.load(open(sys.argv[1]))
r = [r for r in doc["results"] if r["commit"] == sys.argv[2]][0]
assert r["verdict"] == "unchanged", r
assert r["runs"] == 0, r
assert "byte-identical" in r["message"] and "bench" in r["message"], r["message"]
assert doc["net"]["benchmarks"][0]["verdict"] == "unchanged", doc["net"]
PY
URL=$("$PW" db url)
runs=$(psql "$URL" -XAtqc "SELECT count(*) FROM samples" 2>&1)
[ "$runs" = 0 ] && pass "no timing run was spent on it (0 samples stored)" || fail "samples stored for an unchanged range: $runs"

# A neutral change against a 0.1% threshold, which 6 rounds cannot resolve.
# Left to the machine, a neighbour's burst can make 6 rounds of a short
# benchmark read slower by chance, so from here the benchmark sets its own
# pace: every other run of the check (one counter for both commits) sleeps
# 30 ms instead of 20. The rounds alternate which commit runs first, so the
# slow run falls to the baseline and the candidate in turn: their ratios are
# +/-40% (a machine's noise cannot flip them), no test can call it a change,
# and no interval comes near 0.1%.
: >"$T/pace" && chmod 666 "$T/pace"
python3 - "$R/bench.c" "$T/pace" <<'PY'
import sys
path, pace = sys.argv[1:]
src = open(path).read()
src = src.replace("#include <string.h>\n", "#include <string.h>\n#include <time.h>\n", 1)
src = src.replace("int main(void)\n{\n", """static void pace(void)
{
	FILE *c = fopen("%s", "r+");
	long n = 0;
	struct timespec ts = {0, 20000000L};
	if (c) {
		if (fscanf(c, "%%ld", &n) != 1)
			n = 0;
		rewind(c);
		fprintf(c, "%%ld\\n", n + 1);
		fclose(c);
	}
	if (n %% 2)
		ts.tv_nsec = 30000000L;
	nanosleep(&ts, NULL);
}
int main(void)
{
	pace();
""" % pace, 1)
open(path, "w").write(src)
PY
sed -i "s/^#define LOOPS .*/#define LOOPS 1000/" bench.c
sed -i 's/^\tmax-repeat = .*/\tmax-repeat = 6\n\tthreshold = 0.1%/; s/^\twarmup = .*/\twarmup = 0/' .perfwarden
git commit -qam "a threshold below what 6 rounds resolve, and a benchmark that paces itself"
tight=$(head_of "$R")
sed -i 's/^static volatile int note = 1;/static volatile int note = 2;/' bench.c
git commit -qam "another constant"
neutral=$(head_of "$R")
expect_exit 0 "an inconclusive verdict passes by default" -- "$PW" check --golden-dir "$GOLDEN" --json "$tight..$neutral"
got=$(verdict_of "$T/out" "$neutral")
[ "$got" = inconclusive ] && pass "the neutral change reads inconclusive, not ok" || fail "verdict '$got', wanted inconclusive"
python3 - "$T/out" "$neutral" <<'PY' && pass "its message says what the rounds could resolve" || fail "inconclusive message: $(head -c 800 "$T/out")"
import json, sys
doc = json.load(open(sys.argv[1]))
r = [r for r in doc["results"] if r["commit"] == sys.argv[2]][0]
assert "resolve" in r["message"] and r["ci"][0] < 1 < r["ci"][1], r
PY
expect_exit 0 "the same push again" -- "$PW" check --golden-dir "$GOLDEN" --json "$tight..$neutral"
python3 - "$T/out" "$neutral" <<'PY' && pass "re-checking reuses the stored verdict without a timing run" || fail "re-check: $(head -c 800 "$T/out")"
import json, sys
doc = json.load(open(sys.argv[1]))
r = [r for r in doc["results"] if r["commit"] == sys.argv[2]][0]
assert r["verdict"] == "inconclusive" and "stored" in r["message"], r
assert all(e["runs"] == 0 for e in doc["results"]), [e["runs"] for e in doc["results"]]
PY
expect_exit 1 "--fail-inconclusive fails on it" -- "$PW" check --golden-dir "$GOLDEN" --fail-inconclusive "$tight..$neutral"
# measured afresh, at a 0.1% threshold a real sliver of difference may read slower (exit 1)
rc=0
"$PW" check --force --golden-dir "$GOLDEN" --json "$tight..$neutral" >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" -le 1 ] && pass "--force measures again (exit $rc: a verdict, not an error)" ||
	fail "--force: exit $rc: $(cat "$T/err")"
n=$(psql "$URL" -XAtqc "SELECT count(*) FROM judgements j JOIN commits c ON c.id = j.commit_id WHERE c.hash = '$neutral' AND j.metric = 'wall'" 2>&1)
[ "$n" = 2 ] && pass "both judgements of the commit are kept" || fail "judgements after --force: '$n'"

# bisect: nothing slower, no culprit. Over the docs-only commit: the "constant"
# commit adds an instruction, and this short benchmark's layout can move it by a
# real few percent (read slower at +5.0%, p 6e-07, with the machine otherwise idle).
expect_exit 1 "bisect over a range where nothing is slower" -- "$PW" bisect --golden-dir "$GOLDEN" "$base" "$docs"
expect_grep "no commit between" "$T/out" "bisect names no culprit"
finish
