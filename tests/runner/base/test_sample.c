/*
 * Tests for runner/base/sample: the one JSON form of a sample, whose keys
 * the dashboard (app.js: "wall"), report and show readers ("wall_ns",
 * "exit_code", "timed_out"), older report readers ("signal") and the spool's
 * replay ("term_signal") all rely on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>

#include "sample.h"

static json_int_t int_of(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		fail_msg("'%s' is not an integer", key);
	return json_integer_value(v);
}

static void test_sample__json_has_every_key_every_reader_uses(void **state)
{
	struct sample x = SAMPLE_INIT;
	json_t *o;

	(void)state;
	x.wall_ns = 1500000;
	x.user_ns = 1200000;
	x.sys_ns = 300000;
	x.maxrss_kib = 2048;
	x.minflt = 7;
	x.nvcsw = 2;
	x.instructions = 123456789;
	x.exit_code = 139;
	x.term_signal = 11;
	o = sample_json(&x);

	assert_int_equal(int_of(o, "wall_ns"), 1500000);
	assert_int_equal(int_of(o, "wall"), 1500000);
	assert_int_equal(int_of(o, "user_ns"), 1200000);
	assert_int_equal(int_of(o, "user"), 1200000);
	assert_int_equal(int_of(o, "sys_ns"), 300000);
	assert_int_equal(int_of(o, "sys"), 300000);
	assert_int_equal(int_of(o, "maxrss_kib"), 2048);
	assert_int_equal(int_of(o, "maxrss"), 2048);
	assert_int_equal(int_of(o, "minflt"), 7);
	assert_int_equal(int_of(o, "majflt"), 0);
	assert_int_equal(int_of(o, "nvcsw"), 2);
	assert_int_equal(int_of(o, "nivcsw"), 0);
	assert_int_equal(int_of(o, "instructions"), 123456789);
	assert_int_equal(int_of(o, "exit_code"), 139);
	assert_int_equal(int_of(o, "term_signal"), 11);
	assert_int_equal(int_of(o, "signal"), 11);
	assert_true(json_is_false(json_object_get(o, "timed_out")));
	/* what the machine could not measure is null, never 0 */
	assert_true(json_is_null(json_object_get(o, "cycles")));
	assert_true(json_is_null(json_object_get(o, "branch_misses")));
	assert_true(json_is_null(json_object_get(o, "cache_misses")));
	assert_int_equal(json_object_size(o), 20);
	json_decref(o);

	x.timed_out = 1;
	x.wall_ns = SAMPLE_ABSENT;
	o = sample_json(&x);
	assert_true(json_is_true(json_object_get(o, "timed_out")));
	assert_true(json_is_null(json_object_get(o, "wall_ns")));
	assert_true(json_is_null(json_object_get(o, "wall")));
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_sample__json_has_every_key_every_reader_uses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
