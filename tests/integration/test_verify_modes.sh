#!/usr/bin/env bash
# Verification that fits the output, in a real git repository through the
# real binary and the embedded database: a program whose outputs are not
# grids — text on stdout (no output file: stdout is the output), JSON on
# stdout, binary bytes into $PERFWARDEN_OUTPUT — verified by digest, by JSON
# comparison and by its own test command; golden sets made by `golden
# record` at the trusted commit; a later commit that swaps two values
# (every sum of them holds) is caught in each mode; a benchmark nothing
# verifies reads `unverified` in run, check (table, JSON, JUnit, Markdown),
# history and show; a set kept only in the store verifies a run whose golden
# directory lacks it; bad input gives one clear line and a defined exit code.
source "$(dirname "$0")/lib.sh"
cleanup_hooks+=("\"$PW\" db stop >/dev/null 2>&1")

R=$T/repo
G=$T/golden
git init -q -b main "$R"
cat >"$R/prog.c" <<'SRC'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define SWAP 0
static int v[4] = {12, 21, 7, 40};
int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	unsigned char bytes[256];
	FILE *f;
	int i;

	if (SWAP) {
		int t = v[0];
		v[0] = v[1];
		v[1] = t;
	}
	if (!strcmp(mode, "text")) {
		printf("alpha %d\nbeta %d\ngamma %d\ndelta %d\n", v[0], v[1], v[2], v[3]);
	} else if (!strcmp(mode, "json")) {
		printf("{\"name\": \"demo\", \"values\": [%d, %d, %d, %d], \"mean\": %.3f}\n", v[0],
		       v[1], v[2], v[3], (v[0] + v[1] + v[2] + v[3]) / 4.0);
	} else if (!strcmp(mode, "badjson")) {
		printf("{\"name\": \"demo\", \"values\": [\n");
	} else if (!strcmp(mode, "bin")) {
		for (i = 0; i < 256; i++)
			bytes[i] = (unsigned char)(i * 7 + v[i % 2]);
		if (!(f = fopen(getenv("PERFWARDEN_OUTPUT"), "wb")))
			return 3;
		fwrite(bytes, 1, sizeof(bytes), f);
		return fclose(f) != 0;
	} else if (!strcmp(mode, "selftest")) {
		if (v[0] != 12) {
			fprintf(stderr, "selftest: v[0] is %d, expected 12\n", v[0]);
			return 1;
		}
		puts("selftest: all passed");
	}
	return 0;
}
SRC
cat >"$R/.perfwarden" <<'SPEC'
[build]
	command = cc -O1 -o prog prog.c
	timeout = 60
[benchmark "text"]
	command = ./prog text
	golden = text
	verify = digest
	repeat = 3
	warmup = 0
[benchmark "json"]
	command = ./prog json
	golden = json
	verify = json
	tolerance = 0.01
	repeat = 3
	warmup = 0
[benchmark "bin"]
	command = ./prog bin
	golden = bin
	verify = digest
	repeat = 3
	warmup = 0
[benchmark "tested"]
	command = ./prog text
	test = ./prog selftest
	repeat = 3
	warmup = 0
[benchmark "free"]
	command = ./prog text
	repeat = 3
	warmup = 0
	max-repeat = 6
SPEC
git -C "$R" add -A && git -C "$R" commit -qm "a program whose outputs are not grids"
good=$(git -C "$R" rev-parse HEAD)
sed -i 's/^#define SWAP 0/#define SWAP 1/' "$R/prog.c"
git -C "$R" commit -qam "swap the first two values"
bad=$(git -C "$R" rev-parse HEAD)
cd "$R"

# ---- golden record at the trusted commit ----
for b in text json bin; do
	expect_exit 0 "golden record $b --from the good commit" -- \
		"$PW" golden record "$b" --from "$good" --golden-dir "$G"
done
expect_grep "^recorded golden set 'bin' \(digest\) in '$G'" "$T/out" "record says what it wrote"
[ -f "$G/text.sha256" ] && [ -f "$G/text.out" ] && [ -f "$G/json.out" ] && [ ! -f "$G/json.sum" ] &&
	pass "digest sets hold NAME.sha256 and NAME.out, a json set NAME.out" || fail "set files: $(ls "$G")"
printf 'alpha 12\nbeta 21\ngamma 7\ndelta 40\n' | sha256sum | cut -c1-64 >"$T/want"
[ "$(cut -c1-64 "$G/text.sha256")" = "$(cat "$T/want")" ] &&
	pass "the text set is the sha256 of what the program printed on stdout" || fail "text digest"
