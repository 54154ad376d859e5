#ifndef PERFWARDEN_RESULTS_H
#define PERFWARDEN_RESULTS_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "sample.h"

/*
 * Writing what was measured. The pipeline fills one `struct store_results`
 * per commit (everything borrowed: the store copies what it needs) and calls
 * store_results_save(): the repository, commit, environment, runs and
 * samples go in ONE transaction (samples through COPY), so a crash or a lost
 * connection never leaves half a commit.
 *
 * Nothing stored is ever replaced: every write appends new runs with their
 * samples, also when the commit already has runs of the same (benchmark,
 * environment, spec hash) — that is what --force, confirmation runs and a
 * second check produce. Readers that want one run per key take the newest
 * (finished_at, then id: the later write of two equal ones); store_run_find()
 * and store/query.h say which they read. Verdicts of the judge live apart, in
 * store/judgements.h; a run's verdict is its measurement's.
 */

/* A commit as libgit2 describes it. author_time in Unix seconds (0: unknown). */
struct store_commit_meta {
	const char *hash;           /* full 40-hex object id */
	const char *const *parents; /* full hashes, first parent first */
	size_t nparents;
	const char *author;
	const char *email;
	int64_t author_time;
	const char *subject;
};

/*
 * One value a benchmark's harness reported (schema 6, series_values): a run
 * named `benchmark/case` holds its case's values, every metric's
 * repetitions in order (seq counts per metric, in the order given here).
 */
struct store_value {
	const char *metric;    /* "time", "items_per_second", ... */
	const char *unit;      /* "ns", "B/s", ...; NULL or "" when not known */
	const char *direction; /* "lower", "higher" or "none" */
	int64_t sample_seq;    /* the process run (samples.seq) that reported it; -1: unknown */
	double value;
};

/* One benchmark's run on the commit. Strings may be NULL (stored as NULL). */
struct store_run_result {
	const char *benchmark;
	const char *spec_hash;
	int64_t started_us; /* Unix microseconds; 0: unknown */
	int64_t finished_us;
	const char
	        *verdict; /* the measurement's: ok, wrong-output, crashed, timeout, build-failed */
	const char *build_log_tail;
	const char *diff_report;
	const char *stderr_tail;
	const char *metadata_json;    /* a JSON object, or NULL for {} */
	const struct sample *samples; /* kept repetitions, in order (seq = index) */
	size_t nsamples;
	const struct store_value *values; /* a series' values (above); NULL for a process run */
	size_t nvalues;
};

struct store_results {
	const char *repo_location; /* absolute path of a local repository, or its URL */
	const char *repo_name;
	struct store_commit_meta commit;
	const char *env_fingerprint;
	const char *env_details_json; /* a JSON object (`system show --json`), or NULL */
	const struct store_run_result *runs;
	size_t nruns;
};

/*
 * Upserts (insert, or update the descriptive columns of the existing row) that
 * return the row's id. Usable on their own or inside a caller's transaction.
 * NULL environment details keep the stored ones ({} for a new environment);
 * the same holds for store_results.env_details_json.
 */
int store_repository_upsert(struct store *s, const char *location, const char *name, int64_t *id,
                            struct pw_error *err);
int store_commit_upsert(struct store *s, int64_t repository_id, const struct store_commit_meta *c,
                        int64_t *id, struct pw_error *err);
int store_environment_upsert(struct store *s, const char *fingerprint, const char *details_json,
                             int64_t *id, struct pw_error *err);

/*
 * Write one commit's results in one transaction, once (no retry): the
 * repository, commit and environment are inserted or updated, and every run
 * is INSERTed as a new row with its samples (earlier runs of the same key and
 * their samples stay as they were). PW_EDB on failure (nothing of it stays),
 * PW_EINVALID for results that name the same (benchmark, spec hash) twice or
 * lack a repository, commit or environment.
 */
int store_results_write(struct store *s, const struct store_results *r, struct pw_error *err);

/*
 * Write `n` commits' results in ONE transaction (all or nothing): for bulk
 * imports, where a transaction per commit would cost more than the data.
 * Three round trips whatever `n`: one statement for every repository,
 * environment, commit and run of the batch, one COPY for all samples, COMMIT.
 * A commit given twice is stored as if the entries were written one by one:
 * both entries' runs are appended, the later with the higher id (the newer
 * one of its key at equal finished_at). Some
 * thousands of commits per call is the sweet spot (store/README.md).
 * Errors as store_results_write().
 */
int store_results_write_many(struct store *s, const struct store_results *r, size_t n,
                             struct pw_error *err);

/*
 * Write one commit's results, keeping them whatever happens: a lost
 * connection is retried (reconnect with backoff, up to 3 attempts); when it
 * still cannot be stored — or `s` is NULL / not connected — the results are
 * written to a spool file under $PERFWARDEN_HOME/spool/ (path appended to
 * `spooled`, may be NULL) and PW_EDB is returned with a message naming the
 * file; `perfwarden db replay` (store_results_replay) stores it later.
 * Returns 0 when stored. PW_EIO when even the spool file could not be written.
 */
int store_results_save(struct store *s, const struct store_results *r, struct strbuf *spooled,
                       struct pw_error *err);

/*
 * Store every spool file (store/spool.h; oldest first) with
 * store_results_write() and remove each one stored. Counts go to *stored and
 * *left. Stops at the first failure to store (PW_EDB); a malformed file is
 * left in place, counted in *left, and reported in `err` (PW_EINVALID) after
 * the others were tried. PW_EIO when the spool cannot be read or a stored
 * file cannot be removed.
 */
int store_results_replay(struct store *s, size_t *stored, size_t *left, struct pw_error *err);

/*
 * Find the newest complete run (finished_at DESC, then id DESC) of
 * `benchmark` on `hash` (full hash) in `repo_location` with this spec hash
 * and environment fingerprint, so the runner can reuse it instead of
 * measuring again (unless --force). 0 with *run_id set when found,
 * PW_ENOTFOUND when not.
 */
int store_run_find(struct store *s, const char *repo_location, const char *hash,
                   const char *benchmark, const char *spec_hash, const char *fingerprint,
                   int64_t *run_id, struct pw_error *err);

#endif
