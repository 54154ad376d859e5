/*
 * Tests for runner/measure/harness: reading what benchmark harnesses report.
 * Against the real harnesses (Debian 12's libbenchmark, hyperfine,
 * pytest-benchmark, go, Catch2 v2): each test writes a tiny benchmark with a
 * case doing twice the work of another into a fresh temporary directory, runs
 * the harness and parses what it really wrote. A missing harness fails the
 * test (ci/setup installs them all). Then hand-made bad inputs, each of which
 * must give one clear error and an empty report.
 */
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "paths.h"
#include "strbuf.h"

struct fixture {
	char root[64];
	pid_t catch2_build; /* g++ of the Catch2 program, started early: it takes ~15 s */
};

static struct fixture fx;

/* The directory part of `path` (a static copy). */
static const char *dirname_of(const char *path)
{
	static char dir[4096];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	return dir;
}

/* Write `text` to `name` (relative to the fixture, its directory made). */
static void write_file(const char *name, const char *text)
{
	struct strbuf path = STRBUF_INIT, body = STRBUF_INIT;

	strbuf_addf(&path, "%s/%s", fx.root, name);
	assert_int_equal(paths_mkdir_p(dirname_of(path.buf), 0755), 0);
	strbuf_addstr(&body, text);
	assert_int_equal(strbuf_write_file(&body, path.buf), 0);
	strbuf_release(&path);
	strbuf_release(&body);
}

/* Run `cmd` in directory `dir` of the fixture; on failure show its output and fail. */
static void run(const char *dir, const char *cmd)
{
	struct strbuf sh = STRBUF_INIT, log = STRBUF_INIT, path = STRBUF_INIT;
	int rc;

	strbuf_addf(&sh, "mkdir -p '%s/%s' && cd '%s/%s' && (%s) >run.log 2>&1", fx.root, dir,
	            fx.root, dir, cmd);
	rc = system(sh.buf);
	if (rc != 0) {
		strbuf_addf(&path, "%s/%s/run.log", fx.root, dir);
		strbuf_read_file(&log, path.buf);
		fail_msg("'%s' failed (status %d):\n%s", cmd, rc, strbuf_str(&log));
	}
	strbuf_release(&sh);
	strbuf_release(&log);
	strbuf_release(&path);
}

/* The harness must be installed: CI installs it, so its absence is a failure. */
static void require(const char *check, const char *what)
{
	struct strbuf sh = STRBUF_INIT;

	strbuf_addf(&sh, "(%s) >/dev/null 2>&1", check);
	if (system(sh.buf) != 0)
		fail_msg("%s is not installed (ci/setup installs it)", what);
	strbuf_release(&sh);
}

static void parse_out(enum harness_format format, const char *name, struct harness_report *r)
{
	struct pw_error err = PW_ERROR_INIT;
	struct strbuf path = STRBUF_INIT;
	int ret;

	strbuf_addf(&path, "%s/%s", fx.root, name);
	ret = harness_parse_file(format, path.buf, r, &err);
	if (ret)
		fail_msg("parsing %s: %s", name, pw_error_message(&err));
	assert_int_equal(r->format, format);
	pw_error_release(&err);
	strbuf_release(&path);
}

static const struct harness_metric *metric(const struct harness_report *r, const char *cname,
                                           const char *mname)
{
	const struct harness_case *c = harness_report_find(r, cname);
	const struct harness_metric *m;

	if (!c)
		fail_msg("no case '%s' (first: '%s')", cname, r->nr ? r->cases[0].name : "none");
	m = harness_case_metric(c, mname);
	if (!m)
		fail_msg("case '%s' has no metric '%s'", cname, mname);
	return m;
}

/* Every repetition, positive, in ns, lower is better, as metric 0 of its case. */
static const struct harness_metric *time_samples(const struct harness_report *r, const char *cname,
                                                 size_t reps)
{
	const struct harness_metric *m = metric(r, cname, "time");

	assert_ptr_equal(m, &harness_report_find(r, cname)->metrics[0]);
	assert_string_equal(m->unit, "ns");
	assert_int_equal(m->direction, HARNESS_LOWER_IS_BETTER);
	assert_int_equal(m->summary, 0);
	assert_int_equal(m->nr, reps);
	for (size_t i = 0; i < m->nr; i++)
		assert_true(m->values[i] > 0);
	return m;
}

static double minimum(const struct harness_metric *m)
{
	double low = m->values[0];

	for (size_t i = 1; i < m->nr; i++)
		if (m->values[i] < low)
			low = m->values[i];
	return low;
}

static double last_fast, last_slow;

/*
 * Whether twice the work reads slower, compared on the fastest repetition of
 * each, as noise only ever adds time.
 */
static int reads_slower(const struct harness_metric *fast, const struct harness_metric *slow)
{
	last_fast = minimum(fast);
	last_slow = minimum(slow);
	return last_slow > 1.25 * last_fast;
}

/*
 * Run the harness and check what it reported (`round`) until twice the work
 * reads slower, three tries at most: the machine may be shared with other
 * builds and benchmarks, which can slow any one run down many times over.
 */
