/*
 * judge: from samples to a verdict. judge_compare() weighs a candidate's runs
 * against its baseline's with runner/judge/stats (ratio of medians, bootstrap CI,
 * Mann–Whitney) and says "unsure" while more runs could still settle the
 * question; the pipeline then measures the two interleaved, in pairs, and
 * judge_compare_paired() judges those pairs on their ratios (median ratio,
 * bootstrap CI, Wilcoxon signed-rank), so load that hits both members of a
 * pair cancels. Both share one decision rule and warn when the threshold is
 * below the machine's noise.
 * The rest are the pure plans around it: which earlier commit is a commit's
 * baseline, and which commit a bisection measures next. Pure: no I/O; the
 * pipeline feeds it from the store and the runner.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "judge.h"
#include "stats.h"

void judge_result_init(struct judge_result *res)
{
	struct judge_result blank = JUDGE_RESULT_INIT;

	*res = blank;
}

void judge_result_release(struct judge_result *res)
{
	strbuf_release(&res->message);
	judge_result_init(res);
}

static int judge_instructions(const double *base, size_t nb, const double *cand, size_t nc,
                              const struct judge_options *opts, struct judge_result *res,
                              struct pw_error *err)
{
	double mb, mc, r, t = opts->instructions_threshold;
	int ret;

	if ((ret = stats_median(base, nb, &mb, err)) < 0 ||
	    (ret = stats_median(cand, nc, &mc, err)) < 0)
		return ret;
	if (!(mb > 0))
		return pw_error_set(err, PW_EINVALID,
		                    "baseline instruction count %g is not positive", mb);
	r = mc / mb;
	res->ratio = res->ci_lo = res->ci_hi = r;
	if (r >= 1 + t)
		res->verdict = VERDICT_SLOWER;
	else if (r <= 1 / (1 + t))
		res->verdict = VERDICT_FASTER;
	else
		res->verdict = VERDICT_OK;
	strbuf_addf(&res->message, "%s: %+.3f%% instructions (change >= %.3g%% is real)",
	            verdict_name(res->verdict), (r - 1) * 100, t * 100);
	return 0;
}

/* 1.4826 MAD / median of the baseline: a robust relative standard deviation. */
static double relative_noise(const double *base, size_t nb)
{
	struct stats_summary s;

	if (nb < 3 || stats_summarize(base, nb, &s, NULL) < 0 || !(s.median > 0))
		return NAN;
	return STATS_MAD_NORMAL * s.mad / s.median;
}

static void add_noise_note(const struct judge_options *opts, struct judge_result *res,
                           const char *unit)
{
	if (!(res->min_detectable > opts->threshold))
		return;
	strbuf_addf(&res->message,
	            "; threshold %.2g%% is below what %zu %s can resolve at the measured noise "
	            "%.2g%% (smallest detectable change %.2g%%): results at that level are not "
	            "trustworthy",
	            opts->threshold * 100, opts->max_repeat, unit, res->noise * 100,
	            res->min_detectable * 100);
}

/* The decision rule documented in judge.h. */
static enum verdict decide(const struct judge_options *opts, const struct judge_result *res,
                           int enough_runs)
{
	double t = opts->threshold, up = 1 + t, down = 1 / (1 + t);
	int significant = res->p_value < opts->alpha;

	if (!enough_runs)
		return VERDICT_UNSURE;
	if (significant && res->ci_lo > 1 && res->ci_hi >= up && res->ratio >= 1 + t / 2)
		return VERDICT_SLOWER;
	if (significant && res->ci_hi < 1 && res->ci_lo <= down && res->ratio <= 1 / (1 + t / 2))
		return VERDICT_FASTER;
	if (res->ci_lo > down && res->ci_hi < up)
		return VERDICT_OK;
	return VERDICT_UNSURE;
}

