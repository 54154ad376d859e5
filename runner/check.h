#ifndef PERFWARDEN_CHECK_H
#define PERFWARDEN_CHECK_H

#include <stddef.h>

#include "checkout.h"
#include "error.h"
#include "judge.h"
#include "pipeline.h"

/*
 * Judging a pushed range: measure what is not measured yet (the range's base
 * included, as the baseline), judge every commit against the last good
 * commit before it, measure more — interleaving candidate and baseline — when
 * the first samples cannot tell, and judge the net effect of the push (tip vs
 * base). `perfwarden check`, `bisect` and the worker are thin over this.
 */
enum check_flags {
	CHECK_EACH = 1 << 0,       /* exit code: any commit's failure or slowdown fails */
	CHECK_BISECT = 1 << 1,     /* measure base and tip; bisect the middle when the tip is slower */
	CHECK_NO_CONFIRM = 1 << 2, /* never measure more than the spec's repeat */
	CHECK_CPU_TIME = 1 << 3,   /* judge user + system CPU time instead of wall time */
};

struct check_options {
	const char *range; /* "A..B"; a single REV means REV^..REV */
	unsigned flags;    /* enum check_flags */
	enum judge_metric metric;
	double alpha;
};

#define CHECK_OPTIONS_INIT { NULL, 0, JUDGE_METRIC_TIME, 0.01 }

/* One commit × benchmark. */
struct check_entry {
	char hash[CHECKOUT_HASH_HEX + 1];
	char short_hash[CHECKOUT_HASH_HEX + 1];
	char *subject;
	char *benchmark;    /* NULL when the commit has no benchmark (no-spec, bad-spec) */
	enum verdict verdict;
	int is_base;        /* the range's base commit (the first baseline) */
	int measured;       /* 0: skipped by bisection */
	char baseline[CHECKOUT_HASH_HEX + 1]; /* "" when judged against nothing */
	double ratio, ci_lo, ci_hi, p_value;  /* NAN when not judged */
	size_t runs;        /* kept samples */
	double median_ns;   /* NAN when no samples */
	double noise;
	char *message;      /* the judge's one line, or why it failed */
	char *detail;       /* diff report, build log tail or stderr tail; may be NULL */
};

/* The push as a whole for one benchmark: tip vs base. */
struct check_net {
	char *benchmark;
	enum verdict verdict;
	double ratio, ci_lo, ci_hi, p_value;
	char *message;
};

struct check_result {
	char base[CHECKOUT_HASH_HEX + 1]; /* "" when the range has none (a root commit) */
	char tip[CHECKOUT_HASH_HEX + 1];
	struct check_entry *entries;      /* oldest first, base first; benchmarks in spec order */
	size_t nentries;
	struct check_net *net;
	size_t nnet;
	size_t commits;                   /* commits in the range (base excluded) */
	size_t measured;                  /* commits measured or reused (base included) */
	/* bisect: the first slower commit, when one was searched for and found */
	char culprit[CHECKOUT_HASH_HEX + 1];
	size_t builds;                    /* commits built during bisection */
	unsigned flags;
	const char *metric;               /* what was judged: "wall", "cpu" or "instructions" */
};

#define CHECK_RESULT_INIT { "", "", NULL, 0, NULL, 0, 0, 0, "", 0, 0, "wall" }

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
 * than `good` (first parent chain), building at most ceil(log2 N) + 1 of the
 * N commits; commits that fail to build are skipped. The culprit, with its
 * ratio and interval against its parent, is the single entry of `out`
 * (culprit "" when none was found).
 */
int check_bisect(struct pipeline *p, const char *good, const char *bad,
		 const struct check_options *opts, struct check_result *out, struct pw_error *err);

/* The exit code for `r`: 0 pass, 1 regression (see check_flags for CHECK_EACH). */
int check_exit_code(const struct check_result *r);

#endif
