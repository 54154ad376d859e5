/*
 * Tests for runner/measure/spec: `.perfwarden` files written into a fresh temporary
 * directory and parsed by the real libgit2 config parser; the error
 * messages are asserted word for word because users read them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "checkout.h"
#include "spec.h"

static char tmpdir[] = "/tmp/pw-test-spec-XXXXXX";

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

/* Write `text` as <tmpdir>/.perfwarden and parse it; the spec or NULL. */
static struct spec *parse_text(const char *text, struct pw_error *err, int *code)
{
	struct strbuf path = STRBUF_INIT, content = STRBUF_INIT;
	struct spec *spec = NULL;
	int ret;

	strbuf_addf(&path, "%s/.perfwarden", tmpdir);
	strbuf_addstr(&content, text);
	assert_int_equal(strbuf_write_file(&content, path.buf), 0);
	ret = spec_parse_file(&spec, path.buf, ".perfwarden", err);
	if (code)
		*code = ret;
	if (ret < 0)
		assert_null(spec);
	strbuf_release(&path);
	strbuf_release(&content);
	return spec;
}

static void expect_error(const char *text, const char *message)
{
	struct pw_error err = PW_ERROR_INIT;
	int code = 0;
	struct spec *spec = parse_text(text, &err, &code);

	assert_null(spec);
	assert_int_equal(code, PW_EINVALID);
	assert_string_equal(pw_error_message(&err), message);
	pw_error_release(&err);
}

#define MINIMAL                                                                                    \
	"[build]\n\tcommand = make\n[benchmark \"julia\"]\n\tcommand = ./julia\n\tgolden = "       \
	"julia-1000x300\n"

static void test_spec__full_spec_is_read(void **state)
{
	struct pw_error err = PW_ERROR_INIT;
	struct spec *spec;
	const struct spec_benchmark *b;

	(void)state;
	spec = parse_text("# perfwarden watches its kernel\n"
	                  "[build]\n"
	                  "\tcommand = cmake -S . -B build && cmake --build build\n"
	                  "\ttimeout = 900\n"
	                  "[benchmark \"julia\"]\n"
	                  "\tcommand = build/kernel/julia --width 1000 --iterations 300\n"
	                  "\tgolden = julia-1000x300\n"
	                  "\toutput = out/julia.txt\n"
	                  "\trepeat = 21\n"
	                  "\twarmup = 3\n"
	                  "\ttimeout = 90\n"
	                  "\tthreshold = 3%\n"
	                  "\ttolerance = 1e-9\n"
	                  "\tmax-repeat = 80\n",
	                  &err, NULL);
	assert_non_null(spec);
	assert_string_equal(spec->build_command, "cmake -S . -B build && cmake --build build");
	assert_int_equal(spec->build_timeout_ms, 900000);
	assert_int_equal(spec->nbenchmarks, 1);
	b = spec_benchmark_find(spec, "julia");
	assert_ptr_equal(b, &spec->benchmarks[0]);
	assert_string_equal(b->command, "build/kernel/julia --width 1000 --iterations 300");
	assert_string_equal(b->golden, "julia-1000x300");
	assert_string_equal(b->output, "out/julia.txt");
	assert_int_equal(b->repeat, 21);
	assert_int_equal(b->warmup, 3);
	assert_int_equal(b->timeout_ms, 90000);
	assert_true(b->threshold > 0.0299999 && b->threshold < 0.0300001);
	assert_true(b->tolerance > 0.9e-9 && b->tolerance < 1.1e-9);
	assert_int_equal(b->max_repeat, 80);
	assert_null(spec_benchmark_find(spec, "mandelbrot"));
	assert_int_equal(strlen(spec->hash), 40);
	spec_free(spec);
	pw_error_release(&err);
}

static void test_spec__defaults_are_filled_in(void **state)
{
	struct pw_error err = PW_ERROR_INIT;
	struct spec *spec = parse_text(MINIMAL, &err, NULL);
	const struct spec_benchmark *b;

	(void)state;
	assert_non_null(spec);
	assert_int_equal(spec->build_timeout_ms, 600000);
	b = &spec->benchmarks[0];
	assert_null(b->output);
	assert_int_equal(b->repeat, 15);
	assert_int_equal(b->warmup, 2);
	assert_int_equal(b->timeout_ms, 60000);
	assert_true(b->threshold > 0.0199999 && b->threshold < 0.0200001);
	assert_true(b->tolerance == 0.0);
	assert_int_equal(b->max_repeat, 40);
	spec_free(spec);
}