static int check_options(const struct judge_options *opts, struct pw_error *err)
{
	if (!(opts->threshold > 0) || !(opts->alpha > 0 && opts->alpha < 1) ||
	    !(opts->instructions_threshold > 0) || opts->max_repeat < 1 || opts->resamples < 10)
		return pw_error_set(err, PW_EINVALID,
		                    "judge options need threshold > 0, 0 < alpha < 1, "
		                    "max_repeat >= 1 and resamples >= 10");
	return 0;
}

/*
 * Decide from the statistics already in *res (n runs or pairs per side) and
 * write the message: its head `what` ("median" or "paired median"), the
 * counts `counted` ("10 vs 10 runs", "10 pairs"), the reason when unsure, and
 * the noise note. `unit` is "runs" or "pairs"; `se_per_noise` is the standard
 * error of the estimate's log at max_repeat runs, per unit of res->noise.
 */
static void conclude(const struct judge_options *opts, struct judge_result *res, size_t n,
                     int enough_runs, const char *what, const char *counted, const char *unit,
                     double se_per_noise)
{
	int at_cap = n >= opts->max_repeat;

	res->min_detectable = stats_normal_isf(opts->alpha / 2) * se_per_noise * res->noise;
	res->verdict = decide(opts, res, enough_runs);
	if (res->verdict == VERDICT_UNSURE && at_cap)
		res->verdict = VERDICT_OK;
	strbuf_addf(&res->message, "%s: %s %+.2f%% (ratio %.4f, %g%% ci %.4f..%.4f, p %.2g, %s)",
	            verdict_name(res->verdict), what, (res->ratio - 1) * 100, res->ratio,
	            (1 - opts->alpha) * 100, res->ci_lo, res->ci_hi, res->p_value, counted);
	if (res->verdict == VERDICT_UNSURE && !enough_runs)
		strbuf_addf(&res->message, "; too few %s to reach p < %g, measure more", unit,
		            opts->alpha);
	else if (res->verdict == VERDICT_UNSURE)
		strbuf_addf(&res->message,
		            "; a change of %g%% is neither confirmed nor ruled out, "
		            "measure more",
		            opts->threshold * 100);
	else if (res->verdict == VERDICT_OK && at_cap &&
	         decide(opts, res, enough_runs) == VERDICT_UNSURE)
		strbuf_addf(&res->message, "; no change of %g%% confirmed after %zu %s",
		            opts->threshold * 100, n, unit);
	add_noise_note(opts, res, unit);
}

int judge_compare(const double *base, size_t nb, const double *cand, size_t nc,
                  const struct judge_options *opts, struct judge_result *res, struct pw_error *err)
{
	static const struct judge_options defaults = JUDGE_OPTIONS_INIT;
	struct strbuf counted = STRBUF_INIT;
	struct stats_mwu mwu;
	struct stats_ci ci;
	size_t n = nb < nc ? nb : nc;
	int ret;

	judge_result_release(res);
	if (!opts)
		opts = &defaults;
	if ((ret = check_options(opts, err)) < 0)
		goto done;
	if (nb == 0 || nc == 0) {
		ret = pw_error_set(err, PW_EINVALID,
		                   "cannot judge without samples (%zu baseline, "
		                   "%zu candidate)",
		                   nb, nc);
		goto done;
	}
	res->n_base = nb;
	res->n_new = nc;
	if (opts->metric == JUDGE_METRIC_INSTRUCTIONS) {
		ret = judge_instructions(base, nb, cand, nc, opts, res, err);
		goto done;
	}
	if ((ret = stats_bootstrap_ratio(base, nb, cand, nc, opts->resamples, 1 - opts->alpha,
	                                 opts->seed, &ci, err)) < 0 ||
	    (ret = stats_mann_whitney(cand, nc, base, nb, STATS_MWU_AUTO, &mwu, err)) < 0)
		goto done;
	res->ratio = ci.estimate;
	res->ci_lo = ci.lo;
	res->ci_hi = ci.hi;
	res->p_value = mwu.p_value;
	res->noise = relative_noise(base, nb);
	strbuf_addf(&counted, "%zu vs %zu runs", nc, nb);
	conclude(opts, res, n, n >= opts->min_repeat && stats_mwu_min_p(nb, nc) < opts->alpha,
	         "median", strbuf_str(&counted), "runs",
	         sqrt(M_PI / 2) * sqrt(2.0 / (double)opts->max_repeat));
done:
	strbuf_release(&counted);
	return ret;
}

