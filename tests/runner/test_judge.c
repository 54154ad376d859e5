/*
 * Tests for runner/judge: the verdict strings, the decision on synthetic
 * samples made with the project's seeded PRNG (same level, 5% slower, 5%
 * faster, outliers, too few runs, undecided at and below the cap, a threshold
 * under the noise, instruction counts), the baseline choice and the bisect
 * planner on every culprit position for 2..40 commits, with and without skips.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "judge.h"
#include "stats.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* n runs of level ns with relative noise sigma (normal), from a fixed seed */
static void runs(double *x, size_t n, double level, double sigma, uint64_t seed)
{
	struct stats_rng rng;
	size_t i;

	stats_rng_seed(&rng, seed);
	for (i = 0; i < n; i++)
		x[i] = level * (1 + sigma * stats_rng_normal(&rng));
}

static enum verdict judge(const double *base, size_t nb, const double *cand, size_t nc,
                          const struct judge_options *opts, struct judge_result *res)
{
	struct pw_error err = PW_ERROR_INIT;
	int ret = judge_compare(base, nb, cand, nc, opts, res, &err);

	if (ret < 0)
		fail_msg("judge_compare: %s", pw_error_message(&err));
	pw_error_release(&err);
	return res->verdict;
}

/*
 * What the pipeline does: judge the first `n` runs of each side; while unsure,
 * measure 5 more of each (up to the 60-run cap) and judge again. Returns the
 * final verdict; *used is the number of runs per side it took.
 */
static enum verdict judge_until_sure(const double *base, const double *cand, size_t n,
                                     struct judge_result *res, size_t *used)
{
	enum verdict v;

	while ((v = judge(base, n, cand, n, NULL, res)) == VERDICT_UNSURE) {
		assert_true(n < 60);
		n += 5;
	}
	*used = n;
	return v;
}

static void test_judge__verdict_names_round_trip(void **state)
{
	static const char *const names[] = {"ok",           "slower",       "faster",  "unsure",
	                                    "wrong-output", "build-failed", "crashed", "timeout",
	                                    "no-spec",      "bad-spec"};
	struct pw_error err = PW_ERROR_INIT;
	enum verdict v;
	size_t i;

	(void)state;
	for (i = 0; i < N(names); i++) {
		assert_int_equal(verdict_parse(names[i], &v, &err), 0);
		assert_string_equal(verdict_name(v), names[i]);
	}
	assert_int_equal(verdict_parse("slow", &v, &err), PW_EINVALID);
	assert_string_equal(pw_error_message(&err), "unknown verdict 'slow'");
	assert_int_equal(verdict_parse(NULL, &v, &err), PW_EINVALID);
	assert_string_equal(verdict_name((enum verdict)99), "unknown");
	pw_error_release(&err);
}

static void test_judge__only_broken_commits_are_failures(void **state)
{
	(void)state;
	assert_true(verdict_is_failure(VERDICT_WRONG_OUTPUT));
	assert_true(verdict_is_failure(VERDICT_BUILD_FAILED));
	assert_true(verdict_is_failure(VERDICT_CRASHED));
	assert_true(verdict_is_failure(VERDICT_TIMEOUT));
	assert_true(verdict_is_failure(VERDICT_BAD_SPEC));
	assert_false(verdict_is_failure(VERDICT_NO_SPEC));
	assert_false(verdict_is_failure(VERDICT_OK));
	assert_false(verdict_is_failure(VERDICT_SLOWER));
	assert_false(verdict_is_failure(VERDICT_FASTER));
	assert_false(verdict_is_failure(VERDICT_UNSURE));
}

static void test_judge__identical_distributions_are_ok(void **state)
{
	struct judge_result res = JUDGE_RESULT_INIT;
	double base[60], cand[60];
	size_t used, first_time = 0;
	uint64_t seed;

	(void)state;
	for (seed = 1; seed <= 20; seed++) {
		runs(base, 60, 1e9, 0.01, seed);
		runs(cand, 60, 1e9, 0.01, seed + 1000);
		assert_int_equal(judge_until_sure(base, cand, 15, &res, &used), VERDICT_OK);
		assert_true(res.ci_lo > 1 / 1.02 && res.ci_hi < 1.02);
		assert_int_equal(res.n_base, used);
		assert_int_equal(res.n_new, used);
		first_time += used == 15;
	}
	/* usually 15 runs settle it; the rest need a round or two more */
	assert_true(first_time >= 15);
	assert_non_null(strstr(strbuf_str(&res.message), "ok: median "));
	judge_result_release(&res);
}

