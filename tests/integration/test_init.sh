#!/usr/bin/env bash
# `perfwarden init` on real small projects made here — CMake with a Google
# Benchmark program, Make, Python with pytest-benchmark tests, a Go module, a
# Cargo project, one with Criterion, CMake with Catch2 benchmarks and a script
# that runs hyperfine, and an empty one — asserting the build command and the
# benchmarks it proposes, that what it writes parses (`spec check`), that the
# proposed commands really build and run where the tools are installed, and
# its refusal to overwrite; then `perfwarden spec check` on good, bad and
# committed specs. No database is needed.
. "$(dirname "$0")/lib.sh"

# spec_json DIR: `spec check --json` of DIR/.perfwarden into $T/spec.json
spec_json() {
	(cd "$1" && "$PW" spec check --json --golden-dir "$T/golden" >"$T/spec.json" 2>"$T/spec.err")
}
# field EXPR: a Python expression over d, the spec check JSON
field() { python3 -c "import json,sys; d=json.load(open('$T/spec.json')); print($1)"; }
mkdir -p "$T/golden"

# --- CMake + Google Benchmark ------------------------------------------------------
P=$T/cmake
mkdir -p "$P/bench" "$P/src"
cat >"$P/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.13)
project(sortlib CXX)
find_package(benchmark REQUIRED)
add_library(sortlib src/sort.cc)
add_subdirectory(bench)
CM
echo 'int sortlib_answer() { return 42; }' >"$P/src/sort.cc"
printf 'add_executable(bench_sort bench_sort.cc)\ntarget_link_libraries(bench_sort sortlib benchmark::benchmark)\n' >"$P/bench/CMakeLists.txt"
cat >"$P/bench/bench_sort.cc" <<'CC'
#include <algorithm>
#include <benchmark/benchmark.h>
#include <vector>
int sortlib_answer();
static void BM_Sort(benchmark::State &s)
{
	for (auto _ : s) {
		std::vector<int> v(1000, sortlib_answer());
		std::sort(v.begin(), v.end());
		benchmark::DoNotOptimize(v);
	}
}
BENCHMARK(BM_Sort);
BENCHMARK_MAIN();
CC
git init -q "$P" && git -C "$P" add -A && git -C "$P" commit -qm "a sort library"
expect_exit 0 "init prints a spec for a CMake project" -- sh -c 'cd "$1" && "$2" init' - "$P" "$PW"
[ -e "$P/.perfwarden" ] && fail "init without --write wrote a file" || pass "without --write nothing is written"
expect_grep "^	command = cmake -S \. -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build --parallel 2$" "$T/out" "CMake build command"
expect_grep '^\[benchmark "bench_sort"\]$' "$T/out" "the Google Benchmark target is a benchmark"
expect_grep "^	command = build/bench/bench_sort --benchmark_out=\\\$PERFWARDEN_OUTPUT --benchmark_out_format=json$" "$T/out" \
	"its command is the target's binary, writing Google Benchmark's JSON"
expect_grep "google-benchmark" "$T/out" "the harness format is named"
expect_grep "^	# Google Benchmark: bench/bench_sort.cc includes <benchmark/benchmark.h>; the CMake$" "$T/out" \
	"a comment says what was found"
cp "$T/out" "$T/printed"
n_lines=$(grep -cE '^	[a-z-]+ = ' "$T/printed")
n_comments=$(grep -cE '^	# ' "$T/printed")
[ "$n_comments" -ge "$n_lines" ] && pass "every line has a comment ($n_lines lines, $n_comments comment lines)" ||
	fail "$n_lines lines but only $n_comments comment lines"
