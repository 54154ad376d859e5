#ifndef PERFWARDEN_QUERY_H
#define PERFWARDEN_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "sample.h"

/*
 * Reading the history back as plain C structs (no libpq outside store/):
 * per-commit aggregates for `history`, and everything about one commit's runs
 * (with the raw samples) for `show` and `compare`.
 */

enum store_metric {
	STORE_METRIC_WALL,
	STORE_METRIC_USER,
	STORE_METRIC_SYS,
	STORE_METRIC_MAXRSS,
	STORE_METRIC_MINFLT,
	STORE_METRIC_MAJFLT,
	STORE_METRIC_NVCSW,
	STORE_METRIC_NIVCSW,
	STORE_METRIC_INSTRUCTIONS,
	STORE_METRIC_CYCLES,
	STORE_METRIC_BRANCH_MISSES,
	STORE_METRIC_CACHE_MISSES,
	STORE_METRIC_COUNT
};

/* "wall", "user", "sys", "maxrss", "minflt", ..., "cache_misses". */
const char *store_metric_name(enum store_metric m);

/* The unit of the stored values: "ns", "KiB" or "" (a count). */
const char *store_metric_unit(enum store_metric m);

/* Parse a metric name (as above; "wall_ns"-style column names too). PW_EINVALID if unknown. */
int store_metric_parse(const char *name, enum store_metric *m);

/* The sample's value of the metric, or SAMPLE_ABSENT. */
int64_t store_sample_metric(const struct sample *x, enum store_metric m);

/* Whether `s` looks like a (prefix of a) commit hash: 4 to 40 hex digits. */
int store_hash_prefix_valid(const char *s);

struct store_history_query {
	const char *repo_location; /* NULL: every repository */
	const char *benchmark;     /* required */
	enum store_metric metric;
	const char *fingerprint; /* NULL: the environment of the benchmark's newest run */
	/*
	 * The commits to show, newest first (e.g. first-parent order from
	 * runner/measure/checkout); NULL: the commits that have runs, newest author time
	 * first. Commits in the list without a run are skipped.
	 */
	const char *const *hashes;
	size_t nhashes;
	size_t limit; /* 0: no limit */
	/*
	 * A metric of a harness case's series (a run `benchmark/case`, schema 6):
	 * "time", "items_per_second", ...; NULL: `metric`, or for such a run its
	 * first metric.
	 */
	const char *series_metric;
};

/*
 * One commit of the history: the newest matching run of the benchmark on
 * that commit (finished_at, then id; several runs exist when the commit was
 * measured again, or specs differ). One environment only: `fingerprint`, or
 * when it is NULL the environment of the benchmark's newest run (named in
 * store_history.fingerprint), so a history never mixes machines. Values come from the run's summary
 * written with it (runs.summary), in store_metric_unit(). The verdict is the newest judgement's of
 * that run's (commit, benchmark, environment, spec) — one on the query's metric preferred, then one
 * on "wall", then any — when the commit was judged, else the run's own (measurement) verdict.
 */
struct store_history_row {
	char *hash;
	char *subject;
	int64_t author_time;  /* Unix seconds, 0 when unknown */
	char *verdict;        /* the verdict to show (above), or NULL */
	char *run_verdict;    /* the run's measurement verdict: ok, wrong-output, ..., or NULL */
	char *verdict_metric; /* the judgement's metric and judge; NULL when the verdict is the
	                         run's */
	char *verdict_judge;
	size_t count;  /* samples with this metric */
	double median; /* NAN when count is 0 */
	double min;
	double iqr;        /* q3 - q1, type-7 quantiles (percentile_cont, numpy) */
	double ratio_prev; /* median / the next older row's median; NAN for the oldest */
	char *unit;        /* a harness case's unit ("ns", "B/s", ...); NULL: store_metric_unit() */
	char *metric;      /* the summary's key read: "wall_ns", ..., or a harness case's metric */
};

struct store_history {
	struct store_history_row *rows;
	size_t nrows;
	char *fingerprint; /* the one environment the rows come from */
};

#define STORE_HISTORY_INIT                                                                         \
	{                                                                                          \
		NULL, 0, NULL                                                                      \
	}

/*
 * Per-commit aggregates, newest first. PW_ENOTFOUND when the benchmark has no
 * run at all (in that repository). Release `out` with store_history_release().
 */
int store_history_query(struct store *s, const struct store_history_query *q,
                        struct store_history *out, struct pw_error *err);

void store_history_release(struct store_history *h);

/*
 * The plan of the query store_history_query() runs for `q`, from EXPLAIN
 * (ANALYZE, BUFFERS): one line per plan line, appended to `plan`. For the
 * benchmark script and for looking into slow histories.
 */