/* log(cand[i] / base[i]) and cand[i] / base[i] for every pair, checked. */
static int pair_ratios(const double *base, const double *cand, size_t n, double *ratios,
                       double *logs, struct pw_error *err)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!(isfinite(base[i]) && isfinite(cand[i]) && base[i] > 0 && cand[i] > 0))
			return pw_error_set(err, PW_EINVALID,
			                    "pair %zu is not two positive values (%g baseline, "
			                    "%g candidate)",
			                    i, base[i], cand[i]);
		ratios[i] = cand[i] / base[i];
		logs[i] = log(ratios[i]);
	}
	return 0;
}

/* 1.4826 MAD of the log ratios: the robust relative noise of one pair's ratio. */
static double log_ratio_noise(const double *logs, size_t n)
{
	struct stats_summary s;

	if (n < 3 || stats_summarize(logs, n, &s, NULL) < 0)
		return NAN;
	return STATS_MAD_NORMAL * s.mad;
}

int judge_compare_paired(const double *base, const double *cand, size_t n,
                         const struct judge_options *opts, struct judge_result *res,
                         struct pw_error *err)
{
	static const struct judge_options defaults = JUDGE_OPTIONS_INIT;
	struct strbuf counted = STRBUF_INIT;
	double *ratios = NULL, *logs = NULL;
	struct stats_wilcoxon w;
	struct stats_ci ci;
	int ret;

	judge_result_release(res);
	if (!opts)
		opts = &defaults;
	if ((ret = check_options(opts, err)) < 0)
		goto done;
	if (n == 0) {
		ret = pw_error_set(err, PW_EINVALID, "cannot judge without pairs (0 pairs)");
		goto done;
	}
	res->n_base = res->n_new = n;
	if (opts->metric == JUDGE_METRIC_INSTRUCTIONS) {
		ret = judge_instructions(base, n, cand, n, opts, res, err);
		goto done;
	}
	ratios = malloc(n * sizeof(*ratios));
	logs = malloc(n * sizeof(*logs));
	if (!ratios || !logs) {
		ret = pw_error_errno(err, PW_ERROR, "could not allocate %zu pairs", n);
		goto done;
	}
	if ((ret = pair_ratios(base, cand, n, ratios, logs, err)) < 0 ||
	    (ret = stats_bootstrap_median(ratios, n, opts->resamples, 1 - opts->alpha, opts->seed,
	                                  &ci, err)) < 0 ||
	    (ret = stats_wilcoxon_signed_rank(logs, n, STATS_WILCOXON_AUTO, &w, err)) < 0)
		goto done;
	res->ratio = ci.estimate;
	res->ci_lo = ci.lo;
	res->ci_hi = ci.hi;
	res->p_value = w.p_value;
	res->noise = log_ratio_noise(logs, n);
	strbuf_addf(&counted, "%zu pairs", n);
	conclude(opts, res, n, n >= opts->min_repeat && stats_wilcoxon_min_p(n) < opts->alpha,
	         "paired median", strbuf_str(&counted), "pairs",
	         sqrt(M_PI / 2) / sqrt((double)opts->max_repeat));
done:
	free(ratios);
	free(logs);
	strbuf_release(&counted);
	return ret;
}

