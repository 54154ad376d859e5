#!/usr/bin/env bash
# Bring your own benchmarks: a benchmark whose command reports its own
# results (`format = ...` in .perfwarden), on the real harnesses from Debian
# (libbenchmark, hyperfine, pytest-benchmark, go test -bench, Catch2 v2) and on
# perfwarden's own generic forms (json, lines). For each format, a repository
# whose benchmark has four cases and a commit that makes one of them 10% slower (20% for Catch2)
# and leaves the others as they were. `perfwarden check` flags exactly that case
# `slower` (each case is its own series, BENCH/CASE), reads every other case
# `ok`, and fails the gate; the case's history, comparison and dashboard data
# are there.
#
# Why 10% can be told in a few rounds on this shared 2-cpu VM: each case's work
# is a fixed nanosleep, timed by the harness's real-time clock, one nap a
# repetition (2 ms; a 20 ms process for hyperfine) and 10 to 25 repetitions a
# run. A neighbour's CPU load cannot slow a sleep; it can only delay a wake-up
# now and then, which adds time to that repetition, and the judge reads each
# run's lower quartile of its repetitions — what such delays leave alone (a
# run's lower quartile stays within ~1% of the nap). The planted 10% is then
# ~10 times that spread and reads slower after 10 rounds, the others ok after
# 6 to 12 (up to 20 rounds are allowed, for a burst of load over a few of them).
# The exceptions: hyperfine times whole processes, whose start and exit are CPU
# work a neighbour does slow, so it often needs more rounds; Catch2 reports one
# mean a run (no repetitions), which a delayed wake-up moves, so its naps are
# 20 ms, its threshold 10% and its planted change 20% (a change planted at the
# threshold itself can honestly read ok: a nap's fixed wake-up cost does not grow
# with it, so 10% longer naps measure +9.9%, and a quiet machine rules out 10%),
# and its rounds at most 16 (~2 s a run). A 5%
# threshold elsewhere. Peak memory is not judged (memory-threshold = off): the
# harness process's memory is not what these tests are about, and every
# comparison shares the push's alpha.
source "$(dirname "$0")/lib.sh"
cleanup_hooks+=("\"$PW\" db stop >/dev/null 2>&1")

# Go's build cache survives the test (a fresh one costs ~10 s); nothing is fetched. The
# builds run as perfwarden's unprivileged user when the test runs as root: the cache is
# writable by all (sticky, like /tmp), and so is GOPATH.
mkdir -p "$PERFWARDEN_BUILD/gocache-shared" "$T/gopath"
chmod 1777 "$PERFWARDEN_BUILD/gocache-shared" "$T/gopath"
export GOCACHE=$PERFWARDEN_BUILD/gocache-shared GOPATH=$T/gopath GOPROXY=off GOFLAGS=-mod=mod
export GO111MODULE=on GOTOOLCHAIN=local

commit_all() { git -C "$1" add -A && git -C "$1" commit -qm "$2"; }

# The keys every benchmark here shares: one warm-up, a threshold (5%; the planted
# change is 10%) and the most rounds (20: a burst of load over a few rounds
# leaves the others enough); peak memory not judged.
judged_as() {
	printf '\tmemory-threshold = off\n\trepeat = 3\n\twarmup = 1\n'
	printf '\tthreshold = %s\n\tmax-repeat = %s\n' "${1:-5%}" "${2:-20}"
}

# The naps of the four cases, microseconds: b sleeps 10% longer in the second commit.
naps() { printf 'a %s\nb %s\nc %s\nd %s\n' "$1" "$(($1 * ${2:-100} / 100))" "$1" "$1"; }

# check_flags NAME DIR SLOW_CASE [MAX_RATIO]: check base..slow; exactly BENCH/SLOW_CASE
# reads slower (its ratio between 1.04 and MAX_RATIO, 1.2 unless told), every other case ok.
check_flags() {
	local name=$1 dir=$2 slow=$3 most=${4:-1.2} start=$SECONDS
	cd "$dir"
	expect_exit 1 "$name: a slower case fails the gate" -- "$PW" check --json HEAD~1..HEAD
	cp "$T/out" "$T/$name.json"
	if python3 - "$T/$name.json" "$slow" "$(git -C "$dir" rev-parse HEAD)" "$most" <<'PY'; then
import json, sys
doc = json.load(open(sys.argv[1]))
slow, tip, most = sys.argv[2], sys.argv[3], float(sys.argv[4])
mine = [r for r in doc["results"] if r["commit"] == tip]
cases = [r for r in mine if "/" in (r["benchmark"] or "")]
assert len(cases) == 4, [(r["benchmark"], r["verdict"]) for r in mine]
for r in cases:
    if r["benchmark"] == slow:
        assert r["verdict"] == "slower" and 1.04 < r["ratio"] < most, r
        assert r["value_unit"] == "ns" and r["metric"] in ("time", "latency", "value"), r
    else:  # the others are measured and judged unchanged
        assert r["verdict"] == "ok", (r["benchmark"], r["metric"], r["verdict"], r["message"])
assert doc["exit_code"] == 1
PY
		pass "$name: exactly $slow is flagged slower, the other cases read ok ($((SECONDS - start)) s)"
	else
		fail "$name: the verdicts are not the ones planted"
	fi
	python3 -c 'import json,sys; [print("  ", r["short"], r["benchmark"], r["metric"], r["verdict"], r["message"]) for r in json.load(open(sys.argv[1]))["results"] if "/" in (r["benchmark"] or "")]' "$T/$name.json"
}

