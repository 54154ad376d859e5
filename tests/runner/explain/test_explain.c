/*
 * Tests of runner/explain/explain's comparison on profiles given in their
 * stored form: functions sorted by their share of the change (unchanged
 * ones left out), lines matched by their text when code moved, an edited
 * line read as new, an allocation whose size was edited kept as one site, a
 * faster commit explained by what shrank, the caller chain of the headline,
 * the flame graph's deltas, and the outputs (JSON, Markdown, table).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "explain.h"

/*
 * The baseline: main calls work (two lines) and helper; make_table allocates
 * 100 bytes. Costs are callgrind's Ir.
 */
static const char base_json[] =
        "{\"format\": \"perfwarden-profile\", \"version\": 1,"
        " \"time\": {\"events\": [\"Ir\"], \"totals\": [310], \"processes\": 1, \"options\": \"\","
        "  \"functions\": [[\"main\", \"prog\", \"a.c\", [10], [310]],"
        "                  [\"work\", \"prog\", \"a.c\", [150], [150]],"
        "                  [\"helper\", \"prog\", \"a.c\", [100], [100]],"
        "                  [\"memset\", \"libc.so.6\", \"./string/memset.S\", [50], [50]]],"
        "  \"lines\": [[1, \"a.c\", 10, \"x += 1;\", [100]], [1, \"a.c\", 11, \"y += 2;\", [50]],"
        "             [0, \"a.c\", 20, \"work();\", [150]]],"
        "  \"calls\": [[0, 1, 1, [150]], [0, 2, 1, [100]], [0, 3, 1, [50]]]},"
        " \"heap\": {\"peak_bytes\": 164, \"processes\": 1,"
        "  \"sites\": [[\"make_table\", \"a.c\", 5, \"p = malloc(n);\", 100],"
        "             [\"keep\", \"a.c\", 7, \"q = malloc(64);\", 64]]}}";

/*
 * The culprit: two lines were added above work's (its lines moved by 2), a
 * new line costs 300, helper is unchanged; make_table's malloc was edited to
 * allocate 16 times more.
 */
static const char culprit_json[] =
        "{\"format\": \"perfwarden-profile\", \"version\": 1,"
        " \"time\": {\"events\": [\"Ir\"], \"totals\": [610], \"processes\": 1, \"options\": \"\","
        "  \"functions\": [[\"main\", \"prog\", \"a.c\", [10], [610]],"
        "                  [\"work\", \"prog\", \"a.c\", [450], [450]],"
        "                  [\"helper\", \"prog\", \"a.c\", [100], [100]],"
        "                  [\"memset\", \"libc.so.6\", \"./string/memset.S\", [50], [50]]],"
        "  \"lines\": [[1, \"a.c\", 12, \"x += 1;\", [100]], [1, \"a.c\", 13, \"y += 2;\", [50]],"
        "             [1, \"a.c\", 14, \"z *= 3;\", [300]], [0, \"a.c\", 22, \"work();\", [450]]],"
        "  \"calls\": [[0, 1, 1, [450]], [0, 2, 1, [100]], [0, 3, 1, [50]]]},"
        " \"heap\": {\"peak_bytes\": 1664, \"processes\": 1,"
        "  \"sites\": [[\"make_table\", \"a.c\", 5, \"p = malloc(16 * n);\", 1600],"
        "             [\"keep\", \"a.c\", 7, \"q = malloc(64);\", 64]]}}";

static void side_from(struct explain_side *s, const char *json, const char *hash)
{
	struct pw_error err = PW_ERROR_INIT;
	json_t *doc = json_loads(json, 0, NULL);

	assert_non_null(doc);
	assert_int_equal(profile_from_json(&s->profile, doc, &err), 0);
	s->has_time = s->has_heap = 1;
	snprintf(s->hash, sizeof(s->hash), "%s", hash);
	snprintf(s->short_hash, sizeof(s->short_hash), "%.7s", hash);
	json_decref(doc);
	pw_error_release(&err);
}

static void make(struct explain_result *r, const char *a, const char *b)
{
	struct explain_options o = EXPLAIN_OPTIONS_INIT;

	memset(r, 0, sizeof(*r));
	r->benchmark = strdup("bench");
	side_from(&r->side[0], a, "1111111111111111111111111111111111111111");
	side_from(&r->side[1], b, "2222222222222222222222222222222222222222");
	explain_compare(r, &o);
}

static void test_explain__the_grown_function_first_and_only_changed_ones(void **state)
{
	struct explain_result r;

	(void)state;
	make(&r, base_json, culprit_json);
	assert_true(r.has_time);
	assert_string_equal(r.event, "Ir");
	assert_int_equal(r.total[0], 310);
	assert_int_equal(r.total[1], 610);
	/* work explains all of +300; main, helper and memset did not change their own cost */
	assert_int_equal(r.nfns, 1);
	assert_string_equal(r.fns[0].name, "work");
	assert_int_equal(r.fns[0].self[0], 150);
	assert_int_equal(r.fns[0].self[1], 450);
	assert_true(r.fns[0].share > 0.999 && r.fns[0].share < 1.001);
	explain_result_release(&r);
}