static void test_spec__benchmarks_keep_file_order(void **state)
{
	struct pw_error err = PW_ERROR_INIT;
	struct spec *spec;

	(void)state;
	spec = parse_text("[build]\n\tcommand = true\n"
	                  "[benchmark \"zeta\"]\n\tcommand = ./z\n\tgolden = z\n"
	                  "[benchmark \"alpha\"]\n\tcommand = ./a\n\tgolden = a\n\trepeat = 100\n"
	                  "[benchmark \"Mid.1\"]\n\tcommand = ./m\n\tgolden = m\n",
	                  &err, NULL);
	assert_non_null(spec);
	assert_int_equal(spec->nbenchmarks, 3);
	assert_string_equal(spec->benchmarks[0].name, "zeta");
	assert_string_equal(spec->benchmarks[1].name, "alpha");
	assert_string_equal(spec->benchmarks[2].name, "Mid.1");
	assert_string_equal(spec->benchmarks[2].command, "./m");
	/* max-repeat never falls below repeat when left to its default */
	assert_int_equal(spec->benchmarks[1].max_repeat, 100);
	spec_free(spec);
}

static void test_spec__threshold_accepts_percent_and_fraction(void **state)
{
	struct pw_error err = PW_ERROR_INIT;
	struct spec *a, *b;

	(void)state;
	a = parse_text(MINIMAL "\tthreshold = 2%\n", &err, NULL);
	b = parse_text(MINIMAL "\tthreshold = 0.05\n", &err, NULL);
	assert_non_null(a);
	assert_non_null(b);
	assert_true(a->benchmarks[0].threshold > 0.0199999 &&
	            a->benchmarks[0].threshold < 0.0200001);
	assert_true(b->benchmarks[0].threshold > 0.0499999 &&
	            b->benchmarks[0].threshold < 0.0500001);
	assert_string_not_equal(a->hash, b->hash);
	spec_free(a);
	spec_free(b);
	expect_error(MINIMAL "\tthreshold = 2\n",
	             ".perfwarden: benchmark \"julia\": threshold must be a percentage or a "
	             "fraction below 1, got '2' (did you mean '2%'?)");
	expect_error(MINIMAL "\tthreshold = -1%\n",
	             ".perfwarden: benchmark \"julia\": threshold must be a percentage (2%) or a "
	             "fraction (0.02), got '-1%'");
}

#define HARNESS_ONLY                                                                               \
	"[build]\n\tcommand = make\n[benchmark \"gb\"]\n\tcommand = ./bench "                      \
	"--benchmark_format=json\n\tformat = google-benchmark\n"

static void test_spec__harness_keys_are_read(void **state)
{
	struct pw_error err = PW_ERROR_INIT;
	struct spec *spec;
	const struct spec_benchmark *b;

	(void)state;
	spec = parse_text(HARNESS_ONLY "\tsetup = make input.bin\n\tmetric = cpu_time\n"
	                               "\tmemory-threshold = 25%\n",
	                  &err, NULL);
	assert_non_null(spec);
	b = &spec->benchmarks[0];
	assert_true(b->has_format);
	assert_int_equal(b->format, HARNESS_GOOGLE_BENCHMARK);
	/* a harness benchmark needs no golden set: nothing verifies its timings */
	assert_null(b->golden);
	assert_string_equal(b->setup, "make input.bin");
	assert_string_equal(b->metric, "cpu_time");
	assert_true(b->memory_threshold > 0.2499999 && b->memory_threshold < 0.2500001);
	spec_free(spec);
}

