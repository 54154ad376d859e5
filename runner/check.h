#ifndef PERFWARDEN_CHECK_H
#define PERFWARDEN_CHECK_H

#include <stddef.h>

#include "checkout.h"
#include "error.h"
#include "judge.h"
#include "pipeline.h"

/*
 * Judging a pushed range. Every commit is checked out and built; a commit
 * whose build is byte-identical to its baseline's (runner/artefact) reads
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
 * False alarms are controlled for the whole push: slower / faster needs
 * p < alpha / (2 x comparisons x looks) (Bonferroni over both directions,
 * every comparison of the push and every look at it), so the chance that
 * any verdict of the push is a false slower or faster is at most alpha.
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
	        1 << 4, /* exit code: an inconclusive verdict fails like a slowdown */
};

struct check_options {
	const char *range; /* "A..B"; a single REV means REV^..REV */
	unsigned flags;    /* enum check_flags */
	enum judge_metric metric;
	double alpha; /* the push's false-alarm rate for slower / faster (0.05) */
};

#define CHECK_OPTIONS_INIT                                                                         \
	{                                                                                          \
		NULL, 0, JUDGE_METRIC_TIME, 0.05                                                   \
	}

/* One commit x benchmark. */
struct check_entry {
	char hash[CHECKOUT_HASH_HEX + 1];
	char short_hash[CHECKOUT_HASH_HEX + 1];
	char *subject;
	char *benchmark; /* NULL when the commit has no benchmark (no-spec, bad-spec) */
	enum verdict verdict;
	int is_base;                          /* the range's base commit (the first baseline) */
	int measured;                         /* 0: skipped by bisection */
	char baseline[CHECKOUT_HASH_HEX + 1]; /* "" when judged against nothing */
	double ratio, ci_lo, ci_hi, p_value;  /* NAN when not judged */
	size_t runs;       /* kept runs of this check (0 for unchanged commits) */
	size_t rounds;     /* rounds the judgement used */
	double value;      /* the judged metric's lower quartile (ns or instructions); NAN: none */
	double median_ns;  /* median wall time of its runs, for reference; NAN when none */
	double noise;      /* 1.4826 MAD / median of its baseline's runs */
	double resolvable; /* the change its rounds could resolve (judge_result.min_detectable) */
	int64_t instructions; /* cachegrind's count of the process tree, or -1 */
	char *message;        /* the judge's one line, or why it failed */
	char *detail;         /* diff report, build log tail or stderr tail; may be NULL */
};

/* The push as a whole for one benchmark: tip vs base. */
struct check_net {
	char *benchmark;
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

struct check_result {
	char base[CHECKOUT_HASH_HEX + 1]; /* "" when the range has none (a root commit) */
	char tip[CHECKOUT_HASH_HEX + 1];
	struct check_entry *entries; /* oldest first, base first; benchmarks in spec order */
	size_t nentries;
	struct check_net *net;
	size_t nnet;
	struct check_calibration *calibration;
	size_t ncalibration;
	size_t commits;     /* commits in the range (base excluded) */
	size_t measured;    /* commits built and judged (base included) */
	size_t unchanged;   /* commit x benchmark not run: identical artefacts */
	size_t comparisons; /* comparisons the push's alpha is shared among */
	size_t looks;       /* looks per comparison at most */
	size_t total_runs;  /* kept timing runs of this check, calibration included */
	size_t rounds;      /* rounds run */
	double alpha;       /* the push's false-alarm rate */
	/* the two-sided p (as shown) one look needs: alpha / (comparisons x looks) */
	double alpha_change;
	/* bisect: the first slower commit, when one was searched for and found */
	char culprit[CHECKOUT_HASH_HEX + 1];
	size_t builds; /* commits built during bisection */
	unsigned flags;
	const char *metric;    /* what was judged: "wall", "cpu" or "instructions" */
	const char *estimator; /* how: "lower quartile" or "count" */
	const char *judge;     /* the rule's name (JUDGE_SEQ_NAME) */
};

#define CHECK_RESULT_INIT                                                                          \
	{                                                                                          \
		"", "", NULL, 0, NULL, 0, NULL, 0, 0, 0, 0, 0, 0, 0, 0, 0.05, 0, "", 0, 0, "wall", \
		        "lower quartile", JUDGE_SEQ_NAME                                           \
	}

void check_result_release(struct check_result *r);

/*
 * Judge `opts->range` with pipeline `p`. Fills `out` (released first). A
 * regression is a result, not an error: negative codes are for ranges that
 * cannot be resolved (PW_ENOTFOUND), an empty range (PW_EINVALID), or
 * failures to measure at all.
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
 * The exit code for `r`: 0 pass, 1 regression — the net verdict of some
 * benchmark is a failure or slower (with CHECK_EACH: any commit's), or
 * inconclusive under CHECK_FAIL_INCONCLUSIVE. By default an inconclusive
 * verdict passes the gate and is reported as such everywhere.
 */
int check_exit_code(const struct check_result *r);

#endif
