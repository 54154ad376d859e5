#!/usr/bin/env bash
# Parameterised benchmarks (`params` in .perfwarden, asv's params), in a real
# git repository through the real binary and the embedded database. One
# benchmark `nap` over width (10, 20) x mode (a, b): its program naps `width`
# ms — the value reaches it in place of ${width} in its command — and takes its
# mode from $PERFWARDEN_PARAM_MODE; each combination has its own golden set
# (golden = nap-${width}-${mode}), recorded by `golden record`. A commit that
# makes one combination 30% slower is flagged by `perfwarden check` on exactly
# that combination, `nap@width=20,mode=b`; the other three read ok. Each
# combination is a series of its own in spec check, history (--benchmark nap
# selects all four), show, compare, the report and the dashboard's API; a
# harness benchmark with params names its cases BENCH@NAME=VALUE/CASE; a wrong
# output in one combination fails that combination only.
source "$(dirname "$0")/lib.sh"
cleanup_hooks+=("\"$PW\" db stop >/dev/null 2>&1")
export PERFWARDEN_GOLDEN_DIR=$T/golden

R=$T/repo
git init -q -b main "$R"
cat >"$R/nap.c" <<'SRC'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#define SLOW_PCT 100 /* width 20, mode b: percent of its nap */
#define WRONG 0      /* width 10, mode a prints a wrong line */
int main(int argc, char **argv)
{
	const char *mode = getenv("PERFWARDEN_PARAM_MODE");
	long ms, us;
	struct timespec ts;

	if (argc > 2 && !strcmp(argv[1], "--lines")) { /* a harness of its own: format = lines */
		printf("alpha %d ns\nbeta %d ns\n", 1000 * atoi(argv[2]), 2000 * atoi(argv[2]));
		return 0;
	}
	if (argc < 2 || !mode)
		return 2;
	ms = atol(argv[1]);
	us = ms * 1000 * (ms == 20 && !strcmp(mode, "b") ? SLOW_PCT : 100) / 100;
	ts.tv_sec = 0;
	ts.tv_nsec = us * 1000;
	nanosleep(&ts, NULL);
	printf("width %ld mode %s\n", ms, WRONG && ms == 10 && !strcmp(mode, "a") ? "?" : mode);
	return 0;
}
SRC
cat >"$R/.perfwarden" <<'SPEC'
[build]
	command = cc -O1 -o nap nap.c
[benchmark "nap"]
	command = ./nap ${width}
	params = width: 10, 20
	params = mode: a, b
	golden = nap-${width}-${mode}
	verify = digest
	memory-threshold = off
	threshold = 10%
	repeat = 5
	warmup = 1
	max-repeat = 20
SPEC
git -C "$R" add -A && git -C "$R" commit -qm "nap over width x mode"
good=$(git -C "$R" rev-parse HEAD)
cd "$R"
combos="nap@width=10,mode=a nap@width=10,mode=b nap@width=20,mode=a nap@width=20,mode=b"

# ---- spec check: the family, its four combinations, their commands ----
expect_exit 0 "spec check explains a benchmark with params" -- "$PW" spec check --json
python3 - "$T/out" $combos <<'PY' && pass "spec check lists each combination with its values and command" || fail "spec check --json"
import json, sys
d = json.load(open(sys.argv[1]))
fam = d["families"]
assert len(fam) == 1 and fam[0]["name"] == "nap" and fam[0]["combinations"] == sys.argv[2:], fam
assert [p["name"] for p in fam[0]["params"]] == ["width", "mode"], fam
assert fam[0]["params"][0]["values"] == ["10", "20"], fam
b = {x["name"]: x for x in d["benchmarks"]}
assert list(b) == sys.argv[2:], list(b)
x = b["nap@width=20,mode=b"]
assert x["family"] == "nap" and x["params"] == {"width": "20", "mode": "b"}, x
assert x["command"] == "./nap 20" and x["golden"] == "nap-20-b", x
assert "params = width: 10,20\n\tparams = mode: a,b" in d["canonical"], d["canonical"]
PY
expect_exit 0 "spec check in text" -- "$PW" spec check
expect_grep '^benchmark "nap": params width \(10, 20\) x mode \(a, b\): 4 combinations' "$T/out" "the text says what the params make"
expect_grep '^  params +width=20, mode=b' "$T/out" "and each combination's values"

# ---- one golden set per combination, recorded at the trusted commit ----
for c in 10-a 10-b 20-a 20-b; do
	expect_exit 0 "golden record nap-$c" -- "$PW" golden record "nap-$c" --from "$good"
done
[ "$(cat "$T/golden/nap-20-b.out")" = "width 20 mode b" ] &&
	pass "each set holds its combination's output (\${width} in the command, \$PERFWARDEN_PARAM_MODE)" ||
	fail "nap-20-b.out: $(cat "$T/golden/nap-20-b.out")"

