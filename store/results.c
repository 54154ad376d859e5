/*
 * Writing one commit's measurements: upserts of the descriptive rows, then
 * the runs and (through COPY) their samples, all in one transaction; and the
 * safety net around it (retry on a lost connection, else the local spool).
 * Read by store/query.c; called by runner/pipeline.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "results.h"
#include "spool.h"
#include "store_internal.h"

#define SAVE_ATTEMPTS 3

static int returned_id(struct store *s, PGresult *res, const char *what, int64_t *id,
                       struct pw_error *err)
{
	int ret = store_check(s, res, PGRES_TUPLES_OK, what, err);

	if (!ret && PQntuples(res) != 1)
		ret = pw_error_set(err, PW_EDB, "%s: no row returned", what);
	if (!ret)
		*id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return ret;
}

int store_repository_upsert(struct store *s, const char *location, const char *name, int64_t *id,
                            struct pw_error *err)
{
	const char *params[2] = {location, name ? name : location};

	return returned_id(s,
	                   PQexecParams(s->conn,
	                                "INSERT INTO repositories (location, name) VALUES ($1, $2) "
	                                "ON CONFLICT (location) DO UPDATE SET name = EXCLUDED.name "
	                                "RETURNING id",
	                                2, NULL, params, NULL, NULL, 0),
	                   "could not store the repository", id, err);
}

/* A text[] literal: {"a","b"} with " and \ escaped. */
static void array_literal(struct strbuf *out, const char *const *items, size_t n)
{
	size_t i;
	const char *p;

	strbuf_addch(out, '{');
	for (i = 0; i < n; i++) {
		strbuf_addstr(out, i ? ",\"" : "\"");
		for (p = items[i]; *p; p++) {
			if (*p == '"' || *p == '\\')
				strbuf_addch(out, '\\');
			strbuf_addch(out, *p);
		}
		strbuf_addch(out, '"');
	}
	strbuf_addch(out, '}');
}

int store_commit_upsert(struct store *s, int64_t repository_id, const struct store_commit_meta *c,
                        int64_t *id, struct pw_error *err)
{
	struct strbuf repo = STRBUF_INIT, parents = STRBUF_INIT, when = STRBUF_INIT;
	const char *params[7];
	int ret;

	strbuf_addf(&repo, "%" PRId64, repository_id);
	array_literal(&parents, c->parents, c->nparents);
	if (c->author_time)
		strbuf_addf(&when, "%" PRId64, c->author_time);
	params[0] = repo.buf;
	params[1] = c->hash;
	params[2] = parents.buf;
	params[3] = c->author;
	params[4] = c->email;
	params[5] = c->author_time ? when.buf : NULL;
	params[6] = c->subject;
	ret = returned_id(
	        s,
	        PQexecParams(s->conn,
	                     "INSERT INTO commits (repository_id, hash, parents, author, email, "
	                     "author_time, subject) VALUES ($1, lower($2), $3, $4, $5, "
	                     "to_timestamp($6::bigint), $7) "
	                     "ON CONFLICT (repository_id, hash) DO UPDATE SET parents = "
	                     "EXCLUDED.parents, author = EXCLUDED.author, email = EXCLUDED.email, "
	                     "author_time = EXCLUDED.author_time, subject = EXCLUDED.subject "
	                     "RETURNING id",
	                     7, NULL, params, NULL, NULL, 0),
	        "could not store the commit", id, err);
	strbuf_release(&repo);
	strbuf_release(&parents);
	strbuf_release(&when);
	return ret;
}

int store_environment_upsert(struct store *s, const char *fingerprint, const char *details_json,
                             int64_t *id, struct pw_error *err)
{
	const char *params[2] = {fingerprint, details_json ? details_json : "{}"};

	return returned_id(
	        s,
	        PQexecParams(s->conn,
	                     "INSERT INTO environments (fingerprint, details) "
	                     "VALUES ($1, $2::jsonb) ON CONFLICT (fingerprint) DO UPDATE "
	                     "SET details = EXCLUDED.details RETURNING id",
	                     2, NULL, params, NULL, NULL, 0),
	        "could not store the environment", id, err);
}

