/*
 * Tests for runner/judge/stats against reference values computed independently with
 * SciPy 1.10.1 / numpy 1.24.2 (the Python line that produced each number is
 * quoted next to it), plus properties that need no reference: reproducible
 * bootstrap, intervals that contain the truth, change points on drifts and
 * steps and none on noise.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "stats.h"

#define assert_close(actual, expected, tol)                                                        \
	do {                                                                                       \
		double a_ = (actual), e_ = (expected);                                             \
		if (!(fabs(a_ - e_) <= (tol) * (fabs(e_) > 1 ? fabs(e_) : 1)))                     \
			fail_msg("%s = %.17g, expected %.17g", #actual, a_, e_);                   \
	} while (0)

/* x = np.array([12.5, 3.25, 7.0, 9.75, 3.25, 15.5, 8.0, 11.0, 6.5, 20.0, 4.75]) */
static const double odd[] = {12.5, 3.25, 7.0, 9.75, 3.25, 15.5, 8.0, 11.0, 6.5, 20.0, 4.75};
/* e = np.array([101.0, 99.5, 100.25, 98.0, 103.5, 100.0, 97.25, 102.0]) */
static const double even[] = {101.0, 99.5, 100.25, 98.0, 103.5, 100.0, 97.25, 102.0};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_stats__summary_matches_numpy_on_odd_sample(void **state)
{
	double copy[N(odd)];
	struct stats_summary s;
	size_t i;

	(void)state;
	for (i = 0; i < N(odd); i++)
		copy[i] = odd[i];
	assert_int_equal(stats_summarize(copy, N(copy), &s, NULL), 0);
	for (i = 0; i < N(odd); i++)
		assert_true(copy[i] == odd[i]); /* the caller's array is not sorted */
	assert_int_equal(s.n, 11);
	assert_close(s.min, 3.25, 1e-15);
	assert_close(s.max, 20.0, 1e-15);
	assert_close(s.median, 8, 1e-15);                  /* np.median(x) */
	assert_close(s.q1, 5.625, 1e-15);                  /* np.quantile(x, .25) */
	assert_close(s.q3, 11.75, 1e-15);                  /* np.quantile(x, .75) */
	assert_close(s.iqr, 6.125, 1e-15);                 /* scipy.stats.iqr(x) */
	assert_close(s.mad, 3.25, 1e-15);                  /* scipy.stats.median_abs_deviation(x) */
	assert_close(s.mean, 9.2272727272727266, 1e-14);   /* x.mean() */
	assert_close(s.stddev, 5.2433941124220116, 1e-14); /* x.std(ddof=1) */
	assert_close(s.cv, 0.56824960824277959, 1e-14);    /* x.std(ddof=1) / x.mean() */
}

static void test_stats__summary_matches_numpy_on_even_sample(void **state)
{
	struct stats_summary s;

	(void)state;
	assert_int_equal(stats_summarize(even, N(even), &s, NULL), 0);
	assert_close(s.median, 100.125, 1e-15);            /* np.median(e) */
	assert_close(s.q1, 99.125, 1e-15);                 /* np.quantile(e, .25) */
	assert_close(s.q3, 101.25, 1e-15);                 /* np.quantile(e, .75) */
	assert_close(s.iqr, 2.125, 1e-15);                 /* scipy.stats.iqr(e) */
	assert_close(s.mad, 1.375, 1e-15);                 /* scipy.stats.median_abs_deviation(e) */
	assert_close(s.mean, 100.1875, 1e-15);             /* e.mean() */
	assert_close(s.stddev, 2.0299102724715974, 1e-14); /* e.std(ddof=1) */
	assert_close(s.cv, 0.020261113137583005, 1e-14);   /* e.std(ddof=1) / e.mean() */
}

static void test_stats__quantiles_interpolate_like_numpy_type_7(void **state)
{
	double q;

	(void)state;
	assert_int_equal(stats_quantile(even, N(even), 0.1, &q, NULL), 0);
	assert_close(q, 97.775000000000006, 1e-14); /* np.quantile(e, .1) */
	assert_int_equal(stats_quantile(even, N(even), 0.9, &q, NULL), 0);
	assert_close(q, 102.45, 1e-14); /* np.quantile(e, .9) */
	assert_int_equal(stats_quantile(odd, N(odd), 0.1, &q, NULL), 0);
	assert_close(q, 3.25, 1e-15); /* np.quantile(x, .1) */
	assert_int_equal(stats_quantile(odd, N(odd), 0.9, &q, NULL), 0);
	assert_close(q, 15.5, 1e-15); /* np.quantile(x, .9) */
	assert_int_equal(stats_quantile(odd, N(odd), 0, &q, NULL), 0);
	assert_close(q, 3.25, 0);
	assert_int_equal(stats_quantile(odd, N(odd), 1, &q, NULL), 0);
	assert_close(q, 20, 0);
	assert_int_equal(stats_median(odd, 1, &q, NULL), 0);
	assert_close(q, 12.5, 0);
}

static void test_stats__bad_input_is_refused_with_a_message(void **state)
{
	struct pw_error err = PW_ERROR_INIT;
	const double with_nan[] = {1, NAN, 3};
	struct stats_summary s;
	double q;

	(void)state;
	assert_int_equal(stats_median(odd, 0, &q, &err), PW_EINVALID);
	assert_string_equal(pw_error_message(&err), "sample is empty");
	assert_int_equal(stats_summarize(with_nan, 3, &s, &err), PW_EINVALID);
	assert_string_equal(pw_error_message(&err), "sample has a non-finite value at 1");
	assert_int_equal(stats_quantile(odd, N(odd), 1.5, &q, &err), PW_EINVALID);
	assert_int_equal(stats_quantile(odd, N(odd), NAN, &q, &err), PW_EINVALID);
	assert_true(isnan(stats_mean(odd, 0)));
	assert_close(stats_stddev(odd, 1), 0, 0);
	pw_error_release(&err);
}