static void seq_message(const struct judge_seq_options *o, struct judge_result *res, size_t n,
                        double conf)
{
	const char *what = "lower quartile";

	if (res->interval_test && !strcmp(res->interval_test, "rank"))
		what = "shift";
	else if (res->interval_test && !strcmp(res->interval_test, "paired"))
		what = "paired";
	strbuf_addf(&res->message, "%s: %s %+.2f%% (ratio %.4f, %.3g%% ci %.4f..%.4f, p %.2g",
	            verdict_name(res->verdict), what, (res->ratio - 1) * 100, res->ratio,
	            conf * 100, res->ci_lo, res->ci_hi, res->p_value);
	if (res->verdict == VERDICT_SLOWER || res->verdict == VERDICT_FASTER)
		strbuf_addf(&res->message, " < %.2g", 2 * o->alpha_change);
	strbuf_addf(&res->message, ", %zu rounds, %s test)", n,
	            res->interval_test ? res->interval_test : "lower-quantile");
	switch (res->verdict) {
	case VERDICT_OK:
		strbuf_addf(&res->message, ": a %g%% change is ruled out", o->threshold * 100);
		break;
	case VERDICT_UNSURE:
		strbuf_addf(&res->message, "; a %g%% change is neither shown nor ruled out yet",
		            o->threshold * 100);
		break;
	case VERDICT_INCONCLUSIVE:
		strbuf_addf(&res->message,
		            res->min_detectable < 0.1 ? "; these rounds resolve changes of about "
		                                        "%.2g%%, not the %g%% threshold"
		                                      : "; these rounds resolve changes of about "
		                                        "%.0f%%, not the %g%% threshold",
		            res->min_detectable * 100, o->threshold * 100);
		break;
	default:
		break;
	}
}

/*
 * One-sided Mann–Whitney p-values of cand against base x scale: *slower for
 * "the candidate is larger", *faster for "smaller" (halves of the two-sided
 * p of the symmetric null distribution).
 */
static int mwu_sides(const double *base, size_t nb, const double *cand, size_t nc, double scale,
                     double *slower, double *faster, struct pw_error *err)
{
	struct stats_mwu m;
	double *scaled = malloc(nb * sizeof(*scaled));
	size_t i;
	int ret;

	if (!scaled)
		return pw_error_errno(err, PW_ERROR, "could not allocate %zu values", nb);
	for (i = 0; i < nb; i++)
		scaled[i] = base[i] * scale;
	ret = stats_mann_whitney(cand, nc, scaled, nb, STATS_MWU_AUTO, &m, err);
	free(scaled);
	if (ret < 0)
		return ret;
	if (m.u > (double)nb * (double)nc / 2) {
		*slower = m.p_value / 2;
		*faster = 1 - m.p_value / 2;
	} else {
		*faster = m.p_value / 2;
		*slower = m.u < (double)nb * (double)nc / 2 ? 1 - m.p_value / 2 : 0.5;
	}
	return 0;
}

/* The Hodges–Lehmann ratio: the median of every cand[i] / base[j]. */
static int shift_ratio(const double *base, size_t nb, const double *cand, size_t nc, double *out,
                       struct pw_error *err)
{
	double *r = malloc(nb * nc * sizeof(*r));
	size_t i, j, k = 0;
	int ret;

	if (!r)
		return pw_error_errno(err, PW_ERROR, "could not allocate %zu ratios", nb * nc);
	for (i = 0; i < nc; i++)
		for (j = 0; j < nb; j++)
			r[k++] = cand[i] / base[j];
	ret = stats_median(r, k, out, err);
	free(r);
	return ret;
}

/*
 * The interval of ratios Mann–Whitney does not reject at `confidence` (each
 * side (1 - confidence) / 2), by bisection on log(scale) like
 * stats_quantile_ci(): the ratios a shift of the whole distribution may have.
 */
/* The samples a test is asked about: base[0..nb) and cand[0..nc) (pairs when nb == nc). */
struct sides_data {
	const double *base, *cand;
	size_t nb, nc;
};

/* One test's one-sided p-values of "cand slower / faster than scale x base". */
typedef int (*sides_fn)(const struct sides_data *d, double scale, double *slower, double *faster,
                        struct pw_error *err);

/*
 * Invert a test over the ratio: lo is the smallest scale in [span_lo,
 * span_hi] whose "slower" p reaches a (below it the candidate is
 * significantly slower than scale x base), hi the largest whose "faster" p
 * still does; by bisection on log(scale) to 1e-6 relative.
 */