expect_exit 0 "init --write" -- sh -c 'cd "$1" && "$2" init --write' - "$P" "$PW"
expect_grep "^wrote \.perfwarden: build .*1 benchmark: bench_sort$" "$T/out" "init --write says what it wrote"
cmp -s "$T/printed" "$P/.perfwarden" && pass "the file is what init printed" || fail "--write wrote something else"
cp "$P/.perfwarden" "$T/first"
expect_exit 1 "init --write refuses to overwrite" -- sh -c 'cd "$1" && "$2" init --write' - "$P" "$PW"
expect_grep "^perfwarden init: '\.perfwarden' exists: not overwritten \(--force replaces it\)$" "$T/err" "the refusal says how to overwrite"
echo "# edited" >>"$P/.perfwarden"
expect_exit 1 "init --write refuses an edited spec too" -- "$PW" init --write "$P"
grep -q "^# edited" "$P/.perfwarden" && pass "the edited spec is kept" || fail "the edited spec was replaced"
expect_exit 0 "init --write --force replaces it" -- "$PW" init --write --force "$P"
cmp -s "$T/first" "$P/.perfwarden" && pass "--force wrote the starter again" || fail "--force"
expect_exit 2 "--force without --write" -- "$PW" init --force "$P"
expect_exit 0 "spec check on what init wrote" -- spec_json "$P"
[ "$(field 'd["valid"]')" = True ] && pass "init's spec parses" || fail "spec check: $(cat "$T/spec.json")"
[ "$(field '[b["name"] for b in d["benchmarks"]]')" = "['bench_sort']" ] && pass "spec check sees bench_sort" || fail "benchmarks"
[ "$(field '(d["benchmarks"][0]["format"], d["benchmarks"][0]["verification"], d["benchmarks"][0]["memory_threshold"])')" = "('google-benchmark', 'unverified', 0.1)" ] &&
	pass "spec check explains the harness format, what verifies it and the memory threshold" ||
	fail "spec check's keys: $(cat "$T/spec.json")"
if pkg-config --exists benchmark 2>/dev/null || [ -e /usr/lib/x86_64-linux-gnu/cmake/benchmark ] || [ -e /usr/include/benchmark/benchmark.h ]; then
	build=$(field 'd["build"]["command"]')
	cmd=$(field 'd["benchmarks"][0]["command"]')
	(cd "$P" && sh -c "$build" >"$T/build.log" 2>&1) && pass "the proposed build command builds the project" ||
		{ fail "build: $(tail -5 "$T/build.log")"; }
	(cd "$P" && PERFWARDEN_OUTPUT=$T/gb.json sh -c "$cmd --benchmark_min_time=0.01" >/dev/null 2>&1) &&
		python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["benchmarks"][0]["name"] == "BM_Sort"' "$T/gb.json" &&
		pass "the proposed command runs the benchmark and writes its JSON" || fail "the benchmark command did not run"
else
	echo "skip: libbenchmark-dev is not installed"
fi

# --- Make ------------------------------------------------------------------------
P=$T/make
mkdir -p "$P"
printf 'all: prog\nprog: prog.c\n\t$(CC) -O2 -o $@ $<\nbench: prog\n\t./prog 1000\ncheck: prog\n\t./prog 1\n' >"$P/Makefile"
echo 'int main(void) { return 0; }' >"$P/prog.c"
expect_exit 0 "init on a Make project" -- "$PW" init --write "$P"
expect_grep "^	command = make -j2$" "$P/.perfwarden" "Make build command"
expect_grep '^\[benchmark "bench"\]$' "$P/.perfwarden" "the bench target is a benchmark"
expect_grep "^	command = make bench$" "$P/.perfwarden" "run as make bench"
expect_exit 0 "spec check on it" -- spec_json "$P"
(cd "$P" && sh -c "$(field 'd["build"]["command"]')" >/dev/null 2>&1) && [ -x "$P/prog" ] &&
	pass "make -j2 builds it" || fail "make"

# --- Python + pytest-benchmark -------------------------------------------------------
P=$T/python
mkdir -p "$P/tests" "$P/fib"
printf '[project]\nname = "fib"\nversion = "0.1"\n' >"$P/pyproject.toml"
printf 'def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n' >"$P/fib/__init__.py"
printf 'from fib import fib\n\n\ndef test_fib(benchmark):\n    assert benchmark(fib, 15) == 610\n' >"$P/tests/test_fib.py"
printf 'def test_plain():\n    assert True\n' >"$P/tests/test_plain.py"
expect_exit 0 "init on a Python project" -- "$PW" init --write "$P"
expect_grep "^	command = python3 -m compileall -q \.$" "$P/.perfwarden" "pure Python: compileall as the build"
expect_grep '^\[benchmark "pytest"\]$' "$P/.perfwarden" "the pytest-benchmark suite is a benchmark"
expect_grep "^	command = python3 -m pytest .*--benchmark-only --benchmark-json=\\\$PERFWARDEN_OUTPUT tests/test_fib.py$" "$P/.perfwarden" \
	"only the tests that use the benchmark fixture, writing pytest-benchmark's JSON"
expect_exit 0 "spec check on it" -- spec_json "$P"
if PATH=/usr/bin:$PATH python3 -c 'import pytest_benchmark' 2>/dev/null; then
	(cd "$P" && PATH=/usr/bin:$PATH PERFWARDEN_OUTPUT=$T/py.json sh -c "$(field 'd["benchmarks"][0]["command"]')" >/dev/null 2>&1) &&
		python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["benchmarks"][0]["name"] == "test_fib"' "$T/py.json" &&
		pass "the proposed command runs pytest-benchmark and writes its JSON" || fail "the pytest command did not run"