static void test_stats__normal_tail_and_its_inverse_match_scipy(void **state)
{
	(void)state;
	assert_close(stats_normal_sf(1.96), 0.024997895148220435, 1e-12); /* norm.sf(1.96) */
	assert_close(stats_normal_sf(-2.5), 0.99379033467422384, 1e-12);  /* norm.sf(-2.5) */
	assert_close(stats_normal_isf(0.005), 2.5758293035489008, 1e-12); /* norm.isf(0.005) */
	assert_close(stats_normal_isf(0.3), 0.52440051270804089, 1e-12);  /* norm.isf(0.3) */
	assert_close(stats_normal_isf(1e-9), 5.9978070150076865, 1e-10);  /* norm.isf(1e-9) */
	assert_close(stats_normal_isf(0.7), -0.52440051270804089, 1e-12);
	assert_true(isnan(stats_normal_isf(0)));
	assert_true(isnan(stats_normal_isf(1)));
}

/* a, b: scipy.stats.mannwhitneyu(a, b, alternative="two-sided", method=...) */
static const double mw_a[] = {10.2, 11.4, 9.8, 10.9, 12.3, 10.0, 11.1};
static const double mw_b[] = {12.0, 13.1, 11.8, 12.6, 14.0, 12.9, 11.5, 13.4, 12.2};
static const double mw_c[] = {1.0, 2.5, 3.1, 4.8, 5.0, 6.2, 7.7, 8.1, 9.9, 10.4};
static const double mw_d[] = {3.3, 4.1, 5.5, 6.0, 7.2, 8.8, 9.0, 10.1, 11.6, 12.3};
/* rng = np.random.default_rng(5); g1 = np.round(rng.normal(100, 2, 20), 3); g2 = ...(102, 2, 20) */
static const double mw_g1[] = {98.396,  97.351,  99.503,  100.841, 102.272, 100.219, 98.895,
                               98.430,  101.497, 103.270, 100.546, 97.533,  98.083,  103.200,
                               100.406, 96.536,  99.833,  97.674,  98.741,  99.024};
static const double mw_g2[] = {100.573, 103.107, 101.874, 100.821, 102.819, 103.660, 98.714,
                               101.487, 100.039, 101.654, 99.421,  102.041, 101.924, 101.391,
                               99.904,  101.208, 99.817,  99.290,  102.450, 99.781};
/* integer samples with many ties */
static const double mw_t1[] = {3, 4, 4, 5, 5, 5, 6, 7, 7, 8, 9, 9};
static const double mw_t2[] = {5, 6, 6, 7, 7, 8, 8, 8, 9, 10, 10, 11, 12, 12};

static void check_mwu(const double *x, size_t nx, const double *y, size_t ny,
                      enum stats_mwu_method method, double u, double p, int exact)
{
	struct stats_mwu r;

	assert_int_equal(stats_mann_whitney(x, nx, y, ny, method, &r, NULL), 0);
	assert_close(r.u, u, 1e-12);
	assert_close(r.p_value, p, 1e-10);
	assert_int_equal(r.exact, exact);
}

static void test_stats__mann_whitney_exact_matches_scipy(void **state)
{
	(void)state;
	/* ab exact: U 4 p 0.0020979020979020979 */
	check_mwu(mw_a, N(mw_a), mw_b, N(mw_b), STATS_MWU_EXACT, 4, 0.0020979020979020979, 1);
	/* the other way round: U2 = 7 * 9 - 4 = 59, same p */
	check_mwu(mw_b, N(mw_b), mw_a, N(mw_a), STATS_MWU_EXACT, 59, 0.0020979020979020979, 1);
	/* cd exact: U 33 p 0.21756262313537858 */
	check_mwu(mw_c, N(mw_c), mw_d, N(mw_d), STATS_MWU_EXACT, 33, 0.21756262313537858, 1);
	/* g exact (20 vs 20): U 107 p 0.011206767288403887 */
	check_mwu(mw_g1, N(mw_g1), mw_g2, N(mw_g2), STATS_MWU_EXACT, 107, 0.011206767288403887, 1);
	/* mannwhitneyu([1,2,3],[4,5,6], method="exact"): U 0 p 0.1 */
	check_mwu(mw_a, 3, mw_b, 3, STATS_MWU_EXACT, 0, 0.1, 1);
	/* auto takes exact without ties */
	check_mwu(mw_g1, N(mw_g1), mw_g2, N(mw_g2), STATS_MWU_AUTO, 107, 0.011206767288403887, 1);
}

static void test_stats__mann_whitney_asymptotic_matches_scipy(void **state)
{
	(void)state;
	/* ab asymptotic: U 4 p 0.0042634313831073226 */
	check_mwu(mw_a, N(mw_a), mw_b, N(mw_b), STATS_MWU_ASYMPTOTIC, 4, 0.0042634313831073226, 0);
	/* cd asymptotic: U 33 p 0.21229383619233155 */
	check_mwu(mw_c, N(mw_c), mw_d, N(mw_d), STATS_MWU_ASYMPTOTIC, 33, 0.21229383619233155, 0);
	/* g asymptotic: U 107 p 0.012344745758617116 */
	check_mwu(mw_g1, N(mw_g1), mw_g2, N(mw_g2), STATS_MWU_ASYMPTOTIC, 107, 0.012344745758617116,
	          0);
}

