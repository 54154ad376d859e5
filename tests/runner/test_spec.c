/*
 * Tests for runner/spec: `.perfwarden` files written into a fresh temporary
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
	expect_error("[build]\n\tcommand = make\n[benchmark \"julia\"]\n\tcommand = ./j\n",
	             ".perfwarden: benchmark \"julia\": golden is missing (the name of its golden "
	             "set)");
	expect_error("[build]\n\tcommand = make\n",
	             ".perfwarden: no benchmark: add a [benchmark \"NAME\"] section");
	expect_error("[build]\n\tcommand =\n", ".perfwarden: build: command must not be empty");
	expect_error("", ".perfwarden: no [build] section (write 'command = true' when nothing "
	                 "needs building)");
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
	        cmocka_unit_test(test_spec__bad_repeat_is_refused),
	        cmocka_unit_test(test_spec__bad_timeout_is_refused),
	        cmocka_unit_test(test_spec__missing_parts_are_named),
	        cmocka_unit_test(test_spec__unknown_keys_and_sections_are_refused),
	        cmocka_unit_test(test_spec__syntax_error_names_the_line),
	        cmocka_unit_test(test_spec__missing_file_is_not_found),
	        cmocka_unit_test(test_spec__buffer_parses_like_a_file),
	        cmocka_unit_test(test_spec__project_spec_is_valid),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