else
	echo "skip: python3-pytest-benchmark is not installed"
fi

# --- Go -----------------------------------------------------------------------------
P=$T/go
mkdir -p "$P/sum"
printf 'module example.com/sum\n\ngo 1.19\n' >"$P/go.mod"
printf 'package sum\n\nfunc Sum(n int) int {\n\ts := 0\n\tfor i := 0; i < n; i++ {\n\t\ts += i\n\t}\n\treturn s\n}\n' >"$P/sum/sum.go"
printf 'package sum\n\nimport "testing"\n\nfunc BenchmarkSum(b *testing.B) {\n\tfor i := 0; i < b.N; i++ {\n\t\tSum(1000)\n\t}\n}\n' >"$P/sum/sum_test.go"
expect_exit 0 "init on a Go module" -- "$PW" init --write "$P"
expect_grep "^	command = go build \./\.\.\.$" "$P/.perfwarden" "Go build command"
expect_grep '^\[benchmark "go-bench"\]$' "$P/.perfwarden" "the Benchmark functions are a benchmark"
expect_grep '^	command = "go test -run '"'"'\^\$'"'"' -bench \. -benchmem \./sum > \\"\$PERFWARDEN_OUTPUT\\""$' "$P/.perfwarden" \
	"go test -bench over the package, quoted for git-config"
expect_exit 0 "spec check on it" -- spec_json "$P"
if command -v go >/dev/null; then
	(cd "$P" && GOPATH=$T/gopath GOCACHE=$T/gocache PERFWARDEN_OUTPUT=$T/go.txt \
		sh -c "$(field 'd["benchmarks"][0]["command"]') " >/dev/null 2>&1) && grep -q "^BenchmarkSum" "$T/go.txt" &&
		pass "the proposed command runs go test -bench into \$PERFWARDEN_OUTPUT" || fail "go test -bench: $(head -5 "$T/go.txt")"
else
	echo "skip: go is not installed"
fi

# --- Cargo, and nothing at all ----------------------------------------------------------
P=$T/cargo
mkdir -p "$P/src" "$P/benches"
printf '[package]\nname = "rs"\nversion = "0.1.0"\nedition = "2021"\n' >"$P/Cargo.toml"
echo 'fn main() {}' >"$P/src/main.rs"
echo 'fn main() {}' >"$P/benches/parse.rs"
expect_exit 0 "init on a Cargo project" -- "$PW" init --write "$P"
expect_grep "^	command = cargo build --release$" "$P/.perfwarden" "Cargo build command"
expect_grep '^	command = cargo bench --bench parse$' "$P/.perfwarden" "benches/parse.rs is a benchmark"
expect_exit 0 "spec check on it" -- spec_json "$P"

# --- Criterion (no crate can be fetched here: the spec, and its bencher-to-lines step) ----
P=$T/criterion
mkdir -p "$P/src" "$P/benches"
printf '[package]\nname = "rs"\nversion = "0.1.0"\n\n[dev-dependencies]\ncriterion = "0.5"\n\n[[bench]]\nname = "parse"\nharness = false\n' >"$P/Cargo.toml"
echo 'fn main() {}' >"$P/src/main.rs"
echo 'use criterion::{criterion_group, criterion_main, Criterion};' >"$P/benches/parse.rs"
expect_exit 0 "init on a Cargo project with Criterion" -- "$PW" init --write "$P"
expect_grep '^	# Criterion \(Cargo.toml names it\): benches/parse.rs' "$P/.perfwarden" "Criterion is recognised"
expect_grep '^	format = lines$' "$P/.perfwarden" "its cases are read as perfwarden's lines"
expect_exit 0 "spec check on it" -- spec_json "$P"
# the command's second half turns criterion's --output-format bencher into lines
awk_step=$(field 'd["benchmarks"][0]["command"].split(" | ", 1)[1].rsplit(" > ", 1)[0]')
printf 'Gnuplot not found, using plotters backend\ntest parse/small ... bench:       1,234 ns/iter (+/- 56)\ntest parse big 10 ... bench:         987 ns/iter (+/- 3)\n' |
	sh -c "$awk_step" >"$T/crit.txt"
[ "$(cat "$T/crit.txt")" = "$(printf 'parse/small 1234 ns\nparse_big_10 987 ns')" ] &&
	pass "criterion's bencher lines become NAME VALUE ns" || fail "bencher to lines: $(cat "$T/crit.txt")"

