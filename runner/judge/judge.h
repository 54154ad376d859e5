#ifndef PERFWARDEN_JUDGE_H
#define PERFWARDEN_JUDGE_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "stats.h"
#include "strbuf.h"
#include "verdict.h"

/* What the samples count: time (noisy, judged statistically) or instructions (deterministic). */
enum judge_metric {
	JUDGE_METRIC_TIME,
	JUDGE_METRIC_INSTRUCTIONS,
};

/*
 * How judge_compare() and judge_compare_paired() decide. JUDGE_OPTIONS_INIT
 * gives the defaults: threshold 2%, alpha 0.01, 5 to 60 runs (pairs), 2000
 * bootstrap resamples with a fixed seed, time metric, instructions threshold
 * 0.1%.
 */
struct judge_options {
	double threshold;         /* smallest relative change worth a verdict (0.02) */
	double alpha;             /* significance level; the CI is at 1 - alpha */
	size_t min_repeat;        /* fewer runs per side (pairs) is always unsure */
	size_t max_repeat;        /* the cap: at n >= max_repeat runs (pairs), no more unsure */
	size_t resamples;         /* bootstrap rounds */
	uint64_t seed;            /* bootstrap seed */
	enum judge_metric metric; /* time or instructions */
	double instructions_threshold; /* instructions mode: any change >= this is real */
};

#define JUDGE_OPTIONS_INIT                                                                         \
	{                                                                                          \
		0.02, 0.01, 5, 60, 2000, STATS_BOOTSTRAP_SEED, JUDGE_METRIC_TIME, 0.001            \
	}

/*
 * One judgement of candidate samples against baseline samples. Printed by
 * others as {"verdict": ..., "ratio": ..., "ci": [ci_lo, ci_hi],
 * "p_value": ..., "runs": n_new}. NaN fields are "not computed" (print null).
 */
struct judge_result {
	enum verdict verdict;
	/* median(new) / median(baseline); paired: the median of new[i] / baseline[i] */
	double ratio;
	double ci_lo; /* bootstrap CI of the ratio at 1 - alpha (instructions: = ratio) */
	double ci_hi;
	/* two-sided: Mann–Whitney; paired: Wilcoxon signed-rank; NaN for instructions */
	double p_value;
	size_t n_base; /* runs of the baseline (paired: pairs) */
	size_t n_new;  /* runs of the candidate (paired: pairs) */
	/* relative noise: 1.4826 MAD / median of the baseline; paired: 1.4826 MAD of the
	 * log ratios */
	double noise;
	double min_detectable; /* smallest change max_repeat runs can confirm at that noise */
	struct strbuf message; /* why: one line, house style; may carry a noise warning */
	/* judge_quantile: whose interval [ci_lo, ci_hi] is, "lower-quantile" or "rank" */
	const char *interval_test;
};

#define JUDGE_RESULT_INIT                                                                          \
	{                                                                                          \
		VERDICT_OK, NAN, NAN, NAN, NAN, 0, 0, NAN, NAN, STRBUF_INIT, NULL                  \
	}

void judge_result_init(struct judge_result *res);
/* Free the message; the result is JUDGE_RESULT_INIT again. */
void judge_result_release(struct judge_result *res);

/*
 * The decision rule, shared by judge_compare() and judge_compare_paired().
 * With r the estimated ratio new / baseline, [lo, hi] its bootstrap CI at
 * 1 - alpha, p the two-sided p-value of the rank test, t the threshold,
 * up = 1 + t and down = 1 / (1 + t):
 *  - slower: p < alpha and lo > 1 and hi >= up and r >= 1 + t / 2 — a
 *    significant slowdown, one of the threshold's size is plausible (the CI
 *    reaches it), and the estimate is at least half of it;
 *  - faster: the mirror image in log scale, p < alpha and hi < 1 and
 *    lo <= down and r <= 1 / (1 + t / 2) (so undoing a flagged slowdown
 *    reads faster);
 *  - ok: down < lo and hi < up — the whole CI lies inside (down, up), so a
 *    change of the threshold's size is ruled out; this includes a
 *    significant change that is clearly smaller than the threshold;
 *  - unsure otherwise (e.g. a significant change whose estimate is below
 *    t / 2 while its CI still reaches the threshold, or a CI across 1 that
 *    reaches up or down), and always when there are fewer than min_repeat
 *    runs (pairs) or the exact rank test cannot reach p < alpha with so few
 *    (stats_mwu_min_p, stats_wilcoxon_min_p) — as long as
 *    n < max_repeat. At the cap the undecided case is ok, and the message
 *    says that a change could not be confirmed.
 * The slower and ok cases are disjoint (hi >= up against hi < up), as are
 * faster and ok.
 */

