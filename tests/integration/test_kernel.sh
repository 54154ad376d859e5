#!/usr/bin/env bash
# The julia program end to end: the 1000x300 grid (fast, two threads, naive)
# is golden/julia-1000x300 byte for byte and passes `perfwarden verify`; it
# honours $PERFWARDEN_OUTPUT; bad input gives one line on stderr and exit 2.
source "$(dirname "$0")/lib.sh"
G=$PERFWARDEN_SOURCE/golden

expect_exit 0 "julia 1000x300 runs" -- "$JULIA" --width 1000 --iterations 300 --output "$T/fast.out"
expect_grep '^sum=33219980$' "$T/out" "julia prints the reference's sum"
expect_grep '^seconds=[0-9]+\.[0-9]+$' "$T/out" "julia prints the seconds"
cmp -s "$T/fast.out" "$G/julia-1000x300.out" && pass "fast grid is the golden file byte for byte" ||
	fail "fast grid differs from golden/julia-1000x300.out"
expect_exit 0 "perfwarden verify accepts the kernel's output" -- "$PW" verify julia-1000x300 "$T/fast.out"
expect_grep '^match: ' "$T/out" "verify says match"

expect_exit 0 "julia with two threads runs" -- "$JULIA" --threads 2 --output "$T/threads.out"
cmp -s "$T/threads.out" "$G/julia-1000x300.out" && pass "two-thread grid is golden" ||
	fail "two-thread grid differs from golden"
expect_exit 0 "julia --naive runs" -- "$JULIA" --naive --output "$T/naive.out"
cmp -s "$T/naive.out" "$G/julia-1000x300.out" && pass "naive grid is golden" ||
	fail "naive grid differs from golden"

expect_exit 0 "julia 100x50 runs" -- "$JULIA" --width 100 --iterations 50 --output "$T/small.out"
expect_exit 0 "the small grid verifies" -- "$PW" verify julia-100x50 "$T/small.out"

expect_exit 0 "julia writes to \$PERFWARDEN_OUTPUT" -- \
	env PERFWARDEN_OUTPUT="$T/env.out" "$JULIA" --width 100 --iterations 50
cmp -s "$T/env.out" "$G/julia-100x50.out" && pass "\$PERFWARDEN_OUTPUT file is golden" ||
	fail "\$PERFWARDEN_OUTPUT file missing or wrong"
mkdir "$T/quiet"
(cd "$T/quiet" && env -u PERFWARDEN_OUTPUT "$JULIA" --width 50 >"$T/out" 2>"$T/err") ||
	fail "julia without an output path failed"
[ -z "$(ls -A "$T/quiet")" ] && pass "julia without an output path writes no file" ||
	fail "julia without an output path wrote $(ls -A "$T/quiet")"
expect_grep '^sum=' "$T/out" "julia without an output path still prints the sum"
expect_exit 0 "--output - writes the grid to stdout" -- "$JULIA" --width 100 --iterations 50 --output -
head -100 "$T/out" | cmp -s - "$G/julia-100x50.out" && pass "stdout grid is golden" ||
	fail "stdout grid differs"

bad() { # bad DESCRIPTION PATTERN -- args...
	local what=$1 pattern=$2
	shift 3
	expect_exit 2 "$what" -- "$JULIA" "$@"
	[ "$(wc -l <"$T/err")" -eq 1 ] && pass "$what: one line on stderr" ||
		fail "$what: stderr has $(wc -l <"$T/err") lines"
	expect_grep "$pattern" "$T/err" "$what: says why"
}
bad "width 0" "invalid value '0' for --width" -- --width 0
bad "negative width" "invalid value '-3' for --width" -- --width -3
bad "absurd width" "expected an integer in 1..10000" -- --width 99999999999
bad "non-numeric width" "invalid value 'ten'" -- --width ten
bad "absurd iterations" "for --iterations" -- --iterations 1000000000000
bad "zero threads" "for --threads" -- --threads 0
bad "missing value" "option '--width' needs a value" -- --width
bad "unknown flag" "unknown option '--bogus'" -- --bogus
bad "unwritable output" "could not open '/nonexistent/dir/x.out' for writing" -- \
	--width 10 --output /nonexistent/dir/x.out
bad "output is a directory" "could not open" -- --width 10 --output "$T"
if [ -w /dev/full ]; then
	bad "full disk" "could not write '/dev/full'" -- --width 100 --output /dev/full
fi

finish