/* Append one element of a text[] literal: NULL, or "..." with " and \ escaped. */
static void array_add(struct strbuf *arr, const char *item)
{
	struct strbuf clean = STRBUF_INIT;
	const char *p;

	strbuf_addch(arr, arr->len > 1 ? ',' : '{');
	if (!item) {
		strbuf_addstr(arr, "NULL");
		return;
	}
	if (!store_utf8_valid(item)) {
		store_utf8_sanitize(&clean, item);
		item = clean.buf;
	}
	strbuf_addch(arr, '"');
	for (p = item; *p; p++) {
		if (*p == '"' || *p == '\\')
			strbuf_addch(arr, '\\');
		strbuf_addch(arr, *p);
	}
	strbuf_addch(arr, '"');
	strbuf_release(&clean);
}

static void array_add_time(struct strbuf *arr, int64_t us)
{
	strbuf_addch(arr, arr->len > 1 ? ',' : '{');
	if (us)
		strbuf_addf(arr, "%" PRId64, us);
	else
		strbuf_addstr(arr, "NULL");
}

static void array_end(struct strbuf *arr)
{
	if (arr->len <= 1)
		strbuf_addch(arr, '{');
	strbuf_addch(arr, '}');
}

static int by_int64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The type-7 (linear) quantile p of sorted v[0..n). */
static double quantile7(const int64_t *v, size_t n, double p)
{
	double h = (double)(n - 1) * p;
	size_t lo = (size_t)h;

	if (lo + 1 >= n)
		return (double)v[n - 1];
	return (double)v[lo] + (h - (double)lo) * (double)(v[lo + 1] - v[lo]);
}

/* runs.summary for one run: per measured metric n, min, q1, median, q3 (schema 0003). */
static void run_summary(struct strbuf *out, const struct store_run_result *run)
{
	static const char *const names[] = {"wall_ns",    "user_ns",       "sys_ns",
	                                    "maxrss_kib", "minflt",        "majflt",
	                                    "nvcsw",      "nivcsw",        "instructions",
	                                    "cycles",     "branch_misses", "cache_misses"};
	int64_t *v = calloc(run->nsamples + 1, sizeof(*v));
	size_t m, i, n;

	if (!v)
		abort();
	strbuf_addch(out, '{');
	for (m = 0; m < sizeof(names) / sizeof(names[0]); m++) {
		for (i = n = 0; i < run->nsamples; i++) {
			const struct sample *x = &run->samples[i];
			const int64_t all[] = {x->wall_ns,    x->user_ns,       x->sys_ns,
			                       x->maxrss_kib, x->minflt,        x->majflt,
			                       x->nvcsw,      x->nivcsw,        x->instructions,
			                       x->cycles,     x->branch_misses, x->cache_misses};

			if (all[m] != SAMPLE_ABSENT)
				v[n++] = all[m];
		}
		if (!n)
			continue;
		qsort(v, n, sizeof(*v), by_int64);
		strbuf_addf(out,
		            "%s\"%s\": {\"n\": %zu, \"min\": %" PRId64
		            ", \"q1\": %.17g, \"median\": %.17g, \"q3\": %.17g}",
		            out->len > 1 ? ", " : "", names[m], n, v[0], quantile7(v, n, 0.25),
		            quantile7(v, n, 0.5), quantile7(v, n, 0.75));
	}
	strbuf_addch(out, '}');
	free(v);
}