static void until_slower(int (*round)(void), const char *harness)
{
	for (int i = 0; i < 3; i++)
		if (round())
			return;
	fail_msg("%s: twice the work is not slower in 3 tries: %g ns against %g ns", harness,
	         last_slow, last_fast);
}

/* ---- the real harnesses ---- */

static const char catch2_source[] =
        "#define CATCH_CONFIG_MAIN\n"
        "#define CATCH_CONFIG_ENABLE_BENCHMARKING\n"
        "#include <catch2/catch.hpp>\n"
        "static long work(long n) { volatile long s = 0; for (long i = 0; i < n; i++) s += i;"
        " return s; }\n"
        "TEST_CASE(\"loops\", \"[bench]\") {\n"
        "\tBENCHMARK(\"fast 20000\") { return work(20000); };\n"
        "\tBENCHMARK(\"slow <40000> & \\\"co\\\"\") { return work(40000); };\n"
        "}\n";

static int group_setup(void **state)
{
	static char catch2_dir[128];

	(void)state;
	snprintf(fx.root, sizeof(fx.root), "/tmp/pwharness.XXXXXX");
	if (!mkdtemp(fx.root))
		return -1;
	write_file("catch2/catch2.cpp", catch2_source);
	snprintf(catch2_dir, sizeof(catch2_dir), "%s/catch2", fx.root);
	fx.catch2_build = fork();
	if (fx.catch2_build < 0)
		return -1;
	if (fx.catch2_build == 0) {
		if (chdir(catch2_dir) == 0)
			execl("/bin/sh", "sh", "-c",
			      "g++ -O1 catch2.cpp -o catch2 >catch2.log 2>&1", (char *)NULL);
		_exit(127);
	}
	return 0;
}

static int group_teardown(void **state)
{
	struct strbuf cmd = STRBUF_INIT;
	int rc;

	(void)state;
	if (fx.catch2_build > 0) {
		kill(fx.catch2_build, SIGTERM);
		waitpid(fx.catch2_build, NULL, 0);
	}
	strbuf_addf(&cmd, "chmod -R u+w '%s' 2>/dev/null; rm -rf '%s'", fx.root, fx.root);
	rc = system(cmd.buf);
	strbuf_release(&cmd);
	return rc == 0 ? 0 : -1;
}

static int gbench_round(void);

static void test_harness__google_benchmark_keeps_every_repetition(void **state)
{
	(void)state;
	require("test -f /usr/include/benchmark/benchmark.h && command -v g++",
	        "google-benchmark (libbenchmark-dev, g++)");
	write_file(
	        "gbench/gbench.cc",
	        "#include <benchmark/benchmark.h>\n"
	        "static void BM_Work(benchmark::State &state) {\n"
	        "\tfor (auto _ : state) { for (volatile long i = 0; i < state.range(0); i++); }\n"
	        "\tstate.SetItemsProcessed(state.iterations() * state.range(0));\n"
	        "\tstate.SetBytesProcessed(state.iterations() * 8);\n"
	        "\tstate.counters[\"widgets\"] = 3;\n"
	        "}\n"
	        "BENCHMARK(BM_Work)->Arg(20000);\n"
	        "BENCHMARK(BM_Work)->Arg(40000)->Unit(benchmark::kMicrosecond);\n"
	        "BENCHMARK_MAIN();\n");
	run("gbench", "g++ -O2 gbench.cc -o gbench -lbenchmark -lpthread");
	until_slower(gbench_round, "google-benchmark");
}

static int gbench_round(void)
{
	struct harness_report r = HARNESS_REPORT_INIT;
	const struct harness_metric *fast, *slow, *m;
	int slower;

	run("gbench", "./gbench --benchmark_repetitions=4 --benchmark_min_time=0.005 "
	              "--benchmark_out=gbench.json --benchmark_out_format=json");
	parse_out(HARNESS_GOOGLE_BENCHMARK, "gbench/gbench.json", &r);

	assert_int_equal(r.nr, 2); /* the mean/median/stddev/cv rows are not cases */
	assert_string_equal(r.cases[0].name, "BM_Work/20000");
	assert_string_equal(r.cases[1].name, "BM_Work/40000");
	fast = time_samples(&r, "BM_Work/20000", 4);
	slow = time_samples(&r, "BM_Work/40000", 4); /* reported in us, read in ns */
	m = metric(&r, "BM_Work/40000", "cpu_time");
	assert_int_equal(m->nr, 4);
	assert_string_equal(m->unit, "ns");
	slower = reads_slower(metric(&r, "BM_Work/20000", "cpu_time"), m) &&
	         reads_slower(fast, slow);
	m = metric(&r, "BM_Work/20000", "items_per_second");
	assert_int_equal(m->nr, 4);
	assert_string_equal(m->unit, "items/s");
	assert_int_equal(m->direction, HARNESS_HIGHER_IS_BETTER);
	m = metric(&r, "BM_Work/20000", "bytes_per_second");
	assert_string_equal(m->unit, "B/s");
	assert_int_equal(m->direction, HARNESS_HIGHER_IS_BETTER);
	m = metric(&r, "BM_Work/20000", "widgets");
	assert_int_equal(m->direction, HARNESS_UNDIRECTED);
	assert_int_equal(m->nr, 4);
	assert_true(m->values[0] == 3);
	harness_report_release(&r);
	assert_int_equal(r.nr, 0);
	return slower;
}

