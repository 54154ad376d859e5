#ifndef PERFWARDEN_EXPLAIN_H
#define PERFWARDEN_EXPLAIN_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "error.h"
#include "pipeline.h"
#include "profile.h"
#include "strbuf.h"

/*
 * runner/explain: where the time (or the memory) went between a baseline
 * and a culprit — the reference chapter's drill-down (cProfile, then
 * line_profiler, memory_profiler, perf stat), done by perfwarden itself.
 *
 * Both commits' benchmark is run once under valgrind, the same build
 * perfwarden measured, with the benchmark's own command, environment and
 * working directory (measure/pipeline's plan, pipeline_run_wrapped()):
 * callgrind for the time (instructions per function and per source line;
 * with EXPLAIN_CACHE_SIM also cache and branch simulation), massif for the
 * memory (the peak's allocation sites). Deterministic: the same build gives
 * the same counts on any machine, with or without hardware counters. The two
 * sides run at once when the machine has a spare cpu. Profiles are kept,
 * compressed, in the store (store/profiles) and reused by a later explain
 * of the same commit, benchmark, machine and options.
 *
 * A profile that cannot be made (no valgrind, a crash or a timeout under
 * it, no debug information for lines) is a result, said in the side's
 * `why`, never an error: explaining never changes a verdict.
 */

enum explain_flags {
	EXPLAIN_TIME = 1 << 0,      /* callgrind */
	EXPLAIN_MEMORY = 1 << 1,    /* massif */
	EXPLAIN_CACHE_SIM = 1 << 2, /* callgrind --cache-sim=yes --branch-sim=yes */
	EXPLAIN_FORCE = 1 << 3,     /* profile again even when the store has the profile */
	EXPLAIN_NO_STORE = 1 << 4,  /* neither read nor keep profiles in the store */
};

/* Functions and lines explaining less of the change than this are left out (noise). */
#define EXPLAIN_MIN_SHARE 0.001

struct explain_options {
	unsigned flags;     /* enum explain_flags; neither TIME nor MEMORY: TIME */
	int64_t timeout_ms; /* per profiling run; 0: the benchmark's timeout x 100 */
	size_t top;         /* functions (and allocation sites) listed; 0: 10 */
	size_t line_fns;    /* functions whose lines are listed; 0: 3 */
	size_t lines;       /* lines listed per function; 0: 5 */
};

#define EXPLAIN_OPTIONS_INIT                                                                       \
	{                                                                                          \
		EXPLAIN_TIME, 0, 10, 3, 5                                                          \
	}

/* One commit's side. */
struct explain_side {
	char hash[41];
	char short_hash[41];
	char spec_hash[41]; /* the spec in force: profiles are of the build it makes; "" any */
	char *subject;
	struct profile profile;
	int has_time, has_heap;       /* the profiles that could be had */
	int time_reused, heap_reused; /* read from the store instead of made */
	struct strbuf why;            /* why a profile asked for is missing; "" when none is */
	int64_t profile_ms;           /* wall time spent profiling (0 when reused) */
};

struct explain_fn {
	const char *name, *object, *file; /* borrowed from a side's profile */
	int64_t self[2], incl[2];         /* baseline, culprit (0 when absent there) */
	double share; /* self change / total change: the part of the change it explains */
	int present[2];
};

struct explain_line {
	size_t fn; /* index into explain_result.fns */
	const char *file, *text;
	int line[2]; /* its number on each side; 0 where absent */
	int64_t cost[2];
	double share;
};

struct explain_site {
	const char *fn, *file, *text;
	int line[2];
	int64_t bytes[2];
	double share; /* of the peak's change */
};

struct explain_counter {
	const char *name; /* "instructions", "branch mispredictions", ... */
	int64_t value[2];
};