static void test_judge__five_percent_slower_with_noise_is_slower(void **state)
{
	struct judge_result res = JUDGE_RESULT_INIT;
	double base[15], cand[15];
	uint64_t seed;

	(void)state;
	for (seed = 1; seed <= 20; seed++) {
		runs(base, 15, 1e9, 0.01, seed);
		runs(cand, 15, 1.05e9, 0.01, seed + 1000);
		assert_int_equal(judge(base, 15, cand, 15, NULL, &res), VERDICT_SLOWER);
		assert_true(res.ratio > 1.03 && res.ratio < 1.07);
		assert_true(res.ci_lo > 1.02 && res.ci_lo < res.ratio && res.ratio < res.ci_hi);
		assert_true(res.p_value < 0.01);
	}
	assert_non_null(strstr(strbuf_str(&res.message), "slower: median +"));
	judge_result_release(&res);
}

static void test_judge__five_percent_faster_with_noise_is_faster(void **state)
{
	struct judge_result res = JUDGE_RESULT_INIT;
	double base[15], cand[15];
	uint64_t seed;

	(void)state;
	for (seed = 1; seed <= 20; seed++) {
		runs(base, 15, 1e9, 0.01, seed);
		runs(cand, 15, 0.95e9, 0.01, seed + 1000);
		assert_int_equal(judge(base, 15, cand, 15, NULL, &res), VERDICT_FASTER);
		assert_true(res.ci_hi < 1 / 1.02);
	}
	judge_result_release(&res);
}

static void test_judge__a_few_heavy_outliers_do_not_make_it_slower(void **state)
{
	struct judge_result res = JUDGE_RESULT_INIT;
	double base[60], cand[60];
	size_t used;
	uint64_t seed;

	(void)state;
	for (seed = 1; seed <= 20; seed++) {
		runs(base, 60, 1e9, 0.01, seed);
		runs(cand, 60, 1e9, 0.01, seed + 1000);
		cand[2] *= 3; /* another process took the core for three runs */
		cand[7] *= 2.5;
		cand[11] *= 4;
		base[5] *= 2; /* and one baseline run */
		assert_int_not_equal(judge(base, 15, cand, 15, NULL, &res), VERDICT_SLOWER);
		assert_int_equal(judge_until_sure(base, cand, 15, &res, &used), VERDICT_OK);
		assert_true(res.ratio < 1.015);
	}
	judge_result_release(&res);
}

static void test_judge__too_few_runs_are_unsure(void **state)
{
	struct judge_result res = JUDGE_RESULT_INIT;
	double base[15], cand[15];

	(void)state;
	runs(base, 15, 1e9, 0.01, 1);
	runs(cand, 15, 1.10e9, 0.01, 2);
	/* 3 vs 3: the exact test cannot get below p = 0.1, however clear the change */
	assert_int_equal(judge(base, 3, cand, 3, NULL, &res), VERDICT_UNSURE);
	assert_non_null(strstr(strbuf_str(&res.message), "too few runs to reach p < 0.01"));
	/* 4 vs 4 is below the default min_repeat of 5 */
	assert_int_equal(judge(base, 4, cand, 4, NULL, &res), VERDICT_UNSURE);
	/* the same data with 5 each is enough */
	assert_int_equal(judge(base, 5, cand, 5, NULL, &res), VERDICT_SLOWER);
	judge_result_release(&res);
}

static void test_judge__a_change_near_the_threshold_asks_for_more_runs(void **state)
{
	struct judge_options opts = JUDGE_OPTIONS_INIT;
	struct judge_result res = JUDGE_RESULT_INIT;
	double base[60], cand[60];

	(void)state;
	runs(base, 60, 1e9, 0.01, 1);
	runs(cand, 60, 1.015e9, 0.01, 101);
	/* 10 runs each: the CI straddles 1.02, neither confirmed nor ruled out */
	assert_int_equal(judge(base, 10, cand, 10, &opts, &res), VERDICT_UNSURE);
	assert_true(res.ci_lo < 1.02 && res.ci_hi > 1.02);
	assert_non_null(strstr(strbuf_str(&res.message), "neither confirmed nor ruled out"));
	/* at the cap, unsure is no longer an answer */
	opts.max_repeat = 10;
	assert_int_equal(judge(base, 10, cand, 10, &opts, &res), VERDICT_OK);
	assert_non_null(
	        strstr(strbuf_str(&res.message), "no change of 2% confirmed after 10 runs"));
	judge_result_release(&res);
}