static int hyperfine_round(void);

static void test_harness__hyperfine_keeps_every_run(void **state)
{
	(void)state;
	require("command -v hyperfine && command -v cc", "hyperfine");
	write_file("hyperfine/spin.c",
	           "#include <stdlib.h>\n"
	           "int main(int argc, char **argv) {\n"
	           "\tvolatile long s = 0; long n = argc > 1 ? atol(argv[1]) : 0;\n"
	           "\tfor (long i = 0; i < n; i++) s += i;\n"
	           "\treturn 0;\n"
	           "}\n");
	run("hyperfine", "cc -O1 spin.c -o spin");
	until_slower(hyperfine_round, "hyperfine");
}

static int hyperfine_round(void)
{
	struct harness_report r = HARNESS_REPORT_INIT;
	const struct harness_metric *m;
	int slower;

	run("hyperfine", "hyperfine -N --runs 7 --warmup 1 --export-json hyperfine.json "
	                 "-n fast './spin 3000000' -n slow './spin 6000000'");
	parse_out(HARNESS_HYPERFINE, "hyperfine/hyperfine.json", &r);

	assert_int_equal(r.nr, 2);
	assert_string_equal(r.cases[0].name, "fast");
	assert_string_equal(r.cases[1].name, "slow");
	slower = reads_slower(time_samples(&r, "fast", 7), time_samples(&r, "slow", 7));
	m = metric(&r, "slow", "user_time"); /* hyperfine gives its mean only */
	assert_int_equal(m->summary, 1);
	assert_int_equal(m->nr, 1);
	assert_string_equal(m->unit, "ns");
	assert_non_null(harness_case_metric(&r.cases[0], "system_time"));
	harness_report_release(&r);
	return slower;
}

static int pytest_round(void);

static void test_harness__pytest_benchmark_keeps_every_round(void **state)
{
	(void)state;
	require("/usr/bin/python3 -c 'import pytest, pytest_benchmark'",
	        "pytest-benchmark (python3-pytest-benchmark)");
	write_file("pytest/test_bench.py",
	           "import pytest\n"
	           "def work(n):\n"
	           "    s = 0\n"
	           "    for i in range(n):\n"
	           "        s += i\n"
	           "    return s\n"
	           "def test_fast(benchmark):\n"
	           "    benchmark.pedantic(work, args=(20000,), rounds=6, iterations=2)\n"
	           "def test_slow(benchmark):\n"
	           "    benchmark.pedantic(work, args=(40000,), rounds=6, iterations=2)\n"
	           "@pytest.mark.parametrize('n', [10])\n"
	           "def test_param(benchmark, n):\n"
	           "    benchmark.pedantic(work, args=(n,), rounds=3)\n");
	until_slower(pytest_round, "pytest-benchmark");
}

static int pytest_round(void)
{
	struct harness_report r = HARNESS_REPORT_INIT;
	const struct harness_case *c;
	int slower;

	run("pytest", "PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 -m pytest -q -p no:cacheprovider "
	              "-o addopts= --benchmark-json=pytest.json test_bench.py");
	parse_out(HARNESS_PYTEST_BENCHMARK, "pytest/pytest.json", &r);

	assert_int_equal(r.nr, 3);
	slower = reads_slower(time_samples(&r, "test_bench.py::test_fast", 6),
	                      time_samples(&r, "test_bench.py::test_slow", 6));
	c = harness_report_find(&r, "test_bench.py::test_param[10]");
	assert_non_null(c);
	assert_int_equal(c->metrics[0].nr, 3);
	harness_report_release(&r);
	return slower;
}

static int go_round(void);

static void test_harness__go_bench_keeps_every_count(void **state)
{
	(void)state;
	require("command -v go", "go (golang-go)");
	write_file("go/go.mod", "module pwbench\n\ngo 1.19\n");
	write_file(
	        "go/bench_test.go",
	        "package pwbench\n"
	        "import \"testing\"\n"
	        "var sink int\n"
	        "// a chain of multiplications the compiler cannot shorten\n"
	        "func work(n int) {\n"
	        "\tx := sink\n"
	        "\tfor i := 0; i < n; i++ { x = x*6364136223846793005 + i }\n"
	        "\tsink = x\n"
	        "}\n"
	        "func BenchmarkFast(b *testing.B) { for i := 0; i < b.N; i++ { work(100000) } }\n"
	        "func BenchmarkSlow(b *testing.B) {\n"
	        "\tb.SetBytes(64)\n"
	        "\tb.ReportAllocs()\n"
	        "\tfor i := 0; i < b.N; i++ { work(200000) }\n"
	        "\tb.ReportMetric(3.5, \"widgets/op\")\n"
	        "}\n"
	        "func BenchmarkSub(b *testing.B) {\n"
	        "\tb.Run(\"size=10\", func(b *testing.B) { for i := 0; i < b.N; i++ { work(10) } "
	        "})\n"
	        "}\n");
	until_slower(go_round, "go-bench");
}

