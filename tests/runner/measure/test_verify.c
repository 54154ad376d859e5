/*
 * Tests for runner/measure/verify.c: verdicts on in-memory buffers (identical, one
 * cell off, swapped cells, sum off, every garbled shape of output, tolerance),
 * the text and JSON reports, and verify_golden() on real files in a fresh
 * temporary directory (missing set, bad name, unreadable output).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "verify.h"

static const char golden[] = "1 2 3\n4 5 6\n7 8 9\n";
static const char golden_sum[] = "45\n";

struct fixture {
	struct verify_report rep;
	struct pw_error err;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	verify_report_init(&f->rep);
	f->err = (struct pw_error)PW_ERROR_INIT;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	verify_report_release(&f->rep);
	pw_error_release(&f->err);
	free(f);
	return 0;
}

/* Compare `output` with the 3x3 golden grid; returns verify_buffers()'s result. */
static int check(struct fixture *f, const char *output, size_t len, double tolerance)
{
	struct verify_options opts = VERIFY_OPTIONS_INIT;

	opts.tolerance = tolerance;
	return verify_buffers(&f->rep, golden_sum, strlen(golden_sum), golden, strlen(golden),
	                      output, len, &opts, &f->err);
}

#define CHECK(f, s) check((f), (s), strlen(s), 0.0)

static void test_verify__identical_output_matches(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(CHECK(f, golden), 0);
	assert_true(f->rep.matched);
	assert_true(f->rep.checksum_ok);
	assert_true(f->rep.checksum_exact);
	assert_int_equal(f->rep.sum_actual_int, 45);
	assert_int_equal(f->rep.cells_compared, 9);
	assert_int_equal(f->rep.cells_differing, 0);
	assert_int_equal(f->rep.rows_actual, 3);
	assert_int_equal(f->rep.cols_actual, 3);
	assert_false(f->rep.shape_differs);
}

static void test_verify__one_cell_off_fails_with_its_place(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(CHECK(f, "1 2 3\n4 5 6\n7 10 9\n"), 0);
	assert_false(f->rep.matched);
	assert_false(f->rep.checksum_ok);
	assert_int_equal(f->rep.sum_expected_int, 45);
	assert_int_equal(f->rep.sum_actual_int, 47);
	assert_int_equal(f->rep.cells_differing, 1);
	assert_int_equal(f->rep.ndiffs, 1);
	assert_int_equal(f->rep.diffs[0].row, 3);
	assert_int_equal(f->rep.diffs[0].col, 2);
	assert_true(f->rep.diffs[0].expected == 8);
	assert_true(f->rep.diffs[0].actual == 10);
	assert_true(f->rep.max_abs_diff == 2);
	assert_false(f->rep.shape_differs);
}

static void test_verify__swapped_cells_fail_though_the_sum_holds(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(CHECK(f, "1 2 3\n4 6 5\n7 8 9\n"), 0);
	assert_true(f->rep.checksum_ok);
	assert_false(f->rep.matched);
	assert_int_equal(f->rep.cells_differing, 2);
	assert_int_equal(f->rep.diffs[0].row, 2);
	assert_int_equal(f->rep.diffs[0].col, 2);
	assert_int_equal(f->rep.diffs[1].col, 3);
	assert_true(f->rep.max_abs_diff == 1);
}

/* A golden set whose .sum is not its .out's sum cannot judge anything. */
static void test_verify__inconsistent_golden_sum_cannot_tell(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(verify_buffers(&f->rep, "46\n", 3, golden, strlen(golden), golden,
	                                strlen(golden), NULL, &f->err),
	                 PW_EINVALID);
	assert_non_null(strstr(pw_error_message(&f->err), "inconsistent"));
	assert_int_equal(verify_buffers(&f->rep, "forty", 5, golden, strlen(golden), golden,
	                                strlen(golden), NULL, &f->err),
	                 PW_EINVALID);
	assert_int_equal(
	        verify_buffers(&f->rep, "45", 2, "1 x\n", 4, golden, strlen(golden), NULL, &f->err),
	        PW_EINVALID);
}