static void test_spec__new_keys_have_defaults_and_keep_old_hashes(void **state)
{
	struct pw_error err = PW_ERROR_INIT;
	struct spec *plain, *same, *off;
	struct strbuf text = STRBUF_INIT;

	(void)state;
	plain = parse_text(MINIMAL, &err, NULL);
	same = parse_text(MINIMAL "\tmemory-threshold = 0.1\n", &err, NULL);
	off = parse_text(MINIMAL "\tmemory-threshold = off\n", &err, NULL);
	assert_non_null(plain);
	assert_non_null(same);
	assert_non_null(off);
	assert_false(plain->benchmarks[0].has_format);
	assert_null(plain->benchmarks[0].setup);
	assert_null(plain->benchmarks[0].metric);
	assert_true(plain->benchmarks[0].memory_threshold > 0.0999999 &&
	            plain->benchmarks[0].memory_threshold < 0.1000001);
	assert_true(off->benchmarks[0].memory_threshold == 0.0);
	/* the default written out or left out is one spec; a spec of before has its old text */
	assert_string_equal(plain->hash, same->hash);
	assert_string_not_equal(plain->hash, off->hash);
	spec_write(plain, &text);
	assert_null(strstr(text.buf, "memory-threshold"));
	assert_null(strstr(text.buf, "format"));
	strbuf_reset(&text);
	spec_write(off, &text);
	assert_non_null(strstr(text.buf, "\tmemory-threshold = off\n"));
	strbuf_release(&text);
	spec_free(plain);
	spec_free(same);
	spec_free(off);
}

static void test_spec__harness_spec_round_trips(void **state)
{
	struct pw_error err = PW_ERROR_INIT;
	struct spec *a, *b;
	struct strbuf text = STRBUF_INIT;

	(void)state;
	a = parse_text(HARNESS_ONLY "\tsetup = \"head -c 1000 /dev/zero > in; echo ok\"\n"
	                            "\tmetric = items_per_second\n",
	               &err, NULL);
	assert_non_null(a);
	spec_write(a, &text);
	assert_int_equal(spec_parse_buffer(&b, text.buf, text.len, NULL, &err), 0);
	assert_string_equal(a->hash, b->hash);
	assert_string_equal(b->benchmarks[0].setup, "head -c 1000 /dev/zero > in; echo ok");
	assert_int_equal(b->benchmarks[0].format, HARNESS_GOOGLE_BENCHMARK);
	assert_string_equal(b->benchmarks[0].metric, "items_per_second");
	strbuf_release(&text);
	spec_free(a);
	spec_free(b);
}

/* A threshold of 100% or more (only a percentage can say it) writes out as one and parses back. */
static void test_spec__thresholds_of_a_whole_or_more_round_trip(void **state)
{
	struct pw_error err = PW_ERROR_INIT;
	struct spec *a, *b;
	struct strbuf text = STRBUF_INIT;

	(void)state;
	a = parse_text(HARNESS_ONLY "\tthreshold = 500%\n\tmemory-threshold = 150%\n", &err, NULL);
	assert_non_null(a);
	spec_write(a, &text);
	if (spec_parse_buffer(&b, text.buf, text.len, NULL, &err) < 0)
		fail_msg("the written spec does not parse: %s\n%s", pw_error_message(&err),
		         text.buf);
	assert_string_equal(a->hash, b->hash);
	assert_true(b->benchmarks[0].threshold == 5);
	assert_true(b->benchmarks[0].memory_threshold == 1.5);
	strbuf_release(&text);
	spec_free(a);
	spec_free(b);
	pw_error_release(&err);
}

static void test_spec__bad_harness_keys_are_refused(void **state)
{
	(void)state;
	expect_error(MINIMAL "\tformat = junit\n",
	             ".perfwarden: benchmark \"julia\": format must be one of google-benchmark, "
	             "hyperfine, pytest-benchmark, go-bench, catch2, json, lines; got 'junit'");
	expect_error(MINIMAL "\tmetric = memory\n",
	             ".perfwarden: benchmark \"julia\": metric must be wall, cpu or instructions "
	             "(or, with a format, a metric its harness reports), got 'memory'");
	expect_error(HARNESS_ONLY "\tmetric = \"cpu time\"\n",
	             ".perfwarden: benchmark \"gb\": metric must be one word (wall, cpu, "
	             "instructions), got 'cpu time'");
	expect_error(MINIMAL "\tmemory-threshold = lots\n",
	             ".perfwarden: benchmark \"julia\": memory-threshold must be a percentage "
	             "(10%), a fraction (0.1) or 'off', got 'lots'");
	expect_error(MINIMAL "\tmemory-threshold = 10\n",
	             ".perfwarden: benchmark \"julia\": memory-threshold must be a percentage "
	             "(10%), a fraction (0.1) or 'off', got '10'");
	expect_error(MINIMAL "\tsetup =\n", ".perfwarden: benchmark \"julia\": setup must not "
	                                    "be empty");
	expect_error(MINIMAL "\tformat = json\n\tformat = lines\n",
	             ".perfwarden: benchmark \"julia\": format is given twice");
}