/*
 * Judge cand[0..nc) against base[0..nb) (wall ns, or instruction counts),
 * filling *res (released and refilled). `opts` NULL means the defaults. The
 * runs are taken as independent (each side measured in its own block of
 * time).
 *
 * Time metric: r is the ratio of the medians, [lo, hi] the
 * stats_bootstrap_ratio() CI at 1 - alpha, p the Mann–Whitney two-sided
 * p-value (stats_mann_whitney, cand against base), n = min(nb, nc); the
 * verdict follows the decision rule above. noise is 1.4826 MAD / median of
 * the baseline. The message warns when the threshold is below
 * min_detectable = z(1 - alpha / 2) * 1.2533 * noise * sqrt(2 / max_repeat)
 * (the standard error of a ratio of medians of max_repeat runs each,
 * 1.2533 = sqrt(pi / 2)): changes of the threshold's size cannot be told from
 * this machine's noise.
 *
 * Instructions metric: no statistics; slower when r >= 1 + instructions
 * threshold, faster when r <= 1 / (1 + it), else ok; a single sample per side
 * is enough; ci_lo = ci_hi = r, p_value NaN.
 *
 * PW_EINVALID for empty samples, non-finite or non-positive medians, or bad options.
 */
int judge_compare(const double *base, size_t nb, const double *cand, size_t nc,
                  const struct judge_options *opts, struct judge_result *res, struct pw_error *err);

/*
 * Judge n interleaved pairs: (base[i], cand[i]) were measured back to back
 * (base, cand, base, cand, ...), so a burst of machine load or a drift hits
 * both members of a pair alike and cancels in the pair's ratio
 * cand[i] / base[i]. Fills *res like judge_compare() (n_base = n_new = n),
 * with:
 *  - ratio: the median of the n pair ratios (not a ratio of medians);
 *  - [ci_lo, ci_hi]: stats_bootstrap_median() CI of that median at 1 - alpha
 *    (opts->resamples, opts->seed);
 *  - p_value: Wilcoxon signed-rank two-sided (stats_wilcoxon_signed_rank,
 *    AUTO) on the log ratios log(cand[i] / base[i]);
 *  - noise: 1.4826 MAD of the log ratios, the relative noise of one pair
 *    ratio (NaN under 3 pairs); min_detectable = z(1 - alpha / 2) * 1.2533 *
 *    noise / sqrt(max_repeat), the standard error of the median of max_repeat
 *    pair ratios;
 *  - the verdict: the decision rule above with n = pairs; unsure while
 *    n < min_repeat or n < 8 at alpha 0.01 (the exact signed-rank test needs 8
 *    pairs to get below 0.01), ok for an undecided case at n >= max_repeat;
 *  - the message says "paired" and counts pairs, e.g. "slower: paired median
 *    +2.10% (ratio 1.0210, 99% ci 1.0150..1.0260, p 0.0001, 20 pairs)".
 * Instructions metric: as judge_compare() on the two columns.
 * PW_EINVALID for n == 0, a value that is not finite and positive, or bad
 * options.
 */
int judge_compare_paired(const double *base, const double *cand, size_t n,
                         const struct judge_options *opts, struct judge_result *res,
                         struct pw_error *err);

/*
 * The sequential lower-quantile judge: the rule `perfwarden check` uses for
 * time. On a shared machine interference only ever adds time, so the lower
 * part of a benchmark's distribution stays put while its median wanders;
 * the judge estimates the change from the lower part, with tests that hold
 * whatever the noise's shape. Two or three exact tests share each alpha
 * (Bonferroni): the lower-quantile test (stats_quantile_test), which
 * interference cannot fool; Mann–Whitney, which decides large changes in
 * few rounds; and, when opts.paired (base[k] and cand[k] ran in the same
 * round), the signed-rank test on the pairs' log ratios, which cancels a
 * load that slows both runs of a round alike. It is asked again after every
 * few rounds until it decides:
 *  - ok: a change of the threshold's size is ruled out both ways by one
 *    test — the candidate is significantly faster than (1 + t) x baseline
 *    and slower than baseline / (1 + t), each at alpha_ok / tests (two
 *    one-sided tests);
 *  - slower: a test finds the candidate significantly slower (its one-sided
 *    p, times the tests, below alpha_change — which the caller has divided among the
 *    push's comparisons and looks) and its estimate (below) is at least
 *    1 + t / 2; faster is the mirror image;
 *  - otherwise unsure (measure more), or, on the final look, inconclusive:
 *    the message says how large a change the rounds could resolve.
 * Each test has its estimate: the lower-quantile test the ratio of lower
 * quartiles, Mann–Whitney the Hodges–Lehmann ratio (median of all
 * cand[i] / base[j]); a test decides slower or faster only with its own
 * estimate at least 1 + t / 2 (or at most 1 / (1 + t / 2)). res->ratio and
 * [ci_lo, ci_hi] (the test inverted over the ratio, at 1 - 2 alpha_ok / tests:
 * the level at which each test rules a change out, so an interval inside
 * (1 / (1 + t), 1 + t) is an `ok`) are the deciding test's, the
 * lower-quantile test's when undecided;
 * interval_test names it. p_value is the two-sided p at ratio 1 (both
 * tests, Bonferroni); min_detectable the interval's half-width (the change
 * these rounds can resolve); noise the baseline's 1.4826 MAD / median. Instruction counts are not
 * judged here (judge_compare).
 */