static void test_stats__mann_whitney_with_ties_matches_scipy(void **state)
{
	struct stats_mwu r;

	(void)state;
	/* t asymptotic (tie-corrected variance): U 35 p 0.011996743120469092 */
	check_mwu(mw_t1, N(mw_t1), mw_t2, N(mw_t2), STATS_MWU_ASYMPTOTIC, 35, 0.011996743120469092,
	          0);
	/* auto falls back to asymptotic when there are ties */
	check_mwu(mw_t1, N(mw_t1), mw_t2, N(mw_t2), STATS_MWU_AUTO, 35, 0.011996743120469092, 0);
	/* t exact (SciPy ignores the ties): U 35 p 0.010766538616854945 */
	check_mwu(mw_t1, N(mw_t1), mw_t2, N(mw_t2), STATS_MWU_EXACT, 35, 0.010766538616854945, 1);
	assert_int_equal(
	        stats_mann_whitney(mw_t1, N(mw_t1), mw_t2, N(mw_t2), STATS_MWU_AUTO, &r, NULL), 0);
	assert_int_equal(r.ties, 1);
	/* all values equal: no evidence at all */
	assert_int_equal(stats_mann_whitney(mw_t1 + 3, 3, mw_t1 + 3, 3, STATS_MWU_AUTO, &r, NULL),
	                 0);
	assert_close(r.p_value, 1, 0);
}

static void test_stats__mann_whitney_refuses_bad_input(void **state)
{
	double big[60];
	struct pw_error err = PW_ERROR_INIT;
	struct stats_mwu r;
	size_t i;

	(void)state;
	for (i = 0; i < 60; i++)
		big[i] = (double)i;
	assert_int_equal(stats_mann_whitney(big, 0, big, 3, STATS_MWU_AUTO, &r, &err), PW_EINVALID);
	assert_int_equal(stats_mann_whitney(big, 60, big, 60, STATS_MWU_EXACT, &r, &err),
	                 PW_EINVALID);
	assert_string_equal(pw_error_message(&err),
	                    "exact mann-whitney refused for 60 x 60 values: too large");
	assert_int_equal(stats_mann_whitney(big, 60, big, 60, STATS_MWU_AUTO, &r, &err), 0);
	assert_int_equal(r.exact, 0);
	pw_error_release(&err);
}

static void test_stats__min_p_tells_when_significance_is_out_of_reach(void **state)
{
	(void)state;
	assert_close(stats_mwu_min_p(3, 3), 0.1, 1e-15);       /* 2 / C(6, 3) */
	assert_close(stats_mwu_min_p(5, 5), 2.0 / 252, 1e-15); /* 2 / C(10, 5) */
	assert_close(stats_mwu_min_p(4, 5), 2.0 / 126, 1e-15); /* 2 / C(9, 4) */
	assert_close(stats_mwu_min_p(1, 1), 1, 0);
}

/* scipy.stats.wilcoxon(d, correction=True, method=...) (zero_method='wilcox', two-sided) */
static const double wx_a[] = {1.2, -0.4, 2.3, 0.8, -1.1, 3.4, 0.5, 1.9, -0.2, 2.7};
/* rng = np.random.default_rng(11); g = np.round(rng.normal(0.4, 1, 20), 3) */
static const double wx_g[] = {0.434, 1.76,  1.625,  -0.11, 0.102, -0.127, 0.97,
                              0.344, 1.147, -1.447, 1.967, 0.304, 1.08,   0.263,
                              0.021, 0.863, 1.225,  0.197, 0.247, 1.086};
/* three zero differences */
static const double wx_z[] = {0.5, 0, -1.5, 2.0, 0, 3.5, 1.0, -0.25, 4.0, 2.5, 0, 1.75};
/* integer differences: tied |d| */
static const double wx_t[] = {1, 2, 2, -1, 3, 3, 3, -2, 4, 5, 1, 2, -3, 4};
/* rng = np.random.default_rng(3); b = np.round(rng.normal(0.2, 1, 60), 2): a zero and ties */
static const double wx_b[] = {2.24,  -2.36, 0.62,  -0.37, -0.25, -0.02, -1.82, -0.03, -0.67, 3.52,
                              0.43,  -0.15, -0.08, -0.47, -0.86, -0.19, 0.68,  -0.04, 1.16,  0.0,
                              0.22,  1.75,  0.75,  -0.31, 0.02,  0.74,  2.14,  -0.07, -0.04, 1.2,
                              -0.69, -0.09, 1.08,  0.78,  0.29,  0.87,  -2.63, 1.22,  -0.76, -1.47,
                              0.48,  0.9,   -0.24, -0.88, 0.23,  0.15,  1.61,  0.95,  0.39,  1.31,
                              -0.01, -0.73, 0.78,  0.78,  -0.01, -0.58, 0.43,  -2.29, 0.89,  0.69};

static void check_wilcoxon(const double *d, size_t n, enum stats_wilcoxon_method method, double t,
                           double p, int exact, size_t m)
{
	struct stats_wilcoxon r;

	assert_int_equal(stats_wilcoxon_signed_rank(d, n, method, &r, NULL), 0);
	assert_close(r.t, t, 1e-12);
	assert_close(r.p_value, p, 1e-12);
	assert_int_equal(r.exact, exact);
	assert_int_equal(r.m, m);
}