/* The repository, commit and environment of `r` in one statement: their ids. */
static int upsert_all(struct store *s, const struct store_results *r, int64_t *commit_id,
                      int64_t *env_id, struct pw_error *err)
{
	struct strbuf parents = STRBUF_INIT, when = STRBUF_INIT;
	struct strbuf clean[3] = {STRBUF_INIT, STRBUF_INIT, STRBUF_INIT};
	const char *text[3] = {r->commit.author, r->commit.email, r->commit.subject};
	const char *params[10];
	PGresult *res;
	int ret, i;

	for (i = 0; i < 3; i++) {
		if (text[i] && !store_utf8_valid(text[i])) {
			store_utf8_sanitize(&clean[i], text[i]);
			text[i] = clean[i].buf;
		}
	}
	array_literal(&parents, r->commit.parents, r->commit.nparents);
	if (r->commit.author_time)
		strbuf_addf(&when, "%" PRId64, r->commit.author_time);
	params[0] = r->repo_location;
	params[1] = r->repo_name ? r->repo_name : r->repo_location;
	params[2] = r->commit.hash;
	params[3] = parents.buf;
	params[4] = text[0];
	params[5] = text[1];
	params[6] = r->commit.author_time ? when.buf : NULL;
	params[7] = text[2];
	params[8] = r->env_fingerprint;
	params[9] = r->env_details_json ? r->env_details_json : "{}";
	res = store_exec_prepared(
	        s, 0,
	        "WITH p AS (INSERT INTO repositories (location, name) VALUES ($1, $2) "
	        "ON CONFLICT (location) DO UPDATE SET name = EXCLUDED.name "
	        "WHERE repositories.name IS DISTINCT FROM EXCLUDED.name RETURNING id), "
	        "pid AS (SELECT coalesce((SELECT id FROM p), "
	        "(SELECT id FROM repositories WHERE location = $1)) AS id), "
	        "c AS (INSERT INTO commits (repository_id, hash, parents, author, email, "
	        "author_time, subject) SELECT pid.id, lower($3), $4, $5, $6, "
	        "to_timestamp($7::bigint), $8 FROM pid ON CONFLICT (repository_id, hash) DO UPDATE "
	        "SET parents = EXCLUDED.parents, author = EXCLUDED.author, email = EXCLUDED.email, "
	        "author_time = EXCLUDED.author_time, subject = EXCLUDED.subject "
	        "WHERE (commits.parents, commits.author, commits.email, commits.author_time, "
	        "commits.subject) IS DISTINCT FROM (EXCLUDED.parents, EXCLUDED.author, "
	        "EXCLUDED.email, EXCLUDED.author_time, EXCLUDED.subject) RETURNING id), "
	        "e AS (INSERT INTO environments (fingerprint, details) VALUES ($9, $10::jsonb) "
	        "ON CONFLICT (fingerprint) DO UPDATE SET details = EXCLUDED.details "
	        "WHERE environments.details IS DISTINCT FROM EXCLUDED.details RETURNING id) "
	        "SELECT coalesce((SELECT id FROM c), (SELECT c2.id FROM commits c2, pid WHERE "
	        "c2.repository_id = pid.id AND c2.hash = lower($3))), "
	        "coalesce((SELECT id FROM e), (SELECT id FROM environments WHERE fingerprint = "
	        "$9))",
	        10, params);
	ret = store_check(s, res, PGRES_TUPLES_OK, "could not store the commit", err);
	if (!ret && PQntuples(res) != 1)
		ret = pw_error_set(err, PW_EDB, "could not store the commit: no row returned");
	if (!ret) {
		*commit_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		*env_id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	}
	PQclear(res);
	for (i = 0; i < 3; i++)
		strbuf_release(&clean[i]);
	strbuf_release(&parents);
	strbuf_release(&when);
	return ret;
}

static int same_key(const struct store_run_result *a, const struct store_run_result *b)
{
	return !strcmp(a->benchmark, b->benchmark) &&
	       !strcmp(a->spec_hash ? a->spec_hash : "", b->spec_hash ? b->spec_hash : "");
}

/*
 * All runs of one commit in one INSERT ... ON CONFLICT (a run measured again
 * replaces the earlier one, keeping its id): their ids into run_ids[], and
 * the ids of replaced runs (whose old samples must go) appended to `replaced`.
 */
static int insert_runs(struct store *s, const struct store_results *r, int64_t commit_id,
                       int64_t env_id, int64_t *run_ids, struct strbuf *replaced,
                       struct pw_error *err)
{
	struct strbuf arr[10] = {STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT,
	                         STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT};
	struct strbuf cid = STRBUF_INIT, eid = STRBUF_INIT, summary = STRBUF_INIT;
	const char *params[12];
	PGresult *res = NULL;
	size_t i, j;
	int ret = 0, row;