# --- Catch2 and hyperfine: a CMake project with both ---------------------------------------
P=$T/catch2
mkdir -p "$P/tests" "$P/scripts"
printf 'cmake_minimum_required(VERSION 3.13)\nproject(t CXX)\nadd_executable(perf_tests tests/perf.cpp)\n' >"$P/CMakeLists.txt"
printf '#define CATCH_CONFIG_MAIN\n#define CATCH_CONFIG_ENABLE_BENCHMARKING\n#include <catch2/catch.hpp>\nTEST_CASE("p") { BENCHMARK("sum") { return 1 + 1; }; }\n' >"$P/tests/perf.cpp"
printf '#!/bin/sh\nhyperfine -N --runs 3 \\\n  --export-json /tmp/never.json "sleep 0.01" "sleep 0.02"\n' >"$P/scripts/bench.sh"
expect_exit 0 "init on a project with Catch2 benchmarks and a hyperfine script" -- "$PW" init --write "$P"
expect_grep '^	command = build/perf_tests -r xml$' "$P/.perfwarden" "the Catch2 program reports XML on stdout"
expect_grep '^	format = catch2$' "$P/.perfwarden" "read as catch2"
expect_grep '^	# hyperfine: scripts/bench.sh runs it \(line 2\)' "$P/.perfwarden" "the hyperfine line is found"
expect_exit 0 "spec check on it" -- spec_json "$P"
[ "$(field '[b["format"] for b in d["benchmarks"]]')" = "['catch2', 'hyperfine']" ] &&
	pass "one catch2 and one hyperfine benchmark" || fail "formats: $(field '[b["format"] for b in d["benchmarks"]]')"
if command -v hyperfine >/dev/null; then
	(cd "$P" && PERFWARDEN_OUTPUT=$T/hf.json sh -c "$(field 'd["benchmarks"][1]["command"]')" >/dev/null 2>&1) &&
		python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [r["command"] for r in d["results"]] == ["sleep 0.01", "sleep 0.02"]' "$T/hf.json" &&
		pass "the proposed command runs hyperfine and writes its JSON to \$PERFWARDEN_OUTPUT" || fail "hyperfine did not run as proposed"
else
	echo "skip: hyperfine is not installed"
fi

mkdir -p "$T/empty"
expect_exit 0 "init on a tree with nothing recognised" -- "$PW" init --write "$T/empty"
expect_grep "^wrote $T/empty/\.perfwarden: build \`true\`, 1 benchmark: example \(a placeholder: edit it\)$" "$T/out" "says the benchmark is a placeholder"
expect_exit 0 "the placeholder spec parses" -- spec_json "$T/empty"
expect_exit 2 "init on a missing directory" -- "$PW" init "$T/nowhere"
expect_grep "^perfwarden init: '$T/nowhere' is not a directory$" "$T/err" "the missing directory is named"

# --- --golden: the commands to record the golden sets, from HEAD ----------------------------
expect_exit 0 "init --golden" -- "$PW" init --golden "$T/make"
expect_grep "^    perfwarden golden record bench --from HEAD$" "$T/out" "prints the command that records the golden set"

# --- spec check -------------------------------------------------------------------------
P=$T/make
expect_exit 0 "spec check FILE" -- "$PW" spec check --golden-dir "$T/golden" "$P/.perfwarden"
expect_grep "^$P/\.perfwarden: valid, 1 benchmark \(spec [0-9a-f]{12}\)$" "$T/out" "names the file and says it is valid"
expect_grep "^  repeat +10  \(kept runs of \`run\`; \`check\` decides its own\)$" "$T/out" "the repeat init chose, explained"
expect_grep "^  tolerance +0  \(default; cells must match exactly\)$" "$T/out" "defaults are filled in and marked"
expect_grep "^  output +\\\$PERFWARDEN_OUTPUT  \(default; " "$T/out" "the default output is explained"
expect_grep "golden set 'bench' is not in '$T/golden' \(no bench.out and bench.sum\)" "$T/out" "a missing golden set is warned about"
printf '1 2\n' >"$T/golden/bench.out"
echo 3 >"$T/golden/bench.sum"
expect_exit 0 "spec check with the golden set there" -- "$PW" spec check --golden-dir "$T/golden" "$P/.perfwarden"
grep -q "^warnings" "$T/out" && fail "warned although the golden set is there: $(cat "$T/out")" || pass "no warning once the golden set exists"
expect_grep "^  golden +bench  \(present in the golden directory\)$" "$T/out" "says the golden set is present"