static int go_round(void)
{
	struct harness_report r = HARNESS_REPORT_INIT;
	const struct harness_metric *m;
	int slower;

	run("go", "export HOME=\"$PWD/home\" GOCACHE=\"$PWD/gocache\" GOPATH=\"$PWD/gopath\" "
	          "GOPROXY=off GOFLAGS=-mod=mod GO111MODULE=on GOTOOLCHAIN=local && "
	          "go test -run '^$' -bench . -benchtime 50x -count 4 -cpu 1 >go.txt");
	parse_out(HARNESS_GO_BENCH, "go/go.txt", &r);

	assert_int_equal(r.nr, 3);
	assert_string_equal(r.cases[0].name, "BenchmarkFast");
	slower = reads_slower(time_samples(&r, "BenchmarkFast", 4),
	                      time_samples(&r, "BenchmarkSlow", 4));
	time_samples(&r, "BenchmarkSub/size=10", 4);
	m = metric(&r, "BenchmarkSlow", "MB/s");
	assert_int_equal(m->direction, HARNESS_HIGHER_IS_BETTER);
	assert_int_equal(m->nr, 4);
	m = metric(&r, "BenchmarkSlow", "allocs/op");
	assert_int_equal(m->direction, HARNESS_LOWER_IS_BETTER);
	assert_int_equal(m->nr, 4);
	m = metric(&r, "BenchmarkSlow", "B/op");
	assert_string_equal(m->unit, "B/op");
	m = metric(&r, "BenchmarkSlow", "widgets/op");
	assert_int_equal(m->direction, HARNESS_LOWER_IS_BETTER);
	assert_true(m->values[3] == 3.5);
	harness_report_release(&r);
	return slower;
}

/*
 * Catch2 v2's XML holds only a mean per benchmark, which one preemption on a
 * busy machine can swamp; so the program runs three times and the lowest
 * mean of each case is compared.
 */
static void test_harness__catch2_gives_its_mean_only(void **state)
{
	struct harness_report r = HARNESS_REPORT_INIT;
	const struct harness_metric *fast, *slow;
	double low[2] = {INFINITY, INFINITY};
	int status = -1;

	(void)state;
	require("test -f /usr/include/catch2/catch.hpp", "Catch2 v2 (catch2)");
	assert_true(fx.catch2_build > 0);
	assert_int_equal(waitpid(fx.catch2_build, &status, 0), fx.catch2_build);
	fx.catch2_build = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		run("catch2", "cat catch2.log; false");
	for (int round = 0; round < 3; round++) {
		run("catch2", "./catch2 -r xml -o catch2.xml --benchmark-samples 10 "
		              "--benchmark-resamples 100 --benchmark-warmup-time 1");
		parse_out(HARNESS_CATCH2, "catch2/catch2.xml", &r);

		assert_int_equal(r.nr, 2);
		assert_string_equal(r.cases[0].name, "fast 20000");
		assert_string_equal(r.cases[1].name, "slow <40000> & \"co\"");
		fast = &r.cases[0].metrics[0];
		slow = &r.cases[1].metrics[0];
		assert_string_equal(fast->name, "time");
		assert_string_equal(fast->unit, "ns");
		assert_int_equal(fast->direction, HARNESS_LOWER_IS_BETTER);
		assert_int_equal(fast->summary, 1);
		assert_int_equal(fast->nr, 1);
		assert_int_equal(slow->nr, 1);
		assert_true(fast->lower <= fast->values[0] && fast->values[0] <= fast->upper);
		assert_int_equal(metric(&r, "fast 20000", "standard_deviation")->direction,
		                 HARNESS_UNDIRECTED);
		low[0] = fmin(low[0], fast->values[0]);
		low[1] = fmin(low[1], slow->values[0]);
		harness_report_release(&r);
	}
	if (!(low[1] > 1.25 * low[0]))
		fail_msg("twice the work is not slower: %g ns against %g ns", low[1], low[0]);
}

/* ---- the generic forms ---- */

static void parse_ok(enum harness_format format, const char *text, struct harness_report *r)
{
	struct pw_error err = PW_ERROR_INIT;

	if (harness_parse(format, text, strlen(text), "in.txt", r, &err))
		fail_msg("%s", pw_error_message(&err));
	pw_error_release(&err);
}

