/*
 * store/query.c: history aggregates (median, min, IQR, count, verdict, ratio
 * to the previous commit) in author-time order or in a caller's first-parent
 * order, and commit lookup by hash prefix.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "fixture.h"
#include "query.h"
#include "results.h"

static char hashes[4][41];

/* Commit i (author time 1000 + i) with wall times base_ms + {0, 1, 2, 3, 4} ms. */
static void store_commit(struct store *s, int i, int base_ms, const char *verdict)
{
	struct sample x[5];
	struct store_run_result run;
	struct store_results r;
	struct pw_error err = PW_ERROR_INIT;
	int k;

	for (k = 0; k < 5; k++) {
		struct sample z = SAMPLE_INIT;

		z.wall_ns = (int64_t)(base_ms + k) * 1000000;
		z.maxrss_kib = 1000 + i;
		x[k] = z;
	}
	memset(&run, 0, sizeof(run));
	run.benchmark = "julia";
	run.spec_hash = "s";
	run.verdict = verdict;
	run.samples = x;
	run.nsamples = 5;
	memset(&r, 0, sizeof(r));
	r.repo_location = "/srv/q";
	r.commit.hash = hashes[i];
	r.commit.author_time = 1000 + i;
	r.commit.subject = "c";
	r.env_fingerprint = "env";
	r.runs = &run;
	r.nruns = 1;
	assert_int_equal(store_results_write(s, &r, &err), 0);
	pw_error_release(&err);
}