static void test_judge__a_large_but_insignificant_change_is_not_slower(void **state)
{
	const double base[] = {90, 95, 100, 105, 110, 92, 97, 102, 107, 112};
	struct judge_options opts = JUDGE_OPTIONS_INIT;
	struct judge_result res = JUDGE_RESULT_INIT;
	double cand[10];
	size_t i;

	(void)state;
	for (i = 0; i < 10; i++)
		cand[i] = base[(i + 3) % 10] * 1.04;
	/* the medians differ by 4%, but with 7% noise ten runs prove nothing */
	assert_int_equal(judge(base, 10, cand, 10, &opts, &res), VERDICT_UNSURE);
	assert_true(fabs(res.ratio - 1.04) < 1e-12);
	assert_true(res.p_value > 0.1);
	opts.max_repeat = 10;
	assert_int_equal(judge(base, 10, cand, 10, &opts, &res), VERDICT_OK);
	judge_result_release(&res);
}

static void test_judge__a_threshold_below_the_noise_is_called_out(void **state)
{
	struct judge_options opts = JUDGE_OPTIONS_INIT;
	struct judge_result res = JUDGE_RESULT_INIT;
	double base[30], cand[30];

	(void)state;
	runs(base, 30, 1e9, 0.018, 5);
	runs(cand, 30, 1e9, 0.018, 6);
	opts.threshold = 0.005;
	judge(base, 30, cand, 30, &opts, &res);
	assert_true(res.noise > 0.012 && res.noise < 0.025);
	assert_true(res.min_detectable > 0.005);
	assert_non_null(strstr(strbuf_str(&res.message),
	                       "threshold 0.5% is below what 60 runs can resolve"));
	assert_non_null(strstr(strbuf_str(&res.message), "not trustworthy"));
	/* the default 2% is fine at that noise */
	judge(base, 30, cand, 30, NULL, &res);
	assert_null(strstr(strbuf_str(&res.message), "not trustworthy"));
	judge_result_release(&res);
}

static void test_judge__the_same_samples_give_the_same_judgement(void **state)
{
	struct judge_result a = JUDGE_RESULT_INIT, b = JUDGE_RESULT_INIT;
	double base[12], cand[12];

	(void)state;
	runs(base, 12, 1e9, 0.02, 7);
	runs(cand, 12, 1.03e9, 0.02, 8);
	judge(base, 12, cand, 12, NULL, &a);
	judge(base, 12, cand, 12, NULL, &b);
	assert_int_equal(a.verdict, b.verdict);
	assert_true(a.ci_lo == b.ci_lo && a.ci_hi == b.ci_hi && a.p_value == b.p_value);
	assert_string_equal(strbuf_str(&a.message), strbuf_str(&b.message));
	judge_result_release(&a);
	judge_result_release(&b);
}

static void test_judge__instruction_counts_flag_any_change_of_a_tenth_percent(void **state)
{
	struct judge_options opts = JUDGE_OPTIONS_INIT;
	struct judge_result res = JUDGE_RESULT_INIT;
	const double base[] = {1000000000};
	const double slower[] = {1001500000}, same[] = {1000500000}, faster[] = {998000000};

	(void)state;
	opts.metric = JUDGE_METRIC_INSTRUCTIONS;
	assert_int_equal(judge(base, 1, slower, 1, &opts, &res), VERDICT_SLOWER);
	assert_true(res.ratio == 1.0015 && res.ci_lo == res.ratio && res.ci_hi == res.ratio);
	assert_true(isnan(res.p_value));
	assert_int_equal(judge(base, 1, same, 1, &opts, &res), VERDICT_OK);
	assert_int_equal(judge(base, 1, faster, 1, &opts, &res), VERDICT_FASTER);
	assert_non_null(strstr(strbuf_str(&res.message), "-0.200% instructions"));
	judge_result_release(&res);
}