static void test_harness__json_form_reads_samples_values_and_units(void **state)
{
	struct harness_report r = HARNESS_REPORT_INIT;
	const struct harness_case *c;
	const struct harness_metric *m;

	(void)state;
	parse_ok(HARNESS_JSON,
	         "{\"parse/small\": {\"latency\": {\"samples\": [1.5, 1.25, 2], \"unit\": \"ms\"},"
	         " \"throughput\": {\"value\": 8.5e5, \"lower_value\": 8e5, \"upper_value\": 9e5},"
	         " \"a-size\": {\"value\": 12, \"unit\": \"KiB\"}},"
	         " \"encode\": {\"speed\": {\"samples\": [400, 410], \"unit\": \"MB/s\","
	         " \"direction\": \"higher\"}}}",
	         &r);
	assert_int_equal(r.nr, 2);
	c = &r.cases[0];
	assert_string_equal(c->name, "parse/small");
	assert_int_equal(c->metrics_nr, 3);
	m = &c->metrics[0]; /* the first measure is the primary one, whatever its name */
	assert_string_equal(m->name, "latency");
	assert_string_equal(m->unit, "ns");
	assert_int_equal(m->nr, 3);
	assert_true(m->values[1] == 1.25e6);
	assert_int_equal(m->summary, 0);
	m = &c->metrics[1];
	assert_string_equal(m->name, "throughput");
	assert_string_equal(m->unit, "ops/s");
	assert_int_equal(m->direction, HARNESS_HIGHER_IS_BETTER);
	assert_int_equal(m->summary, 1);
	assert_true(m->lower == 8e5 && m->upper == 9e5);
	m = &c->metrics[2];
	assert_string_equal(m->name, "a-size");
	assert_string_equal(m->unit, "KiB");
	assert_int_equal(m->direction, HARNESS_LOWER_IS_BETTER);
	m = metric(&r, "encode", "speed");
	assert_int_equal(m->direction, HARNESS_HIGHER_IS_BETTER);
	assert_int_equal(m->nr, 2);
	harness_report_release(&r);
}

static void test_harness__lines_form_repeats_are_samples(void **state)
{
	struct harness_report r = HARNESS_REPORT_INIT;
	const struct harness_metric *m;

	(void)state;
	parse_ok(HARNESS_LINES,
	         "# a comment\n"
	         "parse/small 1210.5 ns\n"
	         "\n"
	         "encode 412 MB/s higher\n"
	         "parse/small 1.5 us\n"
	         "count 7\n"
	         "ratio 0.5 higher\n"
	         "encode 420 MB/s higher",
	         &r);
	assert_int_equal(r.nr, 4);
	m = metric(&r, "parse/small", "value");
	assert_int_equal(m->nr, 2);
	assert_string_equal(m->unit, "ns");
	assert_true(m->values[1] == 1500);
	m = metric(&r, "encode", "value");
	assert_int_equal(m->nr, 2);
	assert_int_equal(m->direction, HARNESS_HIGHER_IS_BETTER);
	assert_string_equal(m->unit, "MB/s");
	assert_string_equal(metric(&r, "count", "value")->unit, "");
	assert_int_equal(metric(&r, "ratio", "value")->direction, HARNESS_HIGHER_IS_BETTER);
	harness_report_release(&r);
}

static void test_harness__names_are_made_safe(void **state)
{
	struct harness_report r = HARNESS_REPORT_INIT;
	struct strbuf in = STRBUF_INIT, longa = STRBUF_INIT, longb = STRBUF_INIT;

	(void)state;
	for (int i = 0; i < 300; i++)
		strbuf_addch(&longa, 'x');
	strbuf_addstr(&longb, longa.buf);
	strbuf_addstr(&longa, "a");
	strbuf_addstr(&longb, "b");
	strbuf_addf(&in,
	            "{\"  tab\\there\\u0001/ctl \": {\"t\": {\"value\": 1}},"
	            " \"%s\": {\"t\": {\"value\": 2}}, \"%s\": {\"t\": {\"value\": 3}},"
	            " \"caf\\u00e9\\u0085\": {\"t\": {\"value\": 4}}}",
	            longa.buf, longb.buf);
	parse_ok(HARNESS_JSON, in.buf, &r);
	assert_int_equal(r.nr, 4);
	assert_string_equal(r.cases[0].name, "tab_here_/ctl");
	assert_int_equal(strlen(r.cases[1].name), HARNESS_MAX_NAME);
	assert_int_equal(strlen(r.cases[2].name), HARNESS_MAX_NAME);
	assert_string_not_equal(r.cases[1].name, r.cases[2].name); /* two long names, two cases */
	assert_int_equal(r.cases[1].name[HARNESS_MAX_NAME - 9], '~');
	assert_string_equal(r.cases[3].name, "caf\xc3\xa9_");
	harness_report_release(&r);

	parse_ok(HARNESS_LINES,
	         "a\x01\xff"
	         "b 1\n",
	         &r);
	assert_string_equal(r.cases[0].name, "a__b");
	harness_report_release(&r);
	strbuf_release(&in);
	strbuf_release(&longa);
	strbuf_release(&longb);
}