#define PARAMS_SPEC                                                                                \
	"[build]\n\tcommand = make\n"                                                              \
	"[benchmark \"scale\"]\n"                                                                  \
	"\tcommand = ./scale --width ${width} --depth ${depth} --home ${HOME}\n"                   \
	"\tgolden = scale-${width}x${depth}\n"                                                     \
	"\tsetup = make input-${width}\n"                                                          \
	"\tparams = width: 100, 1000\n"                                                            \
	"\tparams = depth:1,2,3\n"                                                                 \
	"[benchmark \"plain\"]\n\tcommand = ./plain ${width}\n"

static void test_spec__params_make_one_benchmark_per_combination(void **state)
{
	struct pw_error err = PW_ERROR_INIT;
	struct spec *spec = parse_text(PARAMS_SPEC, &err, NULL);
	static const char *const names[] = {"scale@width=100,depth=1",
	                                    "scale@width=100,depth=2",
	                                    "scale@width=100,depth=3",
	                                    "scale@width=1000,depth=1",
	                                    "scale@width=1000,depth=2",
	                                    "scale@width=1000,depth=3",
	                                    "plain"};
	const struct spec_benchmark *b;
	size_t i;

	(void)state;
	assert_non_null(spec);
	/* as written */
	assert_int_equal(spec->ndeclared, 2);
	assert_string_equal(spec->declared[0].name, "scale");
	assert_int_equal(spec->declared[0].nparams, 2);
	assert_string_equal(spec->declared[0].params[0].name, "width");
	assert_int_equal(spec->declared[0].params[0].nvalues, 2);
	assert_string_equal(spec->declared[0].params[0].values[1], "1000");
	assert_int_equal(spec->declared[0].params[1].nvalues, 3);
	assert_null(spec->declared[0].family);
	/* every combination, the first line varying slowest, then the others */
	assert_int_equal(spec->nbenchmarks, 7);
	for (i = 0; i < 7; i++)
		assert_string_equal(spec->benchmarks[i].name, names[i]);
	b = spec_benchmark_find(spec, "scale@width=1000,depth=2");
	assert_non_null(b);
	assert_string_equal(b->family, "scale");
	assert_int_equal(b->nparams, 2);
	assert_int_equal(b->params[0].nvalues, 1);
	assert_string_equal(b->params[0].values[0], "1000");
	assert_string_equal(b->params[1].values[0], "2");
	/* ${NAME} of a parameter is replaced; any other ${...} is the shell's */
	assert_string_equal(b->command, "./scale --width 1000 --depth 2 --home ${HOME}");
	assert_string_equal(b->golden, "scale-1000x2");
	assert_string_equal(b->setup, "make input-1000");
	assert_int_equal(b->repeat, SPEC_DEFAULT_REPEAT);
	/* a benchmark without params is as written, ${width} and all */
	b = spec_benchmark_find(spec, "plain");
	assert_null(b->family);
	assert_int_equal(b->nparams, 0);
	assert_string_equal(b->command, "./plain ${width}");
	/* the family's name is not a benchmark; its combinations are its */
	assert_null(spec_benchmark_find(spec, "scale"));
	assert_true(spec_is_combination_of("scale@width=100,depth=1", "scale"));
	assert_false(spec_is_combination_of("scale@width=100,depth=1/BM_x", "scale"));
	assert_false(spec_is_combination_of("scale", "scale"));
	assert_false(spec_is_combination_of("scales@width=1", "scale"));
	spec_free(spec);
	pw_error_release(&err);
}

static void test_spec__params_round_trip_and_change_the_hash(void **state)
{
	struct pw_error err = PW_ERROR_INIT;
	struct spec *a, *b, *c;
	struct strbuf text = STRBUF_INIT;
	size_t i;

	(void)state;
	a = parse_text(PARAMS_SPEC, &err, NULL);
	assert_non_null(a);
	spec_write(a, &text);
	/* the canonical text is the spec as written: params lines, ${width} unreplaced */
	assert_non_null(strstr(text.buf, "\tparams = width: 100,1000\n\tparams = depth: 1,2,3\n"));
	assert_non_null(strstr(text.buf, "command = \"./scale --width ${width} --depth ${depth}"));
	assert_null(strstr(text.buf, "scale@"));
	assert_int_equal(spec_parse_buffer(&b, text.buf, text.len, NULL, &err), 0);
	assert_string_equal(a->hash, b->hash);
	assert_int_equal(b->nbenchmarks, a->nbenchmarks);
	for (i = 0; i < a->nbenchmarks; i++) {
		assert_string_equal(a->benchmarks[i].name, b->benchmarks[i].name);
		assert_string_equal(a->benchmarks[i].command, b->benchmarks[i].command);
	}
	/* another value is another spec */
	c = parse_text("[build]\n\tcommand = make\n[benchmark \"scale\"]\n"
	               "\tcommand = ./scale --width ${width}\n\tparams = width: 100,1000,10000\n",
	               &err, NULL);
	assert_non_null(c);
	assert_int_equal(c->nbenchmarks, 3);
	assert_string_not_equal(a->hash, c->hash);
	strbuf_release(&text);
	spec_free(a);
	spec_free(b);
	spec_free(c);
	pw_error_release(&err);
}