static int setup(void **state)
{
	struct store *s = calloc(1, sizeof(*s));
	struct pw_error err = PW_ERROR_INIT;
	int i;

	if (fixture_setup(NULL) < 0 || store_open(s, NULL, &err) < 0)
		return -1;
	for (i = 0; i < 4; i++)
		snprintf(hashes[i], sizeof(hashes[i]), "abcd%036d", i);
	store_commit(s, 0, 100, "ok");
	store_commit(s, 1, 110, "slower");
	store_commit(s, 2, 99, "faster");
	store_commit(s, 3, 99, "ok");
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

static void test_query__history_newest_first_with_ratios(void **state)
{
	struct store_history_query q = {"/srv/q", "julia", STORE_METRIC_WALL, NULL, NULL, 0,
	                                0,        NULL};
	struct store_history h = STORE_HISTORY_INIT;
	struct pw_error err = PW_ERROR_INIT;

	assert_int_equal(store_history_query(*state, &q, &h, &err), 0);
	assert_int_equal(h.nrows, 4);
	assert_string_equal(h.rows[0].hash, hashes[3]);
	assert_string_equal(h.rows[3].hash, hashes[0]);
	assert_int_equal(h.rows[2].count, 5);
	assert_true(fabs(h.rows[2].median - 112e6) < 1);
	assert_true(fabs(h.rows[2].min - 110e6) < 1);
	assert_true(fabs(h.rows[2].iqr - 2e6) < 1);
	assert_string_equal(h.rows[2].verdict, "slower");
	assert_true(fabs(h.rows[2].ratio_prev - 112.0 / 102.0) < 1e-9);
	assert_true(isnan(h.rows[3].ratio_prev));
	assert_int_equal(h.rows[0].author_time, 1003);
	store_history_release(&h);
	q.limit = 2;
	q.metric = STORE_METRIC_MAXRSS;
	assert_int_equal(store_history_query(*state, &q, &h, &err), 0);
	assert_int_equal(h.nrows, 2);
	assert_true(fabs(h.rows[0].median - 1003) < 1e-9);
	store_history_release(&h);
	pw_error_release(&err);
}

static void test_query__history_follows_the_given_order(void **state)
{
	const char *order[] = {hashes[1], "ffff000000000000000000000000000000000000", hashes[0]};
	struct store_history_query q = {NULL, "julia", STORE_METRIC_WALL, NULL, order, 3, 0, NULL};
	struct store_history h = STORE_HISTORY_INIT;
	struct pw_error err = PW_ERROR_INIT;

	assert_int_equal(store_history_query(*state, &q, &h, &err), 0);
	assert_int_equal(h.nrows, 2); /* the commit without runs is skipped */
	assert_string_equal(h.rows[0].hash, hashes[1]);
	assert_string_equal(h.rows[1].hash, hashes[0]);
	store_history_release(&h);
	pw_error_release(&err);
}

static void test_query__unknown_benchmark_is_not_found(void **state)
{
	struct store_history_query q = {NULL, "nope", STORE_METRIC_WALL, NULL, NULL, 0, 0, NULL};
	struct store_history h = STORE_HISTORY_INIT;
	struct pw_error err = PW_ERROR_INIT;

	assert_int_equal(store_history_query(*state, &q, &h, &err), PW_ENOTFOUND);
	assert_non_null(strstr(pw_error_message(&err), "'nope'"));
	pw_error_release(&err);
}

static void test_query__commit_prefixes(void **state)
{
	struct store_commit_info info = STORE_COMMIT_INFO_INIT;
	struct pw_error err = PW_ERROR_INIT;

	assert_int_equal(store_commit_load(*state, NULL, "abcd", &info, &err), PW_EINVALID);
	assert_non_null(strstr(pw_error_message(&err), "ambiguous"));
	assert_int_equal(store_commit_load(*state, NULL, "abc", &info, &err), PW_EINVALID);
	assert_int_equal(store_commit_load(*state, NULL, "abcd%", &info, &err), PW_EINVALID);
	assert_int_equal(store_commit_load(*state, NULL, "dead", &info, &err), PW_ENOTFOUND);
	assert_int_equal(store_commit_load(*state, NULL, "ABCD000000000000000000000000000000000002",
	                                   &info, &err),
	                 0);
	assert_string_equal(info.hash, hashes[2]);
	assert_int_equal(info.nruns, 1);
	store_commit_info_release(&info);
	assert_int_equal(store_commit_load(*state, "/elsewhere", hashes[2], &info, &err),
	                 PW_ENOTFOUND);
	pw_error_release(&err);
}

static void test_query__metric_names(void **state)
{
	enum store_metric m;

	(void)state;
	assert_int_equal(store_metric_parse("instructions", &m), 0);
	assert_int_equal(m, STORE_METRIC_INSTRUCTIONS);
	assert_int_equal(store_metric_parse("wall_ns", &m), 0);
	assert_int_equal(m, STORE_METRIC_WALL);
	assert_int_equal(store_metric_parse("wall; DROP TABLE runs", &m), PW_EINVALID);
	assert_string_equal(store_metric_unit(STORE_METRIC_MAXRSS), "KiB");
}

/* A run of the hand-made commits below. */
static struct store_run_info run_of(int64_t id, const char *bench, const char *env,
                                    const char *spec, const char *finished, int newest)
{
	struct store_run_info r = {0};

	r.id = id;
	r.benchmark = (char *)bench;
	r.fingerprint = (char *)env;
	r.spec_hash = (char *)spec;
	r.finished_at = (char *)finished;
	r.newest = newest;
	return r;
}

static void test_query__run_pairs_stay_in_one_environment_and_spec(void **state)
{
	struct store_run_info ra[4], rb[3];
	struct store_commit_info a = STORE_COMMIT_INFO_INIT, b = STORE_COMMIT_INFO_INIT;
	struct store_run_pair *pairs = NULL;
	size_t n;

	(void)state;
	ra[0] = run_of(1, "julia", "env-a", "spec1", "2024-01-01 10:00", 1);
	ra[1] = run_of(2, "julia", "env-b", "spec1", "2024-01-02 10:00", 1);
	ra[2] = run_of(3, "mandel", "env-a", "spec1", "2024-01-01 10:00", 1);
	ra[3] = run_of(4, "sort", "env-a", "spec1", "2024-01-01 10:00", 1);
	rb[0] = run_of(11, "julia", "env-a", "spec1", "2024-01-01 11:00", 1);
	rb[1] = run_of(12, "mandel", "env-b", "spec1", "2024-01-03 11:00", 1); /* another machine */
	rb[2] = run_of(13, "sort", "env-a", "spec2", "2024-01-03 11:00", 1);   /* another spec */
	a.runs = ra;
	a.nruns = 4;
	b.runs = rb;
	b.nruns = 3;

	n = store_run_pairs(&a, &b, &pairs);
	/* julia in env-a only (b has no julia in env-b); mandel and sort are never mixed */
	assert_int_equal(n, 1);
	assert_ptr_equal(pairs[0].a, &ra[0]);
	assert_ptr_equal(pairs[0].b, &rb[0]);
	free(pairs);

	/* with julia in both environments, the pair whose older run is newest */
	rb[1] = run_of(12, "julia", "env-b", "spec1", "2024-01-03 11:00", 1);
	n = store_run_pairs(&a, &b, &pairs);
	assert_int_equal(n, 1);
	assert_ptr_equal(pairs[0].a, &ra[1]);
	assert_ptr_equal(pairs[0].b, &rb[1]);
	free(pairs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_query__history_newest_first_with_ratios),
	        cmocka_unit_test(test_query__history_follows_the_given_order),
	        cmocka_unit_test(test_query__unknown_benchmark_is_not_found),
	        cmocka_unit_test(test_query__commit_prefixes),
	        cmocka_unit_test(test_query__metric_names),
	        cmocka_unit_test(test_query__run_pairs_stay_in_one_environment_and_spec),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