static void test_explain__lines_are_matched_by_text_when_code_moved(void **state)
{
	struct explain_result r;

	(void)state;
	make(&r, base_json, culprit_json);
	/* x += 1 and y += 2 moved from 10, 11 to 12, 13 at the same cost: not changed */
	assert_int_equal(r.nlines, 1);
	assert_string_equal(r.lines[0].text, "z *= 3;");
	assert_int_equal(r.lines[0].line[1], 14);
	assert_int_equal(r.lines[0].line[0], 0);
	assert_int_equal(r.lines[0].cost[1] - r.lines[0].cost[0], 300);
	assert_true(r.lines[0].share > 0.999);
	explain_result_release(&r);
}

static void test_explain__an_edited_allocation_stays_one_site(void **state)
{
	struct explain_result r;

	(void)state;
	make(&r, base_json, culprit_json);
	assert_true(r.has_heap);
	assert_int_equal(r.heap_peak[0], 164);
	assert_int_equal(r.heap_peak[1], 1664);
	assert_string_equal(r.sites[0].fn, "make_table");
	assert_int_equal(r.sites[0].bytes[0], 100);
	assert_int_equal(r.sites[0].bytes[1], 1600);
	assert_int_equal(r.sites[0].line[0], 5);
	assert_int_equal(r.sites[0].line[1], 5);
	assert_string_equal(r.sites[0].text, "p = malloc(16 * n);");
	assert_true(r.sites[0].share > 0.999);
	/* keep() did not change */
	assert_int_equal(r.nsites, 2);
	assert_string_equal(r.sites[1].fn, "keep");
	assert_true(r.sites[1].share == 0.0);
	explain_result_release(&r);
}

static void test_explain__a_faster_commit_is_explained_by_what_shrank(void **state)
{
	struct explain_result r;
	struct strbuf head = STRBUF_INIT;

	(void)state;
	make(&r, culprit_json, base_json);
	assert_int_equal(r.nfns, 1);
	assert_string_equal(r.fns[0].name, "work");
	assert_true(r.fns[0].share > 0.999); /* in the change's direction */
	assert_int_equal(r.nlines, 1);
	assert_string_equal(r.lines[0].text, "z *= 3;");
	assert_int_equal(r.lines[0].line[0], 14); /* gone from the culprit */
	assert_int_equal(r.lines[0].line[1], 0);
	explain_headline(&r, &head);
	/* -300 of the baseline's 610; the table shrank back to its 100 bytes */
	assert_string_equal(head.buf, "`work()` -49.2% of instructions: a.c:14 `z *= 3;`; "
	                              "`make_table()` -1.5 KiB at the heap's peak: a.c:5 "
	                              "`p = malloc(n);`");
	strbuf_release(&head);
	explain_result_release(&r);
}

static void test_explain__outputs_say_the_same(void **state)
{
	struct explain_result r;
	struct strbuf md = STRBUF_INIT, table = STRBUF_INIT;
	json_t *doc, *flame, *kids;
	size_t i;
	int found = 0;

	(void)state;
	make(&r, base_json, culprit_json);
	doc = explain_json(&r);
	assert_string_equal(json_string_value(json_object_get(doc, "headline")),
	                    "`work()` +96.8% of instructions: a.c:14 `z *= 3;`; "
	                    "`make_table()` +1.5 KiB at the heap's peak: a.c:5 "
	                    "`p = malloc(16 * n);`");
	assert_string_equal(json_string_value(json_object_get(
	                            json_array_get(json_object_get(doc, "functions"), 0), "name")),
	                    "work");
	json_decref(doc);
	explain_format_markdown(&r, &md);
	assert_non_null(
	        strstr(md.buf, "**Why bench changed** (2222222 against 1111111): `work()`"));
	assert_non_null(strstr(md.buf, "| a.c:14 | `z *= 3;` | +300 | 100.0% |"));
	explain_format_table(&r, &table);
	assert_non_null(strstr(table.buf, "instructions (callgrind Ir): 310 -> 610 (+96.77%)"));
	assert_non_null(strstr(table.buf, "a.c:14 (new)"));
	/* the flame graph: all → main → work grew by 300, helper unchanged */
	flame = explain_flame_json(&r);
	assert_int_equal(json_integer_value(json_object_get(flame, "value")), 610);
	assert_int_equal(json_integer_value(json_object_get(flame, "delta")), 300);
	kids = json_object_get(json_array_get(json_object_get(flame, "children"), 0), "children");
	for (i = 0; i < json_array_size(kids); i++) {
		json_t *k = json_array_get(kids, i);
		const char *name = json_string_value(json_object_get(k, "name"));

		if (!strcmp(name, "work")) {
			assert_int_equal(json_integer_value(json_object_get(k, "delta")), 300);
			found++;
		} else if (!strcmp(name, "helper")) {
			assert_int_equal(json_integer_value(json_object_get(k, "delta")), 0);
			found++;
		}
	}
	assert_int_equal(found, 2);
	json_decref(flame);
	strbuf_release(&md);
	strbuf_release(&table);
	explain_result_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_explain__the_grown_function_first_and_only_changed_ones),
	        cmocka_unit_test(test_explain__lines_are_matched_by_text_when_code_moved),
	        cmocka_unit_test(test_explain__an_edited_allocation_stays_one_site),
	        cmocka_unit_test(test_explain__a_faster_commit_is_explained_by_what_shrank),
	        cmocka_unit_test(test_explain__outputs_say_the_same),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
