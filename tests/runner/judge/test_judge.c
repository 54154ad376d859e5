/*
 * Tests for runner/judge/judge: the verdict strings, the decision on synthetic
 * samples made with the project's seeded PRNG (same level, 5% slower, 5%
 * faster, outliers, too few runs, undecided at and below the cap, a threshold
 * under the noise, instruction counts, 2% found and 1% let pass), the paired
 * judgement of interleaved runs (each edge of the decision rule on hand-made
 * ratios, and bursts of load shared by both members of a pair, which the
 * unpaired test cannot see through), the baseline choice and the bisect
 * planner on every culprit position for 2..40 commits, with and without skips.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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

static enum verdict judge_paired(const double *base, const double *cand, size_t n,
                                 const struct judge_options *opts, struct judge_result *res)
{
	struct pw_error err = PW_ERROR_INIT;
	int ret = judge_compare_paired(base, cand, n, opts, res, &err);

	if (ret < 0)
		fail_msg("judge_compare_paired: %s", pw_error_message(&err));
	pw_error_release(&err);
	return res->verdict;
}

/*
 * n interleaved pairs: both members of pair i run under the same machine
 * load, a factor drawn uniformly from [burst_lo, burst_hi] (1, 1: none);
 * each run has its own relative noise sigma; the candidate is `shift` slower.
 */
static void pairs(double *base, double *cand, size_t n, double shift, double sigma, double burst_lo,
                  double burst_hi, uint64_t seed)
{
	struct stats_rng rng;
	size_t i;

	stats_rng_seed(&rng, seed);
	for (i = 0; i < n; i++) {
		double load = burst_lo + (burst_hi - burst_lo) * stats_rng_uniform(&rng);

		base[i] = 1e9 * load * (1 + sigma * stats_rng_normal(&rng));
		cand[i] = 1e9 * (1 + shift) * load * (1 + sigma * stats_rng_normal(&rng));
	}
}

/* What check.c does with interleaved rounds: 5 pairs more while unsure, up to 60. */
static enum verdict judge_paired_until_sure(const double *base, const double *cand,
                                            struct judge_result *res, size_t *used)
{
	size_t n = 5;
	enum verdict v;