static void test_stats__wilcoxon_exact_matches_scipy(void **state)
{
	const double all_up[] = {1, 2, 3, 4, 5, 6, 7, 8}, centre[] = {1, -2, -3, 4};
	struct stats_wilcoxon r;

	(void)state;
	/* wilcoxon(a, method="exact"): statistic 8.0 pvalue 0.048828125 */
	check_wilcoxon(wx_a, N(wx_a), STATS_WILCOXON_EXACT, 8, 0.048828125, 1, 10);
	/* auto is exact without zeros and ties (n <= 50), like SciPy's auto */
	check_wilcoxon(wx_a, N(wx_a), STATS_WILCOXON_AUTO, 8, 0.048828125, 1, 10);
	/* wilcoxon(g, method="exact"): statistic 24.0 pvalue 0.0014324188232421875 */
	check_wilcoxon(wx_g, N(wx_g), STATS_WILCOXON_AUTO, 24, 0.0014324188232421875, 1, 20);
	/* wilcoxon([1, 2, 3, 4, 5, 6, 7, 8]): statistic 0.0 pvalue 0.0078125 = 2 / 2^8 */
	check_wilcoxon(all_up, N(all_up), STATS_WILCOXON_AUTO, 0, 0.0078125, 1, 8);
	/* the mirror image gives the same p */
	assert_int_equal(stats_wilcoxon_signed_rank(wx_a, N(wx_a), STATS_WILCOXON_AUTO, &r, NULL),
	                 0);
	assert_close(r.r_plus, 47, 0);
	/* wilcoxon([1, -2, -3, 4]): r_plus 5 is the centre, statistic 5.0 pvalue 1.0 */
	check_wilcoxon(centre, N(centre), STATS_WILCOXON_AUTO, 5, 1, 1, 4);
	/* wilcoxon(t, method="exact"), SciPy ignoring the ties: statistic 17.0 pvalue
	 * 0.0245361328125 */
	check_wilcoxon(wx_t, N(wx_t), STATS_WILCOXON_EXACT, 17, 0.0245361328125, 1, 14);
}

static void test_stats__wilcoxon_asymptotic_matches_scipy(void **state)
{
	struct stats_wilcoxon r;

	(void)state;
	/* always with the continuity correction (SciPy's default is correction=False,
	 * which gives 0.04685328478814715 here, so the test tells them apart):
	 * wilcoxon(a, correction=True, method="approx"): statistic 8.0 pvalue 0.052787000632224565
	 */
	check_wilcoxon(wx_a, N(wx_a), STATS_WILCOXON_ASYMPTOTIC, 8, 0.052787000632224565, 0, 10);
	/* wilcoxon(g, correction=True, method="approx"): 24.0 0.002653365482853582 */
	check_wilcoxon(wx_g, N(wx_g), STATS_WILCOXON_ASYMPTOTIC, 24, 0.002653365482853582, 0, 20);
	/* zeros are dropped and force the approximation, as in SciPy:
	 * wilcoxon(z, correction=True): statistic 5.0 pvalue 0.04401098401295143 */
	check_wilcoxon(wx_z, N(wx_z), STATS_WILCOXON_AUTO, 5, 0.04401098401295143, 0, 9);
	check_wilcoxon(wx_z, N(wx_z), STATS_WILCOXON_EXACT, 5, 0.04401098401295143, 0, 9);
	/* ties: tie-corrected variance; auto takes it (SciPy's auto would go exact):
	 * wilcoxon(t, correction=True, method="approx"): 17.0 0.02704743513270675 */
	check_wilcoxon(wx_t, N(wx_t), STATS_WILCOXON_AUTO, 17, 0.02704743513270675, 0, 14);
	assert_int_equal(stats_wilcoxon_signed_rank(wx_t, N(wx_t), STATS_WILCOXON_AUTO, &r, NULL),
	                 0);
	assert_int_equal(r.ties, 1);
	/* 60 values with a zero and ties, beyond the exact limit anyway:
	 * wilcoxon(b, correction=True): statistic 677.5 pvalue 0.11817338511311251 */
	check_wilcoxon(wx_b, N(wx_b), STATS_WILCOXON_AUTO, 677.5, 0.11817338511311251, 0, 59);
}

