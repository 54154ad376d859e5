#!/usr/bin/env bash
# perfwarden history --changes: a gradual drift made of steps too small to
# flag commit to commit (five steps of 1.5%) is found as a change of level
# over the history, and a flat, noisy history gives no change point.
source "$(dirname "$0")/lib.sh"
cleanup_hooks+=("\"$PW\" db stop >/dev/null 2>&1")

make_history() { # make_history REPO SHAPE: 40 commits, spooled samples shaped as SHAPE
	local repo=$1 shape=$2
	git init -q -b main "$repo"
	for i in $(seq 1 40); do
		GIT_AUTHOR_DATE="@$((1700000000 + i * 60)) +0000" git -C "$repo" commit -q --allow-empty -m "commit $i"
	done
	python3 - "$PERFWARDEN_HOME/spool" "$(cd "$repo" && pwd -P)" "$shape" $(git -C "$repo" rev-list --reverse main) <<'PY'
import json, os, random, sys
out, repo, shape, hashes = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
os.makedirs(out, exist_ok=True)
rng = random.Random(7)
for i, h in enumerate(hashes):
    level = 100.0
    if shape == "drift":  # commits 20, 22, 24, 26, 28 each add 1.5%
        level *= 1.015 ** sum(1 for s in (20, 22, 24, 26, 28) if i >= s)
    samples = [dict(wall_ns=int(level * 1e6 * (1 + rng.gauss(0, 0.003))), user_ns=0, sys_ns=0,
                    maxrss_kib=1, minflt=0, majflt=0, nvcsw=0, nivcsw=0, instructions=None,
                    cycles=None, branch_misses=None, cache_misses=None, exit_code=0,
                    term_signal=0, timed_out=False) for _ in range(9)]
    doc = dict(perfwarden_spool=1, repo_location=repo, repo_name="r",
               commit=dict(hash=h, parents=hashes[i - 1:i] if i else [], author="t", email="t@e",
                           author_time=1700000000 + (i + 1) * 60, subject="commit %d" % (i + 1)),
               env_fingerprint="env", env_details="{}",
               runs=[dict(benchmark="julia", spec_hash="s", started_us=0, finished_us=0,
                          verdict="ok", build_log_tail=None, diff_report=None, stderr_tail=None,
                          metadata="{}", samples=samples)])
    json.dump(doc, open(os.path.join(out, "%s-%02d.json" % (shape, i)), "w"))
PY
}

make_history "$T/drift" drift
make_history "$T/flat" flat
expect_exit 0 "the spooled histories are stored" -- "$PW" db replay

expect_exit 0 "history --changes on the drifting repository" -- \
	"$PW" history --repo "$T/drift" --limit 0 --changes --json
python3 - "$T/out" <<'PY' && pass "no single step is above 2%, yet the drift is found as a change of level" || { fail "drift not found"; cat "$T/out" | tail -20 >&2; }
import json, sys
doc = json.load(open(sys.argv[1]))
commits = doc["commits"]
assert len(commits) == 40
assert max(c["ratio_prev"] for c in commits if c["ratio_prev"]) < 1.02
subj = {c["commit"]: int(c["subject"].split()[1]) for c in commits}
ch = doc["changes"]
assert ch, "no change point"
assert all(19 <= subj[c["commit"]] <= 31 for c in ch), [subj[c["commit"]] for c in ch]
total = 1.0
for c in ch:
    total *= c["ratio"]
assert 1.05 < total < 1.10, total
# no interleaved judgement backs these steps (they were never checked): not confirmed
assert all(not c["confirmed"] and "judgement" in c["unconfirmed_because"] for c in ch), ch
PY
expect_exit 0 "history --changes as a table" -- "$PW" history --repo "$T/drift" --limit 0 --changes
expect_grep "^change points" "$T/out" "the table lists the change points"
expect_grep "not confirmed: .*perfwarden check [0-9a-f]*\.\.[0-9a-f]*" "$T/out" \
	"the table says the change is not confirmed and how to judge its step"

expect_exit 0 "history --changes on the flat repository" -- \
	"$PW" history --repo "$T/flat" --limit 0 --changes --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["changes"] == [], d["changes"]' "$T/out" &&
	pass "pure noise has no change point" || fail "false change point on noise"
finish