static void test_spec__a_spec_without_params_keeps_its_hash(void **state)
{
	struct pw_error err = PW_ERROR_INIT;
	struct spec *spec = parse_text(MINIMAL, &err, NULL);
	struct strbuf text = STRBUF_INIT;

	(void)state;
	assert_non_null(spec);
	assert_null(spec->declared);
	assert_int_equal(spec->ndeclared, 0);
	spec_write(spec, &text);
	assert_null(strstr(text.buf, "params"));
	strbuf_release(&text);
	spec_free(spec);
	pw_error_release(&err);
}

static void test_spec__bad_params_are_refused(void **state)
{
	(void)state;
	expect_error(MINIMAL "\tparams = 100,1000\n",
	             ".perfwarden: benchmark \"julia\": params must be NAME: VALUE,VALUE... (as "
	             "in 'width: 100,1000'), got '100,1000'");
	expect_error(MINIMAL "\tparams = 2d: 1,2\n",
	             ".perfwarden: benchmark \"julia\": params: '2d' is not a parameter name "
	             "(letters, digits and '_', not starting with a digit)");
	expect_error(MINIMAL "\tparams = the-width: 1,2\n",
	             ".perfwarden: benchmark \"julia\": params: 'the-width' is not a parameter "
	             "name (letters, digits and '_', not starting with a digit)");
	expect_error(MINIMAL "\tparams = width: 1,,2\n",
	             ".perfwarden: benchmark \"julia\": params: width: an empty value in '"
	             "width: 1,,2'");
	expect_error(MINIMAL "\tparams = width:\n",
	             ".perfwarden: benchmark \"julia\": params: width: an empty value in '"
	             "width:'");
	expect_error(MINIMAL "\tparams = mode: \"a b\"\n",
	             ".perfwarden: benchmark \"julia\": params: mode: 'a b' is not a value "
	             "(letters, digits, '.', '_', '+' and '-', at most 64 bytes)");
	expect_error(MINIMAL "\tparams = dir: a/b\n",
	             ".perfwarden: benchmark \"julia\": params: dir: 'a/b' is not a value "
	             "(letters, digits, '.', '_', '+' and '-', at most 64 bytes)");
	expect_error(MINIMAL "\tparams = width: 1,2,1\n",
	             ".perfwarden: benchmark \"julia\": params: width: value '1' is given twice");
	expect_error(MINIMAL "\tparams = width: 1\n\tparams = width: 2\n",
	             ".perfwarden: benchmark \"julia\": params: parameter 'width' is given twice");
	expect_error(MINIMAL "\tparams = width: 1\n\tparams = WIDTH: 2\n",
	             ".perfwarden: benchmark \"julia\": params: parameter 'WIDTH' is given twice "
	             "(names differ in case only)");
	expect_error("[build]\n\tcommand = make\n\tparams = width: 1\n[benchmark \"a\"]\n"
	             "\tcommand = ./a\n",
	             ".perfwarden: build: unknown key 'params'");
	/* 4 x 4 x 4 x 5 = 320 combinations */
	expect_error(MINIMAL "\tparams = a: 1,2,3,4\n\tparams = b: 1,2,3,4\n"
	                     "\tparams = c: 1,2,3,4\n\tparams = d: 1,2,3,4,5\n",
	             ".perfwarden: benchmark \"julia\": params: more than 256 combinations");
	/* what a value makes of golden and output is checked like a written one */
	expect_error("[build]\n\tcommand = make\n[benchmark \"a\"]\n\tcommand = ./a\n"
	             "\tgolden = ${v}\n\tparams = v: x,.hidden\n",
	             ".perfwarden: benchmark \"a@v=.hidden\": golden must be the name of a golden "
	             "set (no '/'), got '.hidden'");
	expect_error("[build]\n\tcommand = make\n[benchmark \"a\"]\n\tcommand = ./a\n"
	             "\toutput = ${v}/out.txt\n\tparams = v: x,..\n",
	             ".perfwarden: benchmark \"a@v=..\": output must be a path inside the "
	             "checkout, got '../out.txt'");
}

