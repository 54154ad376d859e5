#ifndef PERFWARDEN_CHECK_H
#define PERFWARDEN_CHECK_H

#include <math.h>
#include <stddef.h>

#include "checkout.h"
#include "error.h"
#include "explain.h"
#include "judge.h"
#include "pipeline.h"

/*
 * Judging a pushed range. Every commit is checked out and built; a commit
 * whose build is byte-identical to its baseline's (runner/measure/artefact) reads
 * `unchanged` and is not run. The others are measured in interleaved rounds
 * — each round runs every commit still in question once, oldest to newest
 * and back again on the next round — so that neighbouring commits (and the
 * base and the tip, for the net verdict) are measured side by side and a
 * burst of load hits both. After a few rounds, and each time the rounds have
 * grown by 40% after that,
 * each open comparison (a commit against the last good one before it, and
 * the tip against the base) is put to the sequential lower-quartile judge
 * (judge_quantile); a comparison stops as soon as it is decided, and a
 * commit stops running when all its comparisons are. What the budget
 * (max-repeat rounds) cannot decide reads `inconclusive`.
 *
 * Before the rounds the base is run alone a few times (calibration): the
 * shape and size of this machine's noise for the benchmark, and the
 * smallest change the round budget can resolve, are said up front.
 *
 * What is judged, per benchmark (each a series of its own, with its own
 * comparisons in the same rounds): its process's time (wall by default;
 * the spec's `metric` or --metric cpu|instructions), its peak memory (max
 * RSS, threshold `memory-threshold`, 10%: slower means more memory), and,
 * for a benchmark with a `format`, each case its harness reports on the
 * case's first metric (or the spec's `metric`): each run stands for the
 * lower quartile of the repetitions it reported (repetitions within one
 * process are not independent), inverted where higher is better. A harness benchmark's process is
 * timed and stored but not judged unless its spec names wall, cpu or instructions.
 *
 * False alarms are controlled for the whole push: slower / faster needs
 * p < alpha / (2 x comparisons x looks) (Bonferroni over both directions,
 * every comparison of the push and every look at it), so the chance that
 * any verdict of the push is a false slower or faster is at most alpha.
 * The shares are weighted: peak memory, which barely varies, has a tenth of
 * alpha for its comparisons, and time the other nine tenths.
 *
 * `perfwarden check`, `bisect` and the worker are thin over this.
 */
enum check_flags {
	CHECK_EACH = 1 << 0,   /* exit code: any commit's failure or slowdown fails */
	CHECK_BISECT = 1 << 1, /* measure base and tip; bisect the middle when the tip is slower */
	CHECK_NO_CONFIRM =
	        1 << 2, /* one look only, after the first rounds (quick, often inconclusive) */
	CHECK_CPU_TIME = 1 << 3, /* judge user + system CPU time instead of wall time */
	CHECK_FAIL_INCONCLUSIVE =
	        1 << 4,            /* exit code: an inconclusive verdict fails like a slowdown */
	CHECK_NO_EXPLAIN = 1 << 5, /* do not profile slower and more-memory verdicts */
};

struct check_options {
	const char *range; /* "A..B"; a single REV means REV^..REV */
	unsigned flags;    /* enum check_flags */
	enum judge_metric metric;
	double alpha; /* the push's false-alarm rate for slower / faster (0.05) */
	/* explaining a regression: the limit of each profiling run (0: CHECK_EXPLAIN_TIMEOUT_MS) */
	int64_t explain_timeout_ms;
};

/* Each profiling run of an explanation is stopped after this long by default. */
#define CHECK_EXPLAIN_TIMEOUT_MS (INT64_C(300) * 1000)

#define CHECK_OPTIONS_INIT                                                                         \
	{                                                                                          \
		NULL, 0, JUDGE_METRIC_TIME, 0.05, 0                                                \
	}

