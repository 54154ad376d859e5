#!/usr/bin/env bash
# A 1 GiB output (the most a benchmark may write) is verified in bounded
# memory: perfwarden runs under a 512 MiB address-space cap, and its peak RSS
# stays in tens of MB. One cell off in the last row is still found (`verify`).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../repo.sh"
cleanup_hooks+=("\"$PW\" db stop >/dev/null 2>&1")

rows=71582788 # 15 bytes a row: 1 GiB less 4 bytes
R=$T/repo
make_repo "$R"
cat >"$R/big.c" <<'SRC'
/* Writes ROWS rows of "1001 1002 1003\n" (the last one ending in 1004 when BAD is set). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv)
{
	long rows = atol(argv[1]), i;
	static char buf[1 << 16];
	const char *row = "1001 1002 1003\n";
	FILE *f = fopen(argc > 2 ? argv[2] : getenv("PERFWARDEN_OUTPUT"), "w");
	size_t n = 0;
	if (!f)
		return 3;
	for (i = 0; i < rows; i++) {
		memcpy(buf + n, i == rows - 1 && getenv("BAD") ? "1001 1002 1004\n" : row, 15);
		if ((n += 15) > sizeof(buf) - 15)
			fwrite(buf, 1, n, f), n = 0;
	}
	fwrite(buf, 1, n, f);
	return fclose(f) != 0;
}
SRC
cat >"$R/.perfwarden" <<SPEC
[build]
	command = cc -O2 -o big big.c
[benchmark "big"]
	command = ./big $rows
	golden = big
	repeat = 1
	warmup = 0
	timeout = 120
SPEC
git -C "$R" add -A
git -C "$R" commit -qm "a benchmark writing 1 GiB"
cc -O2 -o "$T/big" "$R/big.c"
"$T/big" "$rows" "$GOLDEN/big.out"
echo $((rows * 3006)) >"$GOLDEN/big.sum"
cd "$R"
expect_exit 0 "db start" -- "$PW" db start

set +e
( ulimit -v $((512 * 1024)); exec /usr/bin/time -f '%M' -o "$T/rss" "$PW" run --golden-dir "$GOLDEN" HEAD ) >"$T/out" 2>"$T/err"
rc=$?
set -e
[ "$rc" = 0 ] && pass "run under a 512 MiB cap finishes" || { fail "run exited $rc"; cat "$T/err" "$T/out" >&2; }
expect_grep '^[0-9a-f]{7} +big .* ok$' "$T/out" "the 1 GiB output matches its golden set"
# one cell off in the last row: verify the golden set against that output directly
BAD=1 "$T/big" "$rows" "$T/bad.out"
set +e
( ulimit -v $((512 * 1024)); exec "$PW" verify --golden-dir "$GOLDEN" big "$T/bad.out" ) >"$T/vout" 2>"$T/verr"
rc=$?
set -e
rm -f "$T/bad.out"
[ "$rc" = 1 ] && pass "perfwarden verify of a 1 GiB output under the cap: a mismatch (exit 1)" || fail "verify exited $rc: $(cat "$T/verr")"
expect_grep "row $rows, column 3: expected 1003, got 1004" "$T/vout" "the report names the one cell off in the last row"
rss=$(tail -1 "$T/rss")
[ "$rss" -lt 65536 ] && pass "perfwarden's peak RSS was $((rss / 1024)) MiB" || fail "perfwarden's peak RSS was $((rss / 1024)) MiB"
finish