# ---- check: one combination 30% slower, exactly it flagged ----
sed -i 's/^#define SLOW_PCT 100/#define SLOW_PCT 130/' nap.c
git commit -qam "width 20 in mode b naps 30% longer"
slow=$(git rev-parse HEAD)
start=$SECONDS
expect_exit 1 "check flags the slower combination and fails the gate" -- "$PW" check --json HEAD~1..HEAD
cp "$T/out" "$T/check.json"
if python3 - "$T/check.json" "$slow" $combos <<'PY'; then
import json, sys
doc = json.load(open(sys.argv[1]))
tip, combos = sys.argv[2], sys.argv[3:]
mine = {r["benchmark"]: r for r in doc["results"] if r["commit"] == tip and r["metric"] == "wall"}
assert sorted(mine) == sorted(combos), sorted(mine)
for name, r in mine.items():
    if name == "nap@width=20,mode=b":
        assert r["verdict"] == "slower" and 1.15 < r["ratio"] < 1.45, r
    else:
        assert r["verdict"] == "ok", (name, r["verdict"], r["message"])
    assert r["verification"] == "digest", r
assert doc["exit_code"] == 1
PY
	pass "exactly nap@width=20,mode=b reads slower, the others ok ($((SECONDS - start)) s)"
else
	fail "the verdicts are not the ones planted"
	python3 -c 'import json,sys; [print("  ", r["short"], r["benchmark"], r["metric"], r["verdict"], r["message"]) for r in json.load(open(sys.argv[1]))["results"]]' "$T/check.json" >&2
fi

# ---- each combination is a series: history, show, compare, report, API ----
expect_exit 0 "history --benchmark nap covers every combination" -- "$PW" history --benchmark nap --json
python3 - "$T/out" $combos <<'PY' && pass "history of the family lists its four combinations" || fail "history of a family"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["benchmarks"] == sys.argv[2:], d["benchmarks"]
slow = [c for c in d["commits"] if c["benchmark"] == "nap@width=20,mode=b"]
assert slow[0]["verdict"] == "slower" and slow[1]["verdict"] == "ok", slow
PY
expect_exit 0 "history of one combination" -- "$PW" history --benchmark "nap@width=20,mode=b"
expect_grep "^${slow:0:12} .* slower " "$T/out" "its table shows the slowdown"
expect_exit 0 "show HEAD (a ref)" -- "$PW" show HEAD
expect_grep '^run [0-9]+: nap@width=20,mode=b' "$T/out" "show lists each combination's run"
expect_grep '^  params +width=20, mode=b \(of "nap"\)' "$T/out" "with its values and family"
expect_exit 0 "compare the two commits (refs)" -- "$PW" compare --csv HEAD~1 HEAD
expect_grep '^"nap@width=20,mode=b",[0-9a-f]+,wall,' "$T/out" "compare --csv quotes a name with a comma"
expect_exit 0 "report of the family" -- "$PW" report --benchmark nap --html "$T/report.html"
for c in $combos; do
	grep -q "\"$c\"" "$T/report.html" || fail "the report lacks $c"
done
pass "the report has a section per combination"

# ---- a harness benchmark with params: cases BENCH@NAME=VALUE/CASE ----
cat >"$T/cases.perfwarden" <<'SPEC'
[build]
	command = cc -O1 -o nap nap.c
[benchmark "cases"]
	command = ./nap --lines ${n}
	params = n: 1,3
	format = lines
	repeat = 2
	warmup = 0
SPEC
expect_exit 0 "run a lines harness over params (--spec)" -- "$PW" run --spec "$T/cases.perfwarden" HEAD
expect_exit 0 "history of one case of one combination" -- "$PW" history --benchmark "cases@n=3/beta" --json
python3 - "$T/out" <<'PY' && pass "cases@n=3/beta holds what the harness reported with n=3" || fail "a case of a combination"
import json, sys
d = json.load(open(sys.argv[1]))
c = d["commits"][0]
assert d["benchmark"] == "cases@n=3/beta" and d["unit"] == "ns", d
assert c["samples"] == 2 and c["median"] == 6000, c
PY

# ---- a wrong output fails its combination only ----
sed -i 's/^#define WRONG 0/#define WRONG 1/' nap.c
git commit -qam "width 10 in mode a prints a wrong line"
expect_exit 1 "run on the wrong commit fails" -- "$PW" run HEAD
for c in $combos; do
	if [ "$c" = "nap@width=10,mode=a" ]; then
		expect_grep "^[0-9a-f]{7} +$c .* wrong-output$" "$T/out" "$c reads wrong-output"
	else
		expect_grep "^[0-9a-f]{7} +$c .* ok$" "$T/out" "$c is verified ok"
	fi
done

finish