struct explain_result {
	char *benchmark;
	struct explain_side side[2]; /* [0] the baseline, [1] the culprit */
	int has_time, has_heap;      /* both sides have the part */
	const char *event;           /* what functions and lines are costed in: "Ir" */
	int64_t total[2];            /* that event's total per side */
	struct explain_fn *fns;      /* changed functions, biggest change first (share >= 0.1%) */
	size_t nfns;
	/* the callers the top function's change came through, up to the project's code */
	const char *via[3];
	size_t nvia;
	struct explain_line *lines; /* the top functions' changed lines */
	size_t nlines;
	struct explain_counter counters[8];
	size_t ncounters;
	const char *cycles_why; /* why there are no cycles (no hardware counters) */
	int64_t heap_peak[2];
	struct explain_site *sites;
	size_t nsites;
	int lines_missing; /* no line of the project's files: built without -g */
	/*
	 * Why the two profiles may cover different amounts of work (a harness that
	 * sizes its iterations to a time budget), said beside every output; NULL:
	 * the command does the same work on both sides.
	 */
	const char *work_caveat;
};

#define EXPLAIN_RESULT_INIT                                                                        \
	{                                                                                          \
		0                                                                                  \
	}

void explain_result_release(struct explain_result *r);

/*
 * Explain benchmark `benchmark` (NULL: the only, or the first, of the
 * culprit's spec) of commit `culprit` against `base` (NULL: its first
 * parent). Profiles the store has are reused (unless EXPLAIN_FORCE); the
 * commits are checked out and built (pipeline_prepare) only when a profile
 * must be made. `out` is filled (released first). Negative codes are
 * perfwarden's own: an unknown commit (PW_ENOTFOUND), an unknown benchmark
 * (PW_ENOTFOUND), a commit that cannot be built or has no spec (PW_EINVALID,
 * the verdict in the message), the store (PW_EDB), PW_EIO.
 */
int explain_commits(struct pipeline *p, const char *culprit, const char *base,
                    const char *benchmark, const struct explain_options *opts,
                    struct explain_result *out, struct pw_error *err);

/*
 * The same for two commits already prepared by the caller (check): their
 * benchmark `benchmark` (which both must have) is profiled and compared.
 * Failures to profile are in the sides' `why`; negative codes only for
 * perfwarden's own errors.
 */
int explain_prepared(struct pipeline *p, struct pipeline_commit *base,
                     struct pipeline_commit *culprit, const char *benchmark,
                     const struct explain_options *opts, struct explain_result *out,
                     struct pw_error *err);

/*
 * The explanation from the store alone (the dashboard, the report): the
 * newest profiles of `culprit` and `base` (full hashes) for `benchmark` in
 * `repository` on machine `environment`, compared; nothing is run. The parts
 * opts->flags asks (TIME, MEMORY) that both sides have are compared.
 * PW_ENOTFOUND when neither part is stored for both; PW_EDB; PW_EINVALID for
 * a stored profile that cannot be read.
 */
struct store;
int explain_stored(struct store *s, const char *repository, const char *environment,
                   const char *base, const char *culprit, const char *benchmark,
                   const struct explain_options *opts, struct explain_result *out,
                   struct pw_error *err);

/* Compare two sides already holding their profiles (fills fns, lines, sites, counters). */
void explain_compare(struct explain_result *r, const struct explain_options *opts);

/* ---- the outputs ---- */

/* The terminal table (appended to `out`). */
void explain_format_table(const struct explain_result *r, struct strbuf *out);

/* One JSON document (the caller's). */
json_t *explain_json(const struct explain_result *r);

/*
 * The Markdown summary for a PR comment: one headline ("`escape()` +2.0% of
 * instructions: kernel.c:17 `while n < maxiter && ...`"), then the top
 * functions and lines as a table (appended to `out`).
 */
void explain_format_markdown(const struct explain_result *r, struct strbuf *out);

/*
 * The differential flame graph of the time part, in d3-flame-graph's form:
 * {name, value, delta, children}, the culprit's call tree (values in the
 * event of r->event, inclusive) with each frame's change against the same
 * call path in the baseline. Callgrind keeps calls between functions, not
 * whole stacks, so a path's cost is spread over its callers in proportion
 * (as gprof does); frames under 0.05% of the total are left out. NULL when
 * either side has no time profile. The caller's.
 */
json_t *explain_flame_json(const struct explain_result *r);

/* The headline alone, plain text ("" when nothing could be explained). */
void explain_headline(const struct explain_result *r, struct strbuf *out);

#endif