# ---- Catch2 v2: its single header takes ~15 s (more on a busy machine) to compile,
# so it compiles in the background while the other formats are checked: their work is
# sleeping, which a compiler's CPU load beside them does not slow ----
mkdir -p "$T/catch2"
cat >"$T/catch2/bench.cpp" <<'SRC'
#define CATCH_CONFIG_MAIN
#define CATCH_CONFIG_ENABLE_BENCHMARKING
#include <catch2/catch.hpp>
#include <fstream>
#include <time.h>
static long us_of(const char *name) { std::ifstream f("naps.txt"); std::string k; long n;
	while (f >> k >> n) if (k == name) return n; return 1000; }
static void nap(long us) { struct timespec ts = {0, us * 1000}; nanosleep(&ts, NULL); }
TEST_CASE("naps", "[bench]") {
	long a = us_of("a"), b = us_of("b"), c = us_of("c"), d = us_of("d");
	BENCHMARK("a") { nap(a); };
	BENCHMARK("b") { nap(b); };
	BENCHMARK("c") { nap(c); };
	BENCHMARK("d") { nap(d); };
}
SRC
# SERIES_FORMATS (the environment) picks some, e.g. to look into one format alone.
formats=${SERIES_FORMATS:-google-benchmark hyperfine pytest-benchmark go-bench json lines catch2}
catch2_pid=
case " $formats " in *" catch2 "*)
	(cd "$T/catch2" && nice g++ -O1 bench.cpp -o bench >build.log 2>&1; echo $? >built) &
	catch2_pid=$! ;;
esac

# ---- google-benchmark: real time (UseRealTime), 25 repetitions a run ----
series_google_benchmark() {
R=$T/gbench
git init -q -b main "$R"
cat >"$R/bench.cc" <<'SRC'
#include <benchmark/benchmark.h>
#include <time.h>
#define NAP_B 2000
static void nap(long us) { struct timespec ts = {0, us * 1000}; nanosleep(&ts, NULL); }
static void BM_a(benchmark::State &s) { for (auto _ : s) nap(2000); }
static void BM_b(benchmark::State &s) { for (auto _ : s) nap(NAP_B); }
static void BM_c(benchmark::State &s) { for (auto _ : s) nap(2000); }
static void BM_d(benchmark::State &s) { for (auto _ : s) nap(2000); }
BENCHMARK(BM_a)->UseRealTime()->Iterations(1);
BENCHMARK(BM_b)->UseRealTime()->Iterations(1);
BENCHMARK(BM_c)->UseRealTime()->Iterations(1);
BENCHMARK(BM_d)->UseRealTime()->Iterations(1);
BENCHMARK_MAIN();
SRC
cat >"$R/.perfwarden" <<'SPEC'
[build]
	command = g++ -O2 bench.cc -o bench -lbenchmark -lpthread
[benchmark "gb"]
	command = ./bench --benchmark_format=json --benchmark_repetitions=25
	format = google-benchmark
SPEC
judged_as >>"$R/.perfwarden"
commit_all "$R" "four cases"
sed -i 's/#define NAP_B 2000/#define NAP_B 2200/' "$R/bench.cc"
commit_all "$R" "BM_b naps 10% longer"
check_flags google-benchmark "$R" gb/BM_b/iterations:1/real_time

# the case's own series: history, compare, the dashboard's API
cd "$R"
B=gb/BM_b/iterations:1/real_time
expect_exit 0 "history of one case" -- "$PW" history --benchmark $B --json
python3 - "$T/out" "$B" <<'PY' && pass "history reads the case's time in ns, every repetition counted" || fail "history of a case"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["benchmark"] == sys.argv[2] and d["metric"] == "time" and d["unit"] == "ns", d
assert len(d["commits"]) == 2 and all(c["samples"] >= 15 for c in d["commits"]), d
assert d["commits"][0]["verdict"] == "slower" and d["commits"][0]["median"] > d["commits"][1]["median"], d
PY
expect_exit 0 "history of a case's other metric" -- "$PW" history --benchmark $B --metric cpu_time
expect_grep "^[0-9a-f]{12} .* slower .* us " "$T/out" "the table shows the case in microseconds"
expect_exit 2 "a harness metric needs a case" -- "$PW" history --benchmark gb --metric cpu_time
expect_exit 0 "compare two commits" -- "$PW" compare --json "$(git rev-parse HEAD~1)" "$(git rev-parse HEAD)"
python3 - "$T/out" "$B" <<'PY' && pass "compare has every metric of every case" || fail "compare of cases"
import json, sys
c = json.load(open(sys.argv[1]))["comparisons"]
b = [x for x in c if x["benchmark"] == sys.argv[2] and x["metric"] == "time"][0]
assert b["ratio"] > 1.04 and b["unit"] == "ns" and b["a_samples"] >= 15, b
assert {x["metric"] for x in c if x["benchmark"] == "gb/BM_a/iterations:1/real_time"} >= {"time", "cpu_time"}, c
assert [x for x in c if x["benchmark"] == "gb" and x["metric"] == "maxrss"], c
PY
}