static void test_verify__empty_output_fails(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(check(f, "", 0, 0.0), 0);
	assert_false(f->rep.matched);
	assert_true(f->rep.shape_differs);
	assert_int_equal(f->rep.rows_actual, 0);
	assert_int_equal(f->rep.first_ragged_row, 1);
	assert_int_equal(f->rep.sum_actual_int, 0);
}

static void test_verify__truncated_last_row_fails(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(CHECK(f, "1 2 3\n4 5 6\n7 8"), 0);
	assert_false(f->rep.matched);
	assert_true(f->rep.shape_differs);
	assert_int_equal(f->rep.first_ragged_row, 3);
	assert_int_equal(f->rep.cells_differing, 0); /* what is there is right */
	assert_false(f->rep.checksum_ok);
}

static void test_verify__missing_rows_fail(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(CHECK(f, "1 2 3\n4 5 6\n"), 0);
	assert_false(f->rep.matched);
	assert_int_equal(f->rep.rows_actual, 2);
	assert_int_equal(f->rep.first_ragged_row, 3);
}

static void test_verify__non_numeric_token_is_a_parse_error(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(CHECK(f, "1 2 3\n4 abc 6\n7 8 9\n"), 0);
	assert_false(f->rep.matched);
	assert_string_equal(f->rep.parse_error.buf, "row 2, cell 2: 'abc' is not a number");

	assert_int_equal(CHECK(f, "1 2 3\n4 5 6\n7 8 nan\n"), 0);
	assert_false(f->rep.matched);
	assert_non_null(strstr(f->rep.parse_error.buf, "'nan' is not a number"));

	assert_int_equal(CHECK(f, "1 2 3\n4 5 6\n7 8 1e999\n"), 0);
	assert_non_null(strstr(f->rep.parse_error.buf, "out of range"));

	assert_int_equal(check(f, "1 2 3\n4 \0 6\n7 8 9\n", 18, 0.0), 0);
	assert_non_null(strstr(f->rep.parse_error.buf, "'\\x00' is not a number"));

	assert_int_equal(CHECK(f, "1 2 3\n4 5- 6\n7 8 9\n"), 0);
	assert_non_null(strstr(f->rep.parse_error.buf, "row 2, cell 2"));
}

/* 10 MB on one line: as one huge token, and as five million cells. Linear, no hang. */
static void test_verify__ten_megabyte_line_gets_a_verdict(void **state)
{
	struct fixture *f = *state;
	size_t n = 10 * 1000 * 1000, i;
	char *buf = malloc(n);

	assert_non_null(buf);
	memset(buf, '7', n);
	assert_int_equal(check(f, buf, n, 0.0), 0);
	assert_false(f->rep.matched);
	assert_non_null(strstr(f->rep.parse_error.buf, "too long"));

	for (i = 0; i < n; i++)
		buf[i] = i % 2 ? ' ' : '1';
	assert_int_equal(check(f, buf, n, 0.0), 0);
	assert_false(f->rep.matched);
	assert_int_equal(f->rep.parse_error.len, 0);
	assert_int_equal(f->rep.rows_actual, 1);
	assert_int_equal(f->rep.cols_actual, n / 2);
	assert_true(f->rep.shape_differs);
	free(buf);
}

static void test_verify__ragged_rows_fail(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(CHECK(f, "1 2 3\n4 5 6 0\n7 8 9\n"), 0);
	assert_false(f->rep.matched);
	assert_true(f->rep.shape_differs);
	assert_int_equal(f->rep.first_ragged_row, 2);
	assert_true(f->rep.checksum_ok);

	/* Same cells, rows broken differently: every number in place is still wrong. */
	assert_int_equal(CHECK(f, "1 2\n3 4 5 6\n7 8 9\n"), 0);
	assert_false(f->rep.matched);
	assert_int_equal(f->rep.first_ragged_row, 1);
}

static void test_verify__missing_trailing_newline_is_accepted(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(CHECK(f, "1 2 3\n4 5 6\n7 8 9"), 0);
	assert_true(f->rep.matched);
}