	for (i = 0; i < r->nruns; i++) {
		const struct store_run_result *run = &r->runs[i];

		if (!run->benchmark) {
			ret = pw_error_set(err, PW_EINVALID, "run %zu of %.12s has no benchmark", i,
			                   r->commit.hash);
			goto done;
		}
		for (j = 0; j < i; j++)
			if (same_key(run, &r->runs[j])) {
				ret = pw_error_set(err, PW_EINVALID,
				                   "benchmark '%s' appears twice in the results of "
				                   "%.12s",
				                   run->benchmark, r->commit.hash);
				goto done;
			}
		array_add(&arr[0], run->benchmark);
		array_add(&arr[1], run->spec_hash ? run->spec_hash : "");
		array_add_time(&arr[2], run->started_us);
		array_add_time(&arr[3], run->finished_us);
		array_add(&arr[4], run->verdict);
		array_add(&arr[5], run->build_log_tail);
		array_add(&arr[6], run->diff_report);
		array_add(&arr[7], run->stderr_tail);
		array_add(&arr[8], run->metadata_json ? run->metadata_json : "{}");
		strbuf_reset(&summary);
		run_summary(&summary, run);
		array_add(&arr[9], summary.buf);
	}
	if (!r->nruns)
		goto done;
	strbuf_addf(&cid, "%" PRId64, commit_id);
	strbuf_addf(&eid, "%" PRId64, env_id);
	params[0] = cid.buf;
	params[1] = eid.buf;
	for (i = 0; i < 10; i++) {
		array_end(&arr[i]);
		params[2 + i] = arr[i].buf;
	}
	res = store_exec_prepared(
	        s, 1,
	        "INSERT INTO runs (commit_id, environment_id, benchmark, spec_hash, started_at, "
	        "finished_at, verdict, build_log_tail, diff_report, stderr_tail, metadata, "
	        "summary) "
	        "SELECT $1, $2, u.b, u.sh, to_timestamp(u.st / 1e6), to_timestamp(u.fi / 1e6), "
	        "u.v, u.bl, u.dr, u.se, u.md::jsonb, u.su::jsonb FROM unnest($3::text[], "
	        "$4::text[], "
	        "$5::bigint[], $6::bigint[], $7::text[], $8::text[], $9::text[], $10::text[], "
	        "$11::text[], $12::text[]) AS u(b, sh, st, fi, v, bl, dr, se, md, su) "
	        "ON CONFLICT (commit_id, benchmark, environment_id, spec_hash) DO UPDATE SET "
	        "started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at, "
	        "verdict = EXCLUDED.verdict, build_log_tail = EXCLUDED.build_log_tail, "
	        "diff_report = EXCLUDED.diff_report, stderr_tail = EXCLUDED.stderr_tail, "
	        "metadata = EXCLUDED.metadata, summary = EXCLUDED.summary "
	        "RETURNING id, benchmark, spec_hash, xmax::text <> '0'",
	        12, params);
	if ((ret = store_check(s, res, PGRES_TUPLES_OK, "could not store the runs", err)) < 0)
		goto done;
	for (row = 0; row < PQntuples(res); row++) {
		struct store_run_result key = {0};

		key.benchmark = PQgetvalue(res, row, 1);
		key.spec_hash = PQgetvalue(res, row, 2);
		for (i = 0; i < r->nruns; i++)
			if (same_key(&key, &r->runs[i]))
				run_ids[i] = strtoll(PQgetvalue(res, row, 0), NULL, 10);
		if (!strcmp(PQgetvalue(res, row, 3), "t"))
			strbuf_addf(replaced, "%s%s", replaced->len ? "," : "{",
			            PQgetvalue(res, row, 0));
	}
done:
	PQclear(res);
	for (i = 0; i < 10; i++)
		strbuf_release(&arr[i]);
	strbuf_release(&summary);
	strbuf_release(&cid);
	strbuf_release(&eid);
	return ret;
}