# ---- hyperfine: its own runs of four commands, each a process that naps 20 ms. What
# hyperfine times is the whole process, whose start and exit (~1 ms of CPU work) a
# neighbour's load does slow, for every run of a stretch alike: so the nap is long
# beside it ----
series_hyperfine() {
R=$T/hyperfine
git init -q -b main "$R"
cat >"$R/nap.c" <<'SRC'
#include <stdlib.h>
#include <string.h>
#include <time.h>
int main(int argc, char **argv)
{
	long us = argc > 1 && !strcmp(argv[1], "b") ? 20000 : 20000;
	struct timespec ts = {0, us * 1000};
	nanosleep(&ts, NULL);
	return 0;
}
SRC
cat >"$R/.perfwarden" <<'SPEC'
[build]
	command = cc -O1 -o nap nap.c
[benchmark "hf"]
	command = "hyperfine -N --runs 10 --warmup 1 --style none --export-json \"$PERFWARDEN_OUTPUT\" -n a './nap a' -n b './nap b' -n c './nap c' -n d './nap d'"
	format = hyperfine
SPEC
judged_as >>"$R/.perfwarden"
commit_all "$R" "four commands"
sed -i 's/ ? 20000 : / ? 22000 : /' "$R/nap.c"
commit_all "$R" "b naps 10% longer"
check_flags hyperfine "$R" hf/b
}

# ---- pytest-benchmark (Debian's python3-pytest-benchmark): pedantic rounds of a
# nap; its plugin alone (no other autoloaded plugin) and no py-cpuinfo probe
# (conftest.py), so a run costs ~0.6 s instead of ~2.5 s ----
series_pytest() {
R=$T/pytest
git init -q -b main "$R"
naps 4000 >"$R/naps.txt"
cat >"$R/test_bench.py" <<'SRC'
import time
NAP = {k: int(v) / 1e6 for k, v in (l.split() for l in open("naps.txt"))}
def nap(name): time.sleep(NAP[name])
def bench(benchmark, name): benchmark.pedantic(nap, args=(name,), rounds=15, iterations=1, warmup_rounds=1)
def test_a(benchmark): bench(benchmark, "a")
def test_b(benchmark): bench(benchmark, "b")
def test_c(benchmark): bench(benchmark, "c")
def test_d(benchmark): bench(benchmark, "d")
SRC
cat >"$R/conftest.py" <<'SRC'
def pytest_benchmark_generate_machine_info(config):
    return {}
SRC
cat >"$R/.perfwarden" <<'SPEC'
[build]
	command = true
	artifacts = naps.txt test_bench.py conftest.py
[benchmark "py"]
	command = "PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 /usr/bin/python3 -B -m pytest -q -p no:cacheprovider -p pytest_benchmark.plugin -o addopts= --benchmark-json=\"$PERFWARDEN_OUTPUT\" test_bench.py"
	format = pytest-benchmark
SPEC
judged_as >>"$R/.perfwarden"
commit_all "$R" "four tests"
naps 4000 110 >"$R/naps.txt"
commit_all "$R" "b naps 10% longer"
check_flags pytest-benchmark "$R" py/test_bench.py::test_b
}