static void test_harness__format_names_round_trip(void **state)
{
	static const char *const names[] = {"google-benchmark",
	                                    "hyperfine",
	                                    "pytest-benchmark",
	                                    "go-bench",
	                                    "catch2",
	                                    "json",
	                                    "lines"};
	struct pw_error err = PW_ERROR_INIT;
	enum harness_format f;

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_int_equal(harness_format_parse(names[i], &f, &err), 0);
		assert_string_equal(harness_format_name(f), names[i]);
	}
	assert_int_equal(harness_format_parse("criterion", &f, &err), PW_EINVALID);
	assert_non_null(strstr(pw_error_message(&err), "unknown harness format 'criterion'"));
	assert_string_equal(harness_direction_name(HARNESS_HIGHER_IS_BETTER), "higher");
	pw_error_release(&err);
}

/* ---- bad input ---- */

static void expect_error(enum harness_format format, const char *data, size_t len, int code,
                         const char *needle)
{
	struct harness_report r = HARNESS_REPORT_INIT;
	struct pw_error err = PW_ERROR_INIT;
	int ret = harness_parse(format, data, len, "bad.out", &r, &err);

	if (ret != code || !strstr(pw_error_message(&err), needle))
		fail_msg("%s input %.60s: got %d '%s', expected %d with '%s'",
		         harness_format_name(format), data, ret, pw_error_message(&err), code,
		         needle);
	assert_int_equal(r.nr, 0);
	assert_null(r.cases);
	pw_error_release(&err);
}

static void bad(enum harness_format format, const char *text, const char *needle)
{
	expect_error(format, text, strlen(text), PW_EINVALID, needle);
}

#define GB_ROW "{\"name\": \"a\", \"run_type\": \"iteration\", \"time_unit\": \"ns\", "

