/*
 * Tests for runner/measure/starter: source trees made in a fresh temporary
 * directory, detected, written, and parsed back with the real spec parser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "checkout.h"
#include "paths.h"
#include "spec.h"
#include "starter.h"

static char tmpdir[] = "/tmp/pw-test-starter-XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return checkout_remove_tree(tmpdir, NULL);
}

/* Write `text` to <tmpdir>/<case>/<rel>, making directories. */
static void put(const char *name, const char *rel, const char *text)
{
	struct strbuf path = STRBUF_INIT, content = STRBUF_INIT;
	char *slash;

	strbuf_addf(&path, "%s/%s/%s", tmpdir, name, rel);
	slash = strrchr(path.buf, '/');
	*slash = '\0';
	assert_int_equal(paths_mkdir_p(path.buf, 0755), 0);
	*slash = '/';
	strbuf_addstr(&content, text);
	assert_int_equal(strbuf_write_file(&content, path.buf), 0);
	strbuf_release(&path);
	strbuf_release(&content);
}

/* Detect and write <tmpdir>/<name>; the parsed spec (the caller frees it). */
static struct spec *detect(const char *name, struct starter *st, struct strbuf *text)
{
	struct strbuf dir = STRBUF_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct spec *spec = NULL;

	strbuf_addf(&dir, "%s/%s", tmpdir, name);
	assert_int_equal(starter_detect(st, dir.buf, &err), 0);
	assert_int_equal(starter_write(st, text, &err), 0);
	assert_int_equal(spec_parse_buffer(&spec, text->buf, text->len, NULL, &err), 0);
	strbuf_release(&dir);
	pw_error_release(&err);
	return spec;
}

static void test_starter__values_with_comment_characters_survive_git_config(void **state)
{
	struct starter st = STARTER_INIT;
	struct strbuf text = STRBUF_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct spec *spec = NULL;

	(void)state;
	st.build_command = strdup("make; echo \"built # done\" \\ ok");
	st.benchmarks = calloc(1, sizeof(*st.benchmarks));
	st.nbenchmarks = st.alloc = 1;
	st.benchmarks[0].name = strdup("b");
	st.benchmarks[0].command = strdup("./run | cksum > \"$PERFWARDEN_OUTPUT\" # not a comment");
	assert_int_equal(starter_write(&st, &text, &err), 0);
	assert_int_equal(spec_parse_buffer(&spec, text.buf, text.len, NULL, &err), 0);
	assert_string_equal(spec->build_command, "make; echo \"built # done\" \\ ok");
	assert_string_equal(spec->benchmarks[0].command,
	                    "./run | cksum > \"$PERFWARDEN_OUTPUT\" # not a comment");
	assert_string_equal(spec->benchmarks[0].golden, "b");
	spec_free(spec);
	starter_release(&st);
	strbuf_release(&text);
	pw_error_release(&err);
}

static void test_starter__cmake_target_of_a_benchmark_source_in_a_subdirectory(void **state)
{
	struct starter st = STARTER_INIT;
	struct strbuf text = STRBUF_INIT;
	struct spec *spec;

	(void)state;
	put("cm", "CMakeLists.txt", "project(x)\nadd_subdirectory(perf)\n");
	put("cm", "perf/CMakeLists.txt",
	    "add_executable(unrelated main.cc)\n"
	    "ADD_EXECUTABLE(perf_hash\n  ${CMAKE_CURRENT_SOURCE_DIR}/hash_bench.cpp)\n");
	put("cm", "perf/hash_bench.cpp", "#include \"benchmark/benchmark.h\"\nBENCHMARK_MAIN();\n");
	put("cm", "build/ignored/other_bench.cc", "#include <benchmark/benchmark.h>\n");
	put("cm", "src/main.cc", "int main() { return 0; }\n");
	spec = detect("cm", &st, &text);
	assert_string_equal(st.build_system, "CMake");
	assert_int_equal(spec->nbenchmarks, 1); /* build/ is an output, not a source */
	assert_string_equal(spec->benchmarks[0].name, "perf_hash");
	assert_string_equal(spec->benchmarks[0].command,
	                    "build/perf/perf_hash --benchmark_out=$PERFWARDEN_OUTPUT "
	                    "--benchmark_out_format=json");
	assert_string_equal(st.benchmarks[0].format, "google-benchmark");
	spec_free(spec);
	starter_release(&st);
	strbuf_release(&text);
}