static int invert_sides(sides_fn f, const struct sides_data *d, double span_lo, double span_hi,
                        double a, double *lo, double *hi, struct pw_error *err)
{
	double l, h, slower, faster;
	int side, k, ret;

	for (side = 0; side < 2; side++) {
		l = log(span_lo / 1.000001);
		h = log(span_hi * 1.000001);
		for (k = 0; k < 60 && h - l > 1e-6; k++) {
			double m = (l + h) / 2;

			if ((ret = f(d, exp(m), &slower, &faster, err)) < 0)
				return ret;
			if (side == 0 ? slower >= a : faster < a)
				h = m;
			else
				l = m;
		}
		if (side == 0)
			*lo = exp(h);
		else
			*hi = exp(l);
	}
	return 0;
}

static int mwu_sides_of(const struct sides_data *d, double scale, double *slower, double *faster,
                        struct pw_error *err)
{
	return mwu_sides(d->base, d->nb, d->cand, d->nc, scale, slower, faster, err);
}

/* The ratios Mann–Whitney does not reject at `confidence` (each side (1 - confidence) / 2). */
static int mwu_ci(const double *base, size_t nb, const double *cand, size_t nc, double confidence,
                  double *lo, double *hi, struct pw_error *err)
{
	const struct sides_data d = {base, cand, nb, nc};
	double bmin = base[0], bmax = base[0], cmin = cand[0], cmax = cand[0];
	size_t i;

	for (i = 1; i < nb; i++) {
		bmin = fmin(bmin, base[i]);
		bmax = fmax(bmax, base[i]);
	}
	for (i = 1; i < nc; i++) {
		cmin = fmin(cmin, cand[i]);
		cmax = fmax(cmax, cand[i]);
	}
	if (!(bmin > 0 && cmin > 0))
		return pw_error_set(err, PW_EINVALID, "the interval needs positive values");
	return invert_sides(mwu_sides_of, &d, cmin / bmax, cmax / bmin, (1 - confidence) / 2, lo,
	                    hi, err);
}

/* What one of the judge's tests says about cand against base (see judge.h). */
struct seq_test {
	const char *name;          /* "lower-quantile", "rank" or "paired" */
	double p_slower, p_faster; /* one-sided, at ratio 1 */
	double p_up;               /* "faster than (1 + t) x baseline" */
	double p_down;             /* "slower than baseline / (1 + t)" */
	double estimate, lo, hi;   /* the ratio, and its interval at 1 - 2 side */
};

static int quantile_fill(const double *base, size_t nb, const double *cand, size_t nc,
                         const struct judge_seq_options *o, double side, struct seq_test *x,
                         struct pw_error *err)
{
	struct stats_qtest at1, up, down;
	double qb, qc, t = o->threshold;
	int ret;

	if ((ret = stats_quantile(base, nb, o->quantile, &qb, err)) < 0 ||
	    (ret = stats_quantile(cand, nc, o->quantile, &qc, err)) < 0)
		return ret;
	if (!(qb > 0) || !(qc > 0))
		return pw_error_set(err, PW_EINVALID, "lower quartiles %g and %g are not positive",
		                    qb, qc);
	if ((ret = stats_quantile_test(base, nb, cand, nc, 1, o->quantile, &at1, err)) < 0 ||
	    (ret = stats_quantile_test(base, nb, cand, nc, 1 + t, o->quantile, &up, err)) < 0 ||
	    (ret = stats_quantile_test(base, nb, cand, nc, 1 / (1 + t), o->quantile, &down, err)) <
	            0 ||
	    (ret = stats_quantile_ci(base, nb, cand, nc, o->quantile, 1 - 2 * side, &x->lo, &x->hi,
	                             err)) < 0)
		return ret;
	x->name = "lower-quantile";
	x->p_slower = at1.p_slower;
	x->p_faster = at1.p_faster;
	x->p_up = up.p_faster;
	x->p_down = down.p_slower;
	x->estimate = qc / qb;
	return 0;
}