python3 - "$G/json.provenance.json" "$good" <<'PY' && pass "the provenance names commit, spec, command, date, machine" || fail "provenance: $(cat "$G/json.provenance.json")"
import json, sys
p = json.load(open(sys.argv[1]))
assert p["commit"] == sys.argv[2] and p["mode"] == "json" and p["benchmark"] == "json", p
assert p["command"] == "./prog json" and len(p["spec_hash"]) == 40, p
assert p["recorded_at"].endswith("Z") and p["machine"]["fingerprint"] and p["bytes"] > 0, p
PY
expect_exit 2 "recording over an existing set is refused" -- \
	"$PW" golden record text --from "$good" --golden-dir "$G"
expect_grep "golden set 'text' exists in .*use --force" "$T/err" "and says how to record it again"

# ---- run: the good commit passes every mode, the swapped one fails each ----
expect_exit 0 "run on the recorded commit passes" -- "$PW" run --golden-dir "$G" "$good"
expect_grep "^${good:0:7} +text .* ok$" "$T/out" "text (digest of stdout) ok"
expect_grep "^${good:0:7} +json .* ok$" "$T/out" "json ok"
expect_grep "^${good:0:7} +bin .* ok$" "$T/out" "binary ok"
expect_grep "^${good:0:7} +tested .* ok$" "$T/out" "its test command passed"
expect_grep "^${good:0:7} +free .* unverified$" "$T/out" "the unverified benchmark reads unverified, not ok"
expect_exit 1 "run on the swapped commit fails" -- "$PW" run --golden-dir "$G" "$bad"
cp "$T/out" "$T/bad.run"
expect_grep "^${bad:0:7} +text .* wrong-output$" "$T/bad.run" "digest catches two swapped numbers"
expect_grep "^${bad:0:7} +json .* wrong-output$" "$T/bad.run" "json catches two swapped values"
expect_grep "^${bad:0:7} +bin .* wrong-output$" "$T/bad.run" "digest catches swapped bytes in binary output"
expect_grep "^${bad:0:7} +tested .* test-failed$" "$T/bad.run" "the test command catches it"
expect_grep "^${bad:0:7} +free .* unverified$" "$T/bad.run" "nothing catches it unverified — and it says so"
expect_grep '\$\.values\[0\]: expected 12, got 21' "$T/bad.run" "the json report names the path"
expect_grep "sha256: expected [0-9a-f]{64}, got [0-9a-f]{64}" "$T/bad.run" "the digest report gives both digests"
expect_grep "of the common bytes differ, the first at offset" "$T/bad.run" "and where the bytes differ"
expect_grep "the test command './prog selftest' exited with status 1" "$T/bad.run" "the test failure says which command"

# ---- check: the gate, and unverified everywhere ----
expect_exit 1 "check fails the gate on the swapped commit" -- \
	"$PW" check --golden-dir "$G" --no-confirm --json --junit "$T/junit.xml" --markdown "$T/summary.md" "$good..$bad"
python3 - "$T/out" "$bad" <<'PY' && pass "check --json: wrong-output, test-failed, unverified" || fail "check json: $(head -c 800 "$T/out")"
import json, sys
doc = json.load(open(sys.argv[1]))
by = {(r["commit"], r["benchmark"]): r for r in doc["results"]}
bad = sys.argv[2]
assert by[(bad, "text")]["verdict"] == "wrong-output" and by[(bad, "text")]["verification"] == "digest"
assert by[(bad, "json")]["verdict"] == "wrong-output" and by[(bad, "json")]["verification"] == "json"
assert by[(bad, "tested")]["verdict"] == "test-failed" and by[(bad, "tested")]["verification"] == "test"
assert by[(bad, "free")]["verification"] == "unverified", by[(bad, "free")]
assert doc["exit_code"] == 1
PY
expect_grep 'free \| [^|]*\*\*[a-z]+\*\* \(unverified\)' "$T/summary.md" "the Markdown says unverified"
expect_grep "unverified: no golden set and no test command" "$T/junit.xml" "the JUnit says unverified"
expect_grep '<failure type="test-failed"' "$T/junit.xml" "the JUnit fails the test-failed case"
expect_exit 1 "check's table" -- "$PW" check --golden-dir "$G" --no-confirm "$good..$bad"
expect_grep "^${bad:0:7} +free +[a-z]+ \(unverified\)" "$T/out" "the table says unverified"
expect_exit 0 "history of the unverified benchmark" -- "$PW" history --benchmark free
expect_grep "^${bad:0:12} .*\(unverified\)|^${bad:0:12} .* unverified " "$T/out" "history says unverified"
expect_exit 0 "show the swapped commit" -- "$PW" show "$bad"
expect_grep "unverified" "$T/out" "show says unverified"

