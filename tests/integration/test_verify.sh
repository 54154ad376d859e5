#!/usr/bin/env bash
# `perfwarden verify` as a user runs it: exit 0 on a match, 1 with a report on
# a mismatch (corrupted, swapped, truncated, garbled output), 2 with one clear
# line when it cannot tell; golden dir from --golden-dir, $PERFWARDEN_GOLDEN_DIR
# or the project's golden/.
source "$(dirname "$0")/lib.sh"
G=$PERFWARDEN_SOURCE/golden
GOOD=$G/julia-100x50.out

expect_exit 0 "golden output matches itself" -- "$PW" verify julia-100x50 "$GOOD"
expect_grep "^match: '.*' matches golden set 'julia-100x50'" "$T/out" "match is reported"

# One cell changed: row 50, column 50.
awk 'NR == 50 { $50 = $50 + 1 } { print }' "$GOOD" >"$T/onecell.out"
expect_exit 1 "one corrupted cell fails" -- "$PW" verify julia-100x50 "$T/onecell.out"
expect_grep "^mismatch: " "$T/out" "mismatch is reported"
expect_grep "checksum: expected 78990, got 78991 \(differs\)" "$T/out" "checksum difference is shown"
expect_grep "row 50, column 50: expected [0-9]+, got [0-9]+" "$T/out" "the differing cell is named"

# Two different cells swapped: the sum holds, the cells do not.
awk 'NR == 50 { t = $28; $28 = $50; $50 = t } { print }' "$GOOD" >"$T/swap.out"
cmp -s "$T/swap.out" "$GOOD" && fail "swap fixture did not change anything"
expect_exit 1 "swapped cells fail" -- "$PW" verify julia-100x50 "$T/swap.out"
expect_grep "checksum: expected 78990, got 78990 \(ok\)" "$T/out" "swap keeps the checksum"
expect_grep "cells: 2 of 10000 compared differ" "$T/out" "swap is caught cell by cell"

head -c -20 "$GOOD" >"$T/trunc.out"
expect_exit 1 "truncated output fails" -- "$PW" verify julia-100x50 "$T/trunc.out"
expect_grep "differs from row 100" "$T/out" "truncation is a shape difference"

: >"$T/empty.out"
expect_exit 1 "empty output fails" -- "$PW" verify julia-100x50 "$T/empty.out"
expect_grep "got 0 rows x 0 columns" "$T/out" "empty output shape is shown"

sed '7s/^0 /zero /' "$GOOD" >"$T/garbled.out"
expect_exit 1 "garbled output fails" -- "$PW" verify julia-100x50 "$T/garbled.out"
expect_grep "row 7, cell 1: 'zero' is not a number" "$T/out" "garbled token is named"

head -c 10000000 /dev/zero | tr '\0' '9' >"$T/longline.out"
expect_exit 1 "a 10 MB line fails without a hang" -- timeout 20 "$PW" verify julia-100x50 "$T/longline.out"

sed 's/$/\r/' "$GOOD" >"$T/crlf.out"
expect_exit 0 "CRLF line ends are accepted" -- "$PW" verify julia-100x50 "$T/crlf.out"
head -c -1 "$GOOD" >"$T/nonl.out"
expect_exit 0 "a missing final newline is accepted" -- "$PW" verify julia-100x50 "$T/nonl.out"

expect_exit 0 "--json on a match exits 0" -- "$PW" verify --json julia-100x50 "$GOOD"
expect_grep '"matched": true' "$T/out" "--json reports the match"
expect_exit 1 "--json on a mismatch exits 1" -- "$PW" verify --json julia-100x50 "$T/swap.out"
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["matched"] is False and j["cells"]["differing"] == 2 and j["checksum"]["ok"] is True' "$T/out" &&
	pass "JSON report parses and carries the verdict" || fail "JSON report wrong"

# Cannot tell: exit 2 and one line on stderr.
cannot() { # cannot DESCRIPTION PATTERN -- args...
	local what=$1 pattern=$2
	shift 3
	expect_exit 2 "$what" -- "$PW" verify "$@"
	[ "$(wc -l <"$T/err")" -eq 1 ] && pass "$what: one line on stderr" ||
		fail "$what: stderr has $(wc -l <"$T/err") lines"
	expect_grep "$pattern" "$T/err" "$what: says why"
}
cannot "missing golden set" "^perfwarden verify: no golden set 'julia-7x7'" -- julia-7x7 "$GOOD"
cannot "unreadable output" "could not read output file '$T/nope.out': No such file" -- julia-100x50 "$T/nope.out"
cannot "directory as output" "could not read output file" -- julia-100x50 "$T"
cannot "bad golden name" "invalid golden set name '../x'" -- ../x "$GOOD"
cannot "bad tolerance" "invalid tolerance 'abc'" -- --tolerance abc julia-100x50 "$GOOD"
cannot "unknown option" "unknown option '--frobnicate'" -- --frobnicate julia-100x50 "$GOOD"
expect_exit 2 "missing FILE" -- "$PW" verify julia-100x50
cannot "too many arguments" "too many arguments" -- julia-100x50 "$GOOD" extra
cannot "option without its value" "option '--golden-dir' needs a value" -- julia-100x50 "$GOOD" --golden-dir
cp "$GOOD" "$T/-dash.out"
expect_exit 0 "'--' ends the options" -- "$PW" verify -- julia-100x50 "$T/-dash.out"

# Where golden sets come from.
mkdir -p "$T/g1" "$T/g2"
printf '1 2\n3 4\n' >"$T/g1/tiny.out"
echo 10 >"$T/g1/tiny.sum"
printf '1 2\n3 5\n' >"$T/g2/tiny.out"
echo 11 >"$T/g2/tiny.sum"
printf '1 2\n3 4\n' >"$T/tiny.txt"
expect_exit 0 "--golden-dir is used" -- "$PW" verify --golden-dir "$T/g1" tiny "$T/tiny.txt"
expect_exit 0 "PERFWARDEN_GOLDEN_DIR is used" -- env PERFWARDEN_GOLDEN_DIR="$T/g1" "$PW" verify tiny "$T/tiny.txt"
expect_exit 0 "--golden-dir overrides PERFWARDEN_GOLDEN_DIR" -- \
	env PERFWARDEN_GOLDEN_DIR="$T/g2" "$PW" verify --golden-dir "$T/g1" tiny "$T/tiny.txt"
expect_exit 1 "PERFWARDEN_GOLDEN_DIR's set judges" -- env PERFWARDEN_GOLDEN_DIR="$T/g2" "$PW" verify tiny "$T/tiny.txt"
echo 12 >"$T/g2/tiny.sum"
cannot "inconsistent golden set" "golden set is inconsistent" -- --golden-dir "$T/g2" tiny "$T/tiny.txt"

# Tolerance for decimal outputs.
printf '0.5 0.25\n' >"$T/g1/float.out"
echo 0.75 >"$T/g1/float.sum"
printf '0.5000001 0.25\n' >"$T/float.txt"
expect_exit 1 "decimals are exact by default" -- "$PW" verify --golden-dir "$T/g1" float "$T/float.txt"
expect_exit 0 "--tolerance accepts small differences" -- "$PW" verify --golden-dir "$T/g1" --tolerance 1e-6 float "$T/float.txt"

finish