static void test_spec__bad_repeat_is_refused(void **state)
{
	(void)state;
	expect_error(MINIMAL "\trepeat = ten\n", ".perfwarden: benchmark \"julia\": repeat must "
	                                         "be a positive integer, got 'ten'");
	expect_error(MINIMAL "\trepeat = 0\n", ".perfwarden: benchmark \"julia\": repeat must be "
	                                       "a positive integer, got '0'");
	expect_error(MINIMAL "\trepeat = -3\n", ".perfwarden: benchmark \"julia\": repeat must "
	                                        "be a positive integer, got '-3'");
	expect_error(MINIMAL "\twarmup = -1\n", ".perfwarden: benchmark \"julia\": warmup must "
	                                        "be a non-negative integer, got '-1'");
	expect_error(MINIMAL "\trepeat = 20\n\tmax-repeat = 10\n",
	             ".perfwarden: benchmark \"julia\": max-repeat (10) must not be below repeat "
	             "(20)");
}

static void test_spec__bad_timeout_is_refused(void **state)
{
	struct pw_error err = PW_ERROR_INIT;
	struct spec *spec;

	(void)state;
	expect_error("[build]\n\tcommand = make\n\ttimeout = soon\n",
	             ".perfwarden: build: timeout must be a positive duration in seconds (60, "
	             "1.5s, 500ms, 10m), got 'soon'");
	expect_error(MINIMAL "\ttimeout = 0\n",
	             ".perfwarden: benchmark \"julia\": timeout must be a positive duration in "
	             "seconds (60, 1.5s, 500ms, 10m), got '0'");
	spec = parse_text(MINIMAL "\ttimeout = 1.5s\n", &err, NULL);
	assert_non_null(spec);
	assert_int_equal(spec->benchmarks[0].timeout_ms, 1500);
	spec_free(spec);
	spec = parse_text(MINIMAL "\ttimeout = 10m\n", &err, NULL);
	assert_non_null(spec);
	assert_int_equal(spec->benchmarks[0].timeout_ms, 600000);
	spec_free(spec);
}

static void test_spec__missing_parts_are_named(void **state)
{
	(void)state;
	expect_error("[build]\n\ttimeout = 60\n[benchmark \"julia\"]\n\tcommand = ./j\n\tgolden = "
	             "g\n",
	             ".perfwarden: build: command is missing");
	expect_error("[benchmark \"julia\"]\n\tcommand = ./j\n\tgolden = g\n",
	             ".perfwarden: no [build] section (write 'command = true' when nothing needs "
	             "building)");
	expect_error("[build]\n\tcommand = make\n[benchmark \"julia\"]\n\tgolden = g\n",
	             ".perfwarden: benchmark \"julia\": command is missing");
	expect_error(
	        "[build]\n\tcommand = make\n[benchmark \"julia\"]\n\tcommand = ./j\n\tverify = "
	        "digest\n",
	        ".perfwarden: benchmark \"julia\": verify = digest needs golden (the name of "
	        "its golden set)");
	expect_error("[build]\n\tcommand = make\n",
	             ".perfwarden: no benchmark: add a [benchmark \"NAME\"] section");
	expect_error("[build]\n\tcommand =\n", ".perfwarden: build: command must not be empty");
	expect_error("", ".perfwarden: no [build] section (write 'command = true' when nothing "
	                 "needs building)");
}