/* One commit x benchmark. */
struct check_entry {
	char hash[CHECKOUT_HASH_HEX + 1];
	char short_hash[CHECKOUT_HASH_HEX + 1];
	char *subject;
	/*
	 * The series: a benchmark's name, or `benchmark/case` for a case its
	 * harness reports; NULL when the commit has no benchmark (no-spec, bad-spec).
	 */
	char *benchmark;
	/*
	 * What was judged: "wall", "cpu", "instructions", "memory" (peak RSS:
	 * slower means more memory) or a harness case's metric ("time",
	 * "items_per_second", ...); NULL for a benchmark that failed.
	 */
	char *metric;
	char *unit; /* of value: "ns", "KiB", "instructions" or the harness's; NULL when failed */
	enum verdict verdict;
	int is_base;                          /* the range's base commit (the first baseline) */
	int measured;                         /* 0: skipped by bisection */
	char baseline[CHECKOUT_HASH_HEX + 1]; /* "" when judged against nothing */
	double ratio, ci_lo, ci_hi, p_value;  /* NAN when not judged */
	size_t runs;   /* kept runs of this check (0 for unchanged commits) */
	size_t rounds; /* rounds the judgement used */
	/*
	 * The judged metric's lower quartile (upper, where higher is better), or
	 * the instruction count; NAN: none. For a higher-is-better metric ratio
	 * and interval are in its own terms (a fall reads below 1) and slower
	 * means worse.
	 */
	double value;
	double median_ns;  /* median wall time of its runs, for reference; NAN when none */
	double noise;      /* 1.4826 MAD / median of its baseline's runs */
	double resolvable; /* the change its rounds could resolve (judge_result.min_detectable) */
	int64_t instructions; /* cachegrind's count of the process tree, or -1 */
	char *message;        /* the judge's one line, or why it failed */
	char *detail;         /* diff report, build log tail or stderr tail; may be NULL */
	/* what verifies it (spec_benchmark_verification): "grid", ..., "unverified"; static */
	const char *verification;
};

/* The push as a whole for one benchmark: tip vs base. */
struct check_net {
	char *benchmark;
	char *metric; /* as check_entry's */
	/*
	 * The commit the tip is compared with: the base, or, when the base did not
	 * measure this benchmark (no spec yet, a failed build), the push's first
	 * commit that did; "" when no commit before the tip measured it.
	 */
	char from[CHECKOUT_HASH_HEX + 1];
	enum verdict verdict;
	double ratio, ci_lo, ci_hi, p_value;
	size_t rounds;
	char *message;
};

/* What calibration found for one benchmark (see check_run). */
struct check_calibration {
	char *benchmark;
	char commit[CHECKOUT_HASH_HEX + 1]; /* the commit run: the base, or the first good one */
	size_t runs;
	double median, q25, min; /* of the judged metric */
	double noise;            /* 1.4826 MAD / median: the classic spread */
	double skew;       /* (q90 - median) / (median - q10): > 1 means noise that adds time */
	double floor;      /* (q25 - min) / min: how tight the lower part is */
	double resolvable; /* the change max-repeat rounds can resolve at this noise */
	size_t first_look; /* rounds before the judge is first asked */
	size_t max_rounds;
	char *message; /* one line for people */
};

/*
 * Something perfwarden itself failed to do while checking, which the verdicts
 * do not show: results that could not be stored (and where they were
 * spooled instead), a verdict that could not be recorded or looked up.
 */
struct check_error {
	int code;      /* enum pw_error_code */
	char *message; /* naming the commit, what failed and why (and the spool file) */
	char *spooled; /* the spool file the results were kept in; NULL when none */
};