static int rank_fill(const double *base, size_t nb, const double *cand, size_t nc,
                     const struct judge_seq_options *o, double side, struct seq_test *x,
                     struct pw_error *err)
{
	double t = o->threshold, dummy;
	int ret;

	if ((ret = mwu_sides(base, nb, cand, nc, 1, &x->p_slower, &x->p_faster, err)) < 0 ||
	    (ret = mwu_sides(base, nb, cand, nc, 1 + t, &dummy, &x->p_up, err)) < 0 ||
	    (ret = mwu_sides(base, nb, cand, nc, 1 / (1 + t), &x->p_down, &dummy, err)) < 0 ||
	    (ret = mwu_ci(base, nb, cand, nc, 1 - 2 * side, &x->lo, &x->hi, err)) < 0 ||
	    (ret = shift_ratio(base, nb, cand, nc, &x->estimate, err)) < 0)
		return ret;
	x->name = "rank";
	return 0;
}

/* One-sided signed-rank p-values of the pairs' log(cand[k] / (scale x base[k])). */
static int pair_sides(const double *base, const double *cand, size_t n, double scale,
                      double *slower, double *faster, struct pw_error *err)
{
	struct stats_wilcoxon w;
	double *d = malloc(n * sizeof(*d));
	size_t k;
	int ret;

	if (!d)
		return pw_error_errno(err, PW_ERROR, "could not allocate %zu pairs", n);
	for (k = 0; k < n; k++)
		d[k] = log(cand[k] / (scale * base[k]));
	ret = stats_wilcoxon_signed_rank(d, n, STATS_WILCOXON_AUTO, &w, err);
	free(d);
	if (ret < 0)
		return ret;
	if (!w.m) {
		*slower = *faster = 1;
	} else if (w.r_plus > (double)w.m * (double)(w.m + 1) / 4) {
		*slower = w.p_value / 2;
		*faster = 1 - w.p_value / 2;
	} else {
		*faster = w.p_value / 2;
		*slower = w.r_plus < (double)w.m * (double)(w.m + 1) / 4 ? 1 - w.p_value / 2 : 0.5;
	}
	return 0;
}

static int pair_sides_of(const struct sides_data *d, double scale, double *slower, double *faster,
                         struct pw_error *err)
{
	return pair_sides(d->base, d->cand, d->nb, scale, slower, faster, err);
}

/*
 * The runs of a round were measured side by side, so a burst or a steady
 * load that slows both alike cancels in their ratio: the signed-rank test on
 * the pairs' log ratios, its Hodges–Lehmann estimate (the median of the
 * Walsh averages) and its interval inverted over the ratio.
 */
static int paired_fill(const double *base, const double *cand, size_t n,
                       const struct judge_seq_options *o, double side, struct seq_test *x,
                       struct pw_error *err)
{
	double t = o->threshold, dummy, a = side, lo_r, hi_r, *walsh = NULL;
	size_t i, j, k = 0;
	int ret;

	if ((ret = pair_sides(base, cand, n, 1, &x->p_slower, &x->p_faster, err)) < 0 ||
	    (ret = pair_sides(base, cand, n, 1 + t, &dummy, &x->p_up, err)) < 0 ||
	    (ret = pair_sides(base, cand, n, 1 / (1 + t), &x->p_down, &dummy, err)) < 0)
		return ret;
	if (!(walsh = malloc(n * (n + 1) / 2 * sizeof(*walsh))))
		return pw_error_errno(err, PW_ERROR, "could not allocate %zu averages", n);
	lo_r = hi_r = cand[0] / base[0];
	for (i = 0; i < n; i++) {
		lo_r = fmin(lo_r, cand[i] / base[i]);
		hi_r = fmax(hi_r, cand[i] / base[i]);
		for (j = i; j < n; j++)
			walsh[k++] = (log(cand[i] / base[i]) + log(cand[j] / base[j])) / 2;
	}
	ret = stats_median(walsh, k, &x->estimate, err);
	free(walsh);
	if (ret < 0)
		return ret;
	x->estimate = exp(x->estimate);
	{
		const struct sides_data d = {base, cand, n, n};

		if ((ret = invert_sides(pair_sides_of, &d, lo_r, hi_r, a, &x->lo, &x->hi, err)) < 0)
			return ret;
	}
	x->name = "paired";
	return 0;
}

