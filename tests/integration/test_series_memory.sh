#!/usr/bin/env bash
# Peak memory is judged like time, with its own threshold: a commit that
# allocates twice as much (and does the same work) reads `more-memory` —
# slower on memory, not on time — and fails the gate. The same repository
# shows a benchmark's `setup`: untimed, once per commit, in the checkout
# before the runs, and a setup that fails fails its benchmark.
source "$(dirname "$0")/lib.sh"
cleanup_hooks+=("\"$PW\" db stop >/dev/null 2>&1")

GOLDEN=$T/golden
mkdir -p "$GOLDEN"
printf '1 2 3 4\n5 6 7 8\n9 10 11 12\n' >"$GOLDEN/grid.out"
echo 78 >"$GOLDEN/grid.sum"

R=$T/repo
git init -q -b main "$R"
cat >"$R/mem.c" <<'SRC'
#include <stdio.h>
#include <stdlib.h>
#define MIB 10
int main(void)
{
	size_t n = (size_t)MIB << 20;
	volatile char *p = malloc(n);
	const char *out = getenv("PERFWARDEN_OUTPUT");
	volatile double x = 0;
	long s = 0;
	FILE *f;

	if (!p || !(f = fopen("input.txt", "r"))) /* the setup made it */
		return 3;
	fclose(f);
	for (size_t i = 0; i < n; i += 4096) /* every page touched: resident */
		p[i] = (char)i;
	for (size_t i = 0; i < n; i += 4096)
		s += p[i];
	for (long i = 0; i < 60000000; i++)
		x += (double)i * 0.5;
	if (!out || !(f = fopen(out, "w")))
		return 3;
	fputs(s == -1 ? "" : "1 2 3 4\n5 6 7 8\n9 10 11 12\n", f);
	return fclose(f) != 0;
}
SRC
# time's threshold is wide: touching 10 MiB more costs page faults (~4 us each on
# this VM under load), a few percent of the run; memory keeps its default (10%)
cat >"$R/.perfwarden" <<SPEC
[build]
	command = cc -O1 -o mem mem.c
[benchmark "grid"]
	command = ./mem
	golden = grid
	setup = "echo once >> $T/setup.log && echo data > input.txt"
	repeat = 3
	warmup = 1
	threshold = 20%
	max-repeat = 14
SPEC
git -C "$R" add -A
git -C "$R" commit -qm "10 MiB"
sed -i 's/#define MIB 10/#define MIB 20/' "$R/mem.c"
git -C "$R" commit -qam "20 MiB"
cd "$R"

start=$SECONDS
expect_exit 1 "twice the memory fails the gate" -- \
	"$PW" check --golden-dir "$GOLDEN" --markdown "$T/summary.md" --json HEAD~1..HEAD
cp "$T/out" "$T/check.json"
python3 - "$T/check.json" "$(git rev-parse HEAD)" <<'PY' && pass "flagged on memory and not on time ($((SECONDS - start)) s)" || fail "the memory verdict is not the one planted"
import json, sys
doc = json.load(open(sys.argv[1]))
tip = [r for r in doc["results"] if r["commit"] == sys.argv[2]]
mem = [r for r in tip if r["metric"] == "memory"][0]
wall = [r for r in tip if r["metric"] == "wall"][0]
assert mem["verdict"] == "slower" and 1.6 < mem["ratio"] < 2.2, mem
assert mem["value_unit"] == "KiB" and mem["value"] > 20 * 1024, mem
assert wall["verdict"] not in ("slower", "faster"), wall
net = {(b["benchmark"], b["metric"]): b["verdict"] for b in doc["net"]["benchmarks"]}
assert net[("grid", "memory")] == "slower" and net[("grid", "wall")] != "slower", net
assert doc["net"]["verdict"] == "slower" and doc["exit_code"] == 1, doc["net"]
PY
expect_grep '\| grid \(memory\) \| ❌ \*\*more-memory\*\*' "$T/summary.md" "the summary says more-memory"
[ "$(wc -l <"$T/setup.log")" = 2 ] && pass "setup ran once per commit" ||
	fail "setup ran $(wc -l <"$T/setup.log") times for two commits"

expect_exit 1 "the verdicts are kept" -- "$PW" check --golden-dir "$GOLDEN" HEAD~1..HEAD
expect_grep "^[0-9a-f]{7,} +grid \(memory\) +more-memory +[^ ]+ +\+[0-9.]+%" "$T/out" \
	"the table reads more-memory (the stored verdict)"
expect_exit 0 "history of peak memory" -- "$PW" history --benchmark grid --metric maxrss
expect_grep "^[0-9a-f]{12} .* slower +[0-9]+ +2[0-9.]+ MiB" "$T/out" "history shows memory's verdict, in MiB"

# a setup that fails fails its benchmark, and says so
sed -i 's/&& echo data > input.txt/\&\& exit 7/' .perfwarden
git commit -qam "a setup that fails"
expect_exit 1 "a failing setup fails the gate" -- "$PW" check --golden-dir "$GOLDEN" --json HEAD
python3 - "$T/out" "$(git rev-parse HEAD)" <<'PY' && pass "the benchmark crashed in its setup, with the exit status" || fail "a failing setup"
import json, sys
r = [r for r in json.load(open(sys.argv[1]))["results"] if r["commit"] == sys.argv[2]]
assert len(r) == 1 and r[0]["verdict"] == "crashed", r
assert r[0]["message"].startswith("its setup 'echo once") and r[0]["message"].endswith("exited with status 7"), r[0]["message"]
PY

finish