static void test_stats__wilcoxon_refuses_bad_input(void **state)
{
	const double zeros[] = {0, 0, 0}, with_inf[] = {1, INFINITY, 2};
	struct pw_error err = PW_ERROR_INIT;
	struct stats_wilcoxon r;
	double big[60];
	size_t i;

	(void)state;
	assert_int_equal(stats_wilcoxon_signed_rank(wx_a, 0, STATS_WILCOXON_AUTO, &r, &err),
	                 PW_EINVALID);
	assert_string_equal(pw_error_message(&err), "differences is empty");
	assert_int_equal(stats_wilcoxon_signed_rank(with_inf, 3, STATS_WILCOXON_AUTO, &r, &err),
	                 PW_EINVALID);
	assert_string_equal(pw_error_message(&err), "differences has a non-finite value at 1");
	for (i = 0; i < N(big); i++)
		big[i] = (double)i + 1;
	assert_int_equal(stats_wilcoxon_signed_rank(big, N(big), STATS_WILCOXON_EXACT, &r, &err),
	                 PW_EINVALID);
	assert_string_equal(pw_error_message(&err),
	                    "exact signed-rank test refused for 60 differences: too many");
	assert_int_equal(stats_wilcoxon_signed_rank(big, N(big), STATS_WILCOXON_AUTO, &r, &err), 0);
	assert_int_equal(r.exact, 0);
	assert_int_equal(stats_wilcoxon_signed_rank(wx_b, N(wx_b), STATS_WILCOXON_EXACT, &r, &err),
	                 0); /* it has a zero: asymptotic, as SciPy */
	assert_int_equal(r.exact, 0);
	/* no difference at all is no evidence (SciPy raises there) */
	assert_int_equal(stats_wilcoxon_signed_rank(zeros, 3, STATS_WILCOXON_AUTO, &r, &err), 0);
	assert_close(r.p_value, 1, 0);
	assert_int_equal(r.m, 0);
	assert_close(stats_wilcoxon_min_p(7), 2.0 / 128, 1e-15);
	assert_close(stats_wilcoxon_min_p(8), 2.0 / 256, 1e-15);
	assert_close(stats_wilcoxon_min_p(1), 1, 0);
	assert_close(stats_wilcoxon_min_p(0), 1, 0);
	pw_error_release(&err);
}

static void test_stats__xoshiro_matches_the_reference_vectors(void **state)
{
	/* the reference xoshiro256** from state {1, 2, 3, 4} */
	static const uint64_t from_1234[] = {11520,
	                                     0,
	                                     1509978240,
	                                     UINT64_C(1215971899390074240),
	                                     UINT64_C(1216172134540287360),
	                                     UINT64_C(607988272756665600)};
	/* seeded through splitmix64 with 42 (the same two algorithms written in Python) */
	static const uint64_t from_42[] = {
	        UINT64_C(0x15780b2e0c2ec716), UINT64_C(0x6104d9866d113a7e),
	        UINT64_C(0xae17533239e499a1), UINT64_C(0xecb8ad4703b360a1)};
	struct stats_rng rng = {{1, 2, 3, 4}};
	size_t i;

	(void)state;
	for (i = 0; i < N(from_1234); i++)
		assert_true(stats_rng_next(&rng) == from_1234[i]);
	stats_rng_seed(&rng, 42);
	for (i = 0; i < N(from_42); i++)
		assert_true(stats_rng_next(&rng) == from_42[i]);
	for (i = 0; i < 10000; i++) {
		double u = stats_rng_uniform(&rng);

		assert_true(u >= 0 && u < 1);
		assert_true(stats_rng_below(&rng, 7) < 7);
	}
}

static const double bs_base[] = {100.0, 101.5, 99.2, 100.8, 102.1, 98.7, 100.3, 101.0, 99.9, 100.6};
static const double bs_cand[] = {105.2, 104.1, 106.3, 105.0, 103.8,
                                 105.9, 104.6, 106.8, 105.4, 104.9};

static void test_stats__bootstrap_is_reproducible_and_matches_a_reimplementation(void **state)
{
	struct stats_ci a, b, c;

	(void)state;
	/*
	 * The same algorithm written in Python (xoshiro256** + splitmix64, each
	 * round draws the baseline then the candidate, np.median, np.quantile):
	 * est 1.0462916874066701 lo 1.0341922695738355 hi 1.061491935483871
	 */
	assert_int_equal(stats_bootstrap_ratio(bs_base, N(bs_base), bs_cand, N(bs_cand),
	                                       STATS_BOOTSTRAP_RESAMPLES, 0.99,
	                                       STATS_BOOTSTRAP_SEED, &a, NULL),
	                 0);
	assert_close(a.estimate, 1.0462916874066701, 1e-14);
	assert_close(a.lo, 1.0341922695738355, 1e-14);
	assert_close(a.hi, 1.061491935483871, 1e-14);
	assert_int_equal(stats_bootstrap_ratio(bs_base, N(bs_base), bs_cand, N(bs_cand),
	                                       STATS_BOOTSTRAP_RESAMPLES, 0.99,
	                                       STATS_BOOTSTRAP_SEED, &b, NULL),
	                 0);
	assert_true(a.lo == b.lo && a.hi == b.hi && a.estimate == b.estimate);
	/* 500 resamples, 90%, seed 7: lo 1.0391865079365079 hi 1.0554473276723277 */
	assert_int_equal(stats_bootstrap_ratio(bs_base, N(bs_base), bs_cand, N(bs_cand), 500, 0.9,
	                                       7, &c, NULL),
	                 0);
	assert_close(c.lo, 1.0391865079365079, 1e-14);
	assert_close(c.hi, 1.0554473276723277, 1e-14);
}

static void test_stats__bootstrap_interval_covers_the_true_ratio(void **state)
{
	double base[30], cand[30];
	struct stats_rng rng;
	int trial, covered = 0;
	size_t i;

	(void)state;
	stats_rng_seed(&rng, 2024);
	for (trial = 0; trial < 40; trial++) {
		struct stats_ci ci;

		for (i = 0; i < 30; i++) {
			base[i] = 1e9 * (1 + 0.01 * stats_rng_normal(&rng));
			cand[i] = 1.07e9 * (1 + 0.01 * stats_rng_normal(&rng));
		}
		assert_int_equal(stats_bootstrap_ratio(base, 30, cand, 30, 1000, 0.95,
		                                       (uint64_t)trial, &ci, NULL),
		                 0);
		assert_true(ci.lo < ci.estimate && ci.estimate < ci.hi);
		assert_true(ci.hi - ci.lo < 0.03);
		covered += ci.lo <= 1.07 && 1.07 <= ci.hi;
	}
	/* a 95% interval: expect ~38 of 40; the percentile bootstrap of medians is a bit narrow */
	assert_true(covered >= 33);
}