static void test_harness__bad_input_gives_one_clear_error(void **state)
{
	(void)state;
	for (int f = HARNESS_GOOGLE_BENCHMARK; f <= HARNESS_LINES; f++)
		bad((enum harness_format)f, "", "'bad.out': ");

	bad(HARNESS_GOOGLE_BENCHMARK, "{\"benchmarks\": [{\"name\": \"a\"",
	    "'bad.out': not JSON: line 1 column");
	bad(HARNESS_GOOGLE_BENCHMARK, "{\"benchmarks\": {}}", "no 'benchmarks' array");
	bad(HARNESS_GOOGLE_BENCHMARK, "[1, 2]", "no 'benchmarks' array");
	bad(HARNESS_GOOGLE_BENCHMARK, "{\"benchmarks\": []}", "no benchmark results");
	bad(HARNESS_GOOGLE_BENCHMARK,
	    "{\"benchmarks\": [" GB_ROW "\"real_time\": \"fast\", \"cpu_time\": 1}]}",
	    "benchmarks[0]: 'real_time' must be a number");
	bad(HARNESS_GOOGLE_BENCHMARK,
	    "{\"benchmarks\": [" GB_ROW "\"real_time\": 1}, " GB_ROW "\"real_time\": -1, "
	    "\"cpu_time\": 1}]}",
	    "benchmarks[0]: 'cpu_time' must be a number");
	bad(HARNESS_GOOGLE_BENCHMARK,
	    "{\"benchmarks\": [{\"name\": \"a\", \"time_unit\": \"ps\", \"real_time\": 1, "
	    "\"cpu_time\": 1}]}",
	    "'time_unit' must be ns, us, ms or s");
	bad(HARNESS_GOOGLE_BENCHMARK, "{\"benchmarks\": [{\"name\": 5}]}",
	    "benchmarks[0]: 'name' must be a string");
	bad(HARNESS_GOOGLE_BENCHMARK, "{\"benchmarks\": [{\"run_name\": \" \"}]}",
	    "a case has an empty name");
	expect_error(HARNESS_GOOGLE_BENCHMARK,
	             "{\"benchmarks\": [" GB_ROW "\"error_occurred\": true, \"error_message\": "
	             "\"boom\"}]}",
	             strlen("{\"benchmarks\": [" GB_ROW
	                    "\"error_occurred\": true, \"error_message\": "
	                    "\"boom\"}]}"),
	             PW_ERROR, "benchmark 'a' failed: boom");

	bad(HARNESS_HYPERFINE, "{\"results\": [{\"command\": \"x\", \"times\": []}]}",
	    "results[0]: 'times' is empty");
	bad(HARNESS_HYPERFINE, "{\"results\": [{\"command\": \"x\", \"times\": [0.1, \"a\"]}]}",
	    "results[0]: 'times[1]' must be a number");
	bad(HARNESS_HYPERFINE, "{\"results\": [{\"command\": \"x\", \"times\": [-0.1]}]}",
	    "case 'x': 'time' is a negative time");
	bad(HARNESS_HYPERFINE,
	    "{\"results\": [{\"command\": \"x\", \"times\": [1], \"user\": 1},"
	    " {\"command\": \"x\", \"times\": [1], \"user\": 1}]}",
	    "case 'x' is reported twice");

	bad(HARNESS_PYTEST_BENCHMARK, "{\"benchmarks\": [{\"fullname\": \"t.py::a\"}]}",
	    "benchmarks[0]: 'stats' must be an object");
	bad(HARNESS_PYTEST_BENCHMARK,
	    "{\"benchmarks\": [{\"fullname\": \"t.py::a\", \"stats\": {\"data\": 3}}]}",
	    "'stats.data' must be an array");

	bad(HARNESS_JSON, "[]", "the top must be an object of cases");
	bad(HARNESS_JSON, "{\"a\": 1}", "case 'a': must be an object of measures");
	bad(HARNESS_JSON, "{\"a\": {\"t\": {\"vaule\": 1}}}", "unknown key 'vaule'");
	bad(HARNESS_JSON, "{\"a\": {\"t\": {\"unit\": \"ns\"}}}", "neither 'samples' nor 'value'");
	bad(HARNESS_JSON, "{\"a\": {\"t\": {\"value\": 1, \"direction\": \"up\"}}}",
	    "'direction' must be \"lower\" or \"higher\"");
	bad(HARNESS_JSON, "{\"a\": {\"t\": {\"samples\": [1, null]}}}",
	    "case 'a': measure 't': 'samples[1]' must be a number");
	bad(HARNESS_JSON, "{\"a\": {\"t\": {\"value\": 1}}, \"a\": {\"t\": {\"value\": 2}}}",
	    "duplicate object key");

	bad(HARNESS_LINES, "a fast\n", "line 1: 'fast' is not a number");
	bad(HARNESS_LINES, "a 1\nb nan\n", "line 2: 'nan' is not a number");
	bad(HARNESS_LINES, "a 1e999\n", "'1e999' is not a number");
	bad(HARNESS_LINES, "a 1 ns sideways\n",
	    "line 1: expected 'NAME VALUE [UNIT] [higher|lower]'");
	bad(HARNESS_LINES, "lonely\n", "line 1: expected");
	bad(HARNESS_LINES, "a 1 ns\na 2 B\n",
	    "'bad.out': line 2: case 'a': 'value' given as ns, lower-is-better before");
	bad(HARNESS_LINES, "# only a comment\n", "no benchmark results in lines format");
	expect_error(HARNESS_LINES, "a 1\0b 2\n", 8, PW_EINVALID, "not text (a NUL byte)");

	bad(HARNESS_GO_BENCH, "PASS\nok  \tpwbench\t0.1s\n", "no benchmark results in go-bench");
	bad(HARNESS_GO_BENCH, "BenchmarkX 100 12 ns/op 5\n", "line 1: a result of 'BenchmarkX'");
	bad(HARNESS_GO_BENCH, "goos: linux\nBenchmarkX 100 abc ns/op\n",
	    "line 2: 'abc' is not a number");
	bad(HARNESS_GO_BENCH, "BenchmarkX 100 12 B/op\n", "'BenchmarkX' has no ns/op");
	bad(HARNESS_GO_BENCH, "pkg: a\nBenchmarkX 100 12 ns/op\npkg: b\nBenchmarkX 100 12 ns/op\n",
	    "line 4: 'BenchmarkX' is in packages 'a' and 'b'");

	bad(HARNESS_CATCH2, "<Foo/>", "not Catch2's XML");
	bad(HARNESS_CATCH2, "just text", "no XML element");
	bad(HARNESS_CATCH2,
	    "<?xml version=\"1.0\"?>\n<Catch name=\"t\">\n<Group name=\"t\">\n"
	    "<BenchmarkResults name=\"a\" samples=\"5\">\n<mean value=\"1\"/>\n",
	    "line 6: the input ends inside <BenchmarkResults> (truncated?)");
	bad(HARNESS_CATCH2, "<Catch><Group></Catch>", "a closing tag that matches no open one");
	bad(HARNESS_CATCH2, "<Catch><BenchmarkResults name=\"a\"></BenchmarkResults></Catch>",
	    "a <BenchmarkResults> without <mean>");
	bad(HARNESS_CATCH2, "<Catch><BenchmarkResults name=\"a\"><mean value=\"x\"/>",
	    "<mean> in benchmark 'a' needs a number in 'value'");
	bad(HARNESS_CATCH2, "<Catch><BenchmarkResults name=\"a &bogus;\">", "an unknown entity");
	bad(HARNESS_CATCH2, "<Catch><BenchmarkResults name=a>",
	    "an attribute value without quotes");
	bad(HARNESS_CATCH2, "<Catch><!-- never closed", "an unterminated comment");
	expect_error(HARNESS_CATCH2,
	             "<Catch><BenchmarkResults name=\"a\"><failed message=\"threw\"/>"
	             "</BenchmarkResults></Catch>",
	             strlen("<Catch><BenchmarkResults name=\"a\"><failed message=\"threw\"/>"
	                    "</BenchmarkResults></Catch>"),
	             PW_ERROR, "benchmark 'a' failed: threw");
}

/*
 * Catch2's XML is read by expat: malformed XML is named with its line, a DOCTYPE
 * (and so any entity, the billion laughs included) is refused before anything
 * is expanded, and attribute values are bounded.
 */
