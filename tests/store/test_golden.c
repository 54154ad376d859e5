/*
 * store/golden.c: golden sets in a real PostgreSQL. A set round trips byte
 * for byte (NUL and high bytes included) with its provenance; recording a
 * name again adds a version and readers get the newest; a digest-only set
 * has no output; an unknown name is PW_ENOTFOUND; bad names, modes and
 * provenance are refused; the list gives the newest of each name and counts
 * versions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "fixture.h"
#include "golden.h"

static int setup(void **state)
{
	struct store *s = calloc(1, sizeof(*s));
	struct pw_error err = PW_ERROR_INIT;

	if (!s || fixture_setup(NULL) < 0 || store_open(s, NULL, &err) < 0)
		return -1;
	*state = s;
	pw_error_release(&err);
	return 0;
}

static int teardown(void **state)
{
	store_release(*state);
	free(*state);
	return fixture_teardown(NULL);
}

static struct store_golden set(const char *name, const char *mode, const char *check,
                               const void *bytes, size_t len, const char *provenance)
{
	struct store_golden g = STORE_GOLDEN_INIT;

	g.name = (char *)name;
	g.mode = (char *)mode;
	strbuf_addstr(&g.check, check);
	if (bytes) {
		strbuf_add(&g.expected, bytes, len);
		g.has_expected = 1;
	}
	g.provenance_json = (char *)provenance;
	return g;
}

static void release_set(struct store_golden *g)
{
	strbuf_release(&g->check);
	strbuf_release(&g->expected);
}

static void test_golden__a_set_round_trips_byte_for_byte(void **state)
{
	static const char bytes[] = "\x00\x01\xff binary\n\x00tail";
	struct store *s = *state;
	struct pw_error err = PW_ERROR_INIT;
	struct store_golden in = set("bin", "digest", "ab12", bytes, sizeof(bytes) - 1,
	                             "{\"commit\": \"abc\", \"machine\": \"m1\"}");
	struct store_golden out = STORE_GOLDEN_INIT;
	int64_t id = 0;

	assert_int_equal(store_golden_put(s, &in, &id, &err), 0);
	assert_true(id > 0);
	assert_int_equal(store_golden_get(s, "bin", &out, &err), 0);
	assert_int_equal(out.id, id);
	assert_string_equal(out.name, "bin");
	assert_string_equal(out.mode, "digest");
	assert_string_equal(out.check.buf, "ab12");
	assert_true(out.has_expected);
	assert_int_equal(out.expected.len, sizeof(bytes) - 1);
	assert_memory_equal(out.expected.buf, bytes, sizeof(bytes) - 1);
	assert_non_null(strstr(out.provenance_json, "\"machine\": \"m1\""));
	assert_non_null(out.created_at);
	assert_int_equal(strlen(out.created_at), 20);
	store_golden_release(&out);
	release_set(&in);
	pw_error_release(&err);
}

static void test_golden__the_newest_version_is_read(void **state)
{
	struct store *s = *state;
	struct pw_error err = PW_ERROR_INIT;
	struct store_golden a = set("grid", "grid", "3\n", "1 2\n", 4, NULL);
	struct store_golden b = set("grid", "grid", "7\n", "3 4\n", 4, NULL);
	struct store_golden d = set("digest-only", "digest", "ff00", NULL, 0, NULL);
	struct store_golden out = STORE_GOLDEN_INIT;
	struct store_golden_list list = STORE_GOLDEN_LIST_INIT;
	size_t i, found = 0;

	assert_int_equal(store_golden_put(s, &a, NULL, &err), 0);
	assert_int_equal(store_golden_put(s, &b, NULL, &err), 0);
	assert_int_equal(store_golden_put(s, &d, NULL, &err), 0);
	assert_int_equal(store_golden_get(s, "grid", &out, &err), 0);
	assert_string_equal(out.check.buf, "7\n");
	assert_string_equal(out.expected.buf, "3 4\n");
	assert_null(out.provenance_json);
	assert_int_equal(store_golden_get(s, "digest-only", &out, &err), 0);
	assert_false(out.has_expected);
	assert_int_equal(out.expected.len, 0);

	assert_int_equal(store_golden_list(s, &list, &err), 0);
	for (i = 0; i < list.nsets; i++) {
		if (!strcmp(list.sets[i].name, "grid")) {
			assert_string_equal(list.sets[i].check.buf, "7\n");
			assert_int_equal(list.versions[i], 2);
			found++;
		} else if (!strcmp(list.sets[i].name, "digest-only")) {
			assert_int_equal(list.versions[i], 1);
			found++;
		}
		if (i)
			assert_true(strcmp(list.sets[i - 1].name, list.sets[i].name) < 0);
	}
	assert_int_equal(found, 2);
	store_golden_list_release(&list);
	store_golden_release(&out);
	release_set(&a);
	release_set(&b);
	release_set(&d);
	pw_error_release(&err);
}

static void test_golden__unknown_and_bad_sets_are_refused(void **state)
{
	struct store *s = *state;
	struct pw_error err = PW_ERROR_INIT;
	struct store_golden out = STORE_GOLDEN_INIT;
	struct store_golden bad_name = set("../x", "grid", "1", "1", 1, NULL);
	struct store_golden bad_mode = set("x", "xml", "1", "1", 1, NULL);
	struct store_golden bad_json = set("x", "json", "", "{}", 2, "{not json");

	assert_int_equal(store_golden_get(s, "nosuch", &out, &err), PW_ENOTFOUND);
	assert_string_equal(pw_error_message(&err), "no golden set 'nosuch' in the store");
	assert_int_equal(store_golden_put(s, &bad_name, NULL, &err), PW_EINVALID);
	assert_int_equal(store_golden_put(s, &bad_mode, NULL, &err), PW_EINVALID);
	assert_int_equal(store_golden_put(s, &bad_json, NULL, &err), PW_EDB);
	assert_int_equal(fixture_count("SELECT count(*) FROM golden_sets WHERE name = 'x'"), 0);
	store_golden_release(&out);
	release_set(&bad_name);
	release_set(&bad_mode);
	release_set(&bad_json);
	pw_error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_golden__a_set_round_trips_byte_for_byte),
	        cmocka_unit_test(test_golden__the_newest_version_is_read),
	        cmocka_unit_test(test_golden__unknown_and_bad_sets_are_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