static void test_spec__verification_keys_are_read(void **state)
{
	struct pw_error err = PW_ERROR_INIT;
	struct strbuf text = STRBUF_INIT;
	struct spec *spec;
	char hash[CHECKOUT_HASH_HEX + 1];

	(void)state;
	spec = parse_text(MINIMAL, &err, NULL);
	assert_non_null(spec);
	assert_int_equal(spec->benchmarks[0].verify, VERIFY_GRID);
	assert_null(spec->benchmarks[0].test);
	assert_string_equal(spec_benchmark_verification(&spec->benchmarks[0]), "grid");
	memcpy(hash, spec->hash, sizeof(hash));
	spec_free(spec);

	spec = parse_text(MINIMAL "\tverify = grid\n", &err, NULL);
	assert_non_null(spec);
	assert_string_equal(spec->hash, hash); /* the default written out is the same spec */
	spec_free(spec);

	spec = parse_text(MINIMAL "\tverify = json\n\ttest = \"make check\"\n", &err, NULL);
	assert_non_null(spec);
	assert_int_equal(spec->benchmarks[0].verify, VERIFY_JSON);
	assert_string_equal(spec->benchmarks[0].test, "make check");
	assert_string_equal(spec_benchmark_verification(&spec->benchmarks[0]), "json+test");
	assert_string_not_equal(spec->hash, hash);
	spec_write(spec, &text);
	assert_non_null(strstr(text.buf, "\tverify = json\n\ttest = \"make check\"\n"));
	spec_free(spec);

	spec = parse_text("[build]\n\tcommand = make\n[benchmark \"t\"]\n\tcommand = ./t\n\ttest = "
	                  "./run-tests\n[benchmark \"u\"]\n\tcommand = ./u\n",
	                  &err, NULL);
	assert_non_null(spec);
	assert_null(spec->benchmarks[0].golden);
	assert_string_equal(spec_benchmark_verification(&spec->benchmarks[0]), "test");
	assert_string_equal(spec_benchmark_verification(&spec->benchmarks[1]), "unverified");
	spec_free(spec);

	expect_error(MINIMAL "\tverify = sha1\n",
	             ".perfwarden: benchmark \"julia\": verify must be grid, digest or json, got "
	             "'sha1'");
	expect_error(MINIMAL "\ttest =\n",
	             ".perfwarden: benchmark \"julia\": test must not be empty");
	strbuf_release(&text);
	pw_error_release(&err);
}

static void test_spec__unknown_keys_and_sections_are_refused(void **state)
{
	(void)state;
	expect_error(MINIMAL "\trepet = 10\n",
	             ".perfwarden: benchmark \"julia\": unknown key 'repet'");
	expect_error("[build]\n\tcommand = make\n\tgolden = x\n",
	             ".perfwarden: build: unknown key 'golden'");
	expect_error(MINIMAL "[bench \"x\"]\n\tcommand = y\n",
	             ".perfwarden: unknown section [bench \"x\"]");
	expect_error(MINIMAL "[include]\n\tpath = /etc/gitconfig\n",
	             ".perfwarden: unknown section [include]");
	expect_error(MINIMAL "\trepeat = 3\n\trepeat = 4\n",
	             ".perfwarden: benchmark \"julia\": repeat is given twice");
	expect_error("[build]\n\tcommand = make\n[benchmark]\n\tcommand = x\n",
	             ".perfwarden: [benchmark] needs a name, as in [benchmark \"julia\"]");
	expect_error(MINIMAL "\tgolden = ../secret\n",
	             ".perfwarden: benchmark \"julia\": golden is given twice");
	expect_error("[build]\n\tcommand = make\n[benchmark \"j\"]\n\tcommand = x\n\tgolden = "
	             "../secret\n",
	             ".perfwarden: benchmark \"j\": golden must be the name of a golden set (no "
	             "'/'), got '../secret'");
	expect_error("[build]\n\tcommand = make\n[benchmark \"j\"]\n\tcommand = x\n\tgolden = "
	             "g\n\toutput = ../../etc/passwd\n",
	             ".perfwarden: benchmark \"j\": output must be a path inside the checkout, got "
	             "'../../etc/passwd'");
}

static void test_spec__syntax_error_names_the_line(void **state)
{
	struct pw_error err = PW_ERROR_INIT;
	int code = 0;
	struct spec *spec;

	(void)state;
	spec = parse_text("[build]\n\tcommand = make\n[benchmark \"julia\"\n\tcommand = x\n", &err,
	                  &code);
	assert_null(spec);
	assert_int_equal(code, PW_EINVALID);
	/* the file is named as the user knows it, with the line number */
	assert_non_null(strstr(pw_error_message(&err), ".perfwarden:3"));
	assert_int_equal(strncmp(pw_error_message(&err), ".perfwarden: ", 13), 0);
	assert_null(strstr(pw_error_message(&err), tmpdir));
	pw_error_release(&err);
}