struct check_result {
	char base[CHECKOUT_HASH_HEX + 1]; /* "" when the range has none (a root commit) */
	char tip[CHECKOUT_HASH_HEX + 1];
	struct check_entry *entries; /* oldest first, base first; benchmarks in spec order */
	size_t nentries;
	struct check_net *net;
	size_t nnet;
	struct check_calibration *calibration;
	size_t ncalibration;
	size_t commits;            /* commits in the range (base excluded) */
	size_t measured;           /* commits built and judged (base included) */
	size_t unchanged;          /* commit x benchmark not run: identical artefacts */
	size_t comparisons;        /* comparisons the push's alpha is shared among */
	size_t memory_comparisons; /* of them, peak memory's (a tenth of alpha among them) */
	size_t looks;              /* looks per comparison at most */
	size_t total_runs;         /* kept timing runs of this check, calibration included */
	size_t rounds;             /* rounds run */
	double alpha;              /* the push's false-alarm rate */
	/* the two-sided p (as shown) one look needs: alpha / (comparisons x looks) */
	double alpha_change;
	double alpha_change_memory; /* the same for peak memory's comparisons; NaN: none */
	/* bisect: the first slower commit, when one was searched for and found */
	char culprit[CHECKOUT_HASH_HEX + 1];
	size_t builds; /* commits built during bisection */
	unsigned flags;
	const char *metric;         /* the time judged: "wall", "cpu" or "instructions" */
	const char *estimator;      /* how: "lower quartile" or "count" */
	const char *judge;          /* the rule's name (JUDGE_SEQ_NAME) */
	struct check_error *errors; /* every failure of perfwarden's own, in the order met */
	size_t nerrors;
	/*
	 * Where the time or the memory went (runner/explain), one per commit,
	 * baseline and benchmark with a slower or more-memory verdict (unless
	 * CHECK_NO_EXPLAIN; not with CHECK_BISECT, whose probes are not explained). A profile that
	 * could not be made is said in its sides' `why`; explaining never changes a verdict, the
	 * errors or the exit code.
	 */
	struct check_explanation *explanations;
	size_t nexplanations;
};

struct check_explanation {
	char commit[CHECKOUT_HASH_HEX + 1];
	char baseline[CHECKOUT_HASH_HEX + 1];
	char *benchmark;
	struct explain_result result;
	char *error; /* perfwarden's own failure while explaining (no store, ...); NULL */
};

#define CHECK_RESULT_INIT                                                                          \
	{                                                                                          \
		"", "", NULL, 0, NULL, 0, NULL, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.05, 0, NAN, "", 0, 0, \
		        "wall", "lower quartile", JUDGE_SEQ_NAME, NULL, 0, NULL, 0                 \
	}

void check_result_release(struct check_result *r);

/*
 * Judge `opts->range` with pipeline `p`. Fills `out` (released first). A
 * regression is a result, not an error: negative codes are for ranges that
 * cannot be resolved (PW_ENOTFOUND), an empty range (PW_EINVALID), or
 * failures to prepare or measure a commit at all (the message names the
 * commit). What fails once the verdicts are known — runs that could not be
 * stored (spooled: out->errors has the file), verdicts that could not be
 * recorded, stored verdicts that could not be looked up — does not cost the
 * verdicts: 0 is returned and each failure is one of out->errors. On a
 * negative return, out->errors holds what failed while keeping the runs
 * measured until then.
 */
int check_run(struct pipeline *p, const struct check_options *opts, struct check_result *out,
              struct pw_error *err);

/*
 * Bisect between `good` and `bad`: binary search for the first commit slower
 * than `good` (first parent chain), building at most ceil(log2 N) + 2 of the
 * N commits; commits that fail to build are skipped. The culprit, with its
 * ratio and interval against its parent, is the single entry of `out`
 * (culprit "" when none was found).
 */
int check_bisect(struct pipeline *p, const char *good, const char *bad,
                 const struct check_options *opts, struct check_result *out, struct pw_error *err);

/*
 * The exit code for `r`: 1 regression — the net verdict of some benchmark
 * is a failure or slower (with CHECK_EACH: any commit's), or inconclusive
 * under CHECK_FAIL_INCONCLUSIVE; else 2 when perfwarden failed at something
 * of its own (r->errors: results not stored, verdicts not recorded); else 0
 * pass. By default an inconclusive verdict passes the gate and is reported
 * as such everywhere.
 */
int check_exit_code(const struct check_result *r);

#endif