double judge_resolvable(const double *base, const double *cand, size_t n,
                        const struct judge_seq_options *opts)
{
	struct seq_test x;
	double best = NAN, side = opts->alpha_ok / (opts->paired && n >= 2 ? 3 : 2);

	if (quantile_fill(base, n, cand, n, opts, side, &x, NULL) == 0)
		best = sqrt(x.hi / x.lo) - 1;
	if (rank_fill(base, n, cand, n, opts, side, &x, NULL) == 0)
		best = fmin(best, sqrt(x.hi / x.lo) - 1);
	if (opts->paired && n >= 2 && paired_fill(base, cand, n, opts, side, &x, NULL) == 0)
		best = fmin(best, sqrt(x.hi / x.lo) - 1);
	return best;
}

int judge_quantile(const double *base, size_t nb, const double *cand, size_t nc,
                   const struct judge_seq_options *opts, struct judge_result *res,
                   struct pw_error *err)
{
	static const struct judge_seq_options defaults = JUDGE_SEQ_OPTIONS_INIT;
	struct seq_test tests[3];
	const struct seq_test *decider = NULL;
	size_t n = nb < nc ? nb : nc, k, ntests = 2;
	double t, p = 1, side;
	int ret;

	judge_result_release(res);
	if (!opts)
		opts = &defaults;
	t = opts->threshold;
	if (!(t > 0) || !(opts->quantile > 0 && opts->quantile < 1) ||
	    !(opts->alpha_change > 0 && opts->alpha_change < 1) ||
	    !(opts->alpha_ok > 0 && opts->alpha_ok < 0.5))
		return pw_error_set(err, PW_EINVALID,
		                    "the quantile judge needs threshold > 0, 0 < quantile < 1, "
		                    "0 < alpha_change < 1 and 0 < alpha_ok < 0.5");
	/* each test rules a change out at alpha_ok / ntests per side: its interval is shown so */
	if (opts->paired && nb == nc && nb >= 2)
		ntests = 3;
	side = opts->alpha_ok / (double)ntests;
	if ((ret = quantile_fill(base, nb, cand, nc, opts, side, &tests[0], err)) < 0 ||
	    (ret = rank_fill(base, nb, cand, nc, opts, side, &tests[1], err)) < 0 ||
	    (ntests == 3 && (ret = paired_fill(base, cand, nb, opts, side, &tests[2], err)) < 0))
		return ret;
	res->n_base = nb;
	res->n_new = nc;
	res->noise = relative_noise(base, nb);
	/* the tests share each alpha (Bonferroni): a p counts ntests times */
	res->verdict = VERDICT_UNSURE;
	for (k = 0; k < ntests; k++) {
		const struct seq_test *x = &tests[k];
		double ps = x->p_slower * (double)ntests, pf = x->p_faster * (double)ntests;

		p = fmin(p, 2 * fmin(ps, pf));
		if (n < opts->min_rounds)
			continue;
		if (x->p_up * (double)ntests < opts->alpha_ok &&
		    x->p_down * (double)ntests < opts->alpha_ok && res->verdict != VERDICT_OK) {
			res->verdict = VERDICT_OK;
			decider = x;
		}
	}
	for (k = 0; k < ntests && res->verdict == VERDICT_UNSURE && n >= opts->min_rounds; k++) {
		const struct seq_test *x = &tests[k];

		if (x->p_slower * (double)ntests < opts->alpha_change && x->estimate >= 1 + t / 2) {
			res->verdict = VERDICT_SLOWER;
			decider = x;
		} else if (x->p_faster * (double)ntests < opts->alpha_change &&
		           x->estimate <= 1 / (1 + t / 2)) {
			res->verdict = VERDICT_FASTER;
			decider = x;
		}
	}
	if (res->verdict == VERDICT_UNSURE && opts->final_look)
		res->verdict = VERDICT_INCONCLUSIVE;
	/* the estimate and interval shown are the deciding test's; undecided, the robust one's */
	if (!decider)
		decider = &tests[0];
	res->p_value = fmin(p, 1);
	res->ratio = decider->estimate;
	res->ci_lo = decider->lo;
	res->ci_hi = decider->hi;
	res->min_detectable = (res->ci_hi / res->ci_lo > 1 ? sqrt(res->ci_hi / res->ci_lo) : 1) - 1;
	res->interval_test = decider->name;
	seq_message(opts, res, n, 1 - 2 * side);
	return 0;
}

