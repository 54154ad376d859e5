/*
 * store/judgements.c: every verdict given is a row of its own. Round trips
 * with and without the optional fields (NULL doubles stay NaN, not 0), the
 * newest of a key is the one found, another metric or judge finds nothing,
 * a commit's list is newest first, and a judgement of something the store
 * does not hold is refused. The readers of store/query.c show the newest
 * judgement's verdict in place of the run's, on the newest run only.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "fixture.h"
#include "judgements.h"
#include "query.h"
#include "results.h"

static const char hash_a[] = "aaaa000000000000000000000000000000000001";
static const char hash_b[] = "bbbb000000000000000000000000000000000002";

/* Commit `hash` (author time `at`) with one run of julia, wall times from `base_ns`. */
static void store_run(struct store *s, const char *hash, int64_t at, int64_t base_ns,
                      const char *verdict)
{
	struct sample x[3];
	struct store_run_result run;
	struct store_results r;
	struct pw_error err = PW_ERROR_INIT;
	int k;

	for (k = 0; k < 3; k++) {
		struct sample z = SAMPLE_INIT;

		z.wall_ns = base_ns + k;
		x[k] = z;
	}
	memset(&run, 0, sizeof(run));
	run.benchmark = "julia";
	run.spec_hash = "spec";
	run.verdict = verdict;
	run.finished_us = at * 1000000;
	run.samples = x;
	run.nsamples = 3;
	memset(&r, 0, sizeof(r));
	r.repo_location = "/srv/j";
	r.commit.hash = hash;
	r.commit.author_time = at;
	r.env_fingerprint = "env";
	r.runs = &run;
	r.nruns = 1;
	if (store_results_write(s, &r, &err) < 0)
		fail_msg("write: %s", pw_error_message(&err));
	pw_error_release(&err);
}

static struct store_judgement judgement(const char *metric, const char *judge, const char *verdict)
{
	struct store_judgement j;

	memset(&j, 0, sizeof(j));
	j.repo_location = "/srv/j";
	j.candidate = hash_b;
	j.baseline = hash_a;
	j.benchmark = "julia";
	j.fingerprint = "env";
	j.spec_hash = "spec";
	j.metric = metric;
	j.judge = judge;
	j.verdict = verdict;
	j.ratio = j.ci_lo = j.ci_hi = j.p_value = NAN;
	return j;
}