# ---- golden sets in the store ----
expect_exit 0 "golden record --store" -- "$PW" golden record bin --from "$good" --store
expect_grep "^recorded golden set 'bin' \(digest\) in the store, version [0-9]+" "$T/out" "record says where"
expect_exit 0 "golden push json" -- "$PW" golden push json --golden-dir "$G"
mkdir -p "$T/partial"
cp "$G"/text.* "$T/partial/"
git clone -q "$R" "$T/clone" # a fresh repository: nothing reused from the runs above
expect_exit 0 "a run whose golden dir lacks bin and json verifies against the store" -- \
	"$PW" run --repo "$T/clone" --golden-dir "$T/partial" "$good"
expect_grep "^${good:0:7} +bin .* ok$" "$T/out" "bin verified from the store"
expect_grep "^${good:0:7} +json .* ok$" "$T/out" "json verified from the store"
expect_exit 1 "and the swapped commit fails against the store's sets" -- \
	"$PW" run --repo "$T/clone" --golden-dir "$T/partial" "$bad"
expect_grep "^${bad:0:7} +bin .* wrong-output$" "$T/out" "the store's digest catches the swap"
expect_exit 0 "golden list --store" -- "$PW" golden list --store --golden-dir "$T/partial"
expect_grep "^bin +digest +version [0-9]+ of .* store$" "$T/out" "list shows the store's set"
expect_grep "^text +digest .*$T/partial$" "$T/out" "list shows the directory's set"
expect_exit 0 "golden pull" -- "$PW" golden pull bin --golden-dir "$T/pulled"
cmp -s "$T/pulled/bin.out" "$G/bin.out" && pass "pull writes the file form back byte for byte" || fail "pulled bin.out differs"
expect_exit 0 "golden show" -- "$PW" golden show json --store --golden-dir "$T/partial"
expect_grep "^json: json set, in the store" "$T/out" "show says where it was found"
expect_grep "\"commit\": \"$good\"" "$T/out" "show prints the provenance"
git -C "$R" show "$good:prog.c" >"$T/prog.c" && cc -o "$T/prog" "$T/prog.c"
"$T/prog" json >"$T/good.json"
expect_exit 0 "golden verify with a json set" -- "$PW" golden verify json "$T/good.json" --golden-dir "$G"
sed 's/"values": \[12, 21/"values": [21, 12/' "$T/good.json" >"$T/swap.json"
expect_exit 1 "golden verify catches the swap" -- "$PW" golden verify json "$T/swap.json" --golden-dir "$G"
expect_exit 0 "perfwarden verify still verifies grid sets" -- \
	"$PW" verify julia-100x50 "$PERFWARDEN_SOURCE/golden/julia-100x50.out" --golden-dir "$PERFWARDEN_SOURCE/golden"

# ---- bad input: one line, a defined exit code ----
one_line() { [ "$(wc -l <"$T/err")" -eq 1 ] && pass "$1: one line on stderr" || fail "$1: $(cat "$T/err")"; }
expect_exit 2 "golden record --verify xml" -- "$PW" golden record x --from "$good" --verify xml --golden-dir "$G"
expect_grep "'--verify xml': expected grid, digest or json" "$T/err" "an unknown mode is named"
one_line "unknown mode"
expect_exit 2 "golden show of a missing set" -- "$PW" golden show nosuch --golden-dir "$G"
expect_grep "^perfwarden golden: no golden set 'nosuch' in '$G'$" "$T/err" "a missing set is named"
one_line "missing set"
sed -i 's/^\tverify = json$/\tverify = yaml/' .perfwarden
git commit -qam "an unknown verification mode"
expect_exit 1 "a spec with an unknown mode reads bad-spec" -- "$PW" run --golden-dir "$G" HEAD
expect_grep "verify must be grid, digest or json, got 'yaml'" "$T/out" "and names the key and value"
git reset -q --hard "$good"
rm -rf "$T/empty" && mkdir -p "$T/empty"
expect_exit 2 "a run whose set exists nowhere" -- "$PW" run --golden-dir "$T/empty" --force "$good"
expect_grep "no digest golden set 'text' in '$T/empty' nor in the store" "$T/err" "says where it looked"
one_line "set nowhere"
sed -i 's|command = ./prog json|command = ./prog badjson|' .perfwarden
git commit -qam "malformed JSON output"
expect_exit 1 "malformed JSON output is wrong output" -- "$PW" run --golden-dir "$G" HEAD
expect_grep "unreadable output: not JSON: " "$T/out" "and the report says it is not JSON"
expect_exit 1 "golden record of malformed JSON fails" -- "$PW" golden record j2 --benchmark json --from HEAD --golden-dir "$G"
expect_grep "benchmark 'json': the output is not JSON" "$T/err" "and says why"
one_line "malformed JSON record"
finish
