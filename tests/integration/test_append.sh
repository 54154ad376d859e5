#!/usr/bin/env bash
# Nothing stored is ever replaced: `run`, `run --force`, `check` and
# `check --metric cpu` of one range, one after the other, only ever add runs
# and samples (counted behind perfwarden's back with psql on the embedded
# database); every earlier run row keeps its samples; a run's verdict is the
# measurement's; `show --json` lists every run, newest first, and `history`
# still shows each commit once.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/repo.sh"
cleanup_hooks+=("\"$PW\" db stop >/dev/null 2>&1")

R=$T/repo
make_repo "$R"
commit_loops "$R" 4000000 "a lighter benchmark"
a=$(head_of "$R")
echo "notes" >"$R/NOTES"
git -C "$R" add NOTES
git -C "$R" commit -qm "notes only"
b=$(head_of "$R")
cd "$R"

expect_exit 0 "db start" -- "$PW" db start
expect_exit 0 "db url" -- "$PW" db url
URL=$(cat "$T/out")
sql() { psql "$URL" -XAtq -v ON_ERROR_STOP=1 -c "$1"; }
sql "SELECT 1" >/dev/null && pass "psql reaches the embedded database" || fail "psql cannot connect to '$URL'"

# snapshot NAME: every run as "id commit benchmark verdict samples", and the sample count
snapshot() {
	sql "SELECT r.id, c.hash, r.benchmark, r.verdict, (SELECT count(*) FROM samples s
	     WHERE s.run_id = r.id) FROM runs r JOIN commits c ON c.id = r.commit_id ORDER BY r.id" \
		>"$T/runs.$1"
	sql "SELECT count(*) FROM samples" >"$T/samples.$1"
}

# appended BEFORE AFTER WHAT: no sample lost, every earlier run still there with its samples
appended() {
	local before after missing
	before=$(cat "$T/samples.$1")
	after=$(cat "$T/samples.$2")
	if [ "$after" -ge "$before" ]; then
		pass "$3: samples $before -> $after, never fewer"
	else
		fail "$3: samples went from $before down to $after"
	fi
	missing=$(comm -23 <(sort "$T/runs.$1") <(sort "$T/runs.$2"))
	if [ -z "$missing" ]; then
		pass "$3: every earlier run is still there with its samples"
	else
		fail "$3: earlier runs changed or gone: $missing"
	fi
}

# a check's exit code is 0 or 1 (pass or regression; noise may decide), never an error
check_ran() {
	local what=$1 got
	shift
	set +e
	"$PW" check --golden-dir "$GOLDEN" "$@" >"$T/out" 2>"$T/err"
	got=$?
	set -e
	if [ "$got" = 0 ] || [ "$got" = 1 ]; then
		pass "$what (exit $got)"
	else
		fail "$what: exit $got"
		sed 's/^/  stderr: /' "$T/err" | head -20 >&2
	fi
}

expect_exit 0 "run measures the commit" -- "$PW" run --golden-dir "$GOLDEN" "$b"
snapshot run
[ "$(sql "SELECT count(*) FROM runs")" = 1 ] && pass "one run stored" || fail "runs after run: $(sql 'SELECT count(*) FROM runs')"
[ "$(cat "$T/samples.run")" = 5 ] && pass "its 5 samples stored" || fail "samples after run: $(cat "$T/samples.run")"

expect_exit 0 "run again reuses the stored run" -- "$PW" run --golden-dir "$GOLDEN" "$b"
snapshot reuse
[ "$(cat "$T/runs.reuse")" = "$(cat "$T/runs.run")" ] && pass "reusing stores nothing" || fail "reusing wrote runs"

expect_exit 0 "run --force measures it again" -- "$PW" run --force --golden-dir "$GOLDEN" "$b"
snapshot force
appended run force "run --force"
[ "$(sql "SELECT count(*) FROM runs")" = 2 ] && pass "--force added a second run" || fail "runs after --force: $(sql 'SELECT count(*) FROM runs')"
[ "$(cat "$T/samples.force")" = 10 ] && pass "and its 5 samples beside the first 5" || fail "samples after --force: $(cat "$T/samples.force")"

check_ran "check of the range" "$a..$b"
snapshot check
appended force check "check"
check_ran "check --metric cpu of the same range" --metric cpu "$a..$b"
snapshot cpu
appended check cpu "check --metric cpu"
check_ran "check of the same range once more" "$a..$b"
snapshot again
appended cpu again "a second check"

n=$(sql "SELECT count(*) FROM runs WHERE verdict NOT IN ('ok', 'wrong-output', 'crashed',
	'timeout', 'build-failed')")
[ "$n" = 0 ] && pass "every run's verdict is a measurement's" || fail "$n runs carry a judge's verdict"

# show lists every run of the commit, newest first, exactly one of them the newest
expect_exit 0 "show --json" -- "$PW" show --json "$b"
stored=$(sql "SELECT count(*) FROM runs r JOIN commits c ON c.id = r.commit_id WHERE c.hash = '$b'")
python3 - "$T/out" "$stored" <<'PY' && pass "show lists all $stored runs, newest first, one newest" || fail "show --json does not list the runs as stored"
import json, sys
doc = json.load(open(sys.argv[1]))
runs = doc["runs"]
assert len(runs) == int(sys.argv[2]) >= 2, (len(runs), sys.argv[2])
assert doc["runs_order"] and "judgements" in doc
assert [r["newest"] for r in runs].count(True) == 1 and runs[0]["newest"], runs
keys = [(r["finished_at"], r["id"]) for r in runs]
assert keys == sorted(keys, reverse=True), keys
for r in runs:
    assert r["id"] and r["finished_at"] and r["run_verdict"] == "ok", r
    assert r["samples"] or r["verdict"] == "unchanged", r  # a check does not run an unchanged build
PY

# history reads one run per commit: no commit counted twice
expect_exit 0 "history --json" -- "$PW" history --benchmark grid --json --limit 0
python3 - "$T/out" "$a" "$b" <<'PY' && pass "history shows each commit once" || fail "history double counts"
import json, sys
doc = json.load(open(sys.argv[1]))
hashes = [c["commit"] for c in doc["commits"]]
# b was measured by `run`; a only ever served as the base of a check in which b
# was unchanged (notes only), so nothing needed running and a may have no run
assert len(hashes) == len(set(hashes)) and sys.argv[3] in hashes, hashes
assert set(hashes) <= set(sys.argv[2:]), hashes
PY

finish