static int setup(void **state)
{
	struct store *s = calloc(1, sizeof(*s));
	struct pw_error err = PW_ERROR_INIT;

	if (fixture_setup(NULL) < 0 || store_open(s, NULL, &err) < 0)
		return -1;
	store_run(s, hash_a, 1000, 100, "ok");
	store_run(s, hash_b, 2000, 200, "ok");
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

static void wipe_judgements(void)
{
	assert_true(fixture_count("WITH x AS (DELETE FROM judgements RETURNING 1) "
	                          "SELECT count(*) FROM x") >= 0);
}

static void test_judgements__a_judgement_round_trips_with_every_field(void **state)
{
	struct store *s = *state;
	struct pw_error err = PW_ERROR_INIT;
	struct store_judgement j = judgement("wall", "quantile-seq/1", "slower");
	struct store_judgement_row row = STORE_JUDGEMENT_ROW_INIT;
	int64_t id = 0;

	wipe_judgements();
	j.ratio = 1.0512345678901234;
	j.ci_lo = 1.02;
	j.ci_hi = INFINITY;
	j.p_value = 1e-300;
	j.rounds = 3;
	j.message = "5.1% slower than aaaa0000, 'quoted'";
	j.details_json = "{\"pairs\": [1, 2]}";
	if (store_judgement_add(s, &j, &id, &err) < 0)
		fail_msg("add: %s", pw_error_message(&err));
	assert_true(id > 0);
	assert_int_equal(store_judgement_find(s, "/srv/j", hash_b, hash_a, "julia", "env", "spec",
	                                      "wall", "quantile-seq/1", &row, &err),
	                 0);
	assert_int_equal(row.id, id);
	assert_non_null(row.created_at);
	assert_int_equal(strlen(row.created_at), 27);
	assert_string_equal(row.repo_location, "/srv/j");
	assert_string_equal(row.candidate, hash_b);
	assert_string_equal(row.baseline, hash_a);
	assert_string_equal(row.benchmark, "julia");
	assert_string_equal(row.fingerprint, "env");
	assert_string_equal(row.spec_hash, "spec");
	assert_string_equal(row.metric, "wall");
	assert_string_equal(row.judge, "quantile-seq/1");
	assert_string_equal(row.verdict, "slower");
	assert_string_equal(row.message, j.message);
	assert_string_equal(row.details_json, "{\"pairs\": [1, 2]}");
	assert_true(row.ratio == j.ratio);
	assert_true(row.ci_lo == 1.02);
	assert_true(isinf(row.ci_hi) && row.ci_hi > 0);
	assert_true(row.p_value == 1e-300);
	assert_int_equal(row.rounds, 3);
	store_judgement_row_release(&row);
	pw_error_release(&err);
}

static void test_judgements__absent_numbers_stay_null(void **state)
{
	struct store *s = *state;
	struct pw_error err = PW_ERROR_INIT;
	struct store_judgement j = judgement("wall", "quantile-seq/1", "wrong-output");
	struct store_judgement_row row = STORE_JUDGEMENT_ROW_INIT;

	wipe_judgements();
	j.baseline = NULL;
	assert_int_equal(store_judgement_add(s, &j, NULL, &err), 0);
	assert_int_equal(
	        fixture_count("SELECT count(*) FROM judgements WHERE ratio IS NULL AND "
	                      "ci_lo IS NULL AND ci_hi IS NULL AND p_value IS NULL AND "
	                      "baseline_id IS NULL AND message IS NULL AND details = '{}'"),
	        1);
	/* found with no baseline, not with one */
	assert_int_equal(store_judgement_find(s, "/srv/j", hash_b, NULL, "julia", "env", "spec",
	                                      "wall", "quantile-seq/1", &row, &err),
	                 0);
	assert_null(row.baseline);
	assert_null(row.message);
	assert_string_equal(row.details_json, "{}");
	assert_true(isnan(row.ratio) && isnan(row.ci_lo) && isnan(row.ci_hi) && isnan(row.p_value));
	assert_int_equal(store_judgement_find(s, "/srv/j", hash_b, hash_a, "julia", "env", "spec",
	                                      "wall", "quantile-seq/1", &row, &err),
	                 PW_ENOTFOUND);
	store_judgement_row_release(&row);
	pw_error_release(&err);
}

static void test_judgements__find_gives_the_newest_of_exactly_that_key(void **state)
{
	struct store *s = *state;
	struct pw_error err = PW_ERROR_INIT;
	struct store_judgement j = judgement("wall", "quantile-seq/1", "inconclusive");
	struct store_judgement_row row = STORE_JUDGEMENT_ROW_INIT;
	int64_t first = 0, second = 0;

	wipe_judgements();
	assert_int_equal(store_judgement_add(s, &j, &first, &err), 0);
	j.verdict = "slower";
	assert_int_equal(store_judgement_add(s, &j, &second, &err), 0);
	assert_true(second > first);
	assert_int_equal(store_judgement_find(s, "/srv/j", hash_b, hash_a, "julia", "env", "spec",
	                                      "wall", "quantile-seq/1", &row, &err),
	                 0);
	assert_int_equal(row.id, second);
	assert_string_equal(row.verdict, "slower");
	/* both are kept */
	assert_int_equal(fixture_count("SELECT count(*) FROM judgements"), 2);
	/* another metric, judge, spec or environment is another key */
	assert_int_equal(store_judgement_find(s, "/srv/j", hash_b, hash_a, "julia", "env", "spec",
	                                      "cpu", "quantile-seq/1", &row, &err),
	                 PW_ENOTFOUND);
	assert_null(row.verdict);
	assert_int_equal(store_judgement_find(s, "/srv/j", hash_b, hash_a, "julia", "env", "spec",
	                                      "wall", "quantile-seq/2", &row, &err),
	                 PW_ENOTFOUND);
	assert_int_equal(store_judgement_find(s, "/srv/j", hash_b, hash_a, "julia", "env",
	                                      "other-spec", "wall", "quantile-seq/1", &row, &err),
	                 PW_ENOTFOUND);
	assert_int_equal(store_judgement_find(s, "/srv/j", hash_a, hash_a, "julia", "env", "spec",
	                                      "wall", "quantile-seq/1", &row, &err),
	                 PW_ENOTFOUND);
	store_judgement_row_release(&row);
	pw_error_release(&err);
}

static void test_judgements__a_commit_lists_every_judgement_newest_first(void **state)
{
	struct store *s = *state;
	struct pw_error err = PW_ERROR_INIT;
	struct store_judgement j = judgement("wall", "quantile-seq/1", "slower");
	struct store_judgement_list list = STORE_JUDGEMENT_LIST_INIT;

	wipe_judgements();
	assert_int_equal(store_judgement_add(s, &j, NULL, &err), 0);
	j.metric = "cpu";
	j.verdict = "ok";
	assert_int_equal(store_judgement_add(s, &j, NULL, &err), 0);
	j.metric = "instructions";
	j.judge = "counts/1";
	j.verdict = "faster";
	assert_int_equal(store_judgement_add(s, &j, NULL, &err), 0);
	assert_int_equal(store_judgements_for_commit(s, "/srv/j", hash_b, &list, &err), 0);
	assert_int_equal(list.nrows, 3);
	assert_string_equal(list.rows[0].metric, "instructions");
	assert_string_equal(list.rows[0].judge, "counts/1");
	assert_string_equal(list.rows[1].metric, "cpu");
	assert_string_equal(list.rows[2].metric, "wall");
	assert_true(list.rows[0].id > list.rows[1].id && list.rows[1].id > list.rows[2].id);
	/* the baseline is not the candidate: it has none of its own */
	assert_int_equal(store_judgements_for_commit(s, "/srv/j", hash_a, &list, &err), 0);
	assert_int_equal(list.nrows, 0);
	store_judgement_list_release(&list);
	pw_error_release(&err);
}

static void test_judgements__unknown_commits_and_bad_fields_are_refused(void **state)
{
	struct store *s = *state;
	struct pw_error err = PW_ERROR_INIT;
	struct store_judgement j = judgement("wall", "quantile-seq/1", "slower");

	wipe_judgements();
	j.candidate = "cccc000000000000000000000000000000000003";
	assert_int_equal(store_judgement_add(s, &j, NULL, &err), PW_ENOTFOUND);
	assert_non_null(strstr(pw_error_message(&err), "not stored in '/srv/j'"));
	j = judgement("wall", "quantile-seq/1", "slower");
	j.baseline = "cccc000000000000000000000000000000000003";
	assert_int_equal(store_judgement_add(s, &j, NULL, &err), PW_ENOTFOUND);
	assert_non_null(strstr(pw_error_message(&err), "baseline"));
	j = judgement("wall", "quantile-seq/1", "slower");
	j.fingerprint = "env-unknown";
	assert_int_equal(store_judgement_add(s, &j, NULL, &err), PW_ENOTFOUND);
	assert_non_null(strstr(pw_error_message(&err), "unknown environment 'env-unknown'"));
	j = judgement("wall", "quantile-seq/1", "slower");
	j.repo_location = "/srv/nowhere";
	assert_int_equal(store_judgement_add(s, &j, NULL, &err), PW_ENOTFOUND);
	assert_non_null(strstr(pw_error_message(&err), "unknown repository '/srv/nowhere'"));
	j = judgement("wall", NULL, "slower");
	assert_int_equal(store_judgement_add(s, &j, NULL, &err), PW_EINVALID);
	j = judgement("wall", "quantile-seq/1", "slower");
	j.details_json = "[1]";
	assert_int_equal(store_judgement_add(s, &j, NULL, &err), PW_EINVALID);
	j.details_json = NULL;
	j.rounds = -1;
	assert_int_equal(store_judgement_add(s, &j, NULL, &err), PW_EINVALID);
	assert_int_equal(fixture_count("SELECT count(*) FROM judgements"), 0);
	pw_error_release(&err);
}

static void test_judgements__readers_show_the_newest_judgement_on_the_newest_run(void **state)
{
	struct store *s = *state;
	struct pw_error err = PW_ERROR_INIT;
	struct store_judgement j = judgement("cpu", "quantile-seq/1", "faster");
	struct store_history_query q = {"/srv/j", "julia", STORE_METRIC_WALL, NULL, NULL, 0,
	                                0,        NULL};
	struct store_history h = STORE_HISTORY_INIT;
	struct store_commit_info info = STORE_COMMIT_INFO_INIT;

	wipe_judgements();
	/* not judged yet: the run's verdict */
	assert_int_equal(store_history_query(s, &q, &h, &err), 0);
	assert_int_equal(h.nrows, 2);
	assert_string_equal(h.rows[0].verdict, "ok");
	assert_null(h.rows[0].verdict_metric);
	store_history_release(&h);
	/* judged on cpu, then on wall: wall is preferred for a wall history */
	assert_int_equal(store_judgement_add(s, &j, NULL, &err), 0);
	j.metric = "wall";
	j.verdict = "slower";
	assert_int_equal(store_judgement_add(s, &j, NULL, &err), 0);
	j.metric = "cpu";
	j.verdict = "ok";
	assert_int_equal(store_judgement_add(s, &j, NULL, &err), 0);
	assert_int_equal(store_history_query(s, &q, &h, &err), 0);
	assert_string_equal(h.rows[0].hash, hash_b);
	assert_string_equal(h.rows[0].verdict, "slower");
	assert_string_equal(h.rows[0].run_verdict, "ok");
	assert_string_equal(h.rows[0].verdict_metric, "wall");
	assert_string_equal(h.rows[0].verdict_judge, "quantile-seq/1");
	assert_string_equal(h.rows[1].verdict, "ok");
	assert_null(h.rows[1].verdict_judge);
	store_history_release(&h);

	/* measured again (crashed this time): the newest run is read, with the judgement */
	store_run(s, hash_b, 2001, 300, "crashed");
	assert_int_equal(store_history_query(s, &q, &h, &err), 0);
	assert_int_equal(h.nrows, 2);
	assert_true(h.rows[0].median == 301);
	assert_string_equal(h.rows[0].run_verdict, "crashed");
	assert_string_equal(h.rows[0].verdict, "slower");
	store_history_release(&h);
	assert_int_equal(store_commit_load(s, "/srv/j", hash_b, &info, &err), 0);
	assert_int_equal(info.nruns, 2);
	assert_int_equal(info.runs[0].newest, 1);
	assert_string_equal(info.runs[0].verdict, "crashed");
	assert_string_equal(info.runs[0].judged_verdict, "slower");
	assert_string_equal(info.runs[0].judged_metric, "wall");
	assert_string_equal(store_run_shown_verdict(&info.runs[0]), "slower");
	assert_int_equal(info.runs[1].newest, 0);
	assert_null(info.runs[1].judged_verdict);
	assert_string_equal(store_run_shown_verdict(&info.runs[1]), "ok");
	store_commit_info_release(&info);
	pw_error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_judgements__a_judgement_round_trips_with_every_field),
	        cmocka_unit_test(test_judgements__absent_numbers_stay_null),
	        cmocka_unit_test(test_judgements__find_gives_the_newest_of_exactly_that_key),
	        cmocka_unit_test(test_judgements__a_commit_lists_every_judgement_newest_first),
	        cmocka_unit_test(test_judgements__unknown_commits_and_bad_fields_are_refused),
	        cmocka_unit_test(
	                test_judgements__readers_show_the_newest_judgement_on_the_newest_run),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