static void test_starter__go_packages_and_pytest_files_that_benchmark(void **state)
{
	struct starter st = STARTER_INIT;
	struct strbuf text = STRBUF_INIT;
	struct spec *spec;

	(void)state;
	put("gopy", "go.mod", "module m\n");
	put("gopy", "a/a_test.go",
	    "package a\nimport \"testing\"\nfunc BenchmarkA(b *testing.B) {}\n");
	put("gopy", "b/b_test.go", "package b\nimport \"testing\"\nfunc TestB(t *testing.T) {}\n");
	put("gopy", "a/more_test.go",
	    "package a\nimport \"testing\"\nfunc BenchmarkC(b *testing.B) {}\n");
	put("gopy", "tests/test_x.py", "def test_x(benchmark_data):\n    pass\n");
	put("gopy", "tests/test_y.py",
	    "def test_y(tmp_path, benchmark):\n    benchmark(len, 'x')\n");
	spec = detect("gopy", &st, &text);
	assert_string_equal(st.build_command, "go build ./...");
	assert_int_equal(spec->nbenchmarks, 2);
	assert_string_equal(spec->benchmarks[0].name, "pytest");
	assert_non_null(strstr(spec->benchmarks[0].command, " tests/test_y.py"));
	assert_null(strstr(spec->benchmarks[0].command, "test_x.py"));
	assert_string_equal(spec->benchmarks[1].name, "go-bench");
	assert_string_equal(spec->benchmarks[1].command,
	                    "go test -run '^$' -bench . -benchmem ./a > \"$PERFWARDEN_OUTPUT\"");
	spec_free(spec);
	starter_release(&st);
	strbuf_release(&text);
}

static void test_starter__catch2_hyperfine_and_criterion(void **state)
{
	struct starter st = STARTER_INIT;
	struct strbuf text = STRBUF_INIT;
	struct spec *spec;
	const struct spec_benchmark *b;

	(void)state;
	/* Catch2: its BENCHMARK is not Google Benchmark's; its XML report on stdout */
	put("c2", "CMakeLists.txt", "project(x)\nadd_executable(perf_tests tests/perf.cpp)\n");
	put("c2", "tests/perf.cpp",
	    "#define CATCH_CONFIG_ENABLE_BENCHMARKING\n#include <catch2/catch.hpp>\n"
	    "TEST_CASE(\"p\") { BENCHMARK(\"sum\") { return 1 + 1; }; }\n");
	/* hyperfine in a script: its line, continued, with its own export replaced */
	put("c2", "scripts/bench.sh",
	    "#!/bin/sh\nset -e\n  hyperfine -N --warmup 2 \\\n    --export-json out/h.json "
	    "'./build/tool a' './build/tool b'\necho done\n");
	spec = detect("c2", &st, &text);
	assert_int_equal(spec->nbenchmarks, 2);
	b = spec_benchmark_find(spec, "perf_tests");
	assert_non_null(b);
	assert_string_equal(b->command, "build/perf_tests -r xml");
	assert_true(b->has_format && b->format == HARNESS_CATCH2);
	b = spec_benchmark_find(spec, "hyperfine");
	assert_non_null(b);
	assert_string_equal(b->command, "hyperfine -N --warmup 2 './build/tool a' "
	                                "'./build/tool b' --export-json \"$PERFWARDEN_OUTPUT\"");
	assert_true(b->has_format && b->format == HARNESS_HYPERFINE);
	assert_non_null(strstr(text.buf, "scripts/bench.sh runs it (line 3)"));
	spec_free(spec);
	starter_release(&st);
	strbuf_release(&text);

	/* Criterion: each bench target's bencher lines as perfwarden's `lines` */
	put("crit", "Cargo.toml",
	    "[package]\nname = \"p\"\n[dev-dependencies]\ncriterion = \"0.5\"\n"
	    "[[bench]]\nname = \"parse\"\nharness = false\n");
	put("crit", "benches/parse.rs", "use criterion::*;\n");
	spec = detect("crit", &st, &text);
	assert_int_equal(spec->nbenchmarks, 1);
	assert_string_equal(spec->benchmarks[0].name, "parse");
	assert_int_equal(strncmp(spec->benchmarks[0].command,
	                         "cargo bench --bench parse -- --output-format bencher | awk '",
	                         58),
	                 0);
	assert_non_null(strstr(spec->benchmarks[0].command, "> \"$PERFWARDEN_OUTPUT\""));
	assert_true(spec->benchmarks[0].has_format && spec->benchmarks[0].format == HARNESS_LINES);
	assert_non_null(strstr(text.buf, "Criterion (Cargo.toml names it): benches/parse.rs"));
	spec_free(spec);
	starter_release(&st);
	strbuf_release(&text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_starter__values_with_comment_characters_survive_git_config),
	        cmocka_unit_test(
	                test_starter__cmake_target_of_a_benchmark_source_in_a_subdirectory),
	        cmocka_unit_test(test_starter__go_packages_and_pytest_files_that_benchmark),
	        cmocka_unit_test(test_starter__catch2_hyperfine_and_criterion),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
