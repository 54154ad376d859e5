#!/usr/bin/env bash
# perfwarden check and bisect: the exit codes a CI relies on (a net
# regression fails, a transient one passes unless --each, a broken tip
# fails), the verdicts slower/faster/wrong-output on the right commits, the
# JSON/JUnit/Markdown reports, and bisection finding a known culprit within
# ceil(log2 N) + 2 builds (GOOD and BAD included).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/repo.sh"
cleanup_hooks+=("\"$PW\" db stop >/dev/null 2>&1")

R=$T/repo
make_repo "$R"
a=$(head_of "$R")
commit_loops "$R" 40000000 "doubles the work"
b=$(head_of "$R")
commit_loops "$R" 20000000 "halves the work again"
c=$(head_of "$R")
commit_grid "$R" '1 2 3 4\\n5 6 7 8\\n9 11 10 12\\n' "swaps two cells"
d=$(head_of "$R")
cd "$R"

check() { "$PW" check --golden-dir "$GOLDEN" "$@"; }
v() { # v FILE COMMIT -> verdict of that commit in a check --json document
	python3 -c 'import json,sys; print([r["verdict"] for r in json.load(open(sys.argv[1]))["results"] if r["commit"]==sys.argv[2]][0])' "$1" "$2"
}

expect_exit 1 "a net regression fails the check" -- check --json "$a..$b"
cp "$T/out" "$T/ab.json"
[ "$(v "$T/ab.json" "$b")" = slower ] && pass "the slower commit reads slower" || fail "verdict of the slower commit: $(v "$T/ab.json" "$b")"
[ "$(v "$T/ab.json" "$a")" = ok ] && pass "the base reads ok" || fail "verdict of the base: $(v "$T/ab.json" "$a")"
python3 - "$T/ab.json" "$a" "$b" <<'PY' && pass "the JSON has ratio, ci, p_value, baseline, runs" || fail "the JSON schema is incomplete"
import json, sys
doc = json.load(open(sys.argv[1]))
r = [r for r in doc["results"] if r["commit"] == sys.argv[3]][0]
assert r["benchmark"] == "grid" and 1.5 < r["ratio"] < 4, r  # twice the work; a loaded host stretches it
assert r["ci"][0] <= r["ratio"] <= r["ci"][1] and r["ci"][0] > 1
assert 0 <= r["p_value"] < 0.01 and r["baseline"] == sys.argv[2] and r["runs"] >= 5
assert doc["net"]["verdict"] == "slower" and doc["exit_code"] == 1
assert [x for x in doc["results"] if x["base"]][0]["commit"] == sys.argv[2]
PY

expect_exit 0 "a transient regression passes (net effect)" -- check "$a..$c"
expect_grep "slower" "$T/out" "the transient slowdown is still shown"
expect_exit 1 "a transient regression fails with --each" -- check --each --json "$a..$c"
[ "$(v "$T/out" "$c")" = faster ] && pass "the commit undoing it reads faster" || fail "verdict of the undoing commit: $(v "$T/out" "$c")"

expect_exit 1 "a broken tip fails" -- check --junit "$T/junit.xml" --markdown "$T/summary.md" "$a..$d"
expect_grep "wrong-output" "$T/out" "the broken commit reads wrong-output"
expect_grep "row 3, column 2: expected 10, got 11" "$T/out" "the table shows the diff"
python3 - "$T/junit.xml" <<'PY' && pass "JUnit XML parses with failures for slower and wrong output" || fail "JUnit XML wrong"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
cases = root.findall(".//testcase")
fails = [c for c in cases if c.find("failure") is not None]
types = sorted(f.find("failure").get("type") for f in fails)
# each commit's wall time and peak memory (one case for the broken one)
assert len(cases) == 7 and types == ["slower", "wrong-output"], (len(cases), types)
assert len([c for c in cases if c.get("name").endswith("(memory)")]) == 3
PY
expect_grep '^\| `' "$T/summary.md" "the Markdown summary has a table"

# judging CPU time instead of wall time
expect_exit 1 "--metric cpu finds the slowdown too" -- check --metric cpu --json "$a..$b"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["metric"]=="cpu" and d["net"]["verdict"]=="slower", d["net"]' "$T/out" &&
	pass "the JSON says cpu time was judged" || fail "--metric cpu JSON"

# nothing measured twice: a second check reuses every stored run
expect_exit 1 "the same check again" -- check --json "$a..$b"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["measured"]==2' "$T/out" && pass "the second check reports both commits" || fail "second check"

# bad input
expect_exit 2 "no range" -- check
expect_exit 2 "an unknown revision" -- check "$a..nope"
expect_grep "nope" "$T/err" "the unknown revision is named"
expect_exit 2 "an empty range" -- check "$b..$b"
expect_exit 2 "a bad metric" -- check --metric speed "$a..$b"
expect_exit 2 "an unreachable database" -- check --database "host=$T/nosocket dbname=x" "$a..$b"
expect_grep "$T/nosocket" "$T/err" "the database message names the socket"

# bisect: ten commits, the fifth after the base doubles the work
B=$T/bisect
make_repo "$B"
good=$(head_of "$B")
for i in 1 2 3 4 5 6 7 8 9 10; do
	if [ "$i" = 5 ]; then
		commit_loops "$B" 40000000 "commit $i doubles the work"
		culprit=$(head_of "$B")
	else
		echo "$i" >>"$B/NOTES"
		git -C "$B" add NOTES
		git -C "$B" commit -qm "commit $i changes nothing measurable"
	fi
done
cd "$B"
expect_exit 0 "bisect finds a culprit" -- "$PW" bisect --golden-dir "$GOLDEN" --json "$good" HEAD
python3 - "$T/out" "$culprit" <<'PY' && pass "bisect names the right commit within ceil(log2 10)+2 = 6 builds" || fail "bisect: $(cat "$T/out" | head -c 600)"
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["culprit"] == sys.argv[2], doc.get("culprit")
assert doc["builds"] <= 6, doc["builds"]
r = doc["results"][0]
assert r["verdict"] == "slower" and r["ratio"] > 1.5 and r["ci"][0] > 1
PY
finish