static void test_verify__crlf_line_ends_are_accepted(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(CHECK(f, "1 2 3\r\n4 5 6\r\n7 8 9\r\n"), 0);
	assert_true(f->rep.matched);
	assert_int_equal(CHECK(f, "1 2 3\r\n4 5 6\r\n7 8 9"), 0);
	assert_true(f->rep.matched);
}

static void test_verify__extra_blank_line_fails(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(CHECK(f, "1 2 3\n4 5 6\n7 8 9\n\n"), 0);
	assert_false(f->rep.matched);
	assert_int_equal(f->rep.rows_actual, 4);
}

static void test_verify__tolerance_allows_small_differences(void **state)
{
	struct fixture *f = *state;
	static const char fsum[] = "1.75\n", fgold[] = "0.25 0.5\n1e0 -0\n";
	static const char close[] = "0.2500001 0.4999999\n1.0000001 0\n";
	static const char far[] = "0.25 0.5\n1.1 0\n";
	struct verify_options opts = {1e-6};

	assert_int_equal(verify_buffers(&f->rep, fsum, strlen(fsum), fgold, strlen(fgold), close,
	                                strlen(close), &opts, &f->err),
	                 0);
	assert_true(f->rep.matched);
	assert_false(f->rep.checksum_exact);
	assert_true(f->rep.max_abs_diff > 0 && f->rep.max_abs_diff < 2e-7);

	assert_int_equal(verify_buffers(&f->rep, fsum, strlen(fsum), fgold, strlen(fgold), close,
	                                strlen(close), NULL, &f->err),
	                 0);
	assert_false(f->rep.matched); /* exact by default */

	assert_int_equal(verify_buffers(&f->rep, fsum, strlen(fsum), fgold, strlen(fgold), far,
	                                strlen(far), &opts, &f->err),
	                 0);
	assert_false(f->rep.matched);
	assert_int_equal(f->rep.cells_differing, 1);
	assert_int_equal(f->rep.diffs[0].row, 2);
	assert_int_equal(f->rep.diffs[0].col, 1);

	/* Integer outputs with a tolerance: off by one passes with 1, fails with 0.5. */
	assert_int_equal(check(f, "1 2 3\n4 5 6\n7 8 10\n", 19, 1.0), 0);
	assert_true(f->rep.matched);
	assert_int_equal(check(f, "1 2 3\n4 5 6\n7 8 10\n", 19, 0.5), 0);
	assert_false(f->rep.matched);

	opts.tolerance = -1;
	assert_int_equal(verify_buffers(&f->rep, fsum, strlen(fsum), fgold, strlen(fgold), close,
	                                strlen(close), &opts, &f->err),
	                 PW_EINVALID);
}

static void test_verify__text_report_names_the_differences(void **state)
{
	struct fixture *f = *state;
	struct strbuf out = STRBUF_INIT;

	assert_int_equal(CHECK(f, "1 2 3\n4 6 5\n7 8 9\n"), 0);
	verify_report_format(&f->rep, &out);
	assert_non_null(strstr(out.buf, "mismatch:"));
	assert_non_null(strstr(out.buf, "checksum: expected 45, got 45 (ok)"));
	assert_non_null(strstr(out.buf, "cells: 2 of 9 compared differ"));
	assert_non_null(strstr(out.buf, "row 2, column 2: expected 5, got 6"));
	assert_non_null(strstr(out.buf, "row 2, column 3: expected 6, got 5"));

	strbuf_reset(&out);
	assert_int_equal(CHECK(f, golden), 0);
	verify_report_format(&f->rep, &out);
	assert_true(!strncmp(out.buf, "match:", 6));
	strbuf_release(&out);
}