static void test_stats__bootstrap_refuses_bad_input(void **state)
{
	const double zero[] = {0, 0, 0};
	struct pw_error err = PW_ERROR_INIT;
	struct stats_ci ci;

	(void)state;
	assert_int_equal(stats_bootstrap_ratio(zero, 3, bs_cand, 3, 100, 0.9, 1, &ci, &err),
	                 PW_EINVALID);
	assert_string_equal(pw_error_message(&err), "baseline median 0 is not positive");
	assert_int_equal(stats_bootstrap_ratio(bs_base, 3, bs_cand, 0, 100, 0.9, 1, &ci, &err),
	                 PW_EINVALID);
	assert_int_equal(stats_bootstrap_ratio(bs_base, 3, bs_cand, 3, 100, 1.0, 1, &ci, &err),
	                 PW_EINVALID);
	assert_int_equal(stats_bootstrap_ratio(bs_base, 3, bs_cand, 3, 5, 0.9, 1, &ci, &err),
	                 PW_EINVALID);
	pw_error_release(&err);
}

/* pair ratios; the first 10 are an even sample whose medians interpolate */
static const double bm_ratios[] = {1.021, 1.034, 0.998, 1.027, 1.019, 1.041,
                                   1.012, 1.025, 1.030, 1.008, 1.023};

static void test_stats__bootstrap_median_matches_a_reimplementation(void **state)
{
	struct stats_ci a, b;
	struct pw_error err = PW_ERROR_INIT;

	(void)state;
	/*
	 * The same algorithm in Python, numpy 1.24.2:
	 *   M = 2**64 - 1; rotl = lambda x, k: ((x << k) | (x >> (64 - k))) & M
	 *   def seed(v):  # splitmix64 x 4
	 *       s = []
	 *       for _ in range(4):
	 *           v = (v + 0x9e3779b97f4a7c15) & M; z = v
	 *           z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M
	 *           z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M; s.append(z ^ (z >> 31))
	 *       return s
	 *   def nxt(t):  # xoshiro256**
	 *       r = (rotl((t[1] * 5) & M, 7) * 9) & M; u = (t[1] << 17) & M
	 *       t[2] ^= t[0]; t[3] ^= t[1]; t[1] ^= t[2]; t[0] ^= t[3]; t[2] ^= u
	 *       t[3] = rotl(t[3], 45); return r
	 *   def below(t, b):
	 *       while (r := nxt(t)) >= M - M % b: pass
	 *       return r % b
	 *   def bsmed(x, res, conf, sd):
	 *       t = seed(sd); n = len(x)
	 *       m = [np.median([x[below(t, n)] for _ in range(n)]) for _ in range(res)]
	 *       return np.median(x), np.quantile(m, (1 - conf) / 2), np.quantile(m, (1 + conf) / 2)
	 * bsmed(ratios, 2000, 0.99, 0x70657266776172): est 1.023 lo 1.008 hi 1.034
	 */
	assert_int_equal(stats_bootstrap_median(bm_ratios, 11, STATS_BOOTSTRAP_RESAMPLES, 0.99,
	                                        STATS_BOOTSTRAP_SEED, &a, NULL),
	                 0);
	assert_close(a.estimate, 1.023, 1e-15);
	assert_close(a.lo, 1.008, 1e-15);
	assert_close(a.hi, 1.034, 1e-15);
	/* first 10, same settings: est 1.023 lo 1.0099925 hi 1.034 */
	assert_int_equal(stats_bootstrap_median(bm_ratios, 10, STATS_BOOTSTRAP_RESAMPLES, 0.99,
	                                        STATS_BOOTSTRAP_SEED, &a, NULL),
	                 0);
	assert_close(a.estimate, 1.023, 1e-14);
	assert_close(a.lo, 1.0099925, 1e-14);
	assert_close(a.hi, 1.034, 1e-14);
	/* first 10, 500 resamples, 0.9, seed 7: lo 1.012 hi 1.03 */
	assert_int_equal(stats_bootstrap_median(bm_ratios, 10, 500, 0.9, 7, &b, NULL), 0);
	assert_close(b.lo, 1.012, 1e-14);
	assert_close(b.hi, 1.03, 1e-14);
	/* reproducible */
	assert_int_equal(stats_bootstrap_median(bm_ratios, 10, 500, 0.9, 7, &a, NULL), 0);
	assert_true(a.lo == b.lo && a.hi == b.hi);
	assert_int_equal(stats_bootstrap_median(bm_ratios, 0, 500, 0.9, 7, &a, &err), PW_EINVALID);
	assert_string_equal(pw_error_message(&err), "sample is empty");
	assert_int_equal(stats_bootstrap_median(bm_ratios, 10, 9, 0.9, 7, &a, &err), PW_EINVALID);
	assert_int_equal(stats_bootstrap_median(bm_ratios, 10, 500, 0, 7, &a, &err), PW_EINVALID);
	pw_error_release(&err);
}

/* level * (1 + sigma * N(0, 1)), from a fixed seed */
static void noisy(double *x, size_t n, double level, double sigma, struct stats_rng *rng)
{
	size_t i;

	for (i = 0; i < n; i++)
		x[i] = level * (1 + sigma * stats_rng_normal(rng));
}