static int delete_samples(struct store *s, struct strbuf *replaced, struct pw_error *err)
{
	const char *params[1];
	PGresult *res;
	int ret;

	strbuf_addch(replaced, '}');
	params[0] = replaced->buf;
	res = PQexecParams(s->conn, "DELETE FROM samples WHERE run_id = ANY ($1::bigint[])", 1,
	                   NULL, params, NULL, NULL, 0);
	ret = store_check(s, res, PGRES_COMMAND_OK, "could not replace the earlier samples", err);
	PQclear(res);
	return ret;
}

static void copy_value(struct strbuf *row, int64_t v)
{
	if (v == SAMPLE_ABSENT)
		strbuf_addstr(row, "\t\\N");
	else
		strbuf_addf(row, "\t%" PRId64, v);
}

static void copy_row(struct strbuf *buf, int64_t run_id, size_t seq, const struct sample *x)
{
	strbuf_addf(buf, "%" PRId64 "\t%zu", run_id, seq);
	copy_value(buf, x->wall_ns);
	copy_value(buf, x->user_ns);
	copy_value(buf, x->sys_ns);
	copy_value(buf, x->maxrss_kib);
	copy_value(buf, x->minflt);
	copy_value(buf, x->majflt);
	copy_value(buf, x->nvcsw);
	copy_value(buf, x->nivcsw);
	copy_value(buf, x->instructions);
	copy_value(buf, x->cycles);
	copy_value(buf, x->branch_misses);
	copy_value(buf, x->cache_misses);
	strbuf_addf(buf, "\t%d\t%d\t%s\n", x->exit_code, x->term_signal, x->timed_out ? "t" : "f");
}

#define COPY_CHUNK (256 * 1024)

static int copy_samples(struct store *s, const struct store_results *r, size_t n,
                        int64_t *const *run_ids, struct pw_error *err)
{
	struct strbuf buf = STRBUF_INIT;
	PGresult *res;
	size_t c, i, j;
	int ret = 0;

	res = PQexec(s->conn, "COPY samples (run_id, seq, wall_ns, user_ns, sys_ns, maxrss_kib, "
	                      "minflt, majflt, nvcsw, nivcsw, instructions, cycles, branch_misses, "
	                      "cache_misses, exit_code, term_signal, timed_out) FROM STDIN");
	ret = store_check(s, res, PGRES_COPY_IN, "could not store the samples", err);
	PQclear(res);
	if (ret < 0)
		goto done;
	for (c = 0; c < n; c++) {
		for (i = 0; i < r[c].nruns; i++) {
			for (j = 0; j < r[c].runs[i].nsamples; j++) {
				copy_row(&buf, run_ids[c][i], j, &r[c].runs[i].samples[j]);
				if (buf.len < COPY_CHUNK)
					continue;
				if (PQputCopyData(s->conn, buf.buf, (int)buf.len) != 1)
					goto copy_failed;
				strbuf_reset(&buf);
			}
		}
	}
	if (buf.len && PQputCopyData(s->conn, buf.buf, (int)buf.len) != 1)
		goto copy_failed;
	if (PQputCopyEnd(s->conn, NULL) != 1)
		goto copy_failed;
	res = PQgetResult(s->conn);
	ret = store_check(s, res, PGRES_COMMAND_OK, "could not store the samples", err);
	PQclear(res);
	while ((res = PQgetResult(s->conn)))
		PQclear(res);
	goto done;
copy_failed:
	ret = pw_error_set(err, PW_EDB, "could not store the samples: %s", PQerrorMessage(s->conn));
	while ((res = PQgetResult(s->conn)))
		PQclear(res);
done:
	strbuf_release(&buf);
	return ret;
}

int store_results_write_many(struct store *s, const struct store_results *r, size_t n,
                             struct pw_error *err)
{
	struct strbuf replaced = STRBUF_INIT;
	int64_t **run_ids = NULL;
	int64_t commit_id = 0, env_id = 0;
	size_t c;
	int ret;