static void test_judge__bad_input_gets_a_clear_error(void **state)
{
	struct judge_options opts = JUDGE_OPTIONS_INIT;
	struct judge_result res = JUDGE_RESULT_INIT;
	struct pw_error err = PW_ERROR_INIT;
	const double base[] = {1, 2, 3, 4, 5}, zero[] = {0, 0, 0, 0, 0}, inf[] = {1, INFINITY};

	(void)state;
	assert_int_equal(judge_compare(base, 0, base, 5, NULL, &res, &err), PW_EINVALID);
	assert_string_equal(pw_error_message(&err),
	                    "cannot judge without samples (0 baseline, 5 candidate)");
	assert_int_equal(judge_compare(zero, 5, base, 5, NULL, &res, &err), PW_EINVALID);
	assert_int_equal(judge_compare(base, 5, inf, 2, NULL, &res, &err), PW_EINVALID);
	opts.alpha = 2;
	assert_int_equal(judge_compare(base, 5, base, 5, &opts, &res, &err), PW_EINVALID);
	opts = (struct judge_options)JUDGE_OPTIONS_INIT;
	opts.metric = JUDGE_METRIC_INSTRUCTIONS;
	assert_int_equal(judge_compare(zero, 1, base, 1, &opts, &res, &err), PW_EINVALID);
	judge_result_release(&res);
	pw_error_release(&err);
}

static void test_judge__baseline_is_the_last_good_commit_before(void **state)
{
	const enum verdict history[] = {VERDICT_OK,           VERDICT_SLOWER, VERDICT_BUILD_FAILED,
	                                VERDICT_WRONG_OUTPUT, VERDICT_FASTER, VERDICT_CRASHED};
	const enum verdict broken_start[] = {VERDICT_TIMEOUT, VERDICT_NO_SPEC, VERDICT_BAD_SPEC,
	                                     VERDICT_OK};
	struct pw_error err = PW_ERROR_INIT;
	size_t j;

	(void)state;
	assert_int_equal(judge_baseline_index(history, 6, 1, &j, &err), 0);
	assert_int_equal(j, 0);
	assert_int_equal(judge_baseline_index(history, 6, 2, &j, &err), 0);
	assert_int_equal(j, 1); /* a slower commit is a valid baseline */
	assert_int_equal(judge_baseline_index(history, 6, 4, &j, &err), 0);
	assert_int_equal(j, 1); /* build-failed and wrong-output are skipped */
	assert_int_equal(judge_baseline_index(history, 6, 5, &j, &err), 0);
	assert_int_equal(j, 4);
	assert_int_equal(judge_baseline_index(history, 6, 0, &j, &err), PW_ENOTFOUND);
	assert_int_equal(judge_baseline_index(broken_start, 4, 3, &j, &err), PW_ENOTFOUND);
	assert_string_equal(pw_error_message(&err), "no good commit before commit 3");
	assert_int_equal(judge_baseline_index(history, 6, 6, &j, &err), PW_EINVALID);
	pw_error_release(&err);
}

static size_t ceil_log2(size_t n)
{
	size_t k = 0;

	while (((size_t)1 << k) < n)
		k++;
	return k;
}

/*
 * Bisect n commits whose first bad one is `culprit`; commits with skip[i] set
 * cannot be measured. Returns the number of good/bad probes; the culprit range
 * comes back in *first, *last.
 */
static size_t bisect(size_t n, size_t culprit, const unsigned char *skip, size_t *first,
                     size_t *last)
{
	struct judge_bisect b = JUDGE_BISECT_INIT;
	size_t idx, measured = 0, reports = 0;

	assert_int_equal(judge_bisect_init(&b, n, NULL), 0);
	while (judge_bisect_next(&b, &idx)) {
		enum judge_probe outcome;

		assert_true(idx > 0 && idx < n - 1);
		if (skip && skip[idx])
			outcome = JUDGE_PROBE_SKIP;
		else
			outcome = idx >= culprit ? JUDGE_PROBE_BAD : JUDGE_PROBE_GOOD;
		measured += outcome != JUDGE_PROBE_SKIP;
		assert_int_equal(judge_bisect_report(&b, idx, outcome, NULL), 0);
		assert_true(++reports <= n); /* it always ends */
	}
	assert_int_equal(judge_bisect_culprit(&b, first, last, NULL), 0);
	assert_int_equal(b.probes, reports);
	judge_bisect_release(&b);
	return measured;
}

static void test_judge__bisect_finds_every_culprit_within_log2_probes(void **state)
{
	size_t n, culprit, first, last;

	(void)state;
	for (n = 2; n <= 40; n++) {
		for (culprit = 1; culprit < n; culprit++) {
			size_t probes = bisect(n, culprit, NULL, &first, &last);

			if (first != culprit || last != culprit || probes > ceil_log2(n) + 1)
				fail_msg("n %zu culprit %zu: found [%zu, %zu] in %zu probes", n,
				         culprit, first, last, probes);
		}
	}
}