int judge_can_be_baseline(enum verdict v)
{
	return !verdict_is_failure(v) && v != VERDICT_NO_SPEC;
}

int judge_baseline_index(const enum verdict *verdicts, size_t n, size_t i, size_t *out,
                         struct pw_error *err)
{
	size_t j;

	if (i >= n)
		return pw_error_set(err, PW_EINVALID, "commit %zu is outside the %zu commits", i,
		                    n);
	for (j = i; j-- > 0;) {
		if (judge_can_be_baseline(verdicts[j])) {
			*out = j;
			return 0;
		}
	}
	return pw_error_set(err, PW_ENOTFOUND, "no good commit before commit %zu", i);
}

int judge_bisect_init(struct judge_bisect *b, size_t n, struct pw_error *err)
{
	struct judge_bisect blank = JUDGE_BISECT_INIT;

	*b = blank;
	if (n < 2)
		return pw_error_set(err, PW_EINVALID,
		                    "bisect needs a good and a bad commit, not %zu commits", n);
	if (!(b->skipped = calloc(n, 1)))
		return pw_error_errno(err, PW_ERROR, "could not allocate %zu flags", n);
	b->n = n;
	b->good = 0;
	b->bad = n - 1;
	return 0;
}

int judge_bisect_next(const struct judge_bisect *b, size_t *idx)
{
	size_t mid, d;

	if (!b->skipped || b->bad - b->good <= 1)
		return 0;
	mid = b->good + (b->bad - b->good) / 2;
	for (d = 0; d < b->bad - b->good; d++) {
		if (mid + d < b->bad && !b->skipped[mid + d]) {
			*idx = mid + d;
			return 1;
		}
		if (d < mid - b->good && !b->skipped[mid - d]) {
			*idx = mid - d;
			return 1;
		}
	}
	return 0;
}

int judge_bisect_report(struct judge_bisect *b, size_t idx, enum judge_probe outcome,
                        struct pw_error *err)
{
	if (!b->skipped || idx <= b->good || idx >= b->bad)
		return pw_error_set(err, PW_EINVALID,
		                    "commit %zu is not between the good commit %zu and the bad "
		                    "commit %zu",
		                    idx, b->good, b->bad);
	switch (outcome) {
	case JUDGE_PROBE_GOOD:
		b->good = idx;
		break;
	case JUDGE_PROBE_BAD:
		b->bad = idx;
		break;
	case JUDGE_PROBE_SKIP:
		b->skipped[idx] = 1;
		break;
	default:
		return pw_error_set(err, PW_EINVALID, "unknown bisect outcome %d", (int)outcome);
	}
	b->probes++;
	return 0;
}

int judge_bisect_culprit(const struct judge_bisect *b, size_t *first, size_t *last,
                         struct pw_error *err)
{
	size_t idx;

	if (!b->skipped || judge_bisect_next(b, &idx))
		return pw_error_set(err, PW_EINVALID, "the bisection is not done yet");
	*first = b->good + 1;
	*last = b->bad;
	return 0;
}

void judge_bisect_release(struct judge_bisect *b)
{
	struct judge_bisect blank = JUDGE_BISECT_INIT;

	free(b->skipped);
	*b = blank;
}