# ---- go test -bench: the test binary is the build, its stdout the report ----
series_go() {
R=$T/go
git init -q -b main "$R"
printf 'module pwbench\n\ngo 1.19\n' >"$R/go.mod"
cat >"$R/bench_test.go" <<'SRC'
package pwbench

import (
	"syscall"
	"testing"
)

// a nanosleep of the thread itself (not the runtime's timers)
func nap(us int64) {
	ts := syscall.NsecToTimespec(us * 1000)
	syscall.Nanosleep(&ts, nil)
}

const napB = 2000

func BenchmarkA(b *testing.B) { for i := 0; i < b.N; i++ { nap(2000) } }
func BenchmarkB(b *testing.B) { for i := 0; i < b.N; i++ { nap(napB) } }
func BenchmarkC(b *testing.B) { for i := 0; i < b.N; i++ { nap(2000) } }
func BenchmarkD(b *testing.B) { for i := 0; i < b.N; i++ { nap(2000) } }
SRC
cat >"$R/.perfwarden" <<'SPEC'
[build]
	command = go test -c -o bench.test
[benchmark "go"]
	command = ./bench.test -test.run ^$ -test.bench . -test.count 25 -test.benchtime 1x -test.cpu 1
	format = go-bench
SPEC
judged_as >>"$R/.perfwarden"
commit_all "$R" "four benchmarks"
sed -i 's/const napB = 2000/const napB = 2200/' "$R/bench_test.go"
commit_all "$R" "B naps 10% longer"
check_flags go-bench "$R" go/BenchmarkB
}

# ---- json and lines: perfwarden's generic forms, from a program that times its own
# naps (five repetitions a case) and prints them on stdout ----
series_generic() {
	local form=$1
	R=$T/$form
	git init -q -b main "$R"
	naps 2000 >"$R/naps.txt"
	cat >"$R/naps.c" <<'SRC'
#include <stdio.h>
#include <string.h>
#include <time.h>
static long long now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000000000LL + t.tv_nsec; }
int main(int argc, char **argv)
{
	int lines = argc > 1 && !strcmp(argv[1], "--lines"), k = 0, r;
	char name[32];
	long us;
	FILE *f = fopen("naps.txt", "r");

	fputs(lines ? "# case nanoseconds\n" : "{", stdout);
	while (f && fscanf(f, "%31s %ld", name, &us) == 2) {
		if (!lines)
			printf("%s\"%s\": {\"latency\": {\"unit\": \"ns\", \"samples\": [", k++ ? ", " : "", name);
		for (r = 0; r < 15; r++) {
			struct timespec ts = {0, us * 1000};
			long long t0 = now();
			nanosleep(&ts, NULL);
			if (lines)
				printf("%s %lld ns\n", name, now() - t0);
			else
				printf("%s%lld", r ? ", " : "", now() - t0);
		}
		fputs(lines ? "" : "]}}", stdout);
	}
	fputs(lines ? "" : "}\n", stdout);
	return f ? 0 : 1;
}
SRC
	cat >"$R/.perfwarden" <<SPEC
[build]
	command = cc -O1 -o naps naps.c
	artifacts = naps naps.txt
[benchmark "$form"]
	command = ./naps --$form
	format = $form
SPEC
judged_as >>"$R/.perfwarden"
	commit_all "$R" "four cases"
	naps 2000 110 >"$R/naps.txt"
	commit_all "$R" "b naps 10% longer"
	check_flags $form "$R" $form/b
}

# ---- Catch2 v2 (its XML reporter on stdout: one mean per case and run; each run
# costs ~2 s of Catch2's own clock estimation) ----
series_catch2() {
wait "$catch2_pid" || true
if [ "$(cat "$T/catch2/built" 2>/dev/null)" = 0 ]; then
	R=$T/catch2repo
	git init -q -b main "$R"
	naps 20000 >"$R/naps.txt"
	cat >"$R/.perfwarden" <<SPEC
[build]
	command = cp $T/catch2/bench bench
	artifacts = bench naps.txt
[benchmark "c2"]
	command = ./bench -r xml --benchmark-samples 5 --benchmark-resamples 100 --benchmark-warmup-time 10
	format = catch2
SPEC
judged_as 10% 16 >>"$R/.perfwarden"
	commit_all "$R" "four benchmarks"
	naps 20000 120 >"$R/naps.txt"
	commit_all "$R" "b naps 20% longer"
	check_flags catch2 "$R" c2/b 1.3
else
	fail "catch2: the benchmark did not build: $(tail -5 "$T/catch2/build.log")"
fi
}

for format in $formats; do
	case $format in
	google-benchmark) series_google_benchmark ;;
	hyperfine) series_hyperfine ;;
	pytest-benchmark) series_pytest ;;
	go-bench) series_go ;;
	json | lines) series_generic $format ;;
	catch2) series_catch2 ;;
	*) fail "no format '$format'" ;;
	esac
done

finish