static void test_judge__bisect_steps_around_commits_that_do_not_build(void **state)
{
	unsigned char skip[40];
	size_t n, culprit, first, last, i;
	int pattern;

	(void)state;
	for (pattern = 0; pattern < 3; pattern++) {
		for (n = 2; n <= 40; n++) {
			for (i = 0; i < n; i++)
				skip[i] = pattern == 0   ? i % 3 == 1
				          : pattern == 1 ? (i > n / 3 && i < n / 2)
				                         : i % 2 == 1;
			for (culprit = 1; culprit < n; culprit++) {
				size_t probes = bisect(n, culprit, skip, &first, &last);

				/* the culprit is in the range; all of it but the end is unbuildable
				 */
				if (!(first <= culprit && culprit <= last))
					fail_msg("n %zu culprit %zu: range [%zu, %zu]", n, culprit,
					         first, last);
				for (i = first; i < last; i++)
					assert_true(skip[i]);
				/* pinned exactly when neither it nor its parent is skipped */
				if (!skip[culprit] && !skip[culprit - 1])
					assert_true(first == culprit && last == culprit);
				assert_true(probes <= ceil_log2(n) + 3);
			}
		}
	}
}

static void test_judge__bisect_refuses_wrong_reports(void **state)
{
	struct judge_bisect b = JUDGE_BISECT_INIT;
	struct pw_error err = PW_ERROR_INIT;
	size_t idx, first, last;

	(void)state;
	assert_int_equal(judge_bisect_init(&b, 1, &err), PW_EINVALID);
	assert_int_equal(judge_bisect_init(&b, 10, &err), 0);
	assert_int_equal(judge_bisect_culprit(&b, &first, &last, &err), PW_EINVALID);
	assert_string_equal(pw_error_message(&err), "the bisection is not done yet");
	assert_int_equal(judge_bisect_next(&b, &idx), 1);
	assert_int_equal(idx, 4);
	assert_int_equal(judge_bisect_report(&b, idx, JUDGE_PROBE_BAD, &err), 0);
	assert_int_equal(judge_bisect_report(&b, 6, JUDGE_PROBE_GOOD, &err), PW_EINVALID);
	assert_string_equal(pw_error_message(&err),
	                    "commit 6 is not between the good commit 0 and the bad commit 4");
	assert_int_equal(judge_bisect_report(&b, 0, JUDGE_PROBE_GOOD, &err), PW_EINVALID);
	judge_bisect_release(&b);
	/* two commits: nothing to probe, the bad one is the culprit */
	assert_int_equal(judge_bisect_init(&b, 2, &err), 0);
	assert_int_equal(judge_bisect_next(&b, &idx), 0);
	assert_int_equal(judge_bisect_culprit(&b, &first, &last, &err), 0);
	assert_int_equal(first, 1);
	assert_int_equal(last, 1);
	judge_bisect_release(&b);
	pw_error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_judge__verdict_names_round_trip),
	        cmocka_unit_test(test_judge__only_broken_commits_are_failures),
	        cmocka_unit_test(test_judge__identical_distributions_are_ok),
	        cmocka_unit_test(test_judge__five_percent_slower_with_noise_is_slower),
	        cmocka_unit_test(test_judge__five_percent_faster_with_noise_is_faster),
	        cmocka_unit_test(test_judge__a_few_heavy_outliers_do_not_make_it_slower),
	        cmocka_unit_test(test_judge__too_few_runs_are_unsure),
	        cmocka_unit_test(test_judge__a_change_near_the_threshold_asks_for_more_runs),
	        cmocka_unit_test(test_judge__a_large_but_insignificant_change_is_not_slower),
	        cmocka_unit_test(test_judge__a_threshold_below_the_noise_is_called_out),
	        cmocka_unit_test(test_judge__the_same_samples_give_the_same_judgement),
	        cmocka_unit_test(test_judge__instruction_counts_flag_any_change_of_a_tenth_percent),
	        cmocka_unit_test(test_judge__bad_input_gets_a_clear_error),
	        cmocka_unit_test(test_judge__baseline_is_the_last_good_commit_before),
	        cmocka_unit_test(test_judge__bisect_finds_every_culprit_within_log2_probes),
	        cmocka_unit_test(test_judge__bisect_steps_around_commits_that_do_not_build),
	        cmocka_unit_test(test_judge__bisect_refuses_wrong_reports),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