int store_history_explain(struct store *s, const struct store_history_query *q, struct strbuf *plan,
                          struct pw_error *err);

/* One value a harness reported (schema 6), as store_value in store/results.h. Owned. */
struct store_run_value {
	char *metric;
	char *unit;
	char *direction; /* "lower", "higher" or "none" */
	int64_t sample_seq;
	double value;
};

/*
 * One stored run with its samples (seq order). Timestamps are ISO 8601 text.
 * Runs are never replaced, so a commit measured again has several runs of
 * one (benchmark, environment, spec): `newest` marks the one readers take.
 */
struct store_run_info {
	int64_t id;
	char *benchmark;
	char *spec_hash;
	char *fingerprint;
	char *verdict; /* the run's own: the measurement's (ok, wrong-output, crashed, ...) */
	int newest;    /* 1: the newest run of its key (finished_at, then id); 0: superseded */
	/*
	 * On the newest run of a key only: the newest judgement of that key
	 * (commit, benchmark, environment, spec), one on "wall" preferred;
	 * all NULL when the key was never judged (and on superseded runs).
	 */
	char *judged_verdict;
	char *judged_metric;
	char *judge;
	char *started_at;
	char *finished_at;
	char *build_log_tail;
	char *diff_report;
	char *stderr_tail;
	char *metadata_json;
	struct sample *samples;
	size_t nsamples;
	/* a harness case's run (`benchmark/case`): its values, by metric then in order */
	struct store_run_value *values;
	size_t nvalues;
};

struct store_commit_info {
	char *repo_location;
	char *hash;
	char **parents;
	size_t nparents;
	char *author;
	char *email;
	char *author_time; /* ISO 8601, or NULL */
	char *subject;
	/*
	 * Every stored run, ordered by benchmark, environment and spec hash, and
	 * within one such key newest first (finished_at DESC, id DESC).
	 */
	struct store_run_info *runs;
	size_t nruns;
};

#define STORE_COMMIT_INFO_INIT                                                                     \
	{                                                                                          \
		NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, 0                               \
	}

/*
 * Everything about one commit, found by a hash prefix (>= 4 hex digits) in
 * `repo_location` (NULL: any repository), every run included. PW_EINVALID for a malformed or
 * ambiguous prefix, PW_ENOTFOUND for an unknown commit. A known commit with
 * no runs is not an error (nruns = 0). Release with store_commit_info_release().
 */
int store_commit_load(struct store *s, const char *repo_location, const char *prefix,
                      struct store_commit_info *out, struct pw_error *err);

void store_commit_info_release(struct store_commit_info *c);

/* The verdict to show for run `r`: its judged_verdict when judged, else its own verdict. */
const char *store_run_shown_verdict(const struct store_run_info *r);

/*
 * The newest run of `benchmark` in environment `fingerprint` of `c`, with
 * spec `spec_hash` when one has it, else the newest of the other specs
 * (`spec_hash` NULL: the newest of any spec); NULL when none. Borrowed.
 */
const struct store_run_info *store_commit_newest_run(const struct store_commit_info *c,
                                                     const char *benchmark, const char *fingerprint,
                                                     const char *spec_hash);

/* Two runs to compare: one benchmark, one spec, one environment. Borrowed from their commits. */
struct store_run_pair {
	const struct store_run_info *a, *b;
};

/*
 * The runs of commits `a` and `b` to compare (`perfwarden compare`, the
 * dashboard's /api/compare): per benchmark, newest runs of both that share a
 * spec hash and an environment fingerprint — timings are only compared within
 * one environment, so a run of another machine is never matched. Of several
 * such (spec, environment), the one whose older run finished last. Benchmarks
 * without one are left out. *out (malloc'd, the caller frees it) is in the
 * order of a's runs; returns how many.
 */
size_t store_run_pairs(const struct store_commit_info *a, const struct store_commit_info *b,
                       struct store_run_pair **out);

/* Whether any run of `benchmark` exists (in `repo_location`, NULL: anywhere). */
int store_benchmark_exists(struct store *s, const char *repo_location, const char *benchmark,
                           int *exists, struct pw_error *err);

/*
 * The names of the benchmarks that have runs (in `repo_location`, NULL:
 * anywhere; measured in environment `fingerprint`, NULL: any), sorted. *out
 * is the caller's (store_names_free); *n is 0 when nothing was stored.
 */
int store_benchmark_names(struct store *s, const char *repo_location, const char *fingerprint,
                          char ***out, size_t *n, struct pw_error *err);

/* Free a list from store_benchmark_names(); NULL is fine. */
void store_names_free(char **names, size_t n);

#endif
