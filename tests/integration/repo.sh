# Builds throw-away benchmark repositories for the integration tests (sourced
# after lib.sh). The benchmark is a small C program: it burns LOOPS iterations
# and writes a 3x4 grid to $PERFWARDEN_OUTPUT; commits change LOOPS (speed),
# the grid (correctness) or the build, each the way a real commit would.

GOLDEN=$T/golden
mkdir -p "$GOLDEN"
printf '1 2 3 4\n5 6 7 8\n9 10 11 12\n' >"$GOLDEN/grid.out"
echo 78 >"$GOLDEN/grid.sum"

# make_repo DIR: a repository whose first commit measures fine.
make_repo() {
	local dir=$1
	git init -q -b main "$dir"
	cat >"$dir/bench.c" <<'SRC'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifndef LOOPS
#define LOOPS 20000000
#endif
static const char *grid = "1 2 3 4\n5 6 7 8\n9 10 11 12\n";
int main(void)
{
	const char *out = getenv("PERFWARDEN_OUTPUT");
	volatile double x = 0;
	FILE *f;
	for (long i = 0; i < LOOPS; i++)
		x += (double)i * 0.5;
	if (!out || !(f = fopen(out, "w")))
		return 3;
	fputs(grid, f);
	return fclose(f) != 0;
}
SRC
	cat >"$dir/.perfwarden" <<'SPEC'
[build]
	command = cc -O1 -o bench bench.c $CFLAGS_EXTRA
	timeout = 60
[benchmark "grid"]
	command = ./bench
	golden = grid
	repeat = 5
	warmup = 1
	timeout = 5
	max-repeat = 30
SPEC
	git -C "$dir" add -A
	git -C "$dir" commit -qm "a benchmark that measures fine"
}

# commit_loops DIR N MSG: change the work per run.
commit_loops() {
	sed -i "s/^#define LOOPS .*/#define LOOPS $2/" "$1/bench.c"
	git -C "$1" commit -qam "$3"
}

# commit_grid DIR GRIDTEXT MSG: change what the benchmark writes.
commit_grid() {
	sed -i "s/^static const char \*grid = .*/static const char *grid = \"$2\";/" "$1/bench.c"
	git -C "$1" commit -qam "$3"
}

head_of() { git -C "$1" rev-parse "${2:-HEAD}"; }