cat >"$T/bad.spec" <<'SPEC'
[build]
	command = make
[benchmark "x"]
	command = ./x
	golden = x
	repeat = ten
SPEC
expect_exit 1 "spec check on an invalid spec" -- "$PW" spec check "$T/bad.spec"
expect_grep "^perfwarden spec: $T/bad\.spec: benchmark \"x\": repeat must be a positive integer, got 'ten'$" "$T/err" "the parser's message"
expect_exit 1 "spec check --json on an invalid spec" -- "$PW" spec check --json "$T/bad.spec"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["valid"] is False and "repeat" in d["error"]' "$T/out" &&
	pass "--json says invalid, with the message" || fail "spec check --json: $(cat "$T/out")"
printf '[build]\n\tcommand = no-such-tool-here --x\n[benchmark "y"]\n\tcommand = ./y.sh\n\tgolden = bench\n' >"$T/tools.spec"
expect_exit 0 "spec check on a spec whose tools are missing" -- "$PW" spec check --golden-dir "$T/golden" "$T/tools.spec"
expect_grep "^  build: 'no-such-tool-here' is not on this machine's PATH$" "$T/out" "a program not on PATH is warned about"
expect_grep "^  command +\./y\.sh  \('y\.sh' is not in the tree: the build must make it\)$" "$T/out" \
	"a path the tree does not hold is said to be the build's to make, not an error"
# git-config's double quotes are its own: the shell gets the parentheses bare, and says so
printf '[build]\n\tcommand = true\n[benchmark "y"]\n\tcommand = ./y "--filter=BM_(U|Z)"\n' >"$T/quotes.spec"
expect_exit 0 "spec check on a command the shell cannot parse" -- "$PW" spec check "$T/quotes.spec"
expect_grep "^  benchmark \"y\": the command is not valid shell \(.*Syntax error.*\); quote with single quotes" \
	"$T/out" "a command the shell cannot parse is warned about, with the shell's words"
printf '[build]\n\tcommand = true\n[benchmark "y"]\n\tcommand = ./y '"'"'--filter=BM_(U|Z)'"'"'\n' >"$T/quotes.spec"
expect_exit 0 "spec check on the same command single-quoted" -- "$PW" spec check "$T/quotes.spec"
grep -q "not valid shell" "$T/out" && fail "warned about valid shell: $(cat "$T/out")" || pass "single-quoted, it is not warned about"
printf '[build]\n\tcommand = true\n[benchmark "y"]\n\tcommand = ./y\n\tsetup = "make input (x"\n' >"$T/quotes.spec"
expect_exit 0 "spec check on a setup the shell cannot parse" -- "$PW" spec check "$T/quotes.spec"
expect_grep "^  benchmark \"y\" setup: the command is not valid shell" "$T/out" "a setup is checked too"

git init -q "$T/repo"
cp "$T/make/Makefile" "$T/make/prog.c" "$T/repo/"
git -C "$T/repo" add -A && git -C "$T/repo" commit -qm "no spec yet"
"$PW" init --write "$T/repo" >/dev/null
git -C "$T/repo" add .perfwarden && git -C "$T/repo" commit -qm "perfwarden init"
cp "$T/bad.spec" "$T/repo/.perfwarden" && git -C "$T/repo" commit -qam "a broken spec"
expect_exit 0 "spec check --rev HEAD~1" -- "$PW" spec check --repo "$T/repo" --rev HEAD~1 --golden-dir "$T/golden"
expect_grep "^\.perfwarden at HEAD~1: valid, 1 benchmark" "$T/out" "reads the committed spec"
expect_exit 1 "spec check --rev HEAD (broken)" -- "$PW" spec check --repo "$T/repo" --rev HEAD
expect_grep "repeat must be a positive integer" "$T/err" "the committed spec's error"
expect_exit 1 "spec check --rev HEAD~2 (no spec)" -- "$PW" spec check --repo "$T/repo" --rev HEAD~2
expect_grep "has no \.perfwarden" "$T/err" "a commit without a spec is named"
expect_exit 2 "spec check FILE --rev REV" -- "$PW" spec check --rev HEAD "$T/bad.spec"
expect_exit 2 "spec check on a missing file" -- "$PW" spec check "$T/nothing.spec"
expect_grep "^perfwarden spec: could not read '$T/nothing\.spec': no such file$" "$T/err" "the missing file is named"
expect_exit 2 "spec without a subcommand" -- "$PW" spec
expect_exit 2 "spec check --frobnicate" -- "$PW" spec check --frobnicate
finish