struct judge_seq_options {
	double threshold;    /* t */
	double quantile;     /* q: 0.25, the lower quartile */
	double alpha_change; /* for slower / faster: each one-sided p (times the tests) */
	double alpha_ok;     /* for each one-sided test that rules a change out */
	size_t min_rounds;   /* fewer is always unsure */
	int final_look;      /* the budget is spent: unsure becomes inconclusive */
	int paired;          /* base[k] and cand[k] ran side by side: add the paired test */
};

#define JUDGE_SEQ_OPTIONS_INIT                                                                     \
	{                                                                                          \
		0.02, 0.25, 1e-4, 0.02, 6, 0, 0                                                    \
	}

/*
 * The change judge_quantile() could resolve on base[0..n) against cand[0..n)
 * (pairs): the smallest half-width of its tests' intervals, at the level
 * judge_quantile() shows them. NaN when it cannot be computed. For calibration.
 */
double judge_resolvable(const double *base, const double *cand, size_t n,
                        const struct judge_seq_options *opts);

/* The judge's name as stored with its verdicts. */
#define JUDGE_SEQ_NAME "lower-quartile-seq/3"

int judge_quantile(const double *base, size_t nb, const double *cand, size_t nc,
                   const struct judge_seq_options *opts, struct judge_result *res,
                   struct pw_error *err);

/*
 * Whether a commit whose measurement reads `v` can be a baseline: it has
 * valid timings — not a failure (verdict_is_failure), not no-spec. A slower
 * commit can (so the commit undoing it reads faster).
 */
int judge_can_be_baseline(enum verdict v);

/*
 * The baseline of commit i in an ordered list (oldest first) of n commits'
 * verdicts for one benchmark: the last j < i that judge_can_be_baseline().
 * A commit that was not measured (or lacks the benchmark) is given as
 * VERDICT_NO_SPEC: it has nothing to compare with.
 * *out = j; PW_ENOTFOUND when there is none, PW_EINVALID when i >= n.
 */
int judge_baseline_index(const enum verdict *verdicts, size_t n, size_t i, size_t *out,
                         struct pw_error *err);

/*
 * Bisect planner (pure): commits 0..n-1 in order, 0 known good and n-1 known
 * bad. Ask judge_bisect_next() which commit to measure, tell the outcome with
 * judge_bisect_report(), repeat until next says done, then read the culprit.
 * Binary search (midpoint), so ceil(log2 n) probes at most without skips; a
 * skipped commit (e.g. build failed) is avoided like `git bisect skip`: the
 * nearest unskipped commit to the midpoint is probed instead.
 */
enum judge_probe {
	JUDGE_PROBE_GOOD,
	JUDGE_PROBE_BAD,
	JUDGE_PROBE_SKIP,
};

struct judge_bisect {
	size_t n;
	size_t good;            /* last known good index */
	size_t bad;             /* first known bad index */
	unsigned char *skipped; /* n flags */
	size_t probes;          /* reports received, skips included */
};

#define JUDGE_BISECT_INIT                                                                          \
	{                                                                                          \
		0, 0, 0, NULL, 0                                                                   \
	}

/* Start a bisection over n >= 2 commits. PW_EINVALID for n < 2. Release with judge_bisect_release.
 */
int judge_bisect_init(struct judge_bisect *b, size_t n, struct pw_error *err);

/*
 * 1 with *idx = the commit to measure next, or 0 when done (the culprit is
 * known, or only skipped commits are left between good and bad).
 */
int judge_bisect_next(const struct judge_bisect *b, size_t *idx);

/*
 * Record the outcome of measuring commit idx. PW_EINVALID when idx is not
 * strictly between the known good and bad commits (a stale or wrong report).
 */
int judge_bisect_report(struct judge_bisect *b, size_t idx, enum judge_probe outcome,
                        struct pw_error *err);

/*
 * Once judge_bisect_next() says done: the culprit range [*first, *last]. They
 * are equal when the first bad commit is pinned; otherwise every commit in
 * the range but the last was skipped and any of them may be the culprit.
 * PW_EINVALID when the bisection is not done yet.
 */
int judge_bisect_culprit(const struct judge_bisect *b, size_t *first, size_t *last,
                         struct pw_error *err);

/* Free the flags; b is JUDGE_BISECT_INIT again. */
void judge_bisect_release(struct judge_bisect *b);

#endif