	while ((v = judge_paired(base, cand, n, NULL, res)) == VERDICT_UNSURE) {
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

static void test_judge__a_true_two_percent_slowdown_is_found(void **state)
{
	struct judge_result res = JUDGE_RESULT_INIT;
	double base[60], cand[60];
	size_t used, found = 0;
	uint64_t seed;

	(void)state;
	for (seed = 1; seed <= 20; seed++) {
		runs(base, 60, 1e9, 0.005, seed);
		runs(cand, 60, 1.02e9, 0.005, seed + 1000);
		found += judge_until_sure(base, cand, 15, &res, &used) == VERDICT_SLOWER;
		assert_int_not_equal(res.verdict, VERDICT_FASTER);
	}
	print_message("2%% slower at 0.5%% noise: %zu of 20 seeds slower\n", found);
	assert_true(found >= 17); /* 20 of 20 when written */
	judge_result_release(&res);
}

static void test_judge__a_true_one_percent_change_is_let_pass(void **state)
{
	struct judge_result res = JUDGE_RESULT_INIT;
	double base[60], cand[60];
	size_t used, ok = 0;
	uint64_t seed;

	(void)state;
	for (seed = 1; seed <= 20; seed++) {
		runs(base, 60, 1e9, 0.005, seed);
		runs(cand, 60, 1.01e9, 0.005, seed + 1000);
		ok += judge_until_sure(base, cand, 15, &res, &used) == VERDICT_OK;
	}
	print_message("1%% slower at 0.5%% noise: %zu of 20 seeds ok\n", ok);
	assert_true(ok >= 18); /* 20 of 20 when written */
	judge_result_release(&res);
}

static void test_judge__paired_runs_are_judged_on_their_ratios(void **state)
{
	struct judge_result res = JUDGE_RESULT_INIT;
	double base[60], cand[60], logs[20];
	struct stats_wilcoxon w;
	size_t i, used;
	uint64_t seed;

	(void)state;
	for (seed = 1; seed <= 20; seed++) {
		pairs(base, cand, 60, 0, 0.01, 1, 1, seed);
		assert_int_equal(judge_paired_until_sure(base, cand, &res, &used), VERDICT_OK);
		assert_true(res.ci_lo > 1 / 1.02 && res.ci_hi < 1.02);
		pairs(base, cand, 60, 0.05, 0.01, 1, 1, seed);
		assert_int_equal(judge_paired(base, cand, 10, NULL, &res), VERDICT_SLOWER);
		assert_true(res.ratio > 1.03 && res.ratio < 1.07 && res.ci_lo > 1.02);
		pairs(base, cand, 60, -0.05, 0.01, 1, 1, seed);
		assert_int_equal(judge_paired(base, cand, 10, NULL, &res), VERDICT_FASTER);
		assert_true(res.ci_hi < 1 / 1.02);
	}
	assert_non_null(strstr(strbuf_str(&res.message), "faster: paired median -"));
	assert_non_null(strstr(strbuf_str(&res.message), ", 10 pairs)"));
	assert_int_equal(res.n_base, 10);
	assert_int_equal(res.n_new, 10);
	/* the p-value is the signed-rank test on the log ratios */
	pairs(base, cand, 20, 0.01, 0.01, 1, 1, 3);
	for (i = 0; i < 20; i++)
		logs[i] = log(cand[i] / base[i]);
	judge_paired(base, cand, 20, NULL, &res);
	assert_int_equal(stats_wilcoxon_signed_rank(logs, 20, STATS_WILCOXON_AUTO, &w, NULL), 0);
	assert_true(res.p_value == w.p_value);
	judge_result_release(&res);
}

/* Pairs with ratio r[i] each, on baselines that differ (a drifting machine). */
static enum verdict judge_ratios(const double *r, size_t n, const struct judge_options *opts,
                                 struct judge_result *res)
{
	double base[16], cand[16];
	size_t i;

	for (i = 0; i < n; i++) {
		base[i] = 1e9 + 1e6 * (double)i;
		cand[i] = base[i] * r[i];
	}
	return judge_paired(base, cand, n, opts, res);
}

static void test_judge__the_rule_weighs_size_as_well_as_significance(void **state)
{
	/* significant (all 12 slower), median 1.35%: under the threshold but over half of it,
	 * and the CI reaches 2% */
	const double half[] = {1.002, 1.004, 1.007, 1.009, 1.012, 1.013,
	                       1.014, 1.016, 1.019, 1.023, 1.028, 1.035};
	/* significant, median 1.25%, but the CI stays under 2%: smaller than the threshold */
	const double small[] = {1.004, 1.006, 1.008, 1.010, 1.011, 1.012,
	                        1.013, 1.014, 1.016, 1.018, 1.024, 1.030};
	/* significant, median 0.85%, under half the threshold, the CI still reaching it */
	const double below_half[] = {1.005, 1.006, 1.007, 1.008, 1.009, 1.009,
	                             1.008, 1.006, 1.03,  1.04,  1.05,  1.035};
	struct judge_options opts = JUDGE_OPTIONS_INIT;
	struct judge_result res = JUDGE_RESULT_INIT;
	double inverse[12];
	size_t i;

	(void)state;
	assert_int_equal(judge_ratios(half, 12, NULL, &res), VERDICT_SLOWER);
	assert_true(res.p_value < 0.01 && res.ci_lo > 1 && res.ci_hi >= 1.02);
	assert_true(res.ratio >= 1.01 && res.ratio < 1.02);
	/* the mirror image is faster */
	for (i = 0; i < 12; i++)
		inverse[i] = 1 / half[i];
	assert_int_equal(judge_ratios(inverse, 12, NULL, &res), VERDICT_FASTER);
	assert_true(res.ci_hi < 1 && res.ci_lo <= 1 / 1.02 && res.ratio <= 1 / 1.01);

	assert_int_equal(judge_ratios(small, 12, NULL, &res), VERDICT_OK);
	assert_true(res.p_value < 0.01 && res.ci_lo > 1 && res.ci_hi < 1.02);

	assert_int_equal(judge_ratios(below_half, 12, NULL, &res), VERDICT_UNSURE);
	assert_true(res.p_value < 0.01 && res.ci_lo > 1 && res.ci_hi >= 1.02 && res.ratio < 1.01);
	assert_non_null(strstr(strbuf_str(&res.message), "neither confirmed nor ruled out"));
	opts.max_repeat = 12;
	assert_int_equal(judge_ratios(below_half, 12, &opts, &res), VERDICT_OK);
	assert_non_null(
	        strstr(strbuf_str(&res.message), "no change of 2% confirmed after 12 pairs"));
	judge_result_release(&res);
}

static void test_judge__too_few_pairs_are_unsure(void **state)
{
	struct judge_result res = JUDGE_RESULT_INIT;
	double base[10], cand[10];

	(void)state;
	pairs(base, cand, 10, 0.10, 0.005, 1, 1, 4);
	/* 7 pairs all slower: the signed-rank test cannot get below 2 / 2^7 = 0.0156 */
	assert_int_equal(judge_paired(base, cand, 7, NULL, &res), VERDICT_UNSURE);
	assert_non_null(strstr(strbuf_str(&res.message), "too few pairs to reach p < 0.01"));
	assert_true(res.ratio > 1.08);
	/* 8 pairs can: 2 / 256 */
	assert_int_equal(judge_paired(base, cand, 8, NULL, &res), VERDICT_SLOWER);
	assert_true(fabs(res.p_value - 0.0078125) < 1e-15);
	judge_result_release(&res);
}

static void test_judge__pairing_sees_through_load_shared_by_a_pair(void **state)
{
	struct judge_result paired = JUDGE_RESULT_INIT, unpaired = JUDGE_RESULT_INIT;
	double base[20], cand[20];
	size_t slower = 0, unpaired_slower = 0;
	uint64_t seed;

	(void)state;
	for (seed = 1; seed <= 20; seed++) {
		/* every pair runs under its own load, 0.9 to 1.3 times the quiet speed */
		pairs(base, cand, 20, 0.03, 0.005, 0.9, 1.3, seed);
		slower += judge_paired(base, cand, 20, NULL, &paired) == VERDICT_SLOWER;
		assert_true(paired.ci_lo > 1.01 && paired.ci_hi < 1.05);
		/* the same runs taken as two independent samples: lost in the load */
		judge(base, 20, cand, 20, NULL, &unpaired);
		unpaired_slower += unpaired.verdict == VERDICT_SLOWER;
		assert_true(unpaired.p_value > paired.p_value);
	}
	print_message("+3%% under shared load: paired %zu of 20 slower, unpaired %zu of 20\n",
	              slower, unpaired_slower);
	assert_int_equal(slower, 20);
	assert_int_equal(unpaired_slower, 0);
	assert_true(unpaired.ci_hi - unpaired.ci_lo > 0.1);
	judge_result_release(&paired);
	judge_result_release(&unpaired);
}

static void test_judge__shared_load_gives_no_false_alarm(void **state)
{
	struct judge_result res = JUDGE_RESULT_INIT;
	double base[60], cand[60];
	size_t used, ok = 0, total = 0;
	uint64_t seed;

	(void)state;
	for (seed = 1; seed <= 50; seed++) {
		pairs(base, cand, 60, 0, 0.005, 0.9, 1.3, seed + 500);
		ok += judge_paired_until_sure(base, cand, &res, &used) == VERDICT_OK;
		total += used;
	}
	print_message("no change under shared load: %zu of 50 seeds ok, %.1f pairs on average\n",
	              ok, (double)total / 50);
	assert_int_equal(ok, 50);
	judge_result_release(&res);
}

static void test_judge__paired_bad_input_gets_a_clear_error(void **state)
{
	struct judge_options opts = JUDGE_OPTIONS_INIT;
	struct judge_result res = JUDGE_RESULT_INIT;
	struct pw_error err = PW_ERROR_INIT;
	const double base[] = {1, 2, 3, 4, 5}, zero[] = {1, 2, 0, 4, 5}, nan[] = {1, NAN, 3, 4, 5};
	const double more[] = {1000000000, 1000000000, 1000000000, 1000000000, 1000000000};
	const double less[] = {998000000, 998000000, 998000000, 998000000, 998000000};

	(void)state;
	assert_int_equal(judge_compare_paired(base, base, 0, NULL, &res, &err), PW_EINVALID);
	assert_string_equal(pw_error_message(&err), "cannot judge without pairs (0 pairs)");
	assert_int_equal(judge_compare_paired(base, zero, 5, NULL, &res, &err), PW_EINVALID);
	assert_string_equal(pw_error_message(&err),
	                    "pair 2 is not two positive values (3 baseline, 0 candidate)");
	assert_int_equal(judge_compare_paired(nan, base, 5, NULL, &res, &err), PW_EINVALID);
	opts.threshold = 0;
	assert_int_equal(judge_compare_paired(base, base, 5, &opts, &res, &err), PW_EINVALID);
	/* identical pairs: no evidence of any change */
	assert_int_equal(judge_compare_paired(more, more, 5, NULL, &res, &err), 0);
	assert_true(res.p_value == 1);
	opts = (struct judge_options)JUDGE_OPTIONS_INIT;
	opts.max_repeat = 5;
	assert_int_equal(judge_compare_paired(more, more, 5, &opts, &res, &err), 0);
	assert_int_equal(res.verdict, VERDICT_OK);
	opts.metric = JUDGE_METRIC_INSTRUCTIONS;
	assert_int_equal(judge_compare_paired(more, less, 1, &opts, &res, &err), 0);
	assert_int_equal(res.verdict, VERDICT_FASTER);
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
	/* the rule itself, which check applies per benchmark */
	assert_true(judge_can_be_baseline(VERDICT_OK));
	assert_true(judge_can_be_baseline(VERDICT_SLOWER));
	assert_true(judge_can_be_baseline(VERDICT_INCONCLUSIVE));
	assert_false(judge_can_be_baseline(VERDICT_NO_SPEC));
	assert_false(judge_can_be_baseline(VERDICT_BAD_SPEC));
	assert_false(judge_can_be_baseline(VERDICT_CRASHED));
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

/* ---- the sequential lower-quartile judge ---- */

/* The looks `perfwarden check` takes with its defaults, and a push of 31 comparisons. */
static const size_t seq_looks[] = {6, 10, 14, 20, 28, 40};
#define SEQ_ALPHA_CHANGE (0.05 / (2.0 * 31 * 6))

/* Judge the first n rounds at each look until decided; the verdict and the rounds it took. */
static enum verdict judge_sequentially(const double *base, const double *cand, size_t avail,
                                       double threshold, size_t *rounds)
{
	struct judge_seq_options o = JUDGE_SEQ_OPTIONS_INIT;
	struct judge_result r;
	enum verdict v = VERDICT_UNSURE;
	size_t i;

	o.threshold = threshold;
	o.alpha_change = SEQ_ALPHA_CHANGE;
	o.paired = 1;
	judge_result_init(&r);
	for (i = 0; i < sizeof(seq_looks) / sizeof(seq_looks[0]) && seq_looks[i] <= avail; i++) {
		o.final_look = i + 1 == sizeof(seq_looks) / sizeof(seq_looks[0]) ||
		               seq_looks[i + 1] > avail;
		assert_int_equal(
		        judge_quantile(base, seq_looks[i], cand, seq_looks[i], &o, &r, NULL), 0);
		v = r.verdict;
		*rounds = seq_looks[i];
		if (v != VERDICT_UNSURE)
			break;
	}
	judge_result_release(&r);
	return v;
}

/*
 * Interleaved rounds on a shared machine: a floor with 0.3% jitter, and bursts
 * of interference that last a few rounds and hit both commits of a round
 * alike or either one, adding 5-40%.
 */
static void rounds_with_bursts(double *base, double *cand, size_t n, double shift, uint64_t seed,
                               double burst_rate)
{
	struct stats_rng rng;
	int burst = 0;
	size_t i;

	stats_rng_seed(&rng, seed);
	for (i = 0; i < n; i++) {
		if (stats_rng_uniform(&rng) < 0.3)
			burst = stats_rng_uniform(&rng) < burst_rate;
		base[i] = 100e6 * (1 + 0.003 * fabs(stats_rng_normal(&rng)));
		cand[i] = 100e6 * shift * (1 + 0.003 * fabs(stats_rng_normal(&rng)));
		if (burst && stats_rng_uniform(&rng) < 0.8)
			base[i] *= 1.05 + 0.35 * stats_rng_uniform(&rng);
		if (burst && stats_rng_uniform(&rng) < 0.8)
			cand[i] *= 1.05 + 0.35 * stats_rng_uniform(&rng);
	}
}

static void test_judge__quantile_finds_a_two_percent_slowdown_through_bursts(void **state)
{
	double base[40], cand[40];
	size_t rounds, seed, found = 0;

	(void)state;
	for (seed = 1; seed <= 20; seed++) {
		rounds_with_bursts(base, cand, 40, 1.025, seed, 0.4);
		if (judge_sequentially(base, cand, 40, 0.02, &rounds) == VERDICT_SLOWER)
			found++;
		else
			assert_int_not_equal(judge_sequentially(base, cand, 40, 0.02, &rounds),
			                     VERDICT_OK);
	}
	assert_true(found >= 18);
}

static void test_judge__quantile_calls_identical_commits_ok_and_never_slower(void **state)
{
	double base[40], cand[40];
	size_t rounds, seed, ok = 0, total_rounds = 0;

	(void)state;
	for (seed = 100; seed < 140; seed++) {
		enum verdict v;

		rounds_with_bursts(base, cand, 40, 1.0, seed, 0.4);
		v = judge_sequentially(base, cand, 40, 0.02, &rounds);
		assert_true(v == VERDICT_OK || v == VERDICT_INCONCLUSIVE);
		ok += v == VERDICT_OK;
		total_rounds += rounds;
	}
	assert_true(ok >= 36);
	assert_true(total_rounds < 40 * 20); /* a clear ok never costs the whole budget */
}

static void test_judge__quantile_is_not_fooled_by_a_burst_on_one_side(void **state)
{
	struct judge_seq_options o = JUDGE_SEQ_OPTIONS_INIT;
	struct judge_result r;
	double base[20], cand[20];
	size_t i;

	(void)state;
	/* the candidate's first 12 runs were all hit by a neighbour: the median moves by 20% */
	rounds_with_bursts(base, cand, 20, 1.0, 7, 0);
	for (i = 0; i < 12; i++)
		cand[i] *= 1.2;
	judge_result_init(&r);
	o.alpha_change = SEQ_ALPHA_CHANGE;
	assert_int_equal(judge_quantile(base, 20, cand, 20, &o, &r, NULL), 0);
	assert_int_not_equal(r.verdict, VERDICT_SLOWER);
	assert_true(r.ratio < 1.01);
	judge_result_release(&r);
}

static void test_judge__quantile_says_inconclusive_with_what_it_could_resolve(void **state)
{
	struct judge_seq_options o = JUDGE_SEQ_OPTIONS_INIT;
	struct judge_result r;
	double base[8], cand[8];

	(void)state;
	rounds_with_bursts(base, cand, 8, 1.0, 3, 0.9);
	o.threshold = 0.001; /* far below what 8 noisy rounds resolve */
	o.final_look = 1;
	judge_result_init(&r);
	assert_int_equal(judge_quantile(base, 8, cand, 8, &o, &r, NULL), 0);
	assert_int_equal(r.verdict, VERDICT_INCONCLUSIVE);
	assert_true(r.min_detectable > 0.001);
	assert_non_null(strstr(r.message.buf, "resolve"));
	o.final_look = 0;
	assert_int_equal(judge_quantile(base, 8, cand, 8, &o, &r, NULL), 0);
	assert_int_equal(r.verdict, VERDICT_UNSURE);
	o.quantile = 0;
	assert_int_equal(judge_quantile(base, 8, cand, 8, &o, &r, NULL), PW_EINVALID);
	judge_result_release(&r);
}

/*
 * Recorded on this project's 2-core VM (tests/runner/judge/data/rounds-*.txt): four
 * programs run in interleaved rounds, a and a2 the same binary, b with 2% and
 * c with 5% more loop iterations; once with the other core idle, once with a
 * busy loop on it. Every window of 40 rounds, judged as check would.
 */
static size_t read_rounds(const char *name, double cols[4][128])
{
	char path[1024], line[256];
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/runner/judge/data/%s", PERFWARDEN_SOURCE_DIR, name);
	f = fopen(path, "r");
	assert_non_null(f);
	while (n < 128 && fgets(line, sizeof(line), f))
		if (line[0] != '#' && sscanf(line, "%lf %lf %lf %lf", &cols[0][n], &cols[1][n],
		                             &cols[2][n], &cols[3][n]) == 4)
			n++;
	fclose(f);
	return n;
}

static void test_judge__quantile_on_recorded_rounds(void **state)
{
	static const char *const files[] = {"rounds-idle.txt", "rounds-loaded.txt"};
	static double cols[4][128];
	size_t fi, s, n, rounds, windows = 0, found5 = 0, found2 = 0, same_ok = 0;

	(void)state;
	for (fi = 0; fi < 2; fi++) {
		n = read_rounds(files[fi], cols);
		assert_true(n >= 100);
		for (s = 0; s + 40 <= n; s += 10) {
			enum verdict same =
			        judge_sequentially(cols[0] + s, cols[1] + s, 40, 0.02, &rounds);
			enum verdict two =
			        judge_sequentially(cols[0] + s, cols[2] + s, 40, 0.02, &rounds);
			enum verdict five =
			        judge_sequentially(cols[0] + s, cols[3] + s, 40, 0.02, &rounds);
			enum verdict undo =
			        judge_sequentially(cols[3] + s, cols[0] + s, 40, 0.02, &rounds);

			windows++;
			assert_true(same == VERDICT_OK || same == VERDICT_INCONCLUSIVE);
			assert_true(two == VERDICT_SLOWER || two == VERDICT_INCONCLUSIVE);
			assert_true(undo == VERDICT_FASTER);
			same_ok += same == VERDICT_OK;
			found2 += two == VERDICT_SLOWER;
			found5 += five == VERDICT_SLOWER;
		}
	}
	assert_int_equal(found5, windows);
	assert_true(same_ok * 10 >= windows * 9);
	assert_true(found2 * 10 >= windows * 7);
}

/*
 * A saturated machine: every run competes with a load that changes from
 * round to round (x1.5 to x4) but slows both runs of a round alike, with 2%
 * of jitter on top. No run is clean, so the lower part moves with the load;
 * only the pairs see a 5% change.
 */
static void test_judge__paired_test_sees_through_a_saturated_machine(void **state)
{
	struct stats_rng rng;
	double base[40], cand[40];
	size_t i, rounds, seed, found = 0, wrong = 0;
	enum verdict v;

	(void)state;
	for (seed = 1; seed <= 10; seed++) {
		stats_rng_seed(&rng, seed);
		for (i = 0; i < 40; i++) {
			double load = 1.5 + 2.5 * stats_rng_uniform(&rng);

			base[i] = 100e6 * load * (1 + 0.02 * stats_rng_normal(&rng));
			cand[i] = 105e6 * load * (1 + 0.02 * stats_rng_normal(&rng));
		}
		found += judge_sequentially(base, cand, 40, 0.02, &rounds) == VERDICT_SLOWER;
		/* the same load, no change: never a verdict of change */
		for (i = 0; i < 40; i++)
			cand[i] = base[i] * (1 + 0.02 * stats_rng_normal(&rng));
		v = judge_sequentially(base, cand, 40, 0.02, &rounds);
		wrong += v == VERDICT_SLOWER || v == VERDICT_FASTER;
	}
	assert_true(found >= 9);
	assert_int_equal(wrong, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_judge__verdict_names_round_trip),
	        cmocka_unit_test(test_judge__quantile_finds_a_two_percent_slowdown_through_bursts),
	        cmocka_unit_test(test_judge__quantile_calls_identical_commits_ok_and_never_slower),
	        cmocka_unit_test(test_judge__quantile_is_not_fooled_by_a_burst_on_one_side),
	        cmocka_unit_test(test_judge__quantile_says_inconclusive_with_what_it_could_resolve),
	        cmocka_unit_test(test_judge__quantile_on_recorded_rounds),
	        cmocka_unit_test(test_judge__paired_test_sees_through_a_saturated_machine),
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
	        cmocka_unit_test(test_judge__a_true_two_percent_slowdown_is_found),
	        cmocka_unit_test(test_judge__a_true_one_percent_change_is_let_pass),
	        cmocka_unit_test(test_judge__paired_runs_are_judged_on_their_ratios),
	        cmocka_unit_test(test_judge__the_rule_weighs_size_as_well_as_significance),
	        cmocka_unit_test(test_judge__too_few_pairs_are_unsure),
	        cmocka_unit_test(test_judge__pairing_sees_through_load_shared_by_a_pair),
	        cmocka_unit_test(test_judge__shared_load_gives_no_false_alarm),
	        cmocka_unit_test(test_judge__paired_bad_input_gets_a_clear_error),
	        cmocka_unit_test(test_judge__baseline_is_the_last_good_commit_before),
	        cmocka_unit_test(test_judge__bisect_finds_every_culprit_within_log2_probes),
	        cmocka_unit_test(test_judge__bisect_steps_around_commits_that_do_not_build),
	        cmocka_unit_test(test_judge__bisect_refuses_wrong_reports),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