	if (!s || !s->conn)
		return pw_error_set(err, PW_EDB, "not connected to the database");
	run_ids = calloc(n + 1, sizeof(*run_ids));
	if (!run_ids)
		abort();
	if ((ret = store_exec(s, "BEGIN", err)) < 0)
		goto done;
	for (c = 0; c < n; c++) {
		if (!r[c].repo_location || !r[c].commit.hash || !r[c].env_fingerprint) {
			ret = pw_error_set(err, PW_EINVALID,
			                   "results without a repository, commit "
			                   "or environment");
			goto rollback;
		}
		run_ids[c] = calloc(r[c].nruns + 1, sizeof(**run_ids));
		if (!run_ids[c])
			abort();
		if ((ret = upsert_all(s, &r[c], &commit_id, &env_id, err)) < 0 ||
		    (ret = insert_runs(s, &r[c], commit_id, env_id, run_ids[c], &replaced, err)) <
		            0)
			goto rollback;
	}
	if (replaced.len && (ret = delete_samples(s, &replaced, err)) < 0)
		goto rollback;
	if ((ret = copy_samples(s, r, n, run_ids, err)) < 0)
		goto rollback;
	if (s->before_commit)
		s->before_commit(s, s->before_commit_arg);
	if ((ret = store_exec(s, "COMMIT", err)) < 0)
		goto rollback;
	goto done;
rollback:
	store_exec_quiet(s, "ROLLBACK");
done:
	for (c = 0; c < n; c++)
		free(run_ids[c]);
	free(run_ids);
	strbuf_release(&replaced);
	return ret;
}

int store_results_write(struct store *s, const struct store_results *r, struct pw_error *err)
{
	return store_results_write_many(s, r, 1, err);
}

int store_results_save(struct store *s, const struct store_results *r, struct strbuf *spooled,
                       struct pw_error *err)
{
	struct strbuf path = STRBUF_INIT, why = STRBUF_INIT;
	int attempt, ret = PW_EDB;

	for (attempt = 0; s && s->conn && attempt < SAVE_ATTEMPTS; attempt++) {
		if (attempt && store_reconnect(s, 5, err) < 0)
			break;
		ret = store_results_write(s, r, err);
		if (!ret || !store_connection_lost(s))
			break;
	}
	if (!ret)
		goto done;
	strbuf_addstr(&why, s && s->conn ? pw_error_message(err) : "not connected to the database");
	if ((ret = spool_write(r, &path, err)) < 0) {
		pw_error_prefix(err, "could not store the results (%s), nor spool them", why.buf);
		goto done;
	}
	if (spooled)
		strbuf_addstr(spooled, path.buf);
	ret = pw_error_set(err, PW_EDB,
	                   "could not store the results of %.12s (%s): kept in '%s' for "
	                   "'perfwarden db replay'",
	                   r->commit.hash, why.buf, path.buf);
done:
	strbuf_release(&path);
	strbuf_release(&why);
	return ret;
}

int store_run_find(struct store *s, const char *repo_location, const char *hash,
                   const char *benchmark, const char *spec_hash, const char *fingerprint,
                   int64_t *run_id, struct pw_error *err)
{
	const char *params[5] = {repo_location, hash, benchmark, spec_hash ? spec_hash : "",
	                         fingerprint};
	PGresult *res =
	        PQexecParams(s->conn,
	                     "SELECT r.id FROM runs r JOIN commits c ON c.id = r.commit_id "
	                     "JOIN repositories p ON p.id = c.repository_id "
	                     "JOIN environments e ON e.id = r.environment_id "
	                     "WHERE p.location = $1 AND c.hash = lower($2) AND r.benchmark = $3 "
	                     "AND r.spec_hash = $4 AND e.fingerprint = $5",
	                     5, NULL, params, NULL, NULL, 0);
	int ret = store_check(s, res, PGRES_TUPLES_OK, "could not look up earlier runs", err);

	if (!ret && PQntuples(res) == 0)
		ret = pw_error_set(err, PW_ENOTFOUND, "no stored run of '%s' on %.12s", benchmark,
		                   hash);
	else if (!ret)
		*run_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return ret;
}