static void test_stats__change_points_find_a_single_step(void **state)
{
	double x[60];
	struct stats_change *cp = NULL;
	struct stats_rng rng;
	size_t n = 0;

	(void)state;
	stats_rng_seed(&rng, 11);
	noisy(x, 30, 1e9, 0.005, &rng);
	noisy(x + 30, 30, 1.03e9, 0.005, &rng);
	assert_int_equal(stats_change_points(x, 60, NULL, &cp, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_int_equal(cp[0].index, 30);
	assert_close(cp[0].ratio, 1.03, 0.005);
	assert_true(cp[0].p_value < 0.01);
	free(cp);
}

static void test_stats__change_points_find_a_drift_of_small_steps(void **state)
{
	/* 5 steps of 1% every 10 commits over 60 commits, noise 0.5% per commit */
	double x[60];
	struct stats_change *cp = NULL;
	struct stats_rng rng;
	size_t n = 0, i;
	double total = 1;
	int step;

	(void)state;
	stats_rng_seed(&rng, 12);
	for (step = 0; step < 6; step++)
		noisy(x + 10 * step, 10, 1e9 * pow(1.01, step), 0.005, &rng);
	assert_int_equal(stats_change_points(x, 60, NULL, &cp, &n, NULL), 0);
	assert_true(n >= 1);
	for (i = 0; i < n; i++) {
		assert_true(cp[i].index >= 5 && cp[i].index <= 55);
		assert_true(cp[i].ratio > 1.0);
		total *= cp[i].ratio;
	}
	/* together the detected changes account for the ~5% drift */
	assert_true(total > 1.035 && total < 1.065);
	free(cp);
}

static void test_stats__change_points_stay_quiet_on_noise(void **state)
{
	double x[100];
	struct stats_change *cp = NULL;
	struct stats_rng rng;
	size_t n = 0, alarms = 0;
	int series;

	(void)state;
	stats_rng_seed(&rng, 13);
	noisy(x, 100, 1e9, 0.01, &rng);
	assert_int_equal(stats_change_points(x, 100, NULL, &cp, &n, NULL), 0);
	assert_int_equal(n, 0);
	assert_null(cp);
	/* alpha 0.01 per series: 50 noise series give ~0.5 false alarms */
	for (series = 0; series < 50; series++) {
		noisy(x, 60, 1e9, 0.01, &rng);
		x[series % 60] *= 1.5; /* one outlying commit is not a change of level */
		assert_int_equal(stats_change_points(x, 60, NULL, &cp, &n, NULL), 0);
		alarms += n;
		free(cp);
	}
	assert_true(alarms <= 2);
}

static void test_stats__change_points_handle_short_and_bad_series(void **state)
{
	const double x[] = {1, 2, 3, NAN};
	struct stats_change_options bad = STATS_CHANGE_OPTIONS_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct stats_change *cp = NULL;
	size_t n = 99;

	(void)state;
	assert_int_equal(stats_change_points(x, 0, NULL, &cp, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(stats_change_points(x, 3, NULL, &cp, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(stats_change_points(x, 4, NULL, &cp, &n, &err), PW_EINVALID);
	assert_string_equal(pw_error_message(&err), "series has a non-finite value at 3");
	bad.alpha = 0;
	assert_int_equal(stats_change_points(x, 3, &bad, &cp, &n, &err), PW_EINVALID);
	assert_null(cp);
	pw_error_release(&err);
}

/* hypergeom.cdf(x, M, n, N) and hypergeom.sf(x - 1, M, n, N) from scipy.stats (SciPy 1.10.1) */
static void test_stats__hypergeometric_tails_match_scipy(void **state)
{
	static const struct {
		size_t x, total, marked, draws;
		double cdf, sf;
	} cases[] = {
	        {0, 12, 6, 3, 0.0909090909090909, 1},
	        {1, 40, 20, 10, 0.00418086708409289, 0.999782040104621},
	        {3, 40, 20, 10, 0.136671523768298, 0.967583419196322},
	        {0, 48, 24, 12, 3.88145957231534e-05, 1},
	        {7, 80, 40, 20, 0.0980399682072125, 0.965417472013756},
	        {12, 200, 100, 50, 1.65574323305216e-05, 0.999996565469231},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_close(stats_hypergeom_cdf(cases[i].x, cases[i].total, cases[i].marked,
		                                 cases[i].draws),
		             cases[i].cdf, 1e-9);
		assert_close(stats_hypergeom_sf(cases[i].x, cases[i].total, cases[i].marked,
		                                cases[i].draws),
		             cases[i].sf, 1e-9);
	}
	assert_close(stats_hypergeom_cdf(10, 40, 20, 10), 1, 1e-12);
	assert_close(stats_hypergeom_sf(11, 40, 20, 10), 0, 1e-12);
}

static void test_stats__quantile_test_counts_the_candidate_in_the_lower_part(void **state)
{
	static const double base[] = {1, 2, 3, 4, 5, 6};
	static const double cand[] = {3.5, 4.5, 5.5, 6.5, 7.5, 8.5};
	struct stats_qtest t;

	(void)state;
	/* 12 values, k = 3: the three lowest (1, 2, 3) are all the baseline's */
	assert_int_equal(stats_quantile_test(base, 6, cand, 6, 1, 0.25, &t, NULL), 0);
	assert_int_equal(t.n, 12);
	assert_int_equal(t.k, 3);
	assert_int_equal(t.x_tie_cand, 0);
	assert_int_equal(t.x_tie_base, 0);
	assert_close(t.p_slower, 0.0909090909090909, 1e-12); /* hypergeom.cdf(0, 12, 6, 3) */
	assert_close(t.p_faster, 1, 1e-12);
	/* scaled by 10 the baseline is all above: the candidate fills the lower part */
	assert_int_equal(stats_quantile_test(base, 6, cand, 6, 10, 0.25, &t, NULL), 0);
	assert_int_equal(t.x_tie_base, 3);
	assert_close(t.p_faster, 0.0909090909090909, 1e-12);
}

static void test_stats__quantile_test_counts_ties_against_the_claim(void **state)
{
	static const double base[] = {1, 2, 2, 9};
	static const double cand[] = {2, 2, 5, 9};
	struct stats_qtest t;

	(void)state;
	/* k = 2 of 8: value 1 is the baseline's, then four tied 2s */
	assert_int_equal(stats_quantile_test(base, 4, cand, 4, 1, 0.25, &t, NULL), 0);
	assert_int_equal(t.x_tie_cand, 1);             /* ties counted for the candidate */
	assert_int_equal(t.x_tie_base, 0);             /* ties counted for the baseline */
	assert_close(t.p_slower, 1 - 6.0 / 28, 1e-12); /* 1 - C(4,2) / C(8,2) */
	assert_close(t.p_faster, 1, 1e-12);
	assert_int_equal(stats_quantile_test(base, 4, cand, 4, 0, 0.25, &t, NULL), PW_EINVALID);
	assert_int_equal(stats_quantile_test(base, 4, cand, 4, 1, 1, &t, NULL), PW_EINVALID);
	assert_int_equal(stats_quantile_test(base, 0, cand, 4, 1, 0.25, &t, NULL), PW_EINVALID);
}

/* One-sided noise: a floor with small jitter, and bursts that only add time. */
static void one_sided(double *x, size_t n, double level, uint64_t seed, double burst_rate)
{
	struct stats_rng rng;
	size_t i;

	stats_rng_seed(&rng, seed);
	for (i = 0; i < n; i++) {
		x[i] = level * (1 + 0.003 * fabs(stats_rng_normal(&rng)));
		if (stats_rng_uniform(&rng) < burst_rate)
			x[i] *= 1 + 0.3 * stats_rng_uniform(&rng);
	}
}

static void test_stats__quantile_interval_holds_the_ratio_through_bursts(void **state)
{
	double base[30], cand[30], lo, hi;

	(void)state;
	one_sided(base, 30, 100, 1, 0.4);
	one_sided(cand, 30, 103, 2, 0.4);
	assert_int_equal(stats_quantile_ci(base, 30, cand, 30, 0.25, 0.96, &lo, &hi, NULL), 0);
	assert_true(lo < 1.03 && 1.03 < hi);
	assert_true(lo > 1.01 && hi < 1.05); /* 40% of runs hit, yet a 3% change is pinned */
	/* the median is fooled far more easily: the same data, a wider spread */
	assert_int_equal(stats_quantile_ci(base, 30, base, 30, 0.25, 0.96, &lo, &hi, NULL), 0);
	assert_true(lo < 1 && 1 < hi);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_stats__summary_matches_numpy_on_odd_sample),
	        cmocka_unit_test(test_stats__summary_matches_numpy_on_even_sample),
	        cmocka_unit_test(test_stats__quantiles_interpolate_like_numpy_type_7),
	        cmocka_unit_test(test_stats__bad_input_is_refused_with_a_message),
	        cmocka_unit_test(test_stats__normal_tail_and_its_inverse_match_scipy),
	        cmocka_unit_test(test_stats__mann_whitney_exact_matches_scipy),
	        cmocka_unit_test(test_stats__mann_whitney_asymptotic_matches_scipy),
	        cmocka_unit_test(test_stats__mann_whitney_with_ties_matches_scipy),
	        cmocka_unit_test(test_stats__mann_whitney_refuses_bad_input),
	        cmocka_unit_test(test_stats__min_p_tells_when_significance_is_out_of_reach),
	        cmocka_unit_test(test_stats__wilcoxon_exact_matches_scipy),
	        cmocka_unit_test(test_stats__wilcoxon_asymptotic_matches_scipy),
	        cmocka_unit_test(test_stats__wilcoxon_refuses_bad_input),
	        cmocka_unit_test(test_stats__xoshiro_matches_the_reference_vectors),
	        cmocka_unit_test(
	                test_stats__bootstrap_is_reproducible_and_matches_a_reimplementation),
	        cmocka_unit_test(test_stats__bootstrap_interval_covers_the_true_ratio),
	        cmocka_unit_test(test_stats__bootstrap_refuses_bad_input),
	        cmocka_unit_test(test_stats__bootstrap_median_matches_a_reimplementation),
	        cmocka_unit_test(test_stats__change_points_find_a_single_step),
	        cmocka_unit_test(test_stats__change_points_find_a_drift_of_small_steps),
	        cmocka_unit_test(test_stats__change_points_stay_quiet_on_noise),
	        cmocka_unit_test(test_stats__change_points_handle_short_and_bad_series),
	        cmocka_unit_test(test_stats__hypergeometric_tails_match_scipy),
	        cmocka_unit_test(test_stats__quantile_test_counts_the_candidate_in_the_lower_part),
	        cmocka_unit_test(test_stats__quantile_test_counts_ties_against_the_claim),
	        cmocka_unit_test(test_stats__quantile_interval_holds_the_ratio_through_bursts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
