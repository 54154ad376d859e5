#!/usr/bin/env bash
# perfwarden's own faults are never a commit's verdict: a cpu it cannot pin to
# and a full disk for the workdir are exit 2 with one clear line, and nothing is
# stored for the commit (a later run measures it and finds it fine). Two runs of
# the same commits at once each use their own output files (no false
# wrong-output), and old output directories are pruned.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../repo.sh"
cleanup_hooks+=("\"$PW\" db stop >/dev/null 2>&1")

R=$T/repo
make_repo "$R"
sed -i 's/LOOPS 20000000/LOOPS 2000000/' "$R/bench.c"
git -C "$R" commit -qam "a short benchmark"
c1=$(head_of "$R")
commit_loops "$R" 2100000 "a little more work"
c2=$(head_of "$R")
cd "$R"
expect_exit 0 "db start" -- "$PW" db start

# --- a cpu that does not exist: exit 2, nothing stored ---
expect_exit 2 "run --force --cpu 999" -- "$PW" run --force --cpu 999 --golden-dir "$GOLDEN" "$c1"
expect_grep "could not pin .* to cpu 999" "$T/err" "the error says the cpu could not be pinned"
expect_exit 1 "show finds no run of the commit" -- "$PW" show --json "$c1"
expect_exit 0 "a later run measures the commit" -- "$PW" run --golden-dir "$GOLDEN" "$c1"
expect_grep "${c1:0:7} +grid .* ok$" "$T/out" "and finds it ok (no stored crash reused)"
if grep -q 'reusing' "$T/err"; then fail "the later run reused a stored result"; else pass "nothing was reused"; fi

# --- two runs of the same commits at once ---
"$PW" run --force --golden-dir "$GOLDEN" "$c1" "$c2" >"$T/a.out" 2>"$T/a.err" &
a=$!
"$PW" run --force --golden-dir "$GOLDEN" "$c1" "$c2" >"$T/b.out" 2>"$T/b.err" &
b=$!
wait "$a" && ra=0 || ra=$?
wait "$b" && rb=0 || rb=$?
[ "$ra" = 0 ] && [ "$rb" = 0 ] && pass "two concurrent runs both pass" ||
	fail "concurrent runs exited $ra and $rb: $(cat "$T/a.out" "$T/a.err" "$T/b.out" "$T/b.err" | grep -v '^$' | head -20)"
if grep -q 'wrong-output' "$T/a.out" "$T/b.out"; then fail "a concurrent run read the other's output"; else pass "no false wrong-output"; fi

# --- pruning: the newest finished output directories are kept, older ones go ---
for i in 1 2 3 4 5 6; do "$PW" run --golden-dir "$GOLDEN" "$c1" >/dev/null 2>&1; done
n=$(find "$PERFWARDEN_HOME/work/out" -mindepth 1 -maxdepth 1 -type d | wc -l)
[ "$n" -le 5 ] && pass "old outputs are pruned ($n directories after 9 runs)" || fail "work/out holds $n directories"

# --- a full disk for the workdir ---
W=$T/small
mkdir -p "$W"
if mount -t tmpfs -o size=3m tmpfs "$W" 2>/dev/null; then
	cleanup_hooks+=("umount -l '$W'")
	chmod 755 "$W"
	cat >"$T/fill.spec" <<'SPEC'
[build]
	command = cc -O1 -o bench bench.c
[benchmark "fill"]
	command = "head -c 4000000 /dev/zero > $PERFWARDEN_OUTPUT"
	repeat = 2
	warmup = 0
SPEC
	expect_exit 2 "a benchmark that fills the workdir's disk" -- \
		"$PW" run --force --workdir "$W" --spec "$T/fill.spec" "$c2"
	expect_grep "no space left on the disk holding '$W" "$T/err" "the error names the full disk"
	expect_exit 0 "show of the commit" -- "$PW" show --json "$c2"
	if grep -q '"fill"' "$T/out"; then fail "the full disk was stored as the commit's result"; else pass "nothing stored for the full disk"; fi
else
	echo "skip: cannot mount a tmpfs here (not root)"
fi
finish
