#ifndef PERFWARDEN_JUDGEMENTS_H
#define PERFWARDEN_JUDGEMENTS_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

/*
 * Every verdict ever given, kept apart from the runs it was given on. A run's
 * own verdict is its measurement's (ok, wrong-output, crashed, ...); whether
 * a commit is slower or faster than its baseline is a judgement: one row per
 * verdict of one judge on one metric of one benchmark of one commit (against
 * one baseline) in one environment with one spec. Judging again — another
 * metric, another judge, the same push checked twice — adds a row; none is
 * ever updated or deleted (they go only with their repository).
 *
 * The runs come first: store_judgement_add() refuses a judgement whose
 * repository, commit, baseline or environment the store does not know.
 */

/* A judgement to store. Everything borrowed; the store copies what it needs. */
struct store_judgement {
	const char *repo_location; /* the repository as stored (store_results.repo_location) */
	const char *candidate;     /* full hash of the commit judged */
	const char *baseline;      /* full hash of the commit it was compared with; NULL: none */
	const char *benchmark;
	const char *fingerprint; /* the environment's */
	const char *spec_hash;
	const char *metric;       /* what was judged: "wall", "cpu", "instructions", ... */
	const char *judge;        /* the rule that decided, name/version: "quantile-seq/1" */
	const char *verdict;      /* slower, faster, ok, inconclusive, wrong-output, ... */
	const char *message;      /* the judge's one line; NULL: none */
	const char *details_json; /* a JSON object with whatever else the judge says; NULL: {} */
	double ratio, ci_lo, ci_hi, p_value; /* NAN: not computed (stored as NULL) */
	int64_t rounds;                      /* measuring rounds the decision took (>= 0) */
};

/* A stored judgement. Every string is malloc'd and owned by the row. */
struct store_judgement_row {
	int64_t id;
	char *created_at; /* ISO 8601 UTC with microseconds: "2026-01-02T03:04:05.000006Z" */
	char *repo_location;
	char *candidate;
	char *baseline; /* NULL when judged against nothing */
	char *benchmark;
	char *fingerprint;
	char *spec_hash;
	char *metric;
	char *judge;
	char *verdict;
	char *message;                       /* NULL when none was given */
	char *details_json;                  /* a JSON object, never NULL */
	double ratio, ci_lo, ci_hi, p_value; /* NAN where NULL */
	int64_t rounds;
};

#define STORE_JUDGEMENT_ROW_INIT                                                                   \
	{                                                                                          \
		0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0,   \
		        0, 0, 0                                                                    \
	}

/* Free the row's strings; `r` is empty (all NULL) afterwards. */
void store_judgement_row_release(struct store_judgement_row *r);

/* Judgements, owning their rows. */
struct store_judgement_list {
	struct store_judgement_row *rows;
	size_t nrows;
};

#define STORE_JUDGEMENT_LIST_INIT                                                                  \
	{                                                                                          \
		NULL, 0                                                                            \
	}

void store_judgement_list_release(struct store_judgement_list *l);

/*
 * Append one judgement (created_at is the database's clock); its id in *id
 * (may be NULL). PW_EINVALID when a required field (all but baseline,
 * message and details_json) is missing, rounds is negative or details_json
 * is not a JSON object; PW_ENOTFOUND when the repository, the candidate or
 * baseline commit or the environment is not in the store (store the runs
 * first); PW_EDB when the database fails.
 */
int store_judgement_add(struct store *s, const struct store_judgement *j, int64_t *id,
                        struct pw_error *err);

/*
 * The newest (created_at, then id) judgement of exactly this key: candidate
 * and baseline (NULL: judged against nothing) full hashes in
 * `repo_location`, benchmark, environment, spec hash, metric and judge. For
 * reusing a verdict when the same push is checked again. `out` is released
 * first and filled; PW_ENOTFOUND when there is none.
 */
int store_judgement_find(struct store *s, const char *repo_location, const char *candidate,
                         const char *baseline, const char *benchmark, const char *fingerprint,
                         const char *spec_hash, const char *metric, const char *judge,
                         struct store_judgement_row *out, struct pw_error *err);

/*
 * Every judgement of commit `hash` (full hash) in `repo_location` as the
 * candidate, newest first. `out` is released first and filled; a commit with
 * no judgement (or an unknown one) gives an empty list, not an error.
 */
int store_judgements_for_commit(struct store *s, const char *repo_location, const char *hash,
                                struct store_judgement_list *out, struct pw_error *err);

#endif