static void test_harness__catch2_xml_is_read_strictly(void **state)
{
	static const char laughs[] =
	        "<?xml version=\"1.0\"?>\n"
	        "<!DOCTYPE Catch [\n"
	        " <!ENTITY a "
	        "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">\n"
	        " <!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
	        " <!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
	        " <!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n"
	        " <!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">\n"
	        " <!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">\n"
	        "]>\n"
	        "<Catch><BenchmarkResults name=\"&f;\"><mean value=\"1\"/></BenchmarkResults>"
	        "</Catch>\n";
	struct strbuf in = STRBUF_INIT;

	(void)state;
	bad(HARNESS_CATCH2, "<Catch>\n<Group name=\"t\">\n<mean value=\"1\" value=\"2\"/>\n",
	    "'bad.out': line 3: not well-formed XML at column 17: duplicate attribute");
	bad(HARNESS_CATCH2, "<Catch>\n<Group name=\"a<b\"/>\n</Catch>\n",
	    "'bad.out': line 2: not well-formed XML at column 15: not well-formed (invalid token)");
	bad(HARNESS_CATCH2, "<Catch></Catch>\n<Catch></Catch>\n",
	    "line 2: more after the end of the top element");
	bad(HARNESS_CATCH2, laughs, "'bad.out': line 2: a <!DOCTYPE> (Catch2's XML has none");
	bad(HARNESS_CATCH2, "<!DOCTYPE Catch SYSTEM \"file:///etc/passwd\"><Catch/>",
	    "line 1: a <!DOCTYPE>");

	strbuf_addstr(&in, "<Catch>\n<BenchmarkResults name=\"");
	for (int i = 0; i < 5000; i++)
		strbuf_addch(&in, 'a');
	strbuf_addstr(&in, "\">\n<mean value=\"1\"/>\n</BenchmarkResults>\n</Catch>\n");
	bad(HARNESS_CATCH2, in.buf,
	    "'bad.out': line 2: <BenchmarkResults>: attribute 'name' is over 4096 bytes");
	strbuf_release(&in);
}

static void test_harness__oversized_input_is_refused(void **state)
{
	struct strbuf in = STRBUF_INIT;
	char *huge;

	(void)state;
	for (int i = 0; i <= HARNESS_MAX_CASES; i++)
		strbuf_addf(&in, "case%d 1\n", i);
	bad(HARNESS_LINES, in.buf, "more than 1000 cases");

	strbuf_reset(&in);
	strbuf_addstr(&in, "{\"a\": {\"t\": {\"samples\": [1");
	for (int i = 0; i < HARNESS_MAX_SAMPLES; i++)
		strbuf_addstr(&in, ",1");
	strbuf_addstr(&in, "]}}}");
	bad(HARNESS_JSON, in.buf, "more than 100000 values in 'samples'");

	strbuf_reset(&in);
	for (int i = 0; i <= HARNESS_MAX_SAMPLES; i++)
		strbuf_addstr(&in, "BenchmarkX 1 2 ns/op\n");
	bad(HARNESS_GO_BENCH, in.buf, "more than 100000 values of 'time'");

	strbuf_reset(&in);
	strbuf_addstr(&in, "{\"a\": {");
	for (int i = 0; i <= HARNESS_MAX_METRICS; i++)
		strbuf_addf(&in, "%s\"m%d\": {\"value\": 1}", i ? ", " : "", i);
	strbuf_addstr(&in, "}}");
	bad(HARNESS_JSON, in.buf, "case 'a' has more than 32 metrics");

	huge = calloc(1, (size_t)HARNESS_MAX_INPUT + 1);
	assert_non_null(huge);
	expect_error(HARNESS_JSON, huge, (size_t)HARNESS_MAX_INPUT + 1, PW_EINVALID,
	             "over 64 MiB of benchmark results");
	free(huge);
	strbuf_release(&in);
}

static void test_harness__unreadable_file_is_an_io_error(void **state)
{
	struct harness_report r = HARNESS_REPORT_INIT;
	struct pw_error err = PW_ERROR_INIT;

	(void)state;
	assert_int_equal(harness_parse_file(HARNESS_JSON, "/nonexistent/out.json", &r, &err),
	                 PW_EIO);
	assert_non_null(strstr(pw_error_message(&err), "could not read '/nonexistent/out.json'"));
	pw_error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_harness__format_names_round_trip),
	        cmocka_unit_test(test_harness__json_form_reads_samples_values_and_units),
	        cmocka_unit_test(test_harness__lines_form_repeats_are_samples),
	        cmocka_unit_test(test_harness__names_are_made_safe),
	        cmocka_unit_test(test_harness__bad_input_gives_one_clear_error),
	        cmocka_unit_test(test_harness__catch2_xml_is_read_strictly),
	        cmocka_unit_test(test_harness__oversized_input_is_refused),
	        cmocka_unit_test(test_harness__unreadable_file_is_an_io_error),
	        cmocka_unit_test(test_harness__google_benchmark_keeps_every_repetition),
	        cmocka_unit_test(test_harness__hyperfine_keeps_every_run),
	        cmocka_unit_test(test_harness__pytest_benchmark_keeps_every_round),
	        cmocka_unit_test(test_harness__go_bench_keeps_every_count),
	        cmocka_unit_test(test_harness__catch2_gives_its_mean_only),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