static void test_verify__json_report_carries_the_verdict(void **state)
{
	struct fixture *f = *state;
	json_t *j;

	assert_int_equal(CHECK(f, "1 2 3\n4 5 6\n7 8 19\n"), 0);
	j = verify_report_json(&f->rep);
	assert_non_null(j);
	assert_true(json_is_false(json_object_get(j, "matched")));
	assert_int_equal(
	        json_integer_value(json_object_get(json_object_get(j, "checksum"), "actual")), 55);
	assert_int_equal(
	        json_integer_value(json_object_get(json_object_get(j, "cells"), "differing")), 1);
	assert_int_equal(json_integer_value(json_object_get(
	                         json_array_get(json_object_get(j, "diffs"), 0), "col")),
	                 3);
	assert_true(json_is_null(json_object_get(j, "parse_error")));
	json_decref(j);

	assert_int_equal(CHECK(f, "x\n"), 0);
	j = verify_report_json(&f->rep);
	assert_non_null(j);
	assert_true(json_is_string(json_object_get(j, "parse_error")));
	json_decref(j);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[4096];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

static void test_verify__golden_sets_on_disk(void **state)
{
	struct fixture *f = *state;
	char dir[] = "/tmp/pwverify.XXXXXX", out[4200], cmd[4300];

	assert_non_null(mkdtemp(dir));
	write_file(dir, "grid.sum", golden_sum);
	write_file(dir, "grid.out", golden);
	write_file(dir, "good.txt", golden);
	write_file(dir, "bad.txt", "1 2 3\n4 5 6\n7 8 8\n");

	snprintf(out, sizeof(out), "%s/good.txt", dir);
	assert_int_equal(verify_golden(&f->rep, dir, "grid", out, NULL, &f->err), 0);
	assert_true(f->rep.matched);
	assert_string_equal(f->rep.golden.buf, "grid");

	snprintf(out, sizeof(out), "%s/bad.txt", dir);
	assert_int_equal(verify_golden(&f->rep, dir, "grid", out, NULL, &f->err), 0);
	assert_false(f->rep.matched);

	assert_int_equal(verify_golden(&f->rep, dir, "nosuch", out, NULL, &f->err), PW_ENOTFOUND);
	assert_non_null(strstr(pw_error_message(&f->err), "no golden set 'nosuch'"));
	assert_int_equal(verify_golden(&f->rep, dir, "../grid", out, NULL, &f->err), PW_EINVALID);
	assert_int_equal(verify_golden(&f->rep, dir, "", out, NULL, &f->err), PW_EINVALID);

	snprintf(out, sizeof(out), "%s/missing.txt", dir);
	assert_int_equal(verify_golden(&f->rep, dir, "grid", out, NULL, &f->err), PW_ENOTFOUND);
	assert_int_equal(verify_golden(&f->rep, dir, "grid", dir, NULL, &f->err), PW_EIO);

	write_file(dir, "half.sum", "45\n");
	assert_int_equal(verify_golden(&f->rep, dir, "half", out, NULL, &f->err), PW_ENOTFOUND);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* A set of `mode` made from `expected` (as golden record makes it). */
static void make_set(struct verify_set *set, enum verify_mode mode, const char *expected)
{
	struct pw_error err = PW_ERROR_INIT;

	verify_set_init(set);
	assert_int_equal(verify_set_from_output(set, mode, "s", expected, strlen(expected), &err),
	                 0);
	assert_int_equal(verify_set_check(set, &err), 0);
	pw_error_release(&err);
}

static int compare(struct fixture *f, const struct verify_set *set, const char *output,
                   double tolerance)
{
	struct verify_options opts = VERIFY_OPTIONS_INIT;

	opts.tolerance = tolerance;
	return verify_set_compare(&f->rep, set, output, strlen(output), &opts, &f->err);
}

static int compare_for(struct verify_report *rep, const struct verify_set *set, const char *output)
{
	return verify_set_compare(rep, set, output, strlen(output), NULL, NULL);
}

static void test_verify__sha256_is_the_standard_one(void **state)
{
	char hex[65];

	(void)state;
	verify_sha256_hex("abc", 3, hex);
	assert_string_equal(hex,
	                    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	verify_sha256_hex("", 0, hex);
	assert_string_equal(hex,
	                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_verify__digest_catches_two_swapped_bytes(void **state)
{
	struct fixture *f = *state;
	struct verify_set set;
	struct strbuf text = STRBUF_INIT;

	make_set(&set, VERIFY_DIGEST, "alpha 12\nbeta 21\n");
	assert_int_equal(compare(f, &set, "alpha 12\nbeta 21\n", 0), 0);
	assert_true(f->rep.matched);
	/* the same bytes in another order: any sum of them holds, the digest does not */
	assert_int_equal(compare(f, &set, "alpha 21\nbeta 12\n", 0), 0);
	assert_false(f->rep.matched);
	assert_int_equal(f->rep.first_byte_diff, 6);
	assert_int_equal(f->rep.bytes_differing, 4);
	verify_report_format(&f->rep, &text);
	assert_non_null(strstr(text.buf, "mismatch:"));
	assert_non_null(strstr(text.buf, "4 of the common bytes differ, the first at offset 6"));

	/* a digest-only set (no .out) still decides, without the byte detail */
	strbuf_release(&set.expected);
	set.has_expected = 0;
	assert_int_equal(compare(f, &set, "alpha 21\nbeta 12\n", 0), 0);
	assert_false(f->rep.matched);
	assert_int_equal(f->rep.first_byte_diff, -1);
	strbuf_reset(&set.check);
	strbuf_addstr(&set.check, "not-a-digest  s.out\n");
	assert_int_equal(compare(f, &set, "x", 0), PW_EINVALID);
	strbuf_release(&text);
	verify_set_release(&set);
}

static void test_verify__json_compares_values_and_names_the_path(void **state)
{
	struct fixture *f = *state;
	struct verify_set set;
	struct strbuf text = STRBUF_INIT;
	json_t *j, *d;

	make_set(
	        &set, VERIFY_JSON,
	        "{\"name\": \"run\", \"values\": [1, 2, 3.5], \"ok\": true, \"meta\": {\"n\": 3}}");
	/* key order and spacing do not matter */
	assert_int_equal(compare(f, &set,
	                         "{\"meta\":{\"n\":3},\"ok\":true,\"values\":[1,2,3.5],\"name\":"
	                         "\"run\"}",
	                         0),
	                 0);
	assert_true(f->rep.matched);
	assert_int_equal(f->rep.cells_compared, 6);
	/* two values swapped keep their sum: caught, with the path */
	assert_int_equal(compare(f, &set,
	                         "{\"name\": \"run\", \"values\": [2, 1, 3.5], \"ok\": true, "
	                         "\"meta\": {\"n\": 3}}",
	                         0),
	                 0);
	assert_false(f->rep.matched);
	assert_int_equal(f->rep.cells_differing, 2);
	verify_report_format(&f->rep, &text);
	assert_non_null(strstr(text.buf, "$.values[0]: expected 1, got 2\n"));
	assert_non_null(strstr(text.buf, "$.values[1]: expected 2, got 1\n"));
	j = verify_report_json(&f->rep);
	assert_string_equal(json_string_value(json_object_get(j, "mode")), "json");
	d = json_array_get(json_object_get(j, "diffs"), 0);
	assert_string_equal(json_string_value(json_object_get(d, "path")), "$.values[0]");
	json_decref(j);

	/* numbers within the tolerance pass, strings and booleans must be equal */
	assert_int_equal(compare(f, &set,
	                         "{\"name\": \"run\", \"values\": [1.0001, 2, 3.5], \"ok\": true, "
	                         "\"meta\": {\"n\": 3}}",
	                         0.001),
	                 0);
	assert_true(f->rep.matched);
	assert_int_equal(compare(f, &set,
	                         "{\"name\": \"Run\", \"values\": [1, 2, 3.5], \"ok\": false, "
	                         "\"meta\": {\"n\": \"3\"}, \"extra key\": 1}",
	                         0.5),
	                 0);
	assert_false(f->rep.matched);
	assert_int_equal(f->rep.cells_differing, 4);
	strbuf_reset(&text);
	verify_report_format(&f->rep, &text);
	assert_non_null(strstr(text.buf, "$.name: expected \"run\", got \"Run\""));
	assert_non_null(strstr(text.buf, "$.meta.n: expected 3, got \"3\""));
	assert_non_null(strstr(text.buf, "$[\"extra key\"]: expected (absent), got 1"));

	/* missing elements and keys */
	assert_int_equal(compare(f, &set, "{\"name\": \"run\", \"values\": [1, 2]}", 0), 0);
	assert_false(f->rep.matched);
	strbuf_reset(&text);
	verify_report_format(&f->rep, &text);
	assert_non_null(strstr(text.buf, "$.values[2]: expected 3.5, got (missing)"));
	assert_non_null(strstr(text.buf, "$.ok: expected true, got (missing)"));

	/* output that is not JSON is a mismatch that says why */
	assert_int_equal(compare(f, &set, "{\"name\": ", 0), 0);
	assert_false(f->rep.matched);
	assert_non_null(strstr(f->rep.parse_error.buf, "not JSON"));
	strbuf_release(&text);
	verify_set_release(&set);
}

static void test_verify__sets_of_every_mode_round_trip_on_disk(void **state)
{
	struct fixture *f = *state;
	char dir[] = "/tmp/pwverify.XXXXXX", cmd[4300];
	struct verify_set set, back;
	struct pw_error err = PW_ERROR_INIT;

	(void)f;
	assert_non_null(mkdtemp(dir));
	verify_set_init(&back);

	make_set(&set, VERIFY_GRID, "1 2\n3 4\n");
	assert_string_equal(set.check.buf, "10\n");
	assert_int_equal(verify_set_write(&set, dir, &err), 0);
	assert_int_equal(verify_set_read(&back, dir, "s", VERIFY_GRID, &err), 0);
	assert_string_equal(back.expected.buf, "1 2\n3 4\n");
	verify_set_release(&set);

	make_set(&set, VERIFY_DIGEST, "\x01\x02binary\x00?");
	strbuf_addstr(&set.provenance, "{\"commit\": \"abc\"}\n");
	assert_int_equal(verify_set_write(&set, dir, &err), 0);
	assert_int_equal(verify_set_read(&back, dir, "s", VERIFY_DIGEST, &err), 0);
	assert_true(back.has_expected);
	assert_int_equal(strncmp(back.check.buf, set.check.buf, 64), 0);
	assert_non_null(strstr(back.check.buf, "  s.out\n")); /* sha256sum's format */
	assert_string_equal(back.provenance.buf, "{\"commit\": \"abc\"}\n");
	verify_set_release(&set);

	/* a set whose .out no longer hashes to its digest cannot be used */
	write_file(dir, "s.out", "tampered");
	assert_int_equal(verify_set_read(&back, dir, "s", VERIFY_DIGEST, &err), PW_EINVALID);
	assert_non_null(strstr(pw_error_message(&err), "inconsistent"));

	assert_int_equal(verify_set_read(&back, dir, "none", VERIFY_JSON, &err), PW_ENOTFOUND);
	assert_string_equal(pw_error_message(&err) + strlen(pw_error_message(&err)) -
	                            strlen("(none.out)"),
	                    "(none.out)");
	assert_int_equal(verify_set_from_output(&set, VERIFY_GRID, "s", "a b", 3, &err),
	                 PW_EINVALID);
	assert_non_null(strstr(pw_error_message(&err), "not a grid of numbers"));
	assert_int_equal(verify_set_from_output(&set, VERIFY_JSON, "s", "{", 1, &err), PW_EINVALID);
	assert_non_null(strstr(pw_error_message(&err), "not JSON"));
	{
		enum verify_mode m;

		assert_int_equal(verify_mode_parse("xml", &m, &err), PW_EINVALID);
		assert_string_equal(
		        pw_error_message(&err),
		        "unknown verification mode 'xml': expected grid, digest or json");
	}
	verify_set_release(&set);
	verify_set_release(&back);
	pw_error_release(&err);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/*
 * Streaming gives the very report the in-memory comparison gives: for grids
 * of every shape (ragged, short, long, CRLF, blank lines, garbled, long
 * tokens, tolerance), for digests with and without NAME.out, read lazily
 * from the golden directory; and a JSON output over the limit is a mismatch
 * that says why.
 */
static void test_verify__streaming_gives_the_same_report(void **state)
{
	static const struct {
		const char *golden, *output;
		double tolerance;
	} cases[] = {
	        {"1 2 3\n4 5 6\n7 8 9\n", "1 2 3\n4 5 6\n7 8 9\n", 0},
	        {"1 2 3\n4 5 6\n7 8 9\n", "1 2 3\n4 6 5\n7 8 9\n", 0},
	        {"1 2 3\n4 5 6\n7 8 9\n", "1 2 3\n4 5 6\n7 8 10\n", 0},
	        {"1 2 3\n4 5 6\n7 8 9\n", "1 2 3\n4 5 6\n", 0},
	        {"1 2 3\n4 5 6\n", "1 2 3\n4 5 6\n7 8 9\n", 0},
	        {"1 2 3\n4 5 6\n7 8 9\n", "1 2\n4 5 6 7\n7 8 9\n", 0},
	        {"1 2 3\n4 5 6\n7 8 9\n", "1 2 3\r\n4 5 6\r\n7 8 9", 0},
	        {"1 2 3\n4 5 6\n7 8 9\n", "1 2 3\n\n4 5 6\n7 8 9\n", 0},
	        {"1 2 3\n4 5 6\n7 8 9\n", "1 2 3\n4 x 6\n7 8 9\n", 0},
	        {"1 2 3\n4 5 6\n7 8 9\n",
	         "1 2 3\n4 5 6\n7 8 "
	         "9999999999999999999999999999999999999999999999999999999999999"
	         "999999999\n",
	         0},
	        {"1 2 3\n4 5 6\n7 8 9\n", "", 0},
	        {"0.5 1.25\n2 3\n", "0.5001 1.25\n2 2.9999\n", 0.001},
	        {"0.5 1.25\n2 3\n", "0.6 1.25\n2 3\n", 0.001},
	        {"1\t 2 \r\n 3\n", "1 2\n3 \r\n", 0},
	        {"\n\n1\n", "\n\n1\n", 0},
	        {"\n\n1\n", "\n1\n", 0},
	        {"1 2 3\n4 5 6\n7 8 9\n", "1 2 3\n4 5 6\n7 8 9\r1\n", 0},
	};
	struct fixture *f = *state;
	char dir[] = "/tmp/pwverify.XXXXXX", cmd[4300], out[4200];
	size_t i;

	assert_non_null(mkdtemp(dir));
	snprintf(out, sizeof(out), "%s/output", dir);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct verify_options opts = VERIFY_OPTIONS_INIT;
		struct verify_set set, lazy;
		struct verify_report mem;
		struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
		json_t *ja, *jb;
		char *ta, *tb;

		opts.tolerance = cases[i].tolerance;
		make_set(&set, VERIFY_GRID, cases[i].golden);
		assert_int_equal(verify_set_write(&set, dir, &f->err), 0);
		write_file(dir, "output", cases[i].output);
		verify_set_init(&lazy);
		assert_int_equal(verify_set_read_lazy(&lazy, dir, "s", VERIFY_GRID, &f->err), 0);
		assert_int_equal(lazy.expected.len, 0); /* not read: streamed */
		verify_report_init(&mem);
		assert_int_equal(verify_set_compare(&mem, &set, cases[i].output,
		                                    strlen(cases[i].output), &opts, &f->err),
		                 0);
		assert_int_equal(verify_set_compare_file(&f->rep, &lazy, out, &opts, &f->err), 0);
		strbuf_addstr(&f->rep.output, ""); /* the path is the caller's to set */
		verify_report_format(&mem, &a);
		verify_report_format(&f->rep, &b);
		if (strcmp(strbuf_str(&a), strbuf_str(&b)))
			fail_msg("case %zu: in memory:\n%s\nstreaming:\n%s", i, strbuf_str(&a),
			         strbuf_str(&b));
		ja = verify_report_json(&mem);
		jb = verify_report_json(&f->rep);
		ta = json_dumps(ja, JSON_SORT_KEYS);
		tb = json_dumps(jb, JSON_SORT_KEYS);
		if (strcmp(ta, tb))
			fail_msg("case %zu: %s\nstreaming: %s", i, ta, tb);
		free(ta), free(tb);
		json_decref(ja), json_decref(jb);
		strbuf_release(&a), strbuf_release(&b);
		verify_report_release(&mem);
		verify_set_release(&set);
		verify_set_release(&lazy);
	}

	/* digests, with NAME.out (which bytes differ) and without */
	for (i = 0; i < 2; i++) {
		struct verify_set set, lazy;
		struct verify_report mem;
		char p[4300];
		char *ta, *tb;
		json_t *ja, *jb;

		make_set(&set, VERIFY_DIGEST, "hello, world\n");
		assert_int_equal(verify_set_write(&set, dir, &f->err), 0);
		if (i == 1) {
			snprintf(p, sizeof(p), "%s/s.out", dir);
			unlink(p);
			strbuf_reset(&set.expected);
			set.has_expected = 0;
		}
		write_file(dir, "output", "hello, World\n!");
		verify_set_init(&lazy);
		assert_int_equal(verify_set_read_lazy(&lazy, dir, "s", VERIFY_DIGEST, &f->err), 0);
		verify_report_init(&mem);
		assert_int_equal(compare_for(&mem, &set, "hello, World\n!"), 0);
		assert_int_equal(verify_set_compare_file(&f->rep, &lazy, out, NULL, &f->err), 0);
		assert_false(f->rep.matched);
		ja = verify_report_json(&mem);
		jb = verify_report_json(&f->rep);
		ta = json_dumps(ja, JSON_SORT_KEYS);
		tb = json_dumps(jb, JSON_SORT_KEYS);
		if (strcmp(ta, tb))
			fail_msg("digest %zu: %s\nstreaming: %s", i, ta, tb);
		free(ta), free(tb);
		json_decref(ja), json_decref(jb);
		verify_report_release(&mem);
		verify_set_release(&set);
		verify_set_release(&lazy);
	}

	/* an inconsistent golden set is found while streaming */
	write_file(dir, "s.sum", "46\n");
	write_file(dir, "s.out", "1 2 3\n4 5 6\n7 8 9\n");
	write_file(dir, "output", "1 2 3\n4 5 6\n7 8 9\n");
	{
		struct verify_set lazy;

		verify_set_init(&lazy);
		assert_int_equal(verify_set_read_lazy(&lazy, dir, "s", VERIFY_GRID, &f->err), 0);
		assert_int_equal(verify_set_compare_file(&f->rep, &lazy, out, NULL, &f->err),
		                 PW_EINVALID);
		assert_non_null(strstr(pw_error_message(&f->err), "inconsistent"));
		verify_set_release(&lazy);
	}

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	        T(test_verify__identical_output_matches),
	        T(test_verify__sha256_is_the_standard_one),
	        T(test_verify__digest_catches_two_swapped_bytes),
	        T(test_verify__json_compares_values_and_names_the_path),
	        T(test_verify__sets_of_every_mode_round_trip_on_disk),
	        T(test_verify__one_cell_off_fails_with_its_place),
	        T(test_verify__swapped_cells_fail_though_the_sum_holds),
	        T(test_verify__inconsistent_golden_sum_cannot_tell),
	        T(test_verify__empty_output_fails),
	        T(test_verify__truncated_last_row_fails),
	        T(test_verify__missing_rows_fail),
	        T(test_verify__non_numeric_token_is_a_parse_error),
	        T(test_verify__ten_megabyte_line_gets_a_verdict),
	        T(test_verify__ragged_rows_fail),
	        T(test_verify__missing_trailing_newline_is_accepted),
	        T(test_verify__crlf_line_ends_are_accepted),
	        T(test_verify__extra_blank_line_fails),
	        T(test_verify__tolerance_allows_small_differences),
	        T(test_verify__text_report_names_the_differences),
	        T(test_verify__json_report_carries_the_verdict),
	        T(test_verify__golden_sets_on_disk),
	        T(test_verify__streaming_gives_the_same_report),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