static void test_spec__missing_file_is_not_found(void **state)
{
	struct pw_error err = PW_ERROR_INIT;
	struct spec *spec = NULL;

	(void)state;
	assert_int_equal(spec_parse_file(&spec, "/nonexistent/.perfwarden", NULL, &err),
	                 PW_ENOTFOUND);
	assert_null(spec);
	assert_string_equal(pw_error_message(&err), "could not open '/nonexistent/.perfwarden': "
	                                            "No such file or directory");
	pw_error_release(&err);
}

static void test_spec__buffer_parses_like_a_file(void **state)
{
	static const char text[] = "[build]\n  command = make   # comment\n"
	                           "[benchmark \"julia\"]\n  command = \"./julia; echo\"\n"
	                           "  golden = julia-1000x300\n";
	struct pw_error err = PW_ERROR_INIT;
	struct spec *from_buf = NULL, *from_file;
	struct strbuf canon = STRBUF_INIT;
	int code = 0;

	(void)state;
	assert_int_equal(spec_parse_buffer(&from_buf, text, strlen(text), NULL, &err), 0);
	assert_string_equal(from_buf->build_command, "make");
	assert_string_equal(from_buf->benchmarks[0].command, "./julia; echo");
	/* the canonical text parses back to the same spec, with the same hash */
	spec_write(from_buf, &canon);
	from_file = parse_text(canon.buf, &err, &code);
	assert_non_null(from_file);
	assert_string_equal(from_file->hash, from_buf->hash);
	assert_string_equal(from_file->benchmarks[0].command, "./julia; echo");
	spec_free(from_file);
	spec_free(from_buf);
	strbuf_release(&canon);

	assert_int_equal(spec_parse_buffer(&from_buf, "[build\n", 7, NULL, &err), PW_EINVALID);
	assert_null(from_buf);
	assert_non_null(strstr(pw_error_message(&err), ".perfwarden:1"));
	pw_error_release(&err);
}

static void test_spec__project_spec_is_valid(void **state)
{
	struct pw_error err = PW_ERROR_INIT;
	struct strbuf path = STRBUF_INIT;
	const struct spec_benchmark *b;
	struct spec *spec = NULL;
	const char *src = getenv("PERFWARDEN_SOURCE");

	(void)state;
	strbuf_addf(&path, "%s/.perfwarden", src ? src : PERFWARDEN_SOURCE_DIR);
	assert_int_equal(spec_parse_file(&spec, path.buf, NULL, &err), 0);
	b = spec_benchmark_find(spec, "julia");
	assert_non_null(b);
	assert_string_equal(b->command, "build/kernel/julia --width 1000 --iterations 300");
	assert_string_equal(b->golden, "julia-1000x300");
	spec_free(spec);
	strbuf_release(&path);
	pw_error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_spec__full_spec_is_read),
	        cmocka_unit_test(test_spec__defaults_are_filled_in),
	        cmocka_unit_test(test_spec__benchmarks_keep_file_order),
	        cmocka_unit_test(test_spec__threshold_accepts_percent_and_fraction),
	        cmocka_unit_test(test_spec__harness_keys_are_read),
	        cmocka_unit_test(test_spec__new_keys_have_defaults_and_keep_old_hashes),
	        cmocka_unit_test(test_spec__harness_spec_round_trips),
	        cmocka_unit_test(test_spec__thresholds_of_a_whole_or_more_round_trip),
	        cmocka_unit_test(test_spec__bad_harness_keys_are_refused),
	        cmocka_unit_test(test_spec__params_make_one_benchmark_per_combination),
	        cmocka_unit_test(test_spec__params_round_trip_and_change_the_hash),
	        cmocka_unit_test(test_spec__a_spec_without_params_keeps_its_hash),
	        cmocka_unit_test(test_spec__bad_params_are_refused),
	        cmocka_unit_test(test_spec__bad_repeat_is_refused),
	        cmocka_unit_test(test_spec__bad_timeout_is_refused),
	        cmocka_unit_test(test_spec__missing_parts_are_named),
	        cmocka_unit_test(test_spec__verification_keys_are_read),
	        cmocka_unit_test(test_spec__unknown_keys_and_sections_are_refused),
	        cmocka_unit_test(test_spec__syntax_error_names_the_line),
	        cmocka_unit_test(test_spec__missing_file_is_not_found),
	        cmocka_unit_test(test_spec__buffer_parses_like_a_file),
	        cmocka_unit_test(test_spec__project_spec_is_valid),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
